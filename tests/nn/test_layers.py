"""Linear, Bilinear, Identity, Flatten/Unflatten, Dropout family and Embedding against PyTorch:
outputs and all gradients after copying the state_dict, default initialisation statistics,
reprs, dropout statistics, embedding options, and the functional helpers' errors."""
import math

import numpy as np
import pytest
import torch

import ember
from tests.pairs import leaf_pair, load_from_torch, same_error

nn, F = ember.nn, ember.nn.functional


_load, _inputs = load_from_torch, leaf_pair


def _compare_step(tm, em, arrays, noncontig=False, dtype="float32"):
    """Forward both modules on ``arrays``; compare outputs and the gradients of every input and parameter."""
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
    pairs = [_inputs(a, noncontig) for a in arrays]
    tx, ex = [p[0] for p in pairs], [p[1] for p in pairs]
    ty, ey = tm(*tx), em(*ex)
    assert tuple(ey.shape) == tuple(ty.shape) and str(ey.dtype) == str(ty.dtype)
    np.testing.assert_allclose(ey.detach().numpy(), ty.detach().numpy(), **tol)
    up = np.random.default_rng(5).standard_normal(tuple(ty.shape)).astype(ty.detach().numpy().dtype)
    tin = [t for t in tx if t.requires_grad] + list(tm.parameters())
    ein = [e for e in ex if e.requires_grad] + list(em.parameters())
    tg = torch.autograd.grad(ty, tin, torch.from_numpy(up), allow_unused=True)
    eg = ember.autograd.grad(ey, ein, ember.from_numpy(up), allow_unused=True)
    for i, (e, t) in enumerate(zip(eg, tg)):
        if t is None:
            assert e is None or not e.numpy().any()
        else:
            np.testing.assert_allclose(e.numpy(), t.numpy(), err_msg=f"grad {i}", **tol)
    return ey, ty


# -- Linear ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(bias, dtype):
    tm = torch.nn.Linear(5, 3, bias=bias)
    em = nn.Linear(5, 3, bias=bias)
    if dtype == "float64":
        tm, em = tm.double(), em.double()
    _load(em, tm)
    rng = np.random.default_rng(0)
    for shape in [(4, 5), (5,), (2, 3, 5), (0, 5), (2, 1, 2, 5)]:
        for nc in (False, True):
            _compare_step(tm, em, [rng.standard_normal(shape).astype(dtype)], nc and len(shape) > 1, dtype)


def test_linear_node_names_match_torch():
    tm, em = torch.nn.Linear(4, 2), nn.Linear(4, 2)
    tn, en = torch.nn.Linear(4, 2, bias=False), nn.Linear(4, 2, bias=False)
    for shape in [(3, 4), (4,), (2, 3, 4)]:
        tx, ex = torch.zeros(shape), ember.zeros(shape)
        for t, e in ((tm, em), (tn, en)):
            assert e(ex).grad_fn.name() == type(t(tx).grad_fn).__name__


def test_linear_parameters_state_dict_and_repr():
    m = nn.Linear(3, 4)
    assert [n for n, _ in m.named_parameters()] == ["weight", "bias"]
    assert m.weight.shape == (4, 3) and m.bias.shape == (4,)
    assert repr(m) == repr(torch.nn.Linear(3, 4)) == "Linear(in_features=3, out_features=4, bias=True)"
    n = nn.Linear(3, 4, bias=False)
    assert n.bias is None and list(n.state_dict()) == ["weight"]
    assert repr(n) == "Linear(in_features=3, out_features=4, bias=False)"
    d = nn.Linear(3, 4, dtype=ember.float64)
    assert d.weight.dtype == ember.float64 and d.bias.dtype == ember.float64
    assert nn.Linear(2, 2, device="cpu").weight.device.type == "cpu"


