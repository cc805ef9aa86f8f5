"""Elementwise ops: arithmetic, powers, transcendental functions, comparisons, clamping.

Each primitive is an array kernel (the decorator's argument) and its gradient rule
(the decorated function), side by side. Rules receive ``ctx`` (the graph node),
``F`` (the namespace of functions: arrays or Tensors) and ``grad``, then the saved
values. Composites (``sub``, ``lerp``, ``addcmul``) are written from primitives and
need no rule.
"""
import math

import numpy as np

from .. import dtypes as _dt
from ..autograd import grad_mode
from ..tensor import Tensor
from ._scaffold import (A, T, EPOCH, EPOCH as _EPOCH, SAVE_BOTH, SAVE_INPUTS, SAVE_NONE, SAVE_OUTPUT, Node, UnaryNode, binary_op,
                        grad_accumulator, needs_grad, record, register, save_output, unary_op, wrap)

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
            and grad.dtype == other.dtype:
        return np.dot(grad, other)
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
        node.next_functions = ((fn, input._output_nr) if fn is not None else (grad_accumulator(input), 0),)
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


# -- exponentials and logarithms -------------------------------------------------------
@unary_op(np.exp, SAVE_OUTPUT)
def exp(ctx, F, grad, out):
    """e^x. d/dx = e^x, the saved output."""
    return grad * out


@unary_op(np.exp2, SAVE_OUTPUT)
def exp2(ctx, F, grad, out):
    """2^x. d/dx = 2^x ln 2."""
    return grad * out * math.log(2.0)


@unary_op(np.expm1, SAVE_OUTPUT)
def expm1(ctx, F, grad, out):
    """e^x - 1, accurate near 0. d/dx = out + 1."""
    return grad * (out + 1)


@unary_op(np.log, SAVE_INPUTS)
def log(ctx, F, grad, x):
    """Natural logarithm. d/dx = 1/x."""
    return grad / x


@unary_op(np.log2, SAVE_INPUTS)
def log2(ctx, F, grad, x):
    """Base-2 logarithm. d/dx = 1/(x ln 2)."""
    return grad / (x * math.log(2.0))


@unary_op(np.log10, SAVE_INPUTS)
def log10(ctx, F, grad, x):
    """Base-10 logarithm. d/dx = 1/(x ln 10)."""
    return grad / (x * math.log(10.0))


@unary_op(np.log1p, SAVE_INPUTS)
def log1p(ctx, F, grad, x):
    """log(1 + x), accurate near 0. d/dx = 1/(1 + x)."""
    return grad / (x + 1)


# -- trigonometric and hyperbolic -----------------------------------------------------
@unary_op(np.sin, SAVE_INPUTS)
def sin(ctx, F, grad, x):
    """Sine. d/dx = cos x."""
    return grad * F.cos(x)


@unary_op(np.cos, SAVE_INPUTS)
def cos(ctx, F, grad, x):
    """Cosine. d/dx = -sin x."""
    return -grad * F.sin(x)


@unary_op(np.tan, SAVE_OUTPUT)
def tan(ctx, F, grad, out):
    """Tangent. d/dx = 1 + tan^2 x."""
    return grad * (out * out + 1)


@unary_op(np.arcsin, SAVE_INPUTS, name="asin")
def asin(ctx, F, grad, x):
    """Arcsine. d/dx = 1/sqrt(1 - x^2)."""
    return grad * F.rsqrt(1 - x * x)


@unary_op(np.arccos, SAVE_INPUTS, name="acos")
def acos(ctx, F, grad, x):
    """Arccosine. d/dx = -1/sqrt(1 - x^2)."""
    return -grad * F.rsqrt(1 - x * x)


@unary_op(np.arctan, SAVE_INPUTS, name="atan")
def atan(ctx, F, grad, x):
    """Arctangent. d/dx = 1/(1 + x^2)."""
    return grad / (x * x + 1)


@unary_op(np.sinh, SAVE_INPUTS)
def sinh(ctx, F, grad, x):
    """Hyperbolic sine. d/dx = cosh x."""
    return grad * F.cosh(x)


@unary_op(np.cosh, SAVE_INPUTS)
def cosh(ctx, F, grad, x):
    """Hyperbolic cosine. d/dx = sinh x."""
    return grad * F.sinh(x)


@unary_op(np.tanh, SAVE_OUTPUT)
def tanh(ctx, F, grad, out):
    """Hyperbolic tangent. d/dx = 1 - tanh^2 x, from the saved output."""
    return grad * (1 - out * out)


