"""Copies that rearrange entries: flip, roll, rot90, tril / triu, repeat / tile,
repeat_interleave, diag_embed.

Each gradient undoes the rearrangement: flip, roll and rot90 are inverted by flipping,
rolling back and turning back; tril / triu mask the gradient as they masked the input;
repeat sums the gradient over the copies; diag_embed reads the gradient's diagonal back.
"""
import numpy as np

from ..autograd import grad_mode
from ..tensor import Tensor, _wrap_dim
from ._scaffold import Node, _write_out, record, register, wrap
from .movement import contiguous, expand, reshape, shape_arg, unsqueeze, view

_make = Tensor._make


def _dims(shape):
    return "[" + ", ".join(map(str, shape)) + "]"


# -- flip / roll / rot90 -------------------------------------------------------------------------------
def _dim_list(dims, ndim):
    """Wrapped dims, refusing repeats (PyTorch's message)."""
    out = [_wrap_dim(k, ndim) for k in dims]
    for k in out:
        if out.count(k) > 1:
            raise RuntimeError(f"dim {k} appears multiple times in the list of dims")
    return tuple(out)


class FlipBackward0(Node):
    """flip: flipping is its own inverse, so the gradient is flipped back over the same dims."""

    __slots__ = ()

    def run(self, F, grad, diff):
        return (F.flip(grad, self.dims),)


def flip(input, *args, dims=None):
    """A copy with the order of entries reversed along each of ``dims`` (``flip(x, (0, 1))``,
    ``x.flip(0, 1)`` or ``flip(x, dims=...)``)."""
    d = input._data
    dims = _dim_list(shape_arg(args) if dims is None else shape_arg((dims,)), d.ndim)
    res = _make(np.flip(d, dims).copy() if dims else d.copy())  # NOTE: a copy, as in PyTorch (np.flip is a view)
    if input._requires_grad and grad_mode.enabled:
        node = FlipBackward0()
        node.dims = dims
        record(node, (input,), (res,))
    return res


def fliplr(input):
    """Flip left-right (dim 1)."""
    if input._data.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, 1)


def flipud(input):
    """Flip up-down (dim 0)."""
    if input._data.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, 0)


def _aflip(x, dims):
    return np.flip(x, dims)


register("flip", _aflip, lambda x, dims: flip(x, dims))


class RollBackward0(Node):
    """roll: the gradient is rolled back by the opposite shifts."""

    __slots__ = ()

    def run(self, F, grad, diff):
        return (F.roll(grad, self.back, self.dims),)


def roll(input, shifts, dims=None):
    """Shift entries cyclically by ``shifts`` along ``dims``: ``out[(i + s) % n] = x[i]``.
    With ``dims=None`` the tensor is rolled as if flattened, then given its shape back."""
    d = input._data
    shifts = (int(shifts),) if isinstance(shifts, (int, np.integer)) else tuple(int(s) for s in shifts)
    if not shifts:
        raise RuntimeError("`shifts` required")
    if dims is not None:
        dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
        dims = tuple(_wrap_dim(k, d.ndim) for k in dims)
    if len(shifts) != (1 if dims is None else len(dims)):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims or ())}")
    res = wrap(np.roll(d, shifts[0] if dims is None else shifts, axis=dims))
    if input._requires_grad and grad_mode.enabled:
        node = RollBackward0()
        node.back = tuple(-s for s in shifts) if dims is not None else -shifts[0]
        node.dims = dims
        record(node, (input,), (res,))
    return res


def _aroll(x, shifts, dims):
    return np.roll(x, shifts, axis=dims)


register("roll", _aroll, roll)


class Rot90Backward0(Node):
    """rot90 by k quarter turns: the gradient is turned back by -k."""

    __slots__ = ()

    def run(self, F, grad, diff):
        return (F.rot90(grad, -self.k, self.dims),)


