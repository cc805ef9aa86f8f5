"""Indexing: ``x[idx]`` and ``x[idx] = v``.

``x[idx]``
    An index is translated once into a NumPy index (``to_numpy_index``). Basic indexing
    (ints, slices, None, Ellipsis) gives a view; advanced indexing (integer or bool
    tensors, lists) gives a copy. The gradient of ``x[idx]`` scatters the incoming
    gradient into zeros of x's shape, accumulating where an index repeats; that scatter is
    itself an op (``index_grad``) whose gradient is indexing again, so both stay
    differentiable to any order.
``index_put``
    ``x[idx] = v`` as a function (``accumulate=True`` adds, repeated indices adding up).

Reading and writing through index tensors along one dim (gather, scatter, index_select, ...)
is in ``scatter.py``; through masks and flat indices (masked_fill, take, ...) in ``masked.py``.
"""
import numpy as np

from ..autograd import grad_mode
from ..autograd.node import StateNode
from ..tensor import Tensor
from ._scaffold import Node, record, register, wrap
from .movement import make_view
from .narrow import SelectBackward0, SliceBackward0
from .transpose import AliasBackward0

__all__ = ["getitem", "setitem", "index_grad", "to_numpy_index", "check_bounds"]

_make = Tensor._make
_ndarray = np.ndarray


def _dims(shape):
    return "[" + ", ".join(map(str, shape)) + "]"


# -- translating a PyTorch index --------------------------------------------------------------
def to_numpy_index(idx, shape):
    """``(numpy_index, is_basic)`` for the PyTorch index ``idx`` into a tensor of ``shape``.

    Tensors become arrays (0-d integer tensors become ints, uint8 tensors masks), lists
    become arrays. Out-of-range indices are left for NumPy to find: callers catch its
    IndexError and call ``check_bounds`` for PyTorch's text (a check up front would cost
    more than the indexing itself for small tensors).
    """
    if idx.__class__ is Tensor and idx._data.ndim and idx._data.dtype.kind in "bi":  # the common ``x[t]``
        return (idx._data,), False
    if idx.__class__ is not tuple:
        idx = (idx,)
    out = []
    basic = True
    seen_ellipsis = False
    for k in idx:
        if isinstance(k, Tensor):
            a = k._data
            kind = a.dtype.kind
            if kind not in "biu":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            if a.ndim == 0 and kind in "iu" and a.dtype != np.uint8:
                out.append(int(a))
                continue
            out.append(a.astype(bool) if a.dtype == np.uint8 else a)
            basic = False
        elif isinstance(k, (list, range, _ndarray)):  # NOTE: ``x[range(n), y]``, as in the nn tutorial
            a = np.asarray(k)
            if a.size == 0 and a.dtype.kind == "f":
                a = a.astype(np.int64)  # ``x[[]]``: an empty integer index
            if a.dtype.kind not in "biu":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            out.append(a)
            basic = False
        elif k is Ellipsis:
            if not seen_ellipsis:  # PyTorch accepts ``x[..., ...]``; NumPy does not
                out.append(k)
            seen_ellipsis = True
        elif k is None:
            out.append(k)
        elif isinstance(k, slice):
            if k.step is not None and k.step <= 0:
                raise ValueError("step must be greater than zero")
            out.append(k)
        elif isinstance(k, (bool, np.bool_)):
            out.append(bool(k))
            basic = False
        elif isinstance(k, (int, np.integer)):
            out.append(int(k))
        else:
            raise IndexError(
                "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices "
                f"(got {type(k).__name__})")
    if not basic and any(k.__class__ is int for k in out):
        check_bounds(out, shape)
        out = _torch_order(out, shape)
    return tuple(out), basic



def _is_mask(k):
    return k.__class__ is _ndarray and k.dtype == bool


def _consumes(k):
    """How many of the tensor's dims index entry ``k`` uses up."""
    if k is None or k is Ellipsis or k.__class__ is bool:
        return 0
    return k.ndim if _is_mask(k) else 1


