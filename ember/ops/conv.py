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

The columns come in one of two layouts, (C, *K, N, *O) or (C, *K, *O, N) ("batch last"), whichever
NumPy copies faster (see the NOTE on layouts below); both reshape to (G, Cg*K, N*P), so the formulas
do not change, only the order of the N*P positions (grad is permuted to match). The columns are
not kept for backward: they are rebuilt from x there.

``im2col`` and ``col2im`` are linear maps that are each other's adjoint, so each one's gradient
rule is the other: both are registered in the gradient namespaces (``F.im2col``, ``F.col2im``)
and the convolution rule, written against ``F``, runs again differentiably for double backward.
"""
import math
import threading

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .. import dtypes as _dt
from ..autograd import grad_mode
from ._scaffold import Node, record, register, wrap

__all__ = ["conv1d", "conv2d", "conv3d"]


# -- layouts and scratch buffers -------------------------------------------------------------------------
# NOTE: two costs dominate these kernels, and neither is arithmetic.
# 1. NumPy runs one C loop per innermost row of a strided copy or add, and starting one costs about as
#    much as copying a few dozen floats. With the batch dim first, a row of the columns is one output
#    row (O_last long, strided by the stride); with it last, a row is N contiguous values, at the price
#    of transposing the input and the output once. ``_batch_last`` weighs the two.
# 2. A large array freed by one step is often handed back to the OS and page-faulted in again by the
#    next (a fresh page costs ~20x the arithmetic done on it). Temporaries that never leave this module
#    (padded input, columns, GEMM result, col2im's sums) live in reused per-thread buffers instead;
#    every array handed out is a fresh copy.
_local = threading.local()
_SCRATCH_MAX = 1 << 24  # bytes: larger temporaries are allocated anew each time


def _scratch(key, shape, dtype):
    """An uninitialised array of ``shape`` in the reused buffer ``key`` (valid until ``key``'s next use)."""
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes > _SCRATCH_MAX:
        return np.empty(shape, dtype)
    bufs = getattr(_local, "bufs", None)
    if bufs is None:
        bufs = _local.bufs = {}
    buf = bufs.get(key)
    if buf is None or buf.size < nbytes:
        buf = bufs[key] = np.empty(nbytes, np.uint8)
    return buf[:nbytes].view(dtype).reshape(shape)


def _batch_last(c, k, cout, size, out, n):
    """True when the (C, *K, *O, N) column layout is cheaper than (C, *K, N, *O) (see NOTE 1): the
    copies of C*K*P*N column values cost a row start per O_last (or per N) values, and the batch-last
    layout adds a transposing copy of the input and of the output (~3 copied values each)."""
    p = math.prod(out)
    rows_first = c * k * n * p // max(out[-1], 1)
    rows_last = c * k * p
    return 20 * (rows_first - rows_last) > 3 * n * (c * math.prod(size) + cout * p)


# -- im2col / col2im -----------------------------------------------------------------------------------
def _window_view(src, kernel, stride, dilation, batch_last):
    """Every receptive field of ``src`` (N, C, *S) (or (C, *S, N)) as a read-only strided view:
    (C, *K, N, *O) (or (C, *K, *O, N)), view[c, k, n, o] = src[n, c, o*s + k*d]."""
    nd = len(kernel)
    st, shape = src.strides, src.shape
    if batch_last:
        n, c, size, sn, sc, sp = shape[-1], shape[0], shape[1:-1], st[-1], st[0], st[1:-1]
    else:
        n, c, size, sn, sc, sp = shape[0], shape[1], shape[2:], st[0], st[1], st[2:]
    out = tuple((size[i] - dilation[i] * (kernel[i] - 1) - 1) // stride[i] + 1 for i in range(nd))
    ks = tuple(sp[i] * dilation[i] for i in range(nd))
    os_ = tuple(sp[i] * stride[i] for i in range(nd))
    if batch_last:
        return as_strided(src, (c,) + tuple(kernel) + out + (n,), (sc,) + ks + os_ + (sn,), writeable=False)
    return as_strided(src, (c,) + tuple(kernel) + (n,) + out, (sc,) + ks + (sn,) + os_, writeable=False)


def _im2col_kernel(x, kernel, stride, dilation, pads, batch_last=False, scratch=None, value=0):
    """x (N, C, *S) -> columns, contiguous: (C, *K, N, *O), cols[c, k, n, o] = x_pad[n, c, o*s + k*d],
    or (C, *K, *O, N) when ``batch_last``. ``pads`` holds a (before, after) pair per spatial dim, filled
    with ``value``. ``scratch``: a buffer name (internal callers only): the columns are written there."""
    nd = len(kernel)
    if any(hi < 0 for _, hi in pads):  # NOTE: a negative pad crops (conv_transpose's output_padding > padding)
        x = x[(slice(None), slice(None)) + tuple(slice(0, x.shape[2 + i] + min(pads[i][1], 0)) for i in range(nd))]
        pads = tuple((lo, max(hi, 0)) for lo, hi in pads)
    src = np.moveaxis(x, 0, -1) if batch_last else x      # a view: (C, *S, N) or (N, C, *S)
    if batch_last or any(lo or hi for lo, hi in pads):
        # ``value`` with the input assigned inside (cheaper than np.pad); with the batch last, this
        # assignment is also the one transposing copy, after which every window row is contiguous
        sp = src.shape[1:-1] if batch_last else src.shape[2:]
        outer = (src.shape[0],) if batch_last else src.shape[:2]
        padded = tuple(sp[i] + pads[i][0] + pads[i][1] for i in range(nd))
        buf = _scratch("pad", outer + padded + src.shape[len(outer) + nd:], x.dtype)
        buf.fill(value)
        buf[(slice(None),) * len(outer) + tuple(slice(pads[i][0], pads[i][0] + sp[i]) for i in range(nd))] = src
        src = buf
    view = _window_view(src, kernel, stride, dilation, batch_last)
    if scratch is None:
        return np.array(view, order="C")  # NOTE: always a copy (the view may lie in a scratch buffer)
    cols = _scratch(scratch, view.shape, view.dtype)
    np.copyto(cols, view)
    return cols


def _col2im_kernel(cols, shape, kernel, stride, dilation, pads, batch_last=False):
    """The adjoint of im2col: columns (C, *K, N, *O) (or (C, *K, *O, N)) scatter-added into zeros of
    ``shape`` (N, C, *S). One strided slice-add per kernel offset (never a loop over pixels)."""
    nd = len(kernel)
    n, c, size = shape[0], shape[1], tuple(shape[2:])
    o = cols.shape[nd + 1:-1] if batch_last else cols.shape[nd + 2:]
    # NOTE: summed in the layout of the columns and transposed once at the end; the parts of windows
    # that reach into the padding (or past the end: conv_transpose's output_padding) are cut off
    acc = _scratch("acc", (c,) + size + (n,) if batch_last else (c, n) + size, cols.dtype)
    acc.fill(0)
    spans = []  # per dim and kernel offset: (the outputs whose tap lands inside, where they land)
    for i in range(nd):
        s, row = stride[i], []
        for k in range(kernel[i]):
            first = k * dilation[i] - pads[i][0]          # where output 0's tap k lands
            lo, hi = max(0, -(first // s)), min(o[i], (size[i] - 1 - first) // s + 1)
            row.append((slice(lo, hi), slice(first + lo * s, first + (hi - 1) * s + 1, s)) if lo < hi else None)
        spans.append(row)
    # NOTE: windows that cannot overlap (stride >= dilated kernel) write each element at most once,
    # and assigning is cheaper than adding
    overlap = any(stride[i] < dilation[i] * (kernel[i] - 1) + 1 for i in range(nd))
    every = (slice(None),)
    for k in np.ndindex(*kernel):
        parts = [spans[i][k[i]] for i in range(nd)]
        if None in parts:
            continue
        src, dst = tuple(p[0] for p in parts), tuple(p[1] for p in parts)
        src, dst = (every + k + src, every + dst) if batch_last else (every + k + every + src, every * 2 + dst)
        if overlap:
            acc[dst] += cols[src]
        else:
            acc[dst] = cols[src]
    return np.array(np.moveaxis(acc, -1, 0) if batch_last else np.swapaxes(acc, 0, 1), order="C")  # a fresh copy


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


def im2col(input, kernel, stride, dilation, pads, batch_last=False):
    """Tensor version of the im2col kernel (differentiable): (N, C, *S) -> (C, *K, N, *O) (or (C, *K, *O, N))."""
    res = wrap(_im2col_kernel(input._data, kernel, stride, dilation, pads, batch_last))
    if input._requires_grad and grad_mode.enabled:
        node = Im2ColBackward0()
        node.in_shape, node.args = tuple(input._data.shape), (kernel, stride, dilation, pads, batch_last)
        record(node, (input,), (res,))
    return res


def col2im(input, shape, kernel, stride, dilation, pads, batch_last=False):
    """Tensor version of the col2im kernel (differentiable): (C, *K, N, *O) (or (C, *K, *O, N)) ->
    zeros(shape) + scatter."""
    res = wrap(_col2im_kernel(input._data, shape, kernel, stride, dilation, pads, batch_last))
    if input._requires_grad and grad_mode.enabled:
        node = Col2ImBackward0()
        node.args = (kernel, stride, dilation, pads, batch_last)
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
    """grad_x = col2im(W^T @ grad), grad_W = (cols @ grad^T)^T, grad_b = sum of grad (module docstring).

    NOTE: the columns are not saved but rebuilt from x: they are the largest array of the op (K times
    the input), and rebuilding them into a reused buffer costs less than keeping them (PyTorch's
    slow_conv2d does the same). When the rule itself is differentiated they come from F.im2col."""

    __slots__ = ()

    def run(self, F, grad, diff):
        x, w = self.unpack(diff)
        need = self.needs_input_grad
        groups, args = self.groups, self.args
        og, ck, npos = w.shape[0] // groups, self.ck, self.np_
        # NOTE: with one group the products are plain 2-D GEMMs (NumPy's batched matmul is slower)
        lead = (groups,) if groups > 1 else ()
        # grad (N, C_out, *O) in the order of the columns: (C_out, *O, N) or (C_out, N, *O)
        nd = grad.ndim - 2
        perm = (1,) + tuple(range(2, nd + 2)) + (0,) if args[4] else (1, 0) + tuple(range(2, nd + 2))
        g3 = F.reshape(F.permute(grad, perm), lead + (og, npos))
        gx = gw = gb = None
        if need[0]:
            gcols = F.matmul(F.transpose(F.reshape(w, lead + (og, ck)), -1, -2), g3)
            gx = F.col2im(F.reshape(gcols, self.cols_shape), tuple(x.shape), *args)
        if need[1]:
            if diff:
                cols = F.reshape(F.im2col(x, *args), lead + (ck, npos))
            else:  # NOTE: fast mode only: straight into a scratch buffer, consumed by the next product
                cols = _im2col_kernel(x, *args, scratch="cols").reshape(lead + (ck, npos))
            # NOTE: (cols @ grad^T)^T rather than grad @ cols^T: the long dim N*P is then the inner one of
            # both operands, which OpenBLAS handles faster here
            gw = F.reshape(F.transpose(F.matmul(cols, F.transpose(g3, -1, -2)), -1, -2), tuple(w.shape))
        if need[2]:
            gb = F.sum(grad, (0,) + tuple(range(2, grad.ndim)))
        return gx, gw, gb


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
    n, cin, cout = x.shape[0], x.shape[1], w.shape[0]
    out = tuple((padded[i] - dilation[i] * (kernel[i] - 1) - 1) // stride[i] + 1 for i in range(nd))
    last = _batch_last(cin, math.prod(kernel), cout, x.shape[2:], out, n)
    args = (kernel, stride, dilation, pads, last)
    cols = _im2col_kernel(x, *args, scratch="cols")     # (C, *K, *O, N) or (C, *K, N, *O)
    npos = n * math.prod(out)
    lead = (groups,) if groups > 1 else ()
    ck = math.prod(w.shape[1:])
    r = _scratch("gemm", lead + (cout // groups, npos), x.dtype)
    np.matmul(w.reshape(lead + (cout // groups, ck)), cols.reshape(lead + (ck, npos)), out=r)
    r = r.reshape((cout,) + out + (n,) if last else (cout, n) + out)
    if b is not None:
        r += b.reshape((cout,) + (1,) * (nd + 1))
    res = wrap(np.array(np.moveaxis(r, -1, 0) if last else np.swapaxes(r, 0, 1), order="C"))
    rb = bias is not None and bias._requires_grad
    if (input._requires_grad or weight._requires_grad or rb) and grad_mode.enabled:
        node = ConvolutionBackward0()
        node.groups, node.args, node.np_, node.cols_shape, node.ck = groups, args, npos, cols.shape, ck
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
