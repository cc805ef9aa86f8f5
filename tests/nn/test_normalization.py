"""BatchNorm1d/2d/3d, LayerNorm, GroupNorm and RMSNorm against PyTorch: the torch module's
state_dict is copied into the ember module, then outputs, the gradients of the input and of
every parameter (random upstream gradient) and the running statistics are compared over several
training steps and in eval mode; plus reprs, state_dict keys, defaults, double backward and the
errors. (The functional forms are in the op database: tests/opinfo/nn_losses.py.)"""
import warnings

import numpy as np
import pytest
import torch

import ember
from tests.pairs import load_from_torch, same_error

nn = ember.nn


_load = load_from_torch
def _tol(dtype):
    return dict(rtol=2e-5, atol=2e-5) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)


def _step(tm, em, a, seed, dtype):
    """One forward/backward on array ``a``: outputs, input and parameter gradients must agree."""
    tol = _tol(dtype)
    tx = torch.from_numpy(a.copy()).requires_grad_(True)
    ex = ember.from_numpy(a.copy()).requires_grad_(True)
    ty, ey = tm(tx), em(ex)
    assert tuple(ey.shape) == tuple(ty.shape) and str(ey.dtype) == str(ty.dtype)
    assert ey.grad_fn.name() == ty.grad_fn.name() or "Rms" in ey.grad_fn.name()
    np.testing.assert_allclose(ey.detach().numpy(), ty.detach().numpy(), **tol)
    up = np.random.default_rng(seed).standard_normal(a.shape).astype(a.dtype)
    tg = torch.autograd.grad(ty, [tx] + list(tm.parameters()), torch.from_numpy(up))
    eg = ember.autograd.grad(ey, [ex] + list(em.parameters()), ember.from_numpy(up))
    for i, (e, t) in enumerate(zip(eg, tg)):
        np.testing.assert_allclose(e.numpy(), t.numpy(), err_msg=f"grad {i}", **tol)


def _same_state(tm, em, dtype):
    ts, es = tm.state_dict(), em.state_dict()
    assert list(es) == list(ts)
    for k in ts:
        assert str(es[k].dtype) == str(ts[k].dtype), k
        np.testing.assert_allclose(es[k].numpy(), ts[k].numpy(), err_msg=k, **_tol(dtype))


def _pair(name, *args, dtype="float64", **kw):
    tm, em = getattr(torch.nn, name)(*args, **kw), getattr(nn, name)(*args, **kw)
    if dtype == "float64":
        tm, em = tm.double(), em.double()
    rng = np.random.default_rng(1)
    with torch.no_grad():  # non-trivial affine parameters
        for p in tm.parameters():
            p.copy_(torch.from_numpy(rng.standard_normal(tuple(p.shape))))
    _load(em, tm)
    return tm, em


# -- BatchNorm -----------------------------------------------------------------------------------------
BN_CASES = [("BatchNorm1d", (6, 3)), ("BatchNorm1d", (4, 3, 5)), ("BatchNorm2d", (2, 3, 4, 3)),
            ("BatchNorm3d", (2, 3, 2, 2, 3))]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,shape", BN_CASES, ids=[f"{n}-{len(s)}d" for n, s in BN_CASES])
@pytest.mark.parametrize("momentum", [0.1, None, 0.5])
def test_batchnorm_train_then_eval(name, shape, momentum, dtype):
    tm, em = _pair(name, 3, momentum=momentum, dtype=dtype)
    rng = np.random.default_rng(2)
    for step in range(4):  # the running statistics follow torch's step by step
        a = (rng.standard_normal(shape) * 2 + 1).astype(dtype)
        _step(tm, em, a, step, dtype)
        _same_state(tm, em, dtype)
    tm.eval(), em.eval()
    for step in range(2):
        _step(tm, em, rng.standard_normal(shape).astype(dtype), 10 + step, dtype)
    _same_state(tm, em, dtype)
    assert int(em.num_batches_tracked) == 4


