"""Reductions: sum, mean, and ``sum_to`` (the unbroadcast helper every binary op's gradient uses).

A reduction over ``dim`` (an int, a tuple of ints, or None for all) with ``keepdim``;
its gradient is the incoming gradient put back in the reduced dims (``keep_shape``)
and expanded to the input's shape.
"""
import numpy as np

from .. import dtypes as _dt
from ..autograd import grad_mode
from ..tensor import Tensor
from ._scaffold import Node, grad_accumulator, record, register, wrap

_make = Tensor._make

__all__ = ["sum", "mean", "sum_to", "normalize_dims", "keep_shape"]


def normalize_dims(dim, ndim, op="reduction"):
    """``dim`` (None, int, or sequence) as a sorted tuple of non-negative axes, or None for all."""
    if dim is None:
        return None
    if isinstance(dim, (int, np.integer)):
        dim = (int(dim),)
    elif len(dim) == 0:
        return None
    n = ndim if ndim else 1
    out = []
    for d in dim:
        if not -n <= d < n:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})")
        d = d + n if d < 0 else d
        if d in out:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        out.append(d)
    if ndim == 0:
        return None
    return tuple(sorted(out))


def keep_shape(shape, axes):
    """``shape`` with the reduced ``axes`` set to 1 (None: all of them)."""
    if axes is None:
        return (1,) * len(shape)
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _axes(dim, ndim):
    return normalize_dims(dim, ndim)


# -- sum_to: reduce a broadcast gradient back to an input's shape ---------------------------------
def _sum_to_kernel(x, shape):
    shape = tuple(shape)
    if x.shape == shape:
        return x
    if not shape:
        return x.sum()
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape) if s == 1 and x.shape[i + lead] != 1)
    r = x.sum(axis=axes, keepdims=True) if axes else x
    return r.reshape(shape) if lead else r


class SumToBackward0(Node):
    """sum_to(x, shape): the gradient is expanded back to x's shape."""

    __slots__ = ()

    def run(self, F, grad, diff):
        return (F.expand(grad, self.in_shape),)


def sum_to(input, shape):
    """Sum ``input`` over broadcast dims so that it has ``shape`` (the inverse of expand)."""
    shape = tuple(shape)
    d = input._data
    if d.shape == shape:
        return input
    res = wrap(_sum_to_kernel(d, shape))
    if input._requires_grad and grad_mode.enabled:
        node = SumToBackward0()
        node.in_shape = d.shape
        record(node, (input,), (res,))
    return res


register("sum_to", _sum_to_kernel, sum_to)


# -- sum and mean ---------------------------------------------------------------------------------
def _sum_dtype(d, dtype):
    if dtype is not None:
        return dtype.np
    if d.dtype.kind in "biu":
        return np.int64
    return None


class SumBackward0(Node):
    """sum over all elements: the gradient is the incoming scalar expanded to the input's shape."""

    __slots__ = ()

    def run(self, F, grad, diff):
        return (F.expand(grad, self.in_shape),)


class SumBackward1(Node):
    """sum over dims: the reduced dims are put back, then the gradient is expanded."""

    __slots__ = ()

    def run(self, F, grad, diff):
        return (F.expand(F.reshape(grad, self.keep), self.in_shape),)


def sum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum of elements over ``dim`` (all when None). Integer and bool inputs sum in int64.

    Example::

        >>> import ember
        >>> ember.tensor([[1., 2.], [3., 4.]]).sum(1)
        tensor([3., 7.])
    """
    d = input._data
    if dim is None and dtype is None and d.dtype.kind == "f":  # the common loss.sum()
        r = d.sum(keepdims=keepdim)
        res = _make(r if r.__class__ is np.ndarray else np.asarray(r))
        if input._requires_grad and grad_mode.enabled:
            node = SumBackward0()
            node.in_shape = d.shape
            fn = input.grad_fn
            node.next_functions = ((fn, input._output_nr) if fn is not None else (grad_accumulator(input), 0),)
            node.needs_input_grad = (True,)
            node.saved = node.arrays = node.versions = ()
            node.epoch = 0
            res._requires_grad = True
            res.grad_fn = node
        return res
    axes = _axes(dim, d.ndim) if dim is not None else None
    r = d.sum(axis=axes, dtype=_sum_dtype(d, dtype), keepdims=keepdim)
    res = wrap(r)
    if input._requires_grad and grad_mode.enabled:
        node = SumBackward0() if dim is None else SumBackward1()
        node.in_shape = d.shape
        node.keep = keep_shape(d.shape, axes)
        record(node, (input,), (res,))
    return res


def _asum(x, dim=None, keepdim=False):
    return x.sum(axis=normalize_dims(dim, x.ndim), keepdims=keepdim)


register("sum", _asum, sum)


class MeanBackward0(Node):
    """mean: the gradient divided by the number of elements averaged, expanded back."""

    __slots__ = ()

    def run(self, F, grad, diff):
        return (F.expand(F.reshape(grad, self.keep), self.in_shape) / self.count,)


class MeanBackward1(MeanBackward0):
    __slots__ = ()


def mean(input, dim=None, keepdim=False, *, dtype=None):
    """Mean over ``dim`` (all when None). Needs a floating dtype (PyTorch's error otherwise)."""
    d = input._data
    if dtype is not None:
        d = d.astype(dtype.np)
    elif d.dtype.kind != "f":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {_TYPE[d.dtype.kind]}")
    axes = _axes(dim, d.ndim) if dim is not None else None
    r = d.mean(axis=axes, keepdims=keepdim) if d.size else _empty_mean(d, axes, keepdim)
    res = wrap(r.astype(d.dtype, copy=False) if hasattr(r, "astype") else r)
    if input._requires_grad and grad_mode.enabled:
        node = MeanBackward0() if dim is None else MeanBackward1()
        node.in_shape = d.shape
        node.keep = keep_shape(d.shape, axes)
        count = 1
        for i, s in enumerate(d.shape):
            if axes is None or i in axes:
                count *= s
        node.count = count
        record(node, (input,), (res,))
    return res


_TYPE = {"b": "Bool", "i": "Long", "u": "Byte"}


def _empty_mean(d, axes, keepdim):
    s = d.sum(axis=axes, keepdims=keepdim)
    return np.full(np.shape(s), np.nan, d.dtype)


def _amean(x, dim=None, keepdim=False):
    return x.mean(axis=normalize_dims(dim, x.ndim), keepdims=keepdim)


register("mean", _amean, mean)

METHODS = ["sum", "mean", "sum_to"]
