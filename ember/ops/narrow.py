"""Views of part of a dim: narrow, select, unfold.

Each reads a basic (slice or integer) NumPy index of the input, a view built with
``make_view`` (see ``movement.py``). The gradient writes the incoming gradient into zeros of
the input's shape at the same place (``F.index_grad``); ``SliceBackward0`` and
``SelectBackward0`` also serve basic indexing (``indexing.py``) and split (``shapes.py``).
"""
import numpy as np

from ..autograd import grad_mode
from ..tensor import _wrap_dim

from ._scaffold import Node, record
from .movement import ViewBackward0, make_view


# -- narrow / select / unfold: views of part of a dim ------------------------------------------------
class SliceBackward0(Node):
    """A view of part of the input (narrow, basic slicing): the gradient is written into zeros
    of the input's shape at the same place (``index_grad`` with a basic index)."""

    __slots__ = ()

    def run(self, F, grad, diff):
        return (F.index_grad(grad, self.in_shape, self.index),)


class SelectBackward0(SliceBackward0):
    """select(dim, index): as SliceBackward0, the selected dim being dropped from the view."""

    __slots__ = ()


def _part_view(input, index, node_cls):
    """``input[index]`` for a basic NumPy ``index``, as a view recorded with ``node_cls``."""
    d = input._data
    res = make_view(input, d[index + (Ellipsis,)])  # the Ellipsis keeps 0-d results arrays (views)
    if input._requires_grad and grad_mode.enabled:
        node = node_cls()
        node.in_shape, node.index = d.shape, index
        record(node, (input,), (res,))
    return res


def narrow(input, dim, start, length):
    """A view of ``length`` entries of dim ``dim`` from ``start`` (which may be negative)."""
    d = input._data
    dim = _wrap_dim(dim, d.ndim)
    size = d.shape[dim]
    start = int(start)
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    if start < 0:
        start += size
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return _part_view(input, (slice(None),) * dim + (slice(start, start + length),), SliceBackward0)


def select(input, dim, index):
    """The view ``input[..., index, ...]`` with ``index`` taken in dim ``dim`` (which disappears)."""
    d = input._data
    if d.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    dim = _wrap_dim(dim, d.ndim)
    size = d.shape[dim]
    index = int(index)
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"[{', '.join(map(str, d.shape))}] at dimension {dim}")
    return _part_view(input, (slice(None),) * dim + (index,), SelectBackward0)


class UnfoldBackward0(Node):
    """unfold: each window's gradient is added back where the window was read (windows that
    overlap accumulate). The window dim is moved next to its dim and ``index_grad`` scatters
    with the 2-D index ``start[w] + k``."""

    __slots__ = ()

    def run(self, F, grad, diff):
        return (F.index_grad(F.permute(grad, self.perm), self.in_shape, self.index),)


def unfold(input, dimension, size, step):
    """A view of all windows of ``size`` entries along ``dimension``, ``step`` apart; the
    windows form a new last dim. Shape: dim ``dimension`` becomes ``(n - size) // step + 1``.

    NOTE: windows may overlap, so the view is read-only (an in-place write through it raises,
    as PyTorch does for tensors whose elements share memory).
    """
    d = input._data
    if d.ndim == 0:
        d = d.reshape(1)
    dim = _wrap_dim(dimension, d.ndim)
    n = d.shape[dim]
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {dim} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    count = (n - size) // step + 1
    shape = d.shape[:dim] + (count,) + d.shape[dim + 1:] + (size,)
    strides = d.strides[:dim] + (d.strides[dim] * step,) + d.strides[dim + 1:] + (d.strides[dim],)
    r = np.lib.stride_tricks.as_strided(d, shape, strides, writeable=False)
    if input._data.ndim == 0:
        r = r.reshape(size)
    res = make_view(input, r)
    if input._requires_grad and grad_mode.enabled:
        if input._data.ndim == 0:
            node = ViewBackward0()
            node.in_shape = ()
        else:
            node = UnfoldBackward0()
            node.in_shape = d.shape
            window = np.arange(count)[:, None] * step + np.arange(size)[None, :]
            node.index = (slice(None),) * dim + (window,)
            nd = d.ndim
            node.perm = tuple(range(dim + 1)) + (nd,) + tuple(range(dim + 1, nd))
        record(node, (input,), (res,))
    return res


METHODS = ["narrow", "select", "unfold"]
