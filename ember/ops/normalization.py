"""Normalization: batch_norm, layer_norm, group_norm, instance_norm, rms_norm.

All five are one computation with different axes. Statistics are taken over the
"statistic axes" of the input (viewed in a "statistic shape"), and a per-feature affine
transform is applied over the "parameter shape":

    xhat = (x - mean) * invstd,    invstd = 1 / sqrt(var + eps)    (var biased)
    y    = xhat * weight + bias

==============  =====================  ==========================  =====================
op              statistic shape        statistic axes              parameter shape
==============  =====================  ==========================  =====================
batch_norm      x.shape                (0, 2, 3, ...)              (C, 1, 1, ...)
instance_norm   x.shape                (2, 3, ...)                 (C, 1, 1, ...)
layer_norm      x.shape                the last len(shape) dims    normalized_shape
group_norm      (N, G, C/G * H * W)    (2,)                        (C, 1, 1, ...)
rms_norm        x.shape                the last len(shape) dims    normalized_shape
==============  =====================  ==========================  =====================

(rms_norm skips the centring: xhat = x * rsqrt(mean(x^2) + eps).)

So they share one fused primitive, ``_norm``, with one exact gradient rule (``_NormBackward``).
With g = grad * weight (the gradient reaching xhat) and means over the statistic axes:

    d/dx  = invstd * (g - mean(g) - xhat * mean(g * xhat))     (centred, batch statistics)
    d/dx  = invstd * (g - xhat * mean(g * xhat))               (rms)
    d/dx  = invstd * g                                         (fixed statistics: batch_norm in eval)
    d/dw  = sum of grad * xhat over everything but the parameter shape,   d/db = sum of grad
"""
import numpy as np

from ..autograd import grad_mode
from ._scaffold import Node, record, wrap

__all__ = ["batch_norm", "layer_norm", "group_norm", "instance_norm", "rms_norm"]


class _NormBackward(Node):
    """The rule shared by every normalization (see the module docstring).

    Attributes: ``view`` (the statistic shape, or None for the input's own), ``axes`` (statistic
    axes in it), ``pshape`` (the parameter shape), ``center`` (subtract the mean), ``batch_stats``
    (statistics come from the input, not from running buffers) and ``eps``.
    Saved: input, weight, and the mean and invstd of forward (kept, in the statistic shape).
    """

    __slots__ = ()

    def run(self, F, grad, diff):
        x, w, mean, invstd = self.unpack(diff)
        need = self.needs_input_grad
        shape, view, axes = x.shape, self.view, self.axes
        xv = F.reshape(x, view) if view is not None else x
        if diff and self.batch_stats:
            # NOTE: in the differentiable mode the statistics are recomputed from x with F ops,
            # so that a double backward sees how mean and invstd depend on x; the fast mode
            # reuses the values saved by forward.
            mean = F.mean(xv, axes, True) if self.center else None
            xc = xv - mean if self.center else xv
            invstd = F.rsqrt(F.mean(xc * xc, axes, True) + self.eps)
        else:
            xc = xv - mean if self.center else xv
        xhat = xc * invstd
        gw = gb = gx = None
        if need[1]:
            xh = F.reshape(xhat, shape) if view is not None else xhat
            gw = F.reshape(F.sum_to(grad * xh, self.pshape), w.shape)
        if need[2]:
            gb = F.reshape(F.sum_to(grad, self.pshape), self.bshape)
        if need[0]:
            g = grad * F.reshape(w, self.pshape) if w is not None else grad
            if view is not None:
                g = F.reshape(g, view)
            if not self.batch_stats:
                gx = g * invstd
            elif self.center:
                gx = invstd * (g - F.mean(g, axes, True) - xhat * F.mean(g * xhat, axes, True))
            else:
                gx = invstd * (g - xhat * F.mean(g * xhat, axes, True))
            if view is not None:
                gx = F.reshape(gx, shape)
        return gx, gw, gb


def _node(name):
    return type(name, (_NormBackward,), {"__slots__": (), "__module__": __name__})


NativeBatchNormBackward0 = _node("NativeBatchNormBackward0")
NativeLayerNormBackward0 = _node("NativeLayerNormBackward0")
NativeGroupNormBackward0 = _node("NativeGroupNormBackward0")
FusedRmsNormBackward0 = _node("FusedRmsNormBackward0")


