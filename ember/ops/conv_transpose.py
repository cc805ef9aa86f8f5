"""Transposed convolution: ``conv_transpose1d/2d/3d``, the adjoint (gradient) of convolution.

A convolution is y = W @ im2col(x); its input gradient is col2im(W^T @ grad). The transposed
convolution is exactly that map applied to its input:

    cols[g] = W[g]^T @ x[g]        W[g] (Cin/G, Cout/G * K), x[g] (Cin/G, N * P)   (one GEMM per group)
    y       = col2im(cols) + b     scatter-add each column over its window of the output

Output size per spatial dim: (L - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1.

Gradients (G = im2col(grad), laid out as (Cout/G * K, N * P) per group):

    grad_x[g] = W[g] @ G[g]           (a plain convolution of grad with W)
    grad_W[g] = x[g] @ G[g]^T
    grad_b    = grad summed over batch and spatial dims

The rule uses ``F.im2col`` (whose own rule is col2im), so it runs again for double backward.
"""
import math

import numpy as np

from .. import dtypes as _dt
from ..autograd import grad_mode
from ._scaffold import Node, record, wrap
from .conv import _col2im_kernel, _shape, _tuple

__all__ = ["conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]


def _check(x, w, b, groups, nd):
    if x.ndim != nd + 2:
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to conv_transpose{nd}d, but "
                           f"got input of size: {_shape(x.shape)}")
    if w.ndim != nd + 2:
        raise RuntimeError(f"Expected {w.ndim}-dimensional input for {w.ndim}-dimensional weight {_shape(w.shape)}, "
                           f"but got {x.ndim}-dimensional input of size {_shape(x.shape)} instead")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if w.shape[0] != x.shape[1]:
        raise RuntimeError(f"Given transposed=1, weight of size {_shape(w.shape)}, expected input{_shape(x.shape)} to "
                           f"have {w.shape[0]} channels, but got {x.shape[1]} channels instead")
    if w.shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
                           f"but got weight of size [{_shape(w.shape)}] instead")
    cout = w.shape[1] * groups
    if b is not None and (b.ndim != 1 or b.shape[0] != cout):
        raise RuntimeError(f"Given transposed=1, weight of size {_shape(w.shape)}, expected bias to be 1-dimensional "
                           f"with {cout} elements, but got bias of size {_shape(b.shape)} instead")
    if x.dtype != w.dtype or (b is not None and b.dtype != x.dtype):
        other = w.dtype if x.dtype != w.dtype else b.dtype
        raise RuntimeError(f"expected scalar type {_dt.TYPE_NAMES[_dt.FROM_NP[x.dtype]]} but found "
                           f"{_dt.TYPE_NAMES[_dt.FROM_NP[other]]}")
    if x.dtype.kind != "f":
        raise NotImplementedError(f"conv_transpose{nd}d: integer and bool inputs are not supported by ember")