@pytest.mark.parametrize("kw", [dict(affine=False), dict(bias=False), dict(track_running_stats=False),
                                dict(affine=False, track_running_stats=False), dict(eps=1e-2)])
def test_batchnorm_options(kw):
    tm, em = _pair("BatchNorm1d", 4, **kw)
    rng = np.random.default_rng(3)
    for step in range(2):
        _step(tm, em, rng.standard_normal((5, 4, 3)), step, "float64")
        _same_state(tm, em, "float64")
    tm.eval(), em.eval()  # without running statistics, eval mode still uses the batch's
    _step(tm, em, rng.standard_normal((5, 4, 3)), 9, "float64")
    assert repr(em) == repr(tm)


def test_batchnorm_eval_batch_of_one_and_noncontiguous():
    tm, em = _pair("BatchNorm2d", 3)
    tm.eval(), em.eval()
    _step(tm, em, np.random.default_rng(0).standard_normal((1, 3, 2, 2)), 0, "float64")
    tm.train(), em.train()
    a = np.random.default_rng(1).standard_normal((4, 3, 5, 2))
    tx = torch.from_numpy(a).transpose(-1, -2)
    ex = ember.from_numpy(a).transpose(-1, -2)
    np.testing.assert_allclose(em(ex).detach().numpy(), tm(tx).detach().numpy(), atol=1e-12)


def test_batchnorm_defaults_repr_state_dict():
    for name in ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d"]:
        for kw in [{}, dict(momentum=None, affine=False), dict(track_running_stats=False, bias=False)]:
            tm, em = getattr(torch.nn, name)(5, **kw), getattr(nn, name)(5, **kw)
            assert repr(em) == repr(tm)
            assert list(em.state_dict()) == list(tm.state_dict())
            assert [n for n, _ in em.named_parameters()] == [n for n, _ in tm.named_parameters()]
            _same_state(tm, em, "float32")
    em = nn.BatchNorm1d(3)
    assert em.num_batches_tracked.dtype == ember.int64 and em.num_batches_tracked.shape == ()
    assert em.running_mean.requires_grad is False and em.weight.requires_grad
    em.running_mean.fill_(3.0)
    em.num_batches_tracked.fill_(7)
    em.reset_running_stats()
    assert em.running_mean.tolist() == [0.0] * 3 and int(em.num_batches_tracked) == 0


def test_batchnorm_loads_checkpoints_without_num_batches_tracked():
    for m in (torch, ember):
        for metadata in ({"": {"version": 1}}, None):  # written before version 2 added the counter
            sd = m.nn.BatchNorm1d(3).state_dict()
            del sd["num_batches_tracked"]
            if metadata is None:
                sd = dict(sd)  # no metadata at all counts as old too
            else:
                sd._metadata = metadata
            bn = m.nn.BatchNorm1d(3)
            bn.num_batches_tracked.fill_(5)
            bn.load_state_dict(sd)
            assert int(bn.num_batches_tracked) == 5  # kept, not an error

    def current(m):  # a version-2 checkpoint must have it
        sd = m.nn.BatchNorm1d(3).state_dict()
        del sd["num_batches_tracked"]
        m.nn.BatchNorm1d(3).load_state_dict(sd)
    same_error(current, 'Missing key(s) in state_dict: "num_batches_tracked"')


def test_batchnorm_double_backward():
    x = ember.randn(4, 3, dtype=ember.float64, requires_grad=True)
    bn = nn.BatchNorm1d(3).double()
    w, b = bn.weight, bn.bias
    with ember.no_grad():
        w.uniform_(0.5, 1.5), b.uniform_(-1, 1)
    assert ember.autograd.gradgradcheck(lambda x, w, b: ember.nn.functional.batch_norm(x, None, None, w, b, True),
                                        (x, w, b))


