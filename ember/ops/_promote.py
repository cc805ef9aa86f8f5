"""Operand preparation for the elementwise ops: PyTorch's dtype promotion of two arrays or of
an array and a Python scalar, Python scalars as cached 0-d arrays of a tensor's dtype, and the
NumPy-scalar math that 0-d float tensors use instead of ufunc calls.

Used by the op decorators in ``_scaffold.py`` (every binary op), by the in-place ops and by
the optimizers; kept apart from the decorators because it is about operands, not graphs.
"""
import operator

import numpy as np

from .. import dtypes as _dt

__all__ = ["promote_pair", "promote_scalar", "scalar_array", "SCALAR_OPS"]

_ndarray = np.ndarray


_PAIR_CACHE = {}


def promote_pair(a, b):
    """Cast two arrays to PyTorch's common dtype (0-d arrays rank below dimensioned ones)."""
    key = (a.dtype, b.dtype, a.ndim == 0, b.ndim == 0)
    target = _PAIR_CACHE.get(key)
    if target is None:
        da, db = _dt.FROM_NP[a.dtype], _dt.FROM_NP[b.dtype]
        if key[2] == key[3]:
            target = _dt.promote_types(da, db)
        elif key[3]:  # b is 0-d
            target = _dt._combine(da, db)
        else:
            target = _dt._combine(db, da)
        target = _PAIR_CACHE[key] = target.np
    if a.dtype != target:
        a = a.astype(target)
    if b.dtype != target:
        b = b.astype(target)
    return a, b


_SCALARS = {np.dtype(np.float32): {}, np.dtype(np.float64): {}}  # dtype -> {number: 0-d array}


_NO_CACHE = {}

#: The Python operator of each arithmetic kernel, for math on NumPy scalars.
#: NOTE: a ufunc call on 0-d arrays costs about 0.2 us and returns a NumPy scalar anyway; the
#: same operation on NumPy scalars (``a[()] * b``) costs 0.03 us, in the same dtype with the
#: same rounding. ember uses it for 0-d float tensors (learning rates times 0-d gradients,
#: in-place updates of 0-d parameters), which training loops do several times a step.
SCALAR_OPS = {np.add: operator.add, np.subtract: operator.sub, np.multiply: operator.mul,
              np.true_divide: operator.truediv}


def scalar_array(s, dt):
    """Python number ``s`` as a read-only 0-d array of float dtype ``dt``, cached.

    NOTE: NumPy converts a Python float operand on every call (0.2 us); a 0-d array of the
    tensor's own dtype gives the same result, as PyTorch computes it (the scalar cast to the
    tensor's dtype), without that cost. Zero is never cached (0.0 and -0.0 are one dict key)
    and float16 keeps NumPy's own scalar handling."""
    cache = _SCALARS.get(dt)
    if cache is None or not s:
        return s
    a = cache.get(s)
    if a is None:
        if len(cache) > 256:  # a decaying learning rate makes new scalars forever
            cache.clear()
        a = cache[s] = np.array(s, dt)
        a.flags.writeable = False
    return a


def promote_scalar(d, s):
    """Array ``d`` and Python scalar ``s`` in PyTorch's result dtype (the scalar never widens
    a tensor of its own category)."""
    if s.__class__ not in (int, float, bool):
        if isinstance(s, np.generic):
            s = s.item()
        elif isinstance(s, _ndarray):  # a raw array where a scalar was expected
            return promote_pair(d, s)
        else:
            raise TypeError(f"unsupported operand type: {type(s).__name__}")
    kind = d.dtype.kind
    if s.__class__ is float:
        if kind != "f":
            d = d.astype(_dt._default.np)
    elif s.__class__ is int:
        if kind == "b":
            d = d.astype(np.int64)
        elif kind in "iu":
            info = np.iinfo(d.dtype)
            if not info.min <= s <= info.max:  # PyTorch wraps around; NumPy 2 would raise
                s = np.array(s).astype(d.dtype)[()]
    return d, s
