"""Comparisons, selections and clamping: ``eq``/``lt``/..., logical and bitwise ops, ``isnan``
and friends (bool results, no gradient), and the ops that pick between values with a
gradient: ``clamp``, ``maximum``/``minimum``/``fmax``/``fmin`` and ``where``.
"""
import numpy as np

from .. import dtypes as _dt
from ..tensor import Tensor
from ._scaffold import SAVE_INPUTS, Node, binary_op, needs_grad, record, register, wrap
from .inplace import inplace_method

_make = Tensor._make


def _clamp_kernel(x, lo, hi):
    if lo is not None and hi is not None:
        return np.minimum(np.maximum(x, lo), hi)
    if lo is not None:
        return np.maximum(x, lo)
    return np.minimum(x, hi)


class ClampBackward1(Node):
    """clamp(x, min, max): the gradient passes where min <= x <= max, else 0."""

    __slots__ = ()

    def run(self, F, grad, diff):
        x, lo, hi = self.unpack(diff)
        mask = None
        if lo is not None:
            mask = x >= lo
        if hi is not None:
            m = x <= hi
            mask = m if mask is None else mask & m
        g = F.masked_grad(grad, mask)
        if g.shape != x.shape:
            g = F.sum_to(g, x.shape)
        gl = gh = None
        n = self.needs_input_grad
        if n[1]:
            gl = F.masked_grad(grad, x < lo)
            if hi is not None:
                gl = F.masked_grad(grad, (x < lo) & (lo <= hi))
            gl = F.sum_to(gl, lo.shape)
        if n[2]:
            gh = F.masked_grad(grad, x > hi)
            if lo is not None:
                gh = F.masked_grad(grad, (x > hi) | (lo > hi))
            gh = F.sum_to(gh, hi.shape)
        return g, gl, gh


