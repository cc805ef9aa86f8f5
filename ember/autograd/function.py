"""Custom differentiable ops: ``ember.autograd.Function``.

Subclass ``Function`` with static ``forward(ctx, *args)`` and ``backward(ctx, *grads)``
(or ``forward(*args)`` plus ``setup_context(ctx, inputs, output)``) and call
``YourFunction.apply(*args)``. As in PyTorch, ``ctx`` *is* the graph node: what you
store on it in forward is there in backward. Forward runs with grad mode off; backward
receives Tensors and runs with grad mode on only when ``create_graph=True``, so a
backward written with ember ops is itself differentiable.

Example::

    >>> import ember
    >>> class Cube(ember.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x ** 3
    ...     @staticmethod
    ...     def backward(ctx, grad):
    ...         x, = ctx.saved_tensors
    ...         return grad * 3 * x ** 2
    >>> x = ember.tensor(2., requires_grad=True)
    >>> Cube.apply(x).backward()
    >>> x.grad
    tensor(12.)
"""
import functools

import numpy as np

from . import engine as _engine, grad_mode
from . import node as _node
from .node import Node, NO_EDGE, grad_accumulator, _FREED_MSG

__all__ = ["Function", "FunctionCtx", "once_differentiable", "InplaceFunction", "NestedIOFunction"]


def _tensor():
    return _node.Tensor  # set by ember.tensor at import


class FunctionCtx:
    """What ``forward`` can tell ``backward`` (mixed into the node class).

    Besides these methods, any attribute may be set on ``ctx`` in forward and read in
    backward (``ctx.k = k``), and ``ctx.needs_input_grad`` tells, for each argument of
    ``apply``, whether its gradient is wanted.
    """

    def save_for_backward(self, *tensors):
        """Keep tensors (or None) for backward; read them back with ``saved_tensors``."""
        Tensor = _tensor()
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"save_for_backward can only save variables, but argument {i} is of type "
                                f"{type(t).__name__}")
        self._to_save = tensors

    def save_for_forward(self, *tensors):
        raise NotImplementedError("save_for_forward: forward-mode AD (jvp) is not supported by ember")

    @property
    def saved_tensors(self):
        """The tensors given to ``save_for_backward``.

        RuntimeError if one was modified in place since it was saved (version counter), or
        if the graph was freed by an earlier backward without ``retain_graph=True``.
        """
        saved = self.__dict__.get("_saved_list", ())
        if saved is None:
            raise RuntimeError(_FREED_MSG)
        for i, (t, v) in enumerate(saved):
            if t is not None and t._vc is not None and t._vc[0] != v:
                self._version_error(t._data, v, t._vc[0], i, tensor=t)
        return tuple(t for t, _ in saved)

    saved_variables = saved_tensors

    def mark_dirty(self, *tensors):
        """Declare inputs that forward modified in place (they must also be returned)."""
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors):
        """Declare outputs that have no gradient (e.g. indices): they get ``requires_grad=False``."""
        self._non_diff = tensors

    def set_materialize_grads(self, value):
        """If False, backward receives None (not zeros) for outputs that got no gradient."""
        self._materialize = bool(value)


class BackwardFunction(FunctionCtx, Node):
    """The node of one call of a custom Function; ``ctx`` in forward and backward."""

    _materialize = True
    _fn_cls = None

    def name(self):
        return self._fn_cls.__name__ + "Backward"

    def release(self):
        """Free the saved tensors (``saved_tensors`` then raises PyTorch's 'second time' error)."""
        if "_saved_list" in self.__dict__:
            self.__dict__["_saved_list"] = None
        self.saved = None

    def run(self, F, grad, diff):
        """Call the user's backward with Tensors, then check what it returned, as PyTorch does:
        one gradient (or None) per argument of ``apply``, each a Tensor whose shape broadcasts
        to its input's (summed back) and whose dtype is cast to its input's."""
        Tensor = _tensor()
        if self._n_outputs == 1 and grad is not None:  # the common case
            gs = (grad if diff else Tensor._make(grad if grad.__class__ is np.ndarray else np.asarray(grad)),)
        else:
            gs = []
            for i, g in enumerate(grad if self._n_outputs > 1 else (grad,)):
                if g is None:
                    if self._materialize:
                        shape, dt = self._out_meta[i]
                        g = Tensor._make(np.zeros(shape, dt))
                elif not diff:
                    g = Tensor._make(np.asarray(g))
                gs.append(g)
        prev = grad_mode.enabled
        grad_mode.enabled = diff  # so a backward made of ember ops is recorded under create_graph
        try:
            res = self._fn_cls.backward(self, *gs)
        finally:
            grad_mode.enabled = prev
        if not isinstance(res, tuple):
            res = (res,)
        n_in = len(self._in_meta)
        if len(res) != n_in:
            if len(res) > n_in and all(r is None for r in res[n_in:]):
                res = res[:n_in]
            else:
                raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients "
                                   f"(expected {n_in}, got {len(res)})")
        out = []  # one gradient per Tensor argument, in the order of next_functions
        edges = iter(self.next_functions)
        for i, (g, meta) in enumerate(zip(res, self._in_meta)):
            if g is not None and not isinstance(g, Tensor):
                raise RuntimeError(f"expected Variable or None (got {type(g).__name__})")
            if meta is None:
                if g is not None:
                    raise RuntimeError(f"function {self.name()} returned a gradient different than None at "
                                       f"position {i + 1}, but the corresponding forward input was not a Variable")
                continue
            fn, _ = next(edges)
            if g is None or fn is None:
                out.append(None)
                continue
            shape, dt = meta
            gd = g._data
            if gd.shape == shape and gd.dtype is dt:
                out.append(g if diff else gd)
                continue
            if g._data.shape != shape:
                if not _expandable(shape, g._data.shape):
                    raise RuntimeError(
                        f"Function {self.name()} returned an invalid gradient at index {i} - got "
                        f"[{', '.join(map(str, g._data.shape))}] but expected shape compatible with "
                        f"[{', '.join(map(str, shape))}]")
                g = _sum_to(g, shape)
            if g._data.dtype != dt:
                g = g.to(_dtype_of(dt))
            out.append(g if diff else g._data)
        return tuple(out)


