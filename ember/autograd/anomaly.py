"""Anomaly detection: find the op whose backward produced NaN, and where it was created.

With anomaly mode on, each recorded node keeps the stack of the forward call that
made it, and the engine checks every gradient a rule returns; a NaN raises a
RuntimeError naming the node, after a warning that shows the forward stack.
"""
from . import engine
from .._ops_hooks import set_trace_recording

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled"]


def is_anomaly_enabled():
    return engine._anomaly[0]


def _set(mode, check_nan=True):
    prev = (engine._anomaly[0], engine._anomaly[1])
    engine._anomaly[0] = bool(mode)
    engine._anomaly[1] = bool(check_nan)
    set_trace_recording(bool(mode))
    return prev


class detect_anomaly:
    """Context manager (and decorator) that turns anomaly detection on for its block."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def __enter__(self):
        self._prev = _set(True, self.check_nan)

    def __exit__(self, *exc):
        _set(*self._prev)
        return False

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*a, **k):
            with detect_anomaly(self.check_nan):
                return fn(*a, **k)

        return wrapper


class set_detect_anomaly:
    """Turn anomaly detection on or off: at once as a call, or for a block as a context manager."""

    def __init__(self, mode, check_nan=True):
        self._prev = _set(mode, check_nan)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _set(*self._prev)
        return False
