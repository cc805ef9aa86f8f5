"""Reductions: sum, mean, prod, max/min, var/std, norm, logsumexp, cumsum/cumprod, all/any, ...

A reduction over ``dim`` (an int, a tuple of ints, or None for all) with ``keepdim``;
its gradient is the incoming gradient put back in the reduced dims (``keep_shape``),
which then broadcasts against the input. ``sum_to`` (the unbroadcast helper every
binary op's gradient uses) lives here too.

Gradients that depend on *which* element was selected (max, amax, median) are masks
computed in forward: a mask is piecewise constant, so the rule stays differentiable
(``F.where(mask, grad, 0)``) without differentiating the comparison.
"""
import builtins
import warnings
from collections import namedtuple

import numpy as np

from .. import dtypes as _dt
from ..autograd import grad_mode
from ..tensor import Tensor, _wrap_dim
from ._scaffold import Node, leaf_edge, record, register, save_output, wrap

_make = Tensor._make

__all__ = ["sum", "mean", "sum_to", "normalize_dims", "keep_shape", "return_type"]

_SCALAR = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int", "int64": "Long",
           "float16": "Half", "float32": "Float", "float64": "Double"}


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


def _count(shape, axes):
    """How many elements each output element reduces."""
    n = 1
    for i, s in enumerate(shape):
        if axes is None or i in axes:
            n *= s
    return n


def _needs(t):
    return t._requires_grad and grad_mode.enabled


def return_type(name, fields):
    """A tuple with named fields, like ``torch.return_types.max``: ``values, indices = x.max(0)``
    and ``x.max(0).values`` both work."""
    base = namedtuple(name, fields)

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"torch.return_types.{name}(\n{body})"

    return type(name, (base,), {"__slots__": (), "__repr__": __repr__, "__module__": "ember.return_types"})


# -- sum_to: reduce a broadcast gradient back to an input's shape ---------------------------------
def _sum_to_kernel(x, shape):
    shape = tuple(shape)
    if x.shape == shape:
        return x
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


# -- sum, mean, prod ------------------------------------------------------------------------------
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
        keep = self.keep
        if keep is not None:
            grad = F.reshape(grad, keep)
        return (F.expand(grad, self.in_shape),)


class SumBackward1(SumBackward0):
    """sum over dims: as SumBackward0, with the reduced dims put back first."""

    __slots__ = ()


