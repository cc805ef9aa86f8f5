"""Walking a Module's tree: parameters, buffers, submodules, ``apply``, ``train``/``eval`` (mixed into Module).

Every method here starts from ``self`` and visits the registries (``_parameters``,
``_buffers``, ``_modules``, see ``module.py``) of the whole tree, depth first, each
module before its children:

- ``named_modules`` / ``modules`` / ``named_children`` / ``children``: the submodules,
  with dotted names (``"0.fc"``); a module reached twice (shared) comes once;
- ``named_parameters`` / ``parameters`` / ``named_buffers`` / ``buffers``: what those
  modules hold, each tensor once unless ``remove_duplicate=False``;
- ``apply(fn)``, ``train(mode)`` / ``eval()``, ``requires_grad_``, ``zero_grad``: the
  same walk, doing something at each module.

Converting the tensors of the tree (``to``, ``float``, ...) is in ``_convert.py``; looking
one submodule up by its dotted path (``get_submodule``) is in ``module.py``.

Example::

    >>> import ember
    >>> net = ember.nn.Sequential(ember.nn.Linear(2, 3), ember.nn.Sequential(ember.nn.Linear(3, 1)))
    >>> [name for name, _ in net.named_parameters()]
    ['0.weight', '0.bias', '1.0.weight', '1.0.bias']
    >>> net.eval().training, net[1][0].training
    (False, False)
"""
from ...tensor import reset_grads
from ._registry import TREE_GENERATION

__all__ = []


class TreeMixin:
    """The tree-walking methods of ``Module`` (see the module docstring)."""

    # -- walking the tree --------------------------------------------------------
    def _named_members(self, get_members_fn, prefix="", recurse=True, remove_duplicate=True):
        memo = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for k, v in get_members_fn(module):
                if v is None or v in memo:
                    continue
                if remove_duplicate:
                    memo.add(v)
                yield (module_prefix + "." + k if module_prefix else k), v

    def parameters(self, recurse=True):
        """Iterator over the parameters (of submodules too, with ``recurse``), each once.

        NOTE: the same walk as named_parameters without building the dotted names; zero_grad and
        training loops call it every step, so the tuple it walks is cached until any module's
        children or parameters change (``TREE_GENERATION``)."""
        if not recurse:
            return self._own_parameters()
        cache = self.__dict__.get("_params_cache")
        if cache is None or cache[0] != TREE_GENERATION[0] or cache[1] is not self:
            seen = set()
            out = []
            for module in self._walk():
                for p in module._parameters.values():
                    if p is not None and p not in seen:
                        seen.add(p)
                        out.append(p)
            cache = self.__dict__["_params_cache"] = (TREE_GENERATION[0], self, tuple(out))
        return iter(cache[2])

    def _own_parameters(self):
        seen = set()
        for p in self._parameters.values():
            if p is not None and p not in seen:
                seen.add(p)
                yield p

    def _walk(self, out=None, memo=None):
        """This module and its submodules, depth first, each once (the order of named_modules).

        NOTE: the top-level list is cached until any module's children or parameters change (see
        ``TREE_GENERATION``): parameters() and zero_grad() walk the tree every step."""
        if out is None:
            cache = self.__dict__.get("_walk_cache")
            if cache is not None and cache[0] == TREE_GENERATION[0] and cache[1][0] is self:
                return cache[1]
            out = []
            self._walk(out, set())
            self.__dict__["_walk_cache"] = (TREE_GENERATION[0], out)
            return out
        if self not in memo:
            memo.add(self)
            out.append(self)
            for m in self._modules.values():
                if m is not None:
                    m._walk(out, memo)
        return out

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """Iterator over ``(dotted name, parameter)``; a shared parameter comes once unless
        ``remove_duplicate=False``."""
        yield from self._named_members(lambda m: m._parameters.items(), prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        yield from self._named_members(lambda m: m._buffers.items(), prefix, recurse, remove_duplicate)

    def children(self):
        for _, m in self.named_children():
            yield m

    def named_children(self):
        memo = set()
        for name, module in self._modules.items():
            if module is not None and module not in memo:
                memo.add(module)
                yield name, module

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """Iterator over ``(dotted name, module)``, this module first (name ``prefix``)."""
        if memo is None:
            memo = set()
        if self in memo:
            return
        if remove_duplicate:
            memo.add(self)
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            yield from module.named_modules(memo, prefix + ("." if prefix else "") + name, remove_duplicate)


    def apply(self, fn):
        """Call ``fn(m)`` on every submodule (children first), then on self. Returns self."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # -- modes and gradients -----------------------------------------------------
    def train(self, mode=True):
        """Set training mode (``training=mode``) on self and every submodule. Returns self."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self):
        """Same as ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all parameters: to None (default) or to zeros in place."""
        reset_grads(self.parameters(), set_to_none)

    def share_memory(self):
        return self  # NOTE: NumPy arrays are process-local; nothing to share
