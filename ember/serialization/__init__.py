"""``ember.save`` / ``ember.load``: checkpoints in PyTorch's own file format, so ember and PyTorch read
each other's checkpoints.

    format.py      the archive's layout and the names it uses (storage classes, alignment)
    writer.py      save: pickle the object with tensors as storage references, write the zip atomically
    reader.py      load: check the archive, read (or mmap) each storage, place it by ``map_location``
    unpickler.py   the restricted unpickler: only tensors, Parameters and plain containers come back

pickle, zipfile and io are imported on first use, so ``import ember`` does not pay for them.
"""
from .reader import load
from .writer import save

__all__ = ["save", "load"]
