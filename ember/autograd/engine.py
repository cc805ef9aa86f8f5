"""The backward engine: walks the recorded graph from the outputs to the leaves.

This module runs the common case, ``loss.backward()`` (``backward_scalar``, ``_drain``);
``engine_general.py`` handles ``autograd.grad``, ``inputs=``, ``create_graph`` and anomaly
mode, reusing the pieces defined here.

It counts, for every node reachable from the roots, how many edges lead into it; a
node runs once all of them have delivered their gradient, so each rule runs exactly
once with the total gradient of its outputs. Gradients travel as raw arrays when
``create_graph=False`` (rules run in the fast namespace ``A``) and as Tensors when it is
True (namespace ``T``, so the backward pass is itself recorded). See ``node.py``.
"""
import sys

import numpy as np

from .node import A, T, AccumulateGrad

__all__ = ["backward_scalar", "run_backward", "run_grad"]

_anomaly = [False, True]  # [enabled, check_nan]


def _tensor_cls():
    Tensor = _Tensor[0]
    if Tensor is None:
        from ..tensor import Tensor

        _Tensor[0] = Tensor
    return Tensor


def _discover(root_nodes):
    """Dependency count of every node reachable from the roots (its number of incoming edges)."""
    deps = {}
    stack = list(root_nodes)
    while stack:
        node = stack.pop()
        for nxt, _ in node.next_functions:
            if nxt is None:
                continue
            if nxt in deps:
                deps[nxt] += 1
            else:
                deps[nxt] = 1
                if nxt.__class__ is not AccumulateGrad:  # a leaf's node has no edges to follow
                    stack.append(nxt)
    return deps


def _wrap_for_hook(g, diff):
    if g is None or diff:
        return g
    g = np.asarray(g)
    if g.size > 1 and 0 in g.strides:
        # NOTE: a fast-mode gradient may be one element broadcast without a copy (A.expand); a
        # hook writing into it in place gets PyTorch's overlap error instead of corrupting it.
        g = g.view()
        g.flags.writeable = False
    return _tensor_cls()._make(g)


def _unwrap_from_hook(g, diff):
    if g is None or diff:
        return g
    return g._data


def _apply_tensor_hooks(node, grads, diff):
    """Hooks registered with ``Tensor.register_hook`` on the node's outputs, then retain_grad."""
    hooks = node._tensor_hooks
    for nr, fns in hooks.items():
        if nr >= len(grads) or grads[nr] is None:
            continue
        for fn in list(fns):
            if fn.__class__ is _RetainGrad:
                continue
            res = fn(_wrap_for_hook(grads[nr], diff))
            if res is not None:
                grads[nr] = _unwrap_from_hook(res, diff)
        for fn in fns:
            if fn.__class__ is _RetainGrad:
                fn(grads[nr], diff)


class _RetainGrad:
    """Stores the gradient flowing into a non-leaf tensor in its ``.grad`` (``retain_grad()``)."""

    def __init__(self, tensor):
        import weakref

        self.ref = weakref.ref(tensor)

    def __call__(self, g, diff):
        t = self.ref()
        if t is None:
            return
        Tensor = _tensor_cls()
        if not diff:
            g = Tensor._make(np.array(g, copy=True))
        if t._grad is None:
            t._grad = g if not diff else g
        else:
            t._grad = Tensor._make(t._grad._data + (g._data if isinstance(g, Tensor) else g))


