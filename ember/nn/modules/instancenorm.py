"""Instance normalization (``InstanceNorm1d/2d/3d``) and ``LocalResponseNorm``.

InstanceNorm normalizes each (sample, channel) slice over its spatial dims:
y = (x - mean) / sqrt(var + eps) * weight + bias, with the biased variance, via ``F.instance_norm``
(``ember/ops/normalization.py``). Unlike BatchNorm its defaults are affine=False and
track_running_stats=False; with running statistics tracked, eval mode normalizes with them.

LocalResponseNorm divides by (k + alpha * mean of x^2 over ``size`` neighbouring channels)^beta
(``ember/ops/unpool.py``).
"""
import warnings

from ...ops import normalization as F
from ...ops.unpool import local_response_norm
from .module import Module
from .normalization import _NormBase

__all__ = ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "LocalResponseNorm"]


class _InstanceNorm(_NormBase):
    _nd = 0  # spatial dims

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False, device=None,
                 dtype=None):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)

    def _apply_instance_norm(self, input):
        return F.instance_norm(input, self.running_mean, self.running_var, self.weight, self.bias,
                               self.training or not self.track_running_stats,
                               self.momentum if self.momentum is not None else 0.0, self.eps)

    def forward(self, input):
        nd = self._nd
        if input.ndim not in (nd + 1, nd + 2):
            raise ValueError(f"expected {nd + 1}D or {nd + 2}D input (got {input.ndim}D input)")
        feature_dim = input.ndim - (nd + 1)
        if input.shape[feature_dim] != self.num_features:
            if self.affine:
                raise ValueError(f"expected input's size at dim={feature_dim} to match num_features "
                                 f"({self.num_features}), but got: {input.shape[feature_dim]}.")
            warnings.warn(f"input's size at dim={feature_dim} does not match num_features. You can silence this "
                          "warning by not passing in num_features, which is not used because affine=False")
        if input.ndim == nd + 1:  # unbatched
            return self._apply_instance_norm(input.unsqueeze(0)).squeeze(0)
        return self._apply_instance_norm(input)


class InstanceNorm1d(_InstanceNorm):
    """Instance normalization over (N, C, L) or (C, L): statistics per sample and channel over L.

    Example::

        >>> import ember
        >>> ember.nn.InstanceNorm1d(100)(ember.randn(20, 100, 40)).shape
        torch.Size([20, 100, 40])
    """

    _nd = 1


class InstanceNorm2d(_InstanceNorm):
    """Instance normalization over (N, C, H, W) or (C, H, W): statistics per sample and channel over H, W."""

    _nd = 2


class InstanceNorm3d(_InstanceNorm):
    """Instance normalization over (N, C, D, H, W) or (C, D, H, W)."""

    _nd = 3


class LocalResponseNorm(Module):
    """y[n, c] = x[n, c] / (k + alpha/size * sum of x[n, c']^2 over ``size`` channels around c)^beta."""

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        return local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
