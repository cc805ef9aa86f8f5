"""Elementwise arithmetic: ``+ - * / // %``, powers, and the composites built on them
(``lerp``, ``addcmul``, ``addcdiv``, ``hypot``, ``xlogy``); dtype casts.

Each primitive is an array kernel (the decorator's argument) and its gradient rule
(the decorated function), side by side. Rules receive ``ctx`` (the graph node),
``F`` (the namespace of functions: arrays or Tensors) and ``grad``, then the saved
values. Composites (``sub`` with ``alpha``, ``lerp``, ``addcmul``) are written from
primitives and need no rule. Unary math lives in ``unary.py``; comparisons, ``where``
and ``clamp`` in ``compare.py``; the in-place machinery in ``inplace.py``.
"""
import math

import numpy as np

from .. import dtypes as _dt
from ..autograd import grad_mode
from ..tensor import Tensor
from ._scaffold import (A, T, EPOCH, SAVE_BOTH, SAVE_INPUTS, SAVE_NONE, SAVE_OUTPUT, Node, UnaryNode, binary_op,
                        leaf_edge, record, register, unary_op, wrap)
from .compare import guard, where
from .inplace import _inplace_binary, apply_inplace, inplace_method
from .unary import log, trunc

_make = Tensor._make

# NOTE: PyTorch returns inf/nan silently where NumPy would warn (log(0), 1/0, exp(1000)).
# Wrapping every kernel in np.errstate costs about a microsecond per op, so ember sets
# NumPy's error handling once, at import (see README).
np.seterr(divide="ignore", over="ignore", under="ignore", invalid="ignore")


# -- arithmetic -----------------------------------------------------------------------
@binary_op(np.add, SAVE_NONE, name="add")
def _add(ctx, F, grad):
    """x + y. d/dx = d/dy = 1."""
    return grad, grad


@binary_op(np.subtract, SAVE_NONE, name="sub", bool_error=(
    "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, "
    "use the `~` or `logical_not()` operator instead.",
    "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` "
    "operator instead."))
def _sub(ctx, F, grad):
    """x - y. d/dx = 1, d/dy = -1."""
    return grad, (-grad if ctx.needs_input_grad[1] else None)


@binary_op(np.multiply, SAVE_INPUTS, name="mul")
def mul(ctx, F, grad, x, y):
    """x * y. d/dx = y, d/dy = x; saves both inputs."""
    n = ctx.needs_input_grad
    shapes = ctx.shapes
    if shapes is None:
        return (grad * y if n[0] else None), (grad * x if n[1] else None)
    return (F.mul_sum_to(grad, y, shapes[0]) if n[0] else None), (F.mul_sum_to(grad, x, shapes[1]) if n[1] else None)


def _mul_sum_to_kernel(grad, other, shape):
    """``sum_to(grad * other, shape)`` in one step where it can be: a broadcast scalar's gradient
    is a dot product. NOTE: one BLAS call instead of a product and a reduction (half the time)."""
    if not shape and grad.ndim == 1 and other.__class__ is np.ndarray and other.shape == grad.shape \
            and grad.dtype is other.dtype:
        return grad.dot(other)
    return A.sum_to(grad * other, shape)


def _mul_sum_to(grad, other, shape):
    return T.sum_to(grad * other, shape)


register("mul_sum_to", _mul_sum_to_kernel, _mul_sum_to)


@binary_op(np.true_divide, SAVE_INPUTS, floating=True, name="div")
def true_div(ctx, F, grad, x, y):
    """x / y (true division; integers give the default float dtype). d/dx = 1/y, d/dy = -x/y^2."""
    n = ctx.needs_input_grad
    gx = grad / y if n[0] or n[1] else None
    return (gx if n[0] else None), (-gx * x / y if n[1] else None)


def add(input, other, *, alpha=1, out=None):
    """input + alpha * other, with broadcasting and PyTorch's type promotion."""
    if alpha != 1:
        other = mul(other, alpha)
    return _add(input, other, out=out)


def sub(input, other, *, alpha=1, out=None):
    """input - alpha * other."""
    if alpha != 1:
        other = mul(other, alpha)
    return _sub(input, other, out=out)


