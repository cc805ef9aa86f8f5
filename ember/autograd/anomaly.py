"""Anomaly detection: find the op whose backward produced NaN, and where it was created.

With anomaly mode on, each recorded node keeps the stack of the forward call that
made it (``node.metadata["traceback_"]``), and the engine checks every gradient a
rule returns: a NaN raises ``RuntimeError("Function 'DivBackward0' returned nan values
in its 0th output.")`` after a warning that shows the forward stack. It slows every op
down, so use it for debugging only.

Example::

    >>> import ember, warnings
    >>> x = ember.tensor([0., 1.], requires_grad=True)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     with ember.autograd.detect_anomaly():
    ...         y = (x / x).sum()
    ...         try:
    ...             y.backward()
    ...         except RuntimeError as e:
    ...             print(e)
    Function 'DivBackward0' returned nan values in its 1th output.
"""
import functools
import os
import warnings

from . import engine
from .._ops_hooks import set_trace_recording

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "is_anomaly_check_nan_enabled"]


def is_anomaly_enabled():
    """True while anomaly detection is on."""
    return engine._anomaly[0]


def is_anomaly_check_nan_enabled():
    """True if anomaly detection also checks backward results for NaN."""
    return engine._anomaly[1]


_EMBER_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def forward_stack():
    """The current call stack as formatted lines, without ember's own frames at its end, so
    that it ends at the user's line that called the op."""
    import traceback  # kept out of ``import ember``

    stack = traceback.extract_stack()
    while stack and os.path.abspath(stack[-1].filename).startswith(_EMBER_DIR + os.sep):
        stack.pop()
    return traceback.format_list(stack)


def _set(mode, check_nan=True):
    """Switch anomaly mode; returns the previous ``(mode, check_nan)``."""
    prev = (engine._anomaly[0], engine._anomaly[1])
    engine._anomaly[0] = bool(mode)
    engine._anomaly[1] = bool(check_nan)
    set_trace_recording(bool(mode))  # nodes keep their forward stack only while it is on
    return prev


class detect_anomaly:
    """Context manager (and decorator) that turns anomaly detection on for its block.

    Args:
        check_nan (bool): also raise when a backward rule returns NaN (default True).
    """

    def __init__(self, check_nan=True):
        self.check_nan = check_nan
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime and should only be "
                      "enabled for debugging.", stacklevel=2)

    def __enter__(self):
        self._prev = _set(True, self.check_nan)

    def __exit__(self, *exc):
        _set(*self._prev)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(self.check_nan):
                return fn(*args, **kwargs)

        return wrapper


class set_detect_anomaly:
    """Turn anomaly detection on or off: at once as a call, or for a block as a context manager.

    Args:
        mode (bool): on or off.
        check_nan (bool): also raise when a backward rule returns NaN (default True).
    """

    def __init__(self, mode, check_nan=True):
        self._prev = _set(mode, check_nan)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _set(*self._prev)
        return False
