"""Activation functions, gathered under PyTorch's names (``ember.nn.functional`` re-exports them).

The ops themselves, each with its gradient rule right below it, live in three modules:

* ``activation_piecewise.py``: relu, relu6, hardtanh, leaky_relu, prelu, elu, selu, celu,
  hardsigmoid, hardswish, threshold, softshrink, hardshrink, tanhshrink (and the helpers the
  other two share);
* ``activation_smooth.py``: gelu, silu, softplus, mish, softsign, logsigmoid;
* ``softmax.py``: softmax, log_softmax, softmin, glu.

sigmoid and tanh are the elementwise ops of ``unary.py``.
"""
from .unary import sigmoid, tanh
from .activation_piecewise import (celu, celu_, elu, elu_, hardshrink, hardsigmoid, hardswish, hardtanh, hardtanh_,
                                   leaky_relu, leaky_relu_, prelu, relu, relu6, relu_, selu, selu_, softshrink,
                                   tanhshrink, threshold, threshold_)
from .activation_smooth import gelu, logsigmoid, mish, silu, softplus, softsign
from .softmax import glu, log_softmax, softmax, softmin

__all__ = ["relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "prelu", "elu", "elu_", "selu", "selu_", "celu",
           "celu_", "gelu", "silu", "mish", "softplus", "softsign", "tanh", "sigmoid", "hardtanh", "hardtanh_",
           "hardsigmoid", "hardswish", "logsigmoid", "threshold", "threshold_", "softmax", "log_softmax", "softmin",
           "glu", "tanhshrink", "softshrink", "hardshrink"]
