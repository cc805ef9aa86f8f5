"""Shape views and copies: reshape / view (flatten, unflatten, ravel), expand, squeeze /
unsqueeze, and clone / contiguous.

A *view* shares memory with its input, as in PyTorch: writing through one is seen in
the other. ``make_view`` marks the result (its ``_base`` and a shared version counter,
so that an in-place change to either is caught by autograd's saved-tensor check); every
view op in ember builds its result with it.

Views that reorder dims (permute, transpose, t, .T, movedim) are in ``transpose.py``;
views of part of a dim (narrow, select, unfold) in ``narrow.py``.
"""
import numpy as np

from ..autograd import grad_mode
from ..dtypes import dtype as _dtype
from ..tensor import Tensor, _wrap_dim
from math import prod as _prod

from ._scaffold import Node, _anomaly, _trace, leaf_edge, record, register

__all__ = ["make_view", "shape_arg"]

_make = Tensor._make


def make_view(input, arr):
    """A tensor on ``arr``, a NumPy view of ``input``'s data: same base, same version counter."""
    res = _make(arr)
    base = input._base
    res.__dict__["_base"] = input if base is None else base
    vc = input._vc
    if vc is None:
        vc = input._vc = [0]
    res._vc = vc
    return res


def shape_arg(shape):
    """Accept ``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])`` and ``f(Size)`` alike."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    for s in shape:  # NOTE: the common case, a tuple of ints, is returned as it is
        if s.__class__ is not int:
            break
    else:
        return shape if shape.__class__ is tuple else tuple(shape)
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
        if isinstance(shape[0], Tensor):
            return tuple(int(s) for s in shape[0].tolist()) if shape[0].ndim else (int(shape[0]),)
        shape = shape[0]
    return tuple(int(s) for s in shape)


def _infer_shape(shape, numel):
    """Resolve one ``-1`` and check that ``shape`` holds ``numel`` elements (PyTorch's errors)."""
    if -1 not in shape and _prod(shape) == numel and (not shape or min(shape) >= 0):
        return shape  # NOTE: the common case, checked in C
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    for i, s in enumerate(shape):
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape [{', '.join(map(str, shape))}]")
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if neg:
        if known == 0 and numel == 0:
            raise RuntimeError(f"cannot reshape tensor of 0 elements into shape [{', '.join(map(str, shape))}] because "
                               "the unspecified dimension size -1 can be any value and is ambiguous")
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '[{', '.join(map(str, shape))}]' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"shape '[{', '.join(map(str, shape))}]' is invalid for input of size {numel}")
    return shape


# -- reshape / view ------------------------------------------------------------------------------
class ViewBackward0(Node):
    """view / reshape: the gradient is reshaped back to the input's shape."""

    __slots__ = ("in_shape",)

    def run(self, F, grad, diff):
        return (F.reshape(grad, self.in_shape),)


class UnsafeViewBackward0(ViewBackward0):
    __slots__ = ()


def view(input, *shape):
    """The same memory seen with a new shape. RuntimeError if the layout cannot be viewed so
    (use ``reshape``, which copies when it must). ``view(dtype)`` is not supported."""
    if len(shape) == 1 and isinstance(shape[0], _dtype):
        raise NotImplementedError("Tensor.view(dtype) (reinterpreting bits) is not supported by ember")
    d = input._data
    shape = _infer_shape(shape_arg(shape), d.size)
    try:
        # NOTE: a C-contiguous array always reshapes to a view; ``copy=False`` costs 0.17 us more
        r = d.reshape(shape) if d.flags.c_contiguous else d.reshape(shape, copy=False)
    except ValueError:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one dimension "
            "spans across two contiguous subspaces). Use .reshape(...) instead.") from None
    res = make_view(input, r)
    if input._requires_grad and grad_mode.enabled:
        _record_view(ViewBackward0(), input, res, d.shape)
    return res


