"""Reductions and linear algebra: what the op database cannot express. Return types
(``max(dim)``'s named tuple), result dtypes, views, grad_fn names, and the errors, whose
type and message are compared with PyTorch's own."""
import numpy as np
import pytest
import torch

import ember


def _pair(*arrays):
    """The same float64 arrays as ember and torch tensors."""
    return [ember.tensor(a) for a in arrays], [torch.tensor(a) for a in arrays]


def same_error(fn, *arrays):
    """``fn(m, *tensors)`` raises the same exception type with the same message in both libraries."""
    e_in, t_in = _pair(*arrays)
    with pytest.raises(Exception) as t_err:
        fn(torch, *t_in)
    with pytest.raises(Exception) as e_err:
        fn(ember, *e_in)
    assert type(e_err.value).__name__ == type(t_err.value).__name__, (e_err.value, t_err.value)
    t_msg = str(t_err.value).split("\n")[0]
    assert str(e_err.value).split("\n")[0] == t_msg


# -- return types -----------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["max", "min", "median"])
def test_dim_reduction_returns_values_and_indices(name):
    x = ember.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
    r = getattr(x, name)(1)
    values, indices = r  # tuple unpacking
    assert r.values is values and r.indices is indices and r[0] is values
    assert isinstance(r, tuple) and len(r) == 2
    assert indices.dtype == ember.int64
    t = getattr(torch.tensor(x.numpy()), name)(1)
    np.testing.assert_array_equal(indices.numpy(), t.indices.numpy())
    assert repr(r).startswith(f"torch.return_types.{name}(\nvalues=tensor(")
    k = getattr(ember, name)(x, dim=0, keepdim=True)
    assert k.values.shape == (1, 3) and k.indices.shape == (1, 3)


def test_full_max_is_a_tensor_and_aminmax_names_fields():
    x = ember.tensor([[1.0, 5.0], [-3.0, 2.0]])
    assert isinstance(x.max(), ember.Tensor) and x.max().shape == ()
    mn, mx = ember.aminmax(x)
    assert ember.aminmax(x).min.item() == mn.item() == -3.0 and mx.item() == 5.0


def test_result_dtypes():
    i = ember.tensor([[1, 2], [3, 4]], dtype=ember.int32)
    b = ember.tensor([True, False, True])
    u = ember.tensor([1, 0, 2], dtype=ember.uint8)
    assert ember.argmax(ember.randn(3, 4)).dtype == ember.int64
    assert ember.argmin(i, 0).dtype == ember.int64
    assert i.sum().dtype == i.prod().dtype == i.cumsum(0).dtype == i.cumprod(1).dtype == ember.int64
    assert b.sum().dtype == b.prod().dtype == b.cumsum(0).dtype == ember.int64
    assert i.max().dtype == i.amax(0).dtype == ember.int32
    assert b.any().dtype == i.all(1).dtype == ember.bool
    assert u.all().dtype == u.any(0).dtype == ember.uint8  # PyTorch keeps uint8
    assert ember.count_nonzero(i, 0).dtype == ember.int64
    assert ember.logsumexp(i, 1).dtype == ember.float32
    assert ember.mm(i, i).dtype == ember.int32 and ember.trace(i).dtype == ember.int64


def test_empty_reductions():
    e = ember.zeros(0, 3)
    assert e.sum().item() == 0 and e.prod().item() == 1 and np.isnan(e.mean().item())
    assert e.prod(0).tolist() == [1.0, 1.0, 1.0] and e.sum(1).shape == (0,)
    assert e.all().item() is True and e.any().item() is False
    assert e.logsumexp(0).tolist() == [-float("inf")] * 3 and e.norm().item() == 0
    assert e.max(1).values.shape == (0,) and e.amax(1).shape == (0,)


def test_var_legacy_and_keyword_forms():
    x = np.random.default_rng(0).standard_normal((3, 4))
    (ex,), (tx,) = _pair(x)
    for fn in [lambda m, t: m.var(t, 1, True, True), lambda m, t: t.std(0, unbiased=False),
               lambda m, t: m.var(t, dim=[0, 1], correction=0), lambda m, t: m.std_mean(t, 1)[0],
               lambda m, t: m.var_mean(t, False)[0]]:
        np.testing.assert_allclose(fn(ember, ex).numpy(), fn(torch, tx).numpy(), rtol=1e-12)
    assert isinstance(ember.var_mean(ex), tuple)


