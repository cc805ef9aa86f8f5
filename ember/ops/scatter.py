"""Reading and writing along one dim through index tensors: gather / scatter / scatter_add, and
index_select / index_add / index_copy / index_fill with a 1-D index. (Masks, flat indices and
nonzero are in ``masked.py``.)

The rules pair the ops up. The gradient of a read (gather, index_select, take,
masked_select) is the matching accumulating write (scatter_add, index_add, ``index_grad``),
whose own gradient is the read again; the gradient of a write is, for the source, a read
of the written places, and for the input, zeros there. Index arrays are saved for
backward as constants (Tensors in the differentiable mode, arrays in the fast one).
"""
import numpy as np

from ..autograd import grad_mode
from ..tensor import Tensor, _wrap_dim
from ._scaffold import Node, record, register, wrap
from .indexing import _dims

_make = Tensor._make
_ndarray = np.ndarray


# -- gather / scatter -----------------------------------------------------------------------------------
_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
          "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _tn(a):
    return _NAMES[a.dtype.name]


def _int_index(index, op, what="int32/int64"):
    a = index._data
    if a.dtype.kind not in "iu" or a.dtype == np.uint8:
        raise RuntimeError(f"{op}(): Expected dtype {what} for index")
    return a


def _check_range(i, size, dim, exc=RuntimeError, prefix=""):
    """No wrap-around: every entry of ``i`` must lie in ``[0, size)``."""
    if i.size and (i.min() < 0 or i.max() >= size):
        bad = i[(i < 0) | (i >= size)].flat[0]
        raise exc(f"{prefix}index {bad} is out of bounds for dimension {dim} with size {size}")


def _along(index, dim):
    """The NumPy index of what gather reads and scatter writes: at each position p of
    ``index``, the entry whose coordinate in ``dim`` is ``index[p]`` and whose others are p's."""
    nd = index.ndim
    return tuple(index if k == dim else np.arange(n).reshape((n,) + (1,) * (nd - k - 1))
                 for k, n in enumerate(index.shape))


def _block(shape):
    """The leading block of a source that an index of ``shape`` uses."""
    return tuple(slice(0, n) for n in shape)


def _agather(x, dim, index):
    return x[_along(index, dim)]


def _ascatter(x, dim, index, src):
    out = x.copy()
    out[_along(index, dim)] = src[_block(index.shape)] if isinstance(src, _ndarray) else src
    return out


def _ascatter_add(x, dim, index, src):
    out = x.copy()
    np.add.at(out, _along(index, dim), src[_block(index.shape)])
    return out


class GatherBackward0(Node):
    """gather: each entry's gradient is added back where it was read from (scatter_add)."""

    __slots__ = ()

    def run(self, F, grad, diff):
        index, = self.unpack(diff)
        return (F.scatter_add(F.new_zeros(grad, self.in_shape), self.dim, index, grad),)


