"""In-place ops and the machinery every in-place method shares.

Without autograd an in-place op writes into the tensor's memory directly (NumPy's
kernels with ``out=``) and bumps its version counter. With autograd, ``apply_inplace``
runs the op out of place on a copy of the old value and makes the result's node the
tensor's ``grad_fn``, so the graph sees the new value while the old one lives on.
``inplace_method(op)`` turns any out-of-place op into its ``op_`` twin this way.
"""
import numpy as np

from .. import dtypes as _dt
from ..autograd import grad_mode
from ..tensor import Tensor
from ._promote import SCALAR_OPS
from ._scaffold import EPOCH as _EPOCH

_make = Tensor._make


_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
               "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def check_inplace(self, others=()):
    """Refuse an in-place op that autograd could not follow (PyTorch's rules)."""
    if self.grad_fn is None and self._requires_grad and grad_mode.enabled:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    base = self._base
    if base is not None and grad_mode.enabled and base.grad_fn is None and base._requires_grad:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")


def apply_inplace(self, op, *args, **kwargs):
    """Run ``op(self, *args)`` and write the result into ``self``'s memory.

    Without autograd this costs one out-of-place op and a copy; ops on the hot path
    (``+=`` and friends) use NumPy's in-place kernels instead (see ``_inplace_binary``).
    With autograd the result's graph node becomes ``self.grad_fn``: ``self`` now stands
    for the new value, and the old value lives on in the graph through a copy.
    """
    check_inplace(self)
    recording = grad_mode.enabled and (self._requires_grad or any(
        isinstance(a, Tensor) and a._requires_grad for a in args))
    if recording:
        if self._base is not None:
            return _inplace_on_view(self, op, *args, **kwargs)
        old = _make(self._data.copy(), self._requires_grad, self.grad_fn)
        if self._output_nr:
            old.__dict__["_output_nr"] = self._output_nr
        res = op(old, *args, **kwargs)
    else:
        res = op(self, *args, **kwargs)
    _copy_into(self, res._data)
    if recording:
        self.grad_fn = res.grad_fn
        self._requires_grad = res._requires_grad
        self.__dict__.pop("_output_nr", None)
        if self.grad_fn is not None and res._output_nr:
            self.__dict__["_output_nr"] = res._output_nr
    return self


def _inplace_on_view(view, op, *args, **kwargs):
    """A recorded in-place op on a view rewrites its base's history too (PyTorch's CopySlices).

    The view's elements sit at flat positions ``pos`` of the base. Recorded out of place:
    ``new_base = old_base`` with ``new_base.flat[pos] = op(old_base.flat[pos])``; the base
    becomes ``new_base`` and the view ``new_base.flat[pos]``, so gradients reach the old base
    (where not overwritten), the op's other inputs, and whatever used the base or the view.
    NOTE: other views of the same base made before keep their old history (PyTorch updates them).
    """
    base = view._base
    pos = _make(_positions(view._data, base._data))
    old = _make(base._data.copy(), base._requires_grad, base.grad_fn)
    if base._output_nr:
        old.__dict__["_output_nr"] = base._output_nr
    flat = old.reshape(-1)
    res = op(flat[pos], *args, **kwargs)
    _copy_into(view, res._data)  # raises (leaving both unchanged) if res does not fit
    new_flat = flat.clone()
    new_flat[pos] = res
    new_base = new_flat.reshape(base._data.shape)
    for t, src in ((base, new_base), (view, new_flat[pos])):
        t.grad_fn, t._requires_grad = src.grad_fn, True
        t.__dict__.pop("_output_nr", None)
        if src._output_nr:
            t.__dict__["_output_nr"] = src._output_nr
    return view


def _positions(v, b):
    """Flat (C-order) positions in array ``b`` of the elements of ``v``, a NumPy view of ``b``,
    found by memory address."""

    def addresses(a):
        addr = np.full(a.shape, a.__array_interface__["data"][0], dtype=np.int64)
        for k, (n, st) in enumerate(zip(a.shape, a.strides)):
            addr = addr + (np.arange(n, dtype=np.int64) * st).reshape((n,) + (1,) * (a.ndim - k - 1))
        return addr

    ab = addresses(b).reshape(-1)
    order = np.argsort(ab, kind="stable")
    return order[np.searchsorted(ab, addresses(v), sorter=order)]


def _copy_into(self, src):
    d = self._data
    if not d.flags.writeable:
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to a single "
            "memory location. Please clone() the tensor before performing the operation.")
    if src.shape != d.shape:
        try:
            np.broadcast_shapes(src.shape, d.shape)
            if np.broadcast_shapes(src.shape, d.shape) != d.shape:
                raise ValueError
        except ValueError:
            raise RuntimeError(f"output with shape {list(d.shape)} doesn't match the broadcast shape "
                               f"{list(np.broadcast_shapes(src.shape, d.shape)) if _bcastable(src.shape, d.shape) else list(src.shape)}") from None
    if src.dtype != d.dtype and not _dt.can_cast(_dt.FROM_NP[src.dtype], _dt.FROM_NP[d.dtype]):
        raise RuntimeError(f"result type {_TYPE_NAMES[_dt.FROM_NP[src.dtype].name]} can't be cast to the "
                           f"desired output type {_TYPE_NAMES[_dt.FROM_NP[d.dtype].name]}")
    np.copyto(d, src, casting="unsafe")
    self._bump()


