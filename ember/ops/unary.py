"""Unary elementwise math: exponentials and logarithms, trigonometric and hyperbolic
functions, sigmoid, relu, the error function family, abs/sign and rounding.

Each op is its array kernel (the decorator's argument) and its gradient rule (the
decorated function) side by side; see ``_scaffold.unary_op``.
"""
import math

import numpy as np

from ._scaffold import SAVE_INPUTS, SAVE_NONE, SAVE_OUTPUT, register, unary_op
from .compare import clamp
from .inplace import inplace_method


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
    """max(x, 0). d/dx = 1 where x > 0, else 0 (the subgradient at 0 is 0); the mask comes
    from the saved output, so no copy of the input is kept."""
    return F.masked_grad(grad, out > 0)


def _masked_grad_kernel(grad, mask):
    """``grad`` where ``mask`` holds, else 0.

    NOTE: NumPy's ``where`` (and any ``where=`` argument) runs ~30x slower than a multiply by
    the bool mask. The multiply alone would turn a NaN gradient at a masked-out place into NaN
    rather than PyTorch's 0, so a NaN in the product sends the call to the exact ``where``.
    """
    r = grad * mask
    if np.isnan(np.add.reduce(r, None)):
        r = np.where(mask, grad, 0).astype(r.dtype, copy=False)
    return r


def _masked_grad(grad, mask):
    from .compare import where

    return where(mask, grad, 0.0)


register("masked_grad", _masked_grad_kernel, _masked_grad)


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


METHODS = [
    "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sin", "cos", "tan", "asin", "acos", "atan",
    "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "arcsinh", "arccosh",
    "arctanh", "sigmoid", "logit", "relu", "erf", "erfc", "erfinv", "abs", "absolute", "sign", "sgn", "floor",
    "ceil", "trunc", "fix", "round", "frac",
]

DUNDERS = {"__abs__": abs}
DUNDERS.update({name + "_": inplace_method(globals()[name]) for name in [
    "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sin", "cos", "tan", "asin", "acos", "atan", "sinh",
    "cosh", "tanh", "asinh", "acosh", "atanh", "sigmoid", "logit", "relu", "erf", "erfc", "erfinv", "abs", "sign",
    "floor", "ceil", "trunc", "round", "frac"]})
