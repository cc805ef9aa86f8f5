"""nn.init against PyTorch: exact values for the deterministic initializers and gains,
statistical checks (bounds, mean, std) for the random ones, checked on both libraries'
samples, and the shared semantics (in place, no_grad, returns the tensor, seeding)."""
import math
import warnings

import numpy as np
import pytest
import torch

import ember
from tests.test_autograd import same, same_error

NONLINEARITIES = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
                  "sigmoid", "tanh", "relu", "leaky_relu", "selu"]


@pytest.mark.parametrize("name", NONLINEARITIES)
def test_calculate_gain(name):
    same(lambda m: m.nn.init.calculate_gain(name))
    if name == "leaky_relu":
        for p in (0, 0.2, 1, 3.5):
            same(lambda m: m.nn.init.calculate_gain(name, p))


def test_calculate_gain_errors():
    same_error(lambda m: m.nn.init.calculate_gain("swish"), "Unsupported nonlinearity swish", ValueError)
    same_error(lambda m: m.nn.init.calculate_gain("leaky_relu", True), "negative_slope True not a valid number",
               ValueError)


@pytest.mark.parametrize("shape", [(3, 5), (4, 2, 3), (8, 3, 3, 3), (2, 6, 1, 2, 2)])
def test_fan_in_fan_out(shape):
    same(lambda m: m.nn.init._calculate_fan_in_and_fan_out(m.empty(*shape)))


def test_fan_errors():
    same_error(lambda m: m.nn.init.xavier_uniform_(m.empty(3)), "Fan in and fan out can not be computed for tensor "
                                                                "with fewer than 2 dimensions", ValueError)
    same_error(lambda m: m.nn.init.kaiming_uniform_(m.empty(3, 3), mode="fan_avg"),
               "Mode fan_avg not supported, please use one of ['fan_in', 'fan_out']", ValueError)
    same_error(lambda m: m.nn.init.eye_(m.empty(3)), "Only tensors with 2 dimensions are supported", ValueError)
    same_error(lambda m: m.nn.init.dirac_(m.empty(3, 3)), "Only tensors with 3, 4, or 5 dimensions are supported",
               ValueError)
    same_error(lambda m: m.nn.init.dirac_(m.empty(3, 3, 3), groups=2), "dim 0 must be divisible by groups",
               ValueError)
    same_error(lambda m: m.nn.init.orthogonal_(m.empty(3)), "Only tensors with 2 or more dimensions are supported",
               ValueError)
    same_error(lambda m: m.nn.init.sparse_(m.empty(3, 3, 3), 0.1), "Only tensors with 2 dimensions are supported",
               ValueError)


def test_deterministic_initializers_exact():
    def prog(m):
        init = m.nn.init
        return (init.eye_(m.empty(3, 5)), init.eye_(m.empty(4, 2, dtype=m.float64)), init.constant_(m.empty(2, 3), 0.5),
                init.ones_(m.empty(2)), init.zeros_(m.ones(2, 2)), init.dirac_(m.empty(4, 2, 3)),
                init.dirac_(m.empty(6, 2, 3, 3), groups=2), init.dirac_(m.empty(2, 3, 1, 3, 2)))
    same(prog)


def test_dirac_is_identity_convolution():
    w = ember.nn.init.dirac_(ember.empty(3, 3, 3, 3))
    x = torch.randn(1, 3, 5, 5)
    y = torch.nn.functional.conv2d(x, torch.from_numpy(w.numpy().copy()), padding=1)
    np.testing.assert_allclose(y.numpy(), x.numpy(), atol=1e-6)


def _samples(m, fn, shape, **kw):
    m.manual_seed(0)
    return getattr(m.nn.init, fn)(m.empty(*shape, dtype=m.float64), **kw).detach().numpy().ravel()


