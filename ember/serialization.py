"""``ember.save`` / ``ember.load``: checkpoints in PyTorch's own file format.

A checkpoint is an uncompressed zip archive laid out as ``torch.save`` (zip format, PyTorch >= 1.6) writes it::

    archive/data.pkl                the object, pickled. A tensor is the call
                                    torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks)
                                    and its storage the persistent id ('storage', torch.FloatStorage, key, 'cpu', numel)
    archive/.format_version         "1"
    archive/.storage_alignment      "64": each record's bytes start on a 64-byte boundary, so they can be mmap-ed
    archive/byteorder               "little"
    archive/data/<key>              the raw bytes of one storage
    archive/version                 "3"
    archive/.data/serialization_id  a random id

so ember and PyTorch read each other's checkpoints. The storage of an ember tensor is the NumPy array that owns
its memory (the end of the ``.base`` chain): tensors viewing one array are saved against one storage record and
come back sharing memory, as tied weights must.

Loading never runs code from the file. Unpickling calls whatever functions the pickle names, so ember's
unpickler admits a short list of globals (the tensor and Parameter rebuild functions, the storage types, dtypes,
devices, ``torch.Size``, OrderedDict and the plain containers), each mapped to ember's own; torch is never imported.
"""
import os
import sys
from collections import Counter, OrderedDict

import numpy as np

from . import dtypes as _dt
from ._device import CPU, as_device, device
from .tensor import Size, Tensor

try:  # NOTE: pickle.UnpicklingError is _pickle's, which NumPy has loaded; `import pickle` costs ~5 ms
    from _pickle import UnpicklingError
except ImportError:  # pragma: no cover - Pythons without the C accelerator
    from pickle import UnpicklingError

__all__ = ["save", "load"]

#: PyTorch's legacy storage classes, one per dtype ember has (the table in torch/storage.py).
STORAGE_NAMES = {_dt.float64: "DoubleStorage", _dt.float32: "FloatStorage", _dt.float16: "HalfStorage",
                 _dt.int64: "LongStorage", _dt.int32: "IntStorage", _dt.int16: "ShortStorage",
                 _dt.int8: "CharStorage", _dt.uint8: "ByteStorage", _dt.bool: "BoolStorage"}
ALIGNMENT = 64
_LEGACY_MAGIC = (0x1950A86A20F9469CFC6C).to_bytes(10, "little")  # the first object pickled by torch < 1.6


# ---------------------------------------------------------------------------------------------------------------
# save
# ---------------------------------------------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------------------------------------------
# load
# ---------------------------------------------------------------------------------------------------------------
class _Corrupt(Exception):
    """The file is damaged: reported as a RuntimeError that names the file."""


class _LoadError(RuntimeError):
    """A clear, deliberate refusal (missing device backend, a dtype ember lacks): reported as is."""


class _Refused(UnpicklingError):
    """A global the unpickler does not admit (``pickle.UnpicklingError``, reported as is)."""


