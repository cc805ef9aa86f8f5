"""Grad mode: whether ops record the graph. ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``.

The flag is a module global read by every op (``grad_mode.enabled``); each context
manager saves it on entry and restores it on exit, so they nest and survive exceptions.
"""
import functools

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled"]

enabled = True
inference = False


def is_grad_enabled():
    return enabled


def is_inference_mode_enabled():
    return inference


class _Mode:
    """Base of the grad-mode context managers; also usable as a decorator."""

    _grad = True
    _inference = None  # None: leave inference mode as it is

    def __enter__(self):
        global enabled, inference
        self._saved = (enabled, inference)
        enabled = self._grad
        if self._inference is not None:
            inference = self._inference

    def __exit__(self, *exc):
        global enabled, inference
        enabled, inference = self._saved
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self._fresh():
                return fn(*args, **kwargs)
        return wrapper

    def _fresh(self):
        new = self.__class__.__new__(self.__class__)
        new.__dict__.update(self.__dict__)
        return new

    def clone(self):
        return self._fresh()


class no_grad(_Mode):
    """Context manager and decorator that turns graph recording off.

    Example::

        >>> import ember
        >>> x = ember.ones(2, requires_grad=True)
        >>> with ember.no_grad():
        ...     y = x * 2
        >>> y.requires_grad
        False
    """

    _grad = False

    def __init__(self):
        pass


class enable_grad(_Mode):
    """Context manager and decorator that turns graph recording on (inside ``no_grad``)."""

    _grad = True

    def __init__(self):
        pass


class set_grad_enabled(_Mode):
    """Turn recording on or off: as a function call it acts at once; as a context manager, for its block."""

    def __init__(self, mode):
        global enabled
        self._grad = bool(mode)
        self._prev = enabled
        enabled = bool(mode)

    def __enter__(self):
        global enabled, inference
        self._saved = (self._prev, inference)
        enabled = self._grad

    def __call__(self, fn):
        global enabled
        enabled = self._prev  # used as a decorator: the call above must not leave the mode changed
        return super().__call__(fn)

    def _fresh(self):
        new = set_grad_enabled.__new__(set_grad_enabled)
        new._grad = self._grad
        new._prev = enabled
        return new


class inference_mode(_Mode):
    """Like ``no_grad``, and tensors made inside are inference tensors (``is_inference()``)
    that cannot later be saved for backward."""

    def __init__(self, mode=True):
        self._grad = not mode
        self._inference = bool(mode)
