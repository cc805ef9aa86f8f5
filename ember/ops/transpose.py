"""Views that reorder dims: permute, transpose (swapaxes, swapdims), t, the ``.T`` / ``.mT``
properties, and movedim (moveaxis).

Each is a strided NumPy view of the input (``make_view``, see ``movement.py``), so nothing is
copied; its gradient is the incoming gradient put back in the input's order (the inverse
permutation, or the same swap again).
"""
import numpy as np

from ..autograd import grad_mode
from ..tensor import _wrap_dim

from ._scaffold import Node, record, register
from .movement import make_view, shape_arg


# -- permutations -----------------------------------------------------------------------------------------
class PermuteBackward0(Node):
    """permute: the gradient is permuted back by the inverse permutation."""

    __slots__ = ()

    def run(self, F, grad, diff):
        return (F.permute(grad, self.inverse),)


class TransposeBackward0(Node):
    """transpose(d0, d1): the gradient is transposed back."""

    __slots__ = ()

    def run(self, F, grad, diff):
        return (F.transpose(grad, self.d0, self.d1),)


def permute(input, *args, dims=None):
    """A view with the dims reordered: ``x.permute(2, 0, 1)``, ``permute(x, (2, 0, 1))`` or ``dims=``."""
    d = input._data
    dims = shape_arg(args) if dims is None else shape_arg((dims,))
    if len(dims) != d.ndim:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the length of the "
            f"desired ordering of dimensions i.e. input.dim() = {d.ndim} is not equal to len(dims) = {len(dims)}"
            .replace("permute(sparse_coo)", "permute"))
    dims = tuple(_wrap_dim(k, d.ndim) for k in dims)
    if len(set(dims)) != len(dims):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    res = make_view(input, d.transpose(dims))
    if input._requires_grad and grad_mode.enabled:
        node = PermuteBackward0()
        node.inverse = tuple(np.argsort(dims).tolist())
        record(node, (input,), (res,))
    return res


def _apermute(x, dims):
    return x.transpose(dims)


register("permute", _apermute, lambda x, dims: permute(x, dims))


def transpose(input, dim0, dim1):
    """A view with dims ``dim0`` and ``dim1`` swapped."""
    d = input._data
    nd = d.ndim
    a, b = _wrap_dim(dim0, nd), _wrap_dim(dim1, nd)
    if nd < 2:
        return make_view(input, d.view()) if not (input._requires_grad and grad_mode.enabled) else _alias(input)
    res = make_view(input, np.swapaxes(d, a, b))
    if input._requires_grad and grad_mode.enabled:
        node = TransposeBackward0()
        node.d0, node.d1 = a, b
        record(node, (input,), (res,))
    return res


swapaxes = swapdims = transpose


def _atranspose(x, d0, d1):
    return x.swapaxes(d0, d1) if x.ndim >= 2 else x


register("transpose", _atranspose, transpose)


class AliasBackward0(Node):
    __slots__ = ()

    def run(self, F, grad, diff):
        return (grad,)


def _alias(input):
    res = make_view(input, input._data.view())
    record(AliasBackward0(), (input,), (res,))
    return res


class TBackward0(Node):
    """t(): the gradient is transposed back (its own inverse)."""

    __slots__ = ()

    def run(self, F, grad, diff):
        return (F.transpose(grad, 0, -1),)  # -1: also right for the 0-d and 1-D tensors t() accepts


def t(input):
    """Transpose of a tensor of at most 2 dims (0-d and 1-D tensors come back as they are)."""
    d = input._data
    if d.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {d.ndim}D")
    res = make_view(input, d.T)
    if input._requires_grad and grad_mode.enabled:
        record(TBackward0(), (input,), (res,))
    return res


def _T(self):
    # NOTE: PyTorch's .T is a permute at every rank (grad_fn PermuteBackward0, not TBackward0).
    return permute(self, tuple(range(self._data.ndim - 1, -1, -1)))


def _mT(self):
    if self._data.ndim < 2:
        raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. Got {self._data.ndim}-D tensor.")
    return transpose(self, -2, -1)


def movedim(input, source, destination):
    nd = input._data.ndim
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    src = [_wrap_dim(s, nd) for s in src]
    dst = [_wrap_dim(s, nd) for s in dst]
    order = [n for n in range(nd) if n not in src]
    for dest, s in sorted(zip(dst, src)):
        order.insert(dest, s)
    return permute(input, order)


moveaxis = movedim


METHODS = ["permute", "transpose", "swapaxes", "swapdims", "t", "movedim", "moveaxis"]
DUNDERS = {"T": property(_T), "mT": property(_mT), "mH": property(_mT), "H": property(_mT)}
