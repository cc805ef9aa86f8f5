"""``Adadelta``: an adaptive learning rate from running averages of squared gradients and updates
(Zeiler, 2012)."""
import numpy as np

from .optimizer import Optimizer, _check_lr, _reject, _scalar_dtype, _to_scalar

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    r"""Adadelta.

    With gradient :math:`g_t` (negated if ``maximize``) and decay :math:`\rho`::

        g_t <- g_t + lambda * theta_{t-1}                             (weight_decay)
        v_t <- rho * v_{t-1} + (1 - rho) * g_t^2
        dx_t <- sqrt(u_{t-1} + eps) / sqrt(v_t + eps) * g_t
        u_t <- rho * u_{t-1} + (1 - rho) * dx_t^2
        theta_t <- theta_{t-1} - lr * dx_t

    Args:
        params (iterable): parameters or param-group dicts.
        lr (float, optional): scales the delta before it is applied (default: 1.0).
        rho (float, optional): decay of the running averages (default: 0.9).
        eps (float, optional): added inside the square roots (default: 1e-6).
        weight_decay (float, optional): L2 penalty (default: 0).
        maximize (bool, optional): maximize the objective (default: False).
        foreach, capturable, differentiable: accepted for PyTorch compatibility; ``foreach``
            changes nothing, the others raise NotImplementedError when True.

    State per parameter: ``step``, ``square_avg`` (v) and ``acc_delta`` (u).
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        _reject("Adadelta", capturable=capturable, differentiable=differentiable)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize, capturable=capturable,
                        foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def _update(self, p, g, s, group):
        lr, rho, eps = _to_scalar(group["lr"]), group["rho"], group["eps"]
        if not s:
            s = {"step": np.zeros((), _scalar_dtype()), "square_avg": np.zeros_like(p), "acc_delta": np.zeros_like(p)}
        if group["maximize"]:
            g = -g
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * p
        square_avg = s["square_avg"] * rho + (1 - rho) * g * g
        std = np.sqrt(square_avg + eps)
        delta = np.sqrt(s["acc_delta"] + eps) / std * g
        acc_delta = s["acc_delta"] * rho + (1 - rho) * delta * delta
        new = {"step": s["step"] + 1, "square_avg": square_avg, "acc_delta": acc_delta}
        return p + (-lr) * delta, new
