"""Ranges: ``arange``, ``linspace``, ``logspace`` (and the deprecated ``range``), with values
bit-identical to PyTorch's CPU kernels wherever ember can reproduce their arithmetic.

Floating ranges are not ``start + step * i`` evaluated naively: PyTorch's compiled kernels
use fused multiply-adds, a wider accumulation type, and for ``arange`` SIMD blocks in
which each lane adds ``k * step`` to a block base rounded to the output dtype. Each
function below follows its kernel step by step (see the NOTEs); the tests compare against
PyTorch exactly. Exported through ``ops/creation.py``.
"""
import builtins
import math
import warnings

import numpy as np

from .. import dtypes as _dt
from ..tensor import Tensor
from .creation import _check_options, _finish

__all__ = ["arange", "range", "linspace", "logspace"]

# Lanes per SIMD vector in PyTorch's CPU arange kernel (256-bit vectors): float64, float32, float16.
_LANES = {np.dtype(np.float64): 4, np.dtype(np.float32): 8, np.dtype(np.float16): 16}


def _split(x):
    """Veltkamp's split of float64 ``x`` into high and low halves of 26 bits (``x == hi + lo``)."""
    c = 134217729.0 * x  # 2**27 + 1
    hi = c - (c - x)
    return hi, x - hi


def fma(a, b, c):
    """``a * b + c`` rounded once, as a fused multiply-add does (float64 arrays or scalars).

    NOTE: NumPy has no fma. The product is made exact as ``p + e`` (Dekker's TwoProduct),
    the sum as ``s + t`` (Knuth's TwoSum); ``s + (t + e)`` is then the fused result (it can
    differ only when the exact value falls on a rounding midpoint, which ranges never hit).
    """
    a, b, c = np.asarray(a, np.float64), np.asarray(b, np.float64), np.asarray(c, np.float64)
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    s = p + c
    z = s - p
    t = (p - (s - z)) + (c - z)
    return s + (t + e)


def _num(x):
    return x.item() if isinstance(x, (Tensor, np.generic)) else x