def rot90(input, k=1, dims=(0, 1)):
    """A copy rotated by ``k`` quarter turns in the plane of ``dims``, from the first dim towards
    the second."""
    d = input._data
    dims = tuple(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if d.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {d.ndim}")
    if dims[0] == dims[1] or abs(dims[0] - dims[1]) == d.ndim:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {dims[0]} and dim1 = {dims[1]}")
    dims = (_wrap_dim(dims[0], d.ndim), _wrap_dim(dims[1], d.ndim))
    res = _make(np.rot90(d, k, dims).copy())
    if input._requires_grad and grad_mode.enabled:
        node = Rot90Backward0()
        node.k, node.dims = k, dims
        record(node, (input,), (res,))
    return res


def _arot90(x, k, dims):
    return np.rot90(x, k, dims)


register("rot90", _arot90, rot90)


# -- tril / triu -------------------------------------------------------------------------------------------
class TrilBackward0(Node):
    """tril: the gradient is masked the same way (the kept entries pass through)."""

    __slots__ = ()

    def run(self, F, grad, diff):
        return (F.tril(grad, self.diagonal),)


class TriuBackward0(Node):
    """triu: the gradient is masked the same way."""

    __slots__ = ()

    def run(self, F, grad, diff):
        return (F.triu(grad, self.diagonal),)


def _triangle(name, kernel, node_cls):
    def op(input, diagonal=0, *, out=None):
        d = input._data
        if d.ndim < 2:
            raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
        res = _make(kernel(d, diagonal))
        if input._requires_grad and grad_mode.enabled:
            node = node_cls()
            node.diagonal = diagonal
            record(node, (input,), (res,))
        return res if out is None else _write_out(out, res, name)

    op.__name__ = op.__qualname__ = name
    register(name, kernel, op)
    return op


tril = _triangle("tril", np.tril, TrilBackward0)
tril.__doc__ = """The lower triangle of the last two dims: ``out[..., i, j] = x[..., i, j]`` where
``j - i <= diagonal``, else 0."""
triu = _triangle("triu", np.triu, TriuBackward0)
triu.__doc__ = """The upper triangle of the last two dims: entries with ``j - i >= diagonal`` are kept."""


# -- repeat / tile / repeat_interleave ----------------------------------------------------------------
class RepeatBackward0(Node):
    """repeat: the output is the input tiled ``r_k`` times in each dim k; the gradient, viewed
    as ``(r_0, s_0, r_1, s_1, ...)``, is summed over the repeat axes."""

    __slots__ = ()

    def run(self, F, grad, diff):
        g = F.reshape(grad, self.split_shape)
        if self.rep_axes:
            g = F.sum(g, self.rep_axes)
        return (F.reshape(g, self.in_shape),)


def repeat(input, *sizes):
    """The tensor tiled ``sizes[k]`` times along dim k; ``sizes`` may have more dims than the
    tensor (new leading dims). Shape: ``(sizes[k] * s_k)``."""
    d = input._data
    sizes = shape_arg(sizes)
    if len(sizes) < d.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
    padded = (1,) * (len(sizes) - d.ndim) + d.shape
    out_shape = [r * s for r, s in zip(sizes, padded)]
    for n in out_shape:
        if n < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {n}: {_dims(out_shape)}")
    res = _make(np.tile(d.reshape(padded), sizes))
    if input._requires_grad and grad_mode.enabled:
        node = RepeatBackward0()
        node.in_shape = d.shape
        node.split_shape = tuple(n for pair in zip(sizes, padded) for n in pair)
        node.rep_axes = tuple(range(0, 2 * len(sizes), 2))
        record(node, (input,), (res,))
    return res


def tile(input, *args, dims=None):
    """``repeat`` with ``dims`` padded with leading 1s when shorter than the tensor's ndim."""
    dims = shape_arg(args) if dims is None else shape_arg((dims,))
    return repeat(input, (1,) * (input._data.ndim - len(dims)) + dims)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Each entry repeated ``repeats`` times in place (``[a, b] -> [a, a, b, b]``), along ``dim``
    (the flattened tensor when None). ``repeats`` is an int or a tensor of one count per
    entry. ``repeat_interleave(counts)`` alone gives ``arange(len(counts))`` so repeated.
    ``output_size`` (a hint that spares PyTorch a device sync) is not needed here.

    An int count is an expand of a new dim then a reshape; per-entry counts index_select the
    entries, so in both cases the gradient sums the copies back.
    """
    from .scatter import _tn, index_select

    if repeats is None:
        c = input._data
        if c.ndim != 1 or c.dtype.kind not in "iu":
            raise RuntimeError("repeat_interleave: repeats must be a 1-d tensor of integers")
        if (c < 0).any():
            raise RuntimeError("repeats can not be negative")
        return _make(np.repeat(np.arange(c.shape[0]), c))
    if dim is None:
        input, dim = reshape(input, (-1,)), 0
    d = input._data
    dim = _wrap_dim(dim, d.ndim)
    if isinstance(repeats, Tensor):
        r = repeats._data
        if r.ndim > 1:
            raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
        if r.dtype.kind not in "iu":
            raise NotImplementedError(f"\"repeat_interleave_cpu\" not implemented for '{_tn(r)}'")
        if r.ndim == 0 or r.shape[0] == 1:
            repeats = int(r.reshape(()))
        else:
            if (r < 0).any():
                raise RuntimeError("repeats can not be negative")
            if r.shape[0] != d.shape[dim]:
                raise RuntimeError(f"repeats must have the same size as input along dim, but got repeats.size(0) = "
                                   f"{r.shape[0]} and input.size({dim}) = {d.shape[dim]}")
            return index_select(input, dim, _make(np.repeat(np.arange(d.shape[dim]), r)))
    if repeats < 0:
        raise RuntimeError("Repeats must be non-negative")
    shape = d.shape
    wide = contiguous(expand(unsqueeze(input, dim + 1), shape[:dim + 1] + (repeats,) + shape[dim + 1:]))
    return view(wide, shape[:dim] + (shape[dim] * repeats,) + shape[dim + 1:])


# -- diag_embed ----------------------------------------------------------------------------------------------
class DiagEmbedBackward0(Node):
    """diag_embed: the gradient is the diagonal of the incoming gradient, moved to the last dim."""

    __slots__ = ()

    def run(self, F, grad, diff):
        return (F.permute(F.getitem(grad, self.index), self.perm),)


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """A tensor whose diagonals (in the plane of ``dim1``, ``dim2``; ``offset`` above the main
    one) hold the last dim of ``input``; zeros elsewhere. Shape: one more dim than the input."""
    d = input._data
    nd = d.ndim + 1
    d1, d2 = _wrap_dim(dim1, nd), _wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    n = d.shape[-1] if d.ndim else 1
    m = n + abs(offset)
    shape = list(d.shape[:-1])
    for pos in sorted((d1, d2)):
        shape.insert(pos, m)
    index = [slice(None)] * nd
    index[d1] = np.arange(n) + max(-offset, 0)
    index[d2] = np.arange(n) + max(offset, 0)
    index = tuple(index)
    # NumPy puts the diagonal dim of out[index] at min(d1, d2) when they are adjacent, else first
    p = min(d1, d2) if abs(d1 - d2) == 1 else 0
    out = np.zeros(shape, d.dtype)
    out[index] = np.moveaxis(d.reshape(n) if d.ndim == 0 else d, -1, p)
    res = _make(out)
    if input._requires_grad and grad_mode.enabled:
        node = DiagEmbedBackward0()
        node.index = index
        node.perm = tuple(i for i in range(nd - 1) if i != p) + (p,)
        record(node, (input,), (res,))
    return res


def _inplace(op):
    def method(self, *args, **kwargs):
        from .inplace import apply_inplace

        return apply_inplace(self, op, *args, **kwargs)

    method.__name__ = op.__name__ + "_"
    return method


tril_, triu_ = _inplace(tril), _inplace(triu)

METHODS = ["flip", "fliplr", "flipud", "roll", "rot90", "tril", "triu", "tril_", "triu_", "repeat", "tile",
           "repeat_interleave", "diag_embed"]
