"""Joining and splitting: cat, stack (and hstack, vstack, ...), split, chunk, unbind, tensor_split.

* Joining copies; each input's gradient is its slice of the incoming gradient.
* Splitting returns views of the input. split and unbind record one node with several
  outputs, as PyTorch does; its rule joins the pieces' gradients back with cat / stack
  (zeros for pieces that received none).

Copies that rearrange entries (flip, roll, tril, repeat, ...) are in ``rearrange.py``.
"""
import numpy as np

from .. import dtypes as _dt
from ..autograd import grad_mode
from ..tensor import Tensor, _wrap_dim
from ._scaffold import Node, _write_out, record, register
from .movement import make_view, reshape
from .narrow import SliceBackward0, _part_view

_make = Tensor._make


def _dims(shape):
    return "[" + ", ".join(map(str, shape)) + "]"


def _tensor_list(tensors, op):
    if isinstance(tensors, Tensor):
        raise TypeError(f"{op}(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor")
    tensors = list(tensors)
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    return tensors


def _common_dtype(tensors):
    """PyTorch promotes the inputs of cat and stack to one dtype."""
    dt = tensors[0]._data.dtype
    if all(t._data.dtype == dt for t in tensors):
        return dt
    res = _dt.FROM_NP[dt]
    for t in tensors[1:]:
        res = _dt.promote_types(res, t.dtype)
    return res.np


def _anew_zeros(like, shape):
    return np.zeros(shape, like.dtype)


def _tnew_zeros(like, shape):
    return _make(np.zeros(shape, like._data.dtype))


# ``F.new_zeros(like, shape)``: zeros with ``like``'s dtype, for pieces that got no gradient.
register("new_zeros", _anew_zeros, _tnew_zeros)


# -- cat / stack --------------------------------------------------------------------------------------
class CatBackward0(Node):
    """cat: input i's gradient is the slice ``[start_i, stop_i)`` of the gradient along ``dim``,
    cast back to its dtype where promotion changed it."""

    __slots__ = ()

    def run(self, F, grad, diff):
        lead = (slice(None),) * self.dim
        out = []
        for (start, stop, dtype), need in zip(self.parts, self.needs_input_grad):
            if not need:
                out.append(None)
                continue
            g = F.new_zeros(grad, (0,)) if start is None else F.getitem(grad, lead + (slice(start, stop),))
            out.append(F.cast(g, dtype) if dtype != grad.dtype else g)
        return tuple(out)


def _cat_checked(tensors, dim):
    """cat with PyTorch's checks and errors, dtype promotion and the legacy-empty rule."""
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if t._data.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    dtype = _common_dtype(tensors)
    kept = [(i, t._data) for i, t in enumerate(tensors) if t._data.shape != (0,)]
    if not kept:
        return np.empty((0,), dtype)
    shape = kept[0][1].shape
    nd = len(shape)
    dim = _wrap_dim(dim, nd)
    for i, a in kept:
        if a.ndim != nd:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {nd} and {a.ndim}")
        for k in range(nd):
            if k != dim and a.shape[k] != shape[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {dim}. Expected size {shape[k]} "
                                   f"but got size {a.shape[k]} for tensor number {i} in the list.")
    return np.concatenate([a for _, a in kept], axis=dim, dtype=dtype, casting="unsafe")


def cat(tensors, dim=0, *, out=None):
    """Join tensors along an existing dim ``dim``; the others' sizes must match. Inputs are
    promoted to a common dtype. Shape: ``(..., sum of n_i, ...)``.

    NOTE: as in PyTorch, 1-D empty tensors of shape ``(0,)`` are skipped whatever the other
    shapes (a legacy rule that lets ``cat([torch.tensor([]), x])`` start an accumulation).
    """
    if tensors.__class__ not in (list, tuple):
        tensors = _tensor_list(tensors, "cat")
    try:
        arrays = [t._data for t in tensors]
    except AttributeError:
        _tensor_list(tensors, "cat")  # raises PyTorch's TypeError
        raise
    a0 = arrays[0] if arrays else None
    # the common case (one dtype, no 0-d or legacy empty inputs) goes straight to NumPy
    if a0 is not None and a0.ndim and all(a.dtype == a0.dtype and a.ndim == a0.ndim and a.shape != (0,)
                                          for a in arrays):
        dim = _wrap_dim(dim, a0.ndim)
        try:
            r = np.concatenate(arrays, axis=dim)
        except ValueError:
            r = _cat_checked(tensors, dim)  # raises PyTorch's error
    else:
        r = _cat_checked(tensors, dim)
        dim = 0 if all(a.shape == (0,) for a in arrays) else _wrap_dim(dim, r.ndim)
    res = _make(r)
    if grad_mode.enabled and any(t._requires_grad for t in tensors):
        node = CatBackward0()
        node.dim, parts, start = dim, [], 0
        for t in tensors:
            a = t._data
            if a.shape == (0,):  # skipped in forward
                parts.append((None, None, a.dtype))
            else:
                parts.append((start, start + a.shape[dim], a.dtype))
                start += a.shape[dim]
        node.parts = parts
        record(node, tensors, (res,))
    return res if out is None else _write_out(out, res, "cat")


