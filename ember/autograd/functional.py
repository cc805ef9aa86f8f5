"""``ember.autograd.functional``: Jacobians, Hessians and vector products of whole functions.

For ``y = f(x)`` with Jacobian ``J = dy/dx``:

* ``vjp(f, x, v)`` = ``v^T J``: one reverse pass (``autograd.grad`` with ``grad_outputs=v``);
* ``jvp(f, x, v)`` = ``J v``: by the double-vjp trick. ``g(u) = u^T J`` is linear in ``u``,
  so its own vjp with ``v`` is ``J v``: differentiate ``u -> vjp(u)`` w.r.t. ``u``;
* ``jacobian(f, x)``: one vjp per output element (rows of J), stacked;
* ``hessian(f, x)``: the Jacobian of the gradient of a scalar ``f``;
* ``vhp(f, x, v)`` = ``v^T H`` and ``hvp(f, x, v)`` = ``H v`` (equal: H is symmetric).

All follow PyTorch's conventions: ``inputs`` and ``v`` are a Tensor or a tuple of Tensors,
and results mirror that structure; results are detached unless ``create_graph=True``, in
which case they are differentiable w.r.t. the original inputs; an output independent of
an input gives zeros (or, with ``strict=True``, a RuntimeError).

Example::

    >>> import ember
    >>> from ember.autograd.functional import jacobian
    >>> jacobian(lambda x: x ** 2, ember.tensor([1., 2.]))
    tensor([[2., 0.],
            [0., 4.]])
"""
import numpy as np

from . import grad_mode

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


def _tensor():
    from ..tensor import Tensor

    return Tensor


def _as_tuple(x, arg_name, fn_name):
    """``(tuple_of_tensors, was_a_tuple)``; TypeError naming the argument otherwise."""
    Tensor = _tensor()
    is_tuple = isinstance(x, (tuple, list))
    xs = tuple(x) if is_tuple else (x,)
    for i, t in enumerate(xs):
        if not isinstance(t, Tensor):
            where = (f"the value at index {i} has type {type(t)}" if is_tuple
                     else f"the given {arg_name} has type {type(t)}")
            raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors but "
                            f"{where}.")
    return xs, is_tuple


def _untuple(xs, is_tuple):
    return xs if is_tuple else xs[0]


def _prepare(inputs, create_graph):
    """Inputs that require grad, to differentiate against. With ``create_graph`` an input that
    already requires grad is aliased (``view_as``), so results stay connected to it."""
    return tuple(x.view_as(x) if create_graph and x._requires_grad else x.detach().requires_grad_(True)
                 for x in inputs)


def _finish(xs, create_graph):
    return tuple(x if x is None or create_graph else x.detach() for x in xs)


def _zeros_like(x):
    return _tensor()._make(np.zeros_like(x._data))


def _grad(outputs, inputs, grad_outputs, create_graph):
    """``autograd.grad`` that tolerates outputs not requiring grad and unused inputs (-> None)."""
    from . import grad

    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o._requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    return grad(tuple(o for o, _ in pairs), inputs, tuple(g for _, g in pairs), create_graph=create_graph,
                retain_graph=True, allow_unused=True)


def _fill_zeros(grads, refs, strict, what="back"):
    """Replace None by zeros shaped like the matching ``refs`` (RuntimeError when strict)."""
    out = []
    for i, (g, r) in enumerate(zip(grads, refs)):
        if g is None:
            if strict:
                if what == "back":
                    raise RuntimeError(f"The output of the user-provided function is independent of input {i}. "
                                       "This is not allowed in strict mode.")
                raise RuntimeError(f"The gradient with respect to input {i} is independent of the inputs of the "
                                   "user-provided function. This is not allowed in strict mode.")
            g = _zeros_like(r)
        out.append(g)
    return tuple(out)


def _check_v(vs, outs, is_tuple):
    if len(vs) != len(outs):
        raise RuntimeError(f"v is a tuple of invalid length: should be {len(outs)} but got {len(vs)}.")
    for i, (v, o) in enumerate(zip(vs, outs)):
        if v._data.shape != o._data.shape:
            prefix = f"Entry {i} in " if is_tuple else ""
            raise RuntimeError(f"{prefix}v has invalid size: should be {o.shape} but got {v.shape}.")


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T J)``: the vector-Jacobian product at ``inputs``.

    ``v`` is shaped like the outputs; it may be None only for a one-element output.
    """
    with grad_mode.enable_grad():
        xs, in_tuple = _as_tuple(inputs, "inputs", "vjp")
        xs = _prepare(xs, create_graph)
        outs, out_tuple = _as_tuple(func(*xs), "outputs of the user-provided function", "vjp")
        if v is None:
            if len(outs) != 1 or outs[0].numel() != 1:
                raise RuntimeError("The vector v can only be None if the user-provided function returns a single "
                                   "Tensor with a single element.")
            vs = (_tensor()._make(np.ones_like(outs[0]._data)),)
        else:
            vs, _ = _as_tuple(v, "v", "vjp")
            _check_v(vs, outs, out_tuple)
        grads = _fill_zeros(_grad(outs, xs, vs, create_graph), xs, strict)
    return _untuple(_finish(outs, create_graph), out_tuple), _untuple(_finish(grads, create_graph), in_tuple)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), J v)``: the Jacobian-vector product, by the double-vjp trick.

    ``v`` is shaped like the inputs; it may be None only for a one-element input.
    """
    Tensor = _tensor()
    with grad_mode.enable_grad():
        xs, in_tuple = _as_tuple(inputs, "inputs", "jvp")
        xs = _prepare(xs, create_graph)
        if v is None:
            if len(xs) != 1 or xs[0].numel() != 1:
                raise RuntimeError("The vector v can only be None if the input to the user-provided function "
                                   "is a single Tensor with a single element.")
            vs = (Tensor._make(np.ones_like(xs[0]._data)),)
        else:
            vs, _ = _as_tuple(v, "v", "jvp")
            _check_v(vs, xs, in_tuple)
        outs, out_tuple = _as_tuple(func(*xs), "outputs of the user-provided function", "jvp")
        # u -> u^T J is linear in u; its vjp with v is J v (u's value does not matter: zeros)
        us = tuple(Tensor._make(np.zeros_like(o._data)).requires_grad_(True) for o in outs)
        g = _grad(outs, xs, us, True)
        pairs = [(gi, vi) for gi, vi in zip(g, vs) if gi is not None and gi._requires_grad]
        res = (_grad(tuple(p[0] for p in pairs), us, tuple(p[1] for p in pairs), create_graph)
               if pairs else (None,) * len(us))
        res = _fill_zeros(res, outs, strict, "back_trick")
    return _untuple(_finish(outs, create_graph), out_tuple), _untuple(_finish(res, create_graph), out_tuple)


