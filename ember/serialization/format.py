"""The checkpoint format ember reads and writes: PyTorch's own (zip format, PyTorch >= 1.6).

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

Loading never runs code from the file: see ``unpickler.py``.
"""
from .. import dtypes as _dt

#: PyTorch's legacy storage classes, one per dtype ember has (the table in torch/storage.py).
STORAGE_NAMES = {_dt.float64: "DoubleStorage", _dt.float32: "FloatStorage", _dt.float16: "HalfStorage",
                 _dt.int64: "LongStorage", _dt.int32: "IntStorage", _dt.int16: "ShortStorage",
                 _dt.int8: "CharStorage", _dt.uint8: "ByteStorage", _dt.bool: "BoolStorage"}
ALIGNMENT = 64
_LEGACY_MAGIC = (0x1950A86A20F9469CFC6C).to_bytes(10, "little")  # the first object pickled by torch < 1.6
