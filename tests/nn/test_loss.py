"""Loss modules against PyTorch: every loss with every reduction (and its options) gives the
same value and the same input gradients (random upstream gradient) in float32 and float64;
the deprecated size_average/reduce flags, reprs, weight buffers in state_dict, numerical
stability at extreme logits, warnings and errors. (The functional forms, with gradcheck and
gradgradcheck, are in the op database: tests/opinfo/nn_losses.py.)"""
import warnings

import numpy as np
import pytest
import torch

import ember
from tests.test_autograd import same_error

nn = ember.nn
R = np.random.default_rng(0)


def x(*shape, lo=-2.0, hi=2.0):
    return ("f", R.uniform(lo, hi, shape), True)


def const(*shape, lo=0.1, hi=1.0):  # a float argument that is not differentiated (weights)
    return ("f", R.uniform(lo, hi, shape), False)


def cls(n, *shape):
    return ("i", R.integers(0, n, shape), False)


def sign(*shape):
    return ("f", R.choice([-1.0, 1.0], shape), False)


# name, constructor kwargs (arrays become tensors of the test's dtype), forward arguments
CASES = [
    ("L1Loss", {}, [x(3, 4), x(3, 4)]),
    ("MSELoss", {}, [x(3, 4), x(3, 4)]),
    ("MSELoss", {}, [x(2, 3, 4), x(2, 3, 4)]),
    ("SmoothL1Loss", dict(beta=0.5), [x(3, 4), x(3, 4)]),
    ("SmoothL1Loss", dict(beta=0.0), [x(5), x(5)]),
    ("HuberLoss", dict(delta=0.7), [x(3, 4), x(3, 4)]),
    ("NLLLoss", {}, [x(5, 3), cls(3, 5)]),
    ("NLLLoss", dict(weight=const(3), ignore_index=1), [x(5, 3), cls(3, 5)]),
    ("NLLLoss", {}, [x(2, 3, 2, 2), cls(3, 2, 2, 2)]),
    ("CrossEntropyLoss", {}, [x(5, 4), cls(4, 5)]),
    ("CrossEntropyLoss", dict(weight=const(4), ignore_index=2), [x(6, 4), cls(4, 6)]),
    ("CrossEntropyLoss", dict(label_smoothing=0.15, weight=const(4)), [x(6, 4), cls(4, 6)]),
    ("CrossEntropyLoss", dict(label_smoothing=0.1), [x(2, 4, 3), cls(4, 2, 3)]),
    ("CrossEntropyLoss", {}, [x(2, 3, 2, 2), cls(3, 2, 2, 2)]),
    ("CrossEntropyLoss", {}, [x(4), ("i", np.array(2), False)]),
    ("CrossEntropyLoss", dict(weight=const(3), label_smoothing=0.2), [x(4, 3), x(4, 3, lo=0.0, hi=1.0)]),
    ("CrossEntropyLoss", {}, [x(2, 3, 4), x(2, 3, 4, lo=0.0, hi=1.0)]),
    ("BCELoss", {}, [x(3, 4, lo=0.05, hi=0.95), x(3, 4, lo=0.0, hi=1.0)]),
    ("BCELoss", dict(weight=const(4)), [x(3, 4, lo=0.05, hi=0.95), x(3, 4, lo=0.0, hi=1.0)]),
    ("BCEWithLogitsLoss", {}, [x(3, 4), x(3, 4, lo=0.0, hi=1.0)]),
    ("BCEWithLogitsLoss", dict(weight=const(4), pos_weight=const(4, lo=0.5, hi=3.0)),
     [x(3, 4), x(3, 4, lo=0.0, hi=1.0)]),
    ("KLDivLoss", dict(reduction="batchmean"), [x(3, 4), x(3, 4, lo=0.05, hi=1.0)]),
    ("KLDivLoss", dict(log_target=True), [x(3, 4), x(3, 4)]),
    ("PoissonNLLLoss", {}, [x(3, 4), x(3, 4, lo=0.0, hi=4.0)]),
    ("PoissonNLLLoss", dict(log_input=False, full=True), [x(3, 4, lo=0.1, hi=3.0), x(3, 4, lo=0.0, hi=4.0)]),
    ("CosineEmbeddingLoss", dict(margin=0.2), [x(4, 5), x(4, 5), sign(4)]),
    ("MarginRankingLoss", dict(margin=0.3), [x(6), x(6), sign(6)]),
    ("TripletMarginLoss", dict(margin=2.0), [x(4, 5), x(4, 5), x(4, 5)]),
    ("TripletMarginLoss", dict(margin=1.5, p=1.0, swap=True), [x(4, 5), x(4, 5), x(4, 5)]),
    ("HingeEmbeddingLoss", dict(margin=0.5), [x(3, 4), sign(3, 4)]),
    ("SoftMarginLoss", {}, [x(3, 4), sign(3, 4)]),
    ("MultiLabelSoftMarginLoss", dict(weight=const(4)), [x(3, 4), x(3, 4, lo=0.0, hi=1.0)]),
]
IDS = [f"{i}-{name}" for i, (name, _, _) in enumerate(CASES)]