def test_grad_fn_names():
    x = ember.randn(3, 4, requires_grad=True)
    v = ember.randn(4, requires_grad=True)
    B = ember.randn(2, 3, 3, requires_grad=True)
    names = {"ProdBackward0": x.prod(), "ProdBackward1": x.prod(1), "MaxBackward1": x.max(),
             "MaxBackward0": x.max(1).values, "MinBackward0": x.min(0)[0], "AmaxBackward0": x.amax(1),
             "VarBackward0": x.var(), "StdBackward0": x.std(1), "LinalgVectorNormBackward0": x.norm(),
             "LogsumexpBackward0": x.logsumexp(1), "CumsumBackward0": x.cumsum(0),
             "CumprodBackward0": x.cumprod(1), "MedianBackward0": x.median(), "MedianBackward1": x.median(0)[0],
             "MmBackward0": ember.mm(x.T, x), "BmmBackward0": ember.bmm(B, B), "MvBackward0": ember.mv(x, v),
             "DotBackward0": ember.dot(v, v), "DiagonalBackward0": x.diagonal(),
             "EinsumBackward0": ember.einsum("ij->j", x)}
    for name, t in names.items():
        assert t.grad_fn.name() == name


def test_diagonal_is_a_writable_view():
    x = ember.zeros(3, 4)
    d = x.diagonal(1)
    d.fill_(7)
    assert x.numpy()[[0, 1, 2], [1, 2, 3]].tolist() == [7, 7, 7] and x.sum().item() == 21
    assert d._base is x
    x[0, 1] = 5
    assert d[0].item() == 5


def test_prod_gradient_with_zeros_matches_torch():
    a = np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 4.0], [1.5, 2.0, -1.0]])
    for fn in [lambda t: t.prod(), lambda t: t.prod(1), lambda t: t.prod(0, keepdim=True), lambda t: t.cumprod(1)]:
        (e,), (t,) = _pair(a)
        e.requires_grad_(True)
        t.requires_grad_(True)
        fn(e).sum().backward()
        fn(t).sum().backward()
        np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy())


def test_einsum_call_styles_agree():
    a, b = ember.randn(2, 3), ember.randn(3, 4)
    r1, r2, r3 = ember.einsum("ij,jk->ik", a, b), ember.einsum("ij,jk", [a, b]), ember.einsum("ij,jk->ik", (a, b))
    np.testing.assert_allclose(r1.numpy(), r2.numpy())
    np.testing.assert_allclose(r1.numpy(), r3.numpy())
    np.testing.assert_allclose(r1.numpy(), (a @ b).numpy(), rtol=1e-6)


def test_unsupported_arguments_name_themselves():
    with pytest.raises(NotImplementedError, match="nuc"):
        ember.norm(ember.randn(2, 2), "nuc")
    with pytest.raises(NotImplementedError, match="negative"):
        ember.matrix_power(ember.randn(2, 2), -1)


# -- errors: type and message as in PyTorch ------------------------------------------------------------
R = np.random.default_rng(0)
M23, M45, M34, V3, V4 = (R.standard_normal(s) for s in [(2, 3), (4, 5), (3, 4), (3,), (4,)])
B234, B345, E03 = R.standard_normal((2, 3, 4)), R.standard_normal((3, 4, 5)), np.zeros((0, 3))

