"""Run unmodified PyTorch programs on ember: ``import torch`` (and ``torch.*``) resolves to ember.

``install()`` puts a finder on ``sys.meta_path`` that maps ``torch`` to ``ember`` and
``torch.x.y`` to ``ember.x.y``. A submodule ember lacks raises ModuleNotFoundError that
says so. ``python -m ember run SCRIPT.py [args]`` uses it.
"""
import importlib
import importlib.abc
import importlib.util
import sys

__all__ = ["install", "uninstall"]


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target):
        self.target = target

    def create_module(self, spec):
        try:
            return importlib.import_module(self.target)
        except ModuleNotFoundError as e:
            if e.name and e.name.startswith("ember"):
                raise ModuleNotFoundError(
                    f"{spec.name} is not yet supported by ember (no module {self.target})", name=spec.name) from None
            raise

    def exec_module(self, module):
        pass


class _TorchFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            return importlib.util.spec_from_loader(name, _AliasLoader("ember" + name[5:]))
        return None


_finder = _TorchFinder()


def install():
    """Make ``import torch`` give ember (until ``uninstall``)."""
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)
    for name in [m for m in sys.modules if m == "torch" or m.startswith("torch.")]:
        del sys.modules[name]


def uninstall():
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    for name in [m for m in sys.modules if m == "torch" or m.startswith("torch.")]:
        if getattr(sys.modules[name], "__name__", "").startswith("ember"):
            del sys.modules[name]
