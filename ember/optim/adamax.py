"""``Adamax``: the infinity-norm variant of Adam (Kingma & Ba, 2014, section 7)."""
import numpy as np

from .adam import _check_adam_args
from .optimizer import Optimizer, _lerp, _reject, _scalar_dtype, _to_scalar

__all__ = ["Adamax"]


class Adamax(Optimizer):
    r"""Adamax.

    With gradient :math:`g_t` (negated if ``maximize``), at step :math:`t` (from 1)::

        g_t <- g_t + lambda * theta_{t-1}                    (weight_decay)
        m_t <- beta1 * m_{t-1} + (1 - beta1) * g_t
        u_t <- max(beta2 * u_{t-1}, |g_t| + eps)
        theta_t <- theta_{t-1} - lr / (1 - beta1^t) * m_t / u_t

    Args:
        params (iterable): parameters or param-group dicts.
        lr (float, optional): learning rate (default: 2e-3).
        betas (Tuple[float, float], optional): decay rates (default: (0.9, 0.999)).
        eps (float, optional): added to |g| (default: 1e-8).
        weight_decay (float, optional): L2 penalty (default: 0).
        maximize (bool, optional): maximize the objective (default: False).
        foreach, differentiable, capturable: accepted for PyTorch compatibility; ``foreach``
            changes nothing, the others raise NotImplementedError when True.

    State per parameter: ``step``, ``exp_avg`` (m) and ``exp_inf`` (u).
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        _check_adam_args(lr, betas, eps, weight_decay)
        _reject("Adamax", differentiable=differentiable, capturable=capturable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _update(self, p, g, s, group):
        lr, eps = _to_scalar(group["lr"]), group["eps"]
        beta1, beta2 = group["betas"]
        if not s:
            s = {"step": np.zeros((), _scalar_dtype()), "exp_avg": np.zeros_like(p), "exp_inf": np.zeros_like(p)}
        if group["maximize"]:
            g = -g
        step_t = s["step"] + 1
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * p
        exp_avg = _lerp(s["exp_avg"], g, 1 - beta1)
        exp_inf = np.maximum(s["exp_inf"] * beta2, np.abs(g) + eps)
        clr = lr / (1 - beta1 ** float(step_t))
        new = {"step": step_t, "exp_avg": exp_avg, "exp_inf": exp_inf}
        return p + (-clr) * exp_avg / exp_inf, new
