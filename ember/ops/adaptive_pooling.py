"""Adaptive pooling: adaptive_max_pool1d/2d, adaptive_avg_pool1d/2d.

Adaptive pooling fixes the OUTPUT size O instead of the window: along a dim of input size S, output
position i pools the window [floor(i*S/O), ceil((i+1)*S/O)). The windows cover the whole input, may
overlap by one element, and differ in length by at most one when S is not a multiple of O (O == S is
the identity; O == 1 pools everything). ``output_size`` is an int or a tuple; None keeps that dim.

* Adaptive max pooling (windows of varying size) gathers every window with one fancy index, takes
  the argmax per window, and scatter-adds grad back to the winners (``F.index_grad``).
* Adaptive average pooling is a matrix product per spatial dim: y = M_H x M_W^T with
  M[o, i] = 1/len(window o) for i inside window o; its gradient is M_H^T grad M_W (``F.matmul``).

The fixed-window ops (max_pool, avg_pool) and the input checks shared with them live in ``pooling.py``.
"""
import math

import numpy as np

from ..autograd import grad_mode
from ._scaffold import Node, record, wrap
from .pooling import _check_dims

__all__ = ["adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d",
           "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices"]


# -- adaptive max pooling ---------------------------------------------------------------------------------
def _adaptive_windows(size, out):
    """Window o of a dim of ``size`` split into ``out``: [floor(o*size/out), ceil((o+1)*size/out))."""
    o = np.arange(out)
    start = (o * size) // out
    end = -((-(o + 1) * size) // out)
    return start, end


def _output_size(output_size, spatial, nd):
    if isinstance(output_size, (int, np.integer)) or output_size is None:
        output_size = (output_size,) * nd
    output_size = tuple(output_size)
    if len(output_size) != nd:
        raise RuntimeError(f"adaptive pooling: output_size must be {nd} (got {list(output_size)})")
    return tuple(spatial[i] if o is None else int(o) for i, o in enumerate(output_size))


class AdaptiveMaxPoolBackward(Node):
    """y = x[winner]: the gradient scatter-adds grad to the winning positions."""

    __slots__ = ()

    def run(self, F, grad, diff):
        g = F.reshape(grad, self.flat_out)
        return (F.reshape(F.index_grad(g, self.flat_in, self.index), self.in_shape),)


def _adaptive_max_pool(input, output_size, return_indices, nd):
    """Adaptive windows differ in size, so they are gathered with one fancy index: (B, O0, K0, O1, K1),
    with K_i the longest window; shorter windows repeat their last element (which never changes a max)."""
    name = f"adaptive_max_pool{nd}d"
    x = input._data
    _check_dims(x, nd, name, name)
    lead, spatial = x.shape[:x.ndim - nd], x.shape[x.ndim - nd:]
    out = _output_size(output_size, spatial, nd)
    if any(s == 0 for s in spatial) or any(o <= 0 for o in out):
        raise RuntimeError(f"{name}(): Expected input to have non-zero size for non-batch dimensions, but input has "
                           f"sizes {list(x.shape)} with dimension {x.ndim - nd} being empty")
    b = math.prod(lead)
    positions, index = [], [slice(None)]
    for i in range(nd):
        start, end = _adaptive_windows(spatial[i], out[i])
        pos = np.minimum(start[:, None] + np.arange(int((end - start).max()))[None, :], end[:, None] - 1)
        positions.append(pos)
        shape = [1] * (2 * nd)
        shape[2 * i], shape[2 * i + 1] = pos.shape
        index.append(pos.reshape(shape))
    win = x.reshape((b,) + spatial)[tuple(index)]                        # (B, O0, K0, O1, K1)
    kern = tuple(pos.shape[1] for pos in positions)
    order = (0,) + tuple(1 + 2 * i for i in range(nd)) + tuple(2 + 2 * i for i in range(nd))
    win = win.transpose(order).reshape((b,) + out + (math.prod(kern),))
    am = win.argmax(-1)                                                    # NOTE: the first maximum wins
    if x.dtype.kind == "f":
        nan = np.isnan(win)
        if nan.any():  # NOTE: PyTorch's kernel takes every NaN it meets as the new max: the last NaN wins
            am = np.where(nan.any(-1), win.shape[-1] - 1 - nan[..., ::-1].argmax(-1), am)
    res = wrap(np.take_along_axis(win, am[..., None], -1)[..., 0].reshape(lead + out))
    ks = np.unravel_index(am, kern)
    winner, flat = [np.arange(b).reshape((b,) + (1,) * nd)], 0
    for i in range(nd):
        o = np.arange(out[i]).reshape((1,) * (1 + i) + (out[i],) + (1,) * (nd - 1 - i))
        winner.append(positions[i][o, ks[i]])
        flat = flat * spatial[i] + winner[-1]
    if input._requires_grad and grad_mode.enabled:
        node = _NODES[f"AdaptiveMaxPool{nd}DBackward0"]()
        node.flat_out, node.flat_in, node.in_shape, node.index = (b,) + out, (b,) + spatial, x.shape, tuple(winner)
        record(node, (input,), (res,))
    if return_indices:
        return res, wrap(np.broadcast_to(flat, (b,) + out).reshape(lead + out).astype(np.int64))
    return res


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Max over ``output_size`` adaptive windows of the last dim ([floor(o*L/O), ceil((o+1)*L/O)))."""
    return _adaptive_max_pool(input, output_size, return_indices, 1)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max over adaptive windows of H and W (``output_size`` an int or (oH, oW); None keeps that size).
    With ``return_indices`` also the int64 position h*W + w of each maximum."""
    return _adaptive_max_pool(input, output_size, return_indices, 2)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=True):
    return _adaptive_max_pool(input, output_size, True, 1)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=True):
    return _adaptive_max_pool(input, output_size, True, 2)


