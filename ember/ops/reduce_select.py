"""Reductions that select an element: max, min, amax, amin, aminmax, argmax, argmin, median.

Their gradients depend on *which* element was selected. That is a mask computed in
forward: a mask is piecewise constant, so the rule stays differentiable
(``F.where(mask, grad, 0)``) without differentiating the comparison. With ``dim``,
max/min/median return ``(values, indices)`` named tuples (``torch.return_types``).
"""
import builtins

import numpy as np

from ..autograd.node import StateNode
from ..tensor import Tensor, _wrap_dim
from ._scaffold import Node, record, wrap
from .reduce import _axes, _needs, keep_shape, return_type


class _EvenlyBackward(StateNode):
    """Reduction to one selected value: the gradient is shared evenly among the elements
    equal to it (PyTorch's rule for max(), min(), median() without dim)."""

    __slots__ = ()

    _state = ("mask",)

    def run(self, F, grad, diff):
        self.live()
        return (F.masked_grad(grad / self.count, self.mask),)


class _IndexBackward(StateNode):
    """Reduction along dim that returns indices: the gradient goes to the selected index."""

    __slots__ = ()

    _state = ("mask",)

    def run(self, F, grad, diff):
        self.live()
        return (F.masked_grad(F.reshape(grad, self.keep), self.mask),)


class _AmaxBackward(StateNode):
    """amax/amin: each slice's gradient is split evenly among the elements equal to its result."""

    __slots__ = ()

    _state = ("scale",)

    def run(self, F, grad, diff):
        self.live()
        return (F.reshape(grad, self.keep) * self.scale,)


MaxBackward1 = type("MaxBackward1", (_EvenlyBackward,), {"__slots__": ()})
MinBackward1 = type("MinBackward1", (_EvenlyBackward,), {"__slots__": ()})
MedianBackward0 = type("MedianBackward0", (_EvenlyBackward,), {"__slots__": ()})
MaxBackward0 = type("MaxBackward0", (_IndexBackward,), {"__slots__": ()})
MinBackward0 = type("MinBackward0", (_IndexBackward,), {"__slots__": ()})
MedianBackward1 = type("MedianBackward1", (_IndexBackward,), {"__slots__": ()})
AmaxBackward0 = type("AmaxBackward0", (_AmaxBackward,), {"__slots__": ()})
AminBackward0 = type("AminBackward0", (_AmaxBackward,), {"__slots__": ()})

max_type = return_type("max", ["values", "indices"])
min_type = return_type("min", ["values", "indices"])
median_type = return_type("median", ["values", "indices"])
aminmax_type = return_type("aminmax", ["min", "max"])