def _record_view(node, input, res, in_shape):
    """Wire a reshape/view node by hand (``record`` is the general route; these run often)."""
    node.in_shape = in_shape
    fn = input.grad_fn
    node.next_functions = ((fn, input._output_nr) if fn is not None else (input._edge or leaf_edge(input)),)
    node.needs_input_grad = (True,)
    node.saved = node.arrays = node.versions = ()
    node.epoch = 0
    if _anomaly[0]:
        _trace(node)
    res._requires_grad = True
    res.grad_fn = node


def reshape(input, *shape):
    """``input`` with a new shape: a view when the memory layout allows, else a copy."""
    d = input._data
    return _reshaped(input, d, _infer_shape(shape_arg(shape), d.size))


def _reshaped(input, d, shape):
    """``reshape`` once ``shape`` is known to be valid for ``d`` (``input``'s data)."""
    try:
        # NOTE: the method skips np.reshape's Python layer; a C-contiguous array always reshapes to
        # a view, and ``copy=False`` (which raises rather than copy) costs 0.17 us more
        r = d.reshape(shape) if d.flags.c_contiguous else d.reshape(shape, copy=False)
        res = make_view(input, r)
        node_cls = ViewBackward0
    except ValueError:
        res = _make(d.reshape(shape))
        node_cls = UnsafeViewBackward0
    if input._requires_grad and grad_mode.enabled:
        _record_view(node_cls(), input, res, d.shape)
    return res


def _areshape(x, shape):
    return x.reshape(shape)


register("reshape", _areshape, lambda x, shape: reshape(x, shape))


def view_as(input, other):
    return view(input, other.shape)


def reshape_as(input, other):
    return reshape(input, other.shape)


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims ``start_dim..end_dim`` into one (a view when possible)."""
    nd = input._data.ndim
    if nd == 0:
        return reshape(input, (1,))
    s = _wrap_dim(start_dim, nd)
    e = _wrap_dim(end_dim, nd)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    d = input._data
    shape = d.shape
    return _reshaped(input, d, shape[:s] + (_prod(shape[s:e + 1]),) + shape[e + 1:])


def ravel(input):
    return reshape(input, (-1,))


def unflatten(input, dim, sizes):
    """Split dim ``dim`` into ``sizes`` (one entry may be -1)."""
    shape = input._data.shape
    d = _wrap_dim(dim, len(shape))
    sizes = tuple(sizes)
    if -1 in sizes:
        known = 1
        for s in sizes:
            if s != -1:
                known *= s
        sizes = tuple(shape[d] // known if s == -1 else s for s in sizes)
    n = 1
    for s in sizes:
        n *= s
    if n != shape[d]:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} ({shape[d]}) in the input tensor")
    return view(input, shape[:d] + sizes + shape[d + 1:]) if input.is_contiguous() else reshape(input, shape[:d] + sizes + shape[d + 1:])


# -- expand --------------------------------------------------------------------------------------------
class ExpandBackward0(Node):
    """expand: the gradient is summed over the broadcast dims (``sum_to``)."""

    __slots__ = ()

    def run(self, F, grad, diff):
        return (F.sum_to(grad, self.in_shape),)


def expand(input, *sizes):
    """A view of ``input`` with size-1 dims repeated (no copy); -1 keeps a dim's size."""
    d = input._data
    sizes = shape_arg(sizes)
    if len(sizes) < d.ndim:
        raise RuntimeError(
            f"expand({input.type()}{{{list(d.shape)}}}, size=[{', '.join(map(str, sizes))}]): the number of sizes "
            f"provided ({len(sizes)}) must be greater or equal to the number of dimensions in the tensor ({d.ndim})")
    lead = len(sizes) - d.ndim
    target = []
    for i, s in enumerate(sizes):
        if i >= lead:
            have = d.shape[i - lead]
            if s == -1:
                s = have
            elif have != 1 and have != s:
                raise RuntimeError(
                    f"The expanded size of the tensor ({s}) must match the existing size ({have}) at non-singleton "
                    f"dimension {i}.  Target sizes: [{', '.join(map(str, sizes))}].  Tensor sizes: [{', '.join(map(str, d.shape))}]")
        elif s == -1:
            raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension {i}")
        target.append(s)
    target = tuple(target)
    if target == d.shape:
        r = d.view()
    else:
        r = np.broadcast_to(d, target)
    res = make_view(input, r)
    if input._requires_grad and grad_mode.enabled:
        node = ExpandBackward0()
        node.in_shape = d.shape
        record(node, (input,), (res,))
    return res