subtract = sub
multiply = mul
true_divide = div = None  # replaced below by the rounding-mode aware div


def _div(input, other, *, rounding_mode=None, out=None):
    """input / other; ``rounding_mode`` None (true division), 'trunc' or 'floor'."""
    if rounding_mode is None:
        return true_div(input, other, out=out)
    if rounding_mode == "floor":
        return floor_divide(input, other, out=out)
    if rounding_mode == "trunc":
        r = true_div(input, other)
        res = trunc(r)
        dt = _dt.result_type(input, other)
        if res.dtype is not dt:
            res = _cast(res, dt)
        return res if out is None else out.copy_(res)
    raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'")


div = divide = _div
true_divide = true_div


def _floor_div_kernel(a, b):
    return np.floor_divide(a, b)


@binary_op(_floor_div_kernel, SAVE_NONE, name="floor_divide")
def floor_divide(ctx, F, grad):
    """Division rounded down. Piecewise constant: its gradient is zero."""
    return F.zeros_like(grad), F.zeros_like(grad)


@binary_op(np.remainder, SAVE_INPUTS, name="remainder")
def remainder(ctx, F, grad, x, y):
    """Python-style modulus (sign of the divisor). d/dx = 1, d/dy = -floor(x / y)."""
    n = ctx.needs_input_grad
    return (grad if n[0] else None), (-grad * F.floor(x / y) if n[1] else None)


@binary_op(np.fmod, SAVE_INPUTS, name="fmod")
def fmod(ctx, F, grad, x, y):
    """C-style modulus (sign of the dividend). d/dx = 1, d/dy = -trunc(x / y)."""
    n = ctx.needs_input_grad
    return (grad if n[0] else None), (-grad * F.trunc(x / y) if n[1] else None)


@binary_op(np.arctan2, SAVE_INPUTS, floating=True, name="atan2")
def atan2(ctx, F, grad, y, x):
    """atan2(y, x), the angle of the point (x, y). d/dy = x/(x^2+y^2), d/dx = -y/(x^2+y^2)."""
    r = grad / (x * x + y * y)
    return r * x, -r * y


arctan2 = atan2


def _neg_kernel(x):
    if x.dtype.kind == "b":
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    return np.negative(x)


@unary_op(_neg_kernel, SAVE_NONE, floating=False, name="neg")
def neg(ctx, F, grad):
    return -grad


negative = neg


# -- powers -------------------------------------------------------------------------
def _int_pow(x, n):
    """x ** n for a Python int n by repeated squaring.

    NOTE: NumPy computes ``x ** 3.0`` through a general float power, about a hundred
    times slower than two multiplications; PyTorch's seed programs lean on ``x ** 3``.
    """
    if n == 0:
        return np.ones_like(x)
    if n < 0:
        if x.dtype.kind in "iub":
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        return 1 / _int_pow(x, -n)
    if n == 1:
        return x.copy()
    if n == 2:
        return x * x
    if n == 3:
        return x * x * x
    result = None
    base = x
    while n:
        if n & 1:
            result = base if result is None else result * base
        n >>= 1
        if n:
            base = base * base
    return result


def _is_int_exponent(e):
    return e.__class__ is int or (e.__class__ is float and e.is_integer() and -64 <= e <= 64)


def _pow_scalar_kernel(x, e):
    if _is_int_exponent(e):
        return _int_pow(x, int(e))
    if x.dtype.kind in "iub" and e.__class__ is float:
        x = x.astype(_dt._default.np)
    return np.power(x, e)


class PowBackward0(UnaryNode):
    """x ** e for a Python number e: d/dx = e * x^(e-1) (0 where e == 0)."""

    __slots__ = ("exponent",)

    def backward(self, F, grad, x):
        e = self.exponent
        if e == 0:
            return F.zeros_like(grad)
        if e == 2:
            g = grad * x
            return g + g  # NOTE: cheaper than multiplying by the Python scalar 2
        return grad * e * F.pow(x, e - 1)