def _stack(rows):
    """Differentiable ``stack`` of equally shaped tensors along a new first dim."""
    from ..ops.shapes import stack

    return stack(rows)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: for each (output, input) pair a tensor shaped
    ``output.shape + input.shape``; nested tuples when ``func`` returns a tuple and/or
    ``inputs`` is one (``result[i][j]`` for output i, input j).

    ``vectorize`` is accepted and ignored (ember computes one vjp per output element).
    """
    Tensor = _tensor()
    if strategy != "reverse-mode":
        raise NotImplementedError(f"jacobian: strategy={strategy!r} is not supported by ember (reverse-mode only)")
    with grad_mode.enable_grad():
        xs, in_tuple = _as_tuple(inputs, "inputs", "jacobian")
        xs = _prepare(xs, create_graph)
        outs, out_tuple = _as_tuple(func(*xs), "outputs of the user-provided function", "jacobian")
        table = []
        for i, o in enumerate(outs):
            rows = [[] for _ in xs]  # rows[j][k]: d out.flat[k] / d xs[j]
            for k in range(o.numel()):
                go = np.zeros(o._data.shape, o._data.dtype)
                go.reshape(-1)[k] = 1
                gs = _grad((o,), xs, (Tensor._make(go),), create_graph)
                for j, g in enumerate(gs):
                    if g is None:
                        if strict:
                            raise RuntimeError(f"Output {i} of the user-provided function is independent of input "
                                               f"{j}. This is not allowed in strict mode.")
                        g = _zeros_like(xs[j])
                    rows[j].append(g)
            entry = []
            for j, x in enumerate(xs):
                shape = tuple(o.shape) + tuple(x.shape)
                J = _stack(rows[j]).reshape(shape) if rows[j] else Tensor._make(np.zeros(shape, x._data.dtype))
                entry.append(J if create_graph else J.detach())
            table.append(_untuple(tuple(entry), in_tuple))
    return _untuple(tuple(table), out_tuple)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar function ``func`` at ``inputs``: shaped ``x.shape + x.shape`` for
    one input, ``result[i][j]`` (``xi.shape + xj.shape``) for a tuple of inputs."""
    xs, in_tuple = _as_tuple(inputs, "inputs", "hessian")

    def single_output(*ys):
        out = func(*ys)
        if isinstance(out, (tuple, list)):
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out.numel() != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should contain a single element")
        return out.reshape(())

    def gradient(*ys):
        return jacobian(single_output, _untuple(ys, in_tuple), create_graph=True)

    return jacobian(gradient, _untuple(xs, in_tuple), create_graph=create_graph, strict=strict)


def _scalar_output(func, xs, name):
    out = func(*xs)
    if isinstance(out, (tuple, list)):
        if len(out) != 1:
            raise RuntimeError(f"The function given to {name} should return a single Tensor")
        out = out[0]
    if out.numel() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {name} should contain a single element")
    return out


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T H)``: vector-Hessian product of a scalar function."""
    Tensor = _tensor()
    from . import grad

    with grad_mode.enable_grad():
        xs, in_tuple = _as_tuple(inputs, "inputs", "vhp")
        xs = _prepare(xs, create_graph)
        if v is None:
            if len(xs) != 1 or xs[0].numel() != 1:
                raise RuntimeError("The vector v can only be None if the input to the user-provided function "
                                   "is a single Tensor with a single element.")
            vs = (Tensor._make(np.ones_like(xs[0]._data)),)
        else:
            vs, _ = _as_tuple(v, "v", "vhp")
            _check_v(vs, xs, in_tuple)
        out = _scalar_output(func, xs, "vhp")
        if not out._requires_grad:
            gs = (None,) * len(xs)
        else:
            gs = grad(out, xs, create_graph=True, allow_unused=True)
        gs = _fill_zeros(gs, xs, strict)
        hv = _fill_zeros(_grad(gs, xs, vs, create_graph), xs, strict, "double_back")
    return _finish((out,), create_graph)[0], _untuple(_finish(hv, create_graph), in_tuple)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), H v)``. NOTE: for a twice continuously differentiable function the
    Hessian is symmetric, so ``H v = (v^T H)^T`` and this is ``vhp``."""
    return vhp(func, inputs, v, create_graph, strict)
