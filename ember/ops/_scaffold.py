"""How an op is defined: its array kernel, its gradient rule, and the code that records it.

``unary_op`` and ``binary_op`` turn an array kernel and a gradient rule into a public
function (``ember.exp``, ``ember.mul``) that handles dtype promotion, 0-d results and
graph recording. The rule is written below the decorator, in the op's own module, so
forward and gradient sit side by side. Each op also lands in the two gradient
namespaces: ``A.<name>`` is its kernel (arrays), ``T.<name>`` the public function
(Tensors); see ``ember/autograd/node.py``.

This is the hot path: every line here runs for every op, so it reads a little denser
than the rest of ember.
"""
import numpy as np

from .. import dtypes as _dt
from ..autograd import grad_mode
from ..autograd.node import A, T, EPOCH, Node, NO_EDGE, SavedOutput, leaf_edge
from ..tensor import Tensor
from ._promote import SCALAR_OPS, _NO_CACHE, _SCALARS, promote_pair, promote_scalar, scalar_array

_make = Tensor._make
_new = object.__new__
_ndarray = np.ndarray
_asarray = np.asarray

SAVE_NONE, SAVE_INPUTS, SAVE_OUTPUT, SAVE_BOTH = 0, 1, 2, 3

__all__ = ["unary_op", "binary_op", "register", "edge", "record", "wrap",
           "SAVE_NONE", "SAVE_INPUTS", "SAVE_OUTPUT", "SAVE_BOTH", "UnaryNode", "BinaryNode"]


def register(name, kernel, tensor_fn):
    """Enter an op in both gradient namespaces."""
    setattr(A, name, kernel)
    setattr(T, name, tensor_fn)


def camel(name):
    """``log_softmax`` -> ``LogSoftmax`` (PyTorch's node names: ``LogSoftmaxBackward0``)."""
    return "".join(p[:1].upper() + p[1:] for p in name.strip("_").split("_"))


def edge(t):
    fn = t.grad_fn
    if fn is not None:
        return (fn, t._output_nr)
    return (t._edge or leaf_edge(t))


def version(t):
    vc = t._vc
    return vc[0] if vc is not None else None


def wrap(r):
    """Tensor around a kernel's result (NumPy hands back scalars for 0-d results)."""
    if r.__class__ is not _ndarray:
        r = _asarray(r)
    return _make(r)


def record(node, inputs, outputs, saved=()):
    """Wire ``node`` into the graph (the general route, used by ops of unusual arity).

    ``inputs`` are Tensors or None; ``saved`` may hold Tensors, ``SavedOutput``s, arrays and
    Python values. Marks ``outputs`` as produced by ``node``.
    """
    edges = []
    needs = []
    for t in inputs:
        if isinstance(t, Tensor) and t._requires_grad:
            fn = t.grad_fn
            edges.append((fn, t._output_nr) if fn is not None else (t._edge or leaf_edge(t)))
            needs.append(True)
        else:
            edges.append(NO_EDGE)
            needs.append(False)
    node.next_functions = tuple(edges)
    node.needs_input_grad = tuple(needs)
    if saved:
        saved = tuple(saved)
        arrays = []
        versions = []
        for s in saved:
            if isinstance(s, Tensor):
                arrays.append(s._data)
                vc = s._vc
                versions.append(vc[0] if vc is not None else None)
            else:
                arrays.append(s.data if s.__class__ is SavedOutput else s)
                versions.append(None)
        node.saved, node.arrays, node.versions = saved, tuple(arrays), tuple(versions)
    else:
        node.saved = node.arrays = node.versions = ()
    node.epoch = EPOCH[0]
    if _anomaly[0]:
        _trace(node)
    if len(outputs) == 1:  # the common case
        o = outputs[0]
        if o is not None:
            o._requires_grad = True
            o.grad_fn = node
        return node
    if node._n_outputs != 1:
        node._general = True  # several outputs: the engine's general route
    for i, o in enumerate(outputs):
        if o is None:
            continue
        o._requires_grad = True
        o.grad_fn = node
        if i:
            o.__dict__["_output_nr"] = i
    return node