def _bcastable(a, b):
    try:
        np.broadcast_shapes(a, b)
        return True
    except ValueError:
        return False


def _inplace_binary(ufunc, op):
    """``self op= other`` for the arithmetic ops: NumPy's in-place kernel when autograd is off."""
    sop = SCALAR_OPS.get(ufunc)

    def method(self, other, *args, **kwargs):
        if grad_mode.enabled and (self._requires_grad or (isinstance(other, Tensor) and other._requires_grad)):
            return apply_inplace(self, op, other, *args, **kwargs)
        if args or kwargs:
            return apply_inplace(self, op, other, *args, **kwargs)
        d = self._data
        o = other._data if isinstance(other, Tensor) else other
        if isinstance(o, np.ndarray):
            if o.dtype.kind != d.dtype.kind and not _dt.can_cast(_dt.FROM_NP[o.dtype], _dt.FROM_NP[d.dtype]):
                raise RuntimeError(f"result type {_TYPE_NAMES[_dt.FROM_NP[o.dtype].name]} can't be cast to the "
                                   f"desired output type {_TYPE_NAMES[_dt.FROM_NP[d.dtype].name]}")
            if o.shape != d.shape and (not _bcastable(o.shape, d.shape) or np.broadcast_shapes(o.shape, d.shape) != d.shape):
                return apply_inplace(self, op, other)  # raises PyTorch's shape error
        elif o.__class__ is float and d.dtype.kind != "f":
            raise RuntimeError(f"result type Float can't be cast to the desired output type "
                               f"{_TYPE_NAMES[_dt.FROM_NP[d.dtype].name]}")
        elif not isinstance(o, (int, float, bool, np.generic)):
            return NotImplemented
        if ufunc is np.true_divide and d.dtype.kind != "f":
            raise RuntimeError(f"result type Float can't be cast to the desired output type "
                               f"{_TYPE_NAMES[_dt.FROM_NP[d.dtype].name]}")
        try:
            if d.size != 1:
                ufunc(d, o, d)  # NOTE: positional ``out`` and default casting: the cheapest call
            elif not d.ndim and sop is not None and d.dtype.kind == "f":  # NumPy scalars: see SCALAR_OPS
                d[()] = sop(d[()], o[()] if o.__class__ is np.ndarray else o)
            else:  # NOTE: for one element NumPy's ``out=`` costs 0.3-0.4 us more than a store
                d[()] = ufunc(d, o)
        except ValueError:
            _copy_into(self, d)  # a read-only (expanded) tensor: raises PyTorch's overlap error
            raise
        vc = self._vc  # NOTE: Tensor._bump inlined (a call costs 10% of a 0-d in-place op)
        if vc is None:
            self._vc = [1]
        else:
            vc[0] += 1
        _EPOCH[0] += 1
        return self

    method.__name__ = op.__name__ + "_"
    return method


def _inplace_unary(op):
    """See ``inplace_method``."""
    def method(self, *args, **kwargs):
        return apply_inplace(self, op, *args, **kwargs)

    method.__name__ = op.__name__ + "_"
    return method




def zero_(self):
    """Fill with zeros in place."""
    return fill_(self, 0)


def fill_(self, value):
    """Fill with ``value`` (a number or a one-element tensor) in place."""
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with {value._data.ndim} dimensions.")
        if grad_mode.enabled and (value._requires_grad or self._requires_grad):
            return apply_inplace(self, lambda s, v: v.expand(s.shape).to(s.dtype) + 0 * s, value)
        value = value._data[()]
    check_inplace(self)
    if grad_mode.enabled and self._requires_grad:
        return apply_inplace(self, lambda s: s * 0 + value)
    d = self._data
    if not d.flags.writeable:
        _copy_into(self, d)
    d.fill(value)
    self._bump()
    return self


def copy_(self, src, non_blocking=False):
    """Copy ``src`` (broadcast, converted to this dtype) into this tensor's memory."""
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'src' must be Tensor, not {type(src).__name__}")
    if grad_mode.enabled and (self._requires_grad or src._requires_grad):
        check_inplace(self)
        return apply_inplace(self, _copy_op, src)
    d, s = self._data, src._data
    if not d.flags.writeable:
        _copy_into(self, s)
    try:
        np.copyto(d, s, casting="unsafe")
    except ValueError:
        raise RuntimeError(f"The size of tensor a ({d.shape[-1] if d.ndim else 1}) must match the size of tensor b "
                           f"({s.shape[-1] if s.ndim else 1}) at non-singleton dimension {max(d.ndim - 1, 0)}") from None
    self._bump()
    return self


def _copy_op(self, src):
    out = src.expand(self.shape) if src.shape != self.shape else src
    out = out.to(self.dtype)
    return out + 0 * self if self._requires_grad else out.clone()


def inplace_method(op):
    """The ``op_`` method of an out-of-place op (``x.exp_()``), recorded by autograd when needed."""
    return _inplace_unary(op)


METHODS = ["zero_", "fill_", "copy_"]
