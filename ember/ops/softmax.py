"""Activations along a dim: softmax, log_softmax, softmin, and glu (the gated linear unit).

softmax and log_softmax are fused primitives with a stable forward (the max is subtracted
before exp) and an exact rule that uses the saved output; softmin is a composite. glu gates one
half of its input along ``dim`` by the sigmoid of the other. The shared helpers (``Pointwise``,
``_apply``, ``_floating``) are in ``activation_piecewise.py``.
"""
import warnings

import numpy as np

from .. import dtypes as _dt
from ._scaffold import register
from .activation_piecewise import Pointwise, _apply, _floating
from .reduce import normalize_dims


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


# -- glu ---------------------------------------------------------------------------------------------
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


METHODS = ["softmax", "log_softmax"]
