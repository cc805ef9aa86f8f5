"""Matrix products: matmul (``@``), mm, bmm, mv, dot, vdot, outer, and the ``add*`` family.

``matmul`` follows NumPy's and PyTorch's rules: 1-D operands are treated as a row
(left) or column (right) vector and the added dim is dropped again; dims beyond the
last two broadcast as batch dims. The gradient works on the 2-D+ forms and reduces
broadcast batch dims with ``sum_to``. mm, bmm, mv and dot are matmul after PyTorch's
stricter checks (so they share its rule).

Other linear algebra lives next door: einsum and tensordot (``einsum.py``), trace,
diag, diagonal, kron and matrix_power (``matrix.py``), norm (``reduce_stats.py``).
"""
import numpy as np

from ..autograd import grad_mode
from ._scaffold import Node, record, register, wrap
from .reduce import _SCALAR
from .. import dtypes as _dt

__all__ = ["matmul"]

_TYPE = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int", "int32": "int",
         "int16": "short int", "int8": "signed char", "uint8": "unsigned char", "bool": "bool"}


def _check_matmul(a, b, op):
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"both arguments to {op} need to be at least 1D, but they are {a.ndim}D and {b.ndim}D")
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_TYPE[_dt.FROM_NP[a.dtype].name]} != {_TYPE[_dt.FROM_NP[b.dtype].name]}")
    k1 = a.shape[-1]
    k2 = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if k1 != k2:
        if a.ndim <= 2 and b.ndim <= 2:
            if a.ndim == 1 and b.ndim == 1:
                raise RuntimeError(f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] "
                                   "to have the same number of elements, but got "
                                   f"{a.shape[0]} and {b.shape[0]} elements respectively")
            sa = "x".join(map(str, a.shape if a.ndim == 2 else (1,) + a.shape))
            sb = "x".join(map(str, b.shape if b.ndim == 2 else b.shape + (1,)))
            if a.ndim == 2 and b.ndim == 1:
                raise RuntimeError(f"size mismatch, got input ({a.shape[0]}), mat ({a.shape[0]}x{a.shape[1]}), "
                                   f"vec ({b.shape[0]})")
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({sa} and {sb})")
        raise RuntimeError(f"{op}: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be multiplied "
                           f"({k1} != {k2})")


class MmBackward0(Node):
    """a @ b: grad_a = grad @ b^T and grad_b = a^T @ grad, with 1-D operands made 2-D first
    and broadcast batch dims summed away."""

    __slots__ = ()

    def run(self, F, grad, diff):
        a, b = self.unpack(diff)
        n = self.needs_input_grad
        a_nd, b_nd = a.ndim, b.ndim
        if a_nd == 1 and b_nd == 1:
            return (grad * b if n[0] else None), (grad * a if n[1] else None)
        a2 = F.reshape(a, (1,) + tuple(a.shape)) if a_nd == 1 else a
        b2 = F.reshape(b, tuple(b.shape) + (1,)) if b_nd == 1 else b
        g = grad
        if a_nd == 1:
            g = F.reshape(g, tuple(g.shape[:-1]) + (1,) + tuple(g.shape[-1:]))
        if b_nd == 1:
            g = F.reshape(g, tuple(g.shape) + (1,))
        ga = gb = None
        if n[0]:
            ga = F.matmul(g, F.transpose(b2, -1, -2))
            if ga.shape != a2.shape:
                ga = F.sum_to(ga, a2.shape)
            if a_nd == 1:
                ga = F.reshape(ga, tuple(a.shape))
        if n[1]:
            gb = F.matmul(F.transpose(a2, -1, -2), g)
            if gb.shape != b2.shape:
                gb = F.sum_to(gb, b2.shape)
            if b_nd == 1:
                gb = F.reshape(gb, tuple(b.shape))
        return ga, gb


_NAMES = {(1, 1): "DotBackward0", (2, 1): "MvBackward0", (2, 2): "MmBackward0"}


def matmul(input, other, *, out=None):
    """Matrix product with broadcasting (the ``@`` operator). See the module docstring."""
    a, b = input._data, other._data
    if a.ndim < 2 or b.ndim < 2 or a.shape[-1] != b.shape[-2] or a.dtype is not b.dtype:
        _check_matmul(a, b, "matmul")
    try:
        res = wrap(np.matmul(a, b))
    except ValueError as e:  # batch dimensions that do not broadcast
        from ._scaffold import broadcast_error

        raise broadcast_error(a.shape[:-2], b.shape[:-2], e) from None
    if grad_mode.enabled and (input._requires_grad or other._requires_grad):
        node = MmBackward0()
        name = _NAMES.get((a.ndim, b.ndim))
        if name is None:
            name = "UnsafeViewBackward0" if a.ndim > 2 and b.ndim <= 2 else "BmmBackward0"
        if name != "MmBackward0":
            node.__dict__["_name"] = name
        record(node, (input, other), (res,), (input, other))
    return res if out is None else out.copy_(res)