def save_output(t):
    """A ``SavedOutput`` for an op's own result; gives the result a version counter to check."""
    vc = t._vc
    if vc is None:
        vc = t._vc = [0]
    return SavedOutput(t._data, vc)


def needs_grad(*ts):
    """True if grad mode is on and any of the tensors requires grad."""
    if not grad_mode.enabled:
        return False
    for t in ts:
        if isinstance(t, Tensor) and t._requires_grad:
            return True
    return False


_anomaly = [False]


def _trace(node):
    from ..autograd.anomaly import forward_stack

    node.metadata["traceback_"] = forward_stack()


def broadcast_error(sa, sb, exc=None):
    """PyTorch's RuntimeError for shapes ``sa``, ``sb`` that do not broadcast (``exc`` if they do).
    Dimensions are compared from the right; the first mismatch is reported."""
    n = max(len(sa), len(sb))
    for i in range(1, n + 1):
        a = sa[-i] if i <= len(sa) else 1
        b = sb[-i] if i <= len(sb) else 1
        if a != b and a != 1 and b != 1:
            return RuntimeError(f"The size of tensor a ({a}) must match the size of tensor b ({b}) "
                                f"at non-singleton dimension {n - i}")
    return exc


# -- node classes ---------------------------------------------------------------------
class UnaryNode(Node):
    """One input, one output. ``backward(ctx, F, grad, *saved)`` returns the input's gradient."""

    __slots__ = ()

    def run(self, F, grad, diff):
        arrays = self.arrays
        if diff or arrays is None or self.epoch != EPOCH[0]:
            arrays = self.unpack(diff)
        return (self.backward(F, grad, *arrays),)


class BinaryNode(Node):
    """Two broadcast inputs. The rule returns gradients in the output's shape; ``run`` sums
    them back to each input's shape (the one unbroadcast helper, ``F.sum_to``) and casts
    them to each input's dtype when promotion changed it."""

    __slots__ = ("shapes",)
    casts = None  # (dtype or None, dtype or None) when the op promoted its inputs (in the instance dict)

    def run(self, F, grad, diff):
        arrays = self.arrays
        if diff or arrays is None or self.epoch != EPOCH[0]:
            arrays = self.unpack(diff)
        ga, gb = self.backward(F, grad, *arrays)
        shapes = self.shapes
        if shapes is not None:
            if ga is not None and ga.shape != shapes[0]:
                ga = F.sum_to(ga, shapes[0])
            if gb is not None and gb.shape != shapes[1]:
                gb = F.sum_to(gb, shapes[1])
        casts = self.casts
        if casts is not None:
            if ga is not None and casts[0] is not None:
                ga = F.cast(ga, casts[0])
            if gb is not None and casts[1] is not None:
                gb = F.cast(gb, casts[1])
        return ga, gb


def _check_bool(a, b, messages):
    """Raise PyTorch's error for an op it refuses on bool tensors (``messages``: one, two)."""
    na = isinstance(a, Tensor) and a._data.dtype.kind == "b" or a.__class__ is bool
    nb = isinstance(b, Tensor) and b._data.dtype.kind == "b" or b.__class__ is bool
    if na and nb:
        raise RuntimeError(messages[1])
    if (na and isinstance(a, Tensor)) or (nb and isinstance(b, Tensor)):
        raise RuntimeError(messages[0])


def _write_out(out, res, name):
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if (res._requires_grad or out._requires_grad) and grad_mode.enabled:
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    if out._data.shape != res._data.shape:
        out._data = np.empty(res._data.shape, out._data.dtype)
    np.copyto(out._data, res._data, casting="same_kind")
    out._bump()
    return out


