"""The functional form of the basic layers: linear, bilinear, dropout, embedding, one_hot, pad,
normalize, cosine_similarity, pairwise_distance.

``linear`` and ``embedding`` are primitives with their own rules (one BLAS call forward, and
the gradients are matmuls / a scatter-add); ``pad`` is a gather whose gradient is the matching
scatter; the rest are composites of existing ops (dropout multiplies by a random mask, as
PyTorch's does: its node is ``MulBackward0``).
"""
import math

import numpy as np

from .. import dtypes as _dt
from ..autograd import grad_mode
from ..tensor import Tensor
from .reduce import sum_leading
from ._scaffold import (EPOCH, NO_EDGE, Node, _anomaly, _trace, broadcast_error, edge, record, version,
                        wrap)
from .random import _rng

__all__ = ["linear", "bilinear", "dropout", "alpha_dropout", "feature_alpha_dropout", "dropout1d", "dropout2d",
           "dropout3d", "embedding", "one_hot", "pad", "normalize", "cosine_similarity", "pairwise_distance"]

_make = Tensor._make
_C_TYPE = {"float32": "float", "float64": "double", "float16": "c10::Half"}


# -- linear ----------------------------------------------------------------------------------------------
class LinearBackward(Node):
    """y = x W^T + b over the last dim of x (batch dims flattened to N rows: x2 is (N, in)).
    grad_x = grad W, grad_W = grad2^T x2, grad_b = grad summed over the batch dims."""

    __slots__ = ("rows", "bias_shape", "node_name")

    def name(self):
        return self.node_name

    def run(self, F, grad, diff):
        x, w = self.unpack(diff)
        n = self.needs_input_grad
        bias_shape = self.bias_shape
        if not diff and grad.ndim == 2 and x.ndim == 2 and (bias_shape is None or bias_shape == grad.shape[1:]):
            # NOTE: the same rule on arrays, spelled out: this node runs for every layer of every
            # model, and the F-namespace calls cost half its time on small batches
            return ((grad.dot(w) if n[0] else None), (grad.T.dot(x) if n[1] else None),
                    (sum_leading(grad, 1) if n[2] else None))
        g2 = grad if grad.ndim == 2 else F.reshape(grad, (self.rows, w.shape[0]))
        gx = gw = gb = None
        if n[0]:
            gx = F.matmul(g2, w)
            if x.ndim != 2:
                gx = F.reshape(gx, tuple(x.shape))
        if n[1]:
            x2 = x if x.ndim == 2 else F.reshape(x, (self.rows, w.shape[1]))
            gw = F.matmul(F.transpose(g2, 0, 1), x2)
        if n[2]:
            gb = F.sum_to(grad, self.bias_shape)
        return gx, gw, gb


# PyTorch's node for each (input ndim, has bias): addmm or mm, wrapped in views for other ranks
_LINEAR_NAMES = {(2, True): "AddmmBackward0", (2, False): "MmBackward0", (1, False): "SqueezeBackward4",
                 (1, True): "ViewBackward0"}


def _linear_error(x, w, b):
    if x.ndim == 0:
        return RuntimeError(f"both arguments to linear need to be at least 1D, but they are 0D and {w.ndim}D")
    if w.ndim != 2:
        return None  # handled by the matmul fallback
    if x.dtype != w.dtype:
        return RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_C_TYPE.get(x.dtype.name, x.dtype)} "
                            f"!= {_C_TYPE.get(w.dtype.name, w.dtype)}")
    rows = x.size // x.shape[-1] if x.shape[-1] else int(np.prod(x.shape[:-1]))
    return RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{x.shape[-1]} and "
                        f"{w.shape[1]}x{w.shape[0]})")