MmBackward0.name = lambda self: self.__dict__.get("_name", "MmBackward0")


def _amatmul(a, b):
    if a.ndim == 2 and b.ndim == 2:
        return _dot(a, b)  # NOTE: the same product as matmul, through 0.3 us less of NumPy's dispatch
    return np.matmul(a, b)


_dot = np.dot


register("matmul", _amatmul, matmul)


def _rmatmul(self, other):
    return matmul(other, self)


# -- mm, bmm, mv, dot, outer: matmul after PyTorch's checks ------------------------------------------
def mm(input, mat2, *, out=None):
    """Matrix product of two 2-D tensors: (n, m) @ (m, p) -> (n, p). No broadcasting."""
    a, b = input._data, mat2._data
    if a.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if b.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} and "
                           f"{b.shape[0]}x{b.shape[1]})")
    return matmul(input, mat2, out=out)


def bmm(input, mat2, *, out=None):
    """Batched matrix product: (b, n, m) @ (b, m, p) -> (b, n, p). No broadcasting."""
    a, b = input._data, mat2._data
    if a.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if b.shape[:2] != (a.shape[0], a.shape[2]):
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{a.shape[0]}, "
                           f"{a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}].")
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected scalar type {_SCALAR[a.dtype.name]} but found {_SCALAR[b.dtype.name]}")
    return matmul(input, mat2, out=out)


def mv(input, vec, *, out=None):
    """Matrix-vector product: (n, m) @ (m,) -> (n,)."""
    a, v = input._data, vec._data
    if a.ndim != 2 or v.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {a.ndim}, {v.ndim}")
    if a.shape[1] != v.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({a.shape[0]}), mat ({a.shape[0]}x{a.shape[1]}), "
                           f"vec ({v.shape[0]})")
    if a.dtype != v.dtype:
        vt, at = _SCALAR[v.dtype.name], _SCALAR[a.dtype.name]
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {vt}, {at}, and {vt}")
    return matmul(input, vec, out=out)


def dot(input, tensor, *, out=None):
    """Inner product of two 1-D tensors of the same length and dtype (a 0-d tensor)."""
    a, b = input._data, tensor._data
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.dtype != b.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{_SCALAR[a.dtype.name]} and {_SCALAR[b.dtype.name]}")
    if a.dtype.kind == "b":
        raise NotImplementedError("\"dot\" not implemented for 'Bool'")
    if a.shape != b.shape:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] to have "
                           f"the same number of elements, but got {a.shape[0]} and {b.shape[0]} elements respectively")
    return matmul(input, tensor, out=out)


def vdot(input, other, *, out=None):
    """dot with the first argument conjugated; ember's tensors are real, so this is dot."""
    return dot(input, other, out=out)


def outer(input, vec2):
    """Outer product of two 1-D tensors: out[i, j] = input[i] * vec2[j] (a broadcast multiply)."""
    for name, t in (("self", input), ("vec2", vec2)):
        if t._data.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t._data.ndim}-D")
    return input.reshape(-1, 1) * vec2


ger = outer


# -- the add* family: beta * input + alpha * (product) ---------------------------------------------
def _add_scaled(input, prod, beta, alpha):
    """beta * input + alpha * prod, with input broadcast to prod's shape (PyTorch's rule). With
    beta == 0 the input is ignored, NaN included, but still gets a (zero) gradient."""
    from .compare import where

    inp = input.expand(prod.shape)
    if alpha != 1:
        prod = prod * alpha
    if beta == 0:
        return prod + where(np.zeros((), bool), inp, 0)
    return prod + (inp if beta == 1 else inp * beta)


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat1 @ mat2); ``input`` broadcasts to (n, p)."""
    res = _add_scaled(input, mm(mat1, mat2), beta, alpha)
    return res if out is None else out.copy_(res)


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat @ vec)."""
    res = _add_scaled(input, mv(mat, vec), beta, alpha)
    return res if out is None else out.copy_(res)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * bmm(batch1, batch2)."""
    res = _add_scaled(input, bmm(batch1, batch2), beta, alpha)
    return res if out is None else out.copy_(res)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * sum over the batch of batch1[i] @ batch2[i]."""
    res = _add_scaled(input, bmm(batch1, batch2).sum(0), beta, alpha)
    return res if out is None else out.copy_(res)


METHODS = ["matmul", "mm", "bmm", "mv", "dot", "vdot", "outer", "ger", "addmm", "addmv", "baddbmm", "addbmm"]
DUNDERS = {"__matmul__": matmul, "__rmatmul__": _rmatmul}