def sum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum of elements over ``dim`` (all when None). Integer and bool inputs sum in int64.

    Example::

        >>> import ember
        >>> ember.tensor([[1., 2.], [3., 4.]]).sum(1)
        tensor([3., 7.])
    """
    d = input._data
    if dim is None and dtype is None and d.dtype.kind == "f":  # the common ``loss.sum()``: inlined
        r = _add_reduce(d, None, None, None, keepdim)
        res = _make(r if r.__class__ is np.ndarray else np.asarray(r))
        if input._requires_grad and grad_mode.enabled:
            node = SumBackward0()
            node.in_shape = d.shape
            node.keep = None  # a 0-d gradient expands directly (keepdim: its 1s broadcast too)
            fn = input.grad_fn
            node.next_functions = ((fn, input._output_nr) if fn is not None else (input._edge or leaf_edge(input)),)
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


_add_reduce = np.add.reduce


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
            f"complex dtype. Got: {_SCALAR[d.dtype.name]}")
    axes = _axes(dim, d.ndim) if dim is not None else None
    r = d.mean(axis=axes, keepdims=keepdim) if d.size else _empty_mean(d, axes, keepdim)
    res = wrap(r.astype(d.dtype, copy=False) if hasattr(r, "astype") else r)
    if input._requires_grad and grad_mode.enabled:
        node = MeanBackward0() if dim is None else MeanBackward1()
        node.in_shape = d.shape
        node.keep = keep_shape(d.shape, axes)
        node.count = _count(d.shape, axes)
        record(node, (input,), (res,))
    return res


def _empty_mean(d, axes, keepdim):
    s = d.sum(axis=axes, keepdims=keepdim)
    return np.full(np.shape(s), np.nan, d.dtype)


def _amean(x, dim=None, keepdim=False):
    axes = normalize_dims(dim, x.ndim)
    return x.mean(axis=axes, keepdims=keepdim) if x.size else _empty_mean(x, axes, keepdim)


register("mean", _amean, mean)


class ProdBackward0(Node):
    """prod: d/dx_k = product of the other elements. Without zeros that is ``out / x_k``
    (PyTorch's formula); with zeros it is computed exactly by ``F.prod_others``, which gives
    the one zero the product of the rest and every element 0 when there are two zeros."""

    __slots__ = ()

    def run(self, F, grad, diff):
        x, out = self.unpack(diff)
        if x.ndim == 0:
            return (grad,)
        g = F.reshape(grad, self.keep)
        if not self.has_zero:
            return (g * (F.reshape(out, self.keep) / x),)
        if self.axis is None:  # all elements: the product of the others over the flattened input
            others = F.reshape(F.prod_others(F.reshape(x, (self.count,)), 0), self.in_shape)
        else:
            others = F.prod_others(x, self.axis)
        return (g * others,)


class ProdBackward1(ProdBackward0):
    __slots__ = ()


def prod(input, dim=None, keepdim=False, *, dtype=None):
    """Product of elements (all of them, or along the int ``dim``). Integer and bool inputs
    multiply in int64; the product of nothing is 1. Gradient: see ProdBackward0."""
    if dtype is not None and dtype.np != input._data.dtype:
        input = input.to(dtype)
    d = input._data
    if dim is not None and not isinstance(dim, (int, np.integer)):
        raise TypeError(f"prod(): argument 'dim' must be int, not {type(dim).__name__}")
    axis = None if dim is None else _wrap_dim(dim, d.ndim)
    if d.ndim == 0:
        axis = None
    res = wrap(d.prod(axis=axis, dtype=_sum_dtype(d, None), keepdims=keepdim))
    if _needs(input):
        node = ProdBackward0() if dim is None else ProdBackward1()
        node.in_shape, node.axis, node.count = d.shape, axis, d.size
        node.keep = keep_shape(d.shape, None if axis is None else (axis,))
        node.has_zero = not d.all()
        record(node, (input,), (res,), (input, save_output(res)))
    return res


def _prod_others_kernel(x, axis):
    """out[k] = prod_{j != k} x[j] along ``axis``: exclusive products from the left and right, O(n)."""
    x = np.moveaxis(x, axis, -1)
    if x.shape[-1] == 0:
        return np.moveaxis(x.copy(), -1, axis)
    ones = np.ones(x.shape[:-1] + (1,), x.dtype)
    left = np.cumprod(np.concatenate([ones, x[..., :-1]], -1), -1)
    right = np.flip(np.cumprod(np.concatenate([ones, np.flip(x[..., 1:], -1)], -1), -1), -1)
    return np.moveaxis(left * right, -1, axis)


def _tprod_others(x, axis):
    """The same, differentiable: row k of an n x n table holds x with x[k] replaced by 1, and
    ``prod`` of each row is the product of the others (O(n^2), used only for higher orders)."""
    from .compare import where

    xm = x.transpose(axis, -1)
    lead, n = tuple(xm.shape[:-1]), xm.shape[-1]
    rows = where(np.eye(n, dtype=bool), 1.0, xm.reshape(lead + (1, n)).expand(lead + (n, n)))
    return prod(rows, -1).transpose(axis, -1)


register("prod_others", _prod_others_kernel, _tprod_others)


# -- max, min, amax, amin, argmax, argmin -----------------------------------------------------------
class _EvenlyBackward(Node):
    """Reduction to one selected value: the gradient is shared evenly among the elements
    equal to it (PyTorch's rule for max(), min(), median() without dim)."""

    __slots__ = ()

    def run(self, F, grad, diff):
        return (F.where(self.mask, grad / self.count, 0.0),)


class _IndexBackward(Node):
    """Reduction along dim that returns indices: the gradient goes to the selected index."""

    __slots__ = ()

    def run(self, F, grad, diff):
        return (F.where(self.mask, F.reshape(grad, self.keep), 0.0),)


class _AmaxBackward(Node):
    """amax/amin: each slice's gradient is split evenly among the elements equal to its result."""

    __slots__ = ()

    def run(self, F, grad, diff):
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
    record(node, (input,), (res,))


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
        record(node, (input,), (res,))
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
        record(node, (input,), (res,))
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


# -- var, std, logsumexp ------------------------------------------------------------------------------
class VarBackward0(Node):
    """var = sum((x - mean)^2) / (N - correction): d/dx = 2 (x - mean) / (N - correction)."""

    __slots__ = ()

    def run(self, F, grad, diff):
        x, = self.unpack(diff)
        return (self.factor * F.reshape(grad, self.keep) * (x - F.mean(x, self.axes, True)),)


class StdBackward0(Node):
    """std = sqrt(var): the var rule applied to grad / (2 std), taken as 0 where std == 0
    (PyTorch's choice; the derivative does not exist there)."""

    __slots__ = ()

    def run(self, F, grad, diff):
        x, out = self.unpack(diff)
        out = F.reshape(out, self.keep)
        g = F.where(out == 0, 0.0, F.reshape(grad, self.keep) / (out * 2))
        return (self.factor * g * (x - F.mean(x, self.axes, True)),)


def _var(input, dim, unbiased, keepdim, correction, name, take_sqrt):
    """var or std; ``unbiased`` is the legacy spelling of correction=1 (True) or 0 (False)."""
    if unbiased is not None:
        if correction is not None:
            raise TypeError(f"{name}(): received both 'unbiased' and 'correction'; pass only 'correction'")
        correction = 1 if unbiased else 0
    elif correction is None:
        correction = 1
    d = input._data
    if d.dtype.kind != "f":
        raise RuntimeError("std and var only support floating point and complex dtypes")
    axes = _axes(dim, d.ndim)
    n = _count(d.shape, axes)
    dev = d - d.sum(axis=axes, keepdims=True) / n
    if n - correction <= 0:  # NOTE: as PyTorch, warn and divide by 0 (inf, or nan for 0 / 0)
        warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly less than the "
                      "reduction factor (input numel divided by output numel).", UserWarning, stacklevel=3)
    r = np.square(dev).sum(axis=axes, keepdims=keepdim) / builtins.max(0, n - correction)
    res = wrap(np.sqrt(r) if take_sqrt else r)
    if _needs(input):
        node = StdBackward0() if take_sqrt else VarBackward0()
        node.axes, node.keep = axes, keep_shape(d.shape, axes)
        node.factor = float(np.float64(2.0) / (n - correction))
        record(node, (input,), (res,), (input, save_output(res)) if take_sqrt else (input,))
    return res


def _legacy(dim, unbiased):
    """``var(x, True)``: a bool in place of ``dim`` is PyTorch's old ``unbiased`` argument."""
    return (None, dim) if isinstance(dim, bool) else (dim, unbiased)


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance over ``dim``: sum((x - mean)^2) / (N - correction), correction 1 by default."""
    dim, unbiased = _legacy(dim, unbiased)
    return _var(input, dim, unbiased, keepdim, correction, "var", False)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Standard deviation, sqrt(var); see ``var``."""
    dim, unbiased = _legacy(dim, unbiased)
    return _var(input, dim, unbiased, keepdim, correction, "std", True)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(var, mean)`` over ``dim`` (a plain tuple, as in PyTorch)."""
    dim, unbiased = _legacy(dim, unbiased)
    return _var(input, dim, unbiased, keepdim, correction, "var_mean", False), mean(input, dim, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(std, mean)`` over ``dim``."""
    dim, unbiased = _legacy(dim, unbiased)
    return _var(input, dim, unbiased, keepdim, correction, "std_mean", True), mean(input, dim, keepdim)


class LogsumexpBackward0(Node):
    """logsumexp: d/dx = exp(x - out), the softmax of x over the reduced dims."""

    __slots__ = ()

    def run(self, F, grad, diff):
        x, out = self.unpack(diff)
        return (F.reshape(grad, self.keep) * F.exp(x - F.reshape(out, self.keep)),)


def logsumexp(input, dim, keepdim=False):
    """log(sum(exp(x))) over ``dim``, computed as m + log(sum(exp(x - m))) with m the max, so
    that exp never overflows. Integer inputs give the default float dtype."""
    if input._data.dtype.kind != "f":
        input = input.to(_dt.get_default_dtype())
    d = input._data
    axes = _axes(dim, d.ndim)
    if d.size == 0:
        r = np.log(np.exp(d).sum(axis=axes, keepdims=True))
    else:
        m = d.max(axis=axes, keepdims=True)
        m = np.where(np.isinf(m), 0, m)  # NOTE: an infinite max would make x - m = inf - inf = nan
        r = np.log(np.exp(d - m).sum(axis=axes, keepdims=True)) + m
    res = wrap(r if keepdim else (r.reshape(()) if axes is None else r.squeeze(axes)))
    if _needs(input):
        node = LogsumexpBackward0()
        node.keep = keep_shape(d.shape, axes)
        record(node, (input,), (res,), (input, save_output(res)))
    return res


# -- cumsum, cumprod ---------------------------------------------------------------------------------
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


# -- logical reductions and counts (no gradient) --------------------------------------------------
def _logical(input, dim, keepdim, fn):
    d = input._data
    r = np.asarray(fn(d, axis=_axes(dim, d.ndim), keepdims=keepdim))
    return wrap(r.astype(np.uint8) if d.dtype == np.uint8 else r)  # PyTorch keeps uint8 for uint8


def all(input, dim=None, keepdim=False):
    """True where every element over ``dim`` is nonzero (True for no elements)."""
    return _logical(input, dim, keepdim, np.all)


def any(input, dim=None, keepdim=False):
    """True where some element over ``dim`` is nonzero (False for no elements)."""
    return _logical(input, dim, keepdim, np.any)


def count_nonzero(input, dim=None):
    """Number of nonzero elements over ``dim`` (int64)."""
    d = input._data
    return wrap(np.asarray(np.count_nonzero(d, axis=_axes(dim, d.ndim)), np.int64))


class NansumBackward0(Node):
    """nansum: the gradient times the mask of non-NaN elements (a product, as in PyTorch, so an
    infinite gradient still gives NaN at the NaNs)."""

    __slots__ = ()

    def run(self, F, grad, diff):
        return (F.reshape(grad, self.keep) * self.mask,)


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum treating NaN as 0."""
    if dtype is not None and dtype.np != input._data.dtype:
        input = input.to(dtype)
    d = input._data
    if d.dtype.kind != "f":
        return sum(input, dim, keepdim)
    axes = _axes(dim, d.ndim)
    res = wrap(np.nansum(d, axis=axes, keepdims=keepdim))
    if _needs(input):
        node = NansumBackward0()
        node.keep, node.mask = keep_shape(d.shape, axes), (d == d).astype(d.dtype)
        record(node, (input,), (res,))
    return res


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """Mean of the elements that are not NaN."""
    d = input._data
    if d.dtype.kind != "f":
        raise RuntimeError("nanmean(): expected input to have floating point or complex dtype but got "
                           f"{_SCALAR[d.dtype.name]}")
    from .compare import isnan, logical_not

    return nansum(input, dim, keepdim, dtype=dtype) / sum(logical_not(isnan(input)), dim, keepdim)


METHODS = ["sum", "mean", "sum_to", "prod", "max", "min", "amax", "amin", "aminmax", "argmax", "argmin", "median",
           "var", "std", "logsumexp", "cumsum", "cumprod", "all", "any", "count_nonzero", "nansum", "nanmean"]
FUNCTIONS = ["var_mean", "std_mean"]
