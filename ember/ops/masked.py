"""Reading and writing through a bool mask (masked_fill, masked_select, masked_scatter), at
flat positions (take, put), and finding the nonzero entries (nonzero, argwhere).

Mask and input broadcast together. The gradient of a read puts the gradient back where
it was read (``index_grad``); the gradient of a write is zero at the written places for
the input and, for the source, the gradient read there.
"""
import numpy as np

from ..autograd import grad_mode
from ..tensor import Tensor
from ._scaffold import Node, record, wrap
from .indexing import _mask_out
from .scatter import _inplace, _tn

_make = Tensor._make


# -- masks: masked_fill / masked_select / masked_scatter ---------------------------------------------------
_C_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int", "int32": "int",
            "int16": "short int", "int8": "signed char", "uint8": "unsigned char"}


def _broadcast(a, b):
    try:
        return np.broadcast_shapes(a, b)
    except ValueError:
        n = max(len(a), len(b))
        for k in range(1, n + 1):
            x, y = (a[-k] if k <= len(a) else 1), (b[-k] if k <= len(b) else 1)
            if x != y and x != 1 and y != 1:
                raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                                   f"non-singleton dimension {n - k}") from None
        raise


class MaskedFillBackward0(Node):
    """masked_fill(number): the input's gradient is zero where the mask is set."""

    __slots__ = ()

    def run(self, F, grad, diff):
        mask, = self.unpack(diff)
        n = self.needs_input_grad
        gx = F.sum_to(F.masked_grad(grad, ~mask), self.in_shape) if n[0] else None
        if len(n) == 1:
            return (gx,)
        gv = F.cast(F.sum(F.masked_grad(grad, mask)), self.v_dtype) if n[1] else None
        return gx, gv


class MaskedFillBackward1(MaskedFillBackward0):
    """masked_fill(0-d tensor): as above; the value's gradient is the sum where the mask is set."""

    __slots__ = ()


def masked_fill(input, mask, value):
    """``input`` where ``mask`` is False, ``value`` (a number or a 0-d tensor) where it is True;
    mask and input broadcast together."""
    d, m = input._data, mask._data
    if m.dtype != bool:
        raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{_C_NAMES[m.dtype.name]}")
    tensor_value = isinstance(value, Tensor)
    if tensor_value:
        if value._data.ndim:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value._data.ndim} dimension(s).")
        v = value._data.astype(d.dtype)
    else:
        v = np.asarray(value).astype(d.dtype)  # NOTE: a float into an integer tensor truncates, as in PyTorch
    _broadcast(m.shape, d.shape)
    res = wrap(np.where(m, v, d))
    if grad_mode.enabled and (input._requires_grad or (tensor_value and value._requires_grad)):
        node = MaskedFillBackward1() if tensor_value else MaskedFillBackward0()
        node.in_shape = d.shape
        node.v_dtype = value._data.dtype if tensor_value else None
        record(node, (input, value) if tensor_value else (input,), (res,), (m,))
    return res


class MaskedSelectBackward0(Node):
    """masked_select: the gradient is put back where the (broadcast) mask is set."""

    __slots__ = ()

    def run(self, F, grad, diff):
        return (F.sum_to(F.index_grad(grad, self.mask.shape, self.mask), self.in_shape),)


def masked_select(input, mask):
    """The entries where ``mask`` is True, as a 1-D tensor (mask and input broadcast together)."""
    d, m = input._data, mask._data
    if m.dtype != bool:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    shape = _broadcast(m.shape, d.shape)
    m = np.broadcast_to(m, shape)
    res = wrap(np.broadcast_to(d, shape)[m])
    if input._requires_grad and grad_mode.enabled:
        node = MaskedSelectBackward0()
        node.in_shape, node.mask = d.shape, m
        record(node, (input,), (res,))
    return res


class MaskedScatterBackward0(Node):
    """masked_scatter: the input's gradient is zero where the mask is set; the source's first
    ``count`` entries get the gradient read there (the unused rest get zero)."""

    __slots__ = ()

    def run(self, F, grad, diff):
        mask, = self.unpack(diff)
        n = self.needs_input_grad
        gx = F.sum_to(F.masked_grad(grad, ~mask), self.in_shape) if n[0] else None
        gs = None
        if n[1]:
            picked = F.getitem(grad, self.mask)
            gs = F.reshape(F.index_grad(picked, (self.src_numel,), slice(0, self.count)), self.src_shape)
        return gx, gs


