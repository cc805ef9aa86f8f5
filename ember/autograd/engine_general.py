"""The general backward: ``autograd.grad`` (captured gradients), ``backward(inputs=...)``,
``create_graph=True`` (gradients as Tensors, the backward itself recorded), explicit
``grad_tensors`` and anomaly mode.

``engine.py`` holds the common case, a plain ``loss.backward()``, and the pieces shared by
both (dependency counting, leaf accumulation, hooks); this module validates the roots,
limits the walk to the nodes that lead to the requested inputs, and runs the general loop.
"""
import numpy as np

from . import grad_mode
from .engine import (_accumulate, _anomaly, _apply_tensor_hooks, _discover, _run_fast, _run_node,
                     _tensor_cls, _unwrap_from_hook, _wrap_for_hook)
from .node import A, T, AccumulateGrad, edge

__all__ = ["run_backward", "run_grad"]


def _root_grads(outputs, grad_outputs, diff, what):
    """Validate the outputs and build the gradient that seeds each of them."""
    Tensor = _tensor_cls()
    edges, grads = [], []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not isinstance(out, Tensor):
            raise TypeError(f"{what}: expected a Tensor for output {i}, got {type(out).__name__}")
        e = edge(out)
        if e[0] is None:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        if g is None:
            if out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            dt = out._data.dtype
            if dt.kind != "f":
                raise RuntimeError(f"grad can be implicitly created only for real scalar outputs but got {out.dtype}")
            g = np.array(1, dt)
            if out._data.ndim:
                g = g.reshape(out._data.shape)
            if diff:
                g = Tensor._make(g)
        else:
            if not isinstance(g, Tensor):
                if isinstance(g, (int, float)):
                    g = Tensor._make(np.full(out._data.shape, g, out._data.dtype))
                else:
                    raise TypeError(f"{what}: gradient for output {i} must be a Tensor or None, got {type(g).__name__}")
            if g._data.shape != out._data.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] "
                    f"has a shape of {out.shape}."
                )
            if g._data.dtype != out._data.dtype:  # PyTorch casts the seed to the output's dtype
                g = g.to(out.dtype)
            if not diff:
                g = g._data
        edges.append(e)
        grads.append(g)
    return edges, grads


def _needed(seen, targets):
    """Nodes from which some target is reachable; the others need not run."""
    # (``seen``: every node of the graph)
    memo = {}
    for start in seen:
        if start in memo:
            continue
        # iterative post-order DFS
        stack = [(start, iter(start.next_functions))]
        on_path = {start}
        while stack:
            node, it = stack[-1]
            advanced = False
            for nxt, _ in it:
                if nxt is None or nxt in memo or nxt in on_path:
                    continue
                stack.append((nxt, iter(nxt.next_functions)))
                on_path.add(nxt)
                advanced = True
                break
            if advanced:
                continue
            stack.pop()
            on_path.discard(node)
            memo[node] = node in targets or any(memo.get(n, False) for n, _ in node.next_functions if n is not None)
    return memo


def _add_to_buffer(buffers, node, nr, g):
    b = buffers.get(node)
    if b is None:
        buffers[node] = b = [None] * node._n_outputs
    b[nr] = g if b[nr] is None else b[nr] + g


def _execute(root_edges, root_grads, diff, retain_graph, captures=None, accumulate=True, only=None):
    """Run the graph from the roots. ``captures`` maps (node, nr) -> slot for autograd.grad;
    ``only`` limits accumulation to the given AccumulateGrad nodes / (node, nr) of non-leaf inputs."""
    buffers = {}
    for (node, nr), g in zip(root_edges, root_grads):
        _add_to_buffer(buffers, node, nr, g)
    root_nodes = list(buffers)
    deps = _discover(root_nodes)
    if captures is None and only is None and not diff and not _anomaly[0]:
        _run_fast(root_nodes, deps, buffers, not retain_graph)
        return None

    F = T if diff else A
    targets = set(n for n, _ in (captures or {}))
    if only is not None:
        targets |= set(n for n, _ in only)
    needed = _needed(set(deps) | set(root_nodes), targets) if (captures is not None or only is not None) else None
    results = {} if captures is not None else None
    ready = [n for n in root_nodes if n not in deps]
    executed = []
    prev = grad_mode.enabled
    grad_mode.enabled = diff
    try:
        while ready:
            node = ready.pop()
            grads = buffers.pop(node, None) or [None] * node._n_outputs
            if node._tensor_hooks is not None:
                _apply_tensor_hooks(node, grads, diff)
            if captures is not None:
                if node.__class__ is AccumulateGrad and getattr(node.variable, "_hooks", None) and grads[0] is not None:
                    for fn in node.variable._hooks:  # a leaf's hooks also see its captured gradient
                        r = fn(_wrap_for_hook(grads[0], diff))
                        if r is not None:
                            grads[0] = _unwrap_from_hook(r, diff)
                for nr in range(len(grads)):
                    slot = captures.get((node, nr))
                    if slot is not None:
                        results[slot] = grads[nr]
            if only is not None:
                for nr in range(len(grads)):
                    if (node, nr) in only and node.__class__ is not AccumulateGrad and grads[nr] is not None:
                        _retain_into(node, nr, grads[nr], diff)
            outs = None
            if needed is not None and not needed.get(node, False):
                pass
            elif node.__class__ is AccumulateGrad:
                if accumulate and grads[0] is not None and (only is None or (node, 0) in only):
                    _accumulate(node, grads[0], diff)
            elif any(g is not None for g in grads):
                outs = _run_node(node, grads, F, diff)
                executed.append(node)
            for i, (nxt, nr) in enumerate(node.next_functions):
                if nxt is None:
                    continue
                g = outs[i] if outs is not None else None
                if g is not None:
                    _add_to_buffer(buffers, nxt, nr, g)
                d = deps[nxt] - 1
                deps[nxt] = d
                if d == 0:
                    ready.append(nxt)
    finally:
        grad_mode.enabled = prev
        if not retain_graph:
            for node in executed:
                node.release()
    return results