@unary_op(np.arcsinh, SAVE_INPUTS, name="asinh")
def asinh(ctx, F, grad, x):
    """Inverse hyperbolic sine. d/dx = 1/sqrt(x^2 + 1)."""
    return grad * F.rsqrt(x * x + 1)


@unary_op(np.arccosh, SAVE_INPUTS, name="acosh")
def acosh(ctx, F, grad, x):
    """Inverse hyperbolic cosine. d/dx = 1/sqrt(x^2 - 1)."""
    return grad * F.rsqrt(x * x - 1)


@unary_op(np.arctanh, SAVE_INPUTS, name="atanh")
def atanh(ctx, F, grad, x):
    """Inverse hyperbolic tangent. d/dx = 1/(1 - x^2)."""
    return grad / (1 - x * x)


arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh


def _sigmoid_kernel(x):
    # NOTE: 1/(1+e^-x) overflows harmlessly to 0 for very negative x (errors are ignored).
    return 1 / (1 + np.exp(-x))


@unary_op(_sigmoid_kernel, SAVE_OUTPUT)
def sigmoid(ctx, F, grad, out):
    """Logistic sigmoid 1/(1+e^-x). d/dx = s (1 - s), from the saved output."""
    return grad * out * (1 - out)


def _logit_kernel(x):
    return np.log(x / (1 - x))


def logit(input, eps=None):
    """log(p / (1 - p)); with ``eps`` the input is clamped to [eps, 1 - eps] first."""
    if eps is not None:
        input = clamp(input, eps, 1 - eps)
    return log(input / (1 - input))


def _relu_kernel(x):
    return np.maximum(x, 0, dtype=x.dtype) if x.dtype.kind != "b" else x.copy()


@unary_op(_relu_kernel, SAVE_OUTPUT, floating=False)
def relu(ctx, F, grad, out):
    """max(x, 0). d/dx = 1 where x > 0, else 0 (the subgradient at 0 is 0).

    NOTE: written with ``where`` on the saved output, so the rule needs no copy of the input.
    """
    return F.where(out > 0, grad, F.zeros_like(grad))


def _erf_kernel(x):
    return _erf(x)


def _erf(x):
    """Vectorized erf, accurate to about 1e-16 (W. J. Cody's rational approximations)."""
    x = np.asarray(x)
    dtype = x.dtype
    xd = x.astype(np.float64)
    ax = np.abs(xd)
    out = np.empty_like(xd)
    small = ax < 0.5
    if small.any():
        t = xd[small]
        z = t * t
        p = ((((1.857777061846031526730e-1 * z + 3.161123743870565596947e0) * z + 1.138641541510501556495e2) * z
              + 3.774852376853020208137e2) * z + 3.209377589138469472562e3)
        q = ((((z + 2.360129095234412093499e1) * z + 2.440246379344441733056e2) * z
              + 1.282616526077372275645e3) * z + 2.844236833439170622273e3)
        out[small] = t * p / q
    mid = (~small) & (ax < 4.0)
    if mid.any():
        t = ax[mid]
        p = 2.15311535474403846343e-8
        for c in (5.64188496988670089180e-1, 8.88314979438837594118e0, 6.61191906371416294775e1,
                  2.98635138197400131132e2, 8.81952221241769090411e2, 1.71204761263407058314e3,
                  2.05107837782607146532e3, 1.23033935479799725272e3):
            p = p * t + c
        q = 1.0
        for c in (1.57449261107098347253e1, 1.17693950891312499305e2, 5.37181101862009857509e2,
                  1.62138957456669018874e3, 3.29079923573345962678e3, 4.36261909014324715820e3,
                  3.43936767414372163696e3, 1.23033935480374942043e3):
            q = q * t + c
        erfc = np.exp(-t * t) * p / q
        out[mid] = np.copysign(1.0 - erfc, xd[mid])
    big = ~(small | mid)
    if big.any():
        t = ax[big]
        z = 1.0 / (t * t)
        p = 1.63153871373020978498e-2
        for c in (3.05326634961232344035e-1, 3.60344899949804439429e-1, 1.25781726111229246204e-1,
                  1.60837851487422766278e-2, 6.58749161529837803157e-4):
            p = p * z + c
        q = 1.0
        for c in (2.56852019228982242072e0, 1.87295284992346725209e0, 5.27905102951428412248e-1,
                  6.05183413124413191178e-2, 2.33520497626869185443e-3):
            q = q * z + c
        r = z * p / q
        erfc = np.exp(-t * t) / t * (0.56418958354775628695 - r)
        erfc = np.where(np.isfinite(t), erfc, 0.0)
        out[big] = np.copysign(1.0 - erfc, xd[big])
    nan = np.isnan(xd)
    if nan.any():
        out[nan] = np.nan
    return out.astype(dtype, copy=False)


