"""``SGD``: stochastic gradient descent, with optional momentum, Nesterov momentum and weight decay."""
from .optimizer import Optimizer, _check_lr, _reject, _to_scalar

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

    def _update(self, p, g, s, group):
        lr, momentum, weight_decay = _to_scalar(group["lr"]), group["momentum"], group["weight_decay"]
        if group["maximize"]:
            g = -g
        if weight_decay != 0:
            g = g + weight_decay * p
        new_state = None
        if momentum != 0:
            buf = s.get("momentum_buffer")
            # NOTE: the first buffer is the gradient itself (no dampening), as in PyTorch.
            buf = g.copy() if buf is None else buf * momentum + (1 - group["dampening"]) * g
            new_state = {"momentum_buffer": buf}
            g = g + momentum * buf if group["nesterov"] else buf
        return p + (-lr) * g, new_state