def test_linear_default_init_statistics():
    ember.manual_seed(0)
    m = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w, b = m.weight.detach().numpy().copy(), m.bias.detach().numpy().copy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert abs(w.mean()) < 0.01 * bound and abs(w.var() - bound ** 2 / 3) < 0.02 * bound ** 2
    assert np.abs(b).max() <= bound and np.abs(b).max() > 0.9 * bound
    # the same law as PyTorch's: compare quantiles with a torch layer of the same size
    t = torch.nn.Linear(400, 300).weight.detach().numpy().ravel()
    np.testing.assert_allclose(np.quantile(w, [0.1, 0.5, 0.9]), np.quantile(t, [0.1, 0.5, 0.9]), atol=0.02 * bound * 10)
    m.reset_parameters()
    assert not np.array_equal(m.weight.detach().numpy(), w)


def test_linear_errors():
    cases = [
        (lambda m: m.nn.functional.linear(m.zeros(3, 4), m.zeros(5, 3)), RuntimeError,
         "mat1 and mat2 shapes cannot be multiplied (3x4 and 3x5)"),
        (lambda m: m.nn.functional.linear(m.zeros(4), m.zeros(5, 3)), RuntimeError,
         "mat1 and mat2 shapes cannot be multiplied (1x4 and 3x5)"),
        (lambda m: m.nn.functional.linear(m.zeros(3, 4), m.zeros(5, 4, dtype=m.float64)), RuntimeError,
         "expected m1 and m2 to have the same dtype, but got: float != double"),
        (lambda m: m.nn.functional.linear(m.tensor(1.0), m.zeros(5, 3)), RuntimeError,
         "both arguments to linear need to be at least 1D, but they are 0D and 2D"),
        (lambda m: m.nn.functional.linear(m.zeros(3, 4), m.zeros(5, 4), m.zeros(4)), RuntimeError,
         "The expanded size of the tensor (5) must match the existing size (4)"),
    ]
    for prog, exc, match in cases:
        for m in (torch, ember):
            with pytest.raises(exc) as info:
                prog(m)
            assert match in str(info.value), f"{m.__name__}: {info.value}"


def test_linear_double_backward():
    rng = np.random.default_rng(1)
    x_np, w_np = rng.standard_normal((3, 4)), rng.standard_normal((2, 4))
    res = []
    for m in (torch, ember):
        x, w = m.from_numpy(x_np.copy()).requires_grad_(True), m.from_numpy(w_np.copy()).requires_grad_(True)
        y = m.nn.functional.linear(x, w)
        (gx,) = m.autograd.grad((y * y).sum(), x, create_graph=True)
        gw = m.autograd.grad((gx * gx).sum(), w)[0]
        res.append(gw.numpy())
    np.testing.assert_allclose(res[1], res[0], rtol=1e-10)


# -- Bilinear, Identity, Flatten, Unflatten ------------------------------------------------------------------
@pytest.mark.parametrize("bias", [True, False])
def test_bilinear_matches_torch(bias):
    tm, em = torch.nn.Bilinear(3, 2, 4, bias=bias).double(), nn.Bilinear(3, 2, 4, bias=bias).double()
    _load(em, tm)
    assert repr(em) == repr(tm)
    rng = np.random.default_rng(2)
    for lead in [(5,), (), (2, 3)]:
        _compare_step(tm, em, [rng.standard_normal(lead + (3,)), rng.standard_normal(lead + (2,))], dtype="float64")


def test_bilinear_init_and_errors():
    ember.manual_seed(0)
    m = nn.Bilinear(25, 3, 200)
    bound = 1 / math.sqrt(25)
    w = m.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert np.abs(m.bias.detach().numpy()).max() <= bound
    for m_ in (torch, ember):
        with pytest.raises(RuntimeError, match="input2 size does not match weight size: got 4 but expected 3"):
            m_.nn.functional.bilinear(m_.zeros(3, 2), m_.zeros(3, 4), m_.zeros(5, 2, 3))


def test_identity():
    m = nn.Identity(54, unused_argument1=0.1)
    x = ember.randn(2, 3)
    assert m(x) is x and repr(m) == "Identity()"