_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


@unary_op(_erf_kernel, SAVE_INPUTS)
def erf(ctx, F, grad, x):
    """Error function. d/dx = 2/sqrt(pi) e^(-x^2)."""
    return grad * _TWO_OVER_SQRT_PI * F.exp(-(x * x))


def _erfc_kernel(x):
    return 1 - _erf(x)


@unary_op(_erfc_kernel, SAVE_INPUTS)
def erfc(ctx, F, grad, x):
    """Complementary error function 1 - erf(x). d/dx = -2/sqrt(pi) e^(-x^2)."""
    return -grad * _TWO_OVER_SQRT_PI * F.exp(-(x * x))


def _erfinv_kernel(y):
    """Inverse of erf by Giles' single-precision start and two Newton steps in float64."""
    y64 = np.asarray(y, dtype=np.float64)
    w = -np.log((1.0 - y64) * (1.0 + y64))
    small = w < 5.0
    ws = w - 2.5
    p_s = 2.81022636e-08
    for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
              -0.00417768164, 0.246640727, 1.50140941):
        p_s = p_s * ws + c
    wb = np.sqrt(np.where(small, 5.0, w)) - 3.0
    p_b = -0.000200214257
    for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
              0.00943887047, 1.00167406, 2.83297682):
        p_b = p_b * wb + c
    x = np.where(small, p_s, p_b) * y64
    for _ in range(2):
        err = _erf(x) - y64
        x = x - err / (_TWO_OVER_SQRT_PI * np.exp(-x * x))
    x = np.where(y64 == 1, np.inf, np.where(y64 == -1, -np.inf, x))
    x = np.where(np.abs(y64) > 1, np.nan, x)
    return x.astype(np.asarray(y).dtype, copy=False)


@unary_op(_erfinv_kernel, SAVE_OUTPUT)
def erfinv(ctx, F, grad, out):
    """Inverse error function. d/dy = sqrt(pi)/2 e^(out^2)."""
    return grad * (math.sqrt(math.pi) / 2) * F.exp(out * out)


# -- piecewise functions ---------------------------------------------------------------
def _abs_kernel(x):
    return np.abs(x)


@unary_op(_abs_kernel, SAVE_INPUTS, floating=False, name="abs")
def abs(ctx, F, grad, x):
    """|x|. d/dx = sign(x) (0 at 0)."""
    return grad * F.sign(x)


absolute = abs


def _sign_kernel(x):
    return np.sign(x) if x.dtype.kind != "b" else x.copy()


@unary_op(_sign_kernel, SAVE_NONE, floating=False)
def sign(ctx, F, grad):
    """-1, 0 or 1. Piecewise constant: gradient zero."""
    return F.zeros_like(grad)


sgn = sign


def _zero_grad_unary(kernel, name):
    def rule(ctx, F, grad):
        return F.zeros_like(grad)

    rule.__name__ = name
    rule.__doc__ = f"{name}: piecewise constant, its gradient is zero."
    return unary_op(kernel, SAVE_NONE, floating=False, name=name)(rule)


def _int_preserving(f):
    def k(x):
        return f(x) if x.dtype.kind == "f" else x.copy()

    return k


floor = _zero_grad_unary(_int_preserving(np.floor), "floor")
ceil = _zero_grad_unary(_int_preserving(np.ceil), "ceil")
trunc = _zero_grad_unary(_int_preserving(np.trunc), "trunc")
fix = trunc
_round0 = _zero_grad_unary(_int_preserving(np.round), "round")


def round(input, *, decimals=0, out=None):
    """Round half to even; with ``decimals``, to that many decimal places."""
    if decimals == 0:
        return _round0(input, out=out)
    s = 10.0 ** decimals
    res = _round0(input * s) / s
    return res if out is None else out.copy_(res)


def _frac_kernel(x):
    return x - np.trunc(x)


