"""Converting a Tensor: to Python and NumPy values, and to another dtype or device.

``TensorConvertMixin`` holds the methods that turn a tensor into something else; ``Tensor``
(``tensor.py``) inherits them:

- to Python and NumPy: ``item``, ``tolist``, ``numpy``, ``__array__`` (``np.asarray(t)``),
  and the protocols behind ``len``, ``iter``, ``bool``, ``float``, ``int``, ``complex``,
  ``operator.index`` and ``format``;
- to another dtype or device: ``to``, ``type``, ``type_as``, the shorthands ``float``,
  ``double``, ``half``, ``long``, ``int``, ``short``, ``char``, ``byte``, ``bool``, and
  ``cpu`` / ``cuda``.

NOTE: the mixin has no slots and no state (``__slots__ = ()``): a Tensor's fields, its
constructors and everything an op touches stay in ``tensor.py``.

Example::

    >>> import ember
    >>> t = ember.tensor([1.5, 2.5])
    >>> t.long(), t.sum().item(), t.tolist()
    (tensor([1, 2]), 4.0, [1.5, 2.5])
"""
import numpy as np

from . import dtypes as _dt
from ._device import as_device

__all__ = ["TensorConvertMixin"]

Tensor = None  # set by tensor.py once the class exists (``to(other)`` takes a Tensor's dtype and device)


class TensorConvertMixin:
    """The conversion methods of ``Tensor`` (see the module docstring)."""

    __slots__ = ()

    # -- conversion to Python and NumPy -------------------------------------------
    def item(self):
        """The value of a one-element tensor as a Python number."""
        d = self._data
        if d.size != 1:
            raise RuntimeError(f"a Tensor with {d.size} elements cannot be converted to Scalar")
        return d.reshape(()).item() if d.ndim else d.item()

    def tolist(self):
        return self._data.tolist()

    def numpy(self, *, force=False):
        """The data as an ndarray sharing memory (``force=True`` detaches first)."""
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return self._data

    def __array__(self, dtype=None, copy=None):
        if self._requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        d = self._data
        if dtype is not None and np.dtype(dtype) != d.dtype:
            return d.astype(dtype)
        return d.copy() if copy else d

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __bool__(self):
        d = self._data
        if d.size != 1:
            raise RuntimeError("Boolean value of Tensor with "
                               f"{'no values' if d.size == 0 else 'more than one value'} is ambiguous")
        return bool(d.reshape(()))

    def __float__(self):
        return float(self._scalar("float"))

    def __int__(self):
        return int(self._scalar("int"))

    def __complex__(self):
        return complex(self._scalar("complex"))

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data.reshape(()))

    def _scalar(self, what):
        d = self._data
        if d.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return d.reshape(())[()]

    def __format__(self, spec):
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    # -- dtype and device conversion -----------------------------------------------
    def to(self, *args, **kwargs):
        """``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other)``; returns self when nothing changes."""
        dtype = kwargs.pop("dtype", None)
        device = kwargs.pop("device", None)
        copy = kwargs.pop("copy", False)
        kwargs.pop("non_blocking", None)
        if kwargs.pop("memory_format", None) is not None:
            raise NotImplementedError("Tensor.to: memory_format is not supported by ember")
        if kwargs:
            raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
        for a in args:
            if isinstance(a, _dt.dtype):
                dtype = a
            elif isinstance(a, Tensor):
                dtype, device = a.dtype, a.device
            elif a is None:
                continue
            else:
                device = a
        as_device(device)
        if dtype is None or dtype.np == self._data.dtype:
            return self.clone() if copy else self
        from .ops.elementwise import _cast

        return _cast(self, dtype)

    def type(self, dtype=None, non_blocking=False):
        if dtype is None:
            return "torch." + {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
                               "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor",
                               "int8": "CharTensor", "uint8": "ByteTensor", "bool": "BoolTensor"}[self.dtype.name]
        if isinstance(dtype, str):
            names = {"FloatTensor": _dt.float32, "DoubleTensor": _dt.float64, "HalfTensor": _dt.float16,
                     "LongTensor": _dt.int64, "IntTensor": _dt.int32, "ShortTensor": _dt.int16,
                     "CharTensor": _dt.int8, "ByteTensor": _dt.uint8, "BoolTensor": _dt.bool}
            dtype = names[dtype.rsplit(".", 1)[-1]]
        return self.to(dtype)

    def type_as(self, other):
        return self.to(other.dtype)

    def float(self):
        return self.to(_dt.float32)

    def double(self):
        return self.to(_dt.float64)

    def half(self):
        return self.to(_dt.float16)

    def long(self):
        return self.to(_dt.int64)

    def int(self):
        return self.to(_dt.int32)

    def short(self):
        return self.to(_dt.int16)

    def char(self):
        return self.to(_dt.int8)

    def byte(self):
        return self.to(_dt.uint8)

    def bool(self):
        return self.to(_dt.bool)

    def cpu(self):
        return self

    def cuda(self, device=None, non_blocking=False):
        as_device(device if device is not None else "cuda")
        return self  # pragma: no cover - as_device raises without a GPU backend