def _norm(node_cls, input, weight, bias, view, axes, pshape, eps, center=True, stats=None):
    """The fused primitive behind every normalization; returns ``(output, mean, var)`` with
    ``mean``/``var`` the batch statistics as arrays (None when ``stats`` = (mean, var) arrays
    are given, i.e. fixed statistics)."""
    d = input._data
    xv = d.reshape(view) if view is not None else d
    if stats is None:
        mean = xv.mean(axis=axes, keepdims=True) if center else None
        xc = xv - mean if center else xv
        var = np.square(xc).mean(axis=axes, keepdims=True)
    else:
        mean, var = stats
        xc = xv - mean
    invstd = 1.0 / np.sqrt(var + eps)
    y = (xc * invstd).astype(d.dtype, copy=False)
    if view is not None:
        y = y.reshape(d.shape)
    if weight is not None:  # in place: y is a fresh array
        y *= weight._data.reshape(pshape)
    if bias is not None:
        y += bias._data.reshape(pshape)
    res = wrap(y)
    if grad_mode.enabled and any(t is not None and t._requires_grad for t in (input, weight, bias)):
        node = node_cls()
        node.view, node.axes, node.pshape, node.eps = view, axes, pshape, eps
        node.center, node.batch_stats = center, stats is None
        node.bshape = bias._data.shape if bias is not None else None
        record(node, (input, weight, bias), (res,), (input, weight, mean, invstd))
    return res, (mean if stats is None else None), (var if stats is None else None)


def _verify_batch_size(size):
    """Batch statistics need more than one value per channel (PyTorch's check and message)."""
    n = size[0]
    for s in size[2:]:
        n *= s
    if n == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {size}")


def _check_numel(t, name, c):
    if t is not None and t._data.size != c:
        raise RuntimeError(f"{name} should contain {c} elements not {t._data.size}")


def _update(running, batch, momentum):
    """running = (1 - momentum) * running + momentum * batch, in place (a version bump)."""
    r = running._data
    r *= 1 - momentum
    r += momentum * batch.astype(r.dtype, copy=False)
    running._bump()


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1,
               eps=1e-5):
    """Batch normalization over (N, C, *): statistics per channel over the batch and all other dims.

    In training the batch statistics normalize and, when given, ``running_mean`` and
    ``running_var`` are updated in place: ``running = (1 - momentum) * running + momentum * stat``,
    with the *unbiased* batch variance for ``running_var``. Otherwise the running statistics
    normalize. Gradient: see the module docstring (node ``NativeBatchNormBackward0``).

    Example::

        >>> import ember
        >>> x = ember.tensor([[1., 2.], [3., 6.]])
        >>> ember.nn.functional.batch_norm(x, None, None, training=True)
        tensor([[-1.0000, -1.0000],
                [ 1.0000,  1.0000]])
    """
    shape = input._data.shape
    if training:
        _verify_batch_size(input.size())
        if eps <= 0.0:
            raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    elif eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    c = shape[1] if len(shape) > 1 else 0
    for t, name in ((running_mean, "running_mean"), (running_var, "running_var"), (weight, "weight"),
                    (bias, "bias")):
        _check_numel(t, name, c)
    pshape = (c,) + (1,) * (len(shape) - 2)
    axes = (0,) + tuple(range(2, len(shape)))
    if training:
        res, mean, var = _norm(NativeBatchNormBackward0, input, weight, bias, None, axes, pshape, eps)
        if running_mean is not None or running_var is not None:
            n = input._data.size // c
            if running_mean is not None:
                _update(running_mean, mean.reshape(c), momentum)
            if running_var is not None:
                _update(running_var, var.reshape(c) * (n / max(n - 1, 1)), momentum)
        return res
    if running_mean is None or running_var is None:
        raise RuntimeError(f"{'running_mean' if running_mean is None else 'running_var'} must be defined in "
                           "evaluation mode")
    stats = (running_mean._data.reshape(pshape).copy(), running_var._data.reshape(pshape).copy())
    return _norm(NativeBatchNormBackward0, input, weight, bias, None, axes, pshape, eps, stats=stats)[0]


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """Instance normalization over (N, C, *): statistics per sample and channel over the other dims.

    With ``use_input_stats`` the running statistics (when given) move towards the batch average of
    the per-instance mean and unbiased variance; otherwise they normalize, as batch_norm in eval.
    """
    shape = input._data.shape
    if use_input_stats and int(np.prod(shape[2:])) == 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size {input.size()}")
    c = shape[1] if len(shape) > 1 else 0
    for t, name in ((running_mean, "running_mean"), (running_var, "running_var"), (weight, "weight"),
                    (bias, "bias")):
        _check_numel(t, name, c)
    pshape = (c,) + (1,) * (len(shape) - 2)
    axes = tuple(range(2, len(shape)))
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise RuntimeError("Expected running_mean and running_var to be defined when use_input_stats is false")
        stats = (running_mean._data.reshape(pshape).copy(), running_var._data.reshape(pshape).copy())
        return _norm(NativeBatchNormBackward0, input, weight, bias, None, axes, pshape, eps, stats=stats)[0]
    res, mean, var = _norm(NativeBatchNormBackward0, input, weight, bias, None, axes, pshape, eps)
    n = input._data.size // max(shape[0] * c, 1)
    if running_mean is not None:
        _update(running_mean, mean.reshape(shape[0], c).mean(0), momentum)
    if running_var is not None:
        _update(running_var, (var * (n / max(n - 1, 1))).reshape(shape[0], c).mean(0), momentum)
    return res