def test_batchnorm_errors():
    same_error(lambda m: m.nn.BatchNorm1d(3)(m.randn(2, 3, 4, 5)), "expected 2D or 3D input (got 4D input)",
               ValueError)
    same_error(lambda m: m.nn.BatchNorm2d(3)(m.randn(2, 3, 4)), "expected 4D input (got 3D input)", ValueError)
    same_error(lambda m: m.nn.BatchNorm3d(3)(m.randn(2, 3, 4)), "expected 5D input (got 3D input)", ValueError)
    same_error(lambda m: m.nn.BatchNorm1d(3)(m.randn(1, 3)),
               "Expected more than 1 value per channel when training, got input size torch.Size([1, 3])", ValueError)
    same_error(lambda m: m.nn.BatchNorm1d(3)(m.randn(1, 3, 1)), "got input size torch.Size([1, 3, 1])", ValueError)
    same_error(lambda m: m.nn.BatchNorm1d(3)(m.randn(2, 4)), "running_mean should contain 4 elements not 3")
    same_error(lambda m: m.nn.functional.batch_norm(m.randn(2, 4), m.zeros(4), m.ones(4), m.ones(3)),
               "weight should contain 4 elements not 3")
    same_error(lambda m: m.nn.functional.batch_norm(m.randn(2, 4), m.zeros(4), m.ones(4), None, m.ones(2)),
               "bias should contain 4 elements not 2")
    same_error(lambda m: m.nn.functional.batch_norm(m.randn(2, 4), None, None),
               "running_mean must be defined in evaluation mode")
    same_error(lambda m: m.nn.functional.batch_norm(m.randn(2, 4), None, None, training=True, eps=0.0),
               "batch_norm eps must be positive during training, but got 0.0", ValueError)


