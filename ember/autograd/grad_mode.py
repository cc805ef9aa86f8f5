"""Grad mode: whether ops record the graph. ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``.

Two module globals hold the state, read by every op: ``enabled`` (record the graph?)
and ``inference`` (inside ``inference_mode``?). Each context manager saves both on
entry and restores them on exit, so the managers nest and an exception leaves the
state as it was. Every manager is also a decorator, with or without parentheses
(``@no_grad`` and ``@no_grad()``), for plain and generator functions alike.

NOTE: PyTorch keeps grad mode per thread; ember keeps one global state.

Example::

    >>> import ember
    >>> x = ember.ones(2, requires_grad=True)
    >>> with ember.no_grad():
    ...     y = x * 2
    >>> y.requires_grad
    False
    >>> @ember.no_grad()
    ... def double(t):
    ...     return t * 2
    >>> double(x).requires_grad, ember.is_grad_enabled()
    (False, True)
"""
import functools

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled"]

enabled = True      # False inside no_grad / inference_mode: ops record nothing
inference = False   # True inside inference_mode


def is_grad_enabled():
    """True if ops currently record the autograd graph."""
    return enabled


def is_inference_mode_enabled():
    """True inside ``inference_mode()``."""
    return inference


def _wrap_generator(make_ctx, gen_fn):
    """Decorate a generator function: the mode holds while the generator body runs, not
    while its consumer runs between two ``next`` calls."""

    @functools.wraps(gen_fn)
    def wrapper(*args, **kwargs):
        gen = gen_fn(*args, **kwargs)
        try:
            with make_ctx():
                response = gen.send(None)
            while True:
                try:
                    request = yield response
                except GeneratorExit:
                    with make_ctx():
                        gen.close()
                    raise
                except BaseException as exc:
                    with make_ctx():
                        response = gen.throw(exc)
                else:
                    with make_ctx():
                        response = gen.send(request)
        except StopIteration as stop:
            return stop.value

    return wrapper


class _DecoratorContextManager:
    """A context manager that is also a decorator (each call of the decorated function
    enters a fresh copy, from ``clone()``)."""

    def __call__(self, fn):
        import inspect  # kept out of ``import ember``

        if inspect.isclass(fn):
            raise RuntimeError(f"{type(self).__name__} cannot decorate a class; decorate its methods instead")
        if inspect.isgeneratorfunction(fn):
            return _wrap_generator(self.clone, fn)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.clone():
                return fn(*args, **kwargs)

        return wrapper

    def __enter__(self):
        raise NotImplementedError

    def __exit__(self, exc_type, exc_value, tb):
        global enabled, inference
        enabled, inference = self._saved
        return False

    def clone(self):
        return self.__class__()


class _NoParamDecoratorContextManager(_DecoratorContextManager):
    """Allows ``@no_grad`` without parentheses: the class called on a function decorates it."""

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_NoParamDecoratorContextManager):
    """Context manager and decorator that turns graph recording off.

    Results of ops inside have ``requires_grad=False`` even when their inputs require
    grad; factory calls with ``requires_grad=True`` still make leaves that require grad.
    """

    def __enter__(self):
        global enabled
        self._saved = (enabled, inference)
        enabled = False


class enable_grad(_NoParamDecoratorContextManager):
    """Context manager and decorator that turns graph recording on (e.g. inside ``no_grad``)."""

    def __enter__(self):
        global enabled
        self._saved = (enabled, inference)
        enabled = True


class set_grad_enabled(_DecoratorContextManager):
    """Turn recording on or off: called as a function it acts at once (and stays); as a
    context manager it acts for its block; as a decorator, for each call.

    Args:
        mode (bool): True to record the graph, False not to.
    """

    def __init__(self, mode):
        global enabled
        self.prev = enabled
        self.mode = bool(mode)
        enabled = self.mode

    def __call__(self, fn):
        global enabled
        # NOTE: ``set_grad_enabled(False)`` already acted when it was built; as a decorator
        # it must not leave the mode changed, so undo that before wrapping.
        enabled = self.prev
        return super().__call__(fn)

    def __enter__(self):
        global enabled
        self._saved = (self.prev, inference)
        enabled = self.mode

    def clone(self):
        return self.__class__(self.mode)


class inference_mode(_DecoratorContextManager):
    """``no_grad`` for pure inference: records nothing and reports ``is_inference_mode_enabled()``.

    ``inference_mode(False)`` switches inference mode off and grad mode on for its block
    (as in PyTorch). NOTE: ember does not mark tensors created inside as inference
    tensors, so ``Tensor.is_inference()`` is False for them (PyTorch: True) and using them
    later in recorded ops is not refused.

    Args:
        mode (bool): True (default) to enter inference mode.
    """

    def __new__(cls, mode_or_orig_func=True):
        if mode_or_orig_func is None or isinstance(mode_or_orig_func, bool):
            return super().__new__(cls)
        return cls()(mode_or_orig_func)

    def __init__(self, mode=True):
        self.mode = bool(mode)

    def __enter__(self):
        global enabled, inference
        self._saved = (enabled, inference)
        enabled = not self.mode
        inference = self.mode

    def clone(self):
        return self.__class__(self.mode)
