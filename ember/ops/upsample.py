"""Resizing: ``interpolate`` (modes 'nearest', 'nearest-exact', 'linear', 'bilinear', 'trilinear', 'bicubic',
'area')
and the deprecated ``upsample``, ``upsample_nearest``, ``upsample_bilinear``.

Every mode is separable: it resizes one spatial dim at a time.

* nearest:        y[o] = x[min(floor(o * scale), L - 1)]              (PyTorch's formula, in float32)
* nearest-exact:  y[o] = x[min(floor((o + 0.5) * scale), L - 1)]
* linear:         y[o] = (1 - t) * x[i0] + t * x[i1], with src = (o + 0.5) * scale - 0.5 clamped at 0
                  (or src = o * (L - 1) / (O - 1) with ``align_corners``), i0 = floor(src),
                  i1 = min(i0 + 1, L - 1), t = src - i0. As a matrix: y = M x with M (O, L) holding
                  1 - t and t; bilinear and trilinear apply it along each dim.
* bicubic:        y[o] = sum_{j=0..3} c_j(t) * x[clamp(i0 - 1 + j, 0, L - 1)], src as for linear but not
                  clamped, t = src - i0, c_j Keys' cubic convolution weights with A = -0.75 (a matrix too).
* area:           adaptive average pooling.

``scale`` is 1 / scale_factor when a scale factor is given (and not ``recompute_scale_factor``),
else L / O. Gradients: nearest is a gather (``index_select``, whose gradient scatter-adds), linear a
product with a constant matrix (gradient M^T grad), bicubic too; both composites, so double backward works.
"""
import math

import numpy as np

from ._scaffold import wrap
from .adaptive_pooling import adaptive_avg_pool1d, adaptive_avg_pool2d

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear"]

_MODES = "nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact"
_LINEAR = {"linear": 1, "bilinear": 2, "trilinear": 3, "bicubic": 2}


def _nearest_index(size, out, scale, exact):
    """Source index per output position, computed in float32 as PyTorch's CPU kernel does."""
    if out == size and not exact:
        return np.arange(out)
    if out == 2 * size and not exact:
        return np.arange(out) >> 1
    s = np.float32(1.0 / scale) if scale is not None and scale > 0 else np.float32(size) / np.float32(out)
    o = np.arange(out, dtype=np.float32) + (np.float32(0.5) if exact else np.float32(0))
    return np.minimum(np.floor(o * s).astype(np.int64), size - 1)


def _linear_matrix(size, out, scale, align_corners, dtype):
    """M (out, size): row o holds weights 1 - t at i0 and t at i1 (see the module docstring)."""
    if align_corners:
        s = (size - 1) / (out - 1) if out > 1 else 0.0
        src = np.arange(out, dtype=dtype) * dtype.type(s)
    else:
        s = 1.0 / scale if scale is not None and scale > 0 else size / out
        src = np.maximum((np.arange(out, dtype=dtype) + dtype.type(0.5)) * dtype.type(s) - dtype.type(0.5), 0)
    i0 = src.astype(np.int64)
    i1 = i0 + (i0 < size - 1)
    t = np.clip(src - i0, 0, 1).astype(dtype)
    m = np.zeros((out, size), dtype)
    rows = np.arange(out)
    np.add.at(m, (rows, i0), 1 - t)
    np.add.at(m, (rows, i1), t)
    return m


def _cubic_matrix(size, out, scale, align_corners, dtype):
    """M (out, size) for bicubic: 4 taps per row with Keys' weights (A = -0.75), edges clamped."""
    if align_corners:
        src = np.arange(out, dtype=dtype) * dtype.type((size - 1) / (out - 1) if out > 1 else 0.0)
    else:
        s = 1.0 / scale if scale is not None and scale > 0 else size / out
        src = (np.arange(out, dtype=dtype) + dtype.type(0.5)) * dtype.type(s) - dtype.type(0.5)
    i0 = np.minimum(np.floor(src).astype(np.int64), size - 1)
    t = np.clip(src - i0, 0, 1).astype(dtype)
    a = -0.75
    near = lambda x: ((a + 2) * x - (a + 3)) * x * x + 1           # noqa: E731  |x| <= 1
    far = lambda x: ((a * x - 5 * a) * x + 8 * a) * x - 4 * a      # noqa: E731  1 < |x| < 2
    m = np.zeros((out, size), dtype)
    rows = np.arange(out)
    for j, c in enumerate((far(t + 1), near(t), near(1 - t), far(2 - t))):
        np.add.at(m, (rows, np.clip(i0 - 1 + j, 0, size - 1)), c.astype(dtype))
    return m


