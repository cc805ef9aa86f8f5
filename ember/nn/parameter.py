"""``Parameter``: a Tensor that a Module registers as one of its learnable weights."""
from ..tensor import Tensor

__all__ = ["Parameter", "Buffer", "UninitializedParameter"]


class Parameter(Tensor):
    """A leaf Tensor that requires grad by default and that ``Module.__setattr__`` registers.

    It shares memory with the tensor it wraps. Its repr starts with ``Parameter containing:``.

    Example::

        >>> import ember
        >>> p = ember.nn.Parameter(ember.zeros(2))
        >>> p.requires_grad
        True
    """

    def __new__(cls, data=None, requires_grad=True):
        from .. import empty

        if data is None:
            data = empty(0)
        t = Tensor.__new__(cls)
        t._data = data._data
        t._requires_grad = False
        t.grad_fn = None
        t._grad = None
        t._vc = data._share_vc()  # shares memory and version counter with ``data``, like detach()
        if requires_grad:
            t.requires_grad_(True)
        return t

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __reduce_ex__(self, proto):
        import numpy as np

        return (_rebuild_parameter, (np.array(self._data), self._requires_grad))

    def __deepcopy__(self, memo):
        # NOTE: as in PyTorch, the copy gets the data and requires_grad, but not ``.grad``
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(Tensor._make(self._data.copy()), self._requires_grad)
        memo[id(self)] = result
        return result


def _rebuild_parameter(data, requires_grad):
    return Parameter(Tensor._make(data), requires_grad)


class _BufferMeta(type):
    """``isinstance(t, Buffer)`` is True for the tensors ``Buffer(...)`` made (they are plain Tensors)."""

    def __instancecheck__(cls, instance):
        if cls is Buffer:
            return isinstance(instance, Tensor) and instance.__dict__.get("_is_buffer", False)
        return super().__instancecheck__(instance)


class Buffer(Tensor, metaclass=_BufferMeta):
    """Marks a tensor to be registered as a buffer when assigned to a Module attribute.

    ``Buffer(t)`` returns a detached Tensor on ``t``'s memory, tagged so that
    ``module.name = Buffer(t)`` registers it (``persistent=False``: left out of ``state_dict``).
    """

    def __new__(cls, data=None, *, persistent=True):
        from .. import empty

        if data is None:
            data = empty(0)
        t = data.detach().requires_grad_(data.requires_grad)
        t.__dict__["persistent"] = persistent
        t.__dict__["_is_buffer"] = True
        return t


class UninitializedParameter(Parameter):
    def __new__(cls, *args, **kwargs):
        raise NotImplementedError("ember: lazy modules (UninitializedParameter) are not supported")
