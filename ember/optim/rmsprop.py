"""``RMSprop``: divide the gradient by a running root-mean-square of recent gradients (Hinton, 2012)."""
import numpy as np

from .optimizer import Optimizer, _check_lr, _lerp, _reject, _scalar_dtype, _to_scalar

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    r"""RMSprop.

    With gradient :math:`g_t` (negated if ``maximize``) and smoothing constant :math:`\alpha`::

        g_t <- g_t + lambda * theta_{t-1}                      (weight_decay)
        v_t <- alpha * v_{t-1} + (1 - alpha) * g_t^2
        avg <- sqrt(v_t) + eps
        avg <- sqrt(v_t - gbar_t^2) + eps,  gbar_t <- alpha * gbar_{t-1} + (1 - alpha) * g_t  (centered)
        b_t <- mu * b_{t-1} + g_t / avg;  theta_t <- theta_{t-1} - lr * b_t   (momentum > 0)
        theta_t <- theta_{t-1} - lr * g_t / avg                              (otherwise)

    Args:
        params (iterable): parameters or param-group dicts.
        lr (float, optional): learning rate (default: 1e-2).
        alpha (float, optional): smoothing constant (default: 0.99).
        eps (float, optional): denominator term (default: 1e-8).
        weight_decay (float, optional): L2 penalty (default: 0).
        momentum (float, optional): momentum factor (default: 0).
        centered (bool, optional): normalize by an estimate of the gradient's variance (default: False).
        maximize (bool, optional): maximize the objective (default: False).
        capturable, foreach, differentiable: accepted for PyTorch compatibility; ``foreach``
            changes nothing, the others raise NotImplementedError when True.

    State per parameter: ``step``, ``square_avg``, ``momentum_buffer`` (momentum > 0) and
    ``grad_avg`` (centered).
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        _reject("RMSprop", capturable=capturable, differentiable=differentiable)
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered, weight_decay=weight_decay,
                        capturable=capturable, foreach=foreach, maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def _update(self, p, g, s, group):
        lr, alpha, eps = _to_scalar(group["lr"]), group["alpha"], group["eps"]
        momentum, weight_decay = group["momentum"], group["weight_decay"]
        if not s:
            s = {"step": np.zeros((), _scalar_dtype()), "square_avg": np.zeros_like(p)}
            if momentum > 0:
                s["momentum_buffer"] = np.zeros_like(p)
            if group["centered"]:
                s["grad_avg"] = np.zeros_like(p)
        if group["maximize"]:
            g = -g
        if weight_decay != 0:
            g = g + weight_decay * p
        square_avg = s["square_avg"] * alpha + (1 - alpha) * g * g
        new = {"step": s["step"] + 1, "square_avg": square_avg}
        if group["centered"]:
            new["grad_avg"] = grad_avg = _lerp(s["grad_avg"], g, 1 - alpha)
            avg = np.sqrt(square_avg + (-1) * grad_avg * grad_avg) + eps
        else:
            avg = np.sqrt(square_avg) + eps
        if momentum > 0:
            new["momentum_buffer"] = buf = s["momentum_buffer"] * momentum + g / avg
            return p + (-lr) * buf, new
        return p + (-lr) * g / avg, new
