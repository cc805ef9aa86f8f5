"""dtype objects and PyTorch's type-promotion rules.

A ``dtype`` wraps a NumPy dtype and carries PyTorch's name for it. Promotion follows
PyTorch, not NumPy: it is category based (bool < integer < floating), a tensor of
higher dimension outranks a 0-d tensor within a category, and Python scalars never
widen a tensor of their own category (``float32_tensor * 2.5`` stays float32).
"""
import numpy as np

__all__ = [
    "dtype", "float32", "float", "float64", "double", "float16", "half", "int8", "int16",
    "short", "int32", "int", "int64", "long", "uint8", "bool", "get_default_dtype",
    "set_default_dtype", "promote_types", "result_type", "can_cast", "finfo", "iinfo",
    "layout", "strided", "memory_format", "contiguous_format", "preserve_format", "channels_last",
]

_builtin_bool, _builtin_int, _builtin_float = bool, int, float


class dtype:
    """A tensor element type, e.g. ``ember.float32``. Compare with ``is`` or ``==``."""

    __slots__ = ("name", "np", "is_floating_point", "is_signed", "itemsize", "_cat")

    def __init__(self, name, np_dtype, category):
        self.name = name
        self.np = np.dtype(np_dtype)
        self._cat = category  # 0 bool, 1 integer, 2 floating
        self.is_floating_point = category == 2
        self.is_signed = category == 2 or (category == 1 and self.np.kind == "i")
        self.itemsize = self.np.itemsize

    @property
    def is_complex(self):
        return False

    def to_complex(self):
        raise NotImplementedError("ember has no complex dtypes")

    def __repr__(self):
        # PyTorch prints dtypes as ``torch.float32``; ember keeps the same text so that
        # programs ported with ``import ember as torch`` print what they printed before.
        return "torch." + self.name

    def __reduce__(self):
        return (_dtype_by_name, (self.name,))


float32 = dtype("float32", np.float32, 2)
float64 = dtype("float64", np.float64, 2)
float16 = dtype("float16", np.float16, 2)
int8 = dtype("int8", np.int8, 1)
int16 = dtype("int16", np.int16, 1)
int32 = dtype("int32", np.int32, 1)
int64 = dtype("int64", np.int64, 1)
uint8 = dtype("uint8", np.uint8, 1)
bool = dtype("bool", np.bool_, 0)
float, double, half = float32, float64, float16
short, int, long = int16, int32, int64

ALL = (float32, float64, float16, int8, int16, int32, int64, uint8, bool)
_BY_NAME = {d.name: d for d in ALL}
#: NumPy dtype -> ember dtype; the hot path reads a tensor's dtype through this.
FROM_NP = {d.np: d for d in ALL}


#: PyTorch's legacy names, used in its error messages (``"normal_kernel_cpu" not implemented for 'Long'``).
TYPE_NAMES = {float32: "Float", float64: "Double", float16: "Half", int8: "Char", int16: "Short", int32: "Int",
              int64: "Long", uint8: "Byte", bool: "Bool"}


def _dtype_by_name(name):
    return _BY_NAME[name]


def from_numpy_dtype(np_dtype):
    """The ember dtype of a NumPy dtype; TypeError for types ember lacks."""
    try:
        return FROM_NP[np.dtype(np_dtype)]
    except (KeyError, TypeError):
        raise TypeError(
            f"can't convert np.ndarray of type {np.dtype(np_dtype)}. The only supported types "
            "are: float64, float32, float16, int64, int32, int16, int8, uint8, and bool."
        ) from None


def to_np(d):
    """NumPy dtype for an ember dtype (or anything NumPy understands, e.g. ``"float32"``)."""
    if d.__class__ is dtype:
        return d.np
    if d is _builtin_float:
        return np.dtype(np.float64)
    if d is _builtin_int:
        return np.dtype(np.int64)
    if d is _builtin_bool:
        return np.dtype(np.bool_)
    if isinstance(d, str) and d.startswith("torch."):
        d = d[6:]
    return from_numpy_dtype(d).np


_default = float32


