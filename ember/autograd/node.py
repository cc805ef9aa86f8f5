"""Graph nodes (``grad_fn``) and the two namespaces that gradient rules are written against.

One rule, two ways to run it
----------------------------
Every op's gradient rule is written once, as a small function of the incoming
gradient and the values saved in forward, using only operators (``*``, ``+``, ...)
and functions from a namespace ``F`` (``F.exp``, ``F.where``, ``F.sum_to``, ...).
The engine runs a rule in one of two modes:

* fast (``create_graph=False``): ``F`` is ``A``, whose functions take and return raw
  arrays, and saved tensors are handed over as their arrays. No Tensor is created and
  no graph is recorded: a rule costs what the NumPy calls cost.
* differentiable (``create_graph=True``): ``F`` is ``T``, whose functions are ember's
  own differentiable ops, and saved tensors are handed over as Tensors, so running
  the rule records a graph and the gradient can itself be differentiated.

``A`` and ``T`` are filled in by the op modules: defining a primitive registers its
array kernel in ``A`` and its Tensor function in ``T`` under the same name. This is
how ember avoids Chainer's split (chainer issue 3146) between fast array-level
backward code and separate differentiable backward code.
"""
import weakref

import numpy as np


Tensor = None  # set by ember.tensor once the class exists (this module is imported first)

#: Counts in-place changes to any tensor. A node remembers the count when it is made; if
#: nothing was changed in place since then, its saved tensors cannot have been modified and
#: backward skips the per-tensor version checks (the common case in a training step).
EPOCH = [0]

__all__ = ["Node", "AccumulateGrad", "A", "T", "SavedOutput"]


class Namespace:
    """A bag of functions with PyTorch's names and signatures."""

    def __init__(self, name):
        self._name = name

    def __repr__(self):
        return f"<gradient namespace {self._name}>"


A = Namespace("arrays")
T = Namespace("tensors")

_FREED_MSG = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward."
)


class SavedOutput:
    """An op's own output saved for backward. Holding the array, not the Tensor, avoids a
    reference cycle (output -> grad_fn -> output); the Tensor is rebuilt on demand with this
    node as its ``grad_fn``, which is what a double backward needs."""

    __slots__ = ("data", "vc")

    def __init__(self, data, vc):
        self.data, self.vc = data, vc


class Node:
    """A recorded op: ``grad_fn`` of the tensors it produced.

    ``next_functions`` holds, for each differentiable input, ``(node, output_nr)`` of where
    its gradient goes (``(None, 0)`` for inputs that need none); ``saved`` what the rule
    needs, with ``arrays`` the same values as raw arrays for the fast mode; ``versions`` the
    version of each saved tensor at save time and ``epoch`` the value of ``EPOCH`` then.
    Subclasses define ``backward(self, F, grad, *saved)`` returning one gradient per input.
    """

    __slots__ = ("next_functions", "saved", "arrays", "versions", "epoch", "needs_input_grad", "__weakref__",
                 "__dict__")

    _n_outputs = 1          # multi-output nodes (split, unbind, custom Functions) override
    _tensor_hooks = None    # {output_nr: [hook, ...]} from Tensor.register_hook / retain_grad
    _pre_hooks_all = None   # Node.register_prehook
    _post_hooks = None      # Node.register_hook
    _general = False        # True when the fast engine loop must take its general route: a hook above is
                            # registered, the node has several outputs, or it is a leaf's AccumulateGrad

    def name(self):
        return type(self).__name__

    def __repr__(self):
        return f"<{type(self).__name__} object at {id(self):#x}>"

    def __call__(self, *grads):
        """Run the rule on Tensor gradients (PyTorch allows calling a grad_fn directly)."""
        out = self.run(T, grads[0] if len(grads) == 1 else grads, True)
        return out[0] if len(out) == 1 else out

    # -- saved values ------------------------------------------------------------
    def unpack(self, diff):
        """The saved values as this mode needs them: arrays (fast) or Tensors (diff)."""
        if not diff and self.epoch == EPOCH[0]:
            arrays = self.arrays
            if arrays is not None:
                return arrays
        saved = self.saved
        if saved is None:
            raise RuntimeError(_FREED_MSG)
        versions = self.versions
        out = []
        for i, s in enumerate(saved):
            if isinstance(s, Tensor):
                vc = s._vc
                if vc is not None and vc[0] != (versions[i] or 0):
                    self._version_error(s._data, versions[i] or 0, vc[0], i, tensor=s)
                out.append(s if diff else s._data)
            elif s.__class__ is SavedOutput:
                if s.vc[0]:
                    self._version_error(s.data, 0, s.vc[0], i, output=True)
                if diff:
                    t = Tensor._make(s.data, True, self)
                    t._vc = s.vc
                    out.append(t)
                else:
                    out.append(s.data)
            elif diff and s.__class__ is np.ndarray:
                out.append(Tensor._make(s))  # a constant array, e.g. indices
            else:
                out.append(s)
        return out

    def _version_error(self, data, expected, got, i, output=False, tensor=None):
        import re

        from ..dtypes import FROM_NP

        dt = FROM_NP.get(data.dtype)
        kind = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
                "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
                "bool": "Bool"}.get(dt.name if dt else "", "Float")
        shape = ", ".join(str(n) for n in data.shape)
        # PyTorch names the tensor's producer ("output 0 of Mul"); nothing for a leaf
        producer = self if output else (tensor.grad_fn if tensor is not None else None)
        nr = 0 if output or tensor is None else tensor._output_nr
        who = f", which is output {nr} of {re.sub(r'Backward[0-9]*$', '', producer.name())}," if producer else ""
        from .engine import _anomaly

        hint = ("the backtrace further above shows the operation that failed to compute its gradient. The "
                "variable in question was changed in there or anywhere later. Good luck!" if _anomaly[0] else
                "enable anomaly detection to find the operation that failed to compute its gradient, with "
                "torch.autograd.set_detect_anomaly(True, check_nan=False).")
        raise RuntimeError(
            "one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: [torch.{kind}Tensor [{shape}]]{who} is at version {got}; "
            f"expected version {expected} instead. Hint: {hint}"
        )

    def release(self):
        """Free what was saved (after a backward without ``retain_graph``)."""
        if self.saved:
            self.saved = None
            self.arrays = None

    # -- running -----------------------------------------------------------------
    def run(self, F, grad, diff):
        """Gradients for each input, given the gradient of the output(s)."""
        return self.backward(F, grad, *self.unpack(diff))

    def backward(self, F, grad, *saved):  # pragma: no cover - every op overrides it
        raise NotImplementedError(f"{self.name()} has no gradient rule")

    # hooks --------------------------------------------------------------------------
    def register_hook(self, fn):
        """``fn(grad_inputs, grad_outputs)`` runs after this node's rule; may return new grad_inputs."""
        hooks = self.__dict__.setdefault("_post_hooks", [])
        self._general = True
        hooks.append(fn)
        return _RemovableHandle(hooks, fn)

    def register_prehook(self, fn):
        """``fn(grad_outputs)`` runs before this node's rule; may return new grad_outputs."""
        hooks = self.__dict__.setdefault("_pre_hooks_all", [])
        self._general = True
        hooks.append(fn)
        return _RemovableHandle(hooks, fn)

    @property
    def metadata(self):
        return self.__dict__.setdefault("_metadata", {})