def _accumulate(acc, g, diff):
    """Add ``g`` into the leaf's ``.grad`` (the AccumulateGrad node's job)."""
    var = acc._var()
    if var is None:
        return
    if var._hooks is not None:
        for fn in var._hooks:
            res = fn(_wrap_for_hook(g, diff))
            if res is not None:
                g = _unwrap_from_hook(res, diff)
    data = var._data
    if diff:
        if g.shape != var.shape:
            g = T.sum_to(g, var.shape)
        if g.dtype is not var.dtype:
            g = g.to(var.dtype)
        if var._grad is None and not g._data.flags.writeable:  # a broadcast view: .grad must own its memory
            g = g.clone()
        var._grad = g if var._grad is None else var._grad + g
    else:
        if g.shape != data.shape:
            g = A.sum_to(g, data.shape) if g.ndim >= data.ndim else np.broadcast_to(g, data.shape)
        old = var._grad
        if old is None:
            # NOTE: always copy: a rule may hand the same array to several inputs
            t = _new(_Tensor[0])
            t._data = np.array(g, data.dtype)
            t._requires_grad = False
            t.grad_fn = t._grad = t._vc = None
            var._grad = t
        elif old._requires_grad:
            var._grad = _Tensor[0]._make(old._data + g)
        else:
            od = old._data
            np.add(od, g, out=od, casting="unsafe")
    if var._post_acc_hooks is not None:
        for fn in var._post_acc_hooks:
            fn(var)


_new = object.__new__
_Tensor = [None]  # filled on first use (ember.tensor imports this module's package)


def _run_node(node, grads, F, diff):
    """One node's rule, with its pre- and post-hooks and the anomaly check."""
    if node._pre_hooks_all is not None:
        for h in node._pre_hooks_all:
            r = h(tuple(_wrap_for_hook(g, diff) for g in grads))
            if r is not None:
                grads = [_unwrap_from_hook(g, diff) for g in r]
    outs = node.run(F, grads[0] if node._n_outputs == 1 else grads, diff)
    if _anomaly[0]:
        _check_anomaly(node, outs)
    if node._post_hooks is not None:
        for h in node._post_hooks:
            r = h(tuple(_wrap_for_hook(g, diff) for g in outs), tuple(_wrap_for_hook(g, diff) for g in grads))
            if r is not None:
                outs = [_unwrap_from_hook(g, diff) for g in r]
    return outs


def _run_fast(root_nodes, deps, buffers, release):
    """The common case, ``loss.backward()``: arrays only, no captures, no anomaly mode.

    NOTE: this loop runs once per node of every backward pass, so it is kept free of what
    the general loop handles (captures, ``inputs=``, create_graph). A node whose last
    gradient arrives goes onto ``ready`` together with its total gradient, so the
    single-consumer chains that make up most graphs never touch ``buffers``; saved values
    are freed as soon as a node's rule has run.
    """
    ready = []
    for n in root_nodes:
        if n not in deps:
            b = buffers.pop(n)
            ready.append((n, b[0] if n._n_outputs == 1 else b))
    _drain(ready, deps, buffers, release)


def _run_fast_from(node, grad, deps, release):
    _drain([(node, grad)], deps, {}, release)


