"""The Tensor: an array, its dtype and device, and its place in the autograd graph.

A Tensor holds a NumPy array (``_data``) and the autograd state: ``_requires_grad``,
``grad_fn`` (the node that made it, None for leaves), ``_grad`` and ``_vc``, the version
counter shared by every tensor that views the same memory (None until something needs
it). Rarely used state (hooks, the base of a view, ...) lives in the instance dict, so
creating a tensor, which every op does, sets five slots and nothing more.

Most methods are not written here: an op is defined once, as a function in
``ember/ops/<category>.py`` taking the tensor as its first argument, and the same
function object is installed both as ``ember.<name>`` and as ``Tensor.<name>`` (see
``_install_methods`` at the bottom). This file holds what is about the tensor itself:
its fields, constructors, metadata and autograd state. Its siblings hold the rest:

- ``_tensor_convert.py``: ``item``, ``numpy``, ``to``, ``float``, ... (a mixin ``Tensor`` inherits),
- ``_size.py``: ``Size``, the type of ``tensor.shape`` (re-exported here),
- ``_tensor_str.py``: printing.
"""
import numpy as np

from . import _tensor_convert
from . import dtypes as _dt
from ._device import CPU, as_device
from ._size import Size
from .autograd import node as _node

__all__ = ["Tensor", "Size"]

_new = object.__new__
_ndarray = np.ndarray
_FROM_NP = _dt.FROM_NP


