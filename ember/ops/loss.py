"""Loss functions (``ember.nn.functional.mse_loss``, ``cross_entropy``, ...).

Every loss takes ``reduction``: ``'none'`` (one value per element or sample), ``'mean'`` or
``'sum'``; the deprecated ``size_average``/``reduce`` pair maps onto it (``legacy_get_string``).

The numerically delicate or hot losses are fused primitives with an exact gradient rule and
the reduction folded in (one graph node): ``mse_loss``, ``nll_loss``, ``binary_cross_entropy``,
``binary_cross_entropy_with_logits`` and the log-softmax + NLL core of ``cross_entropy``.
The others are composites of differentiable ops and need no rule.

This module gathers them under PyTorch's names (``ember.nn.functional`` re-exports them); the
code lives in

* ``loss_regression.py``: mse_loss, l1_loss, smooth_l1_loss, huber_loss;
* ``loss_classification.py``: nll_loss, cross_entropy, binary_cross_entropy,
  binary_cross_entropy_with_logits, kl_div, poisson_nll_loss;
* ``loss_margin.py``: cosine_embedding_loss, margin_ranking_loss, triplet_margin_loss,
  hinge_embedding_loss, soft_margin_loss, multilabel_soft_margin_loss;
* ``loss_reduction.py``: the reduction helpers they share (``legacy_get_string``, ...).
"""
from .loss_reduction import legacy_get_string  # noqa: F401  (the loss modules of ember.nn use it)
from .loss_regression import huber_loss, l1_loss, mse_loss, smooth_l1_loss
from .loss_classification import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, kl_div,
                                  nll_loss, poisson_nll_loss)
from .loss_margin import (cosine_embedding_loss, hinge_embedding_loss, margin_ranking_loss,
                          multilabel_soft_margin_loss, soft_margin_loss, triplet_margin_loss)

__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "nll_loss", "cross_entropy",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div", "poisson_nll_loss",
           "cosine_embedding_loss", "margin_ranking_loss", "triplet_margin_loss", "hinge_embedding_loss",
           "soft_margin_loss", "multilabel_soft_margin_loss"]
