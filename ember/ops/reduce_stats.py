"""Reductions with a closed-form gradient in the input and the result: var, std (and
var_mean, std_mean), logsumexp and the vector norm.

Each saves what its rule needs (the input, and the result for std, logsumexp and norm)
and writes the derivative as a formula; see each Node's docstring.
"""
import math
import warnings

import numpy as np

from .. import dtypes as _dt
from ..autograd import grad_mode
from ._scaffold import Node, record, save_output, wrap
from .reduce import _SCALAR, _axes, _count, _needs, keep_shape, mean, normalize_dims


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
    r = np.square(dev).sum(axis=axes, keepdims=keepdim) / max(0, n - correction)
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


# -- norm ---------------------------------------------------------------------------------------------------
class LinalgVectorNormBackward0(Node):
    """||x||_p = (sum |x|^p)^(1/p): d/dx = sign(x) |x|^(p-1) / ||x||^(p-1). Special cases as in
    PyTorch: p = 2 is x / ||x||, p = 1 is sign(x), p = 0 (a count) has gradient 0, p = +-inf
    (max or min of |x|) splits the gradient among the ties; 0 where the norm is 0."""

    __slots__ = ()

    def run(self, F, grad, diff):
        x, norm = self.unpack(diff)
        p, g = self.ord, F.reshape(grad, self.keep)
        if p == 0:
            return (F.zeros_like(x),)
        if p == 1:
            return (F.sign(x) * g,)
        if math.isinf(p):
            return (F.sign(x) * (g * self.scale),)
        norm = F.reshape(norm, self.keep)
        if p == 2:
            return (x * F.where(norm == 0, 0.0, g / norm),)
        if p < 1:
            scaled = F.where(x == 0, 0.0, F.sign(x) * F.pow(F.abs(x), p - 1))
            return (scaled * g * F.pow(norm, 1 - p),)
        scale = F.where(norm == 0, 0.0, g / F.pow(norm, p - 1))
        if p < 2:
            return (F.sign(x) * F.pow(F.abs(x), p - 1) * scale,)
        return (x * F.pow(F.abs(x), p - 2) * scale,)


def _vector_norm(input, p, dim, keepdim):
    d = input._data
    if d.dtype.kind != "f":
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{_SCALAR[d.dtype.name]}")
    axes = normalize_dims(dim, d.ndim)
    p = float(p)
    a = np.abs(d)
    if math.isinf(p):
        if d.size == 0 and (axes is None or any(d.shape[i] == 0 for i in axes)):
            raise RuntimeError(f"linalg.vector_norm cannot compute the {'' if p > 0 else '-'}inf norm on an empty "
                               "tensor because the operation does not have an identity")
        r = (a.max if p > 0 else a.min)(axis=axes, keepdims=True)
    elif p == 2:
        r = np.sqrt(np.square(d).sum(axis=axes, keepdims=True))
    elif p == 1:
        r = a.sum(axis=axes, keepdims=True)
    elif p == 0:
        r = (d != 0).sum(axis=axes, keepdims=True).astype(d.dtype)
    else:
        r = (a ** p).sum(axis=axes, keepdims=True) ** (1 / p)
    res = wrap(r if keepdim else (r.reshape(()) if axes is None else r.squeeze(axes)))
    if grad_mode.enabled and input._requires_grad:
        node = LinalgVectorNormBackward0()
        node.ord, node.keep = p, keep_shape(d.shape, axes)
        if math.isinf(p):
            mask = ((a == r) | np.isnan(a)).astype(d.dtype)
            node.scale = mask / mask.sum(axis=axes, keepdims=True)
        record(node, (input,), (res,), (input, save_output(res)))
    return res


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """The p-norm over ``dim`` (all elements when None): 'fro' and 2 are sqrt(sum x^2), other
    numbers (sum |x|^p)^(1/p), inf / -inf the largest / smallest |x|, 0 the count of nonzeros.
    A number p always gives the vector norm over ``dim``, as in PyTorch."""
    if isinstance(p, str):
        if p == "fro" and (dim is None or isinstance(dim, int) or len(dim) <= 2):
            p = 2
        elif p == "nuc":
            raise NotImplementedError("norm(p='nuc'): the nuclear norm needs an SVD, which ember does not have")
        elif p == "fro":
            raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dim))}")
        else:
            raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
    elif p is None:
        p = 2
    if dtype is not None and dtype.np != input._data.dtype:
        input = input.to(dtype)
    res = _vector_norm(input, p, dim, keepdim)
    return res if out is None else out.copy_(res)


METHODS = ["var", "std", "logsumexp", "norm"]
FUNCTIONS = ["var_mean", "std_mean"]
