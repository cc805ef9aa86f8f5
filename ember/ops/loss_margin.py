"""Margin and embedding losses: cosine_embedding_loss, margin_ranking_loss, triplet_margin_loss,
hinge_embedding_loss, soft_margin_loss, multilabel_soft_margin_loss.

All are composites of differentiable ops (clamp_min for the hinge ``max(0, ...)``, norm,
logsigmoid), so none needs a gradient rule of its own. The reduction helpers are in
``loss_reduction.py``.
"""
from .activation_smooth import logsigmoid
from .compare import where
from .loss_reduction import _apply, _not_differentiable, _reduction, legacy_get_string


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