def clamp(input, min=None, max=None, *, out=None):
    """Limit values to [min, max]; either bound may be None, a number or a tensor."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    d = input._data
    lo = min._data if isinstance(min, Tensor) else min
    hi = max._data if isinstance(max, Tensor) else max
    tensors = [t for t in (input, min, max) if isinstance(t, Tensor)]
    if len(tensors) > 1:
        dt = _dt.result_type(*tensors)
        d = d.astype(dt.np, copy=False)
        lo = lo.astype(dt.np, copy=False) if isinstance(lo, np.ndarray) else lo
        hi = hi.astype(dt.np, copy=False) if isinstance(hi, np.ndarray) else hi
    elif d.dtype.kind != "f" and isinstance(lo, float) or isinstance(hi, float) and d.dtype.kind != "f":
        d = d.astype(_dt._default.np)
    r = _clamp_kernel(d, lo, hi)
    if isinstance(lo, np.ndarray) and isinstance(hi, np.ndarray):
        # PyTorch: where min > max the result is max
        r = np.where(lo > hi, np.broadcast_to(hi, r.shape), r)
    res = wrap(r if r.dtype == d.dtype else r.astype(d.dtype))
    if needs_grad(input, min, max):
        record(ClampBackward1(), (input, min, max), (res,), (input, min, max))
    return res if out is None else out.copy_(res)


clip = clamp


def clamp_min(input, min):
    return clamp(input, min, None)


def clamp_max(input, max):
    return clamp(input, None, max)


# -- two-input selections --------------------------------------------------------------
@binary_op(np.maximum, SAVE_INPUTS, name="maximum")
def maximum(ctx, F, grad, x, y):
    """Elementwise max. The gradient goes to the larger input; ties split it in half."""
    tie = F.masked_grad(grad / 2, x == y)
    return F.masked_grad(grad, x > y) + tie, F.masked_grad(grad, y > x) + tie


@binary_op(np.minimum, SAVE_INPUTS, name="minimum")
def minimum(ctx, F, grad, x, y):
    """Elementwise min. The gradient goes to the smaller input; ties split it in half."""
    tie = F.masked_grad(grad / 2, x == y)
    return F.masked_grad(grad, x < y) + tie, F.masked_grad(grad, y < x) + tie


@binary_op(np.fmax, SAVE_INPUTS, name="fmax")
def fmax(ctx, F, grad, x, y):
    """Elementwise max ignoring NaN. Ties (and a NaN in y) send the gradient to x."""
    to_x = (x >= y) | (y != y)
    return F.masked_grad(grad, to_x), F.masked_grad(grad, ~to_x)


@binary_op(np.fmin, SAVE_INPUTS, name="fmin")
def fmin(ctx, F, grad, x, y):
    """Elementwise min ignoring NaN. Ties (and a NaN in y) send the gradient to x."""
    to_x = (x <= y) | (y != y)
    return F.masked_grad(grad, to_x), F.masked_grad(grad, ~to_x)


class WhereBackward0(Node):
    """where(cond, x, y): the gradient goes to x where cond holds, to y elsewhere."""

    __slots__ = ()

    def run(self, F, grad, diff):
        cond, x_shape, y_shape = self.unpack(diff)
        n = self.needs_input_grad
        gx = F.sum_to(F.masked_grad(grad, cond), x_shape) if n[1] else None
        gy = F.sum_to(F.masked_grad(grad, ~cond), y_shape) if n[2] else None
        return None, gx, gy


def _where_kernel(condition, input, other):
    return np.where(condition, input, other)


def where(condition, input=None, other=None, *, out=None):
    """Pick from ``input`` where ``condition`` holds, else from ``other`` (broadcast together).
    With only ``condition``, the indices of its nonzero elements (``nonzero(as_tuple=True)``)."""
    if input is None and other is None:
        return condition.nonzero(as_tuple=True)
    c = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if c.dtype.kind != "b":
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype {_dt.FROM_NP[c.dtype]}")
    if isinstance(input, Tensor) and isinstance(other, Tensor):
        a, b = input._data, other._data
        if a.dtype is not b.dtype:
            a, b = _promote_where(input, other)
    elif isinstance(input, Tensor):
        dt = _dt.result_type(input, other)
        a, b = input._data.astype(dt.np, copy=False), np.asarray(other, dt.np)
    elif isinstance(other, Tensor):
        dt = _dt.result_type(input, other)
        a, b = np.asarray(input, dt.np), other._data.astype(dt.np, copy=False)
    else:
        dt = _dt.result_type(input, other)
        a, b = np.asarray(input, dt.np), np.asarray(other, dt.np)
    try:
        res = wrap(np.where(c, a, b))
    except ValueError as e:
        from ._scaffold import broadcast_error

        raise (broadcast_error(c.shape, np.shape(a)) or
               broadcast_error(np.broadcast_shapes(c.shape, np.shape(a)), np.shape(b), e)) from None
    if needs_grad(input, other):
        sx = a.shape
        sy = b.shape
        record(WhereBackward0(), (None, input, other), (res,), (c, sx, sy))
    return res if out is None else out.copy_(res)


def _promote_where(x, y):
    dt = _dt.result_type(x, y).np
    return x._data.astype(dt, copy=False), y._data.astype(dt, copy=False)


def _awhere(condition, input, other):
    return np.where(condition, input, other)


register("where", _awhere, where)


# -- comparisons and logic: boolean results, no gradient --------------------------------
def _nondiff_binary(kernel, name):
    def op(input, other, *, out=None):
        a = input._data if isinstance(input, Tensor) else input
        b = other._data if isinstance(other, Tensor) else other
        if isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype is not b.dtype:
            if a.dtype.kind != b.dtype.kind:
                from ._promote import promote_pair

                a, b = promote_pair(a, b)
        # NOTE: PyTorch converts a Python scalar to the integer/bool tensor's type first: an
        # out-of-range int wraps (uint8 < -1 compares with 255), a float promotes the tensor.
        elif b.__class__ in (int, float) and a.__class__ is np.ndarray and a.dtype.kind != "f":
            from ._promote import promote_scalar

            a, b = promote_scalar(a, b)
        elif a.__class__ in (int, float) and b.__class__ is np.ndarray and b.dtype.kind != "f":
            from ._promote import promote_scalar

            b, a = promote_scalar(b, a)
        try:
            r = wrap(kernel(a, b))
        except ValueError as e:
            from ._scaffold import broadcast_error

            raise broadcast_error(np.shape(a), np.shape(b), RuntimeError(f"{name}: {e}")) from None
        return r if out is None else out.copy_(r)

    op.__name__ = name
    op.__doc__ = f"Elementwise ``{name}``; a bool tensor, not differentiable."
    return op


eq = _nondiff_binary(np.equal, "eq")
ne = _nondiff_binary(np.not_equal, "ne")
lt = _nondiff_binary(np.less, "lt")
le = _nondiff_binary(np.less_equal, "le")
gt = _nondiff_binary(np.greater, "gt")
ge = _nondiff_binary(np.greater_equal, "ge")
less, less_equal, greater, greater_equal, not_equal = lt, le, gt, ge, ne
logical_and = _nondiff_binary(np.logical_and, "logical_and")
logical_or = _nondiff_binary(np.logical_or, "logical_or")
logical_xor = _nondiff_binary(np.logical_xor, "logical_xor")


def _bitwise(kernel, name):
    def op(input, other):
        a = input._data if isinstance(input, Tensor) else input
        b = other._data if isinstance(other, Tensor) else other
        for v in (a, b):
            if isinstance(v, np.ndarray) and v.dtype.kind == "f" or isinstance(v, float):
                raise RuntimeError(f"\"{name}_cpu\" not implemented for 'Float'")
        return wrap(kernel(a, b))

    op.__name__ = name
    return op


bitwise_and = _bitwise(np.bitwise_and, "bitwise_and")
bitwise_or = _bitwise(np.bitwise_or, "bitwise_or")
bitwise_xor = _bitwise(np.bitwise_xor, "bitwise_xor")


def bitwise_not(input):
    d = input._data
    if d.dtype.kind == "f":
        raise RuntimeError("\"bitwise_not_cpu\" not implemented for 'Float'")
    return wrap(np.logical_not(d) if d.dtype.kind == "b" else np.invert(d))


def logical_not(input):
    return wrap(np.logical_not(input._data))


def isnan(input):
    return wrap(np.isnan(input._data) if input._data.dtype.kind == "f" else np.zeros(input._data.shape, bool))


def isinf(input):
    return wrap(np.isinf(input._data) if input._data.dtype.kind == "f" else np.zeros(input._data.shape, bool))


def isposinf(input):
    return wrap(np.isposinf(input._data) if input._data.dtype.kind == "f" else np.zeros(input._data.shape, bool))


def isneginf(input):
    return wrap(np.isneginf(input._data) if input._data.dtype.kind == "f" else np.zeros(input._data.shape, bool))


def isfinite(input):
    return wrap(np.isfinite(input._data) if input._data.dtype.kind == "f" else np.ones(input._data.shape, bool))


def signbit(input):
    return wrap(np.signbit(input._data))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return wrap(np.isclose(input._data, other._data if isinstance(other, Tensor) else other, rtol, atol, equal_nan))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(np.allclose(input._data, other._data if isinstance(other, Tensor) else other, rtol, atol, equal_nan))


def equal(input, other):
    """True if both tensors have the same shape and elements."""
    return input._data.shape == other._data.shape and bool(np.array_equal(input._data, other._data))


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """Replace NaN and infinities; the gradient passes where the input was finite."""
    d = input._data
    r = np.nan_to_num(d, nan=nan, posinf=posinf, neginf=neginf)
    if not needs_grad(input):
        return wrap(r)
    finite = wrap(np.isfinite(d))
    return where(finite, input, wrap(r).detach())


def _reflected(fn):
    def r(self, other):
        return fn(other, self)
    return r


def guard(fn):
    """A binary dunder that returns NotImplemented for operands ember does not know (so that
    ``t == None`` is False, not an error); NumPy arrays are taken as tensors."""
    def d(self, other):
        if not isinstance(other, (Tensor, int, float, bool, np.generic)):
            if isinstance(other, np.ndarray):
                other = _make(other)
            else:
                return NotImplemented
        return fn(self, other)
    d.__name__ = fn.__name__
    return d


METHODS = [
    "clamp", "clip", "clamp_min", "clamp_max", "maximum", "minimum", "fmax", "fmin",
    "eq", "ne", "lt", "le", "gt", "ge", "less", "less_equal", "greater", "greater_equal", "not_equal",
    "logical_and", "logical_or", "logical_xor", "logical_not", "bitwise_and", "bitwise_or", "bitwise_xor",
    "bitwise_not", "isnan", "isinf", "isposinf", "isneginf", "isfinite", "signbit", "isclose", "allclose",
    "equal", "nan_to_num",
]
FUNCTIONS = ["where"]

DUNDERS = {
    "__eq__": guard(eq), "__ne__": guard(ne), "__lt__": guard(lt), "__le__": guard(le),
    "__gt__": guard(gt), "__ge__": guard(ge), "__invert__": bitwise_not,
    "__and__": guard(bitwise_and), "__or__": guard(bitwise_or), "__xor__": guard(bitwise_xor),
    "__rand__": guard(_reflected(bitwise_and)), "__ror__": guard(_reflected(bitwise_or)),
    "__rxor__": guard(_reflected(bitwise_xor)),
}
DUNDERS.update({name + "_": inplace_method(globals()[name]) for name in [
    "clamp", "clip", "clamp_min", "clamp_max", "maximum", "minimum", "fmax", "fmin", "nan_to_num", "logical_not",
    "logical_and", "logical_or", "logical_xor", "bitwise_not", "bitwise_and", "bitwise_or", "bitwise_xor",
    "eq", "ne", "lt", "le", "gt", "ge"]})
