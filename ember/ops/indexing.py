"""Indexing: ``x[idx]`` and ``x[idx] = v``.

An index is translated once into a NumPy index (``_to_numpy_index``). Basic indexing
(ints, slices, None, Ellipsis) gives a view; advanced indexing (integer or bool
tensors, lists) gives a copy. The gradient of ``x[idx]`` scatters the incoming
gradient into zeros of x's shape, accumulating where an index repeats; that scatter is
itself an op (``index_grad``) whose gradient is indexing again, so both stay
differentiable to any order.
"""
import numpy as np

from ..autograd import grad_mode
from ..tensor import Tensor
from ._scaffold import Node, record, register, wrap
from .movement import make_view

__all__ = ["getitem", "setitem", "index_grad"]

_make = Tensor._make


def _to_numpy_index(idx, shape):
    """(numpy index, is_basic). Tensors become arrays; bools and lists are kept as numpy reads them."""
    if not isinstance(idx, tuple):
        idx = (idx,)
    out = []
    basic = True
    for k in idx:
        if isinstance(k, Tensor):
            a = k._data
            if a.dtype.kind not in "biu":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            if a.ndim == 0 and a.dtype.kind in "iu":
                out.append(int(a))
                continue
            out.append(a)
            basic = False
        elif isinstance(k, (list, np.ndarray)):
            a = np.asarray(k)
            if a.dtype.kind == "f":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            out.append(a)
            basic = False
        elif k is None or k is Ellipsis or isinstance(k, slice):
            if isinstance(k, slice) and k.step is not None and k.step <= 0:
                raise ValueError("step must be greater than zero")
            out.append(k)
        elif isinstance(k, bool):
            out.append(k)
            basic = False
        elif isinstance(k, (int, np.integer)):
            out.append(int(k))
        else:
            raise IndexError(
                "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices "
                f"(got {type(k).__name__})")
    _check_bounds(out, shape)
    return tuple(out), basic


def _check_bounds(idx, shape):
    """PyTorch's IndexError texts for ints and masks out of range (NumPy's differ)."""
    n_real = sum(1 for k in idx if k is not None and k is not Ellipsis and not isinstance(k, bool)
                 and not (isinstance(k, np.ndarray) and k.dtype == bool)) + sum(
        k.ndim for k in idx if isinstance(k, np.ndarray) and k.dtype == bool) - sum(
        1 for k in idx if isinstance(k, np.ndarray) and k.dtype == bool)
    if n_real > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
    dim = 0
    for pos, k in enumerate(idx):
        if k is Ellipsis:
            rest = idx[pos + 1:]
            after = sum(1 for r in rest if r is not None and not isinstance(r, bool)) + sum(
                r.ndim - 1 for r in rest if isinstance(r, np.ndarray) and r.dtype == bool)
            dim = len(shape) - after
            continue
        if k is None or isinstance(k, bool):
            continue
        if isinstance(k, int):
            size = shape[dim]
            if not -size <= k < size:
                raise IndexError(f"index {k} is out of bounds for dimension {dim} with size {size}")
            dim += 1
        elif isinstance(k, np.ndarray):
            if k.dtype == bool:
                for j in range(k.ndim):
                    if dim + j >= len(shape) or k.shape[j] != shape[dim + j]:
                        have = shape[dim + j] if dim + j < len(shape) else 0
                        raise IndexError(
                            f"The shape of the mask [{', '.join(map(str, k.shape))}] at index {j} does not match "
                            f"the shape of the indexed tensor [{', '.join(map(str, shape))}] at index {dim + j}"
                            if have else f"too many indices for tensor of dimension {len(shape)}")
                dim += k.ndim
            else:
                size = shape[dim]
                if k.size and (k.max() >= size or k.min() < -size):
                    bad = int(k.max()) if k.max() >= size else int(k.min())
                    raise IndexError(f"index {bad} is out of bounds for dimension {dim} with size {size}")
                dim += 1
        else:
            dim += 1


class IndexBackward0(Node):
    """x[idx]: the gradient is scattered (accumulating) into zeros of x's shape."""

    __slots__ = ()

    def run(self, F, grad, diff):
        return (F.index_grad(grad, self.in_shape, self.index),)