def _tensor(m, spec, dtype):
    kind, a, grad = spec
    if kind == "i":
        return m.from_numpy(a.astype(np.int64))
    return m.from_numpy(a.astype(dtype)).requires_grad_(grad)


def _build(m, name, kw, args, dtype, reduction):
    kw = {k: (_tensor(m, v, dtype) if isinstance(v, tuple) else v) for k, v in kw.items()}
    if "reduction" not in kw:
        kw["reduction"] = reduction
    return getattr(m.nn, name)(**kw), [_tensor(m, a, dtype) for a in args]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_loss_matches_torch(case, reduction, dtype):
    name, kw, args = case
    tol = dict(rtol=2e-5, atol=2e-6) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # KLDivLoss 'mean'
        tl, tin = _build(torch, name, kw, args, dtype, reduction)
        el, ein = _build(ember, name, kw, args, dtype, reduction)
        ty, ey = tl(*tin), el(*ein)
    assert repr(el) == repr(tl)
    assert tuple(ey.shape) == tuple(ty.shape) and str(ey.dtype) == str(ty.dtype)
    np.testing.assert_allclose(ey.detach().numpy(), ty.detach().numpy(), **tol)
    up = np.random.default_rng(1).standard_normal(tuple(ty.shape)).astype(dtype)
    tg = torch.autograd.grad(ty, [t for t in tin if t.requires_grad], torch.from_numpy(up))
    eg = ember.autograd.grad(ey, [t for t in ein if t.requires_grad], ember.from_numpy(up))
    for i, (e, t) in enumerate(zip(eg, tg)):
        np.testing.assert_allclose(e.numpy(), t.numpy(), err_msg=f"grad {i}", **tol)


def test_legacy_size_average_and_reduce():
    for size_average, reduce, expected in [(None, None, "mean"), (False, None, "sum"), (True, False, "none"),
                                           (None, False, "none"), (False, True, "sum")]:
        for m in (torch, ember):
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                loss = m.nn.MSELoss(size_average=size_average, reduce=reduce, reduction="sum")
                loss2 = m.nn.CrossEntropyLoss(None, size_average, reduce=reduce)
            assert (loss.reduction, loss2.reduction) == ((expected, expected) if size_average is not None or
                                                         reduce is not None else ("sum", "mean"))
            if size_average is not None or reduce is not None:
                assert "size_average and reduce args will be deprecated" in str(w[0].message)
    out = [m.nn.functional.l1_loss(m.ones(3), m.zeros(3), size_average=False) for m in (torch, ember)]
    assert float(out[0]) == float(out[1]) == 3.0


def test_weight_buffers_in_state_dict_and_repr():
    for name, kw in [("CrossEntropyLoss", dict(weight=[1.0, 2.0])), ("NLLLoss", {}), ("BCELoss", dict(weight=[3.0])),
                     ("BCEWithLogitsLoss", dict(pos_weight=[2.0])), ("MultiLabelSoftMarginLoss", {})]:
        t = getattr(torch.nn, name)(**{k: torch.tensor(v) for k, v in kw.items()})
        e = getattr(nn, name)(**{k: ember.tensor(v) for k, v in kw.items()})
        assert repr(e) == repr(t) == f"{name}()"
        assert list(e.state_dict()) == list(t.state_dict())
        for k in t.state_dict():
            assert e.state_dict()[k].tolist() == t.state_dict()[k].tolist()
    assert nn.CrossEntropyLoss().ignore_index == -100 and nn.HuberLoss().delta == 1.0


