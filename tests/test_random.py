"""Random sampling against PyTorch. Values differ (another generator), so the tests check what
must agree: dtypes, shapes, argument forms, errors, ranges, reproducibility, and statistics
(mean/std of 100k samples within tolerance)."""
import numpy as np
import pytest
import torch

import ember

N = 100_000


def _meta(lib, fn):
    """(dtype, shape, requires_grad) of ``fn(lib)``, or the name of the exception it raised."""
    try:
        r = fn(lib)
    except Exception as exc:
        return type(exc).__name__
    return str(r.dtype), tuple(r.shape), r.requires_grad


CALLS = {
    "rand": lambda L: L.rand(2, 3), "rand_tuple": lambda L: L.rand((2, 3)),
    "rand_f64": lambda L: L.rand([2, 3], dtype=L.float64), "rand_f16": lambda L: L.rand(2, dtype=L.float16),
    "rand_int": lambda L: L.rand(2, dtype=L.int64), "rand_0d": lambda L: L.rand(()), "rand_empty": lambda L: L.rand(0),
    "rand_grad": lambda L: L.rand(2, requires_grad=True), "rand_neg": lambda L: L.rand(-1),
    "randn": lambda L: L.randn(2, 3), "randn_int": lambda L: L.randn(2, dtype=L.int32),
    "randn_f64": lambda L: L.randn(4, dtype=L.float64),
    "randint_high": lambda L: L.randint(10, (3,)), "randint_low_high": lambda L: L.randint(3, 10, (3,)),
    "randint_list": lambda L: L.randint(3, 10, [2, 2]), "randint_float": lambda L: L.randint(3, 10, (3,), dtype=L.float32),
    "randint_u8": lambda L: L.randint(3, 10, (3,), dtype=L.uint8), "randint_empty_range": lambda L: L.randint(10, 3, (3,)),
    "randint_bool_bad": lambda L: L.randint(10, (3,), dtype=L.bool), "randint_bool": lambda L: L.randint(2, (3,), dtype=L.bool),
    "randint_kw": lambda L: L.randint(10, size=(3,)), "randint_kw2": lambda L: L.randint(low=2, high=10, size=(3,)),
    "randint_kw3": lambda L: L.randint(high=10, size=(3,)), "randint_int_size": lambda L: L.randint(10, 3),
    "randint_u8_bad": lambda L: L.randint(0, 300, (3,), dtype=L.uint8),
    "randint_i8_low": lambda L: L.randint(-2 ** 40, 0, (3,), dtype=L.int8),
    "randperm": lambda L: L.randperm(5), "randperm_f": lambda L: L.randperm(5, dtype=L.float32),
    "randperm_0": lambda L: L.randperm(0), "randperm_neg": lambda L: L.randperm(-1),
    "normal_size": lambda L: L.normal(0.0, 1.0, (3,)), "normal_size_kw": lambda L: L.normal(2, 3, size=(3,)),
    "normal_mean_t": lambda L: L.normal(L.zeros(3), 1.0), "normal_std_t": lambda L: L.normal(0.0, L.ones(3)),
    "normal_bcast": lambda L: L.normal(L.zeros(2, 3), L.ones(3)),
    "normal_f64": lambda L: L.normal(L.zeros(3, dtype=L.float64), L.ones(3)),
    "normal_mixed": lambda L: L.normal(L.zeros(3), L.ones(3, dtype=L.float64)),
    "normal_bad_form": lambda L: L.normal(L.zeros(3), 1.0, size=(2,)), "normal_no_size": lambda L: L.normal(0.0, 1.0),
    "normal_neg_std": lambda L: L.normal(0.0, -1.0, (3,)), "normal_neg_std_t": lambda L: L.normal(L.zeros(3), -1.0),
    "normal_neg_std_tt": lambda L: L.normal(L.zeros(3), L.tensor([1.0, -1.0, 1.0])),
    "normal_dtype": lambda L: L.normal(0.0, 1.0, (3,), dtype=L.float64),
    "normal_grad": lambda L: L.normal(L.zeros(3, requires_grad=True), 1.0),
    "normal_int": lambda L: L.normal(L.zeros(3, dtype=L.int64), 1.0),
    "bernoulli": lambda L: L.bernoulli(L.full((3,), 0.5)), "bernoulli_f64": lambda L: L.bernoulli(L.full((3,), 0.5, dtype=L.float64)),
    "bernoulli_p": lambda L: L.bernoulli(L.full((3,), 0.5), 0.2), "bernoulli_bad": lambda L: L.bernoulli(L.full((3,), 1.5)),
    "bernoulli_int": lambda L: L.bernoulli(L.full((3,), 1, dtype=L.int64)),
    "bernoulli_grad": lambda L: L.bernoulli(L.full((3,), 0.5, requires_grad=True)),
    "bernoulli_method": lambda L: L.full((3,), 0.5).bernoulli(),
    "multinomial": lambda L: L.multinomial(L.tensor([1.0, 2.0, 3.0]), 2),
    "multinomial_too_many": lambda L: L.multinomial(L.tensor([1.0, 2.0, 3.0]), 5),
    "multinomial_repl": lambda L: L.multinomial(L.tensor([1.0, 2.0, 3.0]), 5, replacement=True),
    "multinomial_2d": lambda L: L.multinomial(L.tensor([[1.0, 2.0, 3.0], [1, 1, 1]]), 2),
    "multinomial_neg": lambda L: L.multinomial(L.tensor([1.0, -2.0, 3.0]), 1),
    "multinomial_zero": lambda L: L.multinomial(L.tensor([0.0, 0.0, 0.0]), 1),
    "multinomial_zeros_ok": lambda L: L.multinomial(L.tensor([1.0, 0.0, 0.0]), 2),
    "multinomial_nan": lambda L: L.multinomial(L.tensor([1.0, float("nan"), 0.0]), 1),
    "multinomial_inf": lambda L: L.multinomial(L.tensor([1.0, float("inf"), 0.0]), 1),
    "multinomial_3d": lambda L: L.multinomial(L.ones(2, 2, 2), 1), "multinomial_0d": lambda L: L.multinomial(L.tensor(1.0), 1),
    "multinomial_int": lambda L: L.multinomial(L.tensor([1, 2]), 1),
    "multinomial_n0": lambda L: L.multinomial(L.tensor([1.0, 2.0]), 0),
    "rand_like": lambda L: L.rand_like(L.zeros(2, 3)), "rand_like_int": lambda L: L.rand_like(L.zeros(2, dtype=L.int64)),
    "rand_like_f64": lambda L: L.rand_like(L.zeros(2, 3, dtype=L.float64)),
    "randn_like": lambda L: L.randn_like(L.zeros(2, 3), dtype=L.float64),
    "rand_like_grad": lambda L: L.rand_like(L.zeros(2, 3, requires_grad=True)),
    "rand_like_rg": lambda L: L.rand_like(L.zeros(2), requires_grad=True),
    "randint_like": lambda L: L.randint_like(L.zeros(2, 3), 10),
    "randint_like2": lambda L: L.randint_like(L.zeros(2, 3, dtype=L.int32), 3, 10),
    "randint_like_kw": lambda L: L.randint_like(L.zeros(2, 3), low=3, high=10),
    "randint_like_kw2": lambda L: L.randint_like(L.zeros(2, 3), high=10),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_sampler_forms_dtypes_shapes_errors(name):
    assert _meta(ember, CALLS[name]) == _meta(torch, CALLS[name])


INPLACE = {
    "uniform_": lambda x: x.uniform_(), "uniform_ab": lambda x: x.uniform_(2, 5), "uniform_bad": lambda x: x.uniform_(5, 2),
    "normal_": lambda x: x.normal_(), "normal_ms": lambda x: x.normal_(1, 2), "normal_bad": lambda x: x.normal_(0, -1),
    "bernoulli_": lambda x: x.bernoulli_(), "bernoulli_p": lambda x: x.bernoulli_(0.3),
    "bernoulli_bad": lambda x: x.bernoulli_(1.5), "random_": lambda x: x.random_(), "random_to": lambda x: x.random_(10),
    "random_ft": lambda x: x.random_(2, 10), "random_bad": lambda x: x.random_(10, 2),
    "exponential_": lambda x: x.exponential_(), "exponential_l": lambda x: x.exponential_(2.0),
    "exponential_bad": lambda x: x.exponential_(-2.0), "geometric_": lambda x: x.geometric_(0.5),
    "geometric_bad": lambda x: x.geometric_(1.5), "log_normal_": lambda x: x.log_normal_(),
    "log_normal_bad": lambda x: x.log_normal_(0, -1), "cauchy_": lambda x: x.cauchy_(),
}


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int64", "uint8", "bool"])
@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_sampler_forms(name, dtype):
    def run(L):
        x = L.zeros(4, dtype=getattr(L, dtype))
        r = INPLACE[name](x)
        assert r is x
        return x
    assert _meta(ember, run) == _meta(torch, run)


def test_inplace_samplers_and_autograd():
    x = ember.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        x.normal_()
    with ember.no_grad():
        x.uniform_(-1, 1)
    assert x.requires_grad and x.is_leaf and (x.abs() <= 1).all()
    for name in ["normal_", "uniform_", "bernoulli_", "random_", "exponential_"]:
        a, ta = ember.zeros(3, requires_grad=True), torch.zeros(3, requires_grad=True)
        b, tb = a * 1, ta * 1
        getattr(b, name)(), getattr(tb, name)()
        assert b.grad_fn.name() == tb.grad_fn.name()
        b.sum().backward()
        assert a.grad.tolist() == [0.0, 0.0, 0.0]


def test_sample_grad_fns_give_zero_gradients():
    m, s = ember.zeros(3, requires_grad=True), ember.ones(2, 3, requires_grad=True)
    tm, ts = torch.zeros(3, requires_grad=True), torch.ones(2, 3, requires_grad=True)
    for f in [lambda L, m, s: L.normal(m, 1.0), lambda L, m, s: L.normal(0.0, s), lambda L, m, s: L.normal(m, s),
              lambda L, m, s: L.bernoulli(m + 0.5)]:
        y, ty = f(ember, m, s), f(torch, tm, ts)
        assert y.grad_fn.name() == ty.grad_fn.name() and y.shape == ty.shape
        y.sum().backward()
        ty.sum().backward()
        for g, tg in [(m.grad, tm.grad), (s.grad, ts.grad)]:
            assert (g is None) == (tg is None)
            if g is not None:
                assert g.shape == tg.shape and not g.numpy().any()
        m.grad = s.grad = None
        tm.grad = ts.grad = None


# -- reproducibility and generators ---------------------------------------------------------------------
SAMPLERS = [lambda **kw: ember.rand(5, **kw), lambda **kw: ember.randn(5, **kw),
            lambda **kw: ember.randint(0, 100, (5,), **kw), lambda **kw: ember.randperm(10, **kw),
            lambda **kw: ember.normal(0.0, 1.0, (5,), **kw), lambda **kw: ember.bernoulli(ember.full((5,), 0.5), **kw),
            lambda **kw: ember.multinomial(ember.ones(10), 5, **kw),
            lambda **kw: ember.multinomial(ember.ones(10), 5, True, **kw),
            lambda **kw: ember.zeros(5).uniform_(**kw), lambda **kw: ember.zeros(5).normal_(**kw),
            lambda **kw: ember.zeros(5).exponential_(**kw), lambda **kw: ember.zeros(5).random_(**kw),
            lambda **kw: ember.zeros(5).bernoulli_(**kw)]


@pytest.mark.parametrize("i", range(len(SAMPLERS)))
def test_manual_seed_reproducible(i):
    f = SAMPLERS[i]
    ember.manual_seed(123)
    a = f()
    ember.manual_seed(123)
    assert f().tolist() == a.tolist()
    g = ember.Generator().manual_seed(7)
    b = f(generator=g)
    g.manual_seed(7)
    assert f(generator=g).tolist() == b.tolist()


def test_manual_seed_and_generator_api():
    g = ember.manual_seed(5)
    assert g is ember.default_generator and isinstance(g, ember.Generator)
    assert ember.initial_seed() == 5 == torch.manual_seed(5).initial_seed()
    g = ember.Generator()
    assert g.initial_seed() == torch.Generator().initial_seed()
    assert g.manual_seed(3) is g and g.initial_seed() == 3
    assert g.device == ember.device("cpu")
    assert ember.Generator().manual_seed(-1).initial_seed() == torch.Generator().manual_seed(-1).initial_seed()
    assert ember.manual_seed(1.5).initial_seed() == 1
    for bad in [2 ** 64, -2 ** 63 - 1]:
        assert _meta(ember, lambda L: L.manual_seed(bad)) == _meta(torch, lambda L: L.manual_seed(bad))
    s = ember.seed()
    assert isinstance(s, int) and ember.initial_seed() == s
    with pytest.raises(RuntimeError, match="CuPy"):
        ember.Generator(device="cuda")


def test_generator_state_round_trip():
    g = ember.Generator().manual_seed(11)
    ember.rand(3, generator=g)
    state = g.get_state()
    assert state.dtype is ember.uint8 and state.dim() == 1
    a = ember.randn(4, generator=g)
    ember.randn(100, generator=g)
    assert g.set_state(state) is g
    assert ember.randn(4, generator=g).tolist() == a.tolist()
    assert g.initial_seed() == 11
    state = ember.get_rng_state()
    a = ember.rand(3)
    ember.set_rng_state(state)
    assert ember.rand(3).tolist() == a.tolist()
    with pytest.raises((TypeError, RuntimeError)):
        g.set_state(ember.zeros(3))


def test_generators_are_independent():
    g1, g2 = ember.Generator().manual_seed(1), ember.Generator().manual_seed(1)
    a = ember.rand(3, generator=g1)
    ember.rand(10)  # the default generator does not disturb g2
    assert ember.rand(3, generator=g2).tolist() == a.tolist()


# -- ranges and statistics -----------------------------------------------------------------------------
def _stats(t):
    a = t.numpy().astype(np.float64)
    return a.mean(), a.std()


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_rand_randn_statistics(dtype):
    ember.manual_seed(0)
    u = ember.rand(N, dtype=getattr(ember, dtype))
    assert u.dtype is getattr(ember, dtype)
    assert 0 <= u.min().item() and u.max().item() < 1
    mean, std = _stats(u)
    assert abs(mean - 0.5) < 0.01 and abs(std - (1 / 12) ** 0.5) < 0.01
    mean, std = _stats(ember.randn(N, dtype=getattr(ember, dtype)))
    assert abs(mean) < 0.02 and abs(std - 1) < 0.02


def test_randint_randperm_ranges():
    ember.manual_seed(0)
    r = ember.randint(-3, 7, (N,))
    assert r.min().item() == -3 and r.max().item() == 6
    assert np.bincount(r.numpy() + 3).min() > N / 10 * 0.9
    r = ember.randint(5, (N,), dtype=ember.float32)
    assert set(np.unique(r.numpy())) == {0.0, 1.0, 2.0, 3.0, 4.0}
    assert sorted(ember.randperm(50).tolist()) == list(range(50))
    b = ember.randint(2, (N,), dtype=ember.bool)
    assert abs(b.numpy().mean() - 0.5) < 0.01


def test_normal_statistics():
    ember.manual_seed(0)
    mean, std = _stats(ember.normal(3.0, 2.0, (N,)))
    assert abs(mean - 3) < 0.05 and abs(std - 2) < 0.05
    x = ember.normal(ember.tensor([-5.0, 5.0]).expand(N // 2, 2), ember.tensor([0.5, 2.0]))
    a = x.numpy()
    assert abs(a[:, 0].mean() + 5) < 0.02 and abs(a[:, 0].std() - 0.5) < 0.02
    assert abs(a[:, 1].mean() - 5) < 0.05 and abs(a[:, 1].std() - 2) < 0.05
    mean, std = _stats(ember.empty(N).normal_(-1.0, 0.5))
    assert abs(mean + 1) < 0.01 and abs(std - 0.5) < 0.01


def test_inplace_statistics():
    ember.manual_seed(0)
    u = ember.empty(N).uniform_(-2, 4)
    assert -2 <= u.min().item() and u.max().item() < 4 and abs(_stats(u)[0] - 1) < 0.05
    e = ember.empty(N).exponential_(2.0)
    assert e.min().item() >= 0 and abs(_stats(e)[0] - 0.5) < 0.01 and abs(_stats(e)[1] - 0.5) < 0.01
    b = ember.empty(N).bernoulli_(0.3)
    assert set(np.unique(b.numpy())) == {0.0, 1.0} and abs(_stats(b)[0] - 0.3) < 0.01
    p = ember.rand(N)
    b = ember.zeros(N, dtype=ember.int64).bernoulli_(p)
    assert (b.numpy() <= (p.numpy() > 0)).all()
    r = ember.empty(N).random_()
    assert r.min().item() >= 0 and r.max().item() <= 2 ** 24 and r.max().item() > 2 ** 23
    r = ember.empty(N, dtype=ember.uint8).random_()
    assert r.min().item() == 0 and r.max().item() == 255
    r = ember.zeros(N, dtype=ember.bool).random_()
    assert abs(r.numpy().mean() - 0.5) < 0.01
    r = ember.empty(N).random_(3, 6)
    assert set(np.unique(r.numpy())) == {3.0, 4.0, 5.0}
    g = ember.empty(N).geometric_(0.25)
    assert g.min().item() >= 1 and abs(_stats(g)[0] - 4) < 0.1


def test_bernoulli_statistics_and_values():
    ember.manual_seed(0)
    p = ember.tensor([0.0, 1.0, 0.25]).expand(N, 3)
    s = ember.bernoulli(p).numpy()
    assert s[:, 0].sum() == 0 and s[:, 1].sum() == N and abs(s[:, 2].mean() - 0.25) < 0.01
    assert abs(ember.bernoulli(ember.zeros(N), 0.7).numpy().mean() - 0.7) < 0.01


def test_multinomial_statistics():
    ember.manual_seed(0)
    w = ember.tensor([1.0, 0.0, 3.0, 4.0])
    s = ember.multinomial(w, N, replacement=True).numpy()
    freq = np.bincount(s, minlength=4) / N
    np.testing.assert_allclose(freq, [0.125, 0.0, 0.375, 0.5], atol=0.01)
    rows = ember.multinomial(ember.tensor([[1.0, 0, 0, 0], [0, 0, 0, 1.0]]), 3, replacement=True)
    assert rows.tolist() == [[0, 0, 0], [3, 3, 3]]
    # without replacement: distinct indices; zero-weight categories only after all positive ones
    draws = ember.multinomial(ember.tensor([2.0, 0.0, 1.0, 1.0, 0.0]).expand(2000, 5).contiguous(), 3)
    a = draws.numpy()
    assert all(len(set(r)) == 3 for r in a)
    assert set(a[:, :3].ravel()) <= {0, 2, 3}
    first = np.bincount(a[:, 0], minlength=5) / len(a)
    np.testing.assert_allclose(first, [0.5, 0, 0.25, 0.25, 0], atol=0.05)
    assert sorted(ember.multinomial(ember.tensor([0.0, 1.0, 1.0, 0.0]), 2).tolist()) == [1, 2]
