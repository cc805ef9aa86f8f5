"""``NAdam``: Adam with Nesterov momentum (Dozat, 2016), with the momentum-decay schedule."""
import numpy as np

from .adam import _check_adam_args
from .optimizer import Optimizer, _lerp, _reject, _scalar_dtype, _to_scalar

__all__ = ["NAdam"]


class NAdam(Optimizer):
    r"""NAdam.

    With gradient :math:`g_t` (negated if ``maximize``), at step :math:`t` (from 1) and
    :math:`\psi` = ``momentum_decay``::

        g_t <- g_t + lambda * theta_{t-1}   (or theta_{t-1} *= 1 - lr * lambda if decoupled_weight_decay)
        mu_t <- beta1 * (1 - 0.5 * 0.96^(t * psi)),   mu_{t+1} likewise
        m_t <- beta1 * m_{t-1} + (1 - beta1) * g_t
        v_t <- beta2 * v_{t-1} + (1 - beta2) * g_t^2
        denom <- sqrt(v_t / (1 - beta2^t)) + eps
        theta_t <- theta_{t-1} - lr * (1 - mu_t) / (1 - prod_{i<=t} mu_i) * g_t / denom
                               - lr * mu_{t+1} / (1 - prod_{i<=t+1} mu_i) * m_t / denom

    Args:
        params (iterable): parameters or param-group dicts.
        lr (float, optional): learning rate (default: 2e-3).
        betas (Tuple[float, float], optional): moment decay rates (default: (0.9, 0.999)).
        eps (float, optional): denominator term (default: 1e-8).
        weight_decay (float, optional): weight decay (default: 0).
        momentum_decay (float, optional): psi above (default: 4e-3).
        decoupled_weight_decay (bool, optional): decay the weights directly, as AdamW (default: False).
        maximize (bool, optional): maximize the objective (default: False).
        foreach, capturable, differentiable: accepted for PyTorch compatibility; ``foreach``
            changes nothing, the others raise NotImplementedError when True.

    State per parameter: ``step``, ``mu_product`` (a 0-d float32 tensor), ``exp_avg``, ``exp_avg_sq``.
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        _check_adam_args(lr, betas, eps, weight_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        _reject("NAdam", capturable=capturable, differentiable=differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def _update(self, p, g, s, group):
        lr, eps, weight_decay, psi = _to_scalar(group["lr"]), group["eps"], group["weight_decay"], group["momentum_decay"]
        beta1, beta2 = group["betas"]
        if not s:
            dtype = _scalar_dtype()
            s = {"step": np.zeros((), dtype), "mu_product": np.ones((), dtype), "exp_avg": np.zeros_like(p),
                 "exp_avg_sq": np.zeros_like(p)}
        if group["maximize"]:
            g = -g
        step_t = s["step"] + 1
        step = float(step_t)
        bias_correction2 = 1 - beta2 ** step
        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                p = p * (1 - lr * weight_decay)
            else:
                g = g + weight_decay * p
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * psi)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * psi)))
        # NOTE: the running product is kept in the counter's dtype (float32), as PyTorch keeps it.
        mu_product = (s["mu_product"] * mu).astype(s["mu_product"].dtype)
        exp_avg = _lerp(s["exp_avg"], g, 1 - beta1)
        exp_avg_sq = s["exp_avg_sq"] * beta2 + (1 - beta2) * g * g
        denom = np.sqrt(exp_avg_sq / bias_correction2) + eps
        mu_product_next = float(mu_product) * mu_next
        p = p + (-lr * (1.0 - mu) / (1.0 - float(mu_product))) * g / denom
        p = p + ((-lr * mu_next) / (1.0 - mu_product_next)) * exp_avg / denom
        new = {"step": step_t, "mu_product": mu_product, "exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq}
        return p, new
