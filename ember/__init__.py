"""ember: PyTorch's core (Tensors, autograd, nn, optim) in readable Python on NumPy.

Use it as ``import ember as torch``. This module only re-exports: each op lives in
``ember/ops/<family>.py`` and is exported both here and as a Tensor method.
"""
import importlib as _importlib

from . import _malloc
_malloc.tune()  # glibc keeps freed memory for the next step (see _malloc.py; EMBER_MALLOC_TUNING=0 to opt out)

from . import dtypes as _dtypes
from .dtypes import (dtype, float32, float, float64, double, float16, half, int8, int16, short, int32, int, int64,
                     long, uint8, bool, get_default_dtype, set_default_dtype, promote_types, result_type, can_cast,
                     finfo, iinfo, layout, strided, memory_format, contiguous_format, preserve_format,
                     channels_last)
from ._device import device
from .tensor import Tensor, Size
from .autograd import no_grad, enable_grad, set_grad_enabled, inference_mode, is_grad_enabled
from .autograd.grad_mode import is_inference_mode_enabled
from .autograd.anomaly import is_anomaly_enabled, is_anomaly_check_nan_enabled
from . import ops as _ops
from .tensor import _install_methods
from ._tensor_str import set_printoptions, get_printoptions, printoptions
from . import autograd, cuda
from .serialization import save, load  # pickle/zipfile are imported on first use

_install_methods()


def _export():
    """Every op listed by an ops module becomes ``ember.<name>`` (in-place and ``new_*`` methods stay
    methods only, as in PyTorch)."""
    g = globals()
    for mod in _ops.MODULES:
        for name in list(getattr(mod, "METHODS", ())) + list(getattr(mod, "FUNCTIONS", ())):
            if name.endswith("_") or name.startswith("new_") or name in g and name in _KEEP:
                continue
            g[name] = getattr(mod, name)


_KEEP = {"float", "int", "bool", "double", "half", "long", "short"}
_export()

from .ops.random import manual_seed, seed, initial_seed, Generator, get_rng_state, set_rng_state  # noqa: E402
from .ops.random import default_generator  # noqa: E402

__version__ = "0.1.0"


def is_tensor(obj):
    """True if ``obj`` is an ember Tensor."""
    return isinstance(obj, Tensor)


def is_floating_point(input):
    return input.is_floating_point()


def numel(input):
    return input.numel()


def is_nonzero(input):
    if input.numel() != 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return _builtins_bool(input.item())


def typename(obj):
    return obj.type() if isinstance(obj, Tensor) else type(obj).__name__


import builtins as _builtins  # noqa: E402

_builtins_bool = _builtins.bool


def __getattr__(name):
    # Submodules that are heavier or optional load on first use: ember.nn, ember.optim, ember.utils.
    if name in ("nn", "optim", "utils", "examples"):
        return _importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'ember' has no attribute '{name}' (torch.{name} is not yet supported by ember)")
