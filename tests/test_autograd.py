"""Autograd semantics against PyTorch: each test is one small program run twice, with ``m`` =
torch and ``m`` = ember, whose results (values, dtypes, gradients) or errors (type and key
message text) must agree. ``same`` and ``same_error`` are shared with the other autograd
test files."""
import warnings

import numpy as np
import pytest
import torch

import ember
from tests.pairs import same_error  # noqa: F401  (other test modules import it from here too)


# -- the oracle ---------------------------------------------------------------------------------
def _check(e, t, path, atol, rtol):
    if isinstance(t, torch.Tensor):
        assert isinstance(e, ember.Tensor), f"{path}: ember gave {type(e).__name__}, torch a Tensor"
        assert tuple(e.shape) == tuple(t.shape), f"{path}: shape {tuple(e.shape)} != torch {tuple(t.shape)}"
        assert str(e.dtype) == str(t.dtype), f"{path}: dtype {e.dtype} != torch {t.dtype}"
        assert e.requires_grad == t.requires_grad, f"{path}: requires_grad {e.requires_grad} != {t.requires_grad}"
        en, tn = e.detach().numpy(), t.detach().numpy()
        if tn.dtype.kind == "f":
            np.testing.assert_allclose(en, tn, atol=atol, rtol=rtol, equal_nan=True, err_msg=path)
        else:
            np.testing.assert_array_equal(en, tn, err_msg=path)
    elif isinstance(t, (tuple, list)):
        assert isinstance(e, (tuple, list)) and len(e) == len(t), f"{path}: {e!r} != torch {t!r}"
        for i, (a, b) in enumerate(zip(e, t)):
            _check(a, b, f"{path}[{i}]", atol, rtol)
    elif isinstance(t, dict):
        assert set(e) == set(t), f"{path}: keys {sorted(e)} != {sorted(t)}"
        for k in t:
            _check(e[k], t[k], f"{path}[{k!r}]", atol, rtol)
    elif isinstance(t, float):
        assert e == pytest.approx(t, rel=rtol, abs=atol), f"{path}: {e} != torch {t}"
    elif isinstance(t, (torch.dtype, torch.Size)):
        assert str(e) == str(t), f"{path}: {e} != torch {t}"
    else:
        assert e == t, f"{path}: {e!r} != torch {t!r}"


