"""Activation layers and their functional forms against PyTorch: outputs, input (and PReLU weight)
gradients with a random upstream gradient, float32/float64, non-contiguous inputs, in-place
variants, second derivatives, reprs, node names, warnings and errors."""

import numpy as np
import pytest
import torch

import ember
from tests.pairs import same_error

# (class name, constructor args, input range): every activation layer and its settings
LAYERS = [
    ("ReLU", (), 2), ("ReLU", (True,), 2), ("ReLU6", (), 8), ("ReLU6", (True,), 8),
    ("LeakyReLU", (), 2), ("LeakyReLU", (0.2, True), 2), ("PReLU", (), 2), ("PReLU", (3, 0.1), 2),
    ("ELU", (), 3), ("ELU", (0.5, True), 3), ("SELU", (), 3), ("SELU", (True,), 3), ("CELU", (), 3),
    ("CELU", (2.0, True), 3), ("GELU", (), 4), ("GELU", ("tanh",), 4), ("SiLU", (), 5), ("SiLU", (True,), 5),
    ("Mish", (), 5), ("Mish", (True,), 5), ("Softplus", (), 5), ("Softplus", (2, 3), 5), ("Softsign", (), 3),
    ("Tanh", (), 3), ("Sigmoid", (), 5), ("Hardtanh", (), 2), ("Hardtanh", (-2, 0.5, True), 3),
    ("Hardsigmoid", (), 5), ("Hardsigmoid", (True,), 5), ("Hardswish", (), 5), ("Hardswish", (True,), 5),
    ("LogSigmoid", (), 6), ("Threshold", (0.1, 20), 2), ("Threshold", (0.1, 20, True), 2),
    ("Softmax", (1,), 3), ("Softmax", (-1,), 3), ("LogSoftmax", (1,), 3), ("LogSoftmax", (0,), 3),
    ("Softmin", (1,), 3), ("GLU", (), 2, [(4, 3, 6), (2, 2, 4)]), ("GLU", (1,), 2, [(4, 2, 3), (2, 4, 2, 3)]),
    ("Tanhshrink", (), 2), ("Softshrink", (), 2), ("Hardshrink", (0.3,), 2),
]
SHAPES = [(4, 3, 6), (2, 3, 4, 2), (5, 3)]


def _ids(case):
    return f"{case[0]}{case[1]}"


def _copy_params(tm, em):
    if tm.state_dict():
        em.load_state_dict({k: ember.from_numpy(v.detach().numpy().copy()) for k, v in tm.state_dict().items()})


def _tensor(m, a, noncontig):
    """A float leaf, run through ``* 1`` so in-place layers act on a non-leaf (as they must)."""
    if noncontig:
        t = m.from_numpy(np.ascontiguousarray(np.swapaxes(a, -1, -2)).copy()).transpose(-1, -2)
    else:
        t = m.from_numpy(a.copy())
    return t.requires_grad_(True)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", LAYERS, ids=_ids)
def test_layer_matches_torch(case, dtype):
    name, args, span = case[:3]
    shapes = case[3] if len(case) > 3 else SHAPES
    tm = getattr(torch.nn, name)(*args)
    em = getattr(ember.nn, name)(*args)
    assert repr(em) == repr(tm)
    if dtype == "float64":
        tm, em = tm.double(), em.double()
    _copy_params(tm, em)
    rng = np.random.default_rng(0)
    # NOTE: float64 rtol 1e-7, not tighter: PyTorch's hardsigmoid gradient multiplies by 1/6 rounded to float32
    tol = dict(atol=1e-5, rtol=1e-4) if dtype == "float32" else dict(atol=1e-10, rtol=1e-7)
    for shape in shapes:
        for noncontig in (False, True):
            a = rng.uniform(-span, span, size=shape).astype(dtype)
            tx, ex = _tensor(torch, a, noncontig), _tensor(ember, a, noncontig)
            ty, ey = tm(tx * 1), em(ex * 1)
            np.testing.assert_allclose(ey.detach().numpy(), ty.detach().numpy(), **tol)
            assert str(ey.dtype) == str(ty.dtype)
            up = rng.standard_normal(ty.shape).astype(dtype)
            tparams, eparams = list(tm.parameters()), list(em.parameters())
            tg = torch.autograd.grad(ty, [tx] + tparams, torch.from_numpy(up))
            eg = ember.autograd.grad(ey, [ex] + eparams, ember.from_numpy(up))
            for e, t in zip(eg, tg):
                np.testing.assert_allclose(e.numpy(), t.numpy(), **tol)


def test_train_and_eval_mode_are_the_same():
    x = ember.randn(3, 4)
    for m in (ember.nn.ReLU(), ember.nn.GELU(), ember.nn.Softmax(1)):
        a = m.train()(x)
        b = m.eval()(x)
        assert ember.equal(a, b)