def _is_int(x):
    return isinstance(x, (int, np.integer))  # bools count as ints, as in PyTorch


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None, requires_grad=False,
           pin_memory=False):
    """Values from ``start`` up to (not including) ``end``, ``step`` apart. ``arange(n)`` is 0..n-1.

    The dtype is int64 if all arguments are integers, else the default float dtype. The
    length is ``ceil((end - start) / step)`` computed in float64.

    Example::

        >>> import ember
        >>> ember.arange(5)
        tensor([0, 1, 2, 3, 4])
        >>> ember.arange(1, 2.5, 0.5)
        tensor([1.0000, 1.5000, 2.0000])
    """
    _check_options(layout, pin_memory)
    if end is None:
        start, end = 0, start
    if dtype is None and start.__class__ is int and end.__class__ is int and step.__class__ is int and step > 0 \
            and end >= start and out is None:  # fast path: arange(n), arange(a, b), arange(a, b, k)
        return _finish(np.arange(start, end, step, dtype=np.int64), requires_grad, device)
    start, end, step = _num(start), _num(end), _num(step)
    if dtype is None:
        dtype = _dt.int64 if _is_int(start) and _is_int(end) and _is_int(step) else _dt._default
    if not step:
        raise RuntimeError("step must be nonzero")
    if not (math.isfinite(start) and math.isfinite(end)):
        raise RuntimeError(f"unsupported range: {start} -> {end}")
    if not ((step > 0 and end >= start) or (step < 0 and end <= start)):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if dtype is _dt.bool:
        raise NotImplementedError("\"arange_cpu\" not implemented for 'Bool'")
    if dtype.is_floating_point:
        n = int(math.ceil((float(end) - float(start)) / float(step)))
        data = _arange_float(float(start), float(step), n, dtype.np)
    else:
        # NOTE: integer ranges run on truncated int64 arguments; int64 also counts its length
        # in integers (exact beyond 2**53), other integer types in float64.
        s, e, st = int(start), int(end), int(step)
        if dtype is _dt.int64:
            if st == 0:
                raise ValueError("step must be nonzero")
            n = -((s - e) // st)
        else:
            n = int(math.ceil((float(end) - float(start)) / float(step)))
        data = (s + st * np.arange(n, dtype=np.int64)).astype(dtype.np)
    return _finish(data, requires_grad, device, out)


def _arange_float(start, step, n, np_dtype):
    """PyTorch's CPU arange kernel for a floating dtype.

    NOTE: the kernel accumulates in float64 (float32 for float16). Elements are written in
    pairs of SIMD vectors: each vector starts at ``base = start + step * i`` rounded to the
    output dtype, and lane k holds ``base + k * step``; the leftover tail (fewer than two
    vectors) is ``start + step * i``. Every multiply-add is fused.
    NOTE: PyTorch splits a range of more than 32768 elements between its threads, each
    starting its own blocks, so beyond that size its last bits depend on its thread count;
    ember's values are those of PyTorch running on one thread.
    """
    lanes = _LANES[np_dtype]
    narrow = np_dtype == np.float16  # float16 accumulates in float32
    i = np.arange(n, dtype=np.float64)
    if narrow:
        start, step = float(np.float32(start)), float(np.float32(step))
    vals = fma(step, i, start)
    if narrow:
        vals = vals.astype(np.float32).astype(np.float64)
    blocked = n // (2 * lanes) * (2 * lanes)
    if blocked:
        base = vals[:blocked:lanes].astype(np_dtype).astype(np.float64)
        lanes_k = np.arange(lanes, dtype=np.float64)
        vals[:blocked] = fma(lanes_k[None, :], step, base[:, None]).reshape(-1)
    if narrow:
        vals = vals.astype(np.float32)
    return vals.astype(np_dtype)


def range(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """Deprecated in PyTorch: values from ``start`` to ``end`` inclusive; default float dtype."""
    warnings.warn("torch.range is deprecated and will be removed in a future release because its behavior is "
                  "inconsistent with Python's range builtin. Instead, use torch.arange, which produces values in "
                  "[start, end).", UserWarning, stacklevel=2)
    _check_options(layout)
    start, end, step = _num(start), _num(end), _num(step)
    if end is None:
        start, end = 0, start
    if not step:
        raise RuntimeError("step must be nonzero")
    if not ((step > 0 and end >= start) or (step < 0 and end <= start)):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    dtype = dtype or _dt._default
    n = int((end - start) / step) + 1
    data = (start + np.arange(n, dtype=np.float64) * step).astype(dtype.np)
    return _finish(data, requires_grad, device, out)


def _check_steps(steps):
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """``steps`` evenly spaced values from ``start`` to ``end``, both included.

    NOTE: as PyTorch's kernel does, the first half is ``start + step * i`` and the second
    half ``end - step * (steps - 1 - i)`` (so both ends are exact), with ``step`` and the
    fused multiply-adds in the output dtype (float64 for integer outputs, whose arguments
    are truncated first).

    Example::

        >>> import ember
        >>> ember.linspace(0, 1, 5)
        tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000])
    """
    _check_options(layout)
    _check_steps(steps)
    start, end = _num(start), _num(end)
    dtype = dtype or _dt._default
    np_dtype = dtype.np
    if steps <= 1:
        data = np.full(steps, _scalar_to(start, np_dtype), np_dtype)
    elif np_dtype.kind in "iub":
        s, e = float(_scalar_to(start, np_dtype)), float(_scalar_to(end, np_dtype))
        step = (e - s) / (steps - 1)
        data = _to_dtype(_two_halves(s, e, step, steps), np_dtype)
    elif np_dtype == np.float16:
        # Half arithmetic rounds after every operation; PyTorch does not fuse it.
        t = np.float16
        s, e = t(start), t(end)
        step = (e - s) / t(steps - 1)
        i = np.arange(steps).astype(t)
        data = np.where(i < steps // 2, s + step * i, e - step * (t(steps - 1) - i)).astype(t)
    else:
        t = np_dtype.type
        s, e = t(start), t(end)
        step = (e - s) / t(steps - 1)
        # for float32 the fused result is formed in float64, then rounded to float32: the same
        # as a float32 fma except on exact ties between two float32 values
        data = _two_halves(float(s), float(e), float(step), steps).astype(np_dtype)
    return _finish(data, requires_grad, device, out)


def _two_halves(s, e, step, steps):
    """``s + step * i`` for the first half, ``e - step * (steps - 1 - i)`` for the rest, fused."""
    i = np.arange(steps, dtype=np.float64)
    half = steps // 2
    return np.concatenate((fma(step, i[:half], s), fma(-step, steps - 1 - i[half:], e)))


def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    """``base ** linspace(start, end, steps)``, computed as PyTorch does: ``start`` and ``end``
    are first converted to the output dtype, the exponents are formed in float64 (two
    halves, as in ``linspace``, here without fused multiply-adds) and raised with ``pow``.

    Example::

        >>> import ember
        >>> ember.logspace(0, 2, 3)
        tensor([  1.,  10., 100.])
    """
    _check_options(layout)
    _check_steps(steps)
    start, end = _num(start), _num(end)
    np_dtype = (dtype or _dt._default).np
    if steps <= 1:
        exps = [float(start)] * steps
    else:
        s, e = _scalar_to(start, np_dtype), _scalar_to(end, np_dtype)
        step = float(e - s) / (steps - 1)
        s, e, half = float(s), float(e), steps // 2
        exps = [s + step * i for i in builtins.range(half)] + \
               [e - step * (steps - 1 - i) for i in builtins.range(half, steps)]
    # NOTE: math.pow is the C library's pow, as in PyTorch; NumPy's vectorized power can
    # differ from it in the last bit.
    base = float(base)
    data = np.array([math.pow(base, x) for x in exps], dtype=np.float64)
    return _finish(_to_dtype(data, np_dtype), requires_grad, device, out)


def _scalar_to(v, np_dtype):
    """A Python number in ``np_dtype`` as PyTorch's ``Scalar.to<T>()`` converts it: integer
    types refuse values they cannot hold (negative ints may wrap into unsigned types)."""
    if np_dtype.kind in "iub":
        if np_dtype.kind == "b":
            return np.bool_(v)
        info = np.iinfo(np_dtype)
        lo = info.min if isinstance(v, float) or np_dtype.kind == "i" else -int(info.max)
        if not lo <= v <= info.max:  # NaN fails too
            raise RuntimeError(f"value cannot be converted to type {np_dtype}_t without overflow")
        return np.array(int(v)).astype(np_dtype)[()]
    return np_dtype.type(v)


def _to_dtype(data, np_dtype):
    """float64 results into the output dtype; integers truncate (and wrap) as a C cast does
    (results beyond int64 are undefined in C and differ from PyTorch's)."""
    if np_dtype.kind in "iu":
        return data.astype(np.int64).astype(np_dtype)
    if np_dtype == np.float16:  # C++ converts double to Half through float
        data = data.astype(np.float32)
    return data.astype(np_dtype)
