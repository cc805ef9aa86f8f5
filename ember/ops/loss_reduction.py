"""What every loss shares: its ``reduction`` and the checks of its arguments.

Every loss takes ``reduction``: ``'none'`` (one value per element or sample), ``'mean'`` or
``'sum'``; the deprecated ``size_average``/``reduce`` pair maps onto it (``legacy_get_string``).
Composite losses reduce their per-element Tensor with ``_apply``; fused ones fold the reduction
into their own node with ``_fold``. The losses are in ``loss_regression.py``,
``loss_classification.py`` and ``loss_margin.py`` (``loss.py`` gathers them).
"""
import warnings

import numpy as np

from ..autograd import grad_mode
from ._scaffold import broadcast_error


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
