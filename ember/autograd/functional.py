"""``ember.autograd.functional``: Jacobians, Hessians and vector products of whole functions.

All are built on reverse mode (``autograd.grad``): ``jvp`` uses the double-vjp trick
(differentiate ``u -> vjp(u)`` w.r.t. ``u``), as PyTorch's own implementation does.
"""
import numpy as np

from . import grad_mode

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


def _tensor():
    from ..tensor import Tensor

    return Tensor


def _as_tuple(x):
    return (x, False) if not isinstance(x, (tuple, list)) else (tuple(x), True)


def _prepare(inputs, create_graph):
    """Detached copies of the inputs that require grad (the functions differentiate w.r.t. them)."""
    return tuple(x.detach().requires_grad_(True) if x.dtype.is_floating_point else x.detach() for x in inputs)


def _grad(outputs, inputs, grad_outputs, create_graph, strict=False, what="vjp"):
    from . import grad

    outs = [o for o in outputs]
    pairs = [(o, g) for o, g in zip(outs, grad_outputs) if o.requires_grad]
    if not pairs:
        return tuple(None for _ in inputs)
    res = grad(tuple(o for o, _ in pairs), inputs, tuple(g for _, g in pairs), create_graph=create_graph,
               retain_graph=True, allow_unused=True)
    if strict and any(r is None for r in res):
        raise RuntimeError(f"The output of the user-provided function is independent of input {[r is None for r in res].index(True)}. "
                           "This is not allowed in strict mode.")
    return res


def _zeros_for(grads, inputs):
    Tensor = _tensor()
    return tuple(g if g is not None else Tensor._make(np.zeros_like(x._data)) for g, x in zip(grads, inputs))


def _detach_all(xs, create_graph):
    return xs if create_graph else tuple(x.detach() if x is not None else None for x in xs)


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T J): the vector-Jacobian product at ``inputs``."""
    Tensor = _tensor()
    inputs, tuple_in = _as_tuple(inputs)
    with grad_mode.enable_grad():
        xs = _prepare(inputs, create_graph)
        out = func(*xs)
        outs, tuple_out = _as_tuple(out)
        if v is None:
            if len(outs) != 1 or outs[0].numel() != 1:
                raise RuntimeError("The vector v can only be None if the user-provided function returns a single "
                                   "Tensor with a single element.")
            v = Tensor._make(np.ones_like(outs[0]._data))
        vs, _ = _as_tuple(v)
        grads = _zeros_for(_grad(outs, xs, vs, create_graph, strict), xs)
    outs = _detach_all(outs, create_graph)
    grads = _detach_all(grads, create_graph)
    return (outs if tuple_out else outs[0]), (grads if tuple_in else grads[0])


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v): the Jacobian-vector product, by the double-vjp trick."""
    Tensor = _tensor()
    inputs, tuple_in = _as_tuple(inputs)
    with grad_mode.enable_grad():
        xs = _prepare(inputs, create_graph)
        out = func(*xs)
        outs, tuple_out = _as_tuple(out)
        if v is None:
            if len(xs) != 1 or xs[0].numel() != 1:
                raise RuntimeError("The vector v can only be None if the input to the user-provided function "
                                   "is a single Tensor with a single element.")
            v = Tensor._make(np.ones_like(xs[0]._data))
        vs, _ = _as_tuple(v)
        us = tuple(Tensor._make(np.zeros_like(o._data)).requires_grad_(True) for o in outs)
        g = _grad(outs, xs, us, True)
        pairs = [(gi, vi) for gi, vi in zip(g, vs) if gi is not None and gi.requires_grad]
        if pairs:
            from . import grad

            res = grad(tuple(p[0] for p in pairs), us, tuple(p[1] for p in pairs), create_graph=create_graph,
                       allow_unused=True)
        else:
            res = (None,) * len(us)
        res = _zeros_for(res, outs)
    outs = _detach_all(outs, create_graph)
    res = _detach_all(res, create_graph)
    return (outs if tuple_out else outs[0]), (res if tuple_out else res[0])


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``, shaped ``output.shape + input.shape``
    (nested tuples when there are several outputs or inputs)."""
    Tensor = _tensor()
    if strategy != "reverse-mode":
        raise NotImplementedError(f"jacobian: strategy={strategy!r} is not supported by ember (reverse-mode only)")
    inputs, tuple_in = _as_tuple(inputs)
    with grad_mode.enable_grad():
        xs = _prepare(inputs, create_graph)
        out = func(*xs)
        outs, tuple_out = _as_tuple(out)
        table = []
        for o in outs:
            rows = [[] for _ in xs]
            for k in range(o.numel()):
                go = np.zeros(o._data.shape, o._data.dtype)
                go.reshape(-1)[k] = 1
                gs = _zeros_for(_grad((o,), xs, (Tensor._make(go),), create_graph, strict), xs)
                for j, g in enumerate(gs):
                    rows[j].append(g)
            from ..ops.shapes import stack

            entry = []
            for j, x in enumerate(xs):
                if rows[j]:
                    J = stack(rows[j]).reshape(tuple(o.shape) + tuple(x.shape))
                else:
                    J = Tensor._make(np.zeros(tuple(o.shape) + tuple(x.shape), x._data.dtype))
                entry.append(J if create_graph else J.detach())
            table.append(tuple(entry))
    if not tuple_out and not tuple_in:
        return table[0][0]
    if not tuple_out:
        return table[0]
    if not tuple_in:
        return tuple(e[0] for e in table)
    return tuple(table)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar function ``func`` at ``inputs``."""
    inputs_t, tuple_in = _as_tuple(inputs)

    def gradient(*xs):
        from . import grad

        out = func(*xs)
        if out.numel() != 1:
            raise RuntimeError("The function given to hessian should return a single Tensor with a single element")
        gs = grad(out, xs, create_graph=True, allow_unused=True)
        return _zeros_for(gs, xs) if tuple_in else _zeros_for(gs, xs)[0]

    return jacobian(gradient, inputs_t if tuple_in else inputs_t[0], create_graph=create_graph, strict=strict)


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T H): vector-Hessian product of a scalar function."""
    inputs_t, tuple_in = _as_tuple(inputs)
    from . import grad

    with grad_mode.enable_grad():
        xs = _prepare(inputs_t, create_graph)
        out = func(*xs)
        gs = _zeros_for(grad(out, xs, create_graph=True, allow_unused=True), xs)
        vs, _ = _as_tuple(v)
        hv = _zeros_for(_grad(gs, xs, vs, create_graph, strict), xs)
    out = out if create_graph else out.detach()
    hv = _detach_all(hv, create_graph)
    return out, (hv if tuple_in else hv[0])


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v); H is symmetric, so this equals ``vhp``."""
    return vhp(func, inputs, v, create_graph, strict)
