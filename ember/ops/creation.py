"""Creating tensors: from data (``tensor``, ``as_tensor``, ``from_numpy``) and by shape
(``zeros``, ``ones``, ``full``, ``empty``, ``arange``, ``linspace``, ``logspace``, ``eye`` and
their ``*_like`` and ``new_*`` forms).

Dtypes follow PyTorch: Python floats give the default dtype (float32), ints int64,
bools bool; NumPy arrays keep their dtype.
"""
import math

import numpy as np

from .. import dtypes as _dt
from .._device import as_device
from ..tensor import Tensor
from .movement import shape_arg

_make = Tensor._make

__all__ = ["tensor", "as_tensor", "from_numpy", "asarray", "zeros", "ones", "full", "empty", "zeros_like",
           "ones_like", "full_like", "empty_like", "arange", "range", "linspace", "logspace", "eye",
           "scalar_tensor", "empty_strided", "complex", "polar", "tril_indices", "triu_indices"]


def _finish(data, requires_grad, device):
    as_device(device)
    t = _make(data)
    if requires_grad:
        if data.dtype.kind != "f":  # factories word it differently from requires_grad_()
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        t.requires_grad_(True)
    return t


def _infer_dtype(obj):
    """PyTorch's dtype for nested Python data: bool < int64 < default float."""
    kind = 0
    stack = [obj]
    while stack:
        x = stack.pop()
        if isinstance(x, bool) or isinstance(x, np.bool_):
            continue
        if isinstance(x, (int, np.integer)):
            kind = max(kind, 1)
        elif isinstance(x, (float, np.floating)):
            kind = 2
        elif isinstance(x, Tensor):
            d = x._data.dtype
            kind = max(kind, 2 if d.kind == "f" else (1 if d.kind in "iu" else 0))
            if d.kind == "f":
                return _dt.FROM_NP[d] if d != np.float32 else _dt.get_default_dtype()
        elif isinstance(x, (list, tuple)):
            stack.extend(x)
        elif isinstance(x, np.ndarray):
            return _dt.from_numpy_dtype(x.dtype)
        elif isinstance(x, complex):
            raise NotImplementedError("ember has no complex dtypes")
        else:
            raise TypeError(f"Could not infer dtype of {type(x).__name__}")
    return (_dt.bool, _dt.int64, _dt.get_default_dtype())[kind]


def _check_ragged(obj, depth=0):
    """PyTorch's ValueError for sequences of uneven length."""
    if isinstance(obj, (list, tuple)) and obj and isinstance(obj[0], (list, tuple)):
        n = len(obj[0])
        for x in obj:
            if not isinstance(x, (list, tuple)) or len(x) != n:
                got = len(x) if isinstance(x, (list, tuple)) else type(x).__name__
                raise ValueError(f"expected sequence of length {n} at dim {depth + 1} (got {got})")
            _check_ragged(x, depth + 1)


def _to_array(data, dtype):
    """A fresh ndarray holding ``data`` in ``dtype`` (an ember dtype or None to infer)."""
    if isinstance(data, Tensor):
        arr = data._data
        return np.array(arr, dtype=dtype.np if dtype is not None else arr.dtype, copy=True)
    if isinstance(data, np.ndarray):
        if dtype is None:
            dtype = _dt.from_numpy_dtype(data.dtype)
        return np.array(data, dtype=dtype.np, copy=True)
    if isinstance(data, np.generic):
        return np.array(data, dtype=(dtype or _dt.from_numpy_dtype(data.dtype)).np)
    if dtype is None:
        dtype = _infer_dtype(data)
    if isinstance(data, (list, tuple)):
        _check_ragged(data)
        data = _unwrap_nested(data)
    try:
        return np.array(data, dtype=dtype.np)
    except (TypeError, ValueError) as e:
        raise TypeError(f"tensor(): could not convert data of type {type(data).__name__}: {e}") from None


