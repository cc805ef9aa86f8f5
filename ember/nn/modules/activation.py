"""Activation layers: each holds its settings and calls the functional form in ``ember.nn.functional``
(the ops, with their gradient rules, live in ``ember/ops/activation.py``). ``extra_repr`` prints
the settings exactly as PyTorch does (``ReLU(inplace=True)``, ``Softmax(dim=1)``)."""
from ...ops import activation as F
from ...ops.creation import empty
from ..parameter import Parameter
from .module import Module

__all__ = ["ReLU", "ReLU6", "LeakyReLU", "PReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish", "Softplus",
           "Softsign", "Tanh", "Sigmoid", "Hardtanh", "Hardsigmoid", "Hardswish", "LogSigmoid", "Threshold", "Softmax",
           "LogSoftmax", "Softmin", "GLU", "Tanhshrink", "Softshrink", "Hardshrink"]


class _Inplace(Module):
    """An activation whose only setting is ``inplace``; subclasses name their function in ``fn``."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return type(self).fn(input, inplace=self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class _Plain(Module):
    """An activation without settings."""

    def forward(self, input):
        return type(self).fn(input)


class ReLU(_Inplace):
    """max(x, 0) elementwise.

    Example::

        >>> import ember
        >>> ember.nn.ReLU()(ember.tensor([-1.0, 2.0]))
        tensor([0., 2.])
    """

    fn = staticmethod(F.relu)


class ReLU6(_Inplace):
    """min(max(x, 0), 6) elementwise."""

    fn = staticmethod(F.relu6)


class SELU(_Inplace):
    """scale * elu(x, alpha) with the self-normalizing constants."""

    fn = staticmethod(F.selu)


class SiLU(_Inplace):
    """x * sigmoid(x) (swish)."""

    fn = staticmethod(F.silu)


class Mish(_Inplace):
    """x * tanh(softplus(x))."""

    fn = staticmethod(F.mish)


class Hardsigmoid(_Inplace):
    """relu6(x + 3) / 6. (PyTorch prints no settings for it, so neither does ember.)"""

    fn = staticmethod(F.hardsigmoid)

    def extra_repr(self):
        return ""


class Hardswish(_Inplace):
    """x * relu6(x + 3) / 6."""

    fn = staticmethod(F.hardswish)

    def extra_repr(self):
        return ""


class Softsign(_Plain):
    """x / (1 + |x|)."""

    fn = staticmethod(F.softsign)


class Tanh(_Plain):
    """tanh(x)."""

    fn = staticmethod(F.tanh)


class Sigmoid(_Plain):
    """1 / (1 + exp(-x))."""

    fn = staticmethod(F.sigmoid)


class LogSigmoid(_Plain):
    """log(sigmoid(x)), stable for large |x|."""

    fn = staticmethod(F.logsigmoid)


class Tanhshrink(_Plain):
    """x - tanh(x)."""

    fn = staticmethod(F.tanhshrink)


class LeakyReLU(Module):
    """x for x > 0, negative_slope * x otherwise."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class PReLU(Module):
    """Leaky relu with a learned slope: one shared (``num_parameters=1``) or one per channel
    (dim 1 of the input). The slope starts at ``init``."""

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(empty(num_parameters, device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self):
        from .. import init

        init.constant_(self.weight, self.init)

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class ELU(Module):
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input):
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class CELU(ELU):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""

    def forward(self, input):
        return F.celu(input, self.alpha, self.inplace)


class GELU(Module):
    """x * Phi(x); ``approximate='tanh'`` uses the tanh formula."""

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Softplus(Module):
    """log(1 + exp(beta * x)) / beta, linear where beta * x > threshold."""

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardtanh(Module):
    """Clamp to [min_val, max_val]. ``min_value`` / ``max_value`` are PyTorch's deprecated spellings."""

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False, min_value=None, max_value=None):
        super().__init__()
        if min_value is not None:
            import warnings

            warnings.warn("keyword argument `min_value` is deprecated and rename to `min_val`", FutureWarning,
                          stacklevel=2)
            min_val = min_value
        if max_value is not None:
            import warnings

            warnings.warn("keyword argument `max_value` is deprecated and rename to `max_val`", FutureWarning,
                          stacklevel=2)
            max_val = max_value
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace
        if self.max_val <= self.min_val:
            raise AssertionError
        # NOTE: PyTorch asserts ``max_val > min_val`` here, with no message

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}" + (", inplace=True" if self.inplace else "")


class Threshold(Module):
    """x where x > threshold, else value."""

    def __init__(self, threshold, value, inplace=False):
        super().__init__()
        self.threshold = threshold
        self.value = value
        self.inplace = inplace

    def forward(self, input):
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self):
        return f"threshold={self.threshold}, value={self.value}" + (", inplace=True" if self.inplace else "")


class _SoftmaxLike(Module):
    """softmax-style layers over ``dim`` (None: PyTorch's deprecated implicit choice, with a warning)."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def __setstate__(self, state):
        super().__setstate__(state)
        if not hasattr(self, "dim"):
            self.dim = None

    def forward(self, input):
        return type(self).fn(input, self.dim, _stacklevel=5)

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmax(_SoftmaxLike):
    """exp(x_i) / sum_j exp(x_j) along ``dim``: each slice sums to 1.

    Example::

        >>> import ember
        >>> ember.nn.Softmax(dim=0)(ember.tensor([1.0, 1.0]))
        tensor([0.5000, 0.5000])
    """

    fn = staticmethod(F.softmax)


class LogSoftmax(_SoftmaxLike):
    """log(softmax(x)) along ``dim``, computed stably."""

    fn = staticmethod(F.log_softmax)


class Softmin(_SoftmaxLike):
    """softmax(-x) along ``dim``."""

    fn = staticmethod(F.softmin)


class GLU(Module):
    """a * sigmoid(b), with a and b the halves of the input along ``dim``."""

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.glu(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class _Shrink(Module):
    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input):
        return type(self).fn(input, self.lambd)

    def extra_repr(self):
        return str(self.lambd)


class Softshrink(_Shrink):
    """x - lambd above lambd, x + lambd below -lambd, 0 in between."""

    fn = staticmethod(F.softshrink)


class Hardshrink(_Shrink):
    """x where |x| > lambd, else 0."""

    fn = staticmethod(F.hardshrink)
