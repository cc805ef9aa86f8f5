"""Reading nested Python data (``ember.tensor([[1, 2], [3, 4.5]])``) the way PyTorch does.

The dtype is the promotion of the elements' dtypes: a Python bool is bool, an int int64,
a float the default dtype; NumPy scalars and arrays and ember tensors bring their own.
So ``[1, 2.5]`` is float32 and ``[np.float64(1), 2]`` float64. Ragged data and values
that do not fit the requested dtype raise PyTorch's errors.
"""
import warnings

import numpy as np

from .. import dtypes as _dt
from ..tensor import Tensor

__all__ = ["from_python"]


def _leaf_dtype(x):
    """The dtype PyTorch gives one non-sequence element of the data."""
    if isinstance(x, (np.ndarray, np.generic)):  # first: np.float64 is also a Python float
        return _dt.from_numpy_dtype(x.dtype)
    if isinstance(x, bool):
        return _dt.bool
    if isinstance(x, int):
        return _dt.int64
    if isinstance(x, float):
        return _dt._default
    if isinstance(x, Tensor):
        return _dt.FROM_NP[x._data.dtype]
    if isinstance(x, (complex, np.complexfloating)):
        raise NotImplementedError("ember has no complex dtypes")
    if isinstance(x, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(x).__name__}'")
    raise RuntimeError(f"Could not infer dtype of {type(x).__name__}")


_PLAIN = {float: 2, int: 1, bool: 0}
_SEQUENCES = (list, tuple, range)


def _infer_dtype(data, found):
    """PyTorch's dtype for nested data: the promotion of its elements' dtypes (None if empty).

    ``found`` collects a flag when tensors are met (they need unwrapping before NumPy sees them).
    """
    if not isinstance(data, _SEQUENCES):
        if isinstance(data, Tensor):
            found.append(True)
        return _leaf_dtype(data)
    # NOTE: classify a whole list at C speed first: long lists of plain numbers are the common case.
    kinds = set(map(type, data))
    if kinds and all(k in _PLAIN for k in kinds):
        return (_dt.bool, _dt.int64, _dt._default)[max(_PLAIN[k] for k in kinds)]
    result = None
    for x in data:
        d = _infer_dtype(x, found)
        if d is not None:
            result = d if result is None else _dt.promote_types(result, d)
    return result


def _unwrap(data):
    """Nested data with tensors replaced by their values (PyTorch reads them with ``item()``)."""
    if isinstance(data, Tensor):
        if data._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        if data._requires_grad:
            warnings.warn("Converting a tensor with requires_grad=True to a scalar may lead to unexpected "
                          "behavior.\nConsider using tensor.detach() first.", UserWarning, stacklevel=4)
        return data._data.reshape(()).item()
    if isinstance(data, (list, tuple)):
        return [_unwrap(x) for x in data]
    return data


def _check_nesting(data, dim=0, lengths=None):
    """PyTorch's errors for ragged data; the shape is read from the first element of each level."""
    if lengths is None:
        lengths, x = [], data
        while isinstance(x, _SEQUENCES):
            lengths.append(len(x))
            x = x[0] if len(x) else None
    if dim == len(lengths):
        if isinstance(data, _SEQUENCES):
            raise TypeError(f"'{type(data).__name__}' object cannot be interpreted as a number")
        return
    if not isinstance(data, _SEQUENCES):
        raise TypeError("not a sequence")
    if len(data) != lengths[dim]:
        raise ValueError(f"expected sequence of length {lengths[dim]} at dim {dim} (got {len(data)})")
    for x in data:
        _check_nesting(x, dim + 1, lengths)


def _cast_checked(src, target):
    """``src`` in ``target``, with PyTorch's overflow check for Python data cast to an integer type."""
    if target.np.kind in "iu" and src.dtype.kind in "iuf" and src.size:
        info = np.iinfo(target.np)
        # NOTE: PyTorch lets negative integers wrap into unsigned types (-1 -> 255 for uint8).
        lo = -int(info.max) if target.np.kind == "u" and src.dtype.kind == "i" else info.min
        if not (np.isfinite(src).all() and lo <= src.min() and src.max() <= info.max):
            raise RuntimeError(f"value cannot be converted to type {target.name} without overflow")
    return src.astype(target.np)


def from_python(data, dtype):
    """``data`` (nested lists/tuples of numbers, NumPy scalars/arrays and one-element tensors) as a
    new ndarray: in ``dtype`` if given (overflow-checked), else in the promotion of its elements' dtypes."""
    found = []
    inferred = _infer_dtype(data, found) or _dt._default
    if found:
        data = _unwrap(data)
    # NOTE: a float dtype is built directly: going through the default float32 loses float64 precision
    target = dtype if dtype is not None and dtype.is_floating_point else inferred
    try:
        src = np.array(data, dtype=target.np)
    except ValueError:
        _check_nesting(data)
        raise
    except OverflowError:
        raise ValueError("Overflow when unpacking long long") from None
    return src if dtype is None or dtype is target else _cast_checked(src, dtype)
