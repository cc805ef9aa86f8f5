"""Classification and probabilistic losses: nll_loss, cross_entropy, binary_cross_entropy,
binary_cross_entropy_with_logits, kl_div, poisson_nll_loss.

The numerically delicate or hot ones are fused primitives with an exact gradient rule and the
reduction folded in (one graph node): ``nll_loss``, ``binary_cross_entropy``,
``binary_cross_entropy_with_logits`` and the log-softmax + NLL core of ``cross_entropy``.
kl_div and poisson_nll_loss are composites of differentiable ops and need no rule. The
reduction helpers are in ``loss_reduction.py``.
"""
import math
import warnings

import numpy as np

from ..autograd import grad_mode
from ..autograd.node import A
from ._scaffold import Node, record, wrap
from .compare import where
from .loss_reduction import _apply, _fold, _not_differentiable, _reduction, legacy_get_string
from .reduce import _SCALAR


# -- classification: nll_loss and cross_entropy -----------------------------------------------------
def _class_targets(input, target, weight, ignore_index, op):
    """Checks of PyTorch's nll_loss_nd, then what a class-index loss needs: the NumPy index that picks
    ``input[i, target_i, ...]``, the per-sample weights ``ws`` (weight[target], 0 where ignored) and
    the class dim."""
    d, t = input._data, target._data
    if d.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {d.ndim})")
    if d.ndim != 1 and t.ndim >= 1 and d.shape[0] != t.shape[0]:
        raise ValueError(f"Expected input batch_size ({d.shape[0]}) to match target batch_size ({t.shape[0]}).")
    if d.ndim <= 2:
        if t.ndim > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if (d.ndim == 1) != (t.ndim == 0):
            raise RuntimeError(f"size mismatch (got input: {list(d.shape)}, target: {list(t.shape)})")
    elif t.shape != d.shape[:1] + d.shape[2:]:
        raise RuntimeError(f"Expected target size {list(d.shape[:1] + d.shape[2:])}, got {list(t.shape)}")
    if t.dtype != np.int64 and t.dtype != np.uint8:
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {_SCALAR.get(t.dtype.name, t.dtype)}")
    cdim = 0 if d.ndim == 1 else 1
    c = d.shape[cdim]
    if weight is not None and (weight._data.ndim != 1 or weight._data.size != c):
        raise RuntimeError(f"weight tensor should be defined either for all {c} classes or no classes but got "
                           f"weight tensor of shape: {list(weight._data.shape)}")
    _not_differentiable(op, "weight", weight)
    valid = t != ignore_index
    bad = valid & ((t < 0) | (t >= c))
    if bad.any():
        raise IndexError(f"Target {t[bad].flat[0]} is out of bounds.")
    tt = np.where(valid, t, 0)
    ws = (weight._data[tt] if weight is not None else np.ones(t.shape, d.dtype)) * valid
    if d.ndim == 1:
        index = (tt,)
    else:
        grid = np.ogrid[tuple(slice(s) for s in t.shape)]
        index = (grid[0], tt) + tuple(grid[1:])
    return index, ws.astype(d.dtype, copy=False), valid, cdim


class NllLossBackward0(Node):
    """loss_i = -ws_i * x[i, target_i]: the gradient is -grad * ws scattered to the targets."""

    __slots__ = ()

    def run(self, F, grad, diff):
        ws, = self.unpack(diff)
        g = -grad if self.scale is None else grad * -self.scale
        return (F.index_grad(g * ws, self.in_shape, self.index),)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """Negative log likelihood: ``-weight[t_i] * input[i, t_i]`` for class-index targets t, over
    (C), (N, C) or (N, C, d1, ...) inputs. Targets equal to ``ignore_index`` count 0; 'mean'
    divides by the sum of the weights of the other targets."""
    reduction = _reduction(size_average, reduce, reduction)
    index, ws, _, _ = _class_targets(input, target, weight, ignore_index, "nll_loss_forward")
    d = input._data
    r, scale = _fold(-ws * d[index], reduction, ws.sum())
    res = wrap(r)
    if grad_mode.enabled and input._requires_grad:
        node = NllLossBackward0()
        node.scale, node.in_shape, node.index = scale, d.shape, index
        record(node, (input,), (res,), (ws,))
    return res


class CrossEntropyLossBackward0(Node):
    """loss_i = sum_c q_ic (lse_i - x_ic), lse = logsumexp over the classes, q the (weighted,
    smoothed) target distribution. d/dx = grad * (softmax(x) * sum_c q - q), d/dq = -grad * log_softmax(x).

    NOTE: PyTorch records log_softmax and nll_loss as two nodes; one fused node saves a pass and
    keeps the exact softmax - target form of the gradient.
    """

    __slots__ = ()

    def run(self, F, grad, diff):
        x, q, lse = self.unpack(diff)
        g = F.reshape(grad, self.keep) if self.scale is None else grad * self.scale
        # NOTE: the differentiable mode recomputes log_softmax from x, so that a double backward
        # sees how it depends on x; the fast mode reuses the logsumexp saved by forward.
        logp = F.log_softmax(x, self.cdim) if diff else x - lse
        need = self.needs_input_grad
        gx = g * (F.exp(logp) * F.sum(q, self.cdim, True) - q) if need[0] else None
        gq = -(g * logp) if need[1] else None
        return gx, gq