concat = concatenate = cat


class StackBackward0(Node):
    """stack: input i's gradient is ``grad[..., i, ...]`` (index ``i`` in dim ``dim``)."""

    __slots__ = ()

    def run(self, F, grad, diff):
        lead = (slice(None),) * self.dim
        return tuple(None if not need else F.cast(F.getitem(grad, lead + (i,)), dtype)
                     for i, (dtype, need) in enumerate(zip(self.dtypes, self.needs_input_grad)))


def stack(tensors, dim=0, *, out=None):
    """Join tensors of equal shape along a new dim ``dim``. Shape: ``(..., len(tensors), ...)``."""
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {_dims(shape)} at entry 0 "
                               f"and {_dims(t._data.shape)} at entry {i}")
    dim = _wrap_dim(dim, len(shape) + 1)
    dtype = _common_dtype(tensors)
    res = _make(np.stack([t._data for t in tensors], axis=dim, dtype=dtype, casting="unsafe"))
    if grad_mode.enabled and any(t._requires_grad for t in tensors):
        node = StackBackward0()
        node.dim, node.dtypes = dim, [t._data.dtype for t in tensors]
        record(node, tensors, (res,))
    return res if out is None else _write_out(out, res, "stack")


def _acat(arrays, dim):
    return np.concatenate(arrays, axis=dim)


def _astack(arrays, dim):
    return np.stack(arrays, axis=dim)


register("cat", _acat, cat)
register("stack", _astack, stack)


def _at_least(t, n):
    """``t`` with leading (n=1, 2) or PyTorch's atleast_3d placement of size-1 dims."""
    shape = t._data.shape
    if len(shape) >= n:
        return t
    if n == 3:
        return reshape(t, {0: (1, 1, 1), 1: (1,) + shape + (1,), 2: shape + (1,)}[len(shape)])
    return reshape(t, (1,) * (n - len(shape)) + shape)


def hstack(tensors, *, out=None):
    """Join along dim 1 (dim 0 for 1-D tensors)."""
    ts = [_at_least(t, 1) for t in _tensor_list(tensors, "hstack")]
    return cat(ts, 0 if ts and ts[0]._data.ndim == 1 else 1, out=out)


def vstack(tensors, *, out=None):
    """Join along dim 0, 1-D tensors becoming rows."""
    return cat([_at_least(t, 2) for t in _tensor_list(tensors, "vstack")], 0, out=out)


row_stack = vstack


def dstack(tensors, *, out=None):
    """Join along dim 2 (depth), after making each tensor at least 3-D."""
    return cat([_at_least(t, 3) for t in _tensor_list(tensors, "dstack")], 2, out=out)


def column_stack(tensors, *, out=None):
    """Join along dim 1, 0-d and 1-D tensors becoming columns."""
    ts = [reshape(t, (t._data.size, 1)) if t._data.ndim <= 1 else t for t in _tensor_list(tensors, "column_stack")]
    return cat(ts, 1, out=out)


# -- split / chunk / unbind / tensor_split (views) ------------------------------------------------------
class SplitBackward0(Node):
    """split into equal sizes (and chunk): the pieces' gradients are joined back with cat."""

    __slots__ = ()

    def run(self, F, grads, diff):
        if self._n_outputs == 1:  # the engine hands a one-output node its gradient alone
            grads = [grads]
        like = next(g for g in grads if g is not None)
        parts = [g if g is not None else F.new_zeros(like, s) for g, s in zip(grads, self.shapes)]
        return (F.cat(parts, self.dim),)


