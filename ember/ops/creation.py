"""Creating tensors: from data (``tensor``, ``as_tensor``, ``from_numpy``) and by shape
(``zeros``, ``ones``, ``full``, ``empty``, ``eye`` and their ``*_like`` and ``new_*`` forms).
Ranges (``arange``, ``linspace``, ``logspace``) live in ``ops/ranges.py``, the reading of
nested Python data in ``ops/_nested.py``.

Dtypes follow PyTorch: a Python float gives the default dtype (float32 unless changed
with ``set_default_dtype``), an int int64, a bool bool; NumPy arrays and scalars and
ember tensors keep their dtype; a nested list takes the promotion of its elements' types.
"""
import builtins
import operator
import warnings

import numpy as np

from .. import dtypes as _dt
from .._device import as_device
from ..tensor import Tensor
from ._nested import from_python

_make = Tensor._make

__all__ = ["tensor", "as_tensor", "asarray", "from_numpy", "zeros", "ones", "full", "empty", "eye",
           "zeros_like", "ones_like", "full_like", "empty_like", "scalar_tensor", "empty_strided", "complex",
           "polar", "tril_indices", "triu_indices"]


def _finish(data, requires_grad, device, out=None):
    """Wrap a freshly made array; ``requires_grad`` is checked as on any leaf (floats only)."""
    as_device(device)
    if out is not None:
        return _write_out(out, data)
    t = _make(data)
    if requires_grad:
        if data.dtype.kind != "f":  # factories word it differently from requires_grad_()
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        t.requires_grad_(True)
    return t


def _write_out(out, data):
    """``out=``: the result replaces ``out``'s contents (resized if needed), keeping ``out``'s dtype."""
    if not isinstance(out, Tensor):
        raise TypeError(f"argument 'out' must be Tensor, not {type(out).__name__}")
    if out._data.shape == data.shape:
        np.copyto(out._data, data, casting="unsafe")
    else:
        out._data = data.astype(out._data.dtype)
    out._bump()
    return out


def _check_options(layout=None, pin_memory=False, memory_format=None):
    """The layout/memory options ember has one value for; anything else is refused by name."""
    if layout is not None and layout is not _dt.strided:
        raise NotImplementedError(f"layout={layout} is not supported by ember (only torch.strided)")
    if pin_memory:
        raise RuntimeError("pin_memory=True needs an accelerator; ember has none")
    if memory_format not in (None, _dt.preserve_format, _dt.contiguous_format):
        raise NotImplementedError(f"memory_format={memory_format} is not supported by ember")


def _size(args, name):
    """PyTorch's size arguments: ``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])``, ``f(Size)``, ``f()``."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = args[0]
    try:
        shape = tuple(map(operator.index, args))
    except TypeError:
        bad = next(a for a in args if not hasattr(a, "__index__"))
        raise TypeError(f"{name}(): argument 'size' must be tuple of ints, but found element of type "
                        f"{type(bad).__name__}") from None
    for s in shape:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: [{', '.join(map(str, shape))}]")
    return shape


# -- from data --------------------------------------------------------------------------
def _to_array(data, dtype):
    """A fresh C-contiguous ndarray holding ``data`` in ``dtype`` (an ember dtype or None to infer)."""
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use sourceTensor.clone().detach() "
                      "or sourceTensor.clone().detach().requires_grad_(True), rather than torch.tensor(sourceTensor).",
                      UserWarning, stacklevel=3)
        arr = data._data
    elif isinstance(data, (np.ndarray, np.generic)):
        arr = data
        _dt.from_numpy_dtype(arr.dtype)  # TypeError for dtypes ember lacks
    else:
        return from_python(data, dtype)
    return np.array(arr, dtype=dtype.np if dtype is not None else arr.dtype, order="C")


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of ``data``: nested lists/tuples of numbers, a number, a NumPy
    array or scalar, or a tensor (copied and cut from the graph).

    Args:
        dtype: the element type; inferred from ``data`` when None (see the module docstring).
        requires_grad: make the result a leaf that records operations (floating dtypes only).

    Example::

        >>> import ember
        >>> ember.tensor([1., 2.], requires_grad=True)
        tensor([1., 2.], requires_grad=True)
        >>> ember.tensor([[1, 2], [3, 4]]).dtype
        torch.int64
    """
    _check_options(pin_memory=pin_memory)
    return _finish(_to_array(data, dtype), requires_grad, device)