def masked_scatter(input, mask, source):
    """A copy of ``input`` whose entries where ``mask`` is True are, in order, the first entries
    of ``source``."""
    d, m, s = input._data, mask._data, source._data
    if m.dtype != bool:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype {_tn(m)}")
    if s.dtype != d.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but got{_tn(d)} and {_tn(s)}")
    shape = _broadcast(m.shape, d.shape)
    m = np.broadcast_to(m, shape)
    count = int(m.sum())
    if s.size < count:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    out = np.array(np.broadcast_to(d, shape))
    out[m] = s.reshape(-1)[:count]
    res = wrap(out)
    if grad_mode.enabled and (input._requires_grad or source._requires_grad):
        node = MaskedScatterBackward0()
        node.in_shape, node.mask, node.count = d.shape, m, count
        node.src_shape, node.src_numel = s.shape, s.size
        record(node, (input, source), (res,), (m,))
    return res


# -- flat indices: take / put; nonzero ------------------------------------------------------------------
def _flat_index(index, n, op):
    i = index._data
    if i.dtype != np.int64:
        raise RuntimeError(f"{op}(): Expected a long tensor for index, but got {_tn(i)}")
    if i.size and (i.min() < -n or i.max() >= n):
        bad = i[(i < -n) | (i >= n)].flat[0]
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} elements.")
    return np.where(i < 0, i + n, i)


class TakeBackward0(Node):
    """take: the gradient is added back at the flat positions read (repeats accumulate)."""

    __slots__ = ()

    def run(self, F, grad, diff):
        return (F.reshape(F.index_grad(grad, (self.numel,), self.index), self.in_shape),)


def take(input, index):
    """``input`` read as if flattened, at the positions in ``index``. Shape: index's."""
    d = input._data
    i = _flat_index(index, d.size, "take")
    res = wrap(d.reshape(-1)[i])
    if input._requires_grad and grad_mode.enabled:
        node = TakeBackward0()
        node.in_shape, node.numel, node.index = d.shape, d.size, i
        record(node, (input,), (res,))
    return res


class PutBackward0(Node):
    """put: input's gradient is zero at the written positions (whole when accumulating); the
    source's is the gradient read there."""

    __slots__ = ()

    def run(self, F, grad, diff):
        n = self.needs_input_grad
        flat = F.reshape(grad, (self.numel,))
        gx = gs = None
        if n[0]:
            gx = grad if self.accumulate else F.reshape(_mask_out(F, flat, self.index), self.in_shape)
        if n[1]:
            gs = F.reshape(F.getitem(flat, self.index), self.src_shape)
        return gx, gs


def put(input, index, source, accumulate=False):
    """A copy of ``input`` read as flattened, with ``source``'s entries written (or added, with
    ``accumulate``) at the positions in ``index``."""
    d, s = input._data, source._data
    i = _flat_index(index, d.size, "put_")
    if s.dtype != d.dtype:
        raise RuntimeError(f"put_(): self and source expected to have the same dtype, but got self.dtype = {_tn(d)} "
                           f"and source.dtype = {_tn(s)}")
    if s.size != i.size:
        raise IndexError(f"put_(): Expected source and index to have the same number of elements, but got "
                         f"source.numel() = {s.size}, index.numel() = {i.size}")
    out = d.copy()
    flat, i = out.reshape(-1), i.reshape(-1)
    if accumulate:
        np.add.at(flat, i, s.reshape(-1))
    else:
        flat[i] = s.reshape(-1)
    res = wrap(out)
    if grad_mode.enabled and (input._requires_grad or source._requires_grad):
        node = PutBackward0()
        node.in_shape, node.numel, node.index = d.shape, d.size, i
        node.src_shape, node.accumulate = s.shape, accumulate
        record(node, (input, source), (res,))
    return res


def nonzero(input, *, out=None, as_tuple=False):
    """Indices of the nonzero entries: an int64 tensor of shape ``(count, ndim)``, or with
    ``as_tuple`` one 1-D tensor per dim (a 0-d input counts as 1-D)."""
    d = input._data
    if as_tuple:
        return tuple(_make(a.astype(np.int64, copy=False)) for a in np.nonzero(d.reshape(1) if d.ndim == 0 else d))
    res = _make(np.argwhere(d).astype(np.int64, copy=False))
    return res if out is None else out.copy_(res)


def argwhere(input):
    """Indices of the nonzero entries, shape ``(count, ndim)`` (``nonzero()``)."""
    return nonzero(input)


masked_fill_, masked_scatter_, put_ = _inplace(masked_fill), _inplace(masked_scatter), _inplace(put)

METHODS = ["masked_fill", "masked_select", "masked_scatter", "take", "put", "nonzero", "argwhere", "masked_fill_",
           "masked_scatter_", "put_"]