@unary_op(_frac_kernel, SAVE_NONE)
def frac(ctx, F, grad):
    """x - trunc(x). d/dx = 1."""
    return grad


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
        g = F.where(mask, grad, F.zeros_like(grad))
        if g.shape != x.shape:
            g = F.sum_to(g, x.shape)
        gl = gh = None
        n = self.needs_input_grad
        if n[1]:
            gl = F.where(x < lo, grad, F.zeros_like(grad))
            if hi is not None:
                gl = F.where((x < lo) & (lo <= hi), grad, F.zeros_like(grad))
            gl = F.sum_to(gl, lo.shape)
        if n[2]:
            gh = F.where(x > hi, grad, F.zeros_like(grad))
            if lo is not None:
                gh = F.where((x > hi) | (lo > hi), grad, F.zeros_like(grad))
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
    half = grad / 2
    z = F.zeros_like(grad)
    gx = F.where(x > y, grad, F.where(x == y, half, z))
    gy = F.where(y > x, grad, F.where(x == y, half, z))
    return gx, gy


@binary_op(np.minimum, SAVE_INPUTS, name="minimum")
def minimum(ctx, F, grad, x, y):
    """Elementwise min. The gradient goes to the smaller input; ties split it in half."""
    half = grad / 2
    z = F.zeros_like(grad)
    gx = F.where(x < y, grad, F.where(x == y, half, z))
    gy = F.where(y < x, grad, F.where(x == y, half, z))
    return gx, gy


@binary_op(np.fmax, SAVE_INPUTS, name="fmax")
def fmax(ctx, F, grad, x, y):
    """Elementwise max ignoring NaN. Ties (and a NaN in y) send the gradient to x."""
    to_x = (x >= y) | (y != y)
    z = F.zeros_like(grad)
    return F.where(to_x, grad, z), F.where(to_x, z, grad)


@binary_op(np.fmin, SAVE_INPUTS, name="fmin")
def fmin(ctx, F, grad, x, y):
    """Elementwise min ignoring NaN. Ties (and a NaN in y) send the gradient to x."""
    to_x = (x <= y) | (y != y)
    z = F.zeros_like(grad)
    return F.where(to_x, grad, z), F.where(to_x, z, grad)


class WhereBackward0(Node):
    """where(cond, x, y): the gradient goes to x where cond holds, to y elsewhere."""

    __slots__ = ()

    def run(self, F, grad, diff):
        cond, x_shape, y_shape = self.unpack(diff)
        z = F.zeros_like(grad)
        n = self.needs_input_grad
        gx = F.sum_to(F.where(cond, grad, z), x_shape) if n[1] else None
        gy = F.sum_to(F.where(cond, z, grad), y_shape) if n[2] else None
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


# -- comparisons and logic: boolean results, no gradient --------------------------------
def _nondiff_binary(kernel, name):
    def op(input, other, *, out=None):
        a = input._data if isinstance(input, Tensor) else input
        b = other._data if isinstance(other, Tensor) else other
        if isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype is not b.dtype:
            if a.dtype.kind != b.dtype.kind:
                from ._scaffold import promote_pair

                a, b = promote_pair(a, b)
        # NOTE: PyTorch converts a Python scalar to the integer/bool tensor's type first: an
        # out-of-range int wraps (uint8 < -1 compares with 255), a float promotes the tensor.
        elif b.__class__ in (int, float) and a.__class__ is np.ndarray and a.dtype.kind != "f":
            from ._scaffold import promote_scalar

            a, b = promote_scalar(a, b)
        elif a.__class__ in (int, float) and b.__class__ is np.ndarray and b.dtype.kind != "f":
            from ._scaffold import promote_scalar

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


# -- in-place forms ---------------------------------------------------------------------------
def _cast_error(res_dt, out_dt):
    return RuntimeError(f"result type {_dt.FROM_NP[np.dtype(res_dt)].name.capitalize().replace('Float32', 'Float')} "
                        f"can't be cast to the desired output type {_TYPE_NAMES[out_dt.name]}")


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
            ufunc(d, o, d)  # NOTE: positional ``out`` and default casting: the cheapest call
        except ValueError:
            _copy_into(self, d)  # a read-only (expanded) tensor: raises PyTorch's overlap error
            raise
        vc = self._vc
        if vc is None:
            self._vc = [1]
        else:
            vc[0] += 1
        _EPOCH[0] += 1
        return self

    method.__name__ = op.__name__ + "_"
    return method


def _inplace_unary(op):
    def method(self, *args, **kwargs):
        return apply_inplace(self, op, *args, **kwargs)

    method.__name__ = op.__name__ + "_"
    return method


add_inplace = _inplace_binary(np.add, add)
sub_inplace = _inplace_binary(np.subtract, sub)
mul_inplace = _inplace_binary(np.multiply, mul)
div_inplace = _inplace_binary(np.true_divide, _div)


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