def _no_empty(d, axes, name, error=RuntimeError):
    """PyTorch's errors for a reduction without identity over no elements."""
    if axes is None:
        if d.size == 0:
            tail = "" if error is IndexError else " Specify the reduction dim with the 'dim' argument."
            raise error(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.{tail}")
        return
    for a in axes:
        if d.shape[a] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {a} to have non-zero size.")


def _evenly(input, res, r, node_cls):
    """Record the gradient of a full reduction to the value ``r`` (ties share it)."""
    d = input._data
    node = node_cls()
    node.mask = np.isnan(d) if r != r else d == r
    node.count = int(node.mask.sum())
    record(node, (input,), (res,), (node.mask,))


def _along(input, dim, keepdim, name, index_fn, node_cls, rtype):
    """``(values, indices)`` of a selection along ``dim``; ``index_fn(d, axis)`` gives the kept-dim indices."""
    d = input._data
    axis = _wrap_dim(dim, d.ndim)
    if d.ndim == 0:
        values, idx = d.copy(), np.zeros((), np.int64)
        mask = np.ones((), bool)
    else:
        _no_empty(d, (axis,), name)
        idx = index_fn(d, axis)
        values = np.take_along_axis(d, idx, axis)
        mask = np.arange(d.shape[axis]).reshape([-1 if i == axis else 1 for i in range(d.ndim)]) == idx
        if not keepdim:
            values, idx = values.squeeze(axis), idx.squeeze(axis)
    res = wrap(values)
    if _needs(input):
        node = node_cls()
        node.mask, node.keep = mask, keep_shape(d.shape, (axis,))
        record(node, (input,), (res,), (mask,))
    return rtype(res, wrap(idx))


def _minmax(input, dim, keepdim, name):
    if isinstance(dim, Tensor):  # max(input, other) is the elementwise maximum
        from . import compare

        return compare.maximum(input, dim) if name == "max" else compare.minimum(input, dim)
    d = input._data
    is_max = name == "max"
    if dim is None:
        _no_empty(d, None, name)
        r = d.max() if is_max else d.min()
        res = wrap(r)
        if _needs(input):
            _evenly(input, res, r, MaxBackward1 if is_max else MinBackward1)
        return res
    arg = np.argmax if is_max else np.argmin
    return _along(input, dim, keepdim, name, lambda a, ax: arg(a, axis=ax, keepdims=True),
                  MaxBackward0 if is_max else MinBackward0, max_type if is_max else min_type)


def max(input, dim=None, keepdim=False):
    """Largest element (a 0-d tensor; ties share the gradient); with ``dim``, ``(values, indices)``
    along it (the gradient goes to the index); ``max(input, other)`` is ``maximum``."""
    return _minmax(input, dim, keepdim, "max")


def min(input, dim=None, keepdim=False):
    """Smallest element; see ``max``."""
    return _minmax(input, dim, keepdim, "min")


def _amaxmin(input, dim, keepdim, name):
    d = input._data
    axes = _axes(dim, d.ndim)
    if d.size == 0:
        _no_empty(d, axes, name)
    fn = np.max if name == "amax" else np.min
    r = fn(d, axis=axes, keepdims=True)
    res = wrap(r if keepdim else (r.reshape(()) if axes is None else r.squeeze(axes)))
    if _needs(input):
        node = AmaxBackward0() if name == "amax" else AminBackward0()
        mask = (d == r).astype(d.dtype)
        node.scale = mask / mask.sum(axis=axes, keepdims=True)
        node.keep = keep_shape(d.shape, axes)
        record(node, (input,), (res,), (node.scale,))
    return res


def amax(input, dim=(), keepdim=False):
    """Maximum over ``dim`` (all when empty). Ties split the gradient evenly."""
    return _amaxmin(input, dim, keepdim, "amax")


def amin(input, dim=(), keepdim=False):
    """Minimum over ``dim`` (all when empty). Ties split the gradient evenly."""
    return _amaxmin(input, dim, keepdim, "amin")


def aminmax(input, *, dim=None, keepdim=False):
    """``(min, max)`` over ``dim`` (all when None)."""
    d = input._data
    axes = _axes(dim, d.ndim)
    if d.size == 0 and (axes is None or not builtins.all(d.shape[a] for a in axes)):
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation has no "
                           "identity.")
    return aminmax_type(_amaxmin(input, axes or (), keepdim, "amin"), _amaxmin(input, axes or (), keepdim, "amax"))


def _argmaxmin(input, dim, keepdim, name):
    d = input._data
    if d.dtype.kind == "b":
        raise RuntimeError(f"{name}(): does not support bool input")
    fn = np.argmax if name == "argmax" else np.argmin
    if dim is None:
        _no_empty(d, None, name, IndexError)
        r = np.asarray(fn(d), np.int64)
        return wrap(r.reshape((1,) * d.ndim) if keepdim else r)
    axis = _wrap_dim(dim, d.ndim)
    if d.ndim == 0:
        return wrap(np.zeros((), np.int64))
    _no_empty(d, (axis,), name)
    return wrap(fn(d, axis=axis, keepdims=keepdim).astype(np.int64, copy=False))


def argmax(input, dim=None, keepdim=False):
    """Index of the largest element (int64) along ``dim``, or in the flattened input when None."""
    return _argmaxmin(input, dim, keepdim, "argmax")


def argmin(input, dim=None, keepdim=False):
    """Index of the smallest element (int64); see ``argmax``."""
    return _argmaxmin(input, dim, keepdim, "argmin")


def _median_index(d, axis):
    """Kept-dim index of the lower median along ``axis``; a slice with NaN gives its first NaN."""
    order = np.argsort(d, axis=axis, kind="stable")
    k = (d.shape[axis] - 1) // 2
    idx = np.take(order, [k], axis=axis)
    if d.dtype.kind == "f":
        nan = np.isnan(d)
        idx = np.where(nan.any(axis, keepdims=True), np.argmax(nan, axis, keepdims=True), idx)
    return idx


def median(input, dim=None, keepdim=False):
    """Lower median (the smaller middle value for an even count); NaN if any element is NaN.
    Without ``dim`` a 0-d tensor (ties share the gradient), with it ``(values, indices)``."""
    d = input._data
    if d.dtype.kind == "b":
        raise NotImplementedError("\"median_cpu\" not implemented for 'Bool'")
    if dim is not None:
        return _along(input, dim, keepdim, "median", _median_index, MedianBackward1, median_type)
    if d.size == 0:  # NaN; PyTorch gives integers their smallest value
        r = np.array(np.nan if d.dtype.kind == "f" else np.iinfo(d.dtype).min, d.dtype)
    else:
        flat = d.reshape(-1)
        r = flat[_median_index(flat, 0)[0]]
    res = wrap(r)
    if _needs(input):
        _evenly(input, res, r, MedianBackward0)
    return res


METHODS = ["max", "min", "amax", "amin", "aminmax", "argmax", "argmin", "median"]