def test_stable_at_extreme_logits():
    big = np.array([[1000.0, -1000.0, 0.0], [-800.0, 800.0, 1.0]])
    res = {}
    for m in (torch, ember):
        xt = m.tensor(big, requires_grad=True)
        ce = m.nn.functional.cross_entropy(xt, m.tensor([1, 1]), label_smoothing=0.1)
        bce = m.nn.functional.binary_cross_entropy_with_logits(xt, m.tensor(np.eye(2, 3)),
                                                               pos_weight=m.full((3,), 2.0, dtype=m.float64))
        (ce + bce).backward()
        res[m.__name__] = (ce.item(), bce.item(), xt.grad.numpy())
    assert np.isfinite(res["ember"][0]) and np.isfinite(res["ember"][1])
    for e, t in zip(res["ember"], res["torch"]):
        np.testing.assert_allclose(e, t, rtol=1e-10)


def test_cross_entropy_with_masked_logits():
    res = []
    for m in (torch, ember):
        xt = m.tensor([[0.0, -float("inf"), 1.0], [2.0, 1.0, -float("inf")]], dtype=m.float64, requires_grad=True)
        loss = m.nn.functional.cross_entropy(xt, m.tensor([0, 1]))
        loss.backward()
        res.append((loss.item(), xt.grad.numpy()))
    assert np.isfinite(res[1][0])
    np.testing.assert_allclose(res[1][0], res[0][0], rtol=1e-12)
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-12)


def test_bce_log_is_clamped():
    for m in (torch, ember):
        out = m.nn.functional.binary_cross_entropy(m.tensor([0.0, 1.0, 0.0]), m.tensor([1.0, 0.0, 0.0]),
                                                   reduction="none")
        assert out.tolist() == [100.0, 100.0, 0.0]


def test_mean_over_nothing():
    for m in (torch, ember):
        xt = m.randn(3, 4, requires_grad=True)
        loss = m.nn.functional.cross_entropy(xt, m.full((3,), -100, dtype=m.int64))
        assert np.isnan(loss.item())
        loss.backward()
        assert not xt.grad.numpy().any()
        assert np.isnan(m.nn.functional.mse_loss(m.zeros(0), m.zeros(0)).item())


def test_warnings():
    for m in (torch, ember):
        with pytest.warns(UserWarning, match=r"Using a target size \(torch.Size\(\[3, 1\]\)\) that is different to "
                                             r"the input size \(torch.Size\(\[3\]\)\)"):
            m.nn.MSELoss()(m.ones(3), m.ones(3, 1))
        with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
            m.nn.functional.kl_div(m.zeros(3), m.ones(3))


def f(m):
    return m.nn.functional


