"""Regression losses: mse_loss, l1_loss, smooth_l1_loss, huber_loss.

``mse_loss`` is hot: a fused primitive with its exact gradient rule and the reduction folded
in (one graph node). The others are composites of differentiable ops and need no rule. Input
and target broadcast, with PyTorch's warning when their sizes differ; mse, l1 and huber take
an optional elementwise ``weight``. The reduction helpers are in ``loss_reduction.py``.
"""
from ..autograd import grad_mode
from ._scaffold import EPOCH, NO_EDGE, Node, _anomaly, _trace, edge, version, wrap
from .compare import where
from .loss_reduction import _apply, _broadcast, _fold, _reduction, _size_warning, _weighted, legacy_get_string


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
        f = d if d.ndim == 1 else d.ravel()
        r, scale = f.dot(f), 1.0  # NOTE: one BLAS call for the hot 'sum' case
    else:
        r, scale = _fold(d * d, reduction)
    res = wrap(r)
    rx, ry = input._requires_grad, target._requires_grad
    if (rx or ry) and grad_mode.enabled:
        # NOTE: wired by hand rather than through ``record`` (the loss of most training loops)
        node = MseLossBackward0()
        node.scale = scale
        node.diff = d
        node.next_functions = (edge(input) if rx else NO_EDGE, edge(target) if ry else NO_EDGE)
        node.needs_input_grad = (rx, ry)
        node.saved = (input, target)
        node.arrays = (x, y)
        node.versions = (version(input), version(target))
        node.epoch = EPOCH[0]
        if _anomaly[0]:
            _trace(node)
        res._requires_grad = True
        res.grad_fn = node
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