def same(prog, atol=1e-6, rtol=1e-5):
    """Run ``prog(torch)`` and ``prog(ember)``; their results must agree. Returns ember's."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = prog(torch)
        e = prog(ember)
    _check(e, t, prog.__name__, atol, rtol)
    return e


def f64(m, values, requires_grad=True):
    return m.tensor(values, dtype=m.float64, requires_grad=requires_grad)


# -- backward ------------------------------------------------------------------------------------
def test_implicit_gradient_only_for_one_element_outputs():
    same_error(lambda m: (m.ones(3, requires_grad=True) * 2).backward(),
               "grad can be implicitly created only for scalar outputs")

    def one_element(m):
        x = m.tensor([[3.]], requires_grad=True)
        (x * x).backward()  # shape (1, 1): one element is enough
        return x.grad
    same(one_element)


def test_explicit_gradient_and_its_checks():
    def weighted(m):
        x = m.tensor([1., 2., 3.], requires_grad=True)
        (x * x).backward(m.tensor([1., -1., 0.5]))
        return x.grad
    same(weighted)

    def cast_seed(m):  # a gradient of another dtype is cast to the output's
        x = m.tensor([1., 2.], requires_grad=True)
        (x * 3).backward(m.ones(2, dtype=m.float64))
        return x.grad
    same(cast_seed)
    same_error(lambda m: (m.ones(2, requires_grad=True) * 2).backward(m.ones(3)), "Mismatch in shape")
    same_error(lambda m: m.ones(2).sum().backward(), "does not require grad and does not have a grad_fn")


def test_grads_accumulate_across_calls():
    def prog(m):
        x = m.tensor([1., 2.], requires_grad=True)
        (x * x).sum().backward()
        first = x.grad.clone()
        (x * 3).sum().backward()
        return first, x.grad
    same(prog)


def test_non_leaf_grad_is_none_unless_retained():
    def prog(m):
        x = m.tensor([1., 2.], requires_grad=True)
        y = x * 2
        z = y * 3
        z.retain_grad()
        (z * z).sum().backward()
        return y.grad, z.grad, z.retains_grad, y.retains_grad, x.is_leaf, y.is_leaf
    same(prog)
    x = ember.ones(2, requires_grad=True)
    with pytest.warns(UserWarning, match="not a leaf Tensor"):
        assert (x * 2).grad is None


def test_graph_freed_after_backward():
    def twice(m):
        x = m.ones(3, requires_grad=True)
        y = (x.exp()).sum()
        y.backward()
        y.backward()
    same_error(twice, "Trying to backward through the graph a second time")

    def no_saved_tensors(m):  # add and sum save nothing: PyTorch allows a second pass
        x = m.ones(3, requires_grad=True)
        y = (x + 1).sum()
        y.backward()
        y.backward()
        return x.grad
    same(no_saved_tensors)

    def retained(m):
        x = m.tensor([1., 2.], requires_grad=True)
        y = (x * x).sum()
        y.backward(retain_graph=True)
        y.backward()
        return x.grad
    same(retained)


def test_backward_inputs_restricts_accumulation():
    def prog(m):
        x = m.ones(3, requires_grad=True)
        w = m.full((3,), 2., requires_grad=True)
        y = x * w
        z = (y * y).sum()
        z.backward(inputs=[x, y])
        return x.grad, w.grad, y.grad
    same(prog)

    def single(m):
        x = m.ones(2, requires_grad=True)
        w = m.ones(2, requires_grad=True)
        (x * w * 3).sum().backward(inputs=w)
        return x.grad, w.grad
    same(single)
    same_error(lambda m: (m.ones(2, requires_grad=True) * 2).sum().backward(inputs=[]), "cannot be empty")


def test_autograd_backward_function():
    def prog(m):
        x = m.tensor([1., 2.], requires_grad=True)
        y = x * 3
        m.autograd.backward([y.sum(), (x * x).sum()], retain_graph=True)
        m.autograd.backward([y], [m.tensor([1., 2.])])
        return x.grad
    same(prog)


# -- autograd.grad --------------------------------------------------------------------------------
def test_grad_returns_tuple_and_leaves_dot_grad_alone():
    def prog(m):
        x = m.tensor([1., 2.], requires_grad=True)
        y = x * m.tensor([2., 3.])
        g = m.autograd.grad([y], [x], [m.tensor([1., 10.])])
        return g, x.grad
    same(prog)

    def wrt_non_leaf(m):
        x = m.ones(2, requires_grad=True)
        y = x * 3
        return m.autograd.grad((y * y).sum(), [y, x])
    same(wrt_non_leaf)


def test_grad_unused_inputs():
    def unused(m):
        x, w = m.ones(3, requires_grad=True), m.ones(3, requires_grad=True)
        return m.autograd.grad((x * 2).sum(), [x, w])
    same_error(unused, "The differentiated Tensor at index 1 appears to not have been used in the graph")

    def allowed(m):
        x, w = m.ones(3, requires_grad=True), m.ones(3, requires_grad=True)
        return m.autograd.grad((x * 2).sum(), [x, w], allow_unused=True)
    same(allowed)

    def materialized(m):
        x, w = m.ones(3, requires_grad=True), m.ones(3, requires_grad=True)
        return m.autograd.grad((x * 2).sum(), [x, w], materialize_grads=True)
    same(materialized)


def test_hessian_of_x_cubed_sin_y():
    def prog(m):
        x, y = f64(m, [0.5, 1.5, -2.0]), f64(m, [0.3, -0.7, 1.1])
        out = (x ** 3 * m.sin(y)).sum()
        gx, gy = m.autograd.grad(out, (x, y), create_graph=True)
        rows = [m.autograd.grad(g[i], (x, y), retain_graph=True) for g in (gx, gy) for i in range(3)]
        return gx, gy, rows
    same(prog, atol=1e-12, rtol=1e-10)


def test_hessian_vector_product():
    def prog(m):
        x = f64(m, [0.5, -1.5, 2.0])
        v = f64(m, [1.0, 0.5, -2.0], requires_grad=False)
        g, = m.autograd.grad((m.tanh(x) * x ** 2).sum(), x, create_graph=True)
        hv, = m.autograd.grad(g, x, v)
        return g, hv
    same(prog, atol=1e-12, rtol=1e-10)


def test_gradient_penalty():
    def prog(m):
        w = f64(m, [[0.5, -1.0], [2.0, 0.3]])
        x = f64(m, [[1.0, 2.0], [3.0, -1.0]])
        out = m.tanh(x @ w).sum()
        g, = m.autograd.grad(out, x, create_graph=True)
        norm = ((g * g).sum(1)) ** 0.5
        penalty = ((norm - 1) ** 2).mean()
        penalty.backward()
        return penalty, w.grad, x.grad
    same(prog, atol=1e-12, rtol=1e-10)


def test_double_and_triple_backward():
    def prog(m):
        x = f64(m, 0.7)
        y = m.sin(x) * x ** 2
        g1, = m.autograd.grad(y, x, create_graph=True)
        g2, = m.autograd.grad(g1, x, create_graph=True)
        g2.backward()
        return g1, g2, x.grad
    same(prog, atol=1e-12, rtol=1e-10)

    def backward_create_graph(m):
        x = f64(m, [1.0, 2.0])
        (x ** 3).sum().backward(create_graph=True)
        g = x.grad
        gg, = m.autograd.grad(g.sum(), x)
        return g.detach(), g.requires_grad, gg
    same(backward_create_graph)


# -- graph structure ---------------------------------------------------------------------------
def test_grad_fn_names_and_next_functions():
    def prog(m):
        x = m.ones(2, requires_grad=True)
        y = (x.exp() + 1).sum()
        names, fn = [], y.grad_fn
        while fn is not None:
            names.append(fn.name())
            fn = fn.next_functions[0][0] if fn.next_functions else None
        z = x * 2
        (acc, nr), (none, nr2) = z.grad_fn.next_functions
        return names, type(acc).__name__, acc.variable is x, nr, none, acc.next_functions
    same(prog)

    def both_edges(m):
        x = m.ones(2, requires_grad=True)
        y = x * x
        (a, _), (b, _) = y.grad_fn.next_functions
        return y.grad_fn.name(), a is b, x.grad_fn, y.is_leaf
    same(both_edges)


def test_requires_grad_propagation():
    def prog(m):
        x = m.ones(2, requires_grad=True)
        c = m.ones(2)
        return ((x * c).requires_grad, (c * 2).requires_grad, (x > 0).requires_grad,
                (x * 2).long().requires_grad, x.detach().requires_grad, (x.detach() * c).grad_fn is None)
    same(prog)


# -- detach, requires_grad_, retain_grad ------------------------------------------------------------
def test_detach_shares_memory_and_version():
    def prog(m):
        x = m.tensor([1., 2.], requires_grad=True)
        y = x * 2
        d = y.detach()
        d.add_(1)
        return y, d.requires_grad, d.is_leaf, y._version
    same(prog)

    def detach_inplace(m):
        x = m.tensor([1., 2.], requires_grad=True)
        y = x * 2
        y.detach_()
        return y.requires_grad, y.is_leaf, y.grad_fn
    same(detach_inplace)
    same_error(lambda m: m.ones(3, requires_grad=True)[1:].detach_(), "Can't detach views in-place")


def test_requires_grad_rules():
    same_error(lambda m: m.tensor([1, 2]).requires_grad_(), "only Tensors of floating point dtype can require")
    same_error(lambda m: m.tensor([1, 2], requires_grad=True), "Only Tensors of floating point and complex dtype")

    def non_leaf(m):
        (m.ones(2, requires_grad=True) * 2).requires_grad_(False)
    same_error(non_leaf, "you can only change requires_grad flags of leaf variables")

    def setter(m):
        x = m.ones(2)
        x.requires_grad = True
        y = (x * 2).requires_grad_(True)  # a no-op on a non-leaf that requires grad
        return x.requires_grad, y.requires_grad
    same(setter)


# -- hooks -----------------------------------------------------------------------------------------
def test_tensor_hooks_order_replacement_and_remove():
    def prog(m):
        x = m.ones(2, requires_grad=True)
        y = x * 2
        seen = []
        y.register_hook(lambda g: seen.append(("y1", g.clone())) or g * 10)
        y.register_hook(lambda g: seen.append(("y2", g.clone())))
        h = x.register_hook(lambda g: seen.append(("x", g.clone())))
        y.sum().backward(retain_graph=True)
        h.remove()
        y.sum().backward()
        return seen, x.grad
    same(prog)


def test_retain_grad_sees_hooked_gradient():
    def prog(m):
        x = m.ones(2, requires_grad=True)
        y = x * 2
        y.retain_grad()
        y.register_hook(lambda g: g * 3)  # registered after retain_grad, still runs before it
        (y * y).sum().backward()
        return y.grad, x.grad
    same(prog)


def test_leaf_hook_changes_grad_and_autograd_grad():
    def prog(m):
        x = m.ones(2, requires_grad=True)
        x.register_hook(lambda g: g * 5)
        g, = m.autograd.grad((x * 3).sum(), x)
        (x * 3).sum().backward()
        return g, x.grad
    same(prog)
    same_error(lambda m: m.ones(2).register_hook(print), "cannot register a hook on a tensor that doesn't require")
    same_error(lambda m: m.ones(2).retain_grad(), "can't retain_grad on Tensor that has requires_grad=False")


# -- version counter and in-place ops ------------------------------------------------------------------
MODIFIED = "one of the variables needed for gradient computation has been modified by an inplace operation"


def test_modified_saved_tensor_raises():
    def saved_input(m):
        x = m.ones(3, requires_grad=True)
        a = x * 2
        b = a * x
        a.mul_(2)
        b.sum().backward()
    same_error(saved_input, MODIFIED + ": [torch.FloatTensor [3]], which is output 0 of Mul, is at version 1")

    def saved_output(m):
        x = m.ones(3, requires_grad=True)
        b = x.exp()
        b.add_(1)
        b.sum().backward()
    same_error(saved_output, "which is output 0 of Exp, is at version 1; expected version 0 instead")

    def saved_leaf(m):
        x = m.ones(3, requires_grad=True)
        w = m.ones(3)
        b = x * w
        w.add_(1)
        b.sum().backward()
    same_error(saved_leaf, MODIFIED + ": [torch.FloatTensor [3]] is at version 1; expected version 0")

    def not_saved(m):  # exp saves its output, not its input: modifying the input is fine
        x = m.ones(3, requires_grad=True)
        a = x * 2
        b = a.exp()
        a.add_(1)
        b.sum().backward()
        return x.grad
    same(not_saved)

    def modified_before_use(m):  # a saved tensor changed in place BEFORE the op is at its saved version
        w = m.ones(3)
        w.add_(1)
        x = m.ones(3, requires_grad=True)
        b = (w * x).sum()
        m.zeros(2).add_(1)  # an unrelated in-place op in between
        b.backward()
        return x.grad
    same(modified_before_use)


def test_inplace_on_leaf_requires_no_grad():
    same_error(lambda m: m.ones(2, requires_grad=True).add_(1),
               "a leaf Variable that requires grad is being used in an in-place operation.")
    same_error(lambda m: m.ones(3, requires_grad=True)[1:].mul_(2),
               "a view of a leaf Variable that requires grad is being used in an in-place operation.")

    def under_no_grad(m):
        a = m.tensor([1., 2., 3.], requires_grad=True)
        with m.no_grad():
            a.mul_(2)
            a[0] = 10.
        return a, a.is_leaf, a._version
    same(under_no_grad)


def test_inplace_on_non_leaf_is_recorded():
    def prog(m):
        a = m.tensor([1., 2., 3.], requires_grad=True)
        y = m.tensor([0.5, -1., 2.], requires_grad=True)
        x = a * 2
        x.add_(1)
        x.mul_(y)
        x.sum().backward()
        return a.grad, y.grad, x.grad_fn.name(), x._version
    same(prog)


def test_setitem_on_non_leaf_is_recorded():
    def element(m):
        a = m.tensor([1., 2., 3.], requires_grad=True)
        v = m.tensor(5., requires_grad=True)
        x = a * 2
        x[1] = v * 3
        (x * x).sum().backward()
        return a.grad, v.grad
    same(element)

    def slices(m):
        a = m.arange(6.).reshape(2, 3).requires_grad_()
        v = m.tensor([5., 6., 7.], requires_grad=True)
        x = a * 2
        x[0] = v
        x[:, 1] *= 3
        (x * x).sum().backward()
        return x, a.grad, v.grad
    same(slices)


def test_inplace_on_view_of_non_leaf_rewrites_base():
    def prog(m):
        a = m.tensor([[1., 2., 3.], [4., 5., 6.]], requires_grad=True)
        w = m.tensor([0.5, -2.], requires_grad=True)
        x = a * 2
        v = x.t()[1:]        # a view of a view, not contiguous
        v.mul_(w)
        x[1].zero_()
        row = x[0]
        (x * x).sum().backward(retain_graph=True)
        g_row, = m.autograd.grad((row * m.tensor([1., 2., 3.])).sum(), a)
        return x, a.grad, w.grad, g_row
    same(prog)

    def base_without_grad(m):  # a buffer filled with values that require grad
        w = m.tensor([1., 2.], requires_grad=True)
        buf = m.zeros(2, 2)
        buf[0].add_(w * 3)
        buf[1] = w
        (buf * buf).sum().backward()
        return buf.requires_grad, w.grad
    same(base_without_grad)


def test_inplace_failure_leaves_tensor_unchanged():
    def prog(m):
        a = m.tensor([1., 2., 3.], requires_grad=True)
        x = a * 2
        try:
            x.add_(m.ones(4))
        except RuntimeError:
            pass
        x.sum().backward()
        return x, x._version, a.grad
    same(prog)


def test_deepcopy_after_backward_gives_the_copy_its_own_gradients():
    """A leaf's cached graph edge must not travel with a deepcopy: the copy's gradients land on it."""
    import copy

    w = ember.ones(3, requires_grad=True)
    (w * 2).sum().backward()
    w2 = copy.deepcopy(w)
    (w2 * 3).sum().backward()
    assert w.grad.tolist() == [2.0, 2.0, 2.0]  # untouched by the copy's backward
    assert w2.grad.tolist() == [5.0, 5.0, 5.0]  # its copied .grad (2) plus its own (3), as in PyTorch


def test_hook_writing_into_an_expanded_gradient_raises_as_in_pytorch():
    """sum's gradient is one element broadcast (no copy); writing into it in a hook raises
    PyTorch's overlap error rather than multiplying that one element over and over."""
    def prog(m):
        x = m.ones(4, requires_grad=True)
        y = x * 1
        y.register_hook(lambda g: g.mul_(2) and None)
        y.sum().backward()

    same_error(prog, "more than one element of the written-to tensor refers to a single memory location")