def get_default_dtype():
    """The dtype of new floating tensors (``float32`` unless changed)."""
    return _default


def set_default_dtype(d):
    """Set the dtype of new floating tensors; only float32 and float64 are accepted."""
    global _default
    if d not in (float32, float64):
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default = d


def promote_types(a, b):
    """The smallest dtype both ``a`` and ``b`` convert to, by PyTorch's table."""
    if a is b:
        return a
    if a._cat != b._cat:
        return a if a._cat > b._cat else b
    if a._cat == 0:
        return a
    if a._cat == 2:
        return a if a.itemsize >= b.itemsize else b
    # Two integer types: uint8 meets a signed type in the next signed size up.
    if a is uint8 or b is uint8:
        other = b if a is uint8 else a
        return int16 if other is int8 else other
    return a if a.itemsize >= b.itemsize else b


def _combine(higher, lower):
    """Fold a lower-priority operand's type into a higher one (PyTorch's category rule)."""
    if higher is None:
        return lower
    if lower is None or higher._cat == 2:
        return higher
    if higher is bool or lower._cat == 2:
        return promote_types(higher, lower)
    return higher


def scalar_dtype(x):
    """The dtype a Python scalar takes when it stands alone."""
    if isinstance(x, _builtin_bool):
        return bool
    if isinstance(x, _builtin_int):
        return int64
    return _default


def result_type(*operands):
    """PyTorch's result dtype for tensors and Python scalars.

    Tensors of one or more dimensions rank first, 0-d tensors second and Python
    scalars last; a lower rank changes the result only if its category is higher.
    """
    from .tensor import Tensor

    dim_r = zero_r = wrapped = None
    for x in operands:
        if isinstance(x, Tensor):
            d = x.dtype
            if x._data.ndim:
                dim_r = d if dim_r is None else promote_types(dim_r, d)
            else:
                zero_r = d if zero_r is None else promote_types(zero_r, d)
        else:
            d = scalar_dtype(x)
            wrapped = d if wrapped is None else promote_types(wrapped, d)
    return _combine(dim_r, _combine(zero_r, wrapped))


def can_cast(from_, to):
    """Whether an in-place op may write a ``from_`` result into a ``to`` tensor."""
    return from_._cat <= to._cat


class finfo:
    """Machine limits of a floating dtype: ``eps``, ``max``, ``min``, ``tiny``, ``resolution``."""

    def __init__(self, type=None):
        type = _default if type is None else type
        if type._cat != 2:
            raise TypeError(f"finfo: {type} is not a floating point dtype")
        fi = np.finfo(type.np)
        self.dtype = type.name
        self.bits = fi.bits
        self.eps = _builtin_float(fi.eps)
        self.max = _builtin_float(fi.max)
        self.min = _builtin_float(fi.min)
        self.tiny = self.smallest_normal = _builtin_float(fi.tiny)
        # NOTE: PyTorch reports 10 ** -precision exactly (NumPy rounds it to the dtype).
        self.resolution = 10.0 ** -fi.precision

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Machine limits of an integer dtype: ``bits``, ``min``, ``max``."""

    def __init__(self, type):
        if type._cat == 2:
            raise TypeError(f"iinfo: {type} is not an integer dtype")
        ii = np.iinfo(np.uint8 if type is bool else type.np)
        self.dtype = type.name
        self.bits = ii.bits
        self.min = _builtin_int(ii.min)
        self.max = _builtin_int(ii.max)

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"


class _Named:
    """A named option value printed as PyTorch prints it (``torch.strided``)."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "torch." + self.name

    def __reduce__(self):
        return self.name  # pickles as the module attribute of that name


class layout(_Named):
    """How a tensor's elements are stored; ember has only ``strided`` (dense)."""

    __slots__ = ()


class memory_format(_Named):
    """Element order requested by ``*_like``/``clone``/``contiguous``; ember stores row-major only."""

    __slots__ = ()


strided = layout("strided")
contiguous_format = memory_format("contiguous_format")
preserve_format = memory_format("preserve_format")
channels_last = memory_format("channels_last")
