"""Matrix products: matmul (``@``) and its special cases.

``matmul`` follows NumPy's and PyTorch's rules: 1-D operands are treated as a row
(left) or column (right) vector and the added dim is dropped again; dims beyond the
last two broadcast as batch dims. The gradient works on the 2-D+ forms and reduces
broadcast batch dims with ``sum_to``.
"""
import numpy as np

from ..autograd import grad_mode
from ..tensor import Tensor
from ._scaffold import Node, record, register, wrap
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
    res = wrap(np.matmul(a, b))
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
    return np.matmul(a, b)


register("matmul", _amatmul, matmul)


def _rmatmul(self, other):
    return matmul(other, self)


METHODS = ["matmul"]
DUNDERS = {"__matmul__": matmul, "__rmatmul__": _rmatmul}