class Tensor(_tensor_convert.TensorConvertMixin):
    """A multi-dimensional array with PyTorch's semantics and autograd.

    Create tensors with ``ember.tensor``, ``ember.zeros``, ``ember.randn`` and friends.
    ``ember.Tensor(data)`` and ``ember.Tensor(*sizes)`` are PyTorch's legacy
    constructors (float32, the default dtype).
    """

    __slots__ = ("_data", "_requires_grad", "grad_fn", "_grad", "_vc", "__dict__", "__weakref__")

    # NumPy defers to Tensor's reflected operators (``ndarray + tensor`` gives a Tensor).
    __array_priority__ = 1000

    # Defaults for rare state, overridden per instance through __dict__.
    _output_nr = 0
    _acc = None             # a leaf's AccumulateGrad node, made on first use
    _edge = None            # (its AccumulateGrad, 0), the graph edge ops record for a leaf
    _base = None
    _hooks = None
    _post_acc_hooks = None
    _retains_grad = False
    _is_inference = False

    @staticmethod
    def _make(data, requires_grad=False, grad_fn=None):
        """Wrap an ndarray (no copy, no checks). The one constructor the ops use."""
        t = _new(Tensor)
        t._data = data
        t._requires_grad = requires_grad
        t.grad_fn = grad_fn
        t._grad = None
        t._vc = None
        return t

    def __init__(self, *args, **kwargs):
        from .ops import creation

        device = kwargs.pop("device", None)
        if kwargs:
            raise TypeError(f"Tensor(): unexpected keyword arguments {sorted(kwargs)}")
        as_device(device)
        a0 = args[0] if len(args) == 1 else None
        if a0 is not None and not isinstance(a0, (int, Size)):  # Tensor(data): a sequence or an array
            if isinstance(a0, float):
                raise TypeError(f"new(): data must be a sequence (got {type(a0).__name__})")
            data = creation.tensor(a0, dtype=_dt.get_default_dtype())._data
        else:  # Tensor(*sizes), Tensor(Size), Tensor(): uninitialized
            data = np.empty(tuple(a0) if isinstance(a0, Size) else (args or (0,)), _dt.get_default_dtype().np)
        self._data = data
        self._requires_grad = False
        self.grad_fn = None
        self._grad = None
        self._vc = None

    def __new__(cls, *args, **kwargs):
        return _new(cls)

    # -- metadata ----------------------------------------------------------------
    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        """The shape (``Size``), or the length of one dimension."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim, "size")]

    @property
    def dtype(self):
        return _FROM_NP[self._data.dtype]

    @property
    def device(self):
        return CPU

    @property
    def is_cuda(self):
        return False

    @property
    def is_cpu(self):
        return True

    @property
    def layout(self):
        return _dt.strided

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    ndimension = dim

    def numel(self):
        return self._data.size

    nelement = numel

    def element_size(self):
        return self._data.itemsize

    @property
    def itemsize(self):
        return self._data.itemsize

    @property
    def nbytes(self):
        return self._data.nbytes

    def stride(self, dim=None):
        """Strides in elements (NumPy keeps them in bytes)."""
        d = self._data
        st = tuple(s // d.itemsize for s in d.strides) if d.itemsize else (0,) * d.ndim
        if dim is None:
            return st
        return st[_wrap_dim(dim, d.ndim, "stride")]

    def storage_offset(self):
        base = self._data
        while isinstance(base.base, _ndarray):
            base = base.base
        off = self._data.__array_interface__["data"][0] - base.__array_interface__["data"][0]
        return off // self._data.itemsize if self._data.itemsize else 0

    def data_ptr(self):
        return self._data.__array_interface__["data"][0]

    def is_contiguous(self, memory_format=None):
        d = self._data
        return d.flags.c_contiguous or d.size <= 1

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    def is_complex(self):
        return False

    def is_signed(self):
        return self.dtype.is_signed

    def is_inference(self):
        return self._is_inference

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def output_nr(self):
        return self._output_nr

    @property
    def _version(self):
        return self._vc[0] if self._vc is not None else 0

    @property
    def is_sparse(self):
        return False

    @property
    def is_quantized(self):
        return False

    @property
    def is_meta(self):
        return False

    def get_device(self):
        return -1

    # -- autograd state ----------------------------------------------------------
    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad=True):
        """Set whether autograd records ops on this leaf. Returns self."""
        requires_grad = bool(requires_grad)
        if self.grad_fn is not None:
            if requires_grad:
                return self
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if requires_grad and self._data.dtype.kind not in "fc":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._requires_grad = requires_grad
        return self

    @property
    def grad(self):
        g = self._grad
        if g is None and self.grad_fn is not None and not self._retains_grad:
            import warnings

            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute "
                "won't be populated during autograd.backward(). If you indeed want the .grad field to be populated "
                "for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf "
                "Tensor by mistake, make sure you access the leaf Tensor instead.", UserWarning, stacklevel=2)
        return g

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type {type(value).__name__}")
            if value._data.shape != self._data.shape:
                raise RuntimeError(
                    f"assigned grad has data of a different size: expected {self.shape}, got {value.shape}")
            if value._data.dtype != self._data.dtype:
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{value.dtype}' to a tensor with "
                    f"dtype '{self.dtype}'. Please ensure that the gradient and the tensor have the same dtype")
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def data(self):
        """The same memory as a new leaf that does not require grad (and has its own version counter)."""
        t = Tensor._make(self._data)
        return t

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, got {type(value).__name__}")
        self._data = value._data

    def detach(self):
        """A new tensor on the same memory, cut from the graph (shares the version counter)."""
        t = Tensor._make(self._data)
        t._vc = self._share_vc()
        return t

    def detach_(self):
        """Cut this tensor from the graph in place, making it a leaf."""
        if self._base is not None:
            raise RuntimeError(
                "Can't detach views in-place. Use detach() instead. If you are using DistributedDataParallel "
                "(DDP) for training, and gradient_as_bucket_view is set as True, gradients are views of DDP "
                "buckets, and hence detach_() cannot be called on these gradients. To fix this error, please "
                "refer to the Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution.")
        self.grad_fn = None
        self._requires_grad = False
        self.__dict__.pop("_output_nr", None)
        return self

    def retain_grad(self):
        """Keep the gradient of this non-leaf in ``.grad`` after backward."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self._retains_grad:
            return
        from .autograd.engine import _RetainGrad

        self.__dict__["_retains_grad"] = True
        self._node_hooks().append(_RetainGrad(self))

    @property
    def retains_grad(self):
        return self._retains_grad

    def _node_hooks(self):
        fn = self.grad_fn
        hooks = fn.__dict__.get("_tensor_hooks")
        if hooks is None:
            hooks = fn.__dict__["_tensor_hooks"] = {}
            fn._general = True
        return hooks.setdefault(self._output_nr, [])

    def register_hook(self, hook):
        """``hook(grad)`` runs when the gradient for this tensor is computed; it may return a
        replacement. Returns a handle whose ``remove()`` unregisters it."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            hooks = self.__dict__.setdefault("_hooks", [])
        else:
            hooks = self._node_hooks()
            # user hooks run before retain_grad's, which must see the final gradient
        hooks.append(hook)
        return _node._RemovableHandle(hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """``hook(tensor)`` runs after the gradient is accumulated into this leaf's ``.grad``."""
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        hooks = self.__dict__.setdefault("_post_acc_hooks", [])
        hooks.append(hook)
        return _node._RemovableHandle(hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate the gradient of this tensor w.r.t. the graph leaves into their ``.grad``.

        ``gradient`` is required unless the tensor has one element.
        """
        if gradient is None and inputs is None and not create_graph:
            _engine.backward_scalar(self, retain_graph)
        else:
            _engine.run_backward((self,), None if gradient is None else (gradient,), retain_graph, create_graph,
                                 inputs)

    def _share_vc(self):
        """The version counter, created on first need so that views can share it."""
        vc = self._vc
        if vc is None:
            vc = self._vc = [0]
        return vc

    def _bump(self):
        """Record an in-place change (saved-tensor checks compare versions)."""
        vc = self._vc
        if vc is None:
            self._vc = [1]
        else:
            vc[0] += 1
        _EPOCH[0] += 1

    # -- printing, hashing, pickling and copying -------------------------------------
    def __repr__(self, *, tensor_contents=None):
        from ._tensor_str import tensor_repr

        return tensor_repr(self)

    __str__ = __repr__

    # Identity hashing at C speed (sets and dicts of parameters are common); ``==`` is elementwise.
    __hash__ = object.__hash__

    def __reduce_ex__(self, proto):
        return (_rebuild, (np.array(self._data), self._requires_grad))

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the deepcopy protocol at the moment.  If you were attempting to deepcopy a module, this may be because of a torch.nn.utils.weight_norm usage, see https://github.com/pytorch/pytorch/pull/103001")
        if id(self) in memo:
            return memo[id(self)]
        new = type(self).__new__(type(self))
        new._data = self._data.copy()
        new._requires_grad = self._requires_grad
        new.grad_fn = None
        new._grad = None if self._grad is None else self._grad.__deepcopy__(memo)
        new._vc = None
        for k, v in self.__dict__.items():
            if k not in ("_acc", "_edge", "_hooks", "_post_acc_hooks", "_base"):  # graph state stays behind
                import copy

                new.__dict__[k] = copy.deepcopy(v, memo)
        memo[id(self)] = new
        return new

    # Arithmetic dunders, comparison, indexing: installed from the ops modules below.


def reset_grads(tensors, set_to_none=True):
    """Clear the ``.grad`` of each tensor: to None, or to zeros in place (detached from any graph).
    The shared body of ``Module.zero_grad`` and ``Optimizer.zero_grad``."""
    for p in tensors:
        g = p._grad
        if g is None:
            continue
        if set_to_none:
            p._grad = None
        else:
            if g.grad_fn is not None:
                g.detach_()
            else:
                g.requires_grad_(False)
            g.zero_()


def _rebuild(data, requires_grad):
    t = Tensor._make(data)
    t._requires_grad = requires_grad
    return t


def _wrap_dim(dim, ndim, op="dim"):
    """Normalize a possibly negative dim; IndexError naming the valid range otherwise."""
    n = ndim if ndim else 1
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim + n if dim < 0 else dim


_node.Tensor = Tensor
_tensor_convert.Tensor = Tensor
_EPOCH = _node.EPOCH
from .autograd import engine as _engine  # noqa: E402  (the engine needs Tensor defined first)

_engine._Tensor[0] = Tensor


def _install_methods():
    """Make every op that takes a tensor first also a Tensor method (``x.sum()`` is ``ember.sum(x)``).

    Each ops module lists its method names in ``METHODS`` (and operator dunders in
    ``DUNDERS``: name -> function).
    """
    from .ops import MODULES

    for mod in MODULES:
        for name in getattr(mod, "METHODS", ()):
            setattr(Tensor, name, getattr(mod, name))
        for name, fn in getattr(mod, "DUNDERS", {}).items():
            setattr(Tensor, name, fn)
