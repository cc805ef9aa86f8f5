"""Flatten parameters into one vector and back."""
from ...tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters):
    """All ``parameters`` flattened and concatenated into one 1-D tensor (differentiable)."""
    from ...ops.shapes import cat

    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    """Make each of ``parameters`` a view of its consecutive slice of ``vec``.

    As in PyTorch (``param.data = vec[a:b].view_as(param).data``) the parameters then share
    memory with ``vec`` and take its dtype.
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    pointer = 0
    for p in parameters:
        n = p.numel()
        p._data = vec._data[pointer:pointer + n].reshape(p._data.shape)
        pointer += n