def check_bounds(idx, shape):
    """PyTorch's IndexError texts (NumPy's differ) for too many indices, ints and index arrays
    out of range, and masks whose shape does not match. PyTorch numbers an index array by its
    place among the index arrays, not by the dim it indexes."""
    nd = len(shape)
    if sum(_consumes(k) for k in idx) > nd:
        raise IndexError(f"too many indices for tensor of dimension {nd}")
    dim = adv = 0
    for pos, k in enumerate(idx):
        if k is Ellipsis:
            dim = nd - sum(_consumes(r) for r in idx[pos + 1:])
        elif k.__class__ is int:
            size = shape[dim]
            if not -size <= k < size:
                raise IndexError(f"index {k} is out of bounds for dimension {dim} with size {size}")
            dim += 1
        elif _is_mask(k):
            for j in range(k.ndim):
                if k.shape[j] != shape[dim + j]:
                    raise IndexError(f"The shape of the mask {_dims(k.shape)} at index {j} does not match the shape "
                                     f"of the indexed tensor {_dims(shape)} at index {dim + j}")
            dim += k.ndim
            adv += k.ndim
        elif k.__class__ is _ndarray:
            size = shape[dim]
            if k.size and (k.max() >= size or k.min() < -size):
                bad = k[(k >= size) | (k < -size)].flat[0]
                raise IndexError(f"index {bad} is out of bounds for dimension {adv} with size {size}")
            dim += 1
            adv += 1
        elif k.__class__ is slice:
            dim += 1


def _torch_order(index, shape):
    """Make an index with ints among index arrays give PyTorch's layout.

    NumPy counts such an int as one more index array; PyTorch applies ints first (as
    ``select``) and only then the arrays. Where the arrays go in the result (in place when
    they are adjacent, else first) then differs when an int stands between them and a slice.
    In that case PyTorch's two steps are applied to one broadcast ``arange`` per dim, giving
    one full int array per dim: an index that NumPy reads exactly as PyTorch would.
    """
    def adjacent(entries):
        pos = [i for i, k in enumerate(entries) if k.__class__ in (_ndarray, bool, int)]
        return not pos or pos[-1] - pos[0] + 1 == len(pos)

    if adjacent(index) == adjacent([k for k in index if k.__class__ is not int]):
        return index
    first = []
    for k in index:
        if k.__class__ is int or k is Ellipsis:
            first.append(k)
        elif k is not None and k.__class__ is not bool:
            first.extend([slice(None)] * _consumes(k))
    first, then = tuple(first), tuple(k for k in index if k.__class__ is not int)
    nd = len(shape)
    return tuple(np.broadcast_to(np.arange(n).reshape((n,) + (1,) * (nd - j - 1)), shape)[first][then]
                 for j, n in enumerate(shape))


# -- x[idx] ---------------------------------------------------------------------------------------
class _Held:
    """An index kept in a node's ``saved`` (freed with it); a wrapper, since ``record`` would
    take a bare tuple of index arrays for several saved values."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


class IndexBackward0(StateNode):
    """x[idx] (advanced): the gradient is scattered (accumulating) into zeros of x's shape."""

    __slots__ = ()
    _state = ("index",)

    def run(self, F, grad, diff):
        self.live()
        return (F.index_grad(grad, self.in_shape, self.index),)


class UnsqueezeBackward0(SliceBackward0):
    """x[..., None, ...]: a view whose last step inserted a dim (PyTorch's name for it)."""

    __slots__ = ()


def _basic_node(idx, shape):
    """PyTorch names a basic-indexing view after the last step it applied: select, slice or
    unsqueeze. Inside a tuple, a slice from 0 with step 1 that reaches the end is skipped, so
    ``x[:, :]`` is an alias (a lone ``x[:]`` still slices)."""
    single = idx.__class__ is not tuple
    items = (idx,) if single else idx
    node = AliasBackward0
    dim = 0
    for pos, k in enumerate(items):
        if k is None:
            node = UnsqueezeBackward0
        elif k is Ellipsis:
            dim = len(shape) - sum(r is not None and r is not Ellipsis for r in items[pos + 1:])
        else:
            if k.__class__ is not slice:
                node = SelectBackward0
            elif single or not (k.start in (None, 0) and k.step in (None, 1)
                                and (k.stop is None or k.stop >= shape[dim])):
                node = SliceBackward0
            dim += 1
    return node