# -- LayerNorm, GroupNorm, RMSNorm -----------------------------------------------------------------
NORM_CASES = [
    ("LayerNorm", (4,), {}, (2, 3, 4)), ("LayerNorm", ((3, 4),), {}, (2, 3, 4)), ("LayerNorm", ([5],), {}, (5,)),
    ("LayerNorm", (4,), dict(bias=False), (3, 4)), ("LayerNorm", (4,), dict(elementwise_affine=False), (3, 4)),
    ("LayerNorm", (4,), dict(eps=1e-2), (6, 4)),
    ("GroupNorm", (2, 6), {}, (2, 6, 3)), ("GroupNorm", (3, 6), {}, (2, 6, 2, 2)), ("GroupNorm", (1, 4), {}, (3, 4)),
    ("GroupNorm", (4, 4), dict(affine=False), (2, 4, 5)), ("GroupNorm", (2, 4), dict(bias=False), (2, 4, 5)),
    ("RMSNorm", (4,), {}, (2, 3, 4)), ("RMSNorm", ([3, 4],), dict(eps=1e-3), (2, 3, 4)),
    ("RMSNorm", (4,), dict(elementwise_affine=False), (5, 4)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,args,kw,shape", NORM_CASES,
                         ids=[f"{n}{a}{sorted(k)}-{s}".replace(" ", "") for n, a, k, s in NORM_CASES])
def test_norm_layers_match_torch(name, args, kw, shape, dtype):
    tm, em = _pair(name, *args, dtype=dtype, **kw)
    assert repr(em) == repr(tm)
    assert list(em.state_dict()) == list(tm.state_dict())
    rng = np.random.default_rng(4)
    for step, train in enumerate([True, False]):  # no running state: train and eval agree
        tm.train(train), em.train(train)
        _step(tm, em, (rng.standard_normal(shape) * 3 - 1).astype(dtype), step, dtype)


def test_norm_layer_defaults():
    for name, args in [("LayerNorm", (5,)), ("GroupNorm", (2, 6)), ("RMSNorm", ([2, 3],))]:
        tm, em = getattr(torch.nn, name)(*args), getattr(nn, name)(*args)
        _same_state(tm, em, "float32")
        assert repr(em) == repr(tm)
    assert nn.LayerNorm(5).normalized_shape == (5,) and nn.RMSNorm([2, 3]).normalized_shape == (2, 3)


def test_norm_layer_double_backward():
    x = ember.randn(2, 6, 2, dtype=ember.float64, requires_grad=True)
    w = ember.rand(6, dtype=ember.float64, requires_grad=True)
    b = ember.rand(6, dtype=ember.float64, requires_grad=True)
    F = ember.nn.functional
    assert ember.autograd.gradgradcheck(lambda x, w, b: F.group_norm(x, 3, w, b), (x, w, b))
    assert ember.autograd.gradgradcheck(lambda x, w, b: F.layer_norm(x, (2,), w[:2], b[:2]), (x, w, b))
    assert ember.autograd.gradgradcheck(lambda x, w: F.rms_norm(x, (6, 2), w.reshape(6, 1).expand(6, 2)), (x, w))


def test_norm_layer_errors():
    same_error(lambda m: m.nn.LayerNorm(5)(m.randn(2, 3, 4)),
               "Given normalized_shape=[5], expected input with shape [*, 5], but got input of size[2, 3, 4]")
    same_error(lambda m: m.nn.functional.layer_norm(m.randn(2, 3), (3,), m.ones(4)),
               "Expected weight to be of same shape as normalized_shape, but got weight of shape [4] and "
               "normalized_shape = [3]")
    same_error(lambda m: m.nn.functional.layer_norm(m.randn(2, 3), 3), "must be tuple of ints, not int", TypeError)
    same_error(lambda m: m.nn.RMSNorm([2, 4])(m.randn(2, 3, 4)),
               "Given normalized_shape=[2, 4], expected input with shape [*2, 4], but got input of size[2, 3, 4]")
    same_error(lambda m: m.nn.GroupNorm(4, 6), "num_channels (6) must be divisible by num_groups (4)", ValueError)
    same_error(lambda m: m.nn.functional.group_norm(m.randn(2, 6, 4), 4),
               "Expected number of channels in input to be divisible by num_groups, but got input of shape "
               "[2, 6, 4] and num_groups=4")
    same_error(lambda m: m.nn.functional.group_norm(m.randn(2, 6, 4), 3, m.ones(5)),
               "Expected weight to be a vector of size equal to the number of channels in input, but got weight "
               "of shape [5] and input of shape [2, 6, 4]")
    same_error(lambda m: m.nn.functional.group_norm(m.randn(4), 2),
               "Expected at least 2 dimensions for input tensor but received 1")
    same_error(lambda m: m.nn.GroupNorm(2, 2)(m.randn(1, 2)),
               "Expected more than 1 value per channel when training, got input size [1, 2]", ValueError)
    same_error(lambda m: m.nn.functional.instance_norm(m.randn(2, 4, 1)),
               "Expected more than 1 spatial element when training, got input size torch.Size([2, 4, 1])",
               ValueError)


def test_instance_norm_running_stats():
    rng = np.random.default_rng(6)
    a = rng.standard_normal((3, 2, 5))
    out = {}
    for m in (torch, ember):
        rm, rv = m.zeros(2, dtype=m.float64), m.ones(2, dtype=m.float64)
        y = m.nn.functional.instance_norm(m.tensor(a), rm, rv, momentum=0.3)
        y2 = m.nn.functional.instance_norm(m.tensor(a), rm, rv, use_input_stats=False)
        out[m.__name__] = [t.numpy() for t in (y, y2, rm, rv)]
    for e, t in zip(out["ember"], out["torch"]):
        np.testing.assert_allclose(e, t, atol=1e-12)


def test_rms_norm_default_eps_is_the_dtype_epsilon():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = np.full((2, 3), 1e-4)
        for dt in ("float32", "float64"):
            e = ember.nn.functional.rms_norm(ember.from_numpy(x.astype(dt)), (3,))
            t = torch.nn.functional.rms_norm(torch.from_numpy(x.astype(dt)), (3,))
            np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-5)