def test_loss_errors():
    same_error(lambda m: f(m).mse_loss(m.ones(3), m.ones(3), reduction="avg"), "avg is not a valid value for reduction",
               ValueError)
    same_error(lambda m: m.nn.L1Loss(reduction="bad")(m.ones(3), m.ones(3)), "bad is not a valid value", ValueError)
    same_error(lambda m: f(m).mse_loss(m.ones(3), m.ones(4)), "The size of tensor a (3) must match the size of tensor "
               "b (4) at non-singleton dimension 0")
    same_error(lambda m: f(m).cross_entropy(m.randn(4, 3), m.tensor([0, 1, 2])),
               "Expected input batch_size (4) to match target batch_size (3).", ValueError)
    same_error(lambda m: f(m).cross_entropy(m.randn(4, 3), m.tensor([0, 1, 2, 3])), "Target 3 is out of bounds.",
               IndexError)
    same_error(lambda m: f(m).nll_loss(m.randn(4, 3), m.tensor([0, 1, 2, -1])), "Target -1 is out of bounds.",
               IndexError)
    same_error(lambda m: f(m).cross_entropy(m.randn(4, 3), m.zeros(4, 2, dtype=m.int64)),
               "0D or 1D target tensor expected, multi-target not supported")
    same_error(lambda m: f(m).nll_loss(m.randn(2, 3, 4), m.zeros(2, 5, dtype=m.int64)),
               "Expected target size [2, 4], got [2, 5]")
    same_error(lambda m: f(m).cross_entropy(m.randn(4, 3), m.zeros(4, dtype=m.int32)),
               "expected target dtype to be Long or Byte, but got Int")
    same_error(lambda m: f(m).cross_entropy(m.randn(4, 3), m.zeros(4, 3, dtype=m.int64)),
               "Expected floating point type for target with class probabilities, got Long")
    same_error(lambda m: f(m).cross_entropy(m.randn(4, 3), m.zeros(4, dtype=m.int64), label_smoothing=1.5),
               "label_smoothing must be between 0.0 and 1.0. Got: 1.5")
    same_error(lambda m: f(m).cross_entropy(m.randn(4, 3), m.zeros(4, dtype=m.int64), weight=m.ones(4)),
               "weight tensor should be defined either for all 3 classes or no classes but got weight tensor of "
               "shape: [4]")
    same_error(lambda m: f(m).cross_entropy(m.randn(4, 3), m.zeros(4, dtype=m.int64),
                                            weight=m.ones(3, requires_grad=True)),
               "is not differentiable with respect to argument 'weight'")
    same_error(lambda m: f(m).binary_cross_entropy(m.tensor([1.5]), m.tensor([1.0])),
               "all elements of input should be between 0 and 1")
    same_error(lambda m: f(m).binary_cross_entropy(m.rand(3), m.rand(3, 1)),
               "Using a target size (torch.Size([3, 1])) that is different to the input size (torch.Size([3])) is "
               "deprecated. Please ensure they have the same size.", ValueError)
    same_error(lambda m: f(m).binary_cross_entropy_with_logits(m.rand(3), m.rand(3, 1)),
               "Target size (torch.Size([3, 1])) must be the same as input size (torch.Size([3]))", ValueError)
    same_error(lambda m: f(m).smooth_l1_loss(m.rand(3), m.rand(3), beta=-1.0),
               "smooth_l1_loss does not support negative values for beta.")
    same_error(lambda m: f(m).huber_loss(m.rand(3), m.rand(3), delta=0.0),
               "huber_loss does not support non-positive values for delta.")
    same_error(lambda m: f(m).margin_ranking_loss(m.rand(3), m.rand(3), m.rand(3, 1)),
               "margin_ranking_loss : All input tensors should have same dimension but got sizes: input1: "
               "torch.Size([3]), input2: torch.Size([3]), target: torch.Size([3, 1])")
    same_error(lambda m: f(m).triplet_margin_loss(m.rand(3, 4), m.rand(3, 4), m.rand(3, 4), margin=0),
               "margin must be greater than 0, got 0", ValueError)
    same_error(lambda m: m.nn.TripletMarginLoss(margin=-1.0), "expected margin to be greater than 0, got -1.0",
               ValueError)
    same_error(lambda m: f(m).triplet_margin_loss(m.rand(3, 4), m.rand(3, 4), m.rand(4)),
               "anchor 2D, positive 2D, and negative 1D inputs")
    same_error(lambda m: f(m).cosine_embedding_loss(m.rand(3, 4, 2), m.rand(3, 4, 2), m.ones(3)),
               "1D target tensor expects 2D input tensors, but found inputs with sizes [3, 4, 2] and [3, 4, 2].")
    same_error(lambda m: f(m).multilabel_soft_margin_loss(m.rand(3, 4), m.rand(3, 4), reduction="x"),
               "x is not valid", ValueError)
    same_error(lambda m: f(m).mse_loss(m.rand(3), m.rand(3), weight=m.rand(4)),
               "Weights and input must have the same size.", ValueError)
    same_error(lambda m: f(m).soft_margin_loss(m.rand(3), m.rand(3, requires_grad=True)),
               "is not differentiable with respect to argument 'target'")
