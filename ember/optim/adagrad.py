"""``Adagrad``: per-coordinate learning rates from the sum of squared gradients (Duchi et al., 2011)."""
import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, _check_lr, _reject, _scalar_dtype, _to_scalar

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    r"""Adagrad.

    With gradient :math:`g_t` (negated if ``maximize``), at step :math:`t` (from 1)::

        lr_t <- lr / (1 + (t - 1) * lr_decay)
        g_t <- g_t + lambda * theta_{t-1}                   (weight_decay)
        G_t <- G_{t-1} + g_t^2                              (G_0 = initial_accumulator_value)
        theta_t <- theta_{t-1} - lr_t * g_t / (sqrt(G_t) + eps)

    Args:
        params (iterable): parameters or param-group dicts.
        lr (float, optional): learning rate (default: 1e-2).
        lr_decay (float, optional): learning rate decay (default: 0).
        weight_decay (float, optional): L2 penalty (default: 0).
        initial_accumulator_value (float, optional): starting value of the sums (default: 0).
        eps (float, optional): denominator term (default: 1e-10).
        maximize (bool, optional): maximize the objective (default: False).
        foreach, differentiable, fused: accepted for PyTorch compatibility; ``foreach`` changes
            nothing, the others raise NotImplementedError when True.

    State per parameter (created by the constructor, as in PyTorch): ``step`` and ``sum``.
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        _check_lr(lr)
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _reject("Adagrad", differentiable=differentiable, fused=fused)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p] = {k: Tensor._make(v) for k, v in self._initial_state(p._data).items()}

    def _initial_state(self, p):
        # NOTE: the starting value comes from ``defaults``, not from the group, as in PyTorch.
        return {"step": np.zeros((), _scalar_dtype()),
                "sum": np.full_like(p, self.defaults["initial_accumulator_value"])}

    def _update(self, p, g, s, group):
        if not s:  # a parameter added with add_param_group after construction
            s = self._initial_state(p)
        step_t = s["step"] + 1
        if group["maximize"]:
            g = -g
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * p
        clr = _to_scalar(group["lr"]) / (1 + (float(step_t) - 1) * group["lr_decay"])
        state_sum = s["sum"] + 1 * g * g
        std = np.sqrt(state_sum) + group["eps"]
        return p + (-clr) * g / std, {"step": step_t, "sum": state_sum}
