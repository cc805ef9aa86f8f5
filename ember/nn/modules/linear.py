"""Linear layers: ``Identity``, ``Linear`` (y = x W^T + b) and ``Bilinear`` (y = x1^T A x2 + b).

Their default initialisation is PyTorch's ``reset_parameters``: Linear draws W from
kaiming_uniform(a=sqrt(5)), which is U(-1/sqrt(in), 1/sqrt(in)), and b from the same bound.
"""
import math

from ...ops import nn_layers as F
from ...ops.creation import empty
from ..parameter import Parameter
from .module import Module

__all__ = ["Identity", "Linear", "Bilinear"]


def register_weight_and_bias(module, weight_shape, bias_size, bias, device, dtype):
    """Give a layer its ``weight`` Parameter and its ``bias`` (a Parameter, or registered as None
    when ``bias`` is False), both uninitialised until ``reset_parameters`` (Linear, Bilinear, conv)."""
    module.weight = Parameter(empty(weight_shape, device=device, dtype=dtype))
    if bias:
        module.bias = Parameter(empty(bias_size, device=device, dtype=dtype))
    else:
        module.register_parameter("bias", None)


class Identity(Module):
    """Returns its input unchanged; any constructor arguments are accepted and ignored.

    Example::

        >>> import ember
        >>> x = ember.ones(2)
        >>> ember.nn.Identity(54, unused="x")(x) is x
        True
    """

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """y = x W^T + b.

    Args:
        in_features: size of each input sample's last dim.
        out_features: size of each output sample's last dim.
        bias: learn an additive bias (default True).

    Shape: input (*, in_features) -> output (*, out_features).

    Attributes: ``weight`` (out_features, in_features) and ``bias`` (out_features), both
    initialised from U(-k, k) with k = 1/sqrt(in_features).

    Example::

        >>> import ember
        >>> ember.nn.Linear(20, 30)(ember.randn(128, 20)).shape
        torch.Size([128, 30])
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        register_weight_and_bias(self, (out_features, in_features), out_features, bias, device, dtype)
        self.reset_parameters()

    def reset_parameters(self):
        """W ~ kaiming_uniform(a=sqrt(5)) = U(-1/sqrt(fan_in), 1/sqrt(fan_in)); b ~ the same."""
        from .. import init

        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1]
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Bilinear(Module):
    """y_o = x1^T A_o x2 + b_o.

    Shape: input1 (*, in1_features), input2 (*, in2_features) -> output (*, out_features).
    ``weight`` (out_features, in1_features, in2_features) and ``bias`` (out_features) start
    from U(-k, k) with k = 1/sqrt(in1_features).
    """

    def __init__(self, in1_features, in2_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        register_weight_and_bias(self, (out_features, in1_features, in2_features), out_features, bias, device, dtype)
        self.reset_parameters()

    def reset_parameters(self):
        from .. import init

        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self):
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