def _pow_tensor_scalar(input, exponent):
    d = input._data
    e = exponent
    if isinstance(e, np.generic):
        e = e.item()
    if e.__class__ is float and d.dtype.kind in "iub":
        d = d.astype(_dt._default.np)
    elif e.__class__ is bool:
        e = int(e)
    res = wrap(_pow_scalar_kernel(d, e))
    if input._requires_grad and grad_mode.enabled:
        node = PowBackward0()
        node.exponent = e
        fn = input.grad_fn
        node.next_functions = ((fn, input._output_nr) if fn is not None else (input._edge or leaf_edge(input)),)
        node.needs_input_grad = (True,)
        node.saved = (input,)
        node.arrays = (d,)
        vc = input._vc
        node.versions = (vc[0] if vc is not None else None,)
        node.epoch = EPOCH[0]
        res._requires_grad = True
        res.grad_fn = node
    return res


def _tensor_pow_kernel(b, e):
    return np.power(b, e)


@binary_op(_tensor_pow_kernel, SAVE_BOTH, name="pow_tensor", node_name="PowBackward1")
def _pow_tt(ctx, F, grad, base, exponent, out):
    """base ** exponent, both tensors. d/dbase = e * b^(e-1); d/de = b^e * log(b), taken
    as 0 where b == 0 and e >= 0 (PyTorch's convention)."""
    n = ctx.needs_input_grad
    gb = grad * exponent * F.pow(base, exponent - 1) if n[0] else None
    if n[1]:
        log_base = F.log(base) if isinstance(base, (np.ndarray, Tensor)) else math.log(base)
        ge = F.where((base == 0) & (exponent >= 0), F.zeros_like(out), grad * out * log_base)
    else:
        ge = None
    return gb, ge


def pow(input, exponent, *, out=None):
    """input ** exponent; either may be a Python number. Integer exponents are computed by
    multiplication. Integer tensors to negative integer powers raise RuntimeError."""
    if isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        res = _pow_tensor_scalar(input, exponent)
    elif isinstance(exponent, Tensor) and not isinstance(input, Tensor):
        res = _pow_tt(input, exponent)
    else:
        ed = exponent._data
        if input._data.dtype.kind in "iu" and ed.dtype.kind in "iu" and (ed < 0).any():
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        res = _pow_tt(input, exponent)
    return res if out is None else out.copy_(res)


def _apow(x, e):
    """``A.pow``: the array form, with the fast integer path."""
    if isinstance(e, np.ndarray):
        return np.power(x, e)
    return _pow_scalar_kernel(x, e)


register("pow", _apow, pow)


def float_power(input, exponent):
    """pow computed in float64."""
    a = input.double() if isinstance(input, Tensor) else float(input)
    b = exponent.double() if isinstance(exponent, Tensor) else exponent
    return pow(a, b)


@unary_op(np.square, SAVE_INPUTS, floating=False)
def square(ctx, F, grad, x):
    """x^2. d/dx = 2x."""
    return grad * 2 * x


@unary_op(np.sqrt, SAVE_OUTPUT)
def sqrt(ctx, F, grad, out):
    """Square root. d/dx = 1 / (2 sqrt(x)), from the saved output."""
    return grad / (2 * out)


def _rsqrt(x):
    return 1 / np.sqrt(x)


@unary_op(_rsqrt, SAVE_OUTPUT)
def rsqrt(ctx, F, grad, out):
    """1 / sqrt(x). d/dx = -out^3 / 2."""
    return -0.5 * grad * out * out * out


def _reciprocal(x):
    return 1 / x


@unary_op(_reciprocal, SAVE_OUTPUT)
def reciprocal(ctx, F, grad, out):
    """1 / x. d/dx = -out^2."""
    return -grad * out * out


def lerp(input, end, weight):
    """input + weight * (end - input)."""
    return input + weight * (end - input)