def as_tensor(data, dtype=None, device=None):
    """``data`` as a tensor, without a copy when it already is one of ``dtype`` (a tensor is
    returned as is, an ndarray is shared as by ``from_numpy``); otherwise like ``tensor``."""
    as_device(device)
    if isinstance(data, Tensor):
        return data if dtype is None or data._data.dtype == dtype.np else data.to(dtype)
    if isinstance(data, np.ndarray) and (dtype is None or data.dtype == dtype.np) and min(data.strides, default=0) >= 0:
        return from_numpy(data)
    return tensor(data, dtype=dtype)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    """Like ``as_tensor``; ``copy=True`` always copies, ``copy=False`` refuses to."""
    if copy:
        t = tensor(obj, dtype=dtype, device=device)
    else:
        t = as_tensor(obj, dtype=dtype, device=device)
        if copy is False and not (t is obj or isinstance(obj, np.ndarray) and t._data is obj):
            raise ValueError("asarray(): copy=False but a copy is needed (dtype or type change)")
    if requires_grad:
        t.requires_grad_(True)
    return t


def from_numpy(ndarray):
    """A tensor sharing memory with ``ndarray``: writes to either are seen by the other.

    Example::

        >>> import numpy as np, ember
        >>> a = np.zeros(2); t = ember.from_numpy(a); a[0] = 5; t
        tensor([5., 0.], dtype=torch.float64)
    """
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _dt.from_numpy_dtype(ndarray.dtype)
    if not ndarray.dtype.isnative:
        raise ValueError("given numpy array has byte order different from the native byte order. "
                         "Conversion between byte orders is currently not supported.")
    if min(ndarray.strides, default=0) < 0:
        raise ValueError("At least one stride in the given numpy array is negative, and tensors with negative "
                         "strides are not currently supported. (You can probably work around this by making a "
                         "copy of your array  with array.copy().) ")
    return _make(ndarray)


# -- by shape ---------------------------------------------------------------------------------
def _dtype_np(dtype):
    return (dtype or _dt._default).np


