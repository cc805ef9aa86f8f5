"""Reverse-mode automatic differentiation: the engine, grad modes, custom Functions, checks.

See ``node.py`` for how one gradient rule serves both fast and differentiable backward.
"""
from .grad_mode import (no_grad, enable_grad, set_grad_enabled, inference_mode, is_grad_enabled,
                        is_inference_mode_enabled)
from .function import Function, FunctionCtx, once_differentiable, InplaceFunction, NestedIOFunction
from .anomaly import detect_anomaly, set_detect_anomaly, is_anomaly_enabled, is_anomaly_check_nan_enabled
from .gradcheck import gradcheck, gradgradcheck, GradcheckError
from . import functional, graph
from .node import Node

__all__ = ["backward", "grad", "Function", "FunctionCtx", "once_differentiable", "no_grad", "enable_grad",
           "set_grad_enabled", "inference_mode", "gradcheck", "gradgradcheck", "detect_anomaly",
           "set_detect_anomaly", "functional", "Variable"]


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None,
             inputs=None):
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of the graph's leaves."""
    from .engine import run_backward

    if grad_variables is not None:
        grad_tensors = grad_variables
    run_backward(tensors, grad_tensors, retain_graph, create_graph, inputs)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of ``outputs`` w.r.t. ``inputs`` as a tuple, leaving ``.grad`` untouched.

    With ``create_graph=True`` the result is itself differentiable (Hessian-vector products,
    gradient penalties).
    """
    from .engine import run_grad

    return run_grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused,
                    is_grads_batched, materialize_grads)


def Variable(data, requires_grad=False, volatile=False):
    """Deprecated PyTorch wrapper: returns ``data`` itself (with ``requires_grad`` set)."""
    if requires_grad:
        data.requires_grad_(True)
    return data
