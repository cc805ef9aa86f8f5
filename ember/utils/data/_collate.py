"""``default_collate`` (a list of samples -> one batch) and ``default_convert`` (one sample ->
tensors, used when automatic batching is off).

The rules follow PyTorch, applied recursively:

=====================  =================================================
sample element          batch
=====================  =================================================
ember Tensor            ``ember.stack(batch)``
NumPy array             tensors, then stacked (string/object arrays: TypeError)
NumPy scalar            a 1-d tensor of its dtype
float / int / bool      float64 / int64 / bool tensor
str / bytes             the list, unchanged
dict (Mapping)          a dict of batches, key by key (same mapping type if possible)
namedtuple              the same namedtuple of batches
tuple / list            a list of batches, position by position (sizes must match)
=====================  =================================================
"""
import collections.abc
import re

import numpy as np

__all__ = ["default_collate", "default_convert"]

_STRING_DTYPE = re.compile(r"[SaUO]")  # NumPy dtype kinds that cannot become tensors
_ERR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def default_convert(data):
    """Turn NumPy arrays and scalars inside ``data`` into tensors; keep everything else.

    Tuples become lists (as in PyTorch); dicts, namedtuples and lists keep their type.
    """
    import ember

    if isinstance(data, ember.Tensor):
        return data
    if isinstance(data, np.ndarray):
        return data if _STRING_DTYPE.search(data.dtype.str) else ember.as_tensor(data)
    if isinstance(data, np.generic) and not isinstance(data, (np.str_, np.bytes_, np.object_)):
        return ember.as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        converted = {k: default_convert(v) for k, v in data.items()}
        try:
            return type(data)(converted)
        except TypeError:  # a mapping type that cannot be built from a dict
            return converted
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # namedtuple
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        converted = [default_convert(d) for d in data]
        try:
            return type(data)(converted)
        except TypeError:
            return converted
    return data


def default_collate(batch):
    """Merge a list of samples into a batch (see the module docstring for the rules).

    Example::

        >>> import ember
        >>> b = default_collate([(ember.tensor([1., 2.]), 0), (ember.tensor([3., 4.]), 1)])
        >>> b[0].shape, b[1]
        (torch.Size([2, 2]), tensor([0, 1]))
    """
    import ember

    elem = batch[0]
    if isinstance(elem, ember.Tensor):
        return ember.stack(list(batch), 0)
    if isinstance(elem, np.ndarray):
        if _STRING_DTYPE.search(elem.dtype.str):
            raise TypeError(_ERR.format(elem.dtype))
        return default_collate([ember.as_tensor(b) for b in batch])
    if isinstance(elem, (np.bool_, np.number)):
        return ember.as_tensor(np.array(batch))
    if isinstance(elem, float):
        return ember.tensor(batch, dtype=ember.float64)
    if isinstance(elem, int):  # bool is an int: a bool batch gives a bool tensor
        return ember.tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        collated = {key: default_collate([d[key] for d in batch]) for key in elem}
        try:
            return type(elem)(collated)
        except TypeError:
            return collated
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(samples) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [default_collate(list(samples)) for samples in zip(*batch)]
        if isinstance(elem, tuple):
            return columns  # NOTE: PyTorch returns a list for tuples too
        try:
            return type(elem)(columns)
        except TypeError:
            return columns
    raise TypeError(_ERR.format(type(elem)))