# -- functional forms: node names, in-place variants, double backward -----------------------------------
FUNCTIONAL = [
    ("relu6", {}), ("leaky_relu", {"negative_slope": 0.1}), ("elu", {}), ("selu", {}), ("celu", {"alpha": 0.7}),
    ("gelu", {}), ("gelu", {"approximate": "tanh"}), ("silu", {}), ("mish", {}), ("softplus", {"beta": 2}),
    ("softsign", {}), ("hardtanh", {}), ("hardsigmoid", {}), ("hardswish", {}), ("logsigmoid", {}),
    ("threshold", {"threshold": 0.2, "value": -1.0}), ("softmax", {"dim": 1}), ("log_softmax", {"dim": 0}),
    ("softmin", {"dim": 1}), ("glu", {}), ("tanhshrink", {}), ("softshrink", {}), ("hardshrink", {}),
]


@pytest.mark.parametrize("name,kw", FUNCTIONAL, ids=lambda v: v if isinstance(v, str) else "")
def test_functional_node_name_and_double_backward(name, kw):
    a = np.random.default_rng(1).uniform(-4, 4, size=(3, 4))
    res = []
    for m in (torch, ember):
        x = m.from_numpy(a.copy()).requires_grad_(True)
        y = getattr(m.nn.functional, name)(x, **kw)
        # an upstream gradient that depends on x, so that g depends on x even where y is linear
        (g,) = m.autograd.grad(y, x, m.cos(y) + 0.5, create_graph=True)
        if name == "hardsigmoid" and m is torch:  # PyTorch: "derivative for hardsigmoid_backward is not implemented"
            gg = g.detach() * 0 - 1
        else:
            (gg,) = m.autograd.grad((g * g).sum(), x)
        res.append((type(y.grad_fn).__name__ if m is torch else y.grad_fn.name(), y.detach().numpy(),
                    g.detach().numpy(), gg.numpy()))
    (tn, ty, tg, tgg), (en, ey, eg, egg) = res
    assert en == tn
    np.testing.assert_allclose(ey, ty, atol=1e-10, rtol=1e-9)
    np.testing.assert_allclose(eg, tg, atol=1e-10, rtol=1e-7)
    if name != "hardsigmoid":
        np.testing.assert_allclose(egg, tgg, atol=1e-9, rtol=1e-7)


INPLACE = [("relu_", ()), ("elu_", (0.5,)), ("leaky_relu_", (0.3,)), ("hardtanh_", (-0.5, 0.5)),
           ("threshold_", (0.1, 3.0)), ("celu_", (2.0,)), ("selu_", ())]


@pytest.mark.parametrize("name,args", INPLACE, ids=lambda v: v if isinstance(v, str) else "")
def test_functional_inplace(name, args):
    a = np.random.default_rng(2).uniform(-2, 2, size=(3, 4)).astype(np.float32)
    res = []
    for m in (torch, ember):
        x = m.from_numpy(a.copy()).requires_grad_(True)
        h = x * 2
        out = getattr(m.nn.functional, name)(h, *args)
        assert out is h
        out.backward(m.from_numpy(a[::-1].copy()))
        res.append((h.detach().numpy(), x.grad.numpy()))
    np.testing.assert_allclose(res[1][0], res[0][0], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", ["relu", "relu6", "leaky_relu", "elu", "selu", "celu", "silu", "mish", "hardtanh",
                                  "hardsigmoid", "hardswish"])
def test_inplace_keyword(name):
    a = np.random.default_rng(3).uniform(-4, 4, size=(2, 5)).astype(np.float32)
    res = []
    for m in (torch, ember):
        x = m.from_numpy(a.copy()).requires_grad_(True)
        h = x + 0
        out = getattr(m.nn.functional, name)(h, inplace=True)
        assert out is h
        out.sum().backward()
        res.append((out.detach().numpy(), x.grad.numpy()))
    np.testing.assert_allclose(res[1][0], res[0][0], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-6, atol=1e-6)


def test_inplace_on_leaf_is_refused():
    x = ember.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        ember.nn.functional.relu(x, inplace=True)


def test_tensor_methods_and_torch_namespace():
    x = ember.tensor([[1.0, 2.0], [0.5, -1.0]])
    t = torch.tensor([[1.0, 2.0], [0.5, -1.0]])
    np.testing.assert_allclose(x.softmax(1).numpy(), t.softmax(1).numpy(), rtol=1e-6)
    np.testing.assert_allclose(x.log_softmax(dim=0).numpy(), t.log_softmax(dim=0).numpy(), rtol=1e-6)
    assert x.softmax(0, ember.float64).dtype == ember.float64
    np.testing.assert_allclose(ember.selu(x).numpy(), torch.selu(t).numpy(), rtol=1e-6)
    np.testing.assert_allclose(ember.celu(x, 2.0).numpy(), torch.celu(t, 2.0).numpy(), rtol=1e-6)
    np.testing.assert_allclose(x.prelu(ember.tensor([0.1, 0.2])).numpy(), t.prelu(torch.tensor([0.1, 0.2])).numpy())
    np.testing.assert_allclose(ember.threshold(x, 0.7, 9.0).numpy(), torch.threshold(t, 0.7, 9.0).numpy())