# -- adaptive average pooling -----------------------------------------------------------------------------
def _adaptive_matrix(size, out, dtype):
    """M (out, size) with M[o, i] = 1/len(window o) for i in window o; None when out == size (identity)."""
    if out == size:
        return None
    start, end = _adaptive_windows(size, out)
    i = np.arange(size)
    inside = (i[None, :] >= start[:, None]) & (i[None, :] < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


class AdaptiveAvgPoolBackward(Node):
    """y = M_H x M_W^T (each M a constant averaging matrix): grad_x = M_H^T grad M_W."""

    __slots__ = ()

    def run(self, F, grad, diff):
        mh, mw = self.unpack(diff)
        g = grad if mw is None else F.matmul(grad, mw)
        return (g if mh is None else F.matmul(F.transpose(mh, 0, 1), g),)


def _adaptive_avg_pool(input, output_size, nd):
    name = f"adaptive_avg_pool{nd}d"
    x = input._data
    _check_dims(x, nd, name, name)
    spatial = x.shape[x.ndim - nd:]
    out = _output_size(output_size, spatial, nd)
    if any(s == 0 for s in spatial):
        raise RuntimeError(f"{name}(): Expected input to have non-zero size for non-batch dimensions, but input has "
                           f"sizes {list(x.shape)} with dimension {x.ndim - nd} being empty")
    mw = _adaptive_matrix(spatial[-1], out[-1], x.dtype)
    mh = _adaptive_matrix(spatial[0], out[0], x.dtype) if nd == 2 else None
    r = x if mw is None else np.matmul(x, mw.T)
    r = r if mh is None else np.matmul(mh, r)
    res = wrap(r.copy() if r is x else r)
    if input._requires_grad and grad_mode.enabled:
        node = _NODES[f"AdaptiveAvgPool{nd}DBackward0"]()
        record(node, (input,), (res,), (mh, mw))
    return res


def adaptive_avg_pool1d(input, output_size):
    """Mean over ``output_size`` adaptive windows ([floor(o*L/O), ceil((o+1)*L/O))) of the last dim."""
    return _adaptive_avg_pool(input, output_size, 1)


def adaptive_avg_pool2d(input, output_size):
    """Mean over adaptive windows of H and W: y = M_H x M_W^T (``output_size`` an int or (oH, oW); None
    keeps that size). Its gradient is M_H^T grad M_W."""
    return _adaptive_avg_pool(input, output_size, 2)


# PyTorch's node names, one subclass each (so that grad_fn's name and repr agree)
_NODES = {name: type(name, (base,), {"__slots__": ()}) for base, names in (
    (AdaptiveMaxPoolBackward, ("AdaptiveMaxPool1DBackward0", "AdaptiveMaxPool2DBackward0")),
    (AdaptiveAvgPoolBackward, ("AdaptiveAvgPool1DBackward0", "AdaptiveAvgPool2DBackward0"))) for name in names}

METHODS = []
FUNCTIONS = ["adaptive_avg_pool1d"]