def gather(input, dim, index, *, sparse_grad=False, out=None):
    """Entries read along ``dim``: for dim 1, ``out[i][j][k] = input[i][index[i][j][k]][k]``.
    ``index`` has input's ndim and is no larger in the other dims. Shape: index's.
    (``sparse_grad=True`` is accepted; ember's gradient is always dense, with the same values.)"""
    d = input._data
    i = _int_index(index, "gather", "int32/int64")
    nd = d.ndim
    dim = _wrap_dim(dim, nd)
    if i.ndim != nd and (i.ndim > 1 or nd > 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    if nd == 0:  # a 0-d input reads as one of 1 entry
        return input.reshape(1).gather(0, index.reshape(-1), out=out).reshape(i.shape)
    for k in range(i.ndim):
        if k != dim and i.shape[k] > d.shape[k]:
            raise RuntimeError(f"Size does not match at dimension {k} expected index {_dims(i.shape)} to be no "
                               f"larger than self {_dims(d.shape)} apart from dimension {dim}")
    _check_range(i, d.shape[dim], dim)
    res = wrap(_agather(d, dim, i))
    if input._requires_grad and grad_mode.enabled:
        node = GatherBackward0()
        node.dim, node.in_shape = dim, d.shape
        record(node, (input,), (res,), (i,))
    return res if out is None else out.copy_(res)


def _src_grad(F, grad, dim, index, src_shape):
    """The gradient of a scatter's source: the gradient read where each entry was written,
    in the leading block of a source larger than the index."""
    g = F.gather(grad, dim, index)
    return g if tuple(g.shape) == tuple(src_shape) else F.index_grad(g, src_shape, _block(g.shape))


class ScatterBackward0(Node):
    """scatter(src): input's gradient is zero where src was written; src's is read there."""

    __slots__ = ()

    def run(self, F, grad, diff):
        index, = self.unpack(diff)
        n = self.needs_input_grad
        return (F.scatter(grad, self.dim, index, 0.0) if n[0] else None,
                _src_grad(F, grad, self.dim, index, self.src_shape) if n[1] else None)


class ScatterBackward1(Node):
    """scatter(value): input's gradient is zero where the value was written."""

    __slots__ = ()

    def run(self, F, grad, diff):
        index, = self.unpack(diff)
        return (F.scatter(grad, self.dim, index, 0.0),)


class ScatterAddBackward0(Node):
    """scatter_add: input's gradient passes whole; src's is read where each entry was added."""

    __slots__ = ()

    def run(self, F, grad, diff):
        index, = self.unpack(diff)
        n = self.needs_input_grad
        return (grad if n[0] else None, _src_grad(F, grad, self.dim, index, self.src_shape) if n[1] else None)


class ScatterReduceBackward(Node):
    """scatter(..., reduce=...): PyTorch defines no derivative for it either."""

    __slots__ = ()

    def run(self, F, grad, diff):
        raise NotImplementedError("the derivative for 'scatter' with reduce= is not implemented (as in PyTorch)")


def _scatter_checks(op, d, dim, i, s):
    nd = d.ndim
    if i.ndim != nd and (i.ndim > 1 or nd > 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    if s is not None and s.ndim != i.ndim and (s.ndim > 1 or i.ndim > 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    for k in range(i.ndim if nd else 0):
        if (k != dim and i.shape[k] > d.shape[k]) or (s is not None and i.shape[k] > s.shape[k]):
            tail = f" and to be no larger size than src {_dims(s.shape)}" if s is not None else ""
            raise RuntimeError(f"Expected index {_dims(i.shape)} to be no larger than self {_dims(d.shape)} apart "
                               f"from dimension {dim}{tail}")
    if s is not None and s.dtype != d.dtype:
        raise RuntimeError(f"{op}(): Expected self.dtype to be equal to src.dtype")
    _check_range(i, d.shape[dim] if nd else 1, dim)


def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    """A copy of ``input`` with entries of ``src`` (or the number ``value``) written along ``dim``:
    for dim 1, ``out[i][index[i][j][k]][k] = src[i][j][k]``. With ``reduce='add'`` or
    ``'multiply'`` they are combined with what is there (no gradient, as in PyTorch)."""
    if src is not None and not isinstance(src, Tensor):
        src, value = None, src
    if (src is None) == (value is None):
        raise TypeError("scatter() expects either a 'src' tensor or a 'value' number to write (not both)")
    d = input._data
    dim = _wrap_dim(dim, d.ndim)
    i = _int_index(index, "scatter", "int32/int64")
    s = src._data if src is not None else None
    _scatter_checks("scatter", d, dim, i, s)
    if d.ndim == 0:
        i = i.reshape(())
        s = s.reshape(()) if s is not None else None
    payload = s if s is not None else np.asarray(value).astype(d.dtype)[()]
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise RuntimeError("reduce argument must be either add or multiply.")
        out = d.copy()
        ufunc = np.add if reduce == "add" else np.multiply
        ufunc.at(out, _along(i, dim), payload[_block(i.shape)] if s is not None else payload)
        res = wrap(out)
        if grad_mode.enabled and (input._requires_grad or (src is not None and src._requires_grad)):
            record(ScatterReduceBackward(), (input, src), (res,))
        return res
    res = wrap(_ascatter(d, dim, i, payload))
    if grad_mode.enabled and (input._requires_grad or (src is not None and src._requires_grad)):
        node = ScatterBackward0() if src is not None else ScatterBackward1()
        node.dim = dim
        node.src_shape = s.shape if s is not None else None
        record(node, (input, src) if src is not None else (input,), (res,), (i,))
    return res


def scatter_add(input, dim, index, src):
    """A copy of ``input`` with ``src`` added along ``dim`` (repeated indices add up): for dim 1,
    ``out[i][index[i][j][k]][k] += src[i][j][k]``."""
    d, s = input._data, src._data
    dim = _wrap_dim(dim, d.ndim)
    i = _int_index(index, "scatter", "int32/int64")
    _scatter_checks("scatter", d, dim, i, s)
    if d.ndim == 0:
        i, s = i.reshape(()), s.reshape(())
    res = wrap(_ascatter_add(d, dim, i, s))
    if grad_mode.enabled and (input._requires_grad or src._requires_grad):
        node = ScatterAddBackward0()
        node.dim, node.src_shape = dim, s.shape
        record(node, (input, src), (res,), (i,))
    return res


register("gather", _agather, lambda x, dim, index: gather(x, dim, index))
register("scatter", _ascatter, lambda x, dim, index, src: scatter(x, dim, index, src))
register("scatter_add", _ascatter_add, scatter_add)


# -- index_select / index_add / index_copy / index_fill (a 1-D index along one dim) ------------------
def _vector_index(index, op):
    i = _int_index(index, op, "int32 or int64")
    if i.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector, but got dim: {i.ndim} with type: {_tn(i)} and "
                         f"size: {_dims(i.shape)}" if op != "index_select" else
                         "index_select(): Index is supposed to be a vector")
    return i.reshape(-1)


def _at(dim, i):
    return (slice(None),) * dim + (i,)


def _aindex_select(x, dim, index):
    return np.take(x, index, axis=dim) if x.ndim else x.copy()


def _aindex_add(x, dim, index, source, *, alpha=1):
    out = x.copy()
    if alpha != 1:
        source = source * alpha
    if x.ndim == 0:
        return out + source.sum(dtype=x.dtype)
    np.add.at(out, _at(dim, index), source)
    return out


def _aindex_fill(x, dim, index, value):
    out = x.copy()
    out[_at(dim, index) if x.ndim else ()] = value
    return out


class IndexSelectBackward0(Node):
    """index_select: the gradient is added back at the selected places (index_add)."""

    __slots__ = ()

    def run(self, F, grad, diff):
        index, = self.unpack(diff)
        return (F.index_add(F.new_zeros(grad, self.in_shape), self.dim, index, grad),)


def index_select(input, dim, index, *, out=None):
    """The slices ``index[0], index[1], ...`` of dim ``dim``, in that order (repeats allowed)."""
    d = input._data
    i = _vector_index(index, "index_select")
    dim = _wrap_dim(dim, d.ndim)
    size = d.shape[dim] if d.ndim else 1
    if i.size and (i.min() < 0 or i.max() >= size):
        raise RuntimeError(f"INDICES element is out of DATA bounds, id={i[(i < 0) | (i >= size)][0]} axis_dim={size}")
    res = wrap(_aindex_select(d, dim, i))
    if input._requires_grad and grad_mode.enabled:
        node = IndexSelectBackward0()
        node.dim, node.in_shape = dim, d.shape
        record(node, (input,), (res,), (i,))
    return res if out is None else out.copy_(res)


def _index_write_checks(op, d, dim, i, s):
    if s.dtype != d.dtype:
        if op == "index_add_":
            raise RuntimeError(f"index_add_(): self ({_tn(d)}) and source ({_tn(s)}) must have the same scalar type")
        raise RuntimeError(f"{op}(): self and source expected to have the same dtype, but got (self) {_tn(d)} and "
                           f"(source) {_tn(s)}")
    if d.ndim == 0:
        return
    if s.ndim != d.ndim or any(s.shape[k] != d.shape[k] for k in range(d.ndim) if k != dim):
        raise RuntimeError("source tensor shape must match self tensor shape, excluding the specified dimension. "
                           f"Got self.shape = {_dims(d.shape)} source.shape = {_dims(s.shape)}")
    if s.shape[dim] != i.shape[0]:
        if op == "index_add_":
            raise RuntimeError(f"index_add_(): Number of indices ({i.shape[0]}) should be equal to source.size(dim): "
                               f"({s.shape[dim]}), for dim: {dim}")
        raise IndexError(f"{op}(): Number of indices ({i.shape[0]}) should be equal to source.size(dim) "
                         f"({s.shape[dim]})")


class IndexAddBackward0(Node):
    """index_add: input's gradient passes whole; source's is read at the index (times alpha)."""

    __slots__ = ()

    def run(self, F, grad, diff):
        index, = self.unpack(diff)
        n = self.needs_input_grad
        gs = None
        if n[1]:
            gs = F.index_select(grad, self.dim, index)
            if self.alpha != 1:
                gs = gs * self.alpha
            if tuple(gs.shape) != self.src_shape:
                gs = F.reshape(gs, self.src_shape)
        return (grad if n[0] else None), gs


def index_add(input, dim, index, source, *, alpha=1, out=None):
    """A copy of ``input`` with ``alpha * source[..., j, ...]`` added at ``[..., index[j], ...]``
    (repeated indices add up)."""
    d, s = input._data, source._data
    i = _vector_index(index, "index_add_")
    dim = _wrap_dim(dim, d.ndim)
    _index_write_checks("index_add_", d, dim, i, s)
    if i.size and i.min() < 0:
        raise IndexError("index out of range in self")
    _check_range(i, d.shape[dim] if d.ndim else 1, dim)
    res = wrap(_aindex_add(d, dim, i, s, alpha=alpha))
    if grad_mode.enabled and (input._requires_grad or source._requires_grad):
        node = IndexAddBackward0()
        node.dim, node.alpha, node.src_shape = dim, alpha, s.shape
        record(node, (input, source), (res,), (i,))
    return res if out is None else out.copy_(res)


class IndexCopyBackward0(Node):
    """index_copy: input's gradient is zero at the copied slices; source's is read there."""

    __slots__ = ()

    def run(self, F, grad, diff):
        index, = self.unpack(diff)
        n = self.needs_input_grad
        gs = None
        if n[1]:
            gs = F.index_select(grad, self.dim, index)
            if tuple(gs.shape) != self.src_shape:
                gs = F.reshape(gs, self.src_shape)
        return (F.index_fill(grad, self.dim, index, 0.0) if n[0] else None), gs


def index_copy(input, dim, index, source):
    """A copy of ``input`` with ``out[..., index[j], ...] = source[..., j, ...]``."""
    d, s = input._data, source._data
    i = _vector_index(index, "index_copy_")
    dim = _wrap_dim(dim, d.ndim)
    _index_write_checks("index_copy_", d, dim, i, s)
    size = d.shape[dim] if d.ndim else 1
    _check_range(i, size, dim, IndexError, "index_copy_(): ")
    out = d.copy()
    out[_at(dim, i) if d.ndim else ()] = s if d.ndim else s.reshape(())
    res = wrap(out)
    if grad_mode.enabled and (input._requires_grad or source._requires_grad):
        node = IndexCopyBackward0()
        node.dim, node.src_shape = dim, s.shape
        record(node, (input, source), (res,), (i,))
    return res


class IndexFillBackward0(Node):
    """index_fill(number): input's gradient is zero at the filled slices."""

    __slots__ = ()

    def run(self, F, grad, diff):
        index, _ = self.unpack(diff)
        return (F.index_fill(grad, self.dim, index, 0.0),)


class IndexFillBackward1(Node):
    """index_fill(0-d tensor): as above; the value's gradient is the sum over the filled slices
    (each slice counted once, however often the index repeats it)."""

    __slots__ = ()

    def run(self, F, grad, diff):
        index, unique = self.unpack(diff)
        n = self.needs_input_grad
        gv = F.cast(F.sum(F.index_select(grad, self.dim, unique)), self.v_dtype) if n[1] else None
        return (F.index_fill(grad, self.dim, index, 0.0) if n[0] else None), gv


def index_fill(input, dim, index, value):
    """A copy of ``input`` with the slices ``[..., index[j], ...]`` set to ``value`` (a number or a
    0-d tensor); negative indices count from the end."""
    d = input._data
    i = _vector_index(index, "index_fill_")
    dim = _wrap_dim(dim, d.ndim)
    size = d.shape[dim] if d.ndim else 1
    if i.size and (i.min() < -size or i.max() >= size):
        bad = i[(i < -size) | (i >= size)][0]
        raise IndexError(f"index {bad} is out of bounds for dimension {dim} with size {size}")
    i = np.where(i < 0, i + size, i)
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value._data.ndim} dimension(s).")
        v = value._data.astype(d.dtype)
    else:
        v = np.asarray(value).astype(d.dtype)
    res = wrap(_aindex_fill(d, dim, i, v))
    tensor_value = isinstance(value, Tensor)
    if grad_mode.enabled and (input._requires_grad or (tensor_value and value._requires_grad)):
        node = IndexFillBackward1() if tensor_value else IndexFillBackward0()
        node.dim = dim
        node.v_dtype = value._data.dtype if tensor_value else None
        record(node, (input, value) if tensor_value else (input,), (res,), (i, np.unique(i)))
    return res


register("index_select", _aindex_select, index_select)
register("index_add", _aindex_add, index_add)
register("index_fill", _aindex_fill, index_fill)


# -- in-place forms ---------------------------------------------------------------------------------------
def _inplace(op):
    def method(self, *args, **kwargs):
        from .inplace import apply_inplace

        return apply_inplace(self, op, *args, **kwargs)

    method.__name__ = op.__name__ + "_"
    return method


scatter_, scatter_add_, index_add_, index_copy_, index_fill_ = (
    _inplace(scatter), _inplace(scatter_add), _inplace(index_add), _inplace(index_copy), _inplace(index_fill))

METHODS = ["gather", "scatter", "scatter_add", "index_select", "index_add", "index_copy", "index_fill",
           "scatter_", "scatter_add_", "index_add_", "index_copy_", "index_fill_"]