def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=None, **pickle_load_args):
    """Load an object saved by ``ember.save`` or ``torch.save`` (zip format) from ``f``, a path or a binary file
    object, without importing torch and without running any code from the file.

    Args:
        map_location: where to put the tensors: None (where they were saved; only 'cpu' exists in ember), a
            device or string (all of them there), a dict mapping saved locations to new ones
            (``{'cuda:0': 'cpu'}``), or a callable ``fn(storage, location)`` returning ``storage.cpu()``, another
            storage, or None for the default.
        weights_only: must stay True: ember only rebuilds tensors, Parameters and plain containers.
        mmap: map the tensors' bytes from the file (copy-on-write: changing them never changes the file)
            instead of reading them; ``f`` must then be a path.

    Raises:
        pickle.UnpicklingError: the pickle names a global that is not a tensor, a storage or a plain container.
        RuntimeError: the file is truncated or corrupt, is not a checkpoint, is in PyTorch's legacy format,
            or holds tensors on a device ember has no backend for (pass ``map_location='cpu'``).
    """
    import io

    if weights_only is False:
        raise NotImplementedError(
            "ember.load(weights_only=False) is not supported: ember never unpickles arbitrary objects, because "
            "unpickling runs code named in the file. Checkpoints of tensors and state_dicts load with "
            "weights_only=True (the default).")
    if pickle_module is not None or pickle_load_args:
        what = "pickle_module" if pickle_module is not None else ", ".join(sorted(pickle_load_args))
        raise NotImplementedError(f"ember.load: {what} is not supported; ember reads the pickle itself")
    if not (map_location is None or isinstance(map_location, (str, device, dict)) or callable(map_location)):
        raise TypeError(f"ember.load: map_location must be None, a str, a device, a dict or a callable, "
                        f"got {type(map_location).__name__}")
    if isinstance(f, (str, os.PathLike)):
        name = os.fspath(f)
        with open(name, "rb") as fh:
            return _load(fh, name, map_location, mmap)
    if not hasattr(f, "read"):
        raise TypeError(f"ember.load: f must be a path (str or os.PathLike) or a binary file object, "
                        f"got {type(f).__name__}")
    if mmap:
        raise ValueError("ember.load: f must be a file path in order to use the mmap argument")
    name = getattr(f, "name", None) or repr(f)
    if not (hasattr(f, "seekable") and f.seekable()):
        f = io.BytesIO(f.read())
    return _load(f, name, map_location, False)


def _load(fh, name, map_location, use_mmap):
    import zipfile

    start = fh.tell()
    head = fh.read(512)
    fh.seek(start)
    if not head:
        raise RuntimeError(f"ember.load: '{name}' is empty: not a checkpoint")
    if head[:4] != b"PK\x03\x04":
        if _LEGACY_MAGIC in head[:16] or head[257:262] == b"ustar":
            raise RuntimeError(
                f"ember.load: '{name}' is in PyTorch's legacy serialization format (written by torch < 1.6 or with "
                "_use_new_zipfile_serialization=False), which ember does not read; re-save it with a recent torch.save")
        raise RuntimeError(f"ember.load: '{name}' is not a checkpoint written by torch.save or ember.save "
                           "(not a zip archive)")
    loader = None
    try:
        zf = zipfile.ZipFile(fh)
        loader = _Loader(zf, fh, name, map_location, use_mmap)
        return loader.run()
    except (_LoadError, _Refused, FileNotFoundError):
        raise
    except Exception as e:
        if loader is not None and e is loader.user_error:
            raise
        detail = e.args[0] if isinstance(e, _Corrupt) else f"{type(e).__name__}: {e}"
        raise RuntimeError(f"ember.load: '{name}' is truncated or corrupt ({detail})") from e


