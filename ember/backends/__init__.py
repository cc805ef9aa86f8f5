"""Array backends: a device type maps to the array module (``numpy`` or ``cupy``) that holds its data.

Ops take their array module from their inputs, so one code path serves every backend;
only the few kernels that differ between libraries live in a backend module.
"""
from . import numpy_backend

_BACKENDS = {"cpu": numpy_backend}


def get_backend(device_type):
    """The backend module for a device type; RuntimeError naming what is missing otherwise."""
    try:
        return _BACKENDS[device_type]
    except KeyError:
        pass
    if device_type == "cuda":
        try:
            import cupy  # noqa: F401  (optional GPU extra)
        except ImportError:
            raise RuntimeError(
                "ember: device 'cuda' needs the CuPy GPU backend, which is not installed "
                "(pip install cupy-cuda12x); ember runs nothing on another device in its place"
            ) from None
        raise RuntimeError(
            "ember: the CuPy GPU backend is installed but ember's GPU support is not built yet; "
            "use device='cpu'"
        )
    raise RuntimeError(f"ember: no backend for device type '{device_type}' (only 'cpu' is available)")