def _expandable(shape, to):
    """True if ``shape`` broadcasts to ``to`` (a gradient of shape ``to`` sums back to ``shape``)."""
    try:
        return np.broadcast_shapes(shape, to) == tuple(to)
    except ValueError:
        return False


def _sum_to(g, shape):
    from .node import T

    return T.sum_to(g, shape)  # recorded only under create_graph (the engine sets grad mode)


def _dtype_of(np_dtype):
    from ..dtypes import FROM_NP

    return FROM_NP[np_dtype]


class _FunctionMeta(type):
    """Gives each Function subclass its own node class, so ``grad_fn.name()`` reads
    ``<YourFunction>Backward`` as in PyTorch."""

    def __init__(cls, name, bases, attrs):
        super().__init__(name, bases, attrs)
        cls._backward_cls = type(name + "Backward", (BackwardFunction,), {"_fn_cls": cls})


class Function(metaclass=_FunctionMeta):
    """Base class of custom differentiable ops; see the module docstring.

    ``apply(*args)`` runs ``forward`` with grad mode off, then, if grad mode is on and a
    Tensor argument requires grad, makes ``ctx`` the ``grad_fn`` of the floating-point
    outputs. Non-Tensor arguments are passed through; their gradient must be None.
    """

    def __init__(self, *args, **kwargs):
        import warnings

        warnings.warn(f"{type(self)} should not be instantiated. Methods on autograd functions "
                      "are all static, so you should invoke them on the class itself.", DeprecationWarning)

    def __call__(self, *args, **kwargs):
        raise RuntimeError("Legacy autograd function with non-static forward method is deprecated. Please use "
                           "new-style autograd function with static forward method. (Example: "
                           "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)")

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError("forward-mode AD (jvp) is not supported by ember")

    @classmethod
    def apply(cls, *args, **kwargs):
        Tensor = _tensor()
        if cls.backward is Function.backward and cls.vjp is not Function.vjp:
            cls.backward = cls.vjp
        separate = cls.setup_context is not Function.setup_context
        if kwargs or separate:
            args, kwargs = _bind(cls.forward, args, kwargs, separate)
        node = cls._backward_cls()
        needs = []
        for a in args:
            needs.append(isinstance(a, Tensor) and a._requires_grad)
        node.needs_input_grad = needs = tuple(needs)
        prev = grad_mode.enabled
        grad_mode.enabled = False
        try:
            if separate:
                outputs = cls.forward(*args, **kwargs)
                cls.setup_context(node, args, outputs)
            else:
                outputs = cls.forward(node, *args, **kwargs)
        finally:
            grad_mode.enabled = prev
        single = not isinstance(outputs, tuple)
        outs = _wrap_outputs(node, args, (outputs,) if single else outputs, prev and any(needs))
        return outs[0] if single else outs


def _bind(forward, args, kwargs, separate):
    """Keyword arguments moved to their positions, as PyTorch does (each one is an input that
    gets a gradient slot); the setup_context form also fills in defaults, so ``inputs`` is complete."""
    import inspect  # only for calls with keyword arguments; kept out of ``import ember``

    bound = inspect.signature(forward).bind(*(() if separate else (None,)), *args, **kwargs)
    if separate:
        bound.apply_defaults()
    return (bound.args if separate else bound.args[1:]), bound.kwargs