class StateNode(Node):
    """A node whose rule reads arrays it keeps as attributes (a mask, indices) rather than saved
    tensors. Its op records them in ``saved`` too, so a backward without ``retain_graph`` frees
    them like saved tensors, and running the node again raises PyTorch's "second time" error."""

    __slots__ = ()
    _state = ()  # the names of the attributes the rule reads

    def live(self):
        if self.saved is None:
            raise RuntimeError(_FREED_MSG)

    def release(self):
        self.saved = self.arrays = None
        for name in self._state:
            self.__dict__.pop(name, None)


class _RemovableHandle:
    def __init__(self, container, item):
        self._container, self._item = container, item

    def remove(self):
        try:
            self._container.remove(self._item)
        except ValueError:
            pass


class AccumulateGrad(Node):
    """The end of the graph for a leaf tensor: adds the incoming gradient into ``variable.grad``.

    NOTE: the leaf holds its AccumulateGrad strongly (``t._acc``, so every op finds it in one
    lookup) and the node holds the leaf weakly, so the two make no reference cycle. A leaf
    that has died can receive no gradient that anyone could read, so nothing is lost.
    """

    __slots__ = ("_var",)
    _general = True  # reached by the fast loop only as a root (its gradients are added inline there)

    @property
    def variable(self):
        return self._var()

    def name(self):
        return "torch::autograd::AccumulateGrad"  # PyTorch's C++ name

    def __init__(self, variable):
        self._var = weakref.ref(variable)
        self.next_functions = ()
        self.saved = self.arrays = self.versions = ()
        self.epoch = 0
        self.needs_input_grad = ()


def grad_accumulator(t):
    """The leaf's AccumulateGrad node, shared by every op that uses the leaf."""
    acc = t._acc
    if acc is None:
        acc = t.__dict__["_acc"] = AccumulateGrad(t)
    return acc


def leaf_edge(t):
    """``(AccumulateGrad, 0)`` for a leaf, made once and kept on the leaf (``t._edge``) so
    that each op reading a parameter finds its edge in one attribute lookup."""
    e = t.__dict__["_edge"] = (grad_accumulator(t), 0)
    return e


def edge(t):
    """``(node, output_nr)`` where the gradient of tensor ``t`` must go."""
    fn = t.grad_fn
    if fn is not None:
        return (fn, t._output_nr)
    if t._requires_grad:
        return (grad_accumulator(t), 0)
    return (None, 0)


NO_EDGE = (None, 0)