# -- decorators -----------------------------------------------------------------------
def unary_op(kernel, save=SAVE_INPUTS, *, floating=True, name=None, node_name=None):
    """Define an elementwise op from its array kernel and gradient rule.

    ``floating``: integer and bool inputs are computed in the default float dtype (as
    ``torch.exp(int_tensor)`` is); otherwise the input dtype is kept. ``save`` picks what
    the rule receives after ``grad``: the input, the output, both, or nothing.
    """

    def deco(rule):
        opname = name or rule.__name__
        node_cls = type(node_name or camel(opname) + "Backward0", (UnaryNode,),
                        {"__slots__": (), "backward": rule, "__doc__": rule.__doc__,
                         "__module__": rule.__module__})
        dt = _dt

        def op(input, *, out=None):
            try:
                d = input._data
            except AttributeError:
                raise TypeError(f"{opname}(): argument 'input' must be Tensor, not {type(input).__name__}") from None
            if floating and d.dtype.kind != "f":
                d = d.astype(dt._default.np)
            r = kernel(d)
            if r.__class__ is not _ndarray:
                r = _asarray(r)
            res = _new(Tensor)
            res._data = r
            res._requires_grad = False
            res.grad_fn = res._grad = res._vc = None
            if input._requires_grad and grad_mode.enabled:
                node = node_cls()
                fn = input.grad_fn
                node.next_functions = ((fn, input._output_nr) if fn is not None else (input._edge or leaf_edge(input)),)
                node.needs_input_grad = (True,)
                if save == SAVE_INPUTS:
                    node.saved = (input,)
                    node.arrays = (d,)
                    vc = input._vc
                    node.versions = (vc[0] if vc is not None else None,)
                elif save == SAVE_OUTPUT:
                    node.saved = (SavedOutput(r, _new_vc(res)),)
                    node.arrays = (r,)
                    node.versions = (None,)
                elif save == SAVE_BOTH:
                    vc = input._vc
                    node.saved = (input, SavedOutput(r, _new_vc(res)))
                    node.arrays = (d, r)
                    node.versions = (vc[0] if vc is not None else None, None)
                else:
                    node.saved = node.arrays = node.versions = ()
                node.epoch = EPOCH[0]
                if _anomaly[0]:
                    _trace(node)
                res._requires_grad = True
                res.grad_fn = node
            if out is not None:
                return _write_out(out, res, opname)
            return res

        op.__name__ = op.__qualname__ = opname
        op.__doc__ = rule.__doc__
        op.__module__ = rule.__module__
        op.node_class = node_cls
        register(opname, kernel, op)
        return op

    return deco


def _new_vc(t):
    vc = t._vc = [0]
    return vc


