"""Piecewise activations: relu and its relatives (hardtanh, relu6, leaky_relu, prelu), the
exponential linear units (elu, selu, celu), hardsigmoid / hardswish, threshold, and the
shrinks (softshrink, hardshrink, tanhshrink).

Each primitive is a forward kernel on arrays and a gradient node right below it. The node's
``rule`` is written once against ``F`` (arrays or Tensors, see ``ember/autograd/node.py``),
so every activation supports double backward. Piecewise rules are ``F.where`` on a mask of
the input: a mask is constant, so the second derivative comes out right (0 on linear pieces).

``inplace=True`` (where PyTorch has it) computes out of place and writes the result into
the input (``apply_inplace``), so autograd sees the same graph as PyTorch's in-place kernels.

The helpers below (``Pointwise``, ``_apply``, ``_floating``, ...) serve the sibling modules
too: ``activation_smooth.py`` (gelu, silu, softplus, mish, ...) and ``softmax.py`` (softmax,
log_softmax, softmin, glu). ``activation.py`` gathers all of them under PyTorch's names.
"""
import numpy as np

from .. import dtypes as _dt
from ..autograd import grad_mode
from ._scaffold import Node, record, save_output, wrap
from .inplace import apply_inplace
from .unary import relu, tanh

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


# -- hard (piecewise-linear) sigmoid and swish ------------------------------------------------------
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


# -- threshold and shrinks --------------------------------------------------------------------------
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


METHODS = ["prelu", "hardshrink"]
FUNCTIONS = ["selu", "celu", "threshold"]
