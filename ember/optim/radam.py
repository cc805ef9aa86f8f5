"""``RAdam``: Adam with a rectified adaptive learning rate (Liu et al., 2019)."""
import numpy as np

from .adam import _check_adam_args
from .optimizer import Optimizer, _lerp, _reject, _scalar_dtype, _to_scalar

__all__ = ["RAdam"]


class RAdam(Optimizer):
    r"""RAdam.

    With gradient :math:`g_t` (negated if ``maximize``), at step :math:`t` (from 1)::

        g_t <- g_t + lambda * theta_{t-1}   (or theta_{t-1} *= 1 - lr * lambda if decoupled_weight_decay)
        m_t <- beta1 * m_{t-1} + (1 - beta1) * g_t
        v_t <- beta2 * v_{t-1} + (1 - beta2) * g_t^2
        rho_inf <- 2 / (1 - beta2) - 1;   rho_t <- rho_inf - 2 t beta2^t / (1 - beta2^t)
        if rho_t > 5:   (the variance of the adaptive rate is tractable)
            r_t <- sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
            theta_t <- theta_{t-1} - lr * m_t / (1 - beta1^t) * r_t * sqrt(1 - beta2^t) / (sqrt(v_t) + eps)
        else:           (plain momentum SGD)
            theta_t <- theta_{t-1} - lr * m_t / (1 - beta1^t)

    Args:
        params (iterable): parameters or param-group dicts.
        lr (float, optional): learning rate (default: 1e-3).
        betas (Tuple[float, float], optional): moment decay rates (default: (0.9, 0.999)).
        eps (float, optional): denominator term (default: 1e-8).
        weight_decay (float, optional): weight decay (default: 0).
        decoupled_weight_decay (bool, optional): decay the weights directly, as AdamW (default: False).
        maximize (bool, optional): maximize the objective (default: False).
        foreach, capturable, differentiable: accepted for PyTorch compatibility; ``foreach``
            changes nothing, the others raise NotImplementedError when True.

    State per parameter: ``step``, ``exp_avg``, ``exp_avg_sq``.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False,
                 *, foreach=None, maximize=False, capturable=False, differentiable=False):
        _check_adam_args(lr, betas, eps, weight_decay)
        _reject("RAdam", capturable=capturable, differentiable=differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def _update(self, p, g, s, group):
        lr, eps, weight_decay = _to_scalar(group["lr"]), group["eps"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        if not s:
            s = {"step": np.zeros((), _scalar_dtype()), "exp_avg": np.zeros_like(p), "exp_avg_sq": np.zeros_like(p)}
        if group["maximize"]:
            g = -g
        step_t = s["step"] + 1
        step = float(step_t)
        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                p = p * (1 - lr * weight_decay)
            else:
                g = g + weight_decay * p
        exp_avg = _lerp(s["exp_avg"], g, 1 - beta1)
        exp_avg_sq = s["exp_avg_sq"] * beta2 + (1 - beta2) * g * g
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        bias_corrected_exp_avg = exp_avg / bias_correction1
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
        if rho_t > 5.0:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            adaptive_lr = (bias_correction2 ** 0.5) / (np.sqrt(exp_avg_sq) + eps)
            update = bias_corrected_exp_avg * lr * adaptive_lr * rect
        else:
            update = bias_corrected_exp_avg * lr
        new = {"step": step_t, "exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq}
        return p - update, new
