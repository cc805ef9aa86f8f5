"""Ops on the structure of matrices: diagonal (a view), trace, diag, kron, matrix_power.

diagonal is a strided view whose gradient writes back onto the same diagonal; diag is
a gather or a scatter into zeros; trace, kron and matrix_power are composed from other
ops (sum, broadcast multiply, matmul), which give their gradients.
"""
import numpy as np

from ..autograd import grad_mode
from ..tensor import _wrap_dim
from ._scaffold import Node, record, wrap
from .linalg import matmul
from .movement import make_view


def _diag_index(n_rows, n_cols, offset):
    """Row and column indices of the ``offset`` diagonal of an (n_rows, n_cols) matrix."""
    k = max(0, min(n_rows + min(offset, 0), n_cols - max(offset, 0)))
    r = np.arange(k)
    return r - min(offset, 0), r + max(offset, 0)


class DiagonalBackward0(Node):
    """diagonal: the gradient is written on the same diagonal of zeros (``F.index_grad``) with
    dim1 and dim2 moved last, then the dims are put back."""

    __slots__ = ()

    def run(self, F, grad, diff):
        g = F.index_grad(grad, self.moved_shape, (Ellipsis,) + self.index)
        return (F.permute(g, self.inverse),)


def diagonal(input, offset=0, dim1=0, dim2=1):
    """A view of the ``offset`` diagonal of the matrices in dims ``dim1`` and ``dim2``, which are
    removed; the diagonal becomes the last dim."""
    d = input._data
    a1, a2 = _wrap_dim(dim1, d.ndim), _wrap_dim(dim2, d.ndim)
    if a1 == a2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    rows, cols = _diag_index(d.shape[a1], d.shape[a2], offset)
    rest = [i for i in range(d.ndim) if i not in (a1, a2)]
    # NOTE: as_strided from the diagonal's first element, so that the result is a writable view
    # as in PyTorch (np.diagonal returns a read-only one); stepping the diagonal steps both dims.
    first = d
    if len(rows):
        first = d[tuple(slice(rows[0], None) if i == a1 else slice(cols[0], None) if i == a2 else slice(None)
                        for i in range(d.ndim))]
    arr = np.lib.stride_tricks.as_strided(first, shape=tuple(d.shape[i] for i in rest) + (len(rows),),
                                          strides=tuple(d.strides[i] for i in rest) + (d.strides[a1] + d.strides[a2],))
    res = make_view(input, arr)
    if grad_mode.enabled and input._requires_grad:
        node = DiagonalBackward0()
        perm = rest + [a1, a2]
        node.moved_shape = tuple(d.shape[i] for i in perm)
        node.index = (rows, cols)
        node.inverse = tuple(np.argsort(perm).tolist())
        record(node, (input,), (res,))
    return res


def trace(input):
    """Sum of the main diagonal of a 2-D tensor (integers sum in int64)."""
    if input._data.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input._data.ndim}")
    if input._data.dtype.kind == "b":
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    return diagonal(input).sum()


def diag(input, diagonal=0):
    """1-D input: a square matrix with it on the ``diagonal``-th diagonal. 2-D input: a copy of
    that diagonal. Both are indexing ops (scatter into zeros, gather), so their gradients are
    each other."""
    from .indexing import getitem, index_grad

    d = input._data
    if d.ndim == 1:
        n = d.shape[0] + abs(diagonal)
        return index_grad(input, (n, n), _diag_index(n, n, diagonal))
    if d.ndim == 2:
        return getitem(input, _diag_index(d.shape[0], d.shape[1], diagonal))
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {d.ndim}D")


def kron(input, other):
    """Kronecker product: block (i, j, ...) of the result is input[i, j, ...] * other. Written as a
    broadcast multiply of interleaved reshapes, which gives the gradient."""
    nd = max(input.ndim, other.ndim)
    sa = (1,) * (nd - input.ndim) + tuple(input.shape)
    sb = (1,) * (nd - other.ndim) + tuple(other.shape)
    a = input.reshape(tuple(x for s in sa for x in (s, 1)))
    b = other.reshape(tuple(x for s in sb for x in (1, s)))
    return (a * b).reshape(tuple(x * y for x, y in zip(sa, sb)))


def matrix_power(input, n):
    """input @ input @ ... (n times) for square matrices (or batches), by repeated squaring;
    n = 0 gives the identity."""
    d = input._data
    if d.ndim < 2:
        raise RuntimeError("linalg.matrix_power: The input tensor A must have at least 2 dimensions.")
    if d.shape[-1] != d.shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but they are "
                           f"{d.shape[-2]} by {d.shape[-1]} matrices")
    if n < 0:
        raise NotImplementedError("matrix_power with a negative exponent needs linalg.inv, which ember does not have")
    if n == 0:
        from .compare import where

        eye = wrap(np.broadcast_to(np.eye(d.shape[-1], dtype=d.dtype), d.shape).copy())
        return where(np.ones((), bool), eye, input)  # NOTE: the identity, with a zero gradient
    result, base = None, input
    while n:
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return result.clone() if result is input else result


METHODS = ["trace", "diag", "diagonal", "kron", "matrix_power"]