METHODS = [
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "floor_divide",
    "remainder", "fmod", "atan2", "arctan2", "neg", "negative", "pow", "float_power", "square", "sqrt",
    "rsqrt", "reciprocal", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sin", "cos", "tan",
    "asin", "acos", "atan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh",
    "arcsinh", "arccosh", "arctanh", "sigmoid", "logit", "relu", "erf", "erfc", "erfinv", "abs", "absolute",
    "sign", "sgn", "floor", "ceil", "trunc", "fix", "round", "frac", "clamp", "clip", "clamp_min",
    "clamp_max", "maximum", "minimum", "fmax", "fmin", "lerp", "addcmul", "addcdiv", "hypot", "xlogy",
    "eq", "ne", "lt", "le", "gt", "ge", "less", "less_equal", "greater", "greater_equal", "not_equal",
    "logical_and", "logical_or", "logical_xor", "logical_not", "bitwise_and", "bitwise_or", "bitwise_xor",
    "bitwise_not", "isnan", "isinf", "isposinf", "isneginf", "isfinite", "signbit", "isclose", "allclose",
    "equal", "nan_to_num", "zero_", "fill_", "copy_",
]

# Module-level names that are functions only (not Tensor methods).
FUNCTIONS = ["where"]


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


def _reflected(fn):
    def r(self, other):
        return fn(other, self)
    return r


def _guard(fn):
    """Binary dunders return NotImplemented for operands ember does not know (e.g. lists)."""
    def d(self, other):
        if not isinstance(other, (Tensor, int, float, bool, np.generic)):
            if isinstance(other, np.ndarray):
                other = _make(other)
            else:
                return NotImplemented
        return fn(self, other)
    d.__name__ = fn.__name__
    return d


DUNDERS = {
    # NOTE: arithmetic dunders call the op directly (an unknown operand type raises TypeError
    # inside it); comparisons keep the guard so that ``t == None`` is False, not an error.
    "__add__": _add, "__radd__": _add, "__iadd__": add_inplace,
    "__sub__": _sub, "__rsub__": _rsub, "__isub__": sub_inplace,
    "__mul__": mul, "__rmul__": mul, "__imul__": mul_inplace,
    "__truediv__": true_div, "__rtruediv__": _rdiv, "__itruediv__": div_inplace,
    "__floordiv__": _guard(floor_divide), "__rfloordiv__": _guard(_rfloordiv),
    "__ifloordiv__": _inplace_binary(np.floor_divide, floor_divide),
    "__mod__": _guard(remainder), "__rmod__": _guard(_rmod), "__imod__": _inplace_binary(np.remainder, remainder),
    "__pow__": _pow_dunder, "__rpow__": _guard(_rpow), "__ipow__": _pow_inplace,
    "__neg__": neg, "__pos__": lambda self: self, "__abs__": abs, "__invert__": bitwise_not,
    "__eq__": _guard(eq), "__ne__": _guard(ne), "__lt__": _guard(lt), "__le__": _guard(le),
    "__gt__": _guard(gt), "__ge__": _guard(ge),
    "__and__": _guard(bitwise_and), "__or__": _guard(bitwise_or), "__xor__": _guard(bitwise_xor),
    "__rand__": _guard(_reflected(bitwise_and)), "__ror__": _guard(_reflected(bitwise_or)),
    "__rxor__": _guard(_reflected(bitwise_xor)),
    "add_": add_inplace, "sub_": sub_inplace, "subtract_": sub_inplace, "mul_": mul_inplace,
    "multiply_": mul_inplace, "div_": div_inplace, "divide_": div_inplace, "true_divide_": div_inplace,
    "pow_": _pow_inplace,
}

# Every other out-of-place method with a natural in-place twin gets one: ``x.exp_()``.
for _name in ["neg", "negative", "square", "sqrt", "rsqrt", "reciprocal", "exp", "exp2", "expm1", "log",
              "log2", "log10", "log1p", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh",
              "asinh", "acosh", "atanh", "sigmoid", "logit", "relu", "erf", "erfc", "erfinv", "abs", "sign",
              "floor", "ceil", "trunc", "round", "frac", "clamp", "clip", "clamp_min", "clamp_max",
              "floor_divide", "remainder", "fmod", "atan2", "lerp", "addcmul", "addcdiv", "hypot", "xlogy",
              "maximum", "minimum", "fmax", "fmin", "nan_to_num", "logical_not", "logical_and",
              "logical_or", "logical_xor", "bitwise_not", "bitwise_and", "bitwise_or", "bitwise_xor",
              "eq", "ne", "lt", "le", "gt", "ge", "float_power"]:
    DUNDERS.setdefault(_name + "_", _inplace_unary(globals()[_name]))