def binary_op(kernel, save=SAVE_INPUTS, *, floating=False, name=None, node_name=None, bool_error=None):
    """Define a broadcasting binary op from its array kernel and gradient rule.

    Either operand may be a Python scalar. ``floating``: integer results are computed in
    the default float dtype (true division). ``bool_error``: (one, two) messages for an op
    PyTorch refuses on bool tensors (subtraction). The rule returns ``(grad_input,
    grad_other)`` in the output's shape; reduction to each input's shape is done for it.
    """

    def deco(rule):
        opname = name or rule.__name__
        node_cls = type(node_name or camel(opname) + "Backward0", (BinaryNode,),
                        {"__slots__": (), "backward": rule, "__doc__": rule.__doc__,
                         "__module__": rule.__module__})
        dt = _dt
        sop = SCALAR_OPS.get(kernel)

        def op(input, other, *, out=None):
            promoted = False
            if isinstance(input, Tensor):
                ad = input._data
                ra = input._requires_grad
                if isinstance(other, Tensor):
                    bd = other._data
                    rb = other._requires_grad
                    if ad.dtype is not bd.dtype:
                        ad, bd = promote_pair(ad, bd)
                        promoted = True
                else:
                    rb = False
                    c = other.__class__
                    # NOTE: a Python int or float never widens a float tensor (NumPy's weak scalars agree)
                    if (c is float or c is int) and ad.dtype.kind == "f":
                        if not ad.ndim and not ra and sop is not None and out is None:
                            return _make(_asarray(sop(ad[()], other)))  # see SCALAR_OPS
                        bd = _SCALARS.get(ad.dtype, _NO_CACHE).get(other)
                        if bd is None:
                            bd = scalar_array(other, ad.dtype)
                    elif c is bool:
                        bd = other
                    else:
                        ad, bd = promote_scalar(ad, other)
                        promoted = ad.dtype is not input._data.dtype
            elif isinstance(other, Tensor):
                bd = other._data
                rb = other._requires_grad
                ra = False
                c = input.__class__
                if (c is float or c is int) and bd.dtype.kind == "f":
                    if not bd.ndim and not rb and sop is not None and out is None:
                        return _make(_asarray(sop(input, bd[()])))  # see SCALAR_OPS
                    ad = _SCALARS.get(bd.dtype, _NO_CACHE).get(input)
                    if ad is None:
                        ad = scalar_array(input, bd.dtype)
                elif c is bool:
                    ad = input
                else:
                    bd, ad = promote_scalar(bd, input)
                    promoted = bd.dtype is not other._data.dtype
            else:
                raise TypeError(f"{opname}(): expected at least one Tensor argument, got "
                                f"{type(input).__name__} and {type(other).__name__}")
            if floating:
                k = ad.dtype.kind if ad.__class__ is _ndarray else bd.dtype.kind
                if k != "f":
                    f = dt._default.np
                    if ad.__class__ is _ndarray:
                        ad = ad.astype(f)
                    if bd.__class__ is _ndarray:
                        bd = bd.astype(f)
                    promoted = True
            if promoted and bool_error is not None:
                _check_bool(input, other, bool_error)
            try:
                r = kernel(ad, bd)
            except ValueError as e:  # NOTE: only the error path pays for the shape check
                raise broadcast_error(np.shape(ad), np.shape(bd), e) from None
            except TypeError:
                if bool_error is not None:
                    _check_bool(input, other, bool_error)
                raise
            if r.__class__ is not _ndarray:
                r = _asarray(r)
            res = _new(Tensor)
            res._data = r
            res._grad = res._vc = None
            if not ((ra or rb) and grad_mode.enabled):
                res._requires_grad = False
                res.grad_fn = None
            else:
                node = node_cls()
                if ra:
                    fn = input.grad_fn
                    ea = (fn, input._output_nr) if fn is not None else (input._edge or leaf_edge(input))
                else:
                    ea = NO_EDGE
                if rb:
                    fn = other.grad_fn
                    eb = (fn, other._output_nr) if fn is not None else (other._edge or leaf_edge(other))
                else:
                    eb = NO_EDGE
                node.next_functions = (ea, eb)
                node.needs_input_grad = (ra, rb)
                if save == SAVE_NONE:
                    node.saved = node.arrays = node.versions = ()
                else:
                    # every saved tensor's version, whether or not it requires grad (a Python
                    # scalar operand reads the class default, None)
                    vc = getattr(input, "_vc", None)
                    va = vc[0] if vc is not None else 0
                    vc = getattr(other, "_vc", None)
                    vb = vc[0] if vc is not None else 0
                    if save == SAVE_INPUTS:
                        node.saved = (input, other)
                        node.arrays = (ad, bd)
                        node.versions = (va, vb)
                    else:
                        node.saved = (input, other, SavedOutput(r, _new_vc(res)))
                        node.arrays = (ad, bd, r)
                        node.versions = (va, vb, 0)
                node.epoch = EPOCH[0]
                rshape = r.shape
                sa = ad.shape if ad.__class__ is _ndarray else ()
                sb = bd.shape if bd.__class__ is _ndarray else ()
                node.shapes = None if (sa == rshape and sb == rshape) else (sa, sb)
                if promoted:  # after promotion a rule may mix dtypes; each gradient is cast back to its input's
                    node.casts = (input._data.dtype if ra else None, other._data.dtype if rb else None)
                if _anomaly[0]:
                    _trace(node)
                res._requires_grad = True
                res.grad_fn = node
            if out is not None:
                return _write_out(out, res, opname)
            return res

        op.__name__ = op.__qualname__ = opname
        op.__doc__ = rule.__doc__
        op.__module__ = rule.__module__
        op.node_class = node_cls
        register(opname, kernel, op)
        return op

    return deco
