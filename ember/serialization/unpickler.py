"""The restricted unpickler behind ``ember.load``, and the objects it rebuilds.

Loading never runs code from the file. Unpickling calls whatever functions the pickle names, so ember's
unpickler admits a short list of globals (the tensor and Parameter rebuild functions, the storage types, dtypes,
devices, ``torch.Size``, OrderedDict and the plain containers), each mapped to ember's own; torch is never imported.

The rebuild functions check their arguments (a damaged or hostile file raises ``_Corrupt``), and a global
that is not admitted raises ``pickle.UnpicklingError``.
"""
from collections import Counter, OrderedDict

import numpy as np

from .. import dtypes as _dt
from .._device import CPU, as_device, device
from ..tensor import Size, Tensor
from .format import STORAGE_NAMES

try:  # NOTE: pickle.UnpicklingError is _pickle's, which NumPy has loaded; `import pickle` costs ~5 ms
    from _pickle import UnpicklingError
except ImportError:  # pragma: no cover - Pythons without the C accelerator
    from pickle import UnpicklingError


class _Corrupt(Exception):
    """The file is damaged: reported as a RuntimeError that names the file."""


class _LoadError(RuntimeError):
    """A clear, deliberate refusal (missing device backend, a dtype ember lacks): reported as is."""


class _Refused(UnpicklingError):
    """A global the unpickler does not admit (``pickle.UnpicklingError``, reported as is)."""


class _Storage:
    """One storage as loaded: a typed array over the record's bytes, and its device. A callable map_location
    receives one (``fn(storage, location)``) and returns ``storage.cpu()``, ``storage.to(device)`` or None."""

    __slots__ = ("data", "device")

    def __init__(self, data, dev):
        self.data, self.device = data, dev

    def nbytes(self):
        return self.data.nbytes

    def cpu(self):
        return _Storage(self.data, CPU)

    def to(self, device, non_blocking=False):
        return _Storage(self.data, as_device(device))

    def cuda(self, device=None, non_blocking=False):
        return self.to(device if device is not None else "cuda")


class _StorageType:
    """What a storage class global (``torch.FloatStorage``, ...) unpickles to: a marker carrying the dtype."""

    __slots__ = ("dtype",)

    def __init__(self, dt):
        self.dtype = dt


def _naturals(xs):
    return type(xs) in (tuple, list, Size) and all(type(x) is int and x >= 0 for x in xs)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks, metadata=None):
    """``torch._utils._rebuild_tensor_v2``: a view of ``size`` and ``stride`` (in elements) into a storage.

    NOTE: backward hooks are never saved in practice (PyTorch writes an empty OrderedDict), and metadata holds
    dispatch flags (conj/neg bits) that ember's tensors do not have: both are ignored.
    """
    if not (type(storage) is _Storage and type(storage_offset) is int and storage_offset >= 0 and _naturals(size)
            and _naturals(stride) and len(size) == len(stride)):
        raise _Corrupt("invalid tensor record")
    arr, item = storage.data, storage.data.itemsize
    try:  # NumPy checks that the view stays inside the storage
        data = np.ndarray(tuple(size), arr.dtype, buffer=arr, offset=storage_offset * item,
                          strides=tuple(s * item for s in stride))
    except (ValueError, TypeError):
        raise _Corrupt(f"a tensor of size {list(size)} and stride {list(stride)} at offset {storage_offset} does "
                       f"not fit its storage of {arr.size} elements") from None
    t = Tensor._make(data)
    if requires_grad:
        t.requires_grad_(True)
    return t if storage.device is CPU else t.to(storage.device)


def _rebuild_parameter(data, requires_grad, backward_hooks):
    from ..nn.parameter import Parameter

    if type(data) is not Tensor:
        raise _Corrupt("invalid Parameter record")
    return Parameter(data, bool(requires_grad))


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    """A Parameter with Python attributes: ``state`` is its ``__dict__`` (or ``(__dict__, slots)``)."""
    p = _rebuild_parameter(data, requires_grad, backward_hooks)
    state = state[0] if type(state) is tuple and len(state) == 2 else state
    for k, v in (state if type(state) is dict else {}).items():
        # NOTE: private names are skipped: a file must not overwrite ember's own bookkeeping (_data, _base, ...).
        if type(k) is str and k.isidentifier() and not k.startswith("_"):
            p.__dict__[k] = v
    return p