def test_flatten_unflatten():
    a = np.random.default_rng(3).standard_normal((2, 3, 4, 5)).astype(np.float32)
    for targs in [(), (0, 1), (2, -1), (-3, 2)]:
        tm, em = torch.nn.Flatten(*targs), nn.Flatten(*targs)
        assert repr(em) == repr(tm)
        _compare_step(tm, em, [a])
    for size in [(2, 2), [1, 4, 1], torch.Size([4, 1])]:
        tm = torch.nn.Unflatten(2, size)
        em = nn.Unflatten(2, ember.Size(size) if isinstance(size, torch.Size) else size)
        assert repr(em) == repr(tm)
        _compare_step(tm, em, [a])
    assert nn.Flatten(0, 1)(ember.zeros(2000, 1)).shape == (2000,)
    with pytest.raises(TypeError, match="unflattened_size must be tuple of ints"):
        nn.Unflatten(1, (2, 2.0))
    with pytest.raises(TypeError, match="unflattened_size must be tuple or list"):
        nn.Unflatten(1, 4)


# -- dropout -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_statistics(p):
    ember.manual_seed(0)
    x = ember.ones(200, 500, requires_grad=True)
    y = F.dropout(x, p)
    yn = y.detach().numpy()
    zero = (yn == 0).mean()
    assert abs(zero - p) < 4 * math.sqrt(p * (1 - p) / yn.size)
    np.testing.assert_allclose(yn[yn != 0], 1 / (1 - p), rtol=1e-6)
    assert abs(yn.mean() - 1) < 0.02
    assert y.grad_fn.name() == "MulBackward0"
    g = np.random.default_rng(0).standard_normal(yn.shape).astype(np.float32)
    y.backward(ember.from_numpy(g))
    np.testing.assert_allclose(x.grad.numpy(), g * yn, rtol=1e-6)  # the gradient uses the same mask


def test_dropout_module_train_eval():
    m = nn.Dropout(0.3)
    x = ember.randn(50, 40)
    assert m.training and (m(x) == 0).any()
    m.eval()
    assert m(x) is x
    assert repr(m) == repr(torch.nn.Dropout(0.3)) == "Dropout(p=0.3, inplace=False)"
    assert repr(nn.Dropout(0.2, True)) == "Dropout(p=0.2, inplace=True)"
    assert F.dropout(x, 0.5, training=False) is x and F.dropout(x, 0.0) is x
    assert (F.dropout(x, 1.0) == 0).all()
    assert ember.dropout(x, 0.5, False) is x


def test_dropout_inplace_and_reproducible():
    x = ember.ones(10, 10)
    ember.manual_seed(3)
    a = F.dropout(x.clone(), 0.5)
    y = x.clone()
    ember.manual_seed(3)
    assert F.dropout(y, 0.5, inplace=True) is y
    assert ember.equal(a, y)
    assert nn.Dropout(0.5, inplace=True)(y) is y


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_dropout_probability_error(p):
    msg = f"dropout probability has to be between 0 and 1, but got {p}"
    for m in (torch, ember):
        for make in (lambda: m.nn.Dropout(p), lambda: m.nn.functional.dropout(m.zeros(2), p),
                     lambda: m.nn.AlphaDropout(p), lambda: m.nn.functional.alpha_dropout(m.zeros(2), p, True)):
            with pytest.raises(ValueError) as info:
                make()
            assert msg in str(info.value)


def test_feature_dropout_zeroes_whole_channels():
    ember.manual_seed(1)
    for name, shape in [("Dropout1d", (8, 6, 5)), ("Dropout2d", (8, 6, 3, 3)), ("Dropout3d", (4, 6, 2, 2, 2)),
                        ("Dropout2d", (6, 3, 3))]:
        m = getattr(nn, name)(0.5)
        assert repr(m) == repr(getattr(torch.nn, name)(0.5))
        y = m(ember.ones(*shape)).numpy()
        ch = y.reshape(y.shape[:2] + (-1,)) if len(shape) > 3 or name == "Dropout1d" else y.reshape(y.shape[0], -1)
        assert ((ch == 0).all(-1) | (ch == 2).all(-1)).all(), name
        assert 0 < (ch == 0).all(-1).mean() < 1
        assert m.eval()(ember.ones(*shape)).numpy().min() == 1
    with pytest.raises(RuntimeError, match="Expected 3D or 4D input"):
        F.dropout2d(ember.ones(2, 3))


