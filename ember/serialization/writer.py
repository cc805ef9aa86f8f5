"""``ember.save``: an object (tensors, Parameters, state_dicts) to a checkpoint in PyTorch's format.

The object is pickled first, in memory, by a pickler that writes each tensor as the call
``torch._utils._rebuild_tensor_v2(storage, ...)`` and each storage as a persistent id, without importing
torch; anything ``ember.load`` would refuse raises a TypeError before a file is touched. The pickle and the
storages' bytes are then written as a stored zip, each record aligned as PyTorch aligns it, and a path is
replaced atomically. The layout is described in ``format.py``.
"""
import os
import sys
from collections import Counter, OrderedDict

import numpy as np

from .. import dtypes as _dt
from .._device import device
from ..tensor import Size, Tensor
from .format import ALIGNMENT, STORAGE_NAMES


def save(obj, f, pickle_module=None, pickle_protocol=2, _use_new_zipfile_serialization=True):
    """Save ``obj`` (tensors, Parameters, state_dicts: nested dict/OrderedDict/list/tuple/set of tensors, numbers,
    strings, bytes and None) to ``f``, a path or a binary file object, in PyTorch's checkpoint format.

    A path is written atomically: the archive goes to a temporary file beside it, which then replaces ``f``, so
    a failed or interrupted save leaves the previous checkpoint intact. Objects that ``ember.load`` (and
    ``torch.load(weights_only=True)``) would refuse, such as whole Modules or NumPy arrays, raise a TypeError
    before anything is written.

    Example::

        >>> import ember, io
        >>> buf = io.BytesIO()
        >>> ember.save({"w": ember.ones(2, 3)}, buf)
        >>> _ = buf.seek(0)
        >>> ember.load(buf)["w"].shape
        torch.Size([2, 3])
    """
    import io
    import pickle

    if pickle_module not in (None, pickle):
        raise NotImplementedError("ember.save: pickle_module is not supported; ember writes the pickle itself")
    if not _use_new_zipfile_serialization:
        raise NotImplementedError("ember.save: the legacy (pre-1.6, non-zip) format is not written by ember")
    buf = io.BytesIO()
    pickler = _pickler_class()(buf, pickle_protocol)
    pickler.dump(obj)  # first, in memory: an object that can't be saved fails before any file is touched
    records = [("data.pkl", buf.getbuffer()), (".format_version", b"1"),
               (".storage_alignment", str(ALIGNMENT).encode()), ("byteorder", sys.byteorder.encode())]
    records += [(f"data/{key}", raw) for key, raw in pickler.storage_bytes]
    records += [("version", b"3\n"), (".data/serialization_id", b"%040d" % int.from_bytes(os.urandom(16), "big"))]
    if isinstance(f, (str, os.PathLike)):
        _atomic_write(os.fspath(f), lambda fh: _write_archive(fh, records))
    elif hasattr(f, "write"):
        _write_archive(f, records)
    else:
        raise TypeError(f"ember.save: f must be a path (str or os.PathLike) or a binary file object, "
                        f"got {type(f).__name__}")


def _write_archive(fh, records):
    """Write the records as a stored (uncompressed) zip, each record's bytes aligned like PyTorch's writer."""
    import zipfile

    with zipfile.ZipFile(fh, "w", zipfile.ZIP_STORED) as zf:
        for name, data in records:
            _write_record(zf, "archive/" + name, data)


def _write_record(zf, name, data):
    import zipfile

    data = memoryview(data).cast("B")
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.file_size = data.nbytes
    zip64 = data.nbytes * 1.05 > zipfile.ZIP64_LIMIT  # zipfile's own rule; it then adds a 20-byte extra field
    header = 30 + len(name.encode()) + 4 + (20 if zip64 else 0)
    pad = -(zf.fp.tell() + header) % ALIGNMENT
    # NOTE: PyTorch's writer pads the local header with an extra field of id "FB" filled with 'Z's.
    info.extra = b"FB" + pad.to_bytes(2, "little") + b"Z" * pad
    with zf.open(info, "w", force_zip64=zip64) as out:
        out.write(data)


