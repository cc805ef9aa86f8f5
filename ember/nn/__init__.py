"""``ember.nn``: modules, parameters, losses, initialization and the functional API."""
from .parameter import Parameter, Buffer, UninitializedParameter
from .modules import *  # noqa: F401,F403  (every layer, container and loss)
from .modules import __all__ as _modules_all
from . import functional, init, utils

__all__ = ["Parameter", "Buffer", "functional", "init", "utils"] + list(_modules_all)
