"""``ember.load``: a checkpoint written by ``ember.save`` or ``torch.save`` (zip format) back to objects.

``load`` checks its arguments and the file's first bytes (PyTorch's legacy format and non-zip files get their
own errors), then ``_Loader`` reads the archive: the pickle goes through the restricted unpickler
(``unpickler.py``), which asks the loader for each storage by its persistent id; the loader reads (or maps)
the record's bytes and puts them on a device as ``map_location`` says. A damaged file is reported as a
RuntimeError that names it.
"""
import os
import sys

import numpy as np

from .._device import CPU, as_device, device
from .format import _LEGACY_MAGIC
from .unpickler import _Corrupt, _LoadError, _Refused, _Storage, _StorageType, _unpickler_class


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