def zeros(*args, size=None, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))`` (default dtype float32)."""
    _check_options(layout, pin_memory)
    shape = _size(args if size is None else (size,), "zeros")
    return _finish(np.zeros(shape, _dtype_np(dtype)), requires_grad, device, out)


def ones(*args, size=None, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    """A tensor of ones of the given size."""
    _check_options(layout, pin_memory)
    shape = _size(args if size is None else (size,), "ones")
    return _finish(np.ones(shape, _dtype_np(dtype)), requires_grad, device, out)


def empty(*args, size=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, memory_format=None):
    """An uninitialized tensor of the given size (its values are whatever the memory held)."""
    _check_options(layout, pin_memory, memory_format)
    shape = _size(args if size is None else (size,), "empty")
    return _finish(np.empty(shape, _dtype_np(dtype)), requires_grad, device, out)


def _fill_dtype(fill_value):
    """Python value of a fill argument, and the dtype it implies (bool, int64 or default float)."""
    if isinstance(fill_value, (Tensor, np.generic)):
        fill_value = fill_value.item()
    if isinstance(fill_value, builtins.complex):
        raise NotImplementedError("ember has no complex dtypes")
    return fill_value, _dt.scalar_dtype(fill_value)


def _full_array(shape, fill_value, np_dtype):
    try:
        return np.full(shape, fill_value, np_dtype)
    except OverflowError:
        raise RuntimeError(f"value cannot be converted to type {np_dtype}_t without overflow") from None


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False):
    """A tensor of ``size`` filled with ``fill_value``; its dtype follows the value (bool, int64
    or the default float) unless given. ``full((2,), 2)`` is int64, ``full((2,), 2.)`` float32."""
    _check_options(layout, pin_memory)
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"full(): argument 'size' (position 1) must be tuple of ints, not {type(size).__name__}")
    fill_value, implied = _fill_dtype(fill_value)
    data = _full_array(_size((size,), "full"), fill_value, (dtype or implied).np)
    return _finish(data, requires_grad, device, out)


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    """The ``n`` x ``m`` identity matrix (``m`` defaults to ``n``)."""
    _check_options(layout, pin_memory)
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    if m is not None and m < 0:
        raise RuntimeError(f"m must be greater or equal to 0, got {m}")
    return _finish(np.eye(n, n if m is None else m, dtype=_dtype_np(dtype)), requires_grad, device, out)


def _like(fill, input, dtype, layout, device, requires_grad, memory_format):
    """``fill(shape, dtype)`` in the shape of ``input`` (and its dtype unless one is given)."""
    _check_options(layout, memory_format=memory_format)
    np_dtype = dtype.np if dtype is not None else input._data.dtype
    return _finish(fill(input._data.shape, np_dtype), requires_grad, device)


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    """Zeros in the shape and dtype of ``input``."""
    return _like(np.zeros, input, dtype, layout, device, requires_grad, memory_format)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    """Ones in the shape and dtype of ``input``."""
    return _like(np.ones, input, dtype, layout, device, requires_grad, memory_format)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    """An uninitialized tensor in the shape and dtype of ``input``."""
    return _like(np.empty, input, dtype, layout, device, requires_grad, memory_format)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    """``fill_value`` in the shape and dtype of ``input`` (the value is cast: 2.7 -> 2 for ints)."""
    fill_value = _fill_dtype(fill_value)[0]
    return _like(lambda shape, dt: _full_array(shape, fill_value, dt), input, dtype, layout, device,
                 requires_grad, memory_format)


def scalar_tensor(s, *, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    """A 0-d tensor holding ``s`` (default float dtype unless given, whatever the type of ``s``)."""
    _check_options(layout, pin_memory)
    return _finish(np.array(_fill_dtype(s)[0], dtype=_dtype_np(dtype)), requires_grad, device)


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    """An uninitialized tensor with the given element strides (over a buffer just large enough)."""
    _check_options(layout, pin_memory)
    shape, stride = _size((size,), "empty_strided"), tuple(stride)
    np_dtype = np.dtype(_dtype_np(dtype))
    span = 1 + sum((n - 1) * s for n, s in zip(shape, stride)) if all(shape) else 0
    buf = np.empty(span, np_dtype)
    data = np.lib.stride_tricks.as_strided(buf, shape, tuple(s * np_dtype.itemsize for s in stride))
    return _finish(data, requires_grad, device)


def complex(real, imag, *, out=None):
    """Not available: ember has no complex dtypes."""
    raise NotImplementedError("ember has no complex dtypes")


def polar(abs, angle, *, out=None):
    """Not available: ember has no complex dtypes."""
    raise NotImplementedError("ember has no complex dtypes")


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (2, N) indices of the lower triangle of a ``row`` x ``col`` matrix, row by row."""
    r, c = np.tril_indices(row, offset, col)
    return _finish(np.stack([r, c]).astype((dtype or _dt.int64).np), False, device)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (2, N) indices of the upper triangle of a ``row`` x ``col`` matrix, row by row."""
    r, c = np.triu_indices(row, offset, col)
    return _finish(np.stack([r, c]).astype((dtype or _dt.int64).np), False, device)


# -- Tensor.new_*: the dtype (and device) of ``self`` unless told otherwise -------------------------
def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    """A copy of ``data`` as a tensor of ``self``'s dtype."""
    return tensor(data, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


def new_zeros(self, *size, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    """Zeros of the given size in ``self``'s dtype."""
    return zeros(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


def new_ones(self, *size, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    """Ones of the given size in ``self``'s dtype."""
    return ones(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


def new_empty(self, *size, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    """An uninitialized tensor of the given size in ``self``'s dtype."""
    return empty(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False, layout=None,
             pin_memory=False):
    """``fill_value`` in the given size and ``self``'s dtype."""
    return full(size, fill_value, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


METHODS = ["new_tensor", "new_zeros", "new_ones", "new_empty", "new_full"]


# The range functions live in their own module (they need their kernels' arithmetic) and are exported from here.
from .ranges import arange, range, linspace, logspace  # noqa: E402

__all__ += ["arange", "range", "linspace", "logspace"]
FUNCTIONS = __all__
