"""``SGD``: stochastic gradient descent, with optional momentum, Nesterov momentum and weight decay."""
import numpy as np

from ..autograd import grad_mode
from ..ops._promote import scalar_array
from ..tensor import Tensor
from .optimizer import Optimizer, _check_lr, _reject, _to_scalar, _with_step_hooks, add_, grad_mismatch

__all__ = ["SGD"]


class SGD(Optimizer):
    r"""Stochastic gradient descent (optionally with momentum).

    With gradient :math:`g_t` (negated if ``maximize``), weight decay :math:`\lambda`, momentum
    :math:`\mu` and dampening :math:`\tau`::

        g_t <- g_t + lambda * theta_{t-1}                   (if weight_decay != 0)
        b_t <- g_t                     (first step)         (if momentum != 0)
        b_t <- mu * b_{t-1} + (1 - tau) * g_t   (later)
        g_t <- g_t + mu * b_t  if nesterov  else  b_t
        theta_t <- theta_{t-1} - lr * g_t

    Args:
        params (iterable): parameters or param-group dicts.
        lr (float, optional): learning rate (default: 1e-3).
        momentum (float, optional): momentum factor (default: 0).
        dampening (float, optional): dampening for momentum (default: 0).
        weight_decay (float, optional): L2 penalty (default: 0).
        nesterov (bool, optional): Nesterov momentum (default: False).
        maximize (bool, optional): maximize the objective instead of minimizing (default: False).
        foreach, differentiable, fused: accepted for PyTorch compatibility; ``foreach`` changes
            nothing in ember, ``differentiable=True`` and ``fused=True`` raise NotImplementedError.

    State per parameter: ``momentum_buffer`` (only when ``momentum != 0``).

    Example::

        >>> import ember
        >>> w = ember.tensor([1.0, 2.0], requires_grad=True)
        >>> opt = ember.optim.SGD([w], lr=0.1, momentum=0.9)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w
        tensor([0.8000, 1.6000], requires_grad=True)
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False,
                 foreach=None, differentiable=False, fused=None):
        _check_lr(lr)
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        _reject("SGD", differentiable=differentiable, fused=fused)
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov,
                        maximize=maximize, foreach=foreach, differentiable=differentiable, fused=fused)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    @_with_step_hooks
    def step(self, closure=None):
        """Perform a single optimization step (``closure``: re-evaluates the model, returns the loss).

        NOTE: SGD updates in place, parameter by parameter, after checking every gradient: once
        the checks pass nothing can fail, so a failed step still changes nothing."""
        loss = None
        if closure is not None:
            with grad_mode.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                g = p._grad
                if g is not None:
                    gd, pd = g._data, p._data
                    if gd.shape != pd.shape or (gd.dtype is not pd.dtype and gd.dtype != pd.dtype):
                        raise grad_mismatch(self, p, g)
        for group in self.param_groups:
            lr, momentum, weight_decay = _to_scalar(group["lr"]), group["momentum"], group["weight_decay"]
            maximize = group["maximize"]
            step_size = step_dt = None  # -lr as a 0-d array of the parameters' dtype (once per group and dtype)
            for p in group["params"]:
                g = p._grad
                if g is None:
                    continue
                pa, ga = p._data, g._data
                dt = pa.dtype
                if maximize:
                    ga = -ga
                if weight_decay != 0:
                    ga = ga + scalar_array(weight_decay, dt) * pa
                if momentum != 0:
                    ga = self._momentum(p, ga, group, momentum, dt)
                if step_dt is not dt:
                    step_size, step_dt = scalar_array(-lr, dt), dt
                if pa.ndim:
                    add_(pa, ga * step_size)
                else:  # NOTE: a 0-d parameter is updated in NumPy scalar math (0.1 us instead of 0.6); a
                    # Python float operand is cast to the scalar's dtype first, as scalar_array's is
                    pa[()] = pa[()] + ga[()] * -lr
                p._bump()
        return loss

    def _momentum(self, p, g, group, momentum, dt):
        """Update the parameter's momentum buffer in place; the direction to step along."""
        state = self.state[p]
        buf = state.get("momentum_buffer")
        if buf is None:
            # NOTE: the first buffer is the gradient itself (no dampening), as in PyTorch.
            b = np.array(g, copy=True)
            state["momentum_buffer"] = Tensor._make(b)
        else:
            b = buf._data
            dampening = group["dampening"]
            if b.size != 1:  # b = momentum * b + (1 - dampening) * g, in place
                np.multiply(b, scalar_array(momentum, dt), out=b, casting="unsafe")
                np.add(b, g if dampening == 0 else g * scalar_array(1 - dampening, dt), out=b, casting="unsafe")
            elif not b.ndim:  # NumPy scalar math (see SGD.step)
                gs = g[()]
                b[()] = b[()] * momentum + (gs if dampening == 0 else gs * (1 - dampening))
            else:
                b[()] = b * scalar_array(momentum, dt) + (g if dampening == 0 else g * scalar_array(1 - dampening, dt))
        return g + b * scalar_array(momentum, dt) if group["nesterov"] else b