def _atomic_write(path, write):
    """Run ``write(fileobj)`` on a temporary file beside ``path``, then move it over ``path`` (``os.replace`` is
    atomic), so readers see either the old file or the complete new one; the temporary file never outlives a failure."""
    if os.path.islink(path):  # NOTE: replace the file the link points to, not the link itself
        path = os.path.realpath(path)
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise RuntimeError(f"Parent directory {parent} does not exist.")
    tmp = os.path.join(parent, f".{os.path.basename(path)}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


class _Global:
    """``module.name`` as the pickle's GLOBAL opcode, written without importing ``module`` (torch is not needed)."""

    __slots__ = ("module", "name")
    _cache = {}

    def __new__(cls, module, name):
        g = cls._cache.get((module, name))
        if g is None:
            g = cls._cache[module, name] = object.__new__(cls)
            g.module, g.name = module, name
        return g

    def __call__(self, *args):  # pickle's save_reduce wants a callable; this one is only ever written out
        raise TypeError(f"{self.module}.{self.name} is a name in a checkpoint, not a function")


class _StorageRef:
    """Stands for one storage in the pickle; the pickler writes it as a persistent id."""

    __slots__ = ("pid",)

    def __init__(self, pid):
        self.pid = pid


def _root(arr):
    """The array that owns ``arr``'s memory: the end of its ``.base`` chain."""
    while True:
        base = arr.base
        if isinstance(base, np.ndarray):
            arr = base
        # NOTE: np.lib.stride_tricks.as_strided (diagonal, empty_strided) hides the array behind a DummyArray.
        elif type(base).__name__ == "DummyArray" and isinstance(getattr(base, "base", None), np.ndarray):
            arr = base.base
        else:
            return arr


_PICKLER = []


def _pickler_class():
    """The pickler, built on first use so that ``import ember`` does not pay for importing pickle."""
    if _PICKLER:
        return _PICKLER[0]
    import codecs
    import pickle

    plain = {type(None), bool, int, float, complex, str, bytes, bytearray, tuple, list, dict, OrderedDict, Counter,
             set, frozenset, _Global, _dt.dtype}
    # Classes and functions the pickle of a plain container names (protocol 2 writes bytes as _codecs.encode).
    allowed = {id(x) for x in (OrderedDict, Counter, set, frozenset, bytearray, complex, codecs.encode)}

    def save_global(pickler, obj, module, name):
        if pickler.proto >= 4:
            pickler.save(module)
            pickler.save(name)
            pickler.write(pickle.STACK_GLOBAL)
        else:
            pickler.write(pickle.GLOBAL + f"{module}\n{name}\n".encode())
        pickler.memoize(obj)

    class CheckpointPickler(pickle._Pickler):
        # NOTE: the pure-Python pickler, because only it lets a dispatch entry write GLOBAL 'torch._utils ...'
        # without importing torch; the pickle holds no tensor data, so its speed does not matter.
        dispatch = dict(pickle._Pickler.dispatch)
        dispatch[_Global] = lambda self, g: save_global(self, g, g.module, g.name)
        dispatch[_dt.dtype] = lambda self, d: save_global(self, d, "torch", d.name)

        def __init__(self, file, protocol):
            super().__init__(file, protocol)
            self.storages = {}      # (id(root array), dtype) -> (_StorageRef, root array)
            self.storage_bytes = []  # (key, uint8 array) in key order

        def persistent_id(self, obj):
            return obj.pid if type(obj) is _StorageRef else None

        def reducer_override(self, obj):
            cls = type(obj)
            if cls in plain or id(obj) in allowed:
                return NotImplemented
            if cls is Tensor:
                return self.reduce_tensor(obj)
            if cls is getattr(sys.modules.get("ember.nn.parameter"), "Parameter", None):
                return (_Global("torch._utils", "_rebuild_parameter"),
                        (Tensor._make(obj._data), obj.requires_grad, OrderedDict()))
            if cls is Size:
                return _Global("torch", "Size"), (tuple(obj),)
            if cls is device:
                return _Global("torch", "device"), (obj.type,) if obj.index is None else (obj.type, obj.index)
            hint = " (convert it with .item() or ember.from_numpy)" if isinstance(obj, (np.ndarray, np.generic)) \
                else "; save its state_dict() instead" if hasattr(obj, "state_dict") else ""
            raise TypeError(
                f"ember.save: cannot save an object of type {cls.__module__}.{cls.__qualname__}{hint}. A checkpoint "
                "holds tensors, Parameters, numbers, strings, bytes, None and dict/OrderedDict/list/tuple/set "
                "containers, since ember.load never unpickles code.")

        def reduce_tensor(self, t):
            data = t._data
            item = data.itemsize
            root = _root(data)
            offset = data.__array_interface__["data"][0] - root.__array_interface__["data"][0]
            shareable = (data.size > 0 and (root.flags.c_contiguous or root.flags.f_contiguous)
                         and root.nbytes % item == 0 and offset >= 0 and offset % item == 0
                         and all(s >= 0 and s % item == 0 for s in data.strides))
            if shareable:
                stride = tuple(s // item for s in data.strides)
            else:  # NOTE: empty, negatively strided or exotic views get a compact storage of their own
                root = np.ascontiguousarray(data).reshape(-1)
                offset, stride = 0, _contiguous_strides(data.shape)
            entry = self.storages.get((id(root), data.dtype))
            if entry is None:
                key = str(len(self.storages))
                dt = _dt.FROM_NP[data.dtype]
                ref = _StorageRef(("storage", _Global("torch", STORAGE_NAMES[dt]), key, "cpu", root.nbytes // item))
                entry = self.storages[id(root), data.dtype] = (ref, root)
                self.storage_bytes.append((key, root.ravel(order="K").view(np.uint8)))
            return (_Global("torch._utils", "_rebuild_tensor_v2"),
                    (entry[0], offset // item, tuple(data.shape), stride, t.requires_grad, OrderedDict()))

    _PICKLER.append(CheckpointPickler)
    return CheckpointPickler


def _contiguous_strides(shape):
    strides, n = [], 1
    for s in reversed(shape):
        strides.append(n)
        n *= max(s, 1)
    return tuple(reversed(strides))