def _latin1(text, encoding):
    """``_codecs.encode``, which protocol 2 uses for bytes, limited to what that needs."""
    if type(text) is not str or encoding not in ("latin1", "latin-1"):
        raise _Corrupt("invalid bytes record")
    return text.encode("latin1")


def _bytearray(data=b""):
    if type(data) not in (bytes, bytearray):
        raise _Corrupt("invalid bytearray record")
    return bytearray(data)


_UNPICKLER = []
#: PyTorch's dtypes that ember lacks, as the pickle names them (``_rebuild_tensor_v3`` serves the newest ones).
_MISSING = {"bfloat16", "complex32", "complex64", "complex128", "uint16", "uint32", "uint64", "_rebuild_tensor_v3"}
_MISSING |= {n + "Storage" for n in ("BFloat16", "ComplexDouble", "ComplexFloat", "QInt8", "QInt32", "QUInt8")}


def _unpickler_class():
    """The restricted unpickler, built on first use (pickle is imported lazily)."""
    if _UNPICKLER:
        return _UNPICKLER[0]
    import pickle

    admitted = {
        ("collections", "OrderedDict"): OrderedDict, ("collections", "Counter"): Counter,
        ("builtins", "set"): set, ("builtins", "frozenset"): frozenset, ("builtins", "complex"): complex,
        ("builtins", "bytearray"): _bytearray, ("_codecs", "encode"): _latin1,
        ("torch", "Size"): Size, ("torch", "device"): device, ("torch", "UntypedStorage"): _StorageType(_dt.uint8),
    }
    for fn in (_rebuild_tensor_v2, _rebuild_parameter, _rebuild_parameter_with_state):
        admitted["torch._utils", fn.__name__] = fn
    for dt, storage_name in STORAGE_NAMES.items():
        admitted["torch", dt.name] = dt
        admitted["torch", storage_name] = _StorageType(dt)

    class CheckpointUnpickler(pickle._Unpickler):
        # NOTE: the pure-Python unpickler, because only it lets BUILD (which sets attributes on the object below
        # it) be restricted: with the C one a file could BUILD ember.float32 itself and change it process-wide.
        dispatch = dict(pickle._Unpickler.dispatch)

        def __init__(self, file, loader):
            super().__init__(file)
            self.loader = loader

        def find_class(self, module, name):
            module = "builtins" if module == "__builtin__" else module  # protocol 2 writes Python 2's name
            found = admitted.get((module, name))
            if found is not None:
                return found
            file = self.loader.name
            if module.startswith("torch") and (name in _MISSING or name.startswith("float8")):
                raise _LoadError(f"ember.load: '{file}' holds tensors of a type ember does not have ({module}.{name}); "
                                 f"ember's dtypes are {', '.join(d.name for d in STORAGE_NAMES)}")
            raise _Refused(
                f"ember.load: refusing to unpickle the global '{module}.{name}' named in '{file}'. A checkpoint may "
                "only rebuild tensors, Parameters, storages and plain containers: ember never runs code from a file "
                "(the file may be malicious, or hold a custom object: save plain tensors and containers instead).")

        def persistent_load(self, pid):
            return self.loader.storage(pid)

        def load_build(self):
            state, inst = self.stack.pop(), self.stack[-1]
            # Only a state_dict's attributes (its ``_metadata``) are set this way.
            if type(inst) not in (OrderedDict, Counter) or type(state) is not dict or not all(
                    type(k) is str and k.isidentifier() for k in state):
                raise _Refused(f"ember.load: refusing to set the attributes of a {type(inst).__name__} named in "
                               f"'{self.loader.name}': only an OrderedDict's may be set (a state_dict's _metadata)")
            inst.__dict__.update(state)

        dispatch[pickle.BUILD[0]] = load_build

    _UNPICKLER.append(CheckpointUnpickler)
    return CheckpointUnpickler