def _unwrap_nested(data):
    if isinstance(data, Tensor):
        if data._data.size != 1 and data._data.ndim == 0 or data._data.ndim > 0 and False:
            pass
        return data._data.tolist() if data._data.ndim else data._data.item()
    if isinstance(data, (list, tuple)):
        return [_unwrap_nested(x) for x in data]
    return data


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of ``data`` (nested lists, numbers, arrays, tensors).

    Example::

        >>> import ember
        >>> ember.tensor([1., 2.], requires_grad=True)
        tensor([1., 2.], requires_grad=True)
        >>> ember.tensor([1, 2]).dtype
        torch.int64
    """
    return _finish(_to_array(data, dtype), requires_grad, device)


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor`` but without a copy where possible (same-dtype arrays and tensors)."""
    as_device(device)
    if isinstance(data, Tensor):
        return data if dtype is None or data.dtype is dtype else data.to(dtype)
    if isinstance(data, np.ndarray) and (dtype is None or data.dtype == dtype.np):
        _dt.from_numpy_dtype(data.dtype)
        return _make(data)
    return tensor(data, dtype=dtype)


asarray = as_tensor


def from_numpy(ndarray):
    """A tensor sharing memory with ``ndarray`` (changes to one show in the other)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _dt.from_numpy_dtype(ndarray.dtype)
    if not ndarray.dtype.isnative:
        raise ValueError("given numpy array has byte order different from the native byte order. "
                         "Conversion between byte orders is currently not supported.")
    return _make(ndarray)


def _dtype_or_default(dtype):
    return (dtype or _dt.get_default_dtype()).np


def _filled(fill, size, dtype, device, requires_grad, name):
    shape = shape_arg(size)
    for s in shape:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: [{', '.join(map(str, shape))}]")
    return _finish(fill(shape, _dtype_or_default(dtype)), requires_grad, device)


def zeros(*size, dtype=None, device=None, requires_grad=False, layout=None, out=None):
    """A tensor of zeros of the given size (default dtype: float32)."""
    return _filled(np.zeros, size, dtype, device, requires_grad, "zeros")


def ones(*size, dtype=None, device=None, requires_grad=False, layout=None, out=None):
    """A tensor of ones of the given size."""
    return _filled(np.ones, size, dtype, device, requires_grad, "ones")


def empty(*size, dtype=None, device=None, requires_grad=False, layout=None, memory_format=None, pin_memory=False,
          out=None):
    """An uninitialized tensor of the given size."""
    return _filled(np.empty, size, dtype, device, requires_grad, "empty")


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False, layout=None, out=None):
    """A tensor of ``size`` filled with ``fill_value``; the dtype follows the value
    (bool, int64, or the default float) unless given."""
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    if dtype is None:
        dtype = _dt.scalar_dtype(fill_value)
    shape = shape_arg((size,))
    return _finish(np.full(shape, fill_value, dtype.np), requires_grad, device)


def _like(fill, input, dtype, requires_grad, device):
    dt = dtype.np if dtype is not None else input._data.dtype
    return _finish(fill(input._data.shape, dt), requires_grad, device)


def zeros_like(input, *, dtype=None, device=None, requires_grad=False, layout=None, memory_format=None):
    return _like(np.zeros, input, dtype, requires_grad, device)


def ones_like(input, *, dtype=None, device=None, requires_grad=False, layout=None, memory_format=None):
    return _like(np.ones, input, dtype, requires_grad, device)


def empty_like(input, *, dtype=None, device=None, requires_grad=False, layout=None, memory_format=None):
    return _like(np.empty, input, dtype, requires_grad, device)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False, layout=None,
              memory_format=None):
    dt = dtype.np if dtype is not None else input._data.dtype
    return _finish(np.full(input._data.shape, fill_value, dt), requires_grad, device)


def _num(x):
    return x.item() if isinstance(x, Tensor) else x


def arange(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False, layout=None, out=None):
    """Values from ``start`` up to (not including) ``end`` by ``step``. Integer arguments give int64,
    any float argument the default float dtype."""
    start, end, step = _num(start), _num(end), _num(step)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0 and end != start:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if dtype is None:
        dtype = _dt.int64 if all(isinstance(v, (int, np.integer)) for v in (start, end, step)) else \
            _dt.get_default_dtype()
    n = max(int(math.ceil((end - start) / step)), 0)
    # NOTE: computed in float64 (or int64) then cast, as PyTorch does, so float32 ranges
    # have the same length and values as PyTorch's.
    if dtype.is_floating_point:
        data = (start + np.arange(n, dtype=np.float64) * step).astype(dtype.np)
    else:
        data = np.arange(start, start + n * step, step, dtype=np.int64)[:n].astype(dtype.np)
    return _finish(data, requires_grad, device)


def range(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """Deprecated in PyTorch: like arange but including ``end``; default float dtype."""
    if end is None:
        start, end = 0, start
    n = int(math.floor((end - start) / step)) + 1
    dtype = dtype or _dt.get_default_dtype()
    return _finish((start + np.arange(n) * step).astype(dtype.np), requires_grad, device)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False, layout=None, out=None):
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    start, end = _num(start), _num(end)
    if steps < 0:
        raise RuntimeError("linspace(): number of steps must be non-negative")
    dtype = dtype or _dt.get_default_dtype()
    # NOTE: PyTorch fills the first half forward from start and the second half backward
    # from end; doing the same keeps float32 values bit-identical to PyTorch's.
    if steps == 1:
        data = np.array([start], dtype=np.float64)
    else:
        step = (end - start) / (steps - 1)
        i = np.arange(steps, dtype=np.float64)
        half = steps // 2
        data = np.where(i < half, start + step * i, end - step * (steps - 1 - i))
    if dtype.is_floating_point:
        data = _linspace_in(dtype, start, end, steps) if dtype is not _dt.float64 else data
    else:
        data = data.astype(dtype.np)
    return _finish(np.asarray(data).astype(dtype.np), requires_grad, device)


def _linspace_in(dtype, start, end, steps):
    """linspace computed in ``dtype`` arithmetic, as PyTorch's CPU kernel does."""
    t = dtype.np.type
    if steps == 1:
        return np.array([start], dtype=dtype.np)
    step = t((end - start) / (steps - 1))
    i = np.arange(steps).astype(dtype.np)
    half = steps // 2
    s, e = t(start), t(end)
    return np.where(i < half, s + step * i, e - step * (t(steps - 1) - i)).astype(dtype.np)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False, layout=None,
             out=None):
    """``base ** linspace(start, end, steps)``."""
    dtype = dtype or _dt.get_default_dtype()
    exps = linspace(start, end, steps, dtype=_dt.float64)._data
    return _finish(np.power(base, exps).astype(dtype.np), requires_grad, device)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False, layout=None, out=None):
    """The n x m identity matrix."""
    return _finish(np.eye(n, n if m is None else m, dtype=_dtype_or_default(dtype)), requires_grad, device)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False):
    return _finish(np.array(s, dtype=_dtype_or_default(dtype)), requires_grad, device)


def empty_strided(size, stride, *, dtype=None, device=None, requires_grad=False):
    return empty(size, dtype=dtype, device=device, requires_grad=requires_grad)


def complex(real, imag):
    raise NotImplementedError("ember has no complex dtypes")


polar = complex


def tril_indices(row, col, offset=0, *, dtype=None, device=None):
    r, c = np.tril_indices(row, offset, col)
    return _finish(np.stack([r, c]).astype((dtype or _dt.int64).np), False, device)


def triu_indices(row, col, offset=0, *, dtype=None, device=None):
    r, c = np.triu_indices(row, offset, col)
    return _finish(np.stack([r, c]).astype((dtype or _dt.int64).np), False, device)


# -- Tensor.new_* : same dtype and device as self unless told otherwise --------------------------------
def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
    return tensor(data, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
    return zeros(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
    return ones(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
    return empty(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    return full(size, fill_value, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


METHODS = ["new_tensor", "new_zeros", "new_ones", "new_empty", "new_full"]
FUNCTIONS = __all__