def _along(x, dim, fn):
    """Apply ``fn`` (acting on the last dim) along dim ``dim``."""
    if dim == x.ndim - 1:
        return fn(x)
    return fn(x.transpose(dim, -1)).transpose(dim, -1)


def _sizes(input, size, scale_factor, recompute_scale_factor, nd):
    spatial = tuple(input.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if recompute_scale_factor is not None and recompute_scale_factor:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
        if isinstance(size, (list, tuple)):
            if len(size) != nd:
                raise ValueError("Input and output must have the same number of spatial dimensions, but got input "
                                 f"with spatial dimensions of {list(spatial)} and output size of {size}. Please "
                                 "provide input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, "
                                 "...,oK) format.")
            out = tuple(int(s) for s in size)
        else:
            out = (int(size),) * nd
        return out, (None,) * nd
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    if isinstance(scale_factor, (list, tuple)):
        if len(scale_factor) != nd:
            raise ValueError("Input and scale_factor must have the same number of spatial dimensions, but got input "
                             f"with spatial dimensions of {list(spatial)} and scale_factor of shape {scale_factor}. "
                             "Please provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, "
                             "s2, ...,sK) format.")
        scales = tuple(float(s) for s in scale_factor)
    else:
        scales = (float(scale_factor),) * nd
    out = tuple(int(math.floor(float(spatial[i]) * scales[i])) for i in range(nd))
    # NOTE: recomputed, the kernel sees no scale and uses L / O (PyTorch's behaviour)
    return out, ((None,) * nd if recompute_scale_factor else scales)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None,
                antialias=False):
    """Resize the spatial dims of (N, C, L), (N, C, H, W) or (N, C, D, H, W) to ``size`` or by
    ``scale_factor`` (see the module docstring for the formulas of each mode).

    Example::

        >>> import ember
        >>> ember.nn.functional.interpolate(ember.tensor([[[1., 2.]]]), scale_factor=2, mode="linear")
        tensor([[[1.0000, 1.2500, 1.7500, 2.0000]]])
    """
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported by ember")
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    nd = input.ndim - 2
    if nd not in (1, 2, 3):
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for "
                                  f"the modes: {_MODES} (got {mode})")
    out, scales = _sizes(input, size, scale_factor, recompute_scale_factor, nd)
    if mode in ("nearest", "nearest-exact"):
        res = input
        for i in range(nd):
            idx = wrap(_nearest_index(input.shape[2 + i], out[i], scales[i], mode == "nearest-exact"))
            res = res.index_select(2 + i, idx)
        return res if res is not input else input.clone()
    if mode in _LINEAR:
        if _LINEAR[mode] != nd:
            raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs {_LINEAR[mode] + 2}D input")
        if input.dtype.is_floating_point is False:
            raise RuntimeError(f'"upsample_{mode}{nd}d_out_frame" not implemented for '
                               f"'{str(input.dtype).split('.')[-1].capitalize()}'")
        res = input
        dtype = input._data.dtype
        for i in range(nd):
            make = _cubic_matrix if mode == "bicubic" else _linear_matrix
            m = wrap(np.ascontiguousarray(make(input.shape[2 + i], out[i], scales[i], align_corners, dtype).T))
            res = _along(res, 2 + i, lambda t: t.matmul(m))
        return res
    if mode == "area":
        if nd == 3:
            raise NotImplementedError("interpolate: mode='area' for 5-D input is not supported by ember")
        return (adaptive_avg_pool1d if nd == 1 else adaptive_avg_pool2d)(input, out if nd == 2 else out[0])
    raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for the "
                              f"modes: {_MODES} (got {mode})")


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated alias of ``interpolate``."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(..., mode='nearest')``."""
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(..., mode='bilinear', align_corners=True)``."""
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


METHODS = []