def linear(input, weight, bias=None):
    """y = x W^T + b: ``input`` (*, in_features), ``weight`` (out_features, in_features), ``bias``
    (out_features) or None; the result is (*, out_features).

    NOTE: one BLAS call (NumPy's matmul with the transposed weight, no copy) and one in-place add.

    Example::

        >>> import ember
        >>> ember.nn.functional.linear(ember.ones(2, 3), ember.ones(4, 3)).shape
        torch.Size([2, 4])
    """
    x, w = input._data, weight._data
    if w.ndim != 2 or x.ndim == 0 or x.shape[-1] != w.shape[1] or x.dtype is not w.dtype:
        err = _linear_error(x, w, bias)
        if err is not None:
            raise err
        out = input.matmul(weight.t() if weight.ndim == 2 else weight)  # a 1-D weight: PyTorch allows it
        return out if bias is None else out + bias
    # NOTE: ndarray.dot is the same BLAS product as np.matmul with less dispatch (0.4 us on small inputs)
    if x.ndim == 2:
        r = x.dot(w.T)
        rows = x.shape[0]
    else:
        lead = x.shape[:-1]
        rows = x.size // x.shape[-1] if x.shape[-1] else int(np.prod(lead))
        r = x.reshape(rows, w.shape[1]).dot(w.T).reshape(lead + (w.shape[0],))
    if bias is not None:
        b = bias._data
        try:
            if b.dtype is r.dtype:
                r += b
            else:
                r = r + b
        except ValueError:
            raise RuntimeError(f"The expanded size of the tensor ({r.shape[-1]}) must match the existing size "
                               f"({b.shape[-1] if b.ndim else 1}) at non-singleton dimension {r.ndim - 1}.  Target "
                               f"sizes: {list(r.shape)}.  Tensor sizes: {list(b.shape)}") from None
    res = _make(r)
    rx, rw, rb = input._requires_grad, weight._requires_grad, bias is not None and bias._requires_grad
    if (rx or rw or rb) and grad_mode.enabled:
        # NOTE: the node is wired by hand rather than through ``record`` (this is the hot op of most models)
        node = LinearBackward()
        node.rows = rows
        node.bias_shape = bias._data.shape if bias is not None else None
        node.node_name = _LINEAR_NAMES.get((x.ndim, bias is not None),
                                           "ViewBackward0" if bias is not None else "UnsafeViewBackward0")
        node.next_functions = (edge(input) if rx else NO_EDGE, edge(weight) if rw else NO_EDGE,
                               edge(bias) if rb else NO_EDGE)
        node.needs_input_grad = (rx, rw, rb)
        node.saved = (input, weight)
        node.arrays = (x, w)
        node.versions = (version(input), version(weight))
        node.epoch = EPOCH[0]
        if _anomaly[0]:
            _trace(node)
        res._requires_grad = True
        res.grad_fn = node
    return res


def bilinear(input1, input2, weight, bias=None):
    """y_o = x1^T A_o x2 + b_o: ``input1`` (*, in1), ``input2`` (*, in2), ``weight`` (out, in1, in2).
    A composite: one einsum (which has its own rule) and an add."""
    x1, x2, w = input1.shape, input2.shape, weight.shape
    if input1.ndim != input2.ndim:
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {input1.ndim} and {input2.ndim}")
    for i in range(input1.ndim - 1):
        if x1[i] != x2[i]:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {i}: got {x1[i]} and {x2[i]}")
    if x1[-1] != w[1]:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got {x1[-1]} but expected {w[1]}")
    if x2[-1] != w[2]:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got {x2[-1]} but expected {w[2]}")
    if bias is not None and bias.shape[-1] != w[0]:
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got {bias.shape[-1]} but "
                           f"expected {w[0]}")
    from .einsum import einsum

    out = einsum("...i,oij,...j->...o", input1, weight, input2)
    return out if bias is None else out + bias


# -- dropout ----------------------------------------------------------------------------------------------
def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _keep_mask(shape, p, dtype):
    """1 with probability 1 - p, else 0 (a Bernoulli(1 - p) sample from ember's generator)."""
    return (_rng(None).random(shape) >= p).astype(dtype)


