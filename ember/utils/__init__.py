"""``ember.utils``: helpers around the core (``ember.utils.safetensors`` checkpoints, ``ember.utils.data``).

Submodules load on first use, so ``import ember.utils`` stays cheap.
"""
import importlib as _importlib

_SUBMODULES = ("data", "safetensors")


def __getattr__(name):
    if name in _SUBMODULES:
        return _importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module '{__name__}' has no attribute '{name}'")