def _drain(ready, deps, buffers, release):
    pop = buffers.pop
    get = buffers.get
    push = ready.append
    Tensor = _Tensor[0]
    node, grad = ready.pop()
    while True:
        if node._general or grad is None:
            # NOTE: everything unusual in one branch, so the common node pays one check: a leaf's
            # node reached as a root, hooks, several outputs, no gradient at all
            if node.__class__ is AccumulateGrad:
                if grad is not None:
                    _accumulate(node, grad, False)
                if not ready:
                    return
                node, grad = ready.pop()
                continue
            if grad is None:
                outs = (None,) * len(node.next_functions)
            else:
                grads = [grad] if node._n_outputs == 1 else grad
                if node._tensor_hooks is not None:
                    _apply_tensor_hooks(node, grads, False)
                outs = _run_node(node, grads, A, False)
        else:
            outs = node.run(A, grad, False)
        if release and node.saved:
            node.release()
        follow = None  # NOTE: one ready successor is run next directly, without a trip through ``ready``
        for (nxt, nr), g in zip(node.next_functions, outs):
            if nxt is None:
                continue
            d = deps[nxt]
            if nxt.__class__ is AccumulateGrad and d == 1:
                # the leaf's last gradient: its total is final, accumulate it now
                if buffers:
                    old = pop(nxt, None)
                    if old is not None:
                        g = old if g is None else old + g
                if g is not None:
                    var = nxt._var()
                    if var is not None and var._grad is None and var._hooks is None \
                            and var._post_acc_hooks is None and g.shape == var._data.shape:
                        t = _new(Tensor)
                        if g.__class__ is _ndarray and g.base is None and _refcount(g) == _FRESH \
                                and g.dtype is var._data.dtype and g.flags.writeable:
                            t._data = g  # NOTE: no one else holds this array: steal it, as PyTorch's AccumulateGrad does
                        else:
                            t._data = _array(g, var._data.dtype)  # a copy: .grad owns its memory
                        t._requires_grad = False
                        t.grad_fn = t._grad = t._vc = None
                        var._grad = t
                    else:
                        _accumulate(nxt, g, False)
                continue
            if nxt._n_outputs == 1:
                if d == 1:  # the last (usually the only) gradient for nxt: it is ready
                    if buffers:
                        old = pop(nxt, None)
                        if old is not None:
                            g = old if g is None else old + g
                    if follow is None:
                        follow, follow_grad = nxt, g
                    else:
                        push((nxt, g))
                else:
                    deps[nxt] = d - 1
                    if g is not None:
                        old = get(nxt)
                        buffers[nxt] = g if old is None else old + g
            else:
                deps[nxt] = d - 1
                b = get(nxt)
                if b is None:
                    b = buffers[nxt] = [None] * nxt._n_outputs
                if g is not None:
                    b[nr] = g if b[nr] is None else b[nr] + g
                if d == 1:
                    del buffers[nxt]
                    push((nxt, b if any(x is not None for x in b) else None))
        if follow is not None:
            node, grad = follow, follow_grad
        elif ready:
            node, grad = ready.pop()
        else:
            return


_array = np.array
_ndarray = np.ndarray
_refcount = sys.getrefcount


def _fresh_refs():
    """The reference count ``_drain`` sees for a gradient array that only the rule's output
    tuple holds (measured, as it depends on the interpreter): such an array can become a
    leaf's ``.grad`` without a copy."""
    outs = (np.empty(1),)
    for (nxt, nr), g in zip(((None, 0),), outs):
        return _refcount(g)


_FRESH = _fresh_refs()


def _check_anomaly(node, outs):
    if not _anomaly[1]:  # set_detect_anomaly(True, check_nan=False)
        return
    for i, g in enumerate(outs):
        if g is None:
            continue
        arr = g._data if hasattr(g, "_data") else np.asarray(g)
        if arr.dtype.kind == "f" and np.isnan(arr).any():
            tb = node.__dict__.get("_metadata", {}).get("traceback_")
            import warnings

            if tb:
                warnings.warn("Error detected in {}. Traceback of forward call that caused the error:\n{}".format(
                    node.name(), "".join(tb)), UserWarning, stacklevel=2)
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")


def backward_scalar(t, retain_graph):
    """``loss.backward()`` on a one-element float result of an op: the common case, without
    the argument handling of ``run_backward`` (which it falls back to for anything else)."""
    fn = t.grad_fn
    d = t._data
    if fn is None or d.size != 1 or d.dtype.kind != "f" or _anomaly[0]:
        return run_backward((t,), None, retain_graph, False, None)
    g = np.array(1, d.dtype)
    if d.ndim:
        g = g.reshape(d.shape)
    if fn._n_outputs != 1:
        b = [None] * fn._n_outputs
        b[t._output_nr] = g
        g = b
    deps = _discover((fn,))
    if fn in deps:  # cannot happen for a node with a fresh output, but stay correct
        return run_backward((t,), None, retain_graph, False, None)
    _run_fast_from(fn, g, deps, not retain_graph)


# NOTE: imported last, because engine_general imports the pieces above (ember's package init
# always loads this module first, through tensor.py)
from .engine_general import run_backward, run_grad  # noqa: E402
