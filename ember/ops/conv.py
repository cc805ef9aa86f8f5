"""Convolution: ``conv1d`` and ``conv2d``, built on two adjoint array kernels ``im2col`` / ``col2im``.

im2col lays every receptive field out as a column, so a convolution becomes one matrix product:

    cols[c, k, n, o] = x_pad[n, c, o * stride + k * dilation]          (k, o: tuples over spatial dims)
    y[n, g*Og + j, o] = sum_{c in group g, k} w[g*Og + j, c, k] * cols[c, k, n, o] + b[g*Og + j]

With the columns as a (G, Cg*K, N*P) array (G groups, P output positions) and the weight as
(G, Og, Cg*K), the forward is ``W @ cols`` (one GEMM per group, a plain 2-D one when G == 1; no
Python loop over pixels or batch items). The gradients are matrix products too:

    grad_W    = grad @ cols^T              (G, Og, Cg*K)
    grad_cols = W^T @ grad                 (G, Cg*K, N*P)
    grad_x    = col2im(grad_cols)          scatter-add each column back to its window
    grad_b    = grad summed over batch and spatial dims

``im2col`` and ``col2im`` are linear maps that are each other's adjoint, so each one's gradient
rule is the other: both are registered in the gradient namespaces (``F.im2col``, ``F.col2im``)
and the convolution rule, written against ``F``, runs again differentiably for double backward.
"""
import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .. import dtypes as _dt
from ..autograd import grad_mode
from ._scaffold import Node, record, register, wrap

__all__ = ["conv1d", "conv2d", "conv3d"]


# -- im2col / col2im -----------------------------------------------------------------------------------
def _im2col_kernel(x, kernel, stride, dilation, pads, value=0):
    """x (N, C, *S) -> columns (C, *K, N, *O), contiguous: cols[c, k, n, o] = x_pad[n, c, o*s + k*d].

    ``pads`` holds a (before, after) pair per spatial dim; O follows from the padded size."""
    nd = len(kernel)
    if any(hi < 0 for _, hi in pads):  # NOTE: a negative pad crops (conv_transpose's output_padding > padding)
        x = x[(slice(None), slice(None)) + tuple(slice(0, x.shape[2 + i] + min(pads[i][1], 0)) for i in range(nd))]
        pads = tuple((lo, max(hi, 0)) for lo, hi in pads)
    if any(lo or hi for lo, hi in pads):
        x = np.pad(x, ((0, 0), (0, 0)) + tuple(pads), constant_values=value)
    st = x.strides
    size = x.shape[2:]
    out = tuple((size[i] - dilation[i] * (kernel[i] - 1) - 1) // stride[i] + 1 for i in range(nd))
    shape = (x.shape[1],) + tuple(kernel) + (x.shape[0],) + out
    strides = ((st[1],) + tuple(st[2 + i] * dilation[i] for i in range(nd)) + (st[0],)
               + tuple(st[2 + i] * stride[i] for i in range(nd)))
    # NOTE: as_strided makes a read-only view of every window; the one copy is the column matrix itself
    return np.ascontiguousarray(as_strided(x, shape, strides, writeable=False))


def _col2im_kernel(cols, shape, kernel, stride, dilation, pads):
    """The adjoint of im2col: columns (C, *K, N, *O) scatter-added into zeros of ``shape`` (N, C, *S).
    One strided slice-add per kernel offset (kernel-size iterations, never per pixel)."""
    nd = len(kernel)
    # NOTE: accumulated as (C, N, *S), the layout of the columns, and transposed once at the end
    # NOTE: max(...): a negative pad after (conv_transpose's output_padding) leaves zeros past the windows
    padded = (shape[1], shape[0]) + tuple(max(shape[2 + i] + pads[i][0] + pads[i][1], shape[2 + i] + pads[i][0])
                                          for i in range(nd))
    out = np.zeros(padded, dtype=cols.dtype)
    o = cols.shape[nd + 2:]
    if 0 not in o and cols.size:
        for k in np.ndindex(*kernel):
            start = [k[i] * dilation[i] for i in range(nd)]
            window = (slice(None), slice(None)) + tuple(
                slice(start[i], start[i] + stride[i] * (o[i] - 1) + 1, stride[i]) for i in range(nd))
            out[window] += cols[(slice(None),) + k]
    crop = (slice(None), slice(None)) + tuple(slice(pads[i][0], pads[i][0] + shape[2 + i]) for i in range(nd))
    return np.ascontiguousarray(np.swapaxes(out[crop], 0, 1))


class Im2ColBackward0(Node):
    """im2col is linear; its gradient is its adjoint, col2im."""

    __slots__ = ()

    def run(self, F, grad, diff):
        return (F.col2im(grad, self.in_shape, *self.args),)


class Col2ImBackward0(Node):
    """col2im is linear; its gradient is its adjoint, im2col."""

    __slots__ = ()

    def run(self, F, grad, diff):
        return (F.im2col(grad, *self.args),)


def im2col(input, kernel, stride, dilation, pads):
    """Tensor version of the im2col kernel (differentiable): (N, C, *S) -> (C, *K, N, *O)."""
    res = wrap(_im2col_kernel(input._data, kernel, stride, dilation, pads))
    if input._requires_grad and grad_mode.enabled:
        node = Im2ColBackward0()
        node.in_shape, node.args = tuple(input._data.shape), (kernel, stride, dilation, pads)
        record(node, (input,), (res,))
    return res


def col2im(input, shape, kernel, stride, dilation, pads):
    """Tensor version of the col2im kernel (differentiable): (C, *K, N, *O) -> zeros(shape) + scatter."""
    res = wrap(_col2im_kernel(input._data, shape, kernel, stride, dilation, pads))
    if input._requires_grad and grad_mode.enabled:
        node = Col2ImBackward0()
        node.args = (kernel, stride, dilation, pads)
        record(node, (input,), (res,))
    return res


register("im2col", _im2col_kernel, im2col)
register("col2im", _col2im_kernel, col2im)


# -- argument handling -------------------------------------------------------------------------------
def _tuple(v, nd, name):
    """An int or a sequence of ints as an nd-tuple (PyTorch's message for a wrong length)."""
    if isinstance(v, (int, np.integer)):
        return (int(v),) * nd
    v = tuple(int(a) for a in v)
    if len(v) == 1:
        return v * nd
    if len(v) != nd:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {nd} values to match the "
                           f"convolution dimensions, but got {name}={list(v)}")
    return v