def _mul(input, mask, inplace):
    m = wrap(mask)
    return input.mul_(m) if inplace else input * m


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p), so that the
    expectation is unchanged; the identity when ``training`` is False."""
    _check_p(p)
    if not training or p == 0:
        return input
    d = input._data
    mask = _keep_mask(d.shape, p, d.dtype) if p < 1 else np.zeros(d.shape, d.dtype)
    if p < 1:
        mask *= d.dtype.type(1.0 / (1.0 - p))
    return _mul(input, mask, inplace)


def _feature_shape(input, name, batched_ndim):
    """Noise shape for channel-wise dropout: one draw per (sample, channel), broadcast over space."""
    nd = input.ndim
    if nd not in (batched_ndim - 1, batched_ndim):
        raise RuntimeError(f"{name}: Expected {batched_ndim - 1}D or {batched_ndim}D input, but received a {nd}D "
                           "input.")
    keep = 2 if nd == batched_ndim else 1
    return tuple(input.shape[:keep]) + (1,) * (nd - keep)


def _feature_dropout(input, p, training, inplace, name, batched_ndim):
    _check_p(p)
    if not training:
        return input
    d = input._data
    mask = _keep_mask(_feature_shape(input, name, batched_ndim), p, d.dtype)
    mask = mask * d.dtype.type(1.0 / (1.0 - p)) if p < 1 else mask * 0
    return _mul(input, mask, inplace)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, L) or (C, L) input with probability ``p``."""
    return _feature_dropout(input, p, training, inplace, "dropout1d", 3)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, H, W) or (C, H, W) input with probability ``p``."""
    return _feature_dropout(input, p, training, inplace, "dropout2d", 4)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) input with probability ``p``."""
    return _feature_dropout(input, p, training, inplace, "dropout3d", 5)


_SELU_NEG = 1.7580993408473766  # -selu(-inf) = scale * alpha: where SELU activations saturate


