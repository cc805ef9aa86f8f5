"""Converting a Module's tensors: ``to``, ``float``, ``double``, ``half``, ``cpu``, ... (mixed into Module).

All of them go through ``_apply(fn)``, which puts ``fn`` of every parameter, gradient and
buffer of the tree back into the module. A parameter keeps its identity: the converted
array goes into the same ``Parameter`` object (PyTorch's ``param.data = ...``), so an
optimizer built before ``model.double()`` still holds the model's parameters. ``to`` and
the shorthands convert floating tensors only; integer buffers keep their dtype.

Walking the tree (``parameters``, ``train``, ...) is in ``_tree.py``.

Example::

    >>> import ember
    >>> lin = ember.nn.Linear(2, 3)
    >>> w = lin.weight
    >>> lin.double().weight is w, w.dtype
    (True, torch.float64)
"""
from ... import dtypes as _dt
from ...autograd import grad_mode
from ...tensor import Tensor

__all__ = []


class ConvertMixin:
    """The conversion methods of ``Module`` (see the module docstring)."""

    # -- conversion ----------------------------------------------------------------
    def _apply(self, fn, recurse=True):
        """Apply ``fn`` to every parameter, gradient and buffer. Parameters keep their identity:
        the converted array is put into the same Parameter object (PyTorch's ``param.data = ...``)."""
        if recurse:
            for module in self.children():
                module._apply(fn)
        with grad_mode.no_grad():
            for p in self._parameters.values():
                if p is None:
                    continue
                new = fn(p)
                if new is not p:
                    p._data = new._data
                if p._grad is not None:
                    g = fn(p._grad)
                    if g is not p._grad:
                        p._grad._data = g._data
            for key, buf in self._buffers.items():
                if buf is not None:
                    self._buffers[key] = fn(buf)
        return self

    def to(self, *args, **kwargs):
        """``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(tensor)``: convert the floating
        parameters and buffers (in place; integer buffers keep their dtype). Returns self."""
        device = kwargs.pop("device", None)
        dtype = kwargs.pop("dtype", None)
        non_blocking = kwargs.pop("non_blocking", False)
        if kwargs.pop("memory_format", None) is not None:
            raise NotImplementedError("Module.to: memory_format is not supported by ember")
        if kwargs:
            raise TypeError(f"to() received an invalid combination of arguments - got unexpected keyword "
                            f"arguments {sorted(kwargs)}")
        for a in args:
            if isinstance(a, _dt.dtype):
                dtype = a
            elif isinstance(a, Tensor):
                device, dtype = a.device, a.dtype
            elif isinstance(a, bool):
                non_blocking = a
            elif a is not None:
                device = a
        if dtype is not None and not dtype.is_floating_point:
            raise TypeError("nn.Module.to only accepts floating point or complex dtypes, but got desired dtype="
                            + str(dtype))

        def convert(t):
            return t.to(device, dtype if t.is_floating_point() else None, non_blocking=non_blocking)

        return self._apply(convert)

    def float(self):
        return self._apply(lambda t: t.float() if t.is_floating_point() else t)

    def double(self):
        return self._apply(lambda t: t.double() if t.is_floating_point() else t)

    def half(self):
        return self._apply(lambda t: t.half() if t.is_floating_point() else t)

    def bfloat16(self):
        raise NotImplementedError("Module.bfloat16: ember has no bfloat16 dtype (NumPy has none)")

    def type(self, dst_type):
        return self._apply(lambda t: t.type(dst_type))

    def cpu(self):
        return self._apply(lambda t: t.cpu())

    def cuda(self, device=None):
        """Move to a GPU: needs the CuPy backend, and raises a RuntimeError naming it otherwise."""
        from ..._device import as_device

        as_device("cuda" if device is None else device)  # raises without CuPy, even with no parameters
        return self._apply(lambda t: t.cuda(device))

    def to_empty(self, *, device=None, recurse=True):
        from ... import empty_like

        return self._apply(lambda t: empty_like(t), recurse=recurse)