def _pads(padding, kernel, stride, dilation, nd):
    """(before, after) per spatial dim for an int/tuple padding or 'same' / 'valid'."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * nd
        if padding != "same":
            raise RuntimeError(f"Invalid padding string: '{padding}'")
        if any(s != 1 for s in stride):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        # NOTE: an even effective kernel needs one more zero after than before (as PyTorch pads)
        total = [dilation[i] * (kernel[i] - 1) for i in range(nd)]
        return tuple((t // 2, t - t // 2) for t in total)
    p = _tuple(padding, nd, "padding")
    if any(v < 0 for v in p):
        raise RuntimeError("negative padding is not supported")
    return tuple((v, v) for v in p)


def _shape(s):
    return "[" + ", ".join(str(n) for n in s) + "]"


def _check(x, w, b, groups, nd):
    if w.ndim != nd + 2 or x.ndim != nd + 2:
        raise RuntimeError(f"Expected {w.ndim}-dimensional input for {w.ndim}-dimensional weight {_shape(w.shape)}, "
                           f"but got {x.ndim}-dimensional input of size {_shape(x.shape)} instead")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if w.shape[0] == 0:
        raise RuntimeError(f"Given groups={groups}, expected weight to be at least 1 at dimension 0, but got weight "
                           f"of size {_shape(w.shape)} instead")
    if w.shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
                           f"but got weight of size [{_shape(w.shape)}] instead")
    if x.shape[1] != w.shape[1] * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {_shape(w.shape)}, expected input{_shape(x.shape)} "
                           f"to have {w.shape[1] * groups} channels, but got {x.shape[1]} channels instead")
    if b is not None and (b.ndim != 1 or b.shape[0] != w.shape[0]):
        raise RuntimeError(f"Given weight of size {_shape(w.shape)}, expected bias to be 1-dimensional with "
                           f"{w.shape[0]} elements, but got bias of size {_shape(b.shape)} instead")
    if x.dtype != w.dtype or (b is not None and b.dtype != x.dtype):
        other = w.dtype if x.dtype != w.dtype else b.dtype
        raise RuntimeError(f"expected scalar type {_dt.TYPE_NAMES[_dt.FROM_NP[x.dtype]]} but found "
                           f"{_dt.TYPE_NAMES[_dt.FROM_NP[other]]}")
    if x.dtype.kind != "f":
        raise NotImplementedError(f"conv{nd}d: integer and bool inputs are not supported by ember "
                                  f"(got {_dt.FROM_NP[x.dtype]})")


# -- convolution ---------------------------------------------------------------------------------------
class ConvolutionBackward0(Node):
    """grad_x = col2im(W^T @ grad), grad_W = grad @ cols^T, grad_b = sum of grad (see the module docstring).
    ``cols`` ((G,) Cg*K, N*P) is kept from the forward for the fast mode and rebuilt from x (through the
    differentiable F.im2col) when the rule itself is differentiated."""

    __slots__ = ()

    def run(self, F, grad, diff):
        x, w = self.unpack(diff)
        need = self.needs_input_grad
        groups, args = self.groups, self.args
        # NOTE: with one group the products are plain 2-D GEMMs (NumPy's batched matmul is slower)
        lead = (groups,) if groups > 1 else ()
        g3 = F.reshape(F.transpose(grad, 0, 1), lead + (w.shape[0] // groups, self.np_))
        gx = gw = None
        if need[0]:
            gcols = F.matmul(F.transpose(F.reshape(w, lead + (w.shape[0] // groups, self.ck)), -1, -2), g3)
            gx = F.col2im(F.reshape(gcols, self.cols_shape), tuple(x.shape), *args)
        if need[1]:
            cols = self.cols if not diff else F.reshape(F.im2col(x, *args), lead + (self.ck, self.np_))
            gw = F.reshape(F.matmul(g3, F.transpose(cols, -1, -2)), tuple(w.shape))
        gb = None
        if need[2]:
            gb = F.sum(grad, (0,) + tuple(range(2, grad.ndim)))
        return gx, gw, gb

    def release(self):
        super().release()
        self.cols = None


def _conv(input, weight, bias, stride, padding, dilation, groups, nd):
    x, w = input._data, weight._data
    if x.ndim == nd + 1:  # unbatched: PyTorch adds and removes the batch dim
        return _conv(input.unsqueeze(0), weight, bias, stride, padding, dilation, groups, nd).squeeze(0)
    if x.ndim != nd + 2:
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to conv{nd}d, but got input "
                           f"of size: {_shape(x.shape)}")
    b = None if bias is None else bias._data
    _check(x, w, b, groups, nd)
    stride, dilation = _tuple(stride, nd, "stride"), _tuple(dilation, nd, "dilation")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero")
    kernel = tuple(w.shape[2:])
    pads = _pads(padding, kernel, stride, dilation, nd)
    padded = [x.shape[2 + i] + pads[i][0] + pads[i][1] for i in range(nd)]
    if any(padded[i] < dilation[i] * (kernel[i] - 1) + 1 for i in range(nd)):
        raise RuntimeError(f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). Kernel size: "
                           f"({' x '.join(map(str, kernel))}). Kernel size can't be greater than actual input size")
    n, cout = x.shape[0], w.shape[0]
    cols = _im2col_kernel(x, kernel, stride, dilation, pads)   # (C, *K, N, *O)
    out = cols.shape[nd + 2:]
    npos = n * math.prod(out)
    lead = (groups,) if groups > 1 else ()
    ck = math.prod(w.shape[1:])
    cols3 = cols.reshape(lead + (ck, npos))
    r = np.matmul(w.reshape(lead + (cout // groups, ck)), cols3).reshape((cout, n) + out)
    if b is not None:
        r += b.reshape((cout,) + (1,) * (nd + 1))
    res = wrap(np.ascontiguousarray(np.swapaxes(r, 0, 1)))
    rb = bias is not None and bias._requires_grad
    if (input._requires_grad or weight._requires_grad or rb) and grad_mode.enabled:
        node = ConvolutionBackward0()
        node.groups, node.args, node.np_ = groups, (kernel, stride, dilation, pads), npos
        node.cols_shape, node.ck = cols.shape, ck
        node.cols = cols3 if weight._requires_grad else None
        record(node, (input, weight, bias), (res,), (input, weight))
    return res


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-d convolution (cross-correlation, as in PyTorch) over (N, C_in, L) or (C_in, L).

    y[n, o, l] = b[o] + sum_{c, k} w[o, c, k] * x_pad[n, c, l*stride + k*dilation]   (c within o's group)

    Args: ``weight`` (C_out, C_in/groups, kW); ``bias`` (C_out) or None; ``padding`` an int, a 1-tuple,
    'valid' or 'same'. Output length: floor((L + 2p - dilation*(kW-1) - 1) / stride) + 1.

    Example::

        >>> import ember
        >>> ember.nn.functional.conv1d(ember.ones(2, 4, 10), ember.ones(8, 4, 3), stride=2).shape
        torch.Size([2, 8, 4])
    """
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-d convolution (cross-correlation, as in PyTorch) over (N, C_in, H, W) or (C_in, H, W).

    y[n, o, i, j] = b[o] + sum_{c, p, q} w[o, c, p, q] * x_pad[n, c, i*sH + p*dH, j*sW + q*dW]

    Args: ``weight`` (C_out, C_in/groups, kH, kW); ``bias`` (C_out) or None; ``stride``, ``padding``,
    ``dilation`` ints or pairs (``padding`` also 'valid' or 'same'); ``groups`` splits the channels into
    independent convolutions. Each output size: floor((S + 2p - d*(k-1) - 1) / s) + 1.

    Gradients: see the module docstring (matrix products plus col2im); double backward is supported.

    Example::

        >>> import ember
        >>> ember.nn.functional.conv2d(ember.ones(1, 3, 28, 28), ember.ones(16, 3, 3, 3), padding=1).shape
        torch.Size([1, 16, 28, 28])
    """
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-d convolution (cross-correlation) over (N, C_in, D, H, W) or (C_in, D, H, W).

    y[n, o, d, i, j] = b[o] + sum_{c, p, q, r} w[o, c, p, q, r] * x_pad[n, c, d*sD + p*dD, i*sH + q*dH, j*sW + r*dW]

    Same arguments and gradients as conv2d with triples; ``weight`` is (C_out, C_in/groups, kD, kH, kW).
    """
    return _conv(input, weight, bias, stride, padding, dilation, groups, 3)


METHODS = []
FUNCTIONS = ["conv1d", "conv2d", "conv3d"]
