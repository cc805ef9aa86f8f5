"""Every nn module, one family per file, re-exported flat (``ember.nn.Linear``)."""
import importlib as _importlib

_FAMILIES = ["module", "container", "linear", "flatten", "activation", "dropout", "normalization", "sparse",
             "loss", "conv", "pooling", "padding", "upsampling", "pixelshuffle", "instancenorm"]
__all__ = []
for _name in _FAMILIES:
    _mod = _importlib.import_module(f"{__name__}.{_name}")
    for _sym in getattr(_mod, "__all__", ()):
        globals()[_sym] = getattr(_mod, _sym)
        __all__.append(_sym)
