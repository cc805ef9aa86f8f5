"""Loss functions (``ember.nn.functional.mse_loss``, ``cross_entropy``, ...).

Every loss takes ``reduction``: ``'none'`` (one value per element or sample), ``'mean'`` or
``'sum'``; the deprecated ``size_average``/``reduce`` pair maps onto it (``legacy_get_string``).

The numerically delicate or hot losses are fused primitives with an exact gradient rule and
the reduction folded in (one graph node): ``mse_loss``, ``nll_loss``, ``binary_cross_entropy``,
``binary_cross_entropy_with_logits`` and the log-softmax + NLL core of ``cross_entropy``.
The others are composites of differentiable ops and need no rule.
"""
import math
import warnings

import numpy as np

from ..autograd import grad_mode
from ..autograd.node import A
from ._scaffold import Node, broadcast_error, record, wrap
from .activation import logsigmoid
from .compare import where
from .reduce import _SCALAR

__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "nll_loss", "cross_entropy",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div", "poisson_nll_loss",
           "cosine_embedding_loss", "margin_ranking_loss", "triplet_margin_loss", "hinge_embedding_loss",
           "soft_margin_loss", "multilabel_soft_margin_loss"]


# -- reduction ------------------------------------------------------------------------------------
def legacy_get_string(size_average, reduce, emit_warning=True):
    """The deprecated ``size_average``/``reduce`` flags as a ``reduction`` string (None counts as True)."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = "mean" if size_average and reduce else "sum" if reduce else "none"
    if emit_warning:
        warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{ret}' instead.",
                      stacklevel=3)
    return ret


def _reduction(size_average, reduce, reduction):
    """The effective reduction, checked (PyTorch's ValueError for an unknown one)."""
    if size_average is not None or reduce is not None:
        return legacy_get_string(size_average, reduce)
    if reduction in ("none", "mean", "sum"):
        return reduction
    if reduction == "elementwise_mean":
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' instead.", stacklevel=3)
        return "mean"
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _apply(loss, reduction):
    """Reduce a per-element loss Tensor (the composites' reduction)."""
    return loss if reduction == "none" else loss.mean() if reduction == "mean" else loss.sum()


def _fold(loss, reduction, count=None):
    """Reduce a per-element loss array inside a fused op: ``(value, scale)`` where ``scale`` is
    what the incoming gradient is multiplied by (None for 'none': it keeps the loss's shape).
    ``count`` is the divisor of 'mean' (default: the number of elements).

    NOTE: a 'mean' over nothing (no elements, or every target ignored) is nan, as in PyTorch, and
    its gradient is 0 (PyTorch's too: no element receives any of it)."""
    if reduction == "none":
        return loss, None
    s = loss.sum()
    if reduction == "sum":
        return s, 1.0
    n = loss.size if count is None else count
    if n == 0:
        return np.full((), np.nan, loss.dtype), 0.0
    return (s / n).astype(loss.dtype), 1.0 / n


def _size_warning(input, target):
    if input._data.shape != target._data.shape:
        warnings.warn(f"Using a target size ({target.size()}) that is different to the input size ({input.size()}). "
                      "This will likely lead to incorrect results due to broadcasting. "
                      "Please ensure they have the same size.", stacklevel=3)


def _broadcast(a, b):
    if a._data.shape == b._data.shape:
        return a._data.shape
    try:
        return np.broadcast_shapes(a._data.shape, b._data.shape)
    except ValueError:
        raise broadcast_error(a._data.shape, b._data.shape) from None


def _not_differentiable(op, name, t):
    if t is not None and t._requires_grad and grad_mode.enabled:
        raise RuntimeError(f"The function '{op}' is not differentiable with respect to argument '{name}'. "
                           "This input cannot have requires_grad True.")


def _weighted(loss, weight, reduction, mean_by_weight):
    """The optional elementwise ``weight`` of mse/l1/huber: 'mean' is sum / sum(weight) or a plain mean."""
    if weight._data.shape != loss._data.shape:
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    if reduction == "mean" and mean_by_weight:
        return loss.sum() / weight.sum()
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")
    return _apply(loss, reduction)


# -- regression losses ----------------------------------------------------------------------------
class MseLossBackward0(Node):
    """(x - y)^2, reduced: d/dx = 2 (x - y) * grad * scale, d/dy = -d/dx (summed to each shape)."""

    __slots__ = ("scale", "diff")

    def run(self, F, grad, diff):
        x, y = self.unpack(diff)
        if diff:
            d = x - y
        else:  # NOTE: the fast mode reuses the difference the forward computed
            d = self.diff
        scale = self.scale
        gd = d * (grad + grad) if scale is None or scale == 1.0 else d * (grad * (2.0 * scale))
        need = self.needs_input_grad
        gx = gy = None
        if need[0]:
            gx = gd if gd.shape == x.shape else F.sum_to(gd, x.shape)
        if need[1]:
            gy = -gd if gd.shape == y.shape else F.sum_to(-gd, y.shape)
        return gx, gy

    def release(self):
        super().release()
        self.diff = None


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error: ``(input - target)^2``, reduced. Input and target broadcast (with
    PyTorch's warning when their sizes differ).

    Example::

        >>> import ember
        >>> ember.nn.functional.mse_loss(ember.tensor([1., 2.]), ember.tensor([0., 0.]))
        tensor(2.5000)
    """
    x, y = input._data, target._data
    if x.shape != y.shape:
        _size_warning(input, target)
        _broadcast(input, target)
    if weight is not None:
        if size_average is not None or reduce is not None:
            reduction = legacy_get_string(size_average, reduce)
        return _weighted((input - target) ** 2, weight, reduction, True)
    if size_average is not None or reduce is not None or reduction not in _REDUCTIONS:
        reduction = _reduction(size_average, reduce, reduction)
    d = x - y
    if reduction == "sum" and d.ndim:
        r, scale = d.ravel().dot(d.ravel()), 1.0  # NOTE: one BLAS call for the hot 'sum' case
    else:
        r, scale = _fold(d * d, reduction)
    res = wrap(r)
    if grad_mode.enabled and (input._requires_grad or target._requires_grad):
        node = MseLossBackward0()
        node.scale = scale
        node.diff = d
        record(node, (input, target), (res,), (input, target))
    return res


_REDUCTIONS = ("none", "mean", "sum")


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error ``|input - target|``, reduced (a composite; the gradient at 0 is 0)."""
    _size_warning(input, target)
    if weight is not None:
        if size_average is not None or reduce is not None:
            reduction = legacy_get_string(size_average, reduce)
        return _weighted((input - target).abs(), weight, reduction, True)
    return _apply((input - target).abs(), _reduction(size_average, reduce, reduction))


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """``0.5 d^2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta`` (d = input - target);
    beta = 0 is l1_loss."""
    _size_warning(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    d = input - target
    if beta == 0.0:
        return _apply(d.abs(), reduction)
    z = d.abs()
    return _apply(where(z < beta, 0.5 * d * d / beta, z - 0.5 * beta), reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """``0.5 d^2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)`` (d = input - target)."""
    _size_warning(input, target)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    d = input - target
    z = d.abs()
    loss = where(z < delta, 0.5 * d * d, delta * (z - 0.5 * delta))
    if weight is not None:
        return _weighted(loss, weight, reduction, False)
    return _apply(loss, _reduction(None, None, reduction))


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


# -- margin and embedding losses (composites) --------------------------------------------------------
def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """``1 - cos(x1, x2)`` where target is 1, ``max(0, cos(x1, x2) - margin)`` where it is -1;
    cos over the last dim of (N, D) inputs with an (N) target, or (D) inputs with a 0-d target."""
    reduction = _reduction(size_average, reduce, reduction)
    tdim = target._data.ndim
    if tdim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    want = 2 if tdim == 1 else 1
    if input1._data.ndim != want or input2._data.ndim != want:
        raise RuntimeError(f"{tdim}D target tensor expects {want}D input tensors, but found inputs with sizes "
                           f"{list(input1._data.shape)} and {list(input2._data.shape)}.")
    eps = 1e-12  # NOTE: PyTorch's EPSILON inside the magnitudes, so a zero vector gives cos = 0
    prod = (input1 * input2).sum(tdim)
    cos = prod / (((input1 * input1).sum(tdim) + eps) * ((input2 * input2).sum(tdim) + eps)).sqrt()
    pos = where(target == 1, 1 - cos, 0.0)
    neg = where(target == -1, (cos - margin).clamp_min(0), 0.0)
    return _apply(pos + neg, reduction)


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """``max(0, -target * (input1 - input2) + margin)``: target 1 asks input1 to rank higher."""
    reduction = _reduction(size_average, reduce, reduction)
    if not input1._data.ndim == input2._data.ndim == target._data.ndim:
        raise RuntimeError("margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {input1.size()}, input2: {input2.size()}, target: {target.size()} ")
    return _apply((-target * (input1 - input2) + margin).clamp_min(0), reduction)


def _pairwise_distance(x1, x2, p, eps):
    """||x1 - x2 + eps||_p over the last dim (PyTorch's pairwise_distance)."""
    return (x1 - x2 + eps).norm(p, -1)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    """``max(0, margin + d(anchor, positive) - d(anchor, negative))`` with d the p-norm distance over
    the last dim; ``swap`` uses ``min(d(a, n), d(p, n))`` as the negative distance."""
    reduction = _reduction(size_average, reduce, reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a, po, n = anchor._data.ndim, positive._data.ndim, negative._data.ndim
    if not a == po == n:
        raise RuntimeError("The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {a}D, positive {po}D, and negative {n}D inputs")
    d_pos = _pairwise_distance(anchor, positive, p, eps)
    d_neg = _pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = d_neg.minimum(_pairwise_distance(positive, negative, p, eps))
    return _apply((margin + d_pos - d_neg).clamp_min(0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    """``input`` where target is 1, ``max(0, margin - input)`` where it is -1."""
    reduction = _reduction(size_average, reduce, reduction)
    out = where(target != 1, (margin - input).clamp_min(0), 0.0) + where(target != -1, input, 0.0)
    return _apply(out, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Two-class logistic loss ``log(1 + exp(-target * input))`` (PyTorch's formula, as is)."""
    reduction = _reduction(size_average, reduce, reduction)
    _not_differentiable("soft_margin_loss", "target", target)
    return _apply((-input * target).exp().log1p(), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """Multi-label one-versus-all logistic loss over (N, C): per sample the class mean of
    ``-(t log sigmoid(x) + (1 - t) log sigmoid(-x))``, each class scaled by ``weight``."""
    if size_average is not None or reduce is not None:
        reduction = legacy_get_string(size_average, reduce)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    c = input._data.shape[-1] if input._data.ndim else 1
    return _apply(loss.sum(input._data.ndim - 1) / c, reduction)