def _alpha_dropout(input, p, training, inplace, noise_shape):
    """Dropped units are set to selu's saturation value -alpha', then a x + b restores the mean and
    variance of a unit-Gaussian input: a = 1/sqrt((alpha'^2 p + 1)(1 - p)), b = a alpha' p."""
    _check_p(p)
    if not training or p == 0:
        return input
    d = input._data
    if p == 1:
        return _mul(input, np.zeros(d.shape, d.dtype), inplace)
    keep = _keep_mask(noise_shape, p, d.dtype)
    a = 1.0 / math.sqrt((_SELU_NEG * _SELU_NEG * p + 1) * (1 - p))
    b = wrap(((keep - 1) * (_SELU_NEG * a) + _SELU_NEG * a * p).astype(d.dtype))
    out = _mul(input, (keep * a).astype(d.dtype), inplace)
    return out.add_(b) if inplace else out + b


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout for self-normalizing (SELU) networks: keeps zero mean and unit variance."""
    return _alpha_dropout(input, p, training, inplace, input._data.shape)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """alpha_dropout with one draw per (sample, channel)."""
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2)
    return _alpha_dropout(input, p, training, inplace, shape)


# -- embedding ----------------------------------------------------------------------------------------------
class EmbeddingBackward0(Node):
    """out = W[idx]. grad_W = zeros with each row idx[k] += grad[k] (repeated indices add up),
    after zeroing the rows of ``padding_idx`` and dividing by each index's count when
    ``scale_grad_by_freq``; the indices get no gradient."""

    __slots__ = ()

    def run(self, F, grad, diff):
        idx, shape = self.idx, self.weight_shape
        g = F.reshape(grad, (idx.size, shape[1]))
        scale = self.row_scale
        if scale is not None:
            g = g * (Tensor._make(scale) if diff else scale)
        return (None, F.index_grad(g, shape, (idx,)))


def _renorm_(weight, idx, max_norm, norm_type):
    """Rescale, in place and outside autograd, the rows of ``weight`` used by ``idx`` whose
    ``norm_type``-norm exceeds ``max_norm`` (PyTorch's embedding_renorm_)."""
    w = weight._data
    rows = np.unique(idx)
    sub = w[rows]
    a = np.abs(sub)
    norms = a.max(axis=1) if math.isinf(norm_type) else (a ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    big = norms > max_norm
    if big.any():
        w[rows[big]] = sub[big] * (max_norm / (norms[big] + 1e-7))[:, None].astype(w.dtype)
        weight._bump()


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False):
    """Look up rows of ``weight`` (num_embeddings, embedding_dim) at the integer ``input``;
    the result is (*input.shape, embedding_dim). ``padding_idx``'s row gets no gradient;
    ``max_norm`` renormalizes the looked-up rows of ``weight`` in place first."""
    if sparse:
        raise NotImplementedError("embedding: sparse=True (sparse gradients) is not supported by ember")
    idx = input._data
    w = weight._data
    if idx.dtype not in (np.int64, np.int32):
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got torch.{_dt.TYPE_NAMES[input.dtype]}Tensor instead (while checking "
                           "arguments for embedding)")
    if w.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    n = w.shape[0]
    if padding_idx is not None:
        if not -n <= padding_idx < n:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx = padding_idx + n if padding_idx < 0 else padding_idx
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        _renorm_(weight, idx, max_norm, norm_type)
    res = wrap(np.take(w, idx, axis=0))
    if weight._requires_grad and grad_mode.enabled:
        node = EmbeddingBackward0()
        flat = idx.reshape(-1)
        node.idx, node.weight_shape = flat, w.shape
        scale = None
        if scale_grad_by_freq:
            scale = (1.0 / np.bincount(flat, minlength=n)[flat])[:, None]
        if padding_idx is not None:
            keep = (flat != padding_idx)[:, None]
            scale = keep if scale is None else scale * keep
        node.row_scale = None if scale is None else scale.astype(w.dtype)
        record(node, (input, weight), (res,))
    return res


def one_hot(tensor, num_classes=-1):
    """int64 tensor of shape (*tensor.shape, num_classes) with a 1 at each index."""
    d = tensor._data
    if d.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        if d.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(d.max()) + 1
    if d.size:
        if d.min() < 0:
            raise RuntimeError("Class values must be non-negative.")
        if d.max() >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    return wrap((d[..., None] == np.arange(num_classes)).astype(np.int64))


# -- pad --------------------------------------------------------------------------------------------------
class ConstantPadNdBackward0(Node):
    """Constant padding places x inside a block of ``value``: the gradient is the matching window
    of grad (put back into zeros where negative padding had cropped x)."""

    __slots__ = ()

    def run(self, F, grad, diff):
        g = F.getitem(grad, self.out_index)
        if self.cropped:
            g = F.index_grad(g, self.in_shape, self.in_index)
        return (g,)


class PadGatherBackward(Node):
    """reflect / replicate / circular padding gathers x at computed positions: the gradient
    scatter-adds grad back to them (a border element used twice receives both)."""

    __slots__ = ()

    def name(self):
        return self.node_name

    def run(self, F, grad, diff):
        return (F.index_grad(grad, self.in_shape, self.index),)


def _constant_pad(input, pairs, value):
    d = input._data
    in_index, out_index, out_shape = [], [], list(d.shape)
    cropped = False
    for dim, (lo, hi) in pairs:
        size = d.shape[dim]
        new = size + lo + hi
        if new < 0:
            raise RuntimeError(f"The input size {size}, plus negative padding {lo} and {hi} resulted in a negative "
                               f"output size, which is invalid. Check dimension {dim} of your input.")
        out_shape[dim] = new
        a, b = max(-lo, 0), size - max(-hi, 0)
        cropped = cropped or lo < 0 or hi < 0
        start = max(lo, 0)
        in_index.append((dim, slice(a, max(a, b))))
        out_index.append((dim, slice(start, start + max(b - a, 0))))
    full_in, full_out = [slice(None)] * d.ndim, [slice(None)] * d.ndim
    for (dim, si), (_, so) in zip(in_index, out_index):
        full_in[dim], full_out[dim] = si, so
    full_in, full_out = tuple(full_in), tuple(full_out)
    out = np.full(out_shape, value, dtype=d.dtype)
    out[full_out] = d[full_in]
    res = wrap(out)
    if input._requires_grad and grad_mode.enabled:
        node = ConstantPadNdBackward0()
        node.out_index, node.in_index, node.in_shape, node.cropped = full_out, full_in, d.shape, cropped
        record(node, (input,), (res,))
    return res


_NON_CONSTANT = ("Supported combinations for non-constant padding:\n"
                 "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
                 "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
                 "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")


def _positions(mode, size, lo, hi, dim, shape, arg):
    """Indices into a dim of ``size`` for output positions -lo .. size + hi - 1."""
    j = np.arange(-lo, size + hi)
    if mode == "reflect":
        if lo >= size or hi >= size:
            raise RuntimeError(f"Argument #{arg}: Padding size should be less than the corresponding input dimension, "
                               f"but got: padding ({lo}, {hi}) at dimension {dim} of input {list(shape)}")
        j = np.abs(j)
        return np.where(j >= size, 2 * (size - 1) - j, j)
    if mode == "replicate":
        return np.clip(j, 0, size - 1)
    if lo > size or hi > size:
        raise RuntimeError("Padding value causes wrapping around more than once.")
    # NOTE: negative amounts crop first; the wrap-around then reads from the cropped range
    a, b = max(-lo, 0), size - max(-hi, 0)
    return a + np.arange(-max(lo, 0), b - a + max(hi, 0)) % (b - a)


def pad(input, pad, mode="constant", value=None):
    """Pad the last ``len(pad) // 2`` dims: ``pad`` is (left, right) for the last dim, then
    (top, bottom) for the one before, ... Negative amounts crop. ``mode`` is 'constant'
    (with ``value``, default 0), 'reflect' (mirror without repeating the edge), 'replicate'
    (repeat the edge) or 'circular' (wrap around)."""
    pad = [int(p) for p in pad]
    d = input._data
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    k = len(pad) // 2
    if k > d.ndim:
        raise RuntimeError("Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {d.ndim}")
    pairs = [(d.ndim - 1 - i, (pad[2 * i], pad[2 * i + 1])) for i in range(k)]
    if mode == "constant":
        return _constant_pad(input, pairs, 0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise RuntimeError(f"Padding mode \"{mode}\" doesn't take in value argument")
    if k not in (1, 2, 3) or d.ndim not in (k + 1, k + 2):
        raise NotImplementedError(f"Padding size {len(pad)} is not supported for {d.ndim}D input tensor.\n"
                                  + _NON_CONSTANT)
    if mode != "circular" and any(s == 0 for s in d.shape[d.ndim - k - 1:]):
        raise RuntimeError(f"Expected {k + 1}D or {k + 2}D (batch mode) tensor with possibly 0 batch size and other "
                           f"non-zero dimensions for input, but got: {list(d.shape)}")
    index = [np.arange(0)] * k
    for i, (dim, (lo, hi)) in enumerate(pairs):
        if d.shape[dim] + lo + hi <= 0 and mode != "circular":
            letter = "WHD"[i]
            raise RuntimeError(f"input ({letter}: {d.shape[dim]}) is too small. Calculated output {letter}: "
                               f"{d.shape[dim] + lo + hi}")
        index[k - 1 - i] = _positions(mode, d.shape[dim], lo, hi, dim, d.shape, 4 if k == 1 else 8)
    index = (Ellipsis,) + np.ix_(*index)
    res = wrap(d[index])
    if input._requires_grad and grad_mode.enabled:
        node = PadGatherBackward()
        node.in_shape, node.index = d.shape, index
        node.node_name = ("CopySlices" if mode == "circular" else
                          f"{'Reflection' if mode == 'reflect' else 'Replication'}Pad{k}DBackward0")
        record(node, (input,), (res,))
    return res


# -- distances ---------------------------------------------------------------------------------------------
def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """x / max(||x||_p, eps) along ``dim``."""
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    res = input / denom
    return res if out is None else out.copy_(res)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """sum(x1 / max(||x1||, eps) * x2 / max(||x2||, eps)) along ``dim`` (inputs broadcast).

    NOTE: as in PyTorch, the clamp of each norm is applied outside autograd, so the gradient
    flows through the unclamped norm (the two agree unless a norm is below eps).
    """
    from .. import no_grad

    if x1.shape != x2.shape:
        try:
            shape = np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
        except ValueError as e:
            raise broadcast_error(tuple(x1.shape), tuple(x2.shape), e) from None
        x1, x2 = x1.expand(shape), x2.expand(shape)

    def unit(x):
        n = x.norm(2, dim, keepdim=True).clone()
        with no_grad():
            n.clamp_min_(eps)
        return x / n

    return (unit(x1) * unit(x2)).sum(dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """||x1 - x2 + eps||_p over the last dim (inputs broadcast)."""
    return (x1 - x2 + eps).norm(p, -1, keepdim)


METHODS = []
FUNCTIONS = ["dropout", "alpha_dropout", "feature_alpha_dropout", "bilinear", "cosine_similarity",
             "pairwise_distance"]
