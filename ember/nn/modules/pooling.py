"""Pooling layers: MaxPool1d/2d, AvgPool1d/2d, AdaptiveAvgPool1d/2d, AdaptiveMaxPool1d/2d, LPPool1d/2d,
MaxUnpool1d/2d.

Thin wrappers around ``ember/ops/pooling.py``, ``ember/ops/adaptive_pooling.py`` and ``ember/ops/unpool.py``;
their attributes and reprs are PyTorch's.
"""
from ...ops import adaptive_pooling as A
from ...ops import pooling as F
from ...ops import unpool as U
from .module import Module

__all__ = ["MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d",
           "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "LPPool1d", "LPPool2d", "MaxUnpool1d", "MaxUnpool2d"]


class _MaxPoolNd(Module):
    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(_MaxPoolNd):
    """Max over sliding windows of the last dim: (N, C, L) or (C, L) -> (N, C, L_out).

    Example::

        >>> import ember
        >>> ember.nn.MaxPool1d(3, stride=2)(ember.randn(20, 16, 50)).shape
        torch.Size([20, 16, 24])
    """

    def forward(self, input):
        return F.max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class MaxPool2d(_MaxPoolNd):
    """Max over sliding (kH, kW) windows: (N, C, H, W) or (C, H, W) -> (N, C, H_out, W_out).

    Example::

        >>> import ember
        >>> ember.nn.MaxPool2d(2)(ember.randn(1, 3, 8, 8)).shape
        torch.Size([1, 3, 4, 4])
    """

    def forward(self, input):
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


def _single(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,)


class AvgPool1d(Module):
    """Mean over sliding windows of the last dim: (N, C, L) or (C, L) -> (N, C, L_out).

    Example::

        >>> import ember
        >>> ember.nn.AvgPool1d(3, stride=2)(ember.randn(20, 16, 50)).shape
        torch.Size([20, 16, 24])
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        super().__init__()
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input):
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(Module):
    """Mean over sliding (kH, kW) windows: (N, C, H, W) or (C, H, W) -> (N, C, H_out, W_out).

    Example::

        >>> import ember
        >>> ember.nn.AvgPool2d(2)(ember.randn(1, 3, 8, 8)).shape
        torch.Size([1, 3, 4, 4])
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input):
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class _AdaptivePoolNd(Module):
    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptivePoolNd):
    """Mean over ``output_size`` adaptive windows of the last dim: (N, C, L) -> (N, C, output_size)."""

    def forward(self, input):
        return A.adaptive_avg_pool1d(input, self.output_size)


class AdaptiveAvgPool2d(_AdaptivePoolNd):
    """Mean over adaptive windows: (N, C, H, W) -> (N, C, oH, oW); None in ``output_size`` keeps that size.

    Example::

        >>> import ember
        >>> ember.nn.AdaptiveAvgPool2d((5, None))(ember.randn(1, 64, 8, 9)).shape
        torch.Size([1, 64, 5, 9])
    """

    def forward(self, input):
        return A.adaptive_avg_pool2d(input, self.output_size)


class _AdaptiveMaxPoolNd(_AdaptivePoolNd):
    def __init__(self, output_size, return_indices=False):
        super().__init__(output_size)
        self.return_indices = return_indices


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """Max over ``output_size`` adaptive windows of the last dim (``return_indices``: also their positions)."""

    def forward(self, input):
        return A.adaptive_max_pool1d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Max over adaptive windows of H and W (``return_indices``: also the positions h*W + w)."""

    def forward(self, input):
        return A.adaptive_max_pool2d(input, self.output_size, self.return_indices)


class _LPPoolNd(Module):
    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        super().__init__()
        self.norm_type, self.kernel_size, self.stride, self.ceil_mode = norm_type, kernel_size, stride, ceil_mode

    def extra_repr(self):
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"ceil_mode={self.ceil_mode}")


class LPPool1d(_LPPoolNd):
    """Power-average pooling of the last dim: y = (sum over each window of x^p)^(1/p), p = ``norm_type``."""

    def forward(self, input):
        return U.lp_pool1d(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)


class LPPool2d(_LPPoolNd):
    """Power-average pooling over H and W: y = (sum over each (kH, kW) window of x^p)^(1/p).

    Example::

        >>> import ember
        >>> ember.nn.LPPool2d(2, 3, stride=2)(ember.randn(20, 16, 50, 32)).shape
        torch.Size([20, 16, 24, 15])
    """

    def forward(self, input):
        return U.lp_pool2d(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)


class _MaxUnpoolNd(Module):
    _nd = 0

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        nd = self._nd
        as_tuple = lambda v: (v,) * nd if isinstance(v, int) else tuple(v)  # noqa: E731
        self.kernel_size = as_tuple(kernel_size)
        self.stride = as_tuple(stride if stride is not None else kernel_size)
        self.padding = as_tuple(padding)

    def forward(self, input, indices, output_size=None):
        fn = U.max_unpool1d if self._nd == 1 else U.max_unpool2d
        return fn(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """Partial inverse of MaxPool1d: values put back at the positions in ``indices``, zeros elsewhere."""

    _nd = 1


class MaxUnpool2d(_MaxUnpoolNd):
    """Partial inverse of MaxPool2d: values put back at the flat positions (h*W + w) in ``indices``,
    zeros elsewhere; ``output_size`` resolves the ambiguity of the output's size."""

    _nd = 2
