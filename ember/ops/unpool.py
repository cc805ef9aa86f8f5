"""More window ops, composed from pooling: ``lp_pool1d/2d``, ``max_unpool1d/2d`` and ``local_response_norm``.

* lp_pool:  y = (sum over the window of x^p)^(1/p) = (avg_pool(x^p) * window size)^(1/p)
  (PyTorch's formula: sign(a) * relu(|a|) guards a negative average of odd powers).
* max_unpool: the partial inverse of max_pool with ``return_indices``: zeros everywhere except
  y[n, c, indices[n, c, i]] = x[n, c, i] (a scatter into the flattened spatial dims; its gradient is a
  gather at the same indices).
* local_response_norm: y = x / (k + alpha * mean_{c' near c} x[c']^2)^beta over a window of ``size``
  channels centred on c (zeros outside), the average taken by avg_pool over the channel dim.

All three are composites of differentiable ops (pow, avg_pool, scatter, ...), so they need no rule.
"""
import math

from .activation import relu
from .conv import _tuple
from .creation import zeros
from .nn_layers import pad
from .pooling import avg_pool1d, avg_pool2d

__all__ = ["lp_pool1d", "lp_pool2d", "max_unpool1d", "max_unpool2d", "local_response_norm"]


def _lp(out, norm_type, size):
    return (out.sign() * relu(out.abs())).mul(size).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling over (N, C, L): y = (sum over each window of x^p)^(1/p), p = ``norm_type``
    (p = inf would be max pooling, p = 1 sum pooling). No padding."""
    k = _tuple(kernel_size, 1, "kernel_size")[0]
    out = avg_pool1d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return _lp(out, norm_type, k)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling over (N, C, H, W): y = (sum over each (kH, kW) window of x^p)^(1/p).

    Example::

        >>> import ember
        >>> ember.nn.functional.lp_pool2d(ember.ones(1, 1, 4, 4), 2, 2)
        tensor([[[[2., 2.],
                  [2., 2.]]]])
    """
    kh, kw = _tuple(kernel_size, 2, "kernel_size")
    out = avg_pool2d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return _lp(out, norm_type, kh * kw)


def _unpool_size(input, kernel, stride, padding, output_size, nd):
    spatial = tuple(input.shape[input.ndim - nd:])
    default = tuple((spatial[i] - 1) * stride[i] + kernel[i] - 2 * padding[i] for i in range(nd))
    if output_size is None:
        return default
    output_size = list(output_size)
    if len(output_size) == nd + 2:
        output_size = output_size[2:]
    if len(output_size) != nd:
        raise ValueError(f"output_size should be a sequence containing {nd} or {nd + 2} elements, but it has a "
                         f"length of '{len(output_size)}'")
    for i in range(nd):
        lo, hi = default[i] - stride[i], default[i] + stride[i]
        if not lo < output_size[i] < hi:
            raise ValueError(f'invalid output_size "{output_size}" (dim {i} must be between {lo} and {hi})')
    return tuple(int(s) for s in output_size)


def _max_unpool(input, indices, kernel_size, stride, padding, output_size, nd):
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"max_unpool{nd}d: Expected input to be {nd + 1}D or {nd + 2}D, but got "
                           f"{list(input.shape)}")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor ({list(input.shape)}) "
                           f"but got indices tensor with shape: {list(indices.shape)}")
    k = _tuple(kernel_size, nd, "kernel_size")
    s = k if stride is None else _tuple(stride, nd, "stride")
    out = _unpool_size(input, k, s, _tuple(padding, nd, "padding"), output_size, nd)
    lead = tuple(input.shape[:input.ndim - nd])
    b, size = math.prod(lead), math.prod(out)
    idx = indices.reshape(b, -1)
    if idx.numel() and (int(idx.min()) < 0 or int(idx.max()) >= size):
        bad = int(idx.max()) if int(idx.max()) >= size else int(idx.min())
        raise RuntimeError(f"Found an invalid max index: {bad} (output volumes are of size "
                           f"{'x'.join(map(str, out))}")
    res = zeros(b, size, dtype=input.dtype).scatter(1, idx, input.reshape(b, -1))
    return res.reshape(lead + out)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of max_pool1d: (N, C, L) values placed at their ``indices`` in zeros of
    (N, C, L_out), L_out = (L - 1)*stride - 2*padding + kernel_size (or ``output_size``)."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 1)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of max_pool2d: (N, C, H, W) values placed at their flat ``indices`` (h*W_out + w)
    in zeros of (N, C, H_out, W_out), H_out = (H - 1)*sH - 2*pH + kH (or ``output_size``).

    Example::

        >>> import ember
        >>> F = ember.nn.functional
        >>> y, i = F.max_pool2d(ember.arange(16.).reshape(1, 1, 4, 4), 2, return_indices=True)
        >>> F.max_unpool2d(y, i, 2)[0, 0, 1]
        tensor([0., 5., 0., 7.])
    """
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 2)


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """y[n, c] = x[n, c] / (k + alpha / size * sum_{c'=c-size//2}^{c+(size-1)//2} x[n, c']^2)^beta over
    (N, C, *) (channels outside [0, C) count as zeros)."""
    dim = input.ndim
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {dim} dimensions)")
    if input.numel() == 0:
        return input
    shape = tuple(input.shape)
    div = (input * input).reshape(shape[0], 1, shape[1], -1)        # (N, 1, C, rest)
    div = pad(div, (0, 0, size // 2, (size - 1) // 2))
    div = avg_pool2d(div, (size, 1), stride=1).reshape(shape)
    return input / (div * alpha + k).pow(beta)


METHODS = []