def test_alpha_dropout():
    ember.manual_seed(0)
    torch.manual_seed(0)
    p, alpha = 0.3, 1.7580993408473766
    a = 1 / math.sqrt((alpha ** 2 * p + 1) * (1 - p))
    x = np.random.default_rng(0).standard_normal((400, 250)).astype(np.float32)
    e = F.alpha_dropout(ember.from_numpy(x), p, training=True).numpy()
    t = torch.nn.functional.alpha_dropout(torch.from_numpy(x), p, training=True).numpy()
    # in both, dropped units take the constant a * alpha * (p - 1) and kept ones a x + a alpha p
    for y in (e, t):
        dropped = np.isclose(y, a * alpha * (p - 1), rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(y[~dropped], a * x[~dropped] + a * alpha * p, rtol=1e-5, atol=1e-6)
        assert abs(dropped.mean() - p) < 0.01
    assert abs(e.mean()) < 0.02 and abs(e.std() - 1) < 0.02  # zero mean and unit variance preserved
    m = nn.AlphaDropout(0.2)
    assert repr(m) == repr(torch.nn.AlphaDropout(0.2)) == "AlphaDropout(p=0.2, inplace=False)"
    xe = ember.from_numpy(x)
    assert m.eval()(xe) is xe and F.alpha_dropout(xe, 0.5) is xe  # training defaults to False
    fa = F.feature_alpha_dropout(ember.ones(6, 4, 3), 0.5, training=True).numpy()
    assert (fa == fa[..., :1]).all()


# -- Embedding -------------------------------------------------------------------------------------------
IDX = [[0, 2, 4, 2], [9, 3, 2, 0]]


@pytest.mark.parametrize("kwargs", [{}, {"padding_idx": 2}, {"padding_idx": -1}, {"scale_grad_by_freq": True},
                                    {"max_norm": 1.0}, {"max_norm": 0.5, "norm_type": 1.0},
                                    {"max_norm": 1.5, "norm_type": float("inf"), "padding_idx": 0}])
def test_embedding_matches_torch(kwargs):
    tm, em = torch.nn.Embedding(10, 3, **kwargs), nn.Embedding(10, 3, **kwargs)
    assert repr(em) == repr(tm)
    _load(em, tm)
    for idx in (IDX, [7], 5):
        ti, ei = torch.tensor(idx), ember.tensor(idx)
        ty, ey = tm(ti), em(ei)
        np.testing.assert_allclose(ey.detach().numpy(), ty.detach().numpy(), rtol=1e-6)
        up = np.random.default_rng(0).standard_normal(tuple(ty.shape)).astype(np.float32)
        ty.backward(torch.from_numpy(up))
        ey.backward(ember.from_numpy(up))
        np.testing.assert_allclose(em.weight.grad.numpy(), tm.weight.grad.numpy(), rtol=1e-6)
        # max_norm renormalizes the table itself, in place
        np.testing.assert_allclose(em.weight.detach().numpy(), tm.weight.detach().numpy(), rtol=1e-6)
        assert ey.grad_fn.name() == type(ty.grad_fn).__name__ == "EmbeddingBackward0"


def test_embedding_init_and_padding():
    ember.manual_seed(0)
    m = nn.Embedding(2000, 50)
    w = m.weight.detach().numpy()
    assert abs(w.mean()) < 0.01 and abs(w.std() - 1) < 0.01  # N(0, 1)
    p = nn.Embedding(10, 3, padding_idx=4)
    assert (p.weight.detach().numpy()[4] == 0).all() and (p.weight.detach().numpy()[3] != 0).any()
    assert nn.Embedding(10, 3, padding_idx=-2).padding_idx == 8
    assert nn.Embedding(5, 2, dtype=ember.float64).weight.dtype == ember.float64
    y = p(ember.tensor([4, 4, 1]))
    y.sum().backward()
    g = p.weight.grad.numpy()
    assert (g[4] == 0).all() and (g[1] == 1).all()


def test_embedding_from_pretrained():
    table = ember.tensor([[1.0, 2.3, 3.0], [4.0, 5.1, 6.3]])
    m = nn.Embedding.from_pretrained(table)
    assert not m.weight.requires_grad and repr(m) == "Embedding(2, 3)"
    assert m(ember.tensor([1])).tolist()[0] == pytest.approx([4.0, 5.1, 6.3])
    m2 = nn.Embedding.from_pretrained(table, freeze=False, padding_idx=0)
    assert m2.weight.requires_grad and m2.padding_idx == 0
    assert m2.weight.detach().numpy()[0].tolist() == pytest.approx([1.0, 2.3, 3.0])  # not zeroed
    with pytest.raises(AssertionError, match="Embeddings parameter is expected to be 2-dimensional"):
        nn.Embedding.from_pretrained(ember.zeros(3))
    with pytest.raises(AssertionError, match="Shape of weight does not match"):
        nn.Embedding(3, 2, _weight=ember.zeros(2, 3))


def test_embedding_errors():
    cases = [
        (lambda m: m.nn.functional.embedding(m.tensor([1.0, 2.0]), m.randn(5, 3)), RuntimeError,
         "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got "
         "torch.FloatTensor instead"),
        (lambda m: m.nn.functional.embedding(m.tensor([1, 7]), m.randn(5, 3)), IndexError,
         "index out of range in self"),
        (lambda m: m.nn.functional.embedding(m.tensor([1, -1]), m.randn(5, 3)), IndexError, "index out of range"),
        (lambda m: m.nn.functional.embedding(m.tensor([1]), m.randn(5, 3), padding_idx=5), AssertionError,
         "Padding_idx must be within num_embeddings"),
        (lambda m: m.nn.Embedding(5, 3, padding_idx=-6), AssertionError, "Padding_idx must be within num_embeddings"),
        (lambda m: m.nn.functional.embedding(m.tensor([1]), m.randn(5)), RuntimeError, "'weight' must be 2-D"),
    ]
    for prog, exc, match in cases:
        for m in (torch, ember):
            with pytest.raises(exc) as info:
                prog(m)
            assert match in str(info.value), f"{m.__name__}: {info.value}"
    with pytest.raises(NotImplementedError, match="sparse"):
        nn.Embedding(5, 3, sparse=True)
    with pytest.raises(NotImplementedError, match="sparse"):
        F.embedding(ember.tensor([1]), ember.randn(5, 3), sparse=True)
    assert F.embedding(ember.tensor([1, 2], dtype=ember.int32), ember.randn(5, 3)).shape == (2, 3)


# -- one_hot, pad, distances: errors ------------------------------------------------------------------------------
ERRORS = [
    (lambda m: m.nn.functional.one_hot(m.tensor([1, 2.0])), RuntimeError,
     "one_hot is only applicable to index tensor of type LongTensor."),
    (lambda m: m.nn.functional.one_hot(m.tensor([1, -2])), RuntimeError, "Class values must be non-negative."),
    (lambda m: m.nn.functional.one_hot(m.tensor([1, 5]), 3), RuntimeError,
     "Class values must be smaller than num_classes."),
    (lambda m: m.nn.functional.one_hot(m.tensor([], dtype=m.long)), RuntimeError,
     "Can not infer total number of classes from empty tensor."),
    (lambda m: m.nn.functional.pad(m.zeros(3, 4), (1,)), RuntimeError, "Padding length must be divisible by 2"),
    (lambda m: m.nn.functional.pad(m.zeros(3, 4), (1, 1, 1, 1, 1, 1)), RuntimeError,
     "Padding length should be less than or equal to two times the input dimension but got padding length 6 and "
     "input of dimension 2"),
    (lambda m: m.nn.functional.pad(m.zeros(1, 3, 4), (4, 1), mode="reflect"), RuntimeError,
     "Argument #4: Padding size should be less than the corresponding input dimension, but got: padding (4, 1) at "
     "dimension 2 of input [1, 3, 4]"),
    (lambda m: m.nn.functional.pad(m.zeros(1, 1, 2, 3, 4), (1, 1, 1, 1, 5, 1), mode="reflect"), RuntimeError,
     "Argument #8: Padding size should be less than the corresponding input dimension, but got: padding (5, 1) at "
     "dimension 2 of input [1, 1, 2, 3, 4]"),
    (lambda m: m.nn.functional.pad(m.zeros(1, 3, 4), (5, 1), mode="circular"), RuntimeError,
     "Padding value causes wrapping around more than once."),
    (lambda m: m.nn.functional.pad(m.zeros(1, 3, 4), (1, 1), mode="foo"), NotImplementedError,
     "Unrecognised padding mode foo"),
    (lambda m: m.nn.functional.pad(m.zeros(1, 3, 4), (1, 1), mode="reflect", value=2.0), RuntimeError,
     "Padding mode \"reflect\" doesn't take in value argument"),
    (lambda m: m.nn.functional.pad(m.zeros(3, 4), (1, 1, 1, 1), mode="reflect"), NotImplementedError,
     "Padding size 4 is not supported for 2D input tensor.\nSupported combinations for non-constant padding:"),
    (lambda m: m.nn.functional.pad(m.zeros(4), (1, 1), mode="replicate"), NotImplementedError,
     "Padding size 2 is not supported for 1D input tensor."),
    (lambda m: m.nn.functional.pad(m.zeros(1, 3, 2), (-3, 1), mode="reflect"), RuntimeError,
     "input (W: 2) is too small. Calculated output W: 0"),
    (lambda m: m.nn.functional.pad(m.zeros(1, 0, 4), (1, 1), mode="reflect"), RuntimeError,
     "Expected 2D or 3D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions for input, "
     "but got: [1, 0, 4]"),
    (lambda m: m.nn.functional.cosine_similarity(m.zeros(3, 4), m.zeros(5, 4)), RuntimeError,
     "The size of tensor a (3) must match the size of tensor b (5) at non-singleton dimension 0"),
]


@pytest.mark.parametrize("prog,exc,match", ERRORS)
def test_functional_errors(prog, exc, match):
    same_error(prog, match, exc)


def test_pad_node_names_and_int_value():
    for mode, shape in [("constant", (2, 4)), ("reflect", (1, 2, 4)), ("replicate", (1, 2, 4)),
                        ("replicate", (1, 1, 3, 4))]:
        pad = (1, 1) if len(shape) < 4 else (1, 1, 1, 1)
        t = torch.nn.functional.pad(torch.zeros(shape, requires_grad=True), pad, mode=mode)
        e = F.pad(ember.zeros(shape, requires_grad=True), pad, mode=mode)
        assert e.grad_fn.name() == type(t.grad_fn).__name__
    e = F.pad(ember.tensor([1, 2]), (1, 1), value=2.5)
    assert e.dtype == ember.int64 and e.tolist() == [2, 1, 2, 2]


def test_small_mlp_trains_like_torch():
    """Linear + activations + softmax in a model: several SGD steps give PyTorch's parameters."""
    torch.manual_seed(0)
    tmodel = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.GELU(), torch.nn.Linear(8, 8), torch.nn.SiLU(),
                                 torch.nn.Linear(8, 3), torch.nn.LogSoftmax(dim=1)).double()
    emodel = nn.Sequential(nn.Linear(4, 8), nn.GELU(), nn.Linear(8, 8), nn.SiLU(), nn.Linear(8, 3),
                           nn.LogSoftmax(dim=1)).double()
    _load(emodel, tmodel)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 4))
    target = rng.integers(0, 3, 16)
    for _ in range(20):
        for m, model in ((torch, tmodel), (ember, emodel)):
            out = model(m.from_numpy(x))
            loss = -out[m.arange(16), m.from_numpy(target)].mean()
            model.zero_grad()
            loss.backward()
            with m.no_grad():
                for prm in model.parameters():
                    prm -= 0.1 * prm.grad
    for (k, t), (k2, e) in zip(tmodel.state_dict().items(), emodel.state_dict().items()):
        assert k == k2
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-9, atol=1e-12)