def getitem(input, idx):
    """``input[idx]`` with PyTorch's indexing rules."""
    d = input._data
    if idx.__class__ is int and d.ndim:  # the common ``x[i]``
        if not -d.shape[0] <= idx < d.shape[0]:
            raise IndexError(f"index {idx} is out of bounds for dimension 0 with size {d.shape[0]}")
        index, basic = idx, True
    else:
        if d.ndim == 0 and not _zero_d_ok(idx):
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` "
                             "in C++ to convert a 0-dim tensor to a number")
        index, basic = _to_numpy_index(idx, d.shape)
    if basic:
        r = d[index]
        if r.__class__ is not np.ndarray:  # NumPy copied a single element out; take a 0-d view instead
            if not isinstance(index, tuple):
                r = d[index, ...]
            elif not any(k is Ellipsis for k in index):
                r = d[index + (Ellipsis,)]
            else:
                r = np.asarray(r)
        res = make_view(input, r)
    else:
        res = wrap(d[index])
    if input._requires_grad and grad_mode.enabled:
        node = IndexBackward0() if not basic else _SliceBackward()
        node.in_shape = d.shape
        node.index = index
        record(node, (input,), (res,))
    return res


def _zero_d_ok(idx):
    items = idx if isinstance(idx, tuple) else (idx,)
    return all(k is None or k is Ellipsis or isinstance(k, (bool, slice)) or
               (isinstance(k, Tensor) and k.dtype.name == "bool") for k in items)


class _SliceBackward(IndexBackward0):
    """Basic indexing (a view): PyTorch names its node SliceBackward0 / SelectBackward0."""

    __slots__ = ()

    def name(self):
        idx = self.index if isinstance(self.index, tuple) else (self.index,)
        if any(isinstance(k, int) for k in idx):
            return "SelectBackward0"
        if any(k is None for k in idx):
            return "UnsqueezeBackward0"
        return "SliceBackward0"


def _index_grad_kernel(grad, shape, index):
    out = np.zeros(shape, dtype=grad.dtype)
    if _is_basic(index):
        out[index] = grad
    else:
        np.add.at(out, index, grad)
    return out


def _is_basic(index):
    if isinstance(index, tuple):
        return not any(isinstance(k, (np.ndarray, bool)) for k in index)
    return not isinstance(index, (np.ndarray, bool))


class IndexGradBackward0(Node):
    """The scatter behind an indexing gradient; its own gradient is indexing again."""

    __slots__ = ()

    def run(self, F, grad, diff):
        return (F.getitem(grad, self.index),)


def index_grad(grad, shape, index):
    """Zeros of ``shape`` with ``grad`` added at ``index`` (repeated indices accumulate)."""
    res = wrap(_index_grad_kernel(grad._data, shape, index))
    if grad._requires_grad and grad_mode.enabled:
        node = IndexGradBackward0()
        node.index = index
        record(node, (grad,), (res,))
    return res


def _agetitem(x, index):
    return x[index]


def _tgetitem(x, index):
    """``T.getitem`` with an already translated NumPy index."""
    d = x._data
    res = wrap(d[index])
    if x._requires_grad and grad_mode.enabled:
        node = IndexBackward0()
        node.in_shape = d.shape
        node.index = index
        record(node, (x,), (res,))
    return res


register("index_grad", _index_grad_kernel, index_grad)
register("getitem", _agetitem, _tgetitem)


# -- assignment ---------------------------------------------------------------------------------
class IndexPutBackward0(Node):
    """out = x with out[idx] = v: x's gradient is zero at idx, v's is the gradient there."""

    __slots__ = ()

    def run(self, F, grad, diff):
        n = self.needs_input_grad
        gx = gv = None
        if n[0]:
            gx = _mask_out(F, grad, self.index)
        if n[1]:
            gv = F.getitem(grad, self.index)
            if gv.shape != self.v_shape:
                gv = F.sum_to(gv, self.v_shape)
        return gx, gv


def _mask_out(F, grad, index):
    """``grad`` with zeros where ``index`` selects (differentiable in both namespaces)."""
    ones = F.zeros_like(grad) + 1
    hit = F.index_grad(F.getitem(ones, index), grad.shape, index)
    return F.where(hit > 0, F.zeros_like(grad), grad)


def _index_put(x, index, v):
    """Out-of-place ``x[index] = v`` (the op that setitem records under autograd)."""
    d = x._data.copy()
    vd = v._data if isinstance(v, Tensor) else v
    d[index] = vd
    res = wrap(d)
    if grad_mode.enabled and (x._requires_grad or (isinstance(v, Tensor) and v._requires_grad)):
        node = IndexPutBackward0()
        node.index = index
        node.v_shape = vd.shape if isinstance(v, Tensor) else ()
        record(node, (x, v if isinstance(v, Tensor) else None), (res,))
    return res


def setitem(input, idx, value):
    """``input[idx] = value``: writes into input's memory; recorded by autograd when needed."""
    from .elementwise import apply_inplace, check_inplace

    d = input._data
    index, _ = _to_numpy_index(idx, d.shape) if not (idx.__class__ is int and d.ndim) else (idx, True)
    if isinstance(idx, int) and d.ndim and not -d.shape[0] <= idx < d.shape[0]:
        raise IndexError(f"index {idx} is out of bounds for dimension 0 with size {d.shape[0]}")
    if isinstance(value, Tensor):
        vd = value._data
    elif isinstance(value, (int, float, bool, np.generic)):
        vd = value
    else:
        value = _make(np.asarray(value, dtype=d.dtype))
        vd = value._data
    if grad_mode.enabled and (input._requires_grad or (isinstance(value, Tensor) and value._requires_grad)):
        if isinstance(value, Tensor) and value._data.dtype != d.dtype:
            value = value.to(input.dtype)
        apply_inplace(input, _index_put, index, value)
        return
    check_inplace(input)
    if not d.flags.writeable:
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to a single memory "
            "location. Please clone() the tensor before performing the operation.")
    try:
        d[index] = vd
    except ValueError as e:
        vshape = list(np.shape(vd))
        raise RuntimeError(f"shape mismatch: value tensor of shape {vshape} cannot be broadcast to indexing "
                           f"result of shape {list(d[index].shape)}") from e
    input._bump()


METHODS = []
DUNDERS = {"__getitem__": getitem, "__setitem__": setitem}
