"""Read and write the ``safetensors`` format (Hugging Face's), with NumPy only.

A safetensors file is::

    8 bytes          N, the header's length, an unsigned little-endian 64-bit integer
    N bytes          a JSON object: {"__metadata__": {str: str}, "<name>": {"dtype": "F32", "shape": [2, 3],
                     "data_offsets": [begin, end]}, ...}, padded with spaces so the data starts on an 8-byte boundary
    the rest         every tensor's bytes, C-contiguous and little-endian, at [begin, end) from the data's start

It holds no code at all, which is its point: loading a file only reads numbers. The functions mirror
``safetensors.torch`` (``save_file``, ``load_file``, ``save``, ``load``) and read and write the files the
``safetensors`` package does, with no dependency on it.

Example::

    >>> import ember
    >>> from ember.utils.safetensors import save, load
    >>> load(save({"w": ember.ones(2, 3)}, metadata={"step": "10"}))["w"].shape
    torch.Size([2, 3])
"""
import json
import os

import numpy as np

from .. import dtypes as _dt
from .._device import as_device
from ..tensor import Tensor

__all__ = ["save_file", "load_file", "save", "load", "SafetensorError"]

#: safetensors' dtype names for ember's dtypes.
DTYPE_NAMES = {_dt.float64: "F64", _dt.float32: "F32", _dt.float16: "F16", _dt.int64: "I64", _dt.int32: "I32",
               _dt.int16: "I16", _dt.int8: "I8", _dt.uint8: "U8", _dt.bool: "BOOL"}
_FROM_NAME = {name: dt for dt, name in DTYPE_NAMES.items()}
_MAX_HEADER = 100_000_000  # the safetensors package refuses larger headers too


class SafetensorError(RuntimeError):
    """A file or buffer that is not valid safetensors (truncated, inconsistent header, unknown dtype)."""


def save(tensors, metadata=None):
    """The safetensors bytes of ``tensors`` (a dict of name -> Tensor), with an optional ``metadata`` dict of
    str -> str. Non-contiguous tensors are written as their contiguous copy."""
    return b"".join(_serialize(tensors, metadata))


def save_file(tensors, filename, metadata=None):
    """Write ``tensors`` (a dict of name -> Tensor) to ``filename`` in the safetensors format.

    NOTE: the file is written atomically (a temporary file, then ``os.replace``), as ``ember.save`` does, so a
    failed save leaves the previous file intact.
    """
    from ..serialization.writer import _atomic_write

    parts = _serialize(tensors, metadata)

    def write(fh):
        for part in parts:
            fh.write(part)

    _atomic_write(os.fspath(filename), write)


def load(data):
    """The dict of name -> Tensor in safetensors ``data`` (bytes)."""
    return _deserialize(bytearray(data), "<bytes>", "cpu")


def load_file(filename, device="cpu"):
    """The dict of name -> Tensor stored in the safetensors file ``filename``, placed on ``device``."""
    with open(filename, "rb") as fh:
        buf = bytearray(os.fstat(fh.fileno()).st_size)
        del buf[fh.readinto(buf):]
    return _deserialize(buf, str(filename), device)