class SplitWithSizesBackward0(SplitBackward0):
    """split with a list of sizes."""

    __slots__ = ()


def _split_views(input, dim, sizes, node_cls):
    d = input._data
    lead = (slice(None),) * dim
    pieces, start = [], 0
    for s in sizes:
        pieces.append(make_view(input, d[lead + (slice(start, start + s),)]))
        start += s
    if input._requires_grad and grad_mode.enabled:
        node = node_cls()
        node._n_outputs, node.dim = len(pieces), dim
        node.shapes = [p._data.shape for p in pieces]
        record(node, (input,), pieces)
    return tuple(pieces)


def split(tensor, split_size_or_sections, dim=0):
    """Views of consecutive pieces along ``dim``: of ``split_size`` each (the last may be
    smaller), or of the listed sizes, which must sum to the dim's size."""
    d = tensor._data
    if d.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    dim = _wrap_dim(dim, d.ndim)
    n = d.shape[dim]
    if isinstance(split_size_or_sections, (int, np.integer)):
        s = int(split_size_or_sections)
        if s < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={s}")
        if s == 0 and n:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
        count = max(-(-n // s), 1) if s else 1
        return _split_views(tensor, dim, [min(s, n - i * s) for i in range(count)], SplitBackward0)
    sizes = [int(s) for s in split_size_or_sections]
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative entries, but got "
                           f"split_sizes={sizes}")
    if sum(sizes) != n:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at "
                           f"dimension {dim}), but got split_sizes={sizes}")
    return _split_views(tensor, dim, sizes, SplitWithSizesBackward0)


def chunk(input, chunks, dim=0):
    """``chunks`` views of (nearly) equal size along ``dim``; fewer when the dim is too short."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = input._data
    if d.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    dim = _wrap_dim(dim, d.ndim)
    n = d.shape[dim]
    if n == 0:
        return _split_views(input, dim, [0] * chunks, SplitWithSizesBackward0)
    return split(input, -(-n // chunks), dim)


class UnbindBackward0(Node):
    """unbind: the pieces' gradients are stacked back along ``dim``."""

    __slots__ = ()

    def run(self, F, grads, diff):
        if self._n_outputs == 1:
            grads = [grads]
        like = next(g for g in grads if g is not None)
        parts = [g if g is not None else F.new_zeros(like, self.piece_shape) for g in grads]
        return (F.stack(parts, self.dim),)


def unbind(input, dim=0):
    """The views ``input.select(dim, i)`` for every ``i``, as a tuple."""
    d = input._data
    if d.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    dim = _wrap_dim(dim, d.ndim)
    lead = (slice(None),) * dim
    pieces = tuple(make_view(input, d[lead + (i, Ellipsis)]) for i in range(d.shape[dim]))
    if pieces and input._requires_grad and grad_mode.enabled:
        node = UnbindBackward0()
        node._n_outputs, node.dim, node.piece_shape = len(pieces), dim, pieces[0]._data.shape
        record(node, (input,), pieces)
    return pieces


def tensor_split(input, indices_or_sections, dim=0):
    """Views split at ``sections`` near-equal parts (the first ``n % sections`` one longer), or
    at the listed indices (slice semantics: ``[:i0], [i0:i1], ..., [ik:]``)."""
    d = input._data
    if d.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    dim = _wrap_dim(dim, d.ndim)
    n = d.shape[dim]
    arg = indices_or_sections
    if isinstance(arg, Tensor):
        if arg._data.dtype.kind not in "iu" or arg._data.ndim > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to have type long and be a 0-d "
                               "or 1-d tensor")
        arg = int(arg._data) if arg._data.ndim == 0 else arg._data.tolist()
    if isinstance(arg, (int, np.integer)):
        if arg <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {arg}")
        q, rem = divmod(n, int(arg))
        bounds = np.cumsum([0] + [q + 1] * rem + [q] * (int(arg) - rem)).tolist()
    else:
        bounds = [0] + [int(i) for i in arg] + [n]
    lead = (slice(None),) * dim
    return tuple(_part_view(input, lead + (slice(a, b),), SliceBackward0) for a, b in zip(bounds[:-1], bounds[1:]))


METHODS = ["split", "chunk", "unbind", "tensor_split"]
FUNCTIONS = ["cat", "concat", "concatenate", "stack", "hstack", "vstack", "row_stack", "dstack", "column_stack"]