class _Ids:
    """``x in _Ids(seq)``: identity membership (``in`` on a tuple of Tensors would compare values)."""

    __slots__ = ("seq",)

    def __init__(self, seq):
        self.seq = seq

    def __contains__(self, x):
        for y in self.seq:
            if y is x:
                return True
        return False


def _wrap_outputs(node, args, outs, record):
    """Make ``node`` the grad_fn of forward's outputs; handle dirty, non-differentiable and
    saved tensors."""
    Tensor = _tensor()
    d = node.__dict__
    dirty = d.pop("_dirty", ())
    non_diff = d.pop("_non_diff", ())
    to_save = d.pop("_to_save", ())
    for t in dirty:  # (usually none)
        if not any(t is o for o in outs):
            raise RuntimeError("Some elements marked as dirty during the forward method were not returned as output. "
                               "The inputs that are modified inplace must all be outputs of the Function.")
        if record and t.grad_fn is None and t._requires_grad:
            raise RuntimeError("a leaf Variable that requires grad has been used in an in-place operation.")
        if record and t._base is not None and t._base._requires_grad:
            raise NotImplementedError("mark_dirty on a view of a tensor that requires grad is not supported by "
                                      "ember; clone() the view first")
    # An input returned unchanged becomes a new tensor on the same memory (PyTorch returns a view).
    new_outs = []
    for o in outs:
        if isinstance(o, Tensor) and o in _Ids(args) and o not in _Ids(dirty):
            alias = Tensor._make(o._data)
            alias._vc = o._share_vc()
            o = alias
        new_outs.append(o)
    if record:
        # as in PyTorch, edges only for Tensor arguments; backward still returns one value per argument
        edges, in_meta = [], []
        for a in args:
            if isinstance(a, Tensor):
                if a._requires_grad:
                    fn = a.grad_fn
                    edges.append((fn, a._output_nr) if fn is not None else (grad_accumulator(a), 0))
                else:
                    edges.append(NO_EDGE)
                in_meta.append((a._data.shape, a._data.dtype))
            else:
                in_meta.append(None)
        node.next_functions = tuple(edges)
        node.saved = node.arrays = node.versions = ()
        node.epoch = 0
        node._in_meta = in_meta
        node._out_meta = [(o._data.shape, o._data.dtype) if isinstance(o, Tensor) else ((), np.float32)
                          for o in new_outs]
        node._n_outputs = len(new_outs)
        if node._n_outputs != 1:
            node._general = True  # several outputs: the engine's general route
        if _engine._anomaly[0]:  # anomaly mode: remember where forward was called
            from .anomaly import forward_stack

            node.metadata["traceback_"] = forward_stack()
        for i, o in enumerate(new_outs):
            if not isinstance(o, Tensor):
                continue
            if (non_diff and o in _Ids(non_diff)) or o._data.dtype.kind != "f":
                o._requires_grad = False
                continue
            o._requires_grad = True
            o.grad_fn = node
            o.__dict__.pop("_output_nr", None)
            if i:
                o.__dict__["_output_nr"] = i
    for t in dirty:
        t._bump()
    # NOTE: versions are taken after the dirty bumps, so saving a tensor modified in place by
    # forward itself is fine (as in PyTorch); a later in-place change is caught in backward.
    saved = []
    for t in to_save:
        vc = t._vc if t is not None else None
        saved.append((t, vc[0] if vc is not None else 0))
    d["_saved_list"] = saved
    if record:
        node.saved = tuple(saved)  # non-empty tells the engine there is something to free after backward
    return tuple(new_outs)


class InplaceFunction(Function):
    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace


class NestedIOFunction(Function):
    pass


_ONCE_MSG = "trying to differentiate twice a function that was marked with @once_differentiable"


class _DelayedError(Function):
    """Passes tensors through; differentiating the result raises (``once_differentiable``)."""

    @staticmethod
    def forward(ctx, *xs):
        return xs

    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError(_ONCE_MSG)


_DelayedError._backward_cls.name = lambda self: "torch::autograd::Error"


def once_differentiable(fn):
    """Decorate a ``backward`` that is not itself differentiable.

    It runs with grad mode off. Under ``create_graph=True`` with gradients that require
    grad, its results are routed through an error node, so that differentiating them again
    raises instead of silently giving zero (as in PyTorch).
    """

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with grad_mode.no_grad():
            outputs = fn(ctx, *args)
        Tensor = _tensor()
        if not grad_mode.enabled or not any(isinstance(a, Tensor) and a._requires_grad for a in args):
            return outputs
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs
        fakes = tuple(o.detach().requires_grad_(True) if isinstance(o, Tensor) and o._data.dtype.kind == "f"
                      else o for o in outs)
        wrapped = _DelayedError.apply(*fakes)
        return wrapped[0] if single else wrapped

    return wrapper