def _serialize(tensors, metadata):
    """The header bytes followed by each tensor's array, in the order the safetensors package writes them."""
    if not isinstance(tensors, dict):
        raise TypeError(f"safetensors: expected a dict of name -> Tensor, got {type(tensors).__name__}")
    header = {}
    if metadata is not None:
        if not (isinstance(metadata, dict) and all(isinstance(k, str) and isinstance(v, str)
                                                  for k, v in metadata.items())):
            raise TypeError("safetensors: metadata must be a dict of str -> str")
        header["__metadata__"] = dict(metadata)
    for name, t in tensors.items():
        if not isinstance(name, str) or name == "__metadata__":
            raise TypeError(f"safetensors: tensor names must be strings other than '__metadata__', got {name!r}")
        if not isinstance(t, Tensor):
            raise TypeError(f"safetensors: '{name}' is a {type(t).__name__}, not a Tensor")
    # NOTE: largest items first, then by name (the package's order), so each tensor starts at a multiple of its
    # own item size once the data is 8-byte aligned.
    order = sorted(tensors, key=lambda n: (-tensors[n]._data.itemsize, n))
    arrays, offset = [], 0
    for name in order:
        a = tensors[name]._data
        # NOTE: not np.ascontiguousarray, which turns a 0-d array into a 1-d one
        a = a.astype(a.dtype.newbyteorder("<"), order="C", copy=False)
        header[name] = {"dtype": DTYPE_NAMES[_dt.FROM_NP[tensors[name]._data.dtype]], "shape": list(a.shape),
                        "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
        arrays.append(a.reshape(-1).view(np.uint8))
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return [len(text).to_bytes(8, "little"), text] + arrays


def _deserialize(buf, name, device):
    dev = as_device(device)
    if len(buf) < 8:
        raise SafetensorError(f"safetensors: '{name}' is too short to hold a header ({len(buf)} bytes)")
    n = int.from_bytes(buf[:8], "little")
    if n > _MAX_HEADER or 8 + n > len(buf):
        raise SafetensorError(f"safetensors: '{name}' declares a {n}-byte header but holds {len(buf)} bytes")

    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        if len(set(keys)) != len(keys):
            raise SafetensorError(f"safetensors: '{name}' names a tensor twice")
        return dict(pairs)

    try:
        header = json.loads(bytes(buf[8:8 + n]).decode("utf-8"), object_pairs_hook=no_duplicates)
    except (UnicodeDecodeError, ValueError) as e:
        raise SafetensorError(f"safetensors: '{name}' has an invalid JSON header ({e})") from None
    if not isinstance(header, dict):
        raise SafetensorError(f"safetensors: the header of '{name}' is not a JSON object")
    header.pop("__metadata__", None)
    size = len(buf) - 8 - n
    entries, end = [], 0
    for key, info in sorted(header.items(), key=lambda kv: _offsets(kv, name)):
        (begin, stop), dt, shape = _offsets((key, info), name), _FROM_NAME.get(info.get("dtype")), info.get("shape")
        if dt is None:
            raise SafetensorError(f"safetensors: '{key}' in '{name}' has dtype {info.get('dtype')!r}, which ember "
                                  f"does not have (it reads {', '.join(_FROM_NAME)})")
        if not (isinstance(shape, list) and all(type(s) is int and s >= 0 for s in shape)):
            raise SafetensorError(f"safetensors: '{key}' in '{name}' has an invalid shape {shape!r}")
        if begin != end or stop - begin != int(np.prod(shape)) * dt.itemsize:
            raise SafetensorError(f"safetensors: the data offsets of '{key}' in '{name}' do not match its shape "
                                  "and the tensors before it")
        end = stop
        entries.append((key, dt, shape, begin, stop))
    if end != size:
        raise SafetensorError(f"safetensors: '{name}' holds {size} data bytes, its header describes {end}")
    out = {}
    for key, dt, shape, begin, stop in entries:
        # NOTE: one frombuffer per tensor, so that each owns its array (ember.save then saves them apart).
        count = (stop - begin) // dt.itemsize
        arr = np.frombuffer(buf, dt.np.newbyteorder("<"), count=count, offset=8 + n + begin).reshape(shape)
        if arr.dtype != dt.np or (dt.itemsize > 1 and begin % dt.itemsize):  # big-endian host, or unaligned data
            arr = arr.astype(dt.np)
        t = Tensor._make(arr)
        out[key] = t if dev.type == "cpu" else t.to(dev)
    return out


def _offsets(item, name):
    key, info = item
    offs = info.get("data_offsets") if isinstance(info, dict) else None
    if not (isinstance(offs, list) and len(offs) == 2 and all(type(o) is int and o >= 0 for o in offs)
            and offs[0] <= offs[1]):
        raise SafetensorError(f"safetensors: '{key}' in '{name}' has invalid data_offsets {offs!r}")
    return offs
