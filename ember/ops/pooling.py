"""Pooling with fixed windows: max_pool1d/2d, avg_pool1d/2d (adaptive pooling: ``adaptive_pooling.py``).

* Max pooling lays the windows out as im2col columns (``ops/conv.py``), one row per kernel tap,
  and takes a running maximum over the taps. A boolean ``hit`` marks the tap that won each window;
  the gradient is ``col2im(hit * grad)`` (whose own rule is im2col, so double backward works).
* Average pooling is linear: y = sum over the window (``im2col`` from ops/conv.py, then a sum)
  divided by the window's divisor; its gradient spreads grad / divisor over each window with
  ``F.col2im`` (whose own rule is im2col, so double backward works).

Output sizes follow PyTorch: floor((L + 2p - d*(k-1) - 1) / s) + 1, or with ``ceil_mode`` the
ceiling, less one if the last window would start in the right padding.
"""
import math

import numpy as np

from .. import dtypes as _dt
from ..autograd import grad_mode
from ._scaffold import Node, record, wrap
from .conv import _im2col_kernel, _tuple

__all__ = ["max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "max_pool1d_with_indices", "max_pool2d_with_indices"]


def _out_size(size, k, s, p, d, ceil_mode):
    """PyTorch's pooling output size along one dim."""
    span = size + 2 * p - d * (k - 1) - 1
    out = (span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:  # the last window must start inside input or left padding
        out -= 1
    return out


def _params(kernel_size, stride, padding, dilation, nd):
    k = _tuple(kernel_size, nd, "kernel_size")
    s = k if stride is None or (not isinstance(stride, int) and len(stride) == 0) else _tuple(stride, nd, "stride")
    return k, s, _tuple(padding, nd, "padding"), _tuple(dilation, nd, "dilation")


def _sizes(x, k, s, p, d, ceil_mode, nd, max_pool):
    """Output sizes, with PyTorch's checks and messages."""
    for i in range(nd):
        if s[i] <= 0:
            raise RuntimeError("stride should be greater than zero")
        if max_pool and d[i] <= 0:
            raise RuntimeError("dilation should be greater than zero")
        if 2 * p[i] > d[i] * (k[i] - 1) + 1 if max_pool else 2 * p[i] > k[i]:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={p[i]}, kernel_size="
                               f"{k[i]} and dilation={d[i]}" if max_pool else
                               f"pad should be at most half of kernel size, but got pad={p[i]} and kernel_size={k[i]}")
    spatial = x.shape[x.ndim - nd:]
    out = tuple(_out_size(spatial[i], k[i], s[i], p[i], d[i], ceil_mode) for i in range(nd))
    if any(o < 1 for o in out):
        c = x.shape[x.ndim - nd - 1]
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, (c,) + spatial))}). Calculated output size: "
                           f"({'x'.join(map(str, (c,) + out))}). Output size is too small")
    return out


def _check_dims(x, nd, name, impl=None):
    if x.ndim not in (nd + 1, nd + 2):
        if name.startswith("adaptive"):
            raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got {list(x.shape)}")
        raise RuntimeError(f"{name}: Expected {nd + 1}D or {nd + 2}D (batch mode) tensor with optional 0 dim batch "
                           f"size for input, but got:{list(x.shape)}")
    if x.dtype.kind != "f" and not (impl is None and x.dtype.kind in "iu"):
        # NOTE: PyTorch's CPU kernels take integers only for max_pool2d
        raise RuntimeError(f'"{impl or name}" not implemented for \'{_dt.TYPE_NAMES[_dt.FROM_NP[x.dtype]]}\'')


# -- max pooling -----------------------------------------------------------------------------------------
class MaxPoolBackward(Node):
    """y = max over the taps of each window: grad_x = col2im(hit * grad), ``hit`` True at the one tap of
    each window that won (the first maximum, or the last NaN)."""

    __slots__ = ()

    def run(self, F, grad, diff):
        (hit,) = self.unpack(diff)
        nd = len(self.args[0])
        g = F.reshape(grad, (1,) * (nd + 1) + hit.shape[nd + 1:])
        return (F.reshape(F.col2im(hit * g, self.flat_in, *self.args), self.in_shape),)


def _first_hits(hits):
    """Keep only the first True of each column of the boolean (K, M) ``hits`` (in place)."""
    seen = hits[0].copy()
    for h in hits[1:]:
        h &= ~seen
        seen |= h