def _cross_entropy(input, q, reduction, count, cdim):
    """The fused log-softmax + weighted-NLL core; ``q`` a Tensor of the input's shape."""
    x = input._data
    m = x.max(axis=cdim, keepdims=True) if x.size else np.zeros(x.shape[:cdim] + (1,) + x.shape[cdim + 1:], x.dtype)
    m = np.where(np.isfinite(m), m, 0)
    lse = np.log(np.exp(x - m).sum(axis=cdim, keepdims=True)) + m
    loss = -(q._data * (x - lse)).sum(axis=cdim)
    if np.isnan(loss).any():  # NOTE: a -inf logit (a masked class) with q = 0 there contributes 0, not 0 * inf
        loss = -np.where(q._data != 0, q._data * (x - lse), 0).sum(axis=cdim)
    r, scale = _fold(loss.astype(x.dtype, copy=False), reduction, count)
    res = wrap(r)
    if grad_mode.enabled and (input._requires_grad or q._requires_grad):
        node = CrossEntropyLossBackward0()
        node.scale, node.cdim = scale, cdim
        node.keep = np.expand_dims(loss, cdim).shape
        record(node, (input, q), (res,), (input, q, lse))
    return res


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                  label_smoothing=0.0):
    """Cross entropy between the softmax of ``input`` (class scores over dim 1, or dim 0 for a
    1-D input) and ``target``: class indices (N, d1, ...) or class probabilities of the input's shape.

    With indices: ``loss_i = -weight[t_i] * log_softmax(x)[i, t_i]`` (ignore_index counts 0; 'mean'
    divides by the summed weights). ``label_smoothing`` e mixes in the uniform distribution:
    ``(1 - e) * nll + e / C * sum_c -weight[c] * log_softmax(x)[i, c]``. With probabilities:
    ``loss_i = -sum_c weight[c] * target_ic * log_softmax(x)_ic`` ('mean' divides by N * d1 * ...).

    Example::

        >>> import ember
        >>> ember.nn.functional.cross_entropy(ember.tensor([[0., 0.]]), ember.tensor([1]))
        tensor(0.6931)
    """
    reduction = _reduction(size_average, reduce, reduction)
    d, t = input._data, target._data
    cdim = 0 if d.ndim == 1 else 1
    if d.shape == t.shape:  # class probabilities
        if t.dtype.kind != "f":
            raise RuntimeError("Expected floating point type for target with class probabilities, got "
                               f"{_SCALAR.get(t.dtype.name, t.dtype)}")
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        if not 0.0 <= label_smoothing <= 1.0:
            raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
        c = d.shape[cdim]
        q = target
        if label_smoothing > 0:
            q = q * (1 - label_smoothing) + label_smoothing / c
        if weight is not None:
            if weight._data.ndim != 1 or weight._data.size != c:
                raise RuntimeError(f"weight tensor should be defined either for all {c} classes or no classes but got "
                                   f"weight tensor of shape: {list(weight._data.shape)}")
            q = q * weight.reshape((c,) + (1,) * (d.ndim - 2) if d.ndim > 1 else (c,))
        return _cross_entropy(input, q, reduction, d.size // c if c else 0, cdim)
    if label_smoothing > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    op = "nll_loss_forward"
    index, ws, valid, cdim = _class_targets(input, target, weight, ignore_index, op)
    q = np.zeros(d.shape, d.dtype)
    eps = label_smoothing if label_smoothing > 0 else 0.0
    q[index] = ws * (1 - eps)
    if eps:
        c = d.shape[cdim]
        w = weight._data.reshape((c,) + (1,) * (d.ndim - 2)) if weight is not None else 1.0
        q += (eps / c) * w * np.expand_dims(valid, cdim)
    return _cross_entropy(input, wrap(q), reduction, ws.sum(), cdim)


# -- binary losses --------------------------------------------------------------------------------
class BinaryCrossEntropyBackward0(Node):
    """loss = -w (t log x + (1 - t) log(1 - x)): d/dx = w (x - t) / max(x (1 - x), 1e-12),
    d/dt = w (log(1 - x) - log(x)), times the incoming gradient."""

    __slots__ = ()

    def run(self, F, grad, diff):
        x, t, w = self.unpack(diff)
        g = grad if self.scale is None else grad * self.scale
        if w is not None:
            g = g * w
        need = self.needs_input_grad
        gx = g * (x - t) / F.maximum((1 - x) * x, 1e-12) if need[0] else None
        gt = g * (F.log(1 - x) - F.log(x)) if need[1] else None
        return gx, gt


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """Binary cross entropy between probabilities ``input`` and ``target`` (same shape):
    ``-weight * (t log x + (1 - t) log(1 - x))``, each log clamped to >= -100 as in PyTorch."""
    reduction = _reduction(size_average, reduce, reduction)
    if target.size() != input.size():
        raise ValueError(f"Using a target size ({target.size()}) that is different to the input size "
                         f"({input.size()}) is deprecated. Please ensure they have the same size.")
    _not_differentiable("binary_cross_entropy", "weight", weight)
    x, t = input._data, target._data
    if ((x < 0) | (x > 1)).any():
        raise RuntimeError("all elements of input should be between 0 and 1")
    with np.errstate(divide="ignore"):
        loss = -(t * np.maximum(np.log(x), -100) + (1 - t) * np.maximum(np.log1p(-x), -100))
    w = None
    if weight is not None:
        w = np.broadcast_to(weight._data, np.broadcast_shapes(t.shape, weight._data.shape))
        loss = loss * w
    r, scale = _fold(loss.astype(x.dtype, copy=False), reduction)
    res = wrap(r)
    if grad_mode.enabled and (input._requires_grad or target._requires_grad):
        node = BinaryCrossEntropyBackward0()
        node.scale = scale
        record(node, (input, target), (res,), (input, target, w))
    return res


def _softplus_neg(F, x):
    """softplus(-x) = log(1 + exp(-x)), computed stably (no linear cut-off: threshold inf)."""
    return F.softplus(-x, 1.0, math.inf)


class BinaryCrossEntropyWithLogitsBackward0(Node):
    """loss = w ((1 - t) x + l softplus(-x)), l = 1 + (pos_weight - 1) t:
    d/dx = w (l sigmoid(x) - pos_weight t), d/dt = w (-x + (pos_weight - 1) softplus(-x))."""

    __slots__ = ()

    def run(self, F, grad, diff):
        x, t, w, pw = self.unpack(diff)
        g = grad if self.scale is None else grad * self.scale
        if w is not None:
            g = g * w
        need = self.needs_input_grad
        gx = gt = None
        if need[0]:
            gx = g * ((pw * t + 1 - t) * F.sigmoid(x) - pw * t) if pw is not None else g * (F.sigmoid(x) - t)
        if need[1]:
            gt = g * ((pw - 1) * _softplus_neg(F, x) - x) if pw is not None else -(g * x)
        return gx, gt


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None):
    """Binary cross entropy on logits (sigmoid folded in, computed stably):
    ``weight * ((1 - t) x + (1 + (pos_weight - 1) t) log(1 + exp(-x)))``."""
    reduction = _reduction(size_average, reduce, reduction)
    if target.size() != input.size():
        raise ValueError(f"Target size ({target.size()}) must be the same as input size ({input.size()})")
    _not_differentiable("binary_cross_entropy_with_logits", "weight", weight)
    _not_differentiable("binary_cross_entropy_with_logits", "pos_weight", pos_weight)
    x, t = input._data, target._data
    sp = _softplus_neg(A, x)
    w = weight._data if weight is not None else None
    pw = pos_weight._data if pos_weight is not None else None
    loss = (1 - t) * x + ((pw - 1) * t + 1) * sp if pw is not None else (1 - t) * x + sp
    if w is not None:
        loss = loss * w
    r, scale = _fold(loss.astype(x.dtype, copy=False), reduction)
    res = wrap(r)
    if grad_mode.enabled and (input._requires_grad or target._requires_grad):
        node = BinaryCrossEntropyWithLogitsBackward0()
        node.scale = scale
        record(node, (input, target), (res,), (input, target, w, pw))
    return res