def _zero_d_ok(idx):
    items = idx if isinstance(idx, tuple) else (idx,)
    return all(k is None or k is Ellipsis or isinstance(k, (bool, np.bool_)) or
               (isinstance(k, Tensor) and k._data.dtype == bool) for k in items)


def _translate(d, idx):
    if idx.__class__ is int and d.ndim:  # the common ``x[i]``
        n = d.shape[0]
        if not -n <= idx < n:
            raise IndexError(f"index {idx} is out of bounds for dimension 0 with size {n}")
        return (idx,), True
    if d.ndim == 0 and not _zero_d_ok(idx):
        first = idx[0] if isinstance(idx, tuple) and idx else idx
        if isinstance(first, slice):
            raise IndexError("slice() cannot be applied to a 0-dim tensor.")
        raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` "
                         "in C++ to convert a 0-dim tensor to a number")
    return to_numpy_index(idx, d.shape)


def getitem(input, idx):
    """``input[idx]`` with PyTorch's indexing rules: a view for basic indices, else a copy."""
    d = input._data
    index, basic = _translate(d, idx)
    try:
        if basic:
            # a trailing Ellipsis makes NumPy return a 0-d view rather than a copied scalar
            res = make_view(input, d[index if Ellipsis in index else index + (Ellipsis,)])
        else:
            res = wrap(d[index])
    except IndexError:
        check_bounds(index, d.shape)  # raises PyTorch's text
        raise
    if input._requires_grad and grad_mode.enabled:
        node = _basic_node(idx, d.shape)() if basic else IndexBackward0()
        node.in_shape = d.shape
        node.index = index
        record(node, (input,), (res,), () if basic else (_Held(index),))
    return res


def _has_int_arrays(index):
    if index.__class__ is not tuple:
        index = (index,)
    return any(k.__class__ is _ndarray and k.dtype != bool for k in index)


def _index_grad_kernel(grad, shape, index):
    out = np.zeros(shape, dtype=grad.dtype)
    if _has_int_arrays(index):
        np.add.at(out, index, grad)  # repeated indices accumulate
    else:
        out[index] = grad  # basic indices and masks hit each place at most once
    return out


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
        record(node, (x,), (res,), (_Held(index),))
    return res


register("index_grad", _index_grad_kernel, index_grad)
register("getitem", _agetitem, _tgetitem)


# -- x[idx] = value ---------------------------------------------------------------------------------
class IndexPutBackward0(Node):
    """out = x with out[idx] = v (or += v): x's gradient is zero where v was written (all of it
    passes when accumulating); v's is the gradient there, summed to v's shape."""

    __slots__ = ()

    def run(self, F, grad, diff):
        n = self.needs_input_grad
        gx = gv = None
        if n[0]:
            gx = grad if self.accumulate else _mask_out(F, grad, self.index)
        if n[1]:
            gv = F.getitem(grad, self.index)
            shape = self.v_shape
            core = shape[next((i for i, s in enumerate(shape) if s != 1), len(shape)):]  # without leading 1s
            if len(core) < gv.ndim or core != gv.shape:
                gv = F.sum_to(gv, core)
            if core != shape:
                gv = F.reshape(gv, shape)
        return gx, gv


def _mask_out(F, grad, index):
    """``grad`` with zeros where ``index`` selects (differentiable in both namespaces)."""
    ones = F.zeros_like(grad) + 1
    hit = F.index_grad(F.getitem(ones, index), grad.shape, index)
    return F.where(hit > 0, F.zeros_like(grad), grad)


def _assign(d, index, v, basic):
    """``d[index] = v`` with PyTorch's error texts for a value that does not broadcast."""
    if basic and Ellipsis not in index:
        index = index + (Ellipsis,)  # a 0-d view, not a scalar slot, so that a (1, 1) value fits
    try:
        d[index] = v
    except IndexError:
        check_bounds(index, d.shape)
        raise
    except ValueError:
        vshape, target = tuple(np.shape(v)), d[index].shape
        if not basic:
            raise RuntimeError(f"shape mismatch: value tensor of shape {_dims(vshape)} cannot be broadcast to "
                               f"indexing result of shape {_dims(target)}") from None
        core = vshape[next((i for i, s in enumerate(vshape) if s != 1), len(vshape)):]
        if len(core) > len(target):
            raise RuntimeError(f"expand({_type_name(v)}{{{_dims(vshape)}}}, size={_dims(target)}): the number of "
                               f"sizes provided ({len(target)}) must be greater or equal to the number of "
                               f"dimensions in the tensor ({len(vshape)})") from None
        for i in range(1, len(core) + 1):
            if core[-i] != 1 and core[-i] != target[-i]:
                raise RuntimeError(f"The expanded size of the tensor ({target[-i]}) must match the existing size "
                                   f"({core[-i]}) at non-singleton dimension {len(target) - i}.  Target sizes: "
                                   f"{_dims(target)}.  Tensor sizes: {_dims(core)}") from None
        raise


def _type_name(v):
    name = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
            "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}.get(np.asarray(v).dtype.name, "Float")
    return f"torch.{name}Tensor"


def _index_put(x, index, v, accumulate=False, basic=False):
    """Out-of-place ``x[index] = v`` (``+=`` with ``accumulate``): the op setitem records."""
    d = x._data.copy()
    vd = v._data if isinstance(v, Tensor) else v
    if accumulate:
        try:
            np.add.at(d, index, vd)
        except IndexError:
            check_bounds(index, d.shape)
            raise
    else:
        _assign(d, index, vd, basic)
    res = wrap(d)
    if grad_mode.enabled and (x._requires_grad or (isinstance(v, Tensor) and v._requires_grad)):
        node = IndexPutBackward0()
        node.index, node.accumulate = index, accumulate
        node.v_shape = vd.shape if isinstance(v, Tensor) else ()
        record(node, (x, v if isinstance(v, Tensor) else None), (res,))
    return res


def setitem(input, idx, value):
    """``input[idx] = value``: writes into input's memory (value broadcast to the indexed shape
    and converted to input's dtype); recorded by autograd when input or value needs it, so the
    gradient reaches the value and the old input where it was not overwritten."""
    from .inplace import apply_inplace, check_inplace

    d = input._data
    index, basic = _translate(d, idx)
    if not isinstance(value, (Tensor, int, float, bool, np.generic)):
        kind = type(value)
        name = "numpy.ndarray" if kind is np.ndarray else kind.__name__
        raise TypeError(f"can't assign a {name} to a {input.type()}")
    if grad_mode.enabled and (input._requires_grad or (isinstance(value, Tensor) and value._requires_grad)):
        if isinstance(value, Tensor) and value._data.dtype != d.dtype:
            value = value.to(input.dtype)
        apply_inplace(input, _index_put, index, value, basic=basic)
        return
    check_inplace(input)
    if not d.flags.writeable:
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to a single memory "
            "location. Please clone() the tensor before performing the operation.")
    _assign(d, index, value._data if isinstance(value, Tensor) else value, basic)
    input._bump()


def index_put(input, indices, values, accumulate=False):
    """A copy of ``input`` with ``out[indices] = values`` (``+=`` with ``accumulate``, where
    repeated indices add up). ``indices`` is a tuple of index tensors, one per leading dim."""
    index, _ = to_numpy_index(tuple(indices), input._data.shape)
    if values._data.dtype != input._data.dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{_type_name(input._data)[6:-6]} for the destination and "
                           f"{_type_name(values._data)[6:-6]} for the source.")
    return _index_put(input, index, values, accumulate)


def index_put_(self, indices, values, accumulate=False):
    """In-place ``index_put``."""
    from .inplace import apply_inplace

    return apply_inplace(self, index_put, indices, values, accumulate)


METHODS = ["index_put", "index_put_"]
DUNDERS = {"__getitem__": getitem, "__setitem__": setitem}
