"""``AdamW``: Adam with decoupled weight decay (Loshchilov & Hutter, 2017)."""
from .adam import Adam

__all__ = ["AdamW"]


class AdamW(Adam):
    r"""AdamW: Adam whose weight decay shrinks the weights directly instead of entering the moments::

        theta_{t-1} <- theta_{t-1} * (1 - lr * lambda)
        (then the Adam update, see ``Adam``)

    Args:
        params (iterable): parameters or param-group dicts.
        lr (float, optional): learning rate (default: 1e-3).
        betas (Tuple[float, float], optional): moment decay rates (default: (0.9, 0.999)).
        eps (float, optional): denominator term (default: 1e-8).
        weight_decay (float, optional): decoupled weight decay coefficient (default: 1e-2).
        amsgrad (bool, optional): AMSGrad variant (default: False).
        maximize, foreach, capturable, differentiable, fused: as in ``Adam``.

    Example::

        >>> import ember
        >>> w = ember.tensor([1.0, -1.0], requires_grad=True)
        >>> opt = ember.optim.AdamW([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w
        tensor([ 0.8990, -0.8990], requires_grad=True)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:  # an AdamW always decouples, whatever a checkpoint says
            group["decoupled_weight_decay"] = True
