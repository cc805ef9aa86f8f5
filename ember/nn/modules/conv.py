"""Convolution layers: ``Conv1d/2d/3d`` and ``ConvTranspose1d/2d/3d`` (the ops are ``ember/ops/conv.py`` and
``ember/ops/conv_transpose.py``).

Their default initialisation is PyTorch's ``reset_parameters``: the weight from
kaiming_uniform(a=sqrt(5)), i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = in_channels/groups
* prod(kernel_size), and the bias from the same bound. A transposed convolution's weight is
(C_in, C_out/groups, *kernel_size), so its fan_in is out_channels/groups * prod(kernel_size).
"""
import math

from ...ops import conv as F
from ...ops import conv_transpose as FT
from ...ops.nn_layers import pad
from .linear import register_weight_and_bias
from .module import Module

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _ntuple(v, n):
    if isinstance(v, int):
        return (v,) * n
    v = tuple(v)
    return v * n if len(v) == 1 else v


class _ConvNd(Module):
    """What the convolution layers share: arguments, parameters, initialisation and repr."""

    _nd = 0
    _transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        nd = self._nd
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        kernel_size, stride, dilation = _ntuple(kernel_size, nd), _ntuple(stride, nd), _ntuple(dilation, nd)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        else:
            padding = _ntuple(padding, nd)
        if padding_mode not in _PADDING_MODES:
            raise ValueError("padding_mode must be one of {'zeros', 'reflect', 'replicate', 'circular'}, "
                             f"but got padding_mode='{padding_mode}'")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding, self.dilation = kernel_size, stride, padding, dilation
        self.transposed, self.output_padding = self._transposed, (0,) * nd
        self.groups, self.padding_mode = groups, padding_mode
        # F.pad's amounts for the non-zeros padding modes: last dim first, (before, after) each
        if padding == "same":
            pairs = []
            for d, k in zip(reversed(dilation), reversed(kernel_size)):
                total = d * (k - 1)
                pairs += [total // 2, total - total // 2]
            self._reversed_padding_repeated_twice = pairs
        elif padding == "valid":
            self._reversed_padding_repeated_twice = [0, 0] * nd
        else:
            self._reversed_padding_repeated_twice = [p for p in reversed(padding) for _ in range(2)]
        wshape = (in_channels, out_channels // groups) if self._transposed else (out_channels, in_channels // groups)
        register_weight_and_bias(self, wshape + kernel_size, out_channels, bias, device, dtype)
        self.reset_parameters()

    def reset_parameters(self):
        """W ~ kaiming_uniform(a=sqrt(5)) = U(-1/sqrt(fan_in), 1/sqrt(fan_in)); b ~ the same bound."""
        from .. import init

        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def _conv_forward(self, input, weight, bias):
        fn = (F.conv1d, F.conv2d, F.conv3d)[self._nd - 1]
        if self.padding_mode != "zeros":
            input = pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return fn(input, weight, bias, self.stride, 0, self.dilation, self.groups)
        return fn(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def forward(self, input):
        return self._conv_forward(input, self.weight, self.bias)

    def extra_repr(self):
        nd = self._nd
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * nd:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * nd:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv1d(_ConvNd):
    """1-d convolution over (N, C_in, L) or (C_in, L) -> (N, C_out, L_out).

    L_out = floor((L + 2*padding - dilation*(kernel_size - 1) - 1) / stride) + 1.
    ``padding`` may be an int, a 1-tuple, 'valid' or 'same'; ``padding_mode`` 'zeros', 'reflect',
    'replicate' or 'circular'. ``weight`` is (C_out, C_in/groups, kernel_size).

    Example::

        >>> import ember
        >>> ember.nn.Conv1d(16, 33, 3, stride=2)(ember.randn(20, 16, 50)).shape
        torch.Size([20, 33, 24])
    """

    _nd = 1


class Conv2d(_ConvNd):
    """2-d convolution over (N, C_in, H, W) or (C_in, H, W) -> (N, C_out, H_out, W_out).

    H_out = floor((H + 2*padding[0] - dilation[0]*(kernel_size[0] - 1) - 1) / stride[0]) + 1 (W alike).
    ``padding`` may be an int, a pair, 'valid' or 'same'; ``padding_mode`` 'zeros', 'reflect',
    'replicate' or 'circular'. ``weight`` is (C_out, C_in/groups, kH, kW).

    Example::

        >>> import ember
        >>> ember.nn.Conv2d(1, 16, 3, stride=2, padding=1)(ember.randn(8, 1, 28, 28)).shape
        torch.Size([8, 16, 14, 14])
    """

    _nd = 2


class Conv3d(_ConvNd):
    """3-d convolution over (N, C_in, D, H, W) or (C_in, D, H, W) -> (N, C_out, D_out, H_out, W_out); each
    output size as for Conv2d. ``weight`` is (C_out, C_in/groups, kD, kH, kW)."""

    _nd = 3


class _ConvTransposeNd(_ConvNd):
    """A transposed convolution (the gradient of a convolution with respect to its input).

    Each output size: (L - 1)*stride - 2*padding + dilation*(k - 1) + output_padding + 1; ``forward``
    may instead be given ``output_size``, which fixes output_padding."""

    _transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, device, dtype)
        self.output_padding = _ntuple(output_padding, self._nd)

    def _output_padding(self, input, output_size):
        """output_padding, or the one that gives ``output_size`` (PyTorch's checks)."""
        if output_size is None:
            return self.output_padding
        nd = self._nd
        lead = 2 if input.ndim == nd + 2 else 1
        if len(output_size) == lead + nd:
            output_size = output_size[lead:]
        if len(output_size) != nd:
            raise ValueError(f"ConvTranspose{nd}D: for {input.ndim}D input, output_size must have {nd} or "
                             f"{lead + nd} elements (got {len(output_size)})")
        lo = [(input.shape[lead + d] - 1) * self.stride[d] - 2 * self.padding[d]
              + self.dilation[d] * (self.kernel_size[d] - 1) + 1 for d in range(nd)]
        hi = [lo[d] + self.stride[d] - 1 for d in range(nd)]
        for d in range(nd):
            if not lo[d] <= output_size[d] <= hi[d]:
                raise ValueError(f"requested an output size of {output_size}, but valid sizes range from {lo} to {hi} "
                                 f"(for an input of {input.shape[2:]})")
        return tuple(output_size[d] - lo[d] for d in range(nd))

    def forward(self, input, output_size=None):
        fn = (FT.conv_transpose1d, FT.conv_transpose2d, FT.conv_transpose3d)[self._nd - 1]
        op = self._output_padding(input, output_size)
        return fn(input, self.weight, self.bias, self.stride, self.padding, op, self.groups, self.dilation)


class ConvTranspose1d(_ConvTransposeNd):
    """1-d transposed convolution: (N, C_in, L) -> (N, C_out, L_out),
    L_out = (L - 1)*stride - 2*padding + dilation*(kernel_size - 1) + output_padding + 1.
    ``weight`` is (C_in, C_out/groups, kernel_size)."""

    _nd = 1


class ConvTranspose2d(_ConvTransposeNd):
    """2-d transposed convolution ("deconvolution"): (N, C_in, H, W) -> (N, C_out, H_out, W_out),
    H_out = (H - 1)*stride[0] - 2*padding[0] + dilation[0]*(kH - 1) + output_padding[0] + 1 (W alike).
    ``weight`` is (C_in, C_out/groups, kH, kW).

    Example::

        >>> import ember
        >>> ember.nn.ConvTranspose2d(16, 8, 3, stride=2, padding=1, output_padding=1)(ember.randn(1, 16, 12, 12)).shape
        torch.Size([1, 8, 24, 24])
    """

    _nd = 2


class ConvTranspose3d(_ConvTransposeNd):
    """3-d transposed convolution: (N, C_in, D, H, W) -> (N, C_out, D_out, H_out, W_out); sizes as for
    ConvTranspose2d. ``weight`` is (C_in, C_out/groups, kD, kH, kW)."""

    _nd = 3