def _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, nd):
    """The windows as im2col columns (1, *K, B, *O), one contiguous row per kernel tap, and a running
    maximum over the taps: every NumPy call sees long contiguous rows (no gather, no argmax over
    windows). Padding, and ceil_mode's overhang, hold the dtype's lowest value."""
    x = input._data
    _check_dims(x, nd, f"max_pool{nd}d", None if nd == 2 else "max_pool1d_impl")
    k, s, p, d = _params(kernel_size, stride, padding, dilation, nd)
    out = _sizes(x, k, s, p, d, ceil_mode, nd, True)
    lead, spatial = x.shape[:x.ndim - nd], x.shape[x.ndim - nd:]
    b = math.prod(lead)
    pads = tuple((p[i], max(0, (out[i] - 1) * s[i] + d[i] * (k[i] - 1) + 1 - spatial[i] - p[i])) for i in range(nd))
    args = (k, s, d, pads)
    low = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    cols = _im2col_kernel(x.reshape((b, 1) + spatial), *args, scratch="cols", value=low)  # (1, *K, B, *O)
    taps = cols.reshape(math.prod(k), -1)
    y = taps[0].copy()
    for t in taps[1:]:
        np.maximum(y, t, out=y)                      # NOTE: np.maximum propagates NaN, as PyTorch's max does
    res = wrap(y.reshape(lead + out))
    grad = input._requires_grad and grad_mode.enabled
    if not (grad or return_indices):
        return res
    hit = taps == y                                  # (K, B*O): where each window's max sits
    kk, o = len(taps), math.prod(out)
    if return_indices or any(lo or hi for lo, hi in pads):
        # the flat input position read by each tap of each window (-1 in the padding), as im2col of an arange
        where = _im2col_kernel(np.arange(math.prod(spatial)).reshape((1, 1) + spatial), *args, value=-1)
        where = where.reshape(kk, 1, o)
        h = hit.reshape(kk, b, o)
        h &= where >= 0                              # a padding tap wins nothing, even when all is -inf
    if x.dtype.kind == "f" and np.isnan(y).any():
        # NOTE: PyTorch's kernel takes every NaN it meets as the new max: the last NaN wins
        nan = np.isnan(taps)
        _first_hits(nan[::-1])
        hit |= nan
    if np.count_nonzero(hit) != y.size:
        _first_hits(hit)  # NOTE: ties: the gradient goes to one element, the first maximum (row-major window order)
    if grad:
        node = _NODES[f"MaxPool{nd}DWithIndicesBackward0"]()
        node.in_shape, node.flat_in, node.args = x.shape, (b, 1) + spatial, args
        record(node, (input,), (res,), (hit.reshape(cols.shape),))
    if not return_indices:
        return res
    winner = np.take_along_axis(where, hit.argmax(0).reshape(1, b, o), 0)   # the winning tap's position
    return res, wrap(winner.reshape(lead + out).astype(np.int64, copy=False))


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """y[n, c, l] = max_k x_pad[n, c, l*stride + k*dilation] (padding counts as -inf) over (N, C, L) or
    (C, L). ``stride`` defaults to ``kernel_size``. With ``return_indices`` also the int64 position of
    each maximum in the input's last dim. Gradient: grad goes to the winning element."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 1)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """y[n, c, i, j] = max over the (kH, kW) window at (i*sH - pH, j*sW - pW) (dilated by ``dilation``;
    padding counts as -inf) over (N, C, H, W) or (C, H, W). With ``return_indices`` also the int64
    position h*W + w of each maximum. Gradient: grad goes to the winning element.

    Example::

        >>> import ember
        >>> ember.nn.functional.max_pool2d(ember.arange(16.).reshape(1, 1, 4, 4), 2)
        tensor([[[[ 5.,  7.],
                  [13., 15.]]]])
    """
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 2)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, True, 1)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, True, 2)


# -- average pooling --------------------------------------------------------------------------------------
def _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, nd):
    x = input._data
    if x.ndim not in (nd + 1, nd + 2):
        if nd == 1:
            raise RuntimeError(f"Expected 2 to 3 dimensions, but got {x.ndim}-dimensional tensor for argument #1 "
                               "'self' (while checking arguments for avg_pool1d)")
        raise RuntimeError(f"non-empty {nd + 1}D or {nd + 2}D (batch mode) tensor expected for input")
    if x.dtype.kind != "f":
        raise NotImplementedError(f"avg_pool{nd}d: integer and bool inputs are not supported by ember (got {x.dtype})")
    k, s, p, _ = _params(kernel_size, stride, padding, 1, nd)
    out = _sizes(x, k, s, p, (1,) * nd, ceil_mode, nd, False)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    lead, spatial = x.shape[:x.ndim - nd], x.shape[x.ndim - nd:]
    b = math.prod(lead)
    # extra zeros after the input so that ceil_mode's last window fits (they never count as padding)
    pads = tuple((p[i], max(0, (out[i] - 1) * s[i] + k[i] - spatial[i] - p[i])) for i in range(nd))
    args = (k, s, (1,) * nd, pads)
    cols = _im2col_kernel(x.reshape((b, 1) + spatial), *args, scratch="cols")   # (1, *K, B, *O)
    inv = _inverse_divisor(out, k, s, p, spatial, count_include_pad, divisor_override, x.dtype)
    res = wrap((cols.sum(tuple(range(1, nd + 1))).reshape(lead + out) * inv).astype(x.dtype, copy=False))
    if input._requires_grad and grad_mode.enabled:
        node = _NODES[f"AvgPool{nd}DBackward0"]()
        node.in_shape, node.flat_in, node.args = x.shape, (b, 1) + spatial, args
        node.cols_shape = cols.shape
        record(node, (input,), (res,), (inv,))
    return res


def _inverse_divisor(out, k, s, p, spatial, count_include_pad, divisor_override, dtype):
    """1 / divisor per output position (a float when all windows share it)."""
    if divisor_override is not None:
        return 1.0 / divisor_override
    div = 1
    nd = len(out)
    for i in range(nd):
        start = np.arange(out[i]) * s[i] - p[i]
        end = np.minimum(start + k[i], spatial[i] + p[i])
        if not count_include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, spatial[i])
        div = div * (end - start).reshape((-1,) + (1,) * (nd - 1 - i))
    div = np.asarray(div)
    if (div == div.flat[0]).all():
        return 1.0 / float(div.flat[0])
    return (1.0 / div).astype(dtype)


class AvgPoolBackward(Node):
    """y = (sum over the window) * inv, inv = 1/divisor: grad_x = col2im(grad * inv spread over each window)."""

    __slots__ = ()

    def run(self, F, grad, diff):
        (inv,) = self.unpack(diff)
        shape = self.cols_shape
        nd = len(self.args[0])
        g = F.reshape(grad * inv, (1,) * (nd + 1) + shape[nd + 1:])
        g = F.col2im(F.expand(g, shape), self.flat_in, *self.args)
        return (F.reshape(g, self.in_shape),)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """y[n, c, l] = mean of x_pad over the window [l*stride - p, l*stride - p + k) over (N, C, L) or (C, L).
    ``count_include_pad``: zeros of the padding count in the divisor (PyTorch's default)."""
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, None, 1)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """y[n, c, i, j] = sum of x_pad over the (kH, kW) window at (i*sH - pH, j*sW - pW) / divisor, over
    (N, C, H, W) or (C, H, W). The divisor is the window size (clipped to the padded input; to the input
    alone if not ``count_include_pad``), or ``divisor_override``. Gradient: grad / divisor spread over
    each window (col2im).

    Example::

        >>> import ember
        >>> ember.nn.functional.avg_pool2d(ember.arange(16.).reshape(1, 1, 4, 4), 2)
        tensor([[[[ 2.5000,  4.5000],
                  [10.5000, 12.5000]]]])
    """
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, 2)


# PyTorch's node names, one subclass each (so that grad_fn's name and repr agree)
_NODES = {name: type(name, (base,), {"__slots__": ()}) for base, names in (
    (MaxPoolBackward, ("MaxPool1DWithIndicesBackward0", "MaxPool2DWithIndicesBackward0")),
    (AvgPoolBackward, ("AvgPool1DBackward0", "AvgPool2DBackward0"))) for name in names}

METHODS = []
FUNCTIONS = ["max_pool1d", "max_pool2d", "avg_pool1d", "max_pool1d_with_indices"]