def expand_as(input, other):
    return expand(input, other.shape)


def broadcast_to(input, size):
    return expand(input, size)


def _aexpand(x, shape):
    """Broadcast without a copy. NOTE: ``np.broadcast_to`` costs ~1.7 us of Python; building the
    zero-stride array directly costs ~0.2 us, and backward expands a gradient for every sum/mean."""
    if x.__class__ is not np.ndarray:
        x = np.asarray(x)
    if not x.ndim:
        return np.ndarray(shape, x.dtype, x, 0, (0,) * len(shape))
    if not x.flags.c_contiguous:
        return np.broadcast_to(x, shape)
    lead = len(shape) - x.ndim
    strides = [0] * lead
    for i, n in enumerate(x.shape):
        if n == 1 and shape[lead + i] != 1:
            strides.append(0)
        elif n != shape[lead + i]:
            return np.broadcast_to(x, shape)  # raises NumPy's error for a bad shape
        else:
            strides.append(x.strides[i])
    return np.ndarray(shape, x.dtype, x, 0, tuple(strides))


register("expand", _aexpand, lambda x, shape: expand(x, shape))


# -- squeeze / unsqueeze --------------------------------------------------------------------------------
class SqueezeBackward0(ViewBackward0):
    """squeeze(): all size-1 dims removed; the gradient is reshaped back."""

    __slots__ = ()


class SqueezeBackward1(ViewBackward0):
    """squeeze(dim) with one dim."""

    __slots__ = ()


class SqueezeBackward2(ViewBackward0):
    """squeeze(dim) with a tuple of dims."""

    __slots__ = ()


class UnsqueezeBackward0(ViewBackward0):
    __slots__ = ()


def unsqueeze(input, dim):
    """A view with a size-1 dim inserted at ``dim``."""
    d = input._data
    nd = d.ndim + 1
    if not -nd <= dim < nd:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], but got {dim})")
    if dim < 0:
        dim += nd
    res = make_view(input, np.expand_dims(d, dim))
    if input._requires_grad and grad_mode.enabled:
        node = UnsqueezeBackward0()
        node.in_shape = d.shape
        record(node, (input,), (res,))
    return res


def squeeze(input, dim=None):
    """A view without size-1 dims (all of them, or those in ``dim``)."""
    d = input._data
    if dim is None:
        axes = tuple(i for i, s in enumerate(d.shape) if s == 1)
        node_cls = SqueezeBackward0
    else:
        one = isinstance(dim, (int, np.integer))
        dims = [_wrap_dim(k, d.ndim) for k in ((dim,) if one else dim)]
        for k in dims:
            if dims.count(k) > 1:
                raise RuntimeError(f"dim {k} appears multiple times in the list of dims")
        axes = tuple(sorted(a for a in dims if d.ndim and d.shape[a] == 1))
        node_cls = SqueezeBackward1 if one else SqueezeBackward2
    res = make_view(input, np.squeeze(d, axes) if axes else d.view())
    if input._requires_grad and grad_mode.enabled:
        node = node_cls()
        node.in_shape = d.shape
        record(node, (input,), (res,))
    return res


# -- copies ------------------------------------------------------------------------------------------------
class CloneBackward0(Node):
    __slots__ = ()

    def run(self, F, grad, diff):
        return (grad,)


def clone(input, *, memory_format=None):
    """A copy with its own memory; differentiable (the gradient passes through)."""
    res = _make(input._data.copy())
    if input._requires_grad and grad_mode.enabled:
        record(CloneBackward0(), (input,), (res,))
    return res


def contiguous(input, memory_format=None):
    """``input`` itself if already C-contiguous, else a contiguous copy."""
    if input._data.flags.c_contiguous:
        return input
    return clone(input)


METHODS = ["view", "reshape", "view_as", "reshape_as", "flatten", "ravel", "unflatten", "expand", "expand_as",
           "broadcast_to", "unsqueeze", "squeeze", "clone", "contiguous"]