class _Loader:
    """Reads one archive: the pickle, and each storage record as the pickle asks for it."""

    def __init__(self, zf, fh, name, map_location, use_mmap):
        self.zf, self.fh, self.name, self.map_location = zf, fh, name, map_location
        names = zf.namelist()
        if not names or "/" not in names[0]:
            raise _Corrupt("no archive directory")
        self.prefix = names[0].split("/", 1)[0] + "/"
        if self.prefix + "data.pkl" not in names:
            if self.prefix + "constants.pkl" in names:
                raise _LoadError(f"ember.load: '{name}' is a TorchScript archive (torch.jit.save), which ember "
                                 "cannot load")
            raise _Corrupt(f"missing record {self.prefix}data.pkl")
        order = self.prefix + "byteorder"
        self.byteorder = zf.read(order).decode() if order in names else "little"
        if self.byteorder not in ("little", "big"):
            raise _Corrupt(f"unknown byte order {self.byteorder!r}")
        self.mm = None
        if use_mmap:
            import mmap

            self.mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_COPY)  # copy-on-write: the file never changes
        self.raw = {}      # key -> (uint8 array of the record, device)
        self.typed = {}    # (key, np dtype) -> typed array over the record
        self.user_error = None

    def run(self):
        import io

        return _unpickler_class()(io.BytesIO(self.zf.read(self.prefix + "data.pkl")), self).load()

    def storage(self, pid):
        """The persistent id ('storage', storage_type, key, location, numel) -> a typed array and its device."""
        if not (type(pid) is tuple and len(pid) == 5 and pid[0] == "storage" and type(pid[1]) is _StorageType
                and type(pid[2]) is str and type(pid[3]) is str and type(pid[4]) is int):
            raise _Corrupt(f"invalid storage id {pid!r}")
        _, stype, key, location, numel = pid
        if key not in self.raw:
            raw = self.read(key)
            self.raw[key] = (raw, self.place(location, raw))
        raw, dev = self.raw[key]
        np_dtype = stype.dtype.np
        if raw.nbytes != numel * np_dtype.itemsize:
            raise _Corrupt(f"storage {key} holds {raw.nbytes} bytes, expected {numel} x {np_dtype.itemsize}")
        arr = self.typed.get((key, np_dtype))
        if arr is None:
            arr = raw.view(np_dtype)
            if self.byteorder != sys.byteorder and np_dtype.itemsize > 1:
                arr = arr.view(np_dtype.newbyteorder()).astype(np_dtype)
            self.typed[key, np_dtype] = arr
        return _Storage(arr, dev)

    def read(self, key):
        import zipfile

        try:
            info = self.zf.getinfo(f"{self.prefix}data/{key}")
        except KeyError:
            raise _Corrupt(f"missing record {self.prefix}data/{key}") from None
        if self.mm is not None:
            if info.compress_type != zipfile.ZIP_STORED:
                raise _LoadError(f"ember.load: mmap needs uncompressed records, and {info.filename} is compressed")
            self.fh.seek(info.header_offset)
            local = self.fh.read(30)
            if local[:4] != b"PK\x03\x04":
                raise _Corrupt(f"bad local header for {info.filename}")
            name_len, extra_len = int.from_bytes(local[26:28], "little"), int.from_bytes(local[28:30], "little")
            start = info.header_offset + 30 + name_len + extra_len
            if start + info.file_size > len(self.mm):
                raise _Corrupt(f"record {info.filename} runs past the end of the file")
            return np.frombuffer(self.mm, np.uint8, count=info.file_size, offset=start)
        buf = bytearray(info.file_size)
        view = memoryview(buf)
        with self.zf.open(info) as src:  # reading to the end checks the record's CRC
            pos = 0
            while pos < len(buf):
                n = src.readinto(view[pos:pos + (1 << 24)])
                if not n:
                    raise _Corrupt(f"record {info.filename} is truncated")
                pos += n
        return np.frombuffer(buf, np.uint8)

    def place(self, location, raw):
        """The device for a storage saved at ``location``, by ``map_location``."""
        ml = self.map_location
        if callable(ml):
            try:
                res = ml(_Storage(raw, CPU), location)
            except Exception as e:
                self.user_error = e
                raise
            if res is not None:
                if type(res) is not _Storage:
                    raise _LoadError(f"ember.load: map_location returned {type(res).__name__}; expected the storage "
                                     "it was given (e.g. storage.cpu()) or None")
                return res.device
            target = location
        elif ml is None:
            target = location
        else:
            target = ml.get(location, location) if isinstance(ml, dict) else ml
        try:
            return as_device(target)
        except RuntimeError as e:
            raise _LoadError(
                f"ember.load: '{self.name}' holds tensors saved on '{location}', which would load onto "
                f"'{target}', but {e}. Pass map_location='cpu' (or map_location=ember.device('cpu')) to load "
                "them onto the CPU.") from None


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
    from .nn.parameter import Parameter

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