def addcmul(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 * tensor2."""
    p = tensor1 * tensor2
    return input + (p * value if value != 1 else p)


def addcdiv(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 / tensor2."""
    q = tensor1 / tensor2
    return input + (q * value if value != 1 else q)


def hypot(input, other):
    """sqrt(input^2 + other^2)."""
    return sqrt(input * input + other * other)


def xlogy(input, other):
    """input * log(other), 0 where input == 0."""
    if not isinstance(input, Tensor):
        input = _make(np.asarray(input, _dt.result_type(other).np))
    return where(input == 0, 0.0, input * log(other))


# -- dtype cast (differentiable) ---------------------------------------------------------
class ToCopyBackward0(Node):
    """A dtype conversion: the gradient is converted back to the input's dtype."""

    __slots__ = ()

    def run(self, F, grad, diff):
        return (F.cast(grad, self.src),)


def _cast(input, dtype):
    """``input`` converted to ``dtype`` (a new tensor; differentiable between float types)."""
    res = _make(input._data.astype(dtype.np))
    if input._requires_grad and grad_mode.enabled and dtype.is_floating_point:
        node = ToCopyBackward0()
        node.src = input._data.dtype
        record(node, (input,), (res,))
    return res


def _acast(x, np_dtype):
    return x if x.dtype == np_dtype else np.asarray(x).astype(np_dtype)


def _tcast(x, np_dtype):
    return x if x._data.dtype == np_dtype else _cast(x, _dt.FROM_NP[np.dtype(np_dtype)])


register("cast", _acast, _tcast)


def _azeros_like(x):
    return np.zeros_like(x)


def _tzeros_like(x):
    return _make(np.zeros_like(x._data))


register("zeros_like", _azeros_like, _tzeros_like)


add_inplace = _inplace_binary(np.add, add)
sub_inplace = _inplace_binary(np.subtract, sub)
mul_inplace = _inplace_binary(np.multiply, mul)
div_inplace = _inplace_binary(np.true_divide, _div)


METHODS = [
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "floor_divide",
    "remainder", "fmod", "atan2", "arctan2", "neg", "negative", "pow", "float_power", "square", "sqrt",
    "rsqrt", "reciprocal", "lerp", "addcmul", "addcdiv", "hypot", "xlogy",
]


def _rsub(self, other):
    return sub(other, self)


def _rdiv(self, other):
    return true_div(other, self)


def _rpow(self, other):
    return pow(other, self)


def _rfloordiv(self, other):
    return floor_divide(other, self)


def _rmod(self, other):
    return remainder(other, self)


def _pow_dunder(self, exponent):
    """``x ** n``: small integer powers without autograd go straight to multiplication."""
    if exponent.__class__ is int and 2 <= exponent <= 3 and not (self._requires_grad and grad_mode.enabled):
        d = self._data
        if d.dtype.kind != "b":
            return wrap(d * d if exponent == 2 else d * d * d)
    return pow(self, exponent)


def _pow_inplace(self, e):
    return apply_inplace(self, pow, e)


DUNDERS = {
    # NOTE: arithmetic dunders call the op directly (an unknown operand type raises TypeError
    # inside it); comparisons keep the guard so that ``t == None`` is False, not an error.
    "__add__": _add, "__radd__": _add, "__iadd__": add_inplace,
    "__sub__": _sub, "__rsub__": _rsub, "__isub__": sub_inplace,
    "__mul__": mul, "__rmul__": mul, "__imul__": mul_inplace,
    "__truediv__": true_div, "__rtruediv__": _rdiv, "__itruediv__": div_inplace,
    "__floordiv__": guard(floor_divide), "__rfloordiv__": guard(_rfloordiv),
    "__ifloordiv__": _inplace_binary(np.floor_divide, floor_divide),
    "__mod__": guard(remainder), "__rmod__": guard(_rmod), "__imod__": _inplace_binary(np.remainder, remainder),
    "__pow__": _pow_dunder, "__rpow__": guard(_rpow), "__ipow__": _pow_inplace,
    "__neg__": neg, "__pos__": lambda self: self,
    "add_": add_inplace, "sub_": sub_inplace, "subtract_": sub_inplace, "mul_": mul_inplace,
    "multiply_": mul_inplace, "div_": div_inplace, "divide_": div_inplace, "true_divide_": div_inplace,
    "pow_": _pow_inplace,
}
DUNDERS.update({name + "_": inplace_method(globals()[name]) for name in [
    "neg", "negative", "square", "sqrt", "rsqrt", "reciprocal", "floor_divide", "remainder", "fmod", "atan2",
    "lerp", "addcmul", "addcdiv", "hypot", "xlogy", "float_power"]})
