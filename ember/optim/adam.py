"""``Adam``: adaptive moment estimation (Kingma & Ba, 2014), with AMSGrad and decoupled weight decay."""
import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, _check_lr, _lerp, _reject, _scalar_dtype, _to_scalar

__all__ = ["Adam"]


def _check_adam_args(lr, betas, eps, weight_decay):
    """The argument checks shared by the Adam family (messages as in PyTorch)."""
    _check_lr(lr)
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


class Adam(Optimizer):
    r"""Adam.

    With gradient :math:`g_t` (negated if ``maximize``), at step :math:`t` (from 1)::

        g_t <- g_t + lambda * theta_{t-1}       (weight_decay, unless decoupled)
        theta_{t-1} <- theta_{t-1} * (1 - lr * lambda)   (decoupled_weight_decay, as AdamW)
        m_t <- beta1 * m_{t-1} + (1 - beta1) * g_t
        v_t <- beta2 * v_{t-1} + (1 - beta2) * g_t^2
        v_max <- max(v_max, v_t)                 (amsgrad; then v_max replaces v_t below)
        theta_t <- theta_{t-1} - lr / (1 - beta1^t) * m_t / (sqrt(v_t) / sqrt(1 - beta2^t) + eps)

    Args:
        params (iterable): parameters or param-group dicts.
        lr (float, optional): learning rate (default: 1e-3).
        betas (Tuple[float, float], optional): decay rates of the first and second moment
            averages (default: (0.9, 0.999)).
        eps (float, optional): added to the denominator for stability (default: 1e-8).
        weight_decay (float, optional): weight decay (default: 0).
        amsgrad (bool, optional): use the AMSGrad variant (default: False).
        maximize (bool, optional): maximize the objective (default: False).
        decoupled_weight_decay (bool, optional): decay the weights directly, as AdamW (default: False).
        foreach, capturable, differentiable, fused: accepted for PyTorch compatibility;
            ``foreach`` changes nothing, the others raise NotImplementedError when True.

    State per parameter: ``step`` (a 0-d float32 tensor), ``exp_avg``, ``exp_avg_sq`` and,
    with amsgrad, ``max_exp_avg_sq``.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        _check_adam_args(lr, betas, eps, weight_decay)
        if not (all(isinstance(b, float) for b in betas[:2]) or all(isinstance(b, Tensor) for b in betas[:2])):
            raise ValueError("betas must be either both floats or both Tensors")
        _reject(type(self).__name__, capturable=capturable, differentiable=differentiable, fused=fused)
        betas = tuple(betas)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _update(self, p, g, s, group):
        lr, weight_decay, eps = _to_scalar(group["lr"]), group["weight_decay"], group["eps"]
        beta1, beta2 = (_to_scalar(b) for b in group["betas"])
        if not s:
            s = {"step": np.zeros((), _scalar_dtype()), "exp_avg": np.zeros_like(p), "exp_avg_sq": np.zeros_like(p)}
            if group["amsgrad"]:
                s["max_exp_avg_sq"] = np.zeros_like(p)
        if group["maximize"]:
            g = -g
        step_t = s["step"] + 1
        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                p = p * (1 - lr * weight_decay)
            else:
                g = g + weight_decay * p
        exp_avg = _lerp(s["exp_avg"], g, 1 - beta1)
        exp_avg_sq = s["exp_avg_sq"] * beta2 + (1 - beta2) * g * g
        new = {"step": step_t, "exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq}
        step = float(step_t)
        bias_correction1 = 1 - beta1 ** step
        bias_correction2_sqrt = (1 - beta2 ** step) ** 0.5
        if group["amsgrad"]:
            new["max_exp_avg_sq"] = v = np.maximum(s["max_exp_avg_sq"], exp_avg_sq)
        else:
            v = exp_avg_sq
        denom = np.sqrt(v) / bias_correction2_sqrt + eps
        return p + (-lr / bias_correction1) * exp_avg / denom, new