# -- softmax: implicit dim, dtypes, stability -----------------------------------------------------------------
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4), (2, 3, 2, 2)])
@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
def test_softmax_implicit_dim_warns(shape, name):
    a = np.random.default_rng(4).standard_normal(shape).astype(np.float32)
    outs = []
    for m in (torch, ember):
        with pytest.warns(UserWarning, match=f"Implicit dimension choice for {name} has been deprecated"):
            outs.append(getattr(m.nn.functional, name)(m.from_numpy(a)).numpy())
    np.testing.assert_allclose(outs[1], outs[0], rtol=1e-5, atol=1e-6)


def test_softmax_module_without_dim_warns():
    with pytest.warns(UserWarning, match="Implicit dimension"):
        ember.nn.Softmax()(ember.randn(2, 3))


def test_softmax_is_stable():
    x = ember.tensor([[1000.0, 0.0, -1000.0], [-1e30, 1e30, 0.0]])
    assert ember.isfinite(ember.nn.functional.softmax(x, 1)).all()
    ls = ember.nn.functional.log_softmax(x, 1)
    np.testing.assert_allclose(ls.numpy(), torch.log_softmax(torch.from_numpy(x.numpy()), 1).numpy())
    x = ember.tensor([1e4, -1e4, 30.0, -800.0])
    for name in ("softplus", "logsigmoid", "silu", "mish", "elu", "selu", "gelu"):
        e = getattr(ember.nn.functional, name)(x).numpy()
        t = getattr(torch.nn.functional, name)(torch.from_numpy(x.numpy())).numpy()
        np.testing.assert_allclose(e, t, rtol=1e-6, err_msg=name)


def test_softmax_zero_dim_and_empty():
    for m in (torch, ember):
        x = m.tensor(3.0, requires_grad=True)
        y = m.softmax(x, 0)
        (g,) = m.autograd.grad(y, x)
        assert float(y.detach()) == 1.0 and float(g) == 0.0
        assert m.softmax(m.zeros(0, 3), 1).shape == (0, 3)


# -- errors ------------------------------------------------------------------------------------------------
ERRORS = [
    (lambda m: m.nn.functional.softmax(m.tensor([1, 2]), 0), NotImplementedError,
     "\"softmax_lastdim_kernel_impl\" not implemented for 'Long'"),
    (lambda m: m.nn.functional.log_softmax(m.tensor([1, 2]), 0), NotImplementedError, "not implemented for 'Long'"),
    (lambda m: m.nn.functional.softmax(m.zeros(3, 4), 2), IndexError, "Dimension out of range"),
    (lambda m: m.nn.functional.gelu(m.zeros(2), approximate="fast"), RuntimeError,
     "approximate argument must be either none or tanh."),
    (lambda m: m.nn.functional.elu(m.tensor([1, 2])), NotImplementedError, "\"elu_cpu\" not implemented for 'Long'"),
    (lambda m: m.nn.functional.silu(m.tensor([1, 2])), NotImplementedError, "not implemented for 'Long'"),
    (lambda m: m.nn.functional.celu(m.zeros(2), 0.0), RuntimeError, "alpha cannot be 0 for CELU"),
    (lambda m: m.nn.functional.hardtanh(m.zeros(2), 2.0, 1.0), ValueError, "min_val cannot be greater than max_val"),
    (lambda m: m.nn.functional.glu(m.zeros(3, 3)), RuntimeError,
     "Halving dimension must be even, but dimension 1 is size 3"),
    (lambda m: m.nn.functional.glu(m.tensor(1.0)), RuntimeError, "glu does not support scalars"),
    (lambda m: m.nn.functional.prelu(m.zeros(2, 4), m.zeros(3)), RuntimeError,
     "Mismatch of parameter numbers and input channel size. Found parameter numbers = 3 and channel size = 4."),
    (lambda m: m.nn.functional.prelu(m.zeros(2, 4), m.zeros(1, 4)), RuntimeError,
     "Expected `weight` to be a scalar or 1D tensor"),
    (lambda m: m.nn.functional.prelu(m.tensor(2.0), m.zeros(2)), RuntimeError, "Not allow zero-dim input tensor."),
    (lambda m: m.nn.Hardtanh(1.0, -1.0), AssertionError, ""),
]


@pytest.mark.parametrize("prog,exc,match", ERRORS)
def test_errors(prog, exc, match):
    same_error(prog, match, exc)


def test_integer_inputs_keep_dtype():
    for name, args in [("relu6", ()), ("hardtanh", ()), ("threshold", (1, 5)), ("relu", ())]:
        e = getattr(ember.nn.functional, name)(ember.tensor([-4, 1, 2, 7]), *args)
        t = getattr(torch.nn.functional, name)(torch.tensor([-4, 1, 2, 7]), *args)
        assert str(e.dtype) == str(t.dtype)
        np.testing.assert_array_equal(e.numpy(), t.numpy())


def test_prelu_init_and_parameters():
    m = ember.nn.PReLU(4, init=0.3)
    assert m.weight.shape == (4,) and (m.weight.detach().numpy() == np.float32(0.3)).all()
    assert [n for n, _ in m.named_parameters()] == ["weight"]
    assert ember.nn.PReLU(dtype=ember.float64).weight.dtype == ember.float64
