"""Activation functions: relu and its relatives, smooth rectifiers, gates, and softmax.

Each primitive is a forward kernel on arrays and a gradient node right below it. The node's
``rule`` is written once against ``F`` (arrays or Tensors, see ``ember/autograd/node.py``),
so every activation supports double backward. Piecewise rules are ``F.where`` on a mask of
the input: a mask is constant, so the second derivative comes out right (0 on linear pieces).
Composites (softsign, tanhshrink, softmin, glu) need no rule of their own.

``inplace=True`` (where PyTorch has it) computes out of place and writes the result into
the input (``apply_inplace``), so autograd sees the same graph as PyTorch's in-place kernels.
"""
import math
import warnings

import numpy as np

from .. import dtypes as _dt
from ..autograd import grad_mode
from ._scaffold import Node, record, register, save_output, wrap
from .inplace import apply_inplace
from .unary import relu, sigmoid, tanh
from .reduce import normalize_dims

__all__ = ["relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "prelu", "elu", "elu_", "selu", "selu_", "celu",
           "celu_", "gelu", "silu", "mish", "softplus", "softsign", "tanh", "sigmoid", "hardtanh", "hardtanh_",
           "hardsigmoid", "hardswish", "logsigmoid", "threshold", "threshold_", "softmax", "log_softmax", "softmin",
           "glu", "tanhshrink", "softshrink", "hardshrink"]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


# -- helpers ------------------------------------------------------------------------------------------
def _floating(input, kernel):
    """The input's array; PyTorch's error for integer inputs (these kernels are float-only)."""
    d = input._data
    if d.dtype.kind != "f":
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_dt.TYPE_NAMES[input.dtype]}'")
    return d


class Pointwise(Node):
    """One input, one output of the same shape; ``rule(F, grad, *saved)`` gives the input's gradient."""

    __slots__ = ()

    def run(self, F, grad, diff):
        return (self.rule(F, grad, *self.unpack(diff)),)


def _apply(node_cls, input, r, save_out=False, **attrs):
    """Wrap the kernel result ``r`` and record ``node_cls`` (saving the input, or the output)."""
    res = wrap(r)
    if input._requires_grad and grad_mode.enabled:
        node = node_cls()
        node.__dict__.update(attrs)
        record(node, (input,), (res,), (save_output(res),) if save_out else (input,))
    return res


def _maybe_inplace(op, input, inplace, *args):
    return apply_inplace(input, op, *args) if inplace else op(input, *args)


def _zero(F, grad):
    return F.zeros_like(grad)


# -- rectifiers ---------------------------------------------------------------------------------------
def relu_(input):
    """relu in place."""
    return apply_inplace(input, relu)


_relu = relu


def relu(input, inplace=False):  # noqa: F811  (the functional form adds ``inplace``)
    """max(x, 0). See ``ember.relu``."""
    return apply_inplace(input, _relu) if inplace else _relu(input)


class HardtanhBackward0(Pointwise):
    """hardtanh(x) = clamp(x, min_val, max_val). d/dx = 1 strictly inside (min_val, max_val), else 0."""

    __slots__ = ()

    def rule(self, F, grad, x):
        return F.masked_grad(grad, (x > self.min_val) & (x < self.max_val))