# -- divergences and likelihoods (composites) ------------------------------------------------------
def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """Kullback-Leibler divergence with ``input`` the log-probabilities of the prediction:
    ``target * (log(target) - input)`` (0 where target is 0), or with ``log_target``
    ``exp(target) * (target - input)``. 'batchmean' divides the sum by the batch size (the KL
    divergence proper); 'mean' (the default) divides by every element and warns, as PyTorch does."""
    if size_average is not None or reduce is not None:
        reduction = legacy_get_string(size_average, reduce)
    elif reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      stacklevel=2)
    loss = target.exp() * (target - input) if log_target else target.xlogy(target) - target * input
    if reduction == "batchmean":
        s = loss.sum()
        return s / input._data.shape[0] if input._data.ndim else s
    return _apply(loss, _reduction(None, None, reduction))


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction="mean"):
    """Poisson negative log likelihood: ``exp(input) - target * input`` (``log_input``) or
    ``input - target * log(input + eps)``; ``full`` adds Stirling's approximation of
    ``log(target!)``, ``target log(target) - target + 0.5 log(2 pi target)``, where target > 1."""
    reduction = _reduction(size_average, reduce, reduction)
    loss = input.exp() - target * input if log_input else input - target * (input + eps).log()
    if full:
        stirling = target * target.log() - target + 0.5 * (2 * math.pi * target).log()
        loss = loss + where(target > 1, stirling, 0.0)
    return _apply(loss, reduction)
