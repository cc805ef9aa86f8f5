"""Gradient clipping: ``clip_grad_norm_`` and ``clip_grad_value_``."""
import math
import warnings

import numpy as np

from ...autograd import grad_mode
from ...tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_"]


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The ``norm_type``-norm of all ``tensors`` together, as if concatenated into one vector."""
    if isinstance(tensors, Tensor):
        tensors = [tensors]
    tensors = list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return Tensor._make(np.array(0.0, np.float32))
    dtype = np.result_type(*[t._data.dtype for t in tensors])
    # NOTE: numpy's vector norm covers every order as torch.linalg.vector_norm does
    # (0 counts nonzeros, inf / -inf take the max / min magnitude); accumulate in float64.
    with grad_mode.no_grad():
        norms = [np.linalg.norm(t._data.reshape(-1).astype(np.float64), norm_type) if t._data.size
                 else 0.0 for t in tensors]
        total = np.asarray(np.linalg.norm(np.asarray(norms), norm_type), dtype=dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it cannot be "
            "clipped. To disable this error and scale the gradients by the non-finite norm anyway, set "
            "`error_if_nonfinite=False`")
    return Tensor._make(total)


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale the gradients in place by ``max_norm / (total_norm + 1e-6)`` when that is below 1."""
    grads = _grads(parameters)
    coef = float(max_norm) / (float(total_norm) + 1e-6)
    if not coef < 1 and not math.isnan(coef):  # clamped to 1: nothing to scale
        return
    for g in grads:  # NOTE: a NaN norm makes NaN gradients, as in PyTorch
        g._data *= np.asarray(coef, g._data.dtype)
        g._bump()


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Rescale the gradients of ``parameters`` so that their total norm is at most ``max_norm``.

    Returns the total norm before clipping (a 0-d tensor). With ``error_if_nonfinite=True`` a
    NaN or infinite norm raises RuntimeError and leaves the gradients unchanged.
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    parameters = list(parameters)
    grads = _grads(parameters)
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(parameters, max_norm, total)
    return total


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of `torch.nn.utils.clip_grad_norm_`.",
                  FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient of ``parameters`` to [-clip_value, clip_value] in place."""
    clip_value = float(clip_value)
    for g in _grads(parameters):
        np.clip(g._data, -clip_value, clip_value, out=g._data)
        g._bump()