def _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, nd):
    x, w = input._data, weight._data
    if x.ndim == nd + 1:  # unbatched: PyTorch adds and removes the batch dim
        return _conv_transpose(input.unsqueeze(0), weight, bias, stride, padding, output_padding, groups, dilation,
                               nd).squeeze(0)
    _check(x, w, None if bias is None else bias._data, groups, nd)
    if isinstance(padding, str):
        raise RuntimeError(f"conv_transpose{nd}d: padding='{padding}' is not supported (an int or a tuple only)")
    stride, padding = _tuple(stride, nd, "stride"), _tuple(padding, nd, "padding")
    output_padding, dilation = _tuple(output_padding, nd, "output_padding"), _tuple(dilation, nd, "dilation")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero")
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation)):
        raise RuntimeError("output padding must be smaller than either stride or dilation, but got output_padding: "
                           f"{_shape(output_padding)}, stride: {_shape(stride)}, dilation: {_shape(dilation)}")
    kernel = tuple(w.shape[2:])
    n, cin, spatial = x.shape[0], x.shape[1], x.shape[2:]
    cout = w.shape[1] * groups
    out = tuple((spatial[i] - 1) * stride[i] - 2 * padding[i] + dilation[i] * (kernel[i] - 1) + output_padding[i] + 1
                for i in range(nd))
    if any(o <= 0 for o in out):
        raise RuntimeError(f"Given input size per channel: ({' x '.join(map(str, spatial))}). Calculated output size "
                           f"per channel: ({' x '.join(map(str, out))}). Output size is too small")
    npos, k = n * math.prod(spatial), math.prod(kernel)
    lead = (groups,) if groups > 1 else ()  # NOTE: one group: plain 2-D GEMMs (batched matmul is slower)
    # (G, Cout/G * K, Cin/G) @ (G, Cin/G, N * P) -> columns (Cout, *K, N, *P), scattered into the output
    wt = np.swapaxes(w.reshape(lead + (cin // groups, (cout // groups) * k)), -1, -2)
    xs = np.swapaxes(x, 0, 1).reshape(lead + (cin // groups, npos))
    cols = np.matmul(wt, xs).reshape((cout,) + kernel + (n,) + tuple(spatial))
    pads = tuple((padding[i], padding[i] - output_padding[i]) for i in range(nd))
    args = (kernel, stride, dilation, pads)
    y = _col2im_kernel(cols, (n, cout) + out, *args)
    if bias is not None:
        y += bias._data.reshape((cout,) + (1,) * nd)
    res = wrap(y)
    rb = bias is not None and bias._requires_grad
    if (input._requires_grad or weight._requires_grad or rb) and grad_mode.enabled:
        node = _NODE()
        node.groups, node.args, node.lead, node.npos = groups, args, lead, npos
        record(node, (input, weight, bias), (res,), (input, weight))
    return res


class TransposedConvolutionBackward(Node):
    """grad_x = W @ im2col(grad), grad_W = x @ im2col(grad)^T, grad_b = sum of grad (module docstring)."""

    __slots__ = ()

    def run(self, F, grad, diff):
        x, w = self.unpack(diff)
        need, lead, g = self.needs_input_grad, self.lead, self.groups
        cin = x.shape[1]
        ck = (grad.shape[1] // g) * math.prod(self.args[0])          # Cout/G * K
        gcols = F.reshape(F.im2col(grad, *self.args), lead + (ck, self.npos))
        w3 = F.reshape(w, lead + (cin // g, ck))
        gx = gw = gb = None
        if need[0]:
            gx = F.reshape(F.matmul(w3, gcols), (cin, x.shape[0]) + tuple(x.shape[2:]))
            gx = F.transpose(gx, 0, 1)
        if need[1]:
            xs = F.reshape(F.transpose(x, 0, 1), lead + (cin // g, self.npos))
            gw = F.reshape(F.matmul(xs, F.transpose(gcols, -1, -2)), tuple(w.shape))
        if need[2]:
            gb = F.sum(grad, (0,) + tuple(range(2, grad.ndim)))
        return gx, gw, gb


# PyTorch names the node of every convolution, transposed or not, ConvolutionBackward0
_NODE = type("ConvolutionBackward0", (TransposedConvolutionBackward,), {"__slots__": ()})


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """1-d transposed convolution over (N, C_in, L) or (C_in, L); ``weight`` is (C_in, C_out/groups, kW).

    y[n, o, l*stride + k*dilation - padding] += w[c, o, k] * x[n, c, l]   (c within o's group)
    L_out = (L - 1)*stride - 2*padding + dilation*(kW - 1) + output_padding + 1.
    """
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 1)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """2-d transposed convolution ("deconvolution", the gradient of conv2d with respect to its input)
    over (N, C_in, H, W) or (C_in, H, W); ``weight`` is (C_in, C_out/groups, kH, kW).

    H_out = (H - 1)*sH - 2*pH + dH*(kH - 1) + output_padding[0] + 1 (W alike).

    Example::

        >>> import ember
        >>> ember.nn.functional.conv_transpose2d(ember.ones(1, 4, 5, 5), ember.ones(4, 2, 3, 3), stride=2).shape
        torch.Size([1, 2, 11, 11])
    """
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 2)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """3-d transposed convolution over (N, C_in, D, H, W); ``weight`` is (C_in, C_out/groups, kD, kH, kW)."""
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 3)


METHODS = []
FUNCTIONS = ["conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]