def _hardtanh(input, min_val, max_val):
    d = input._data
    r = np.minimum(np.maximum(d, min_val), max_val)
    return _apply(HardtanhBackward0, input, r.astype(d.dtype, copy=False), min_val=min_val, max_val=max_val)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """Clamp to [min_val, max_val] (integer inputs keep their dtype)."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _maybe_inplace(_hardtanh, input, inplace, min_val, max_val)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, True)


def relu6(input, inplace=False):
    """min(max(x, 0), 6): hardtanh(x, 0, 6), as in PyTorch (its node is ``HardtanhBackward0``)."""
    return hardtanh(input, 0.0, 6.0, inplace)


class LeakyReluBackward0(Pointwise):
    """leaky_relu(x) = x if x > 0 else slope * x. d/dx = 1 or slope."""

    __slots__ = ()

    def rule(self, F, grad, x):
        return F.where(x > 0, grad, grad * self.negative_slope)


def _leaky_relu(input, negative_slope):
    d = _floating(input, "leaky_relu_cpu")
    return _apply(LeakyReluBackward0, input, np.where(d > 0, d, d * negative_slope), negative_slope=negative_slope)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return _maybe_inplace(_leaky_relu, input, inplace, negative_slope)


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, True)


class PreluKernelBackward0(Node):
    """prelu(x, w) = x if x > 0 else w * x, with w broadcast along the channel dim (dim 1).
    d/dx = 1 or w; d/dw = 0 or x, summed over everything but the channel."""

    __slots__ = ()

    def run(self, F, grad, diff):
        x, w = self.unpack(diff)
        n = self.needs_input_grad
        pos = x > 0
        wb = F.reshape(w, self.wshape)
        gx = F.where(pos, grad, grad * wb) if n[0] else None
        gw = None
        if n[1]:
            gw = F.reshape(F.sum_to(F.where(pos, _zero(F, grad), grad * x), self.wshape), tuple(w.shape))
        return gx, gw


def prelu(input, weight):
    """Leaky relu with a learned slope per channel (``weight`` has 1 or C entries)."""
    d, w = input._data, weight._data
    if w.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {w.ndim}")
    if w.size != 1:
        if d.ndim == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        channels = d.shape[1] if d.ndim >= 2 else 1
        if channels != w.size:
            raise RuntimeError("Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                               f"{w.size} and channel size = {channels}.")
        wshape = (w.size,) + (1,) * (d.ndim - 2)
    else:
        wshape = ()
    r = np.where(d > 0, d, w.reshape(wshape) * d).astype(d.dtype, copy=False)
    res = wrap(r)
    if grad_mode.enabled and (input._requires_grad or weight._requires_grad):
        node = PreluKernelBackward0()
        node.wshape = wshape
        record(node, (input, weight), (res,), (input, weight))
    return res


# -- exponential linear units --------------------------------------------------------------------------
class EluBackward0(Pointwise):
    """elu(x) = scale * x for x > 0, else scale * alpha * (exp(x * input_scale) - 1) (elu, selu and,
    with input_scale = 1/alpha, celu). d/dx = scale, or scale * alpha * input_scale * exp(x * input_scale).

    NOTE: exp is taken of min(x, 0): on the positive side the unused branch would overflow, and
    in double backward ``0 * inf`` would poison the gradient with NaN.
    """

    __slots__ = ()

    def rule(self, F, grad, x):
        pos = x > 0
        xn = F.where(pos, _zero(F, x), x)
        neg = grad * (self.scale * self.alpha * self.input_scale) * F.exp(xn * self.input_scale)
        return F.where(pos, grad * self.scale, neg)


class CeluBackward0(EluBackward0):
    __slots__ = ()


def _elu(input, alpha, scale=1.0, input_scale=1.0, kernel="elu_cpu", node=EluBackward0):
    d = _floating(input, kernel)
    neg = np.expm1(np.minimum(d, 0) * input_scale) * (scale * alpha)
    r = np.where(d > 0, d * scale, neg).astype(d.dtype, copy=False)
    return _apply(node, input, r, alpha=alpha, scale=scale, input_scale=input_scale)


def elu(input, alpha=1.0, inplace=False):
    """x if x > 0 else alpha * (exp(x) - 1)."""
    return _maybe_inplace(_elu, input, inplace, alpha)


def elu_(input, alpha=1.0):
    return elu(input, alpha, True)


def selu(input, inplace=False):
    """scale * elu(x, alpha) with the self-normalizing constants (alpha ~ 1.6733, scale ~ 1.0507)."""
    return _maybe_inplace(_elu, input, inplace, _SELU_ALPHA, _SELU_SCALE)


def selu_(input):
    return selu(input, True)


def celu(input, alpha=1.0, inplace=False):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return _maybe_inplace(_elu, input, inplace, alpha, 1.0, 1.0 / alpha, "elu_cpu", CeluBackward0)


def celu_(input, alpha=1.0):
    return celu(input, alpha, True)


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


class HardsigmoidBackward0(Pointwise):
    """hardsigmoid(x) = relu6(x + 3) / 6. d/dx = 1/6 strictly inside (-3, 3), else 0."""

    __slots__ = ()

    def rule(self, F, grad, x):
        return F.masked_grad(grad / 6, (x > -3) & (x < 3))


def _hardsigmoid(input):
    d = _floating(input, "hardsigmoid_cpu")
    return _apply(HardsigmoidBackward0, input, np.minimum(np.maximum(d + 3, 0), 6) / 6)


def hardsigmoid(input, inplace=False):
    return _maybe_inplace(_hardsigmoid, input, inplace)


class HardswishBackward0(Pointwise):
    """hardswish(x) = x relu6(x + 3) / 6. d/dx = 0 below -3, x/3 + 1/2 on [-3, 3], 1 above."""

    __slots__ = ()

    def rule(self, F, grad, x):
        mid = F.where(x <= 3, grad * (x / 3 + 0.5), grad)
        return F.where(x < -3, _zero(F, grad), mid)


def _hardswish(input):
    d = _floating(input, "hardswish_cpu")
    return _apply(HardswishBackward0, input, d * np.minimum(np.maximum(d + 3, 0), 6) / 6)


def hardswish(input, inplace=False):
    return _maybe_inplace(_hardswish, input, inplace)


class LogSigmoidBackward0(Pointwise):
    """logsigmoid(x) = -softplus(-x). d/dx = sigmoid(-x) = 1 - sigmoid(x)."""

    __slots__ = ()

    def rule(self, F, grad, x):
        return grad * F.sigmoid(-x)


def logsigmoid(input):
    """log(sigmoid(x)), computed as min(x, 0) - log1p(exp(-|x|)) so that it never overflows."""
    d = _floating(input, "log_sigmoid_cpu")
    return _apply(LogSigmoidBackward0, input, np.minimum(d, 0) - np.log1p(np.exp(-np.abs(d))))


class ThresholdBackward0(Pointwise):
    """threshold(x) = x if x > threshold else value. d/dx = 1 where x > threshold, else 0."""

    __slots__ = ()

    def rule(self, F, grad, x):
        return F.masked_grad(grad, x > self.threshold)


def _threshold(input, threshold, value):
    d = input._data
    r = np.where(d > threshold, d, np.asarray(value).astype(d.dtype))
    return _apply(ThresholdBackward0, input, r, threshold=threshold)


def threshold(input, threshold, value, inplace=False):
    """Replace every element not greater than ``threshold`` by ``value``."""
    return _maybe_inplace(_threshold, input, inplace, threshold, value)


def threshold_(input, threshold, value):
    return _maybe_inplace(_threshold, input, True, threshold, value)


class _ShrinkBackward(Pointwise):
    """soft/hardshrink: d/dx = 1 where |x| > lambd, else 0."""

    __slots__ = ()

    def rule(self, F, grad, x):
        return F.masked_grad(grad, (x < -self.lambd) | (x > self.lambd))


SoftshrinkBackward0 = type("SoftshrinkBackward0", (_ShrinkBackward,), {"__slots__": ()})
HardshrinkBackward0 = type("HardshrinkBackward0", (_ShrinkBackward,), {"__slots__": ()})


def softshrink(input, lambd=0.5):
    """x - lambd above lambd, x + lambd below -lambd, 0 in between."""
    d = _floating(input, "softshrink_cpu")
    r = np.where(d > lambd, d - lambd, np.where(d < -lambd, d + lambd, 0)).astype(d.dtype, copy=False)
    return _apply(SoftshrinkBackward0, input, r, lambd=lambd)


def hardshrink(input, lambd=0.5):
    """x where |x| > lambd, else 0."""
    d = _floating(input, "hardshrink_cpu")
    r = np.where((d < -lambd) | (d > lambd), d, 0).astype(d.dtype, copy=False)
    return _apply(HardshrinkBackward0, input, r, lambd=lambd)


def tanhshrink(input):
    """x - tanh(x)."""
    return input - tanh(input)


class GluBackward0(Pointwise):
    """glu(x) = a * sigmoid(b), a and b the halves of x along ``dim``. With s = sigmoid(b):
    d/da = s, d/db = a s (1 - s); the two half-gradients are placed back side by side."""

    __slots__ = ()

    def rule(self, F, grad, x):
        ia, ib = self.halves
        a, s = F.getitem(x, ia), F.sigmoid(F.getitem(x, ib))
        shape = tuple(x.shape)
        return F.index_grad(grad * s, shape, ia) + F.index_grad(grad * a * s * (1 - s), shape, ib)


def glu(input, dim=-1):
    """Gated linear unit: a * sigmoid(b), where a and b are the two halves of ``input`` along ``dim``."""
    d = _floating(input, "glu")
    if d.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    axis = normalize_dims(dim, d.ndim)[0]
    n = d.shape[axis]
    if n % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {axis} is size {n}")
    lead = (slice(None),) * axis
    ia, ib = lead + (slice(0, n // 2),), lead + (slice(n // 2, n),)
    return _apply(GluBackward0, input, d[ia] / (1 + np.exp(-d[ib])), halves=(ia, ib))


# -- softmax family -------------------------------------------------------------------------------------
def _softmax_kernel(x, dim):
    """exp(x - max) / sum(exp(x - max)): subtracting the max keeps exp from overflowing."""
    if x.ndim == 0:
        return np.exp(x - x)
    if x.size == 0:
        return x.copy()
    e = np.exp(x - x.max(axis=dim, keepdims=True))
    e /= e.sum(axis=dim, keepdims=True)
    return e


def _log_softmax_kernel(x, dim):
    """x - max - log(sum(exp(x - max))): the log-sum-exp trick, exact for large |x|."""
    if x.ndim == 0:
        return x - x
    if x.size == 0:
        return x.copy()
    z = x - x.max(axis=dim, keepdims=True)
    z -= np.log(np.exp(z).sum(axis=dim, keepdims=True))
    return z


class SoftmaxBackward0(Pointwise):
    """y = softmax(x) over ``dim``. d/dx applied to grad: y * (grad - sum(grad * y, dim))."""

    __slots__ = ()

    def rule(self, F, grad, y):
        if y.ndim == 0:
            return grad * (1 - y) * y
        return y * (grad - F.sum(grad * y, self.dim, True))


class LogSoftmaxBackward0(Pointwise):
    """y = log_softmax(x) over ``dim``. d/dx applied to grad: grad - exp(y) * sum(grad, dim)."""

    __slots__ = ()

    def rule(self, F, grad, y):
        if y.ndim == 0:
            return grad - F.exp(y) * grad
        return grad - F.exp(y) * F.sum(grad, self.dim, True)


def _implicit_dim(name, ndim, stacklevel):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X "
                  "as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_like(input, dim, dtype, stacklevel, name, kernel, node_cls):
    if isinstance(stacklevel, _dt.dtype):  # NOTE: torch.softmax(x, dim, dtype) passes dtype third
        dtype = stacklevel
    if dim is None:
        dim = _implicit_dim(name, input.ndim, stacklevel)
    if dtype is not None:
        input = input.to(dtype)
    d = input._data
    axis = normalize_dims(dim, d.ndim)
    axis = axis[0] if axis else 0
    if d.dtype.kind != "f":
        where = "lastdim_" if d.ndim <= 1 or axis == d.ndim - 1 else ""
        raise NotImplementedError(f"\"{name}_{where}kernel_impl\" not implemented for '{_dt.TYPE_NAMES[input.dtype]}'")
    return _apply(node_cls, input, kernel(d, axis), save_out=True, dim=axis)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(x) / sum(exp(x)) along ``dim`` (stable). ``dtype`` casts the input first.

    Example::

        >>> import ember
        >>> ember.softmax(ember.tensor([0.0, 0.0]), 0)
        tensor([0.5000, 0.5000])
    """
    return _softmax_like(input, dim, dtype, _stacklevel, "softmax", _softmax_kernel, SoftmaxBackward0)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """log(softmax(x)) along ``dim``, computed directly (stable, never log(0) for finite x)."""
    return _softmax_like(input, dim, dtype, _stacklevel, "log_softmax", _log_softmax_kernel, LogSoftmaxBackward0)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-x) along ``dim``."""
    if dim is None:
        dim = _implicit_dim("softmin", input.ndim, _stacklevel)
    if dtype is not None:
        input = input.to(dtype)
    return softmax(-input, dim)


register("softmax", _softmax_kernel, lambda x, dim: softmax(x, dim))
register("log_softmax", _log_softmax_kernel, lambda x, dim: log_softmax(x, dim))


METHODS = ["prelu", "softmax", "log_softmax", "hardshrink"]
FUNCTIONS = ["selu", "celu", "threshold"]
