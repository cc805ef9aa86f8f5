"""``Size``: the type of ``tensor.shape`` (PyTorch's ``torch.Size``).

A tuple of ints that prints as ``torch.Size([2, 3])`` and stays a Size when sliced,
concatenated or repeated. It is re-exported by ``tensor.py`` (``from ember.tensor import
Size``) and as ``ember.Size``.

Example::

    >>> import ember
    >>> ember.zeros(2, 3).shape
    torch.Size([2, 3])
    >>> ember.zeros(2, 3).shape[1:], ember.Size([2, 3]).numel()
    (torch.Size([3]), 6)
"""
import math

__all__ = ["Size"]


class Size(tuple):
    """A tensor's shape: a tuple of ints that prints as ``torch.Size([2, 3])``."""

    def __repr__(self):
        return f"torch.Size([{', '.join(str(int(s)) for s in self)}])"

    __str__ = __repr__

    def numel(self):
        return math.prod(self)

    def __getitem__(self, item):
        r = tuple.__getitem__(self, item)
        return Size(r) if isinstance(item, slice) else r

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))

    def __radd__(self, other):
        return Size(tuple(other) + tuple(self))

    def __mul__(self, n):
        return Size(tuple(self) * n)

    __rmul__ = __mul__

    def __reduce__(self):
        return (Size, (tuple(self),))
