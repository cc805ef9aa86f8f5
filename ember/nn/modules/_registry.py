"""The dicts behind ``Module._parameters``, ``_buffers`` and ``_modules``.

A Module keeps its parameters, buffers and children out of its instance ``__dict__``, in
these registries, and finds them in ``Module.__getattr__`` (PyTorch's design). But Python
calls ``__getattr__`` only after the normal lookup has failed and raised inside, so
``self.weight`` would cost about 0.35 us: paid by every layer on every forward.

``Registry`` is a dict that also writes each entry into its module's ``__dict__``, so the
normal lookup finds it at once. The registry stays the source of truth: every way to
change it (item assignment, ``del``, ``pop``, ``update``, ``clear``, ...) updates the
mirror too, and ``Module.__setattr__`` / ``__setstate__`` re-wrap a registry that is
replaced wholesale or copied.

NOTE: the mirror is only an accelerator; reading ``module._parameters`` and friends is
unchanged, so code written against PyTorch's registries works as it did.
"""

__all__ = ["Registry", "wrap_registries", "REGISTRIES", "TREE_GENERATION"]

REGISTRIES = ("_parameters", "_buffers", "_modules")

#: Counts changes to any module's children or parameters (any ``_modules`` or ``_parameters``
#: registry). A module's list of submodules and its tuple of parameters, walked by
#: ``parameters()`` and ``zero_grad()`` every step, are cached with the count they were made at
#: (``TreeMixin._walk``, ``TreeMixin.parameters``).
TREE_GENERATION = [0]


class Registry(dict):
    """A name -> value dict whose entries are mirrored into ``owner`` (a module's ``__dict__``);
    ``tree``: it holds children or parameters, so changing it moves ``TREE_GENERATION``."""

    __slots__ = ("_owner", "_tree")

    def __init__(self, owner, items=(), tree=False):
        dict.__init__(self)
        self._owner = owner
        self._tree = tree
        for k, v in dict(items).items():
            self[k] = v

    def __setitem__(self, key, value):
        dict.__setitem__(self, key, value)
        self._owner[key] = value
        if self._tree:
            TREE_GENERATION[0] += 1

    def __delitem__(self, key):
        dict.__delitem__(self, key)
        self._owner.pop(key, None)
        if self._tree:
            TREE_GENERATION[0] += 1

    def pop(self, key, *default):
        if key in self:
            self._owner.pop(key, None)
            if self._tree:
                TREE_GENERATION[0] += 1
        return dict.pop(self, key, *default)

    def popitem(self):
        key, value = dict.popitem(self)
        self._owner.pop(key, None)
        if self._tree:
            TREE_GENERATION[0] += 1
        return key, value

    def clear(self):
        for key in self:
            self._owner.pop(key, None)
        dict.clear(self)
        if self._tree:
            TREE_GENERATION[0] += 1

    def update(self, *args, **kwargs):
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def __ior__(self, other):
        self.update(other)
        return self

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]

    def unmirror(self):
        """Remove this registry's entries from the module's ``__dict__`` (it is being replaced)."""
        for key in self:
            if self._owner.get(key) is dict.__getitem__(self, key):
                del self._owner[key]
        if self._tree:
            TREE_GENERATION[0] += 1

    def __reduce__(self):
        # copies and pickles are plain dicts; Module.__setstate__ wraps them again
        return (dict, (dict(self),))


def wrap_registries(d):
    """Make each registry in a module's ``__dict__`` ``d`` a Registry mirrored into ``d``."""
    for name in REGISTRIES:
        reg = d.get(name)
        if reg is None or (reg.__class__ is Registry and reg._owner is d):
            continue
        if reg.__class__ is Registry:
            # a shallow copy shares the registry with the original module (as in PyTorch): keep
            # sharing it, and keep its entries out of this __dict__ so that __getattr__ finds them
            for key in reg:
                d.pop(key, None)
            TREE_GENERATION[0] += 1
            continue
        d[name] = Registry(d, reg, tree=name != "_buffers")
