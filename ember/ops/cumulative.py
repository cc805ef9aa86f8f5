"""Running (cumulative) reductions along one dim: cumsum and cumprod.

Unlike the reductions in ``reduce.py`` they keep the input's shape: element i of the
result reduces elements 0..i. ``F.cumsum`` takes a ``reverse`` flag because each
rule needs the sums run from the end.
"""
import numpy as np

from ..tensor import _wrap_dim
from ._scaffold import Node, record, register, save_output, wrap
from .reduce import _needs


def _cumsum_kernel(x, dim, reverse=False):
    if x.ndim == 0:
        return x.copy()
    if reverse:
        return np.flip(np.cumsum(np.flip(x, dim), dim), dim)
    return np.cumsum(x, dim)


class CumsumBackward0(Node):
    """cumsum: y_i = sum_{j<=i} x_j, so d/dx_j = sum_{i>=j} grad_i, a cumsum run backwards."""

    __slots__ = ()

    def run(self, F, grad, diff):
        return (F.cumsum(grad, self.dim, not self.reverse),)


def _cumsum(input, dim, reverse=False):
    """cumsum, or with ``reverse`` the sums from the end (``F.cumsum``; the rule needs both)."""
    d = input._data
    axis = _wrap_dim(dim, d.ndim)
    if d.dtype.kind in "biu":
        d = d.astype(np.int64, copy=False)
    res = wrap(_cumsum_kernel(d, axis, reverse))
    if _needs(input):
        node = CumsumBackward0()
        node.dim, node.reverse = axis, reverse
        record(node, (input,), (res,))
    return res


register("cumsum", _cumsum_kernel, _cumsum)


def cumsum(input, dim, *, dtype=None):
    """Running sums along ``dim``. Integer and bool inputs sum in int64."""
    if dtype is not None and dtype.np != input._data.dtype:
        input = input.to(dtype)
    return _cumsum(input, dim)


class CumprodBackward0(Node):
    """cumprod: y_i = prod_{j<=i} x_j, so d/dx_k = sum_{i>=k} grad_i prod_{j<=i, j!=k} x_j.
    Without zeros that is reverse_cumsum(grad * y) / x (PyTorch's formula). With zeros it is
    computed exactly from an n x n table whose row k is x with x_k replaced by 1: the row's
    cumprod at i is prod_{j<=i, j!=k} x_j."""

    __slots__ = ()

    def run(self, F, grad, diff):
        x, out = self.unpack(diff)
        if x.ndim == 0:
            return (grad,)
        dim = self.dim
        if not self.has_zero:
            return (F.cumsum(grad * out, dim, True) / x,)
        xm, gm = F.transpose(x, dim, -1), F.transpose(grad, dim, -1)
        lead, n = tuple(xm.shape[:-1]), xm.shape[-1]
        rows = F.where(np.eye(n, dtype=bool), 1.0, F.expand(F.reshape(xm, lead + (1, n)), lead + (n, n)))
        terms = F.cumprod(rows, -1) * F.reshape(gm, lead + (1, n))
        # NOTE: the constant mask keeps only i >= k (a where, not a product, so inf * 0 cannot leak in)
        return (F.transpose(F.sum(F.where(np.triu(np.ones((n, n), bool)), terms, 0.0), -1), dim, -1),)


def _cumprod_kernel(x, dim):
    return x.copy() if x.ndim == 0 else np.cumprod(x, dim)


def cumprod(input, dim, *, dtype=None):
    """Running products along ``dim``. Integer and bool inputs multiply in int64."""
    if dtype is not None and dtype.np != input._data.dtype:
        input = input.to(dtype)
    d = input._data
    axis = _wrap_dim(dim, d.ndim)
    res = wrap(_cumprod_kernel(d.astype(np.int64, copy=False) if d.dtype.kind in "biu" else d, axis))
    if _needs(input):
        node = CumprodBackward0()
        node.dim, node.has_zero = axis, not d.all()
        record(node, (input,), (res,), (input, save_output(res)))
    return res


register("cumprod", _cumprod_kernel, cumprod)


METHODS = ["cumsum", "cumprod"]