ERRORS = [
    # reductions
    (lambda m, x: m.max(x), [E03]),
    (lambda m, x: m.min(x), [E03]),
    (lambda m, x: x.max(0), [E03]),
    (lambda m, x: x.amax(), [E03]),
    (lambda m, x: m.amin(x, 0), [E03]),
    (lambda m, x: m.argmax(x), [E03]),
    (lambda m, x: x.argmin(0), [E03]),
    (lambda m, x: m.aminmax(x), [E03]),
    (lambda m, x: x.median(0), [E03]),
    (lambda m, x: m.max(x, 2), [M23]),
    (lambda m, x: x.sum(-3), [M23]),
    (lambda m, x: x.amax((0, 0)), [M23]),
    (lambda m, x: m.cumsum(x, 2), [M23]),
    (lambda m, x: x.argmax(), [M23 > 0]),
    (lambda m, x: x.long().var(), [M23]),
    (lambda m, x: x.long().std(0), [M23]),
    (lambda m, x: x.long().norm(), [M23]),
    (lambda m, x: x.int().mean(), [M23]),
    (lambda m, x: x.long().nanmean(), [M23]),
    (lambda m, x: m.norm(x, float("inf")), [E03]),
    (lambda m, x: m.norm(x, "fro", (0, 1, 2)), [B234]),
    (lambda m, x: m.norm(x, "abc"), [M23]),
    (lambda m, x: x.bool().median(), [M23]),
    # matrix products
    (lambda m, a, b: m.mm(a, b), [M23, M45]),
    (lambda m, a, b: m.mm(a, b), [M23, V3]),
    (lambda m, a, b: a.mm(b), [B234, M45]),
    (lambda m, a, b: m.mm(a, b.float()), [M23, M34]),
    (lambda m, a, b: m.bmm(a, b), [B234, B345]),
    (lambda m, a, b: m.bmm(a, b), [M23, M23]),
    (lambda m, a, b: m.bmm(a, b.float()), [B234, B234.transpose(0, 2, 1)]),
    (lambda m, a, v: m.mv(a, v), [M23, V4]),
    (lambda m, a, v: m.mv(a, v), [M23, M23]),
    (lambda m, a, v: m.mv(a, v.float()), [M23, V3]),
    (lambda m, a, b: m.dot(a, b), [V3, V4]),
    (lambda m, a, b: m.dot(a, b), [M23, M23]),
    (lambda m, a, b: m.dot(a.float(), b), [V3, V3]),
    (lambda m, a, b: m.dot(a.bool(), b.bool()), [V3, V3]),
    (lambda m, a, b: m.outer(a, b), [M23, V3]),
    (lambda m, a, b: m.outer(a, b), [V3, M23]),
    (lambda m, c, a, b: m.addmm(c, a, b), [V3, M23, M34]),
    # einsum and tensordot
    (lambda m, a, b: m.einsum("ij,jk", a, b), [M23, M45]),
    (lambda m, a: m.einsum("ij", a, a), [M23]),
    (lambda m, a: m.einsum("ij,jk->ik", a), [M23]),
    (lambda m, a: m.einsum("ijk", a), [M23]),
    (lambda m, a: m.einsum("i$", a), [V3]),
    (lambda m, a: m.einsum("i->j", a), [V3]),
    (lambda m, a: m.einsum("ii->ii", a), [M23[:, :2].T @ M23[:, :2]]),
    (lambda m, a: m.einsum("ii", a), [M23]),
    (lambda m, a: m.einsum("ijk...", a), [M23]),
    (lambda m, a, b: m.tensordot(a, b, 1), [M23, M45]),
    (lambda m, a, b: m.tensordot(a, b, -1), [M23, M45]),
    (lambda m, a, b: m.tensordot(a, b, ([0, 1], [1, 0])), [M23, M23]),
    (lambda m, a, b: m.tensordot(a, b, ([0], [0, 1])), [M23, M23]),
    # trace, diag, diagonal, matrix_power
    (lambda m, x: m.trace(x), [B234]),
    (lambda m, x: x.trace(), [V3]),
    (lambda m, x: x.bool().trace(), [M23]),
    (lambda m, x: m.diag(x), [B234]),
    (lambda m, x: m.diag(x), [np.array(1.0)]),
    (lambda m, x: m.diagonal(x, 0, 1, 1), [M23]),
    (lambda m, x: m.diagonal(x), [V3]),
    (lambda m, x: m.matrix_power(x, 2), [M23]),
]


@pytest.mark.parametrize("fn,arrays", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_errors_match_torch(fn, arrays):
    same_error(fn, *arrays)