def test_relu_gradient_is_zero_where_masked_even_for_nan_upstream():
    """relu's fast masked gradient must still give PyTorch's 0 (not NaN) where x <= 0."""
    def prog(m):
        x = m.tensor([-1.0, 0.0, 2.0, 3.0], requires_grad=True)
        m.relu(x).backward(m.tensor([float("nan"), 1.0, float("nan"), 1.0]))
        return x.grad

    same(prog)


def test_leaf_gradients_never_share_memory():
    # the engine hands a leaf the rule's own array when no one else holds it (no copy); an
    # array that reaches two leaves (a + b) or that is the incoming gradient must be copied
    import ember as m

    a, b = m.ones(3, requires_grad=True), m.ones(3, requires_grad=True)
    (a + b).sum().backward()
    a.grad.add_(1)
    assert b.grad.tolist() == [1.0, 1.0, 1.0]
    w = m.ones(2, 3, requires_grad=True)
    x = m.ones(4, 3)
    out = x @ w.T
    out.backward(m.ones(4, 2))
    g0 = w.grad.clone()
    out2 = x @ w.T
    out2.backward(m.ones(4, 2))  # accumulates in place into the stolen array
    assert w.grad.tolist() == (2 * g0).tolist()
    c = m.ones(3, requires_grad=True)
    (c * 2 + c * 3).sum().backward()
    assert c.grad.tolist() == [5.0, 5.0, 5.0]


@pytest.mark.parametrize("op", ["index", "bool_index", "max", "max_dim", "amax", "add"])
def test_second_backward_through_nodes_that_keep_indices(op):
    # nodes that keep indices or masks (not tensors) free them like saved tensors: a second
    # backward raises as in PyTorch; nodes that keep nothing (add) run again
    fns = {"index": lambda x: x[[0, 1]].sum(), "bool_index": lambda x: x[x > 1].sum(),
           "max": lambda x: x.max(), "max_dim": lambda x: x.max(0)[0].sum(), "amax": lambda x: x.amax(0).sum(),
           "add": lambda x: (x + 1).sum()}

    def prog(m):
        x = m.tensor([1.0, 3.0, 2.0], requires_grad=True)
        y = fns[op](x)
        y.backward()
        y.backward()
        return x.grad
    if op == "add":
        same(prog)
    else:
        same_error(prog, "Trying to backward through the graph a second time")
