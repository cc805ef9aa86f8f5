"""Smooth activations: gelu, silu, softplus, mish, softsign and logsigmoid.

Each primitive is a forward kernel on arrays and a gradient node right below it, its rule
written once against ``F`` (see ``activation_piecewise.py`` for the shared helpers); the
kernels are written so that exp never overflows. softsign is a composite and needs no rule.
Their piecewise relatives are in ``activation_piecewise.py``, softmax and glu in ``softmax.py``.
"""
import math

import numpy as np

from ._scaffold import register
from .activation_piecewise import Pointwise, _apply, _floating, _maybe_inplace

# -- smooth gates --------------------------------------------------------------------------------------
_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_K_TANH = math.sqrt(2.0 / math.pi)


class GeluBackward0(Pointwise):
    """gelu(x) = x * Phi(x) (Phi the normal CDF). Exact: d/dx = Phi(x) + x * phi(x).
    tanh approximation, gelu = x/2 (1 + tanh(u)) with u = k (x + 0.044715 x^3), k = sqrt(2/pi):
    d/dx = (1 + t)/2 + x/2 (1 - t^2) k (1 + 3 * 0.044715 x^2), t = tanh(u)."""

    __slots__ = ()

    def rule(self, F, grad, x):
        if self.approximate == "tanh":
            x2 = x * x
            t = F.tanh((x + x2 * x * 0.044715) * _K_TANH)
            return grad * ((t + 1) * 0.5 + x * 0.5 * (1 - t * t) * _K_TANH * (x2 * (3 * 0.044715) + 1))
        cdf = (F.erf(x * _SQRT_HALF) + 1) * 0.5
        return grad * (cdf + x * F.exp(x * x * -0.5) * _INV_SQRT_2PI)


def gelu(input, approximate="none"):
    """Gaussian error linear unit; ``approximate='tanh'`` uses the tanh formula."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    d = _floating(input, "GeluKernelImpl")
    if approximate == "tanh":
        r = 0.5 * d * (1 + np.tanh(_K_TANH * (d + 0.044715 * d * d * d)))
    else:
        from .unary import _erf

        r = 0.5 * d * (1 + _erf(d * _SQRT_HALF))
    return _apply(GeluBackward0, input, r.astype(d.dtype, copy=False), approximate=approximate)


class SiluBackward0(Pointwise):
    """silu(x) = x * sigmoid(x). d/dx = s (1 + x (1 - s)), s = sigmoid(x)."""

    __slots__ = ()

    def rule(self, F, grad, x):
        s = F.sigmoid(x)
        return grad * s * (x * (1 - s) + 1)


def _silu(input):
    d = _floating(input, "silu_cpu")
    return _apply(SiluBackward0, input, d / (1 + np.exp(-d)))


def silu(input, inplace=False):
    return _maybe_inplace(_silu, input, inplace)


def _softplus_kernel(x, beta=1.0, threshold=20.0):
    """log(1 + exp(beta x)) / beta, as max(bx, 0) + log1p(exp(-|bx|)) so exp never overflows;
    x itself where beta x > threshold (PyTorch's linear regime)."""
    bx = x * beta
    r = (np.maximum(bx, 0) + np.log1p(np.exp(-np.abs(bx)))) / beta
    return np.where(bx > threshold, x, r).astype(x.dtype, copy=False)


class SoftplusBackward0(Pointwise):
    """softplus(x) = log(1 + exp(beta x)) / beta. d/dx = sigmoid(beta x) (1 where beta x > threshold)."""

    __slots__ = ()

    def rule(self, F, grad, x):
        bx = x * self.beta
        return F.where(bx > self.threshold, grad, grad * F.sigmoid(bx))


def softplus(input, beta=1.0, threshold=20.0):
    """A smooth relu: log(1 + exp(beta x)) / beta (stable for large |x|)."""
    d = _floating(input, "softplus_cpu")
    return _apply(SoftplusBackward0, input, _softplus_kernel(d, beta, threshold), beta=beta, threshold=threshold)


register("softplus", _softplus_kernel, softplus)


class MishBackward0(Pointwise):
    """mish(x) = x tanh(softplus(x)). d/dx = t + x sigmoid(x) (1 - t^2), t = tanh(softplus(x))."""

    __slots__ = ()

    def rule(self, F, grad, x):
        t = F.tanh(F.softplus(x))
        return grad * (t + x * F.sigmoid(x) * (1 - t * t))


def _mish(input):
    d = _floating(input, "mish_cpu")
    return _apply(MishBackward0, input, d * np.tanh(_softplus_kernel(d)))


def mish(input, inplace=False):
    return _maybe_inplace(_mish, input, inplace)


def softsign(input):
    """x / (1 + |x|) (a composite, like PyTorch's: its node is ``DivBackward0``)."""
    return input / (input.abs() + 1)


class LogSigmoidBackward0(Pointwise):
    """logsigmoid(x) = -softplus(-x). d/dx = sigmoid(-x) = 1 - sigmoid(x)."""

    __slots__ = ()

    def rule(self, F, grad, x):
        return grad * F.sigmoid(-x)


def logsigmoid(input):
    """log(sigmoid(x)), computed as min(x, 0) - log1p(exp(-|x|)) so that it never overflows."""
    d = _floating(input, "log_sigmoid_cpu")
    return _apply(LogSigmoidBackward0, input, np.minimum(d, 0) - np.log1p(np.exp(-np.abs(d))))
