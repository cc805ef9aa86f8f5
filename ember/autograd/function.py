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

from . import grad_mode
from .node import Node, NO_EDGE, grad_accumulator, _FREED_MSG

__all__ = ["Function", "FunctionCtx", "once_differentiable", "InplaceFunction", "NestedIOFunction"]


def _tensor():
    from ..tensor import Tensor

    return Tensor


class FunctionCtx:
    """What ``forward`` can tell ``backward`` (mixed into the node class)."""

    def save_for_backward(self, *tensors):
        """Keep tensors (or None) for backward; read them back with ``saved_tensors``."""
        Tensor = _tensor()
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError("save_for_backward can only save variables, but argument "
                                f"{tensors.index(t)} is of type {type(t).__name__}")
        self._to_save = tensors

    def save_for_forward(self, *tensors):
        self._to_save_forward = tensors

    @property
    def saved_tensors(self):
        """The tensors given to ``save_for_backward``; RuntimeError if modified in place since."""
        saved = self.__dict__.get("_saved_list", ())
        if saved is None:
            raise RuntimeError(_FREED_MSG)
        out = []
        for t, v in saved:
            if t is not None and t._vc is not None and t._vc[0] != v:
                self._version_error(t._data, v, t._vc[0], len(out))
            out.append(t)
        return tuple(out)

    saved_variables = saved_tensors

    def mark_dirty(self, *tensors):
        """Declare inputs that forward modified in place."""
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors):
        """Declare outputs that have no gradient (e.g. indices)."""
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
        if "_saved_list" in self.__dict__:
            self.__dict__["_saved_list"] = None

    def run(self, F, grad, diff):
        Tensor = _tensor()
        grads = grad if self._n_outputs > 1 else (grad,)
        gs = []
        for i, g in enumerate(grads):
            if g is None:
                if self._materialize:
                    shape, dt = self._out_meta[i]
                    g = Tensor._make(np.zeros(shape, dt))
            elif not diff:
                g = Tensor._make(np.asarray(g))
            gs.append(g)
        prev = grad_mode.enabled
        grad_mode.enabled = diff
        try:
            res = self._fn_cls.backward(self, *gs)
        finally:
            grad_mode.enabled = prev
        if not isinstance(res, tuple):
            res = (res,)
        n_in = len(self.next_functions)
        if len(res) != n_in:
            if len(res) > n_in and all(r is None for r in res[n_in:]):
                res = res[:n_in]
            else:
                raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients "
                                   f"(expected {n_in}, got {len(res)})")
        out = []
        for i, (g, (fn, _)) in enumerate(zip(res, self.next_functions)):
            if g is None or fn is None:
                out.append(None)
                continue
            if not isinstance(g, Tensor):
                raise TypeError(f"function {self.name()} returned a gradient of type {type(g).__name__} at index {i}; "
                                "expected a Tensor or None")
            shape, dt = self._in_meta[i]
            if g._data.shape != shape:
                try:
                    if np.broadcast_shapes(g._data.shape, shape) != g._data.shape:
                        raise ValueError
                except ValueError:
                    raise RuntimeError(
                        f"Function {self.name()} returned an invalid gradient at index {i} - got "
                        f"[{', '.join(map(str, g._data.shape))}] but expected shape compatible with "
                        f"[{', '.join(map(str, shape))}]") from None
                out.append(F.sum_to(g if diff else g._data, shape))
                continue
            if g._data.dtype != dt:
                g = g.to(_dtype_of(dt))
            out.append(g if diff else g._data)
        return tuple(out)


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
    """Base class of custom differentiable ops; see the module docstring."""

    def __init__(self, *args, **kwargs):
        import warnings

        warnings.warn(f"{type(self)} should not be instantiated. Methods on autograd functions "
                      "are all static, so you should invoke them on the class itself.", DeprecationWarning)

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
        node = cls._backward_cls()
        needs = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
        node.needs_input_grad = needs
        separate = cls.setup_context is not Function.setup_context
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
        outs = (outputs,) if single else outputs
        record_graph = prev and any(needs)
        dirty = node.__dict__.pop("_dirty", ())
        non_diff = node.__dict__.pop("_non_diff", ())
        to_save = node.__dict__.pop("_to_save", ())
        node.__dict__["_saved_list"] = [(t, t._vc[0] if (t is not None and t._vc is not None) else 0)
                                        for t in to_save]
        # Outputs that are inputs returned unchanged become new tensors on the same memory.
        new_outs = []
        for o in outs:
            if isinstance(o, Tensor) and any(o is a for a in args) and not any(o is d for d in dirty):
                alias = Tensor._make(o._data)
                alias._vc = o._share_vc()
                o = alias
            new_outs.append(o)
        if record_graph:
            node.next_functions = tuple(
                ((a.grad_fn, a._output_nr) if a.grad_fn is not None else (grad_accumulator(a), 0))
                if isinstance(a, Tensor) and a._requires_grad else NO_EDGE for a in args)
            node.saved = node.arrays = node.versions = ()
            node.epoch = 0
            node._in_meta = [(a._data.shape, a._data.dtype) if isinstance(a, Tensor) else None for a in args]
            node._out_meta = [(o._data.shape, o._data.dtype) if isinstance(o, Tensor) else ((), np.float32)
                              for o in new_outs]
            node._n_outputs = len(new_outs)
            for d in dirty:
                if d.grad_fn is None and d._requires_grad:
                    raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
            for i, o in enumerate(new_outs):
                if not isinstance(o, Tensor):
                    continue
                if any(o is nd for nd in non_diff) or not o.dtype.is_floating_point:
                    o._requires_grad = False
                    continue
                o._requires_grad = True
                o.grad_fn = node
                if i:
                    o.__dict__["_output_nr"] = i
        for d in dirty:
            d._bump()
        return new_outs[0] if single else tuple(new_outs)


class InplaceFunction(Function):
    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace


class NestedIOFunction(Function):
    pass


def once_differentiable(fn):
    """Decorate a ``backward`` that is not itself differentiable: it runs with grad mode off."""

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with grad_mode.no_grad():
            return fn(ctx, *args)

    return wrapper