def _normalized_shape(input, normalized_shape, weight, bias, op):
    """Check ``normalized_shape`` against the input's trailing dims and the affine parameters."""
    if isinstance(normalized_shape, (int, np.integer)):
        raise TypeError(f"{op}(): argument 'normalized_shape' (position 2) must be tuple of ints, not int")
    ns = tuple(int(s) for s in normalized_shape)
    shape = input._data.shape
    if len(ns) > len(shape) or shape[len(shape) - len(ns):] != ns:
        star = "*, " if op == "layer_norm" else "*"
        raise RuntimeError(f"Given normalized_shape={list(ns)}, expected input with shape [{star}"
                           f"{str(list(ns))[1:-1]}], but got input of size{list(shape)}")
    for t, name in ((weight, "weight"), (bias, "bias")):
        if t is not None and t._data.shape != ns:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                               f"{list(t._data.shape)} and normalized_shape = {list(ns)}")
    return ns, tuple(range(len(shape) - len(ns), len(shape)))


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Layer normalization over the last ``len(normalized_shape)`` dims (biased variance).

    Example::

        >>> import ember
        >>> ember.nn.functional.layer_norm(ember.tensor([[1., 3.]]), (2,))
        tensor([[-1.0000,  1.0000]])
    """
    ns, axes = _normalized_shape(input, normalized_shape, weight, bias, "layer_norm")
    return _norm(NativeLayerNormBackward0, input, weight, bias, None, axes, ns, eps)[0]


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """Root-mean-square normalization over the last dims: ``x * rsqrt(mean(x^2) + eps) * weight``.
    ``eps`` None means the machine epsilon of the input's dtype (``torch.finfo(dtype).eps``)."""
    ns, axes = _normalized_shape(input, normalized_shape, weight, None, "rms_norm")
    if eps is None:
        eps = float(np.finfo(input._data.dtype).eps)
    return _norm(FusedRmsNormBackward0, input, weight, None, None, axes, ns, eps, center=False)[0]


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Group normalization: the C channels of (N, C, *) fall into ``num_groups`` groups, each
    normalized over its channels and all other dims per sample; the affine transform is per channel."""
    shape = input._data.shape
    if len(shape) < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {len(shape)}")
    n, c = shape[0], shape[1]
    _verify_batch_size([n * c // num_groups, num_groups] + list(shape[2:]))
    if c % num_groups:
        raise RuntimeError("Expected number of channels in input to be divisible by num_groups, but got input "
                           f"of shape {list(shape)} and num_groups={num_groups}")
    for t, name in ((weight, "weight"), (bias, "bias")):
        if t is not None and (t._data.ndim != 1 or t._data.size != c):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of channels in input, "
                               f"but got {name} of shape {list(t._data.shape)} and input of shape {list(shape)}")
    pshape = (c,) + (1,) * (len(shape) - 2)
    view = (n, num_groups, input._data.size // max(n * num_groups, 1))
    return _norm(NativeGroupNormBackward0, input, weight, bias, view, (2,), pshape, eps)[0]