@pytest.mark.parametrize("fn, kw, shape, expected_std, bound", [
    ("uniform_", dict(a=-2.0, b=3.0), (200, 300), 5 / math.sqrt(12), (-2.0, 3.0)),
    ("normal_", dict(mean=1.5, std=0.3), (200, 300), 0.3, None),
    ("xavier_uniform_", dict(gain=2.0), (200, 300), 2 * math.sqrt(2 / 500), 2 * math.sqrt(6 / 500)),
    ("xavier_normal_", dict(gain=0.5), (200, 30, 3), 0.5 * math.sqrt(2 / (90 + 600)), None),
    ("kaiming_uniform_", dict(a=math.sqrt(5)), (300, 200), math.sqrt(1 / 3) / math.sqrt(200), 1 / math.sqrt(200)),
    ("kaiming_uniform_", dict(mode="fan_out", nonlinearity="relu"), (50, 40, 3, 3), math.sqrt(2 / 450),
     math.sqrt(6 / 450)),
    ("kaiming_normal_", dict(nonlinearity="relu"), (300, 200), math.sqrt(2 / 200), None),
    ("kaiming_normal_", dict(a=0.1, mode="fan_out"), (300, 20, 10), math.sqrt(2 / 1.01) / math.sqrt(3000), None),
])
def test_random_initializers_statistics(fn, kw, shape, expected_std, bound):
    n = int(np.prod(shape))
    for m in (torch, ember):
        s = _samples(m, fn, shape, **kw)
        mean = kw.get("mean", (bound[0] + bound[1]) / 2 if isinstance(bound, tuple) else 0.0)
        assert abs(s.std() - expected_std) < 5 * expected_std / math.sqrt(2 * n), (m.__name__, s.std())
        assert abs(s.mean() - mean) < 5 * expected_std / math.sqrt(n), (m.__name__, s.mean())
        if bound is not None:
            lo, hi = bound if isinstance(bound, tuple) else (-bound, bound)
            assert s.min() >= lo and s.max() <= hi, m.__name__
            assert s.min() < lo + 0.01 * (hi - lo) and s.max() > hi - 0.01 * (hi - lo), m.__name__  # reaches it


@pytest.mark.parametrize("mean, std, a, b", [(0.0, 1.0, -2.0, 2.0), (0.5, 2.0, -1.0, 3.0), (0.0, 0.02, -0.04, 0.04),
                                             (1.0, 1.0, 1.0, 4.0)])
def test_trunc_normal(mean, std, a, b):
    # moments of the truncated normal, in closed form
    alpha, beta = (a - mean) / std, (b - mean) / std
    pdf = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda x: (1 + math.erf(x / math.sqrt(2))) / 2  # noqa: E731
    z = cdf(beta) - cdf(alpha)
    t_mean = mean + std * (pdf(alpha) - pdf(beta)) / z
    t_var = std ** 2 * (1 + (alpha * pdf(alpha) - beta * pdf(beta)) / z - ((pdf(alpha) - pdf(beta)) / z) ** 2)
    for m in (torch, ember):
        s = _samples(m, "trunc_normal_", (300, 300), mean=mean, std=std, a=a, b=b)
        assert s.min() >= a and s.max() <= b
        assert abs(s.mean() - t_mean) < 5 * math.sqrt(t_var / s.size), (m.__name__, s.mean(), t_mean)
        assert abs(s.std() - math.sqrt(t_var)) < 0.01 * math.sqrt(t_var), (m.__name__, s.std(), math.sqrt(t_var))


def test_trunc_normal_warns_far_mean():
    for m in (torch, ember):
        with pytest.warns(UserWarning, match="mean is more than 2 std from"):
            m.nn.init.trunc_normal_(m.empty(3), mean=10.0)