def _retain_into(node, nr, g, diff):
    """backward(inputs=[non_leaf]) accumulates into the non-leaf's .grad."""
    for t in node.__dict__.get("_inputs_targets", {}).get(nr, ()):
        Tensor = _tensor_cls()
        gt = g if diff else Tensor._make(np.array(g, copy=True))
        t._grad = gt if t._grad is None else t._grad + gt


def run_backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """``Tensor.backward`` / ``ember.autograd.backward``: accumulate gradients into leaves' ``.grad``."""
    Tensor = _tensor_cls()
    if isinstance(tensors, Tensor):
        tensors = (tensors,)
    tensors = tuple(tensors)
    if grad_tensors is None:
        grad_tensors = (None,) * len(tensors)
    elif isinstance(grad_tensors, Tensor):
        grad_tensors = (grad_tensors,)
    grad_tensors = tuple(grad_tensors)
    if len(grad_tensors) != len(tensors):
        raise RuntimeError(f"grad_tensors has {len(grad_tensors)} elements but tensors has {len(tensors)}")
    if retain_graph is None:
        retain_graph = create_graph
    diff = bool(create_graph)
    edges, grads = _root_grads(tensors, grad_tensors, diff, "backward")
    only = None
    if inputs is not None:
        if isinstance(inputs, Tensor):
            inputs = (inputs,)
        inputs = tuple(inputs)
        if not inputs:
            raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
        only = set()
        for t in inputs:
            e = edge(t)
            if e[0] is None:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            only.add(e)
            if e[0].__class__ is not AccumulateGrad:
                e[0].__dict__.setdefault("_inputs_targets", {}).setdefault(e[1], []).append(t)
    try:
        _execute(edges, grads, diff, retain_graph, only=only)
    finally:
        if only is not None:
            for n, _ in only:
                n.__dict__.pop("_inputs_targets", None)


def run_grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
             allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """``ember.autograd.grad``: gradients of ``outputs`` w.r.t. ``inputs``, without touching ``.grad``."""
    Tensor = _tensor_cls()
    if is_grads_batched:
        raise NotImplementedError("autograd.grad: is_grads_batched=True is not supported by ember")
    single_out = isinstance(outputs, Tensor)
    outputs = (outputs,) if single_out else tuple(outputs)
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    elif isinstance(grad_outputs, Tensor):
        grad_outputs = (grad_outputs,)
    grad_outputs = tuple(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"grad_outputs has {len(grad_outputs)} elements but outputs has {len(outputs)}")
    if allow_unused is None:
        allow_unused = materialize_grads
    if retain_graph is None:
        retain_graph = create_graph
    diff = bool(create_graph)
    edges, grads = _root_grads(outputs, grad_outputs, diff, "grad")
    captures = {}
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"grad: inputs must be Tensors, got {type(t).__name__} at position {i}")
        e = edge(t)
        if e[0] is None:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
        captures.setdefault(e, i)
    results = _execute(edges, grads, diff, retain_graph, captures=captures, accumulate=False)
    out = []
    for i, t in enumerate(inputs):
        g = results.get(captures[edge(t)])
        if g is None:
            if materialize_grads:
                g = np.zeros_like(t._data)
                out.append(Tensor._make(g))
                continue
            if not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in the graph. "
                    "Set allow_unused=True if this is the desired behavior."
                )
            out.append(None)
            continue
        if not diff:
            g = Tensor._make(np.array(g, dtype=t._data.dtype, copy=True))
        else:
            if g.shape != t.shape:
                g = T.sum_to(g, t.shape)
        out.append(g)
    return tuple(out)