@pytest.mark.parametrize("shape, gain", [((4, 6), 1.0), ((6, 4), 2.0), ((5, 5), 1.0), ((3, 2, 2, 2), 0.5)])
def test_orthogonal(shape, gain):
    for dt in (ember.float32, ember.float64):
        w = ember.nn.init.orthogonal_(ember.empty(*shape, dtype=dt), gain=gain)
        assert w.dtype == dt
        flat = w.numpy().reshape(shape[0], -1).astype(np.float64)
        rows, cols = flat.shape
        gram = flat @ flat.T if rows <= cols else flat.T @ flat
        np.testing.assert_allclose(gram, gain ** 2 * np.eye(min(rows, cols)), atol=1e-5)


def test_orthogonal_is_uniform_on_signs():
    """With R's diagonal signs folded in, Q's diagonal entries are positive or negative equally often."""
    ember.manual_seed(0)
    diag = np.concatenate([np.diag(ember.nn.init.orthogonal_(ember.empty(4, 4)).numpy()) for _ in range(200)])
    assert 0.4 < (diag > 0).mean() < 0.6


def test_sparse():
    for m in (torch, ember):
        m.manual_seed(0)
        w = m.nn.init.sparse_(m.empty(10, 300), sparsity=0.25, std=0.5).numpy()
        assert ((w == 0).sum(0) == 3).all(), m.__name__  # ceil(0.25 * 10) zeros in every column
        assert abs(w[w != 0].std() - 0.5) < 0.03


def test_in_place_no_grad_returns_tensor():
    for name, args in [("uniform_", ()), ("normal_", ()), ("trunc_normal_", ()), ("constant_", (0.3,)),
                       ("ones_", ()), ("zeros_", ()), ("eye_", ()), ("xavier_uniform_", ()), ("xavier_normal_", ()),
                       ("kaiming_uniform_", ()), ("kaiming_normal_", ()), ("orthogonal_", ()), ("sparse_", (0.5,))]:
        p = ember.nn.Parameter(ember.empty(4, 3))
        out = getattr(ember.nn.init, name)(p, *args)
        assert out is p and p.grad_fn is None and p.requires_grad and p._version > 0, name
    p = ember.nn.Parameter(ember.empty(2, 3, 3))
    assert ember.nn.init.dirac_(p) is p and p.grad_fn is None


def test_seeding_and_generator():
    init = ember.nn.init
    ember.manual_seed(3)
    a = init.kaiming_uniform_(ember.empty(5, 4)).numpy().copy()
    ember.manual_seed(3)
    b = init.kaiming_uniform_(ember.empty(5, 4)).numpy().copy()
    np.testing.assert_array_equal(a, b)
    for fn in ("uniform_", "normal_", "trunc_normal_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
               "kaiming_normal_", "orthogonal_", "sparse_"):
        args = (0.5,) if fn == "sparse_" else ()
        g1, g2 = ember.Generator().manual_seed(7), ember.Generator().manual_seed(7)
        x = getattr(init, fn)(ember.empty(5, 4), *args, generator=g1).numpy().copy()
        ember.manual_seed(99)  # the default generator is not used
        y = getattr(init, fn)(ember.empty(5, 4), *args, generator=g2).numpy().copy()
        if fn != "sparse_":  # sparse_ picks the zeroed rows with the default generator, as PyTorch
            np.testing.assert_array_equal(x, y, err_msg=fn)


def test_zero_element_warns_and_deprecated_aliases():
    for m in (torch, ember):
        with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
            m.nn.init.kaiming_uniform_(m.empty(0, 3))
        with pytest.warns(FutureWarning, match="`nn.init.xavier_uniform` is now deprecated in favor of "
                                               "`nn.init.xavier_uniform_`"):
            m.nn.init.xavier_uniform(m.empty(2, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in ("uniform", "normal", "constant", "xavier_normal", "kaiming_uniform", "kaiming_normal",
                     "orthogonal", "sparse"):
            args = {"constant": (1.0,), "sparse": (0.5,)}.get(name, ())
            assert getattr(ember.nn.init, name)(ember.empty(3, 2), *args).shape == (3, 2)
