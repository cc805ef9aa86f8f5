"""Every optimizer against PyTorch: the same model (a small tanh MLP written with plain ops; a
logistic regression for LBFGS), started from the same weights, trained 50 steps by each library
with its own autograd; the parameters must agree to 1e-5 relative (float32) or 1e-10 (float64).
Also: state_dict format and round trip, argument checks, all-or-nothing steps."""
import copy

import numpy as np
import pytest
import torch

import ember

_rng = np.random.default_rng(0)
X = _rng.standard_normal((16, 5))
Y = _rng.standard_normal((16, 3))
W = [_rng.standard_normal((5, 8)) * 0.5, _rng.standard_normal(8) * 0.1, _rng.standard_normal((8, 3)) * 0.5,
     _rng.standard_normal(3) * 0.1]
XB = _rng.standard_normal((32, 6))
YB = (_rng.random(32) < 0.5).astype(float)
WB = [_rng.standard_normal(6) * 0.1, np.zeros(1)]


def _mlp(m, dtype):
    """Parameters, and a closure computing the MSE loss of a 5-8-3 tanh MLP and its gradients."""
    dt = getattr(m, dtype)
    ps = [m.tensor(w, dtype=dt, requires_grad=True) for w in W]
    x, y = m.tensor(X, dtype=dt), m.tensor(Y, dtype=dt)

    def loss_fn(sign=1.0):
        out = (x @ ps[0] + ps[1]).tanh() @ ps[2] + ps[3]
        return sign * ((out - y) ** 2).mean()
    return ps, loss_fn


def _logistic(m, dtype):
    dt = getattr(m, dtype)
    ps = [m.tensor(w, dtype=dt, requires_grad=True) for w in WB]
    x, y = m.tensor(XB, dtype=dt), m.tensor(YB, dtype=dt)

    def loss_fn(sign=1.0):
        z = x @ ps[0] + ps[1]
        return ((1 + z.exp()).log() - y * z).mean() + 0.01 * (ps[0] ** 2).sum()
    return ps, loss_fn


def train(m, name, kwargs, dtype, steps=50, opt_state=None):
    """Train ``steps`` steps; with ``maximize`` the objective is the negated loss (so it stays bounded)."""
    ps, loss_fn = (_logistic if name == "LBFGS" else _mlp)(m, dtype)
    sign = -1.0 if kwargs.get("maximize") else 1.0
    opt = getattr(m.optim, name)(ps, **kwargs)

    def closure():
        opt.zero_grad()
        loss = loss_fn(sign)
        loss.backward()
        return loss
    for _ in range(steps):
        if name == "LBFGS":
            opt.step(closure)
        else:
            closure()
            opt.step()
    return [p.detach().numpy().copy() for p in ps], opt


CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.8, dampening=0.3, maximize=True, foreach=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), amsgrad=True, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, decoupled_weight_decay=True, weight_decay=0.1, maximize=True, eps=1e-6)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.02, amsgrad=True, weight_decay=0.1, foreach=False)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.9, centered=True, weight_decay=0.01)),
    ("RMSprop", dict(lr=0.005, momentum=0.5, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-5, weight_decay=0.01, maximize=True)),
    ("Adamax", dict(lr=0.01)),
    ("Adamax", dict(lr=0.01, betas=(0.8, 0.9), weight_decay=0.01, maximize=True)),
    ("NAdam", dict(lr=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, maximize=True)),
    ("RAdam", dict(lr=0.01)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.01, betas=(0.9, 0.9), weight_decay=0.1, maximize=True)),
    ("LBFGS", dict(max_iter=2)),
    ("LBFGS", dict()),
    ("LBFGS", dict(max_iter=3, history_size=3, line_search_fn="strong_wolfe")),
]
IDS = [f"{name}-{i}" for i, (name, _) in enumerate(CASES)]


def _assert_close(got, expected, dtype):
    tol = 1e-5 if dtype == "float32" else 1e-10
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=tol, atol=tol * np.abs(e).max())


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_trajectory_matches_torch(name, kwargs, dtype):
    # NOTE: LBFGS with a line search reaches the float32 noise floor of the minimum within a few steps;
    # there the loss is flat to rounding, and the two libraries stop at points ~sqrt(eps) apart, so it
    # is compared before that.
    steps = 5 if kwargs.get("line_search_fn") and dtype == "float32" else 50
    got, _ = train(ember, name, kwargs, dtype, steps)
    expected, _ = train(torch, name, kwargs, dtype, steps)
    assert not all(np.array_equal(e, w) for e, w in zip(expected, W if name != "LBFGS" else WB))  # it moved
    _assert_close(got, expected, dtype)


def _to_torch(obj):
    if isinstance(obj, ember.Tensor):
        return torch.from_numpy(obj.detach().numpy().copy())
    if isinstance(obj, dict):
        return {k: _to_torch(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_torch(v) for v in obj)
    return obj


def _to_ember(obj):
    if isinstance(obj, torch.Tensor):
        return ember.tensor(obj.detach().numpy().copy())
    if isinstance(obj, dict):
        return {k: _to_ember(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_ember(v) for v in obj)
    return obj


def _same_structure(e, t, path="sd"):
    """Same keys, same option values, same tensor dtypes/shapes/values (to float32 rounding)."""
    if isinstance(t, torch.Tensor):
        assert isinstance(e, ember.Tensor), path
        assert str(e.dtype) == str(t.dtype) and tuple(e.shape) == tuple(t.shape), path
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-4, atol=1e-6, err_msg=path)
    elif isinstance(t, dict):
        assert sorted(e, key=str) == sorted(t, key=str), path
        for k in t:
            _same_structure(e[k], t[k], f"{path}[{k!r}]")
    elif isinstance(t, (list, tuple)):
        assert type(e) is type(t) and len(e) == len(t), path
        for i, (a, b) in enumerate(zip(e, t)):
            _same_structure(a, b, f"{path}[{i}]")
    elif isinstance(t, float):
        assert e == pytest.approx(t, rel=1e-4), path
    else:
        assert e == t, path


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_state_dict_format_matches_torch(name, kwargs):
    dtype = "float64" if name == "LBFGS" else "float32"  # float32 LBFGS may stop an iteration sooner or later
    _, eo = train(ember, name, kwargs, dtype, steps=3)
    _, to = train(torch, name, kwargs, dtype, steps=3)
    _same_structure(eo.state_dict(), to.state_dict())


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_state_dict_round_trip_continues_identically(name, kwargs):
    """Train 20 steps, save; train 30 more. A fresh model + optimizer loading the saved weights and
    state (through a deepcopy, as a checkpoint would) must follow exactly the same 30 steps."""
    ps, loss_fn = (_logistic if name == "LBFGS" else _mlp)(ember, "float64")
    opt = getattr(ember.optim, name)(ps, **kwargs)
    ps2, loss_fn2 = (_logistic if name == "LBFGS" else _mlp)(ember, "float64")
    opt2 = getattr(ember.optim, name)(ps2, **kwargs)

    def run(opt, ps, loss_fn, steps):
        def closure():
            opt.zero_grad()
            loss = loss_fn(-1.0 if kwargs.get("maximize") else 1.0)
            loss.backward()
            return loss
        for _ in range(steps):
            if name == "LBFGS":
                opt.step(closure)
            else:
                closure()
                opt.step()
    run(opt, ps, loss_fn, 20)
    saved = copy.deepcopy(opt.state_dict())
    for p, p2 in zip(ps, ps2):
        p2.data.copy_(p.data)
    opt2.load_state_dict(saved)
    run(opt, ps, loss_fn, 30)
    run(opt2, ps2, loss_fn2, 30)
    for p, p2 in zip(ps, ps2):
        np.testing.assert_array_equal(p.detach().numpy(), p2.detach().numpy())


@pytest.mark.parametrize("name,kwargs", [c for c in CASES if c[0] != "LBFGS"][::2])
def test_torch_state_dict_loads_into_ember(name, kwargs):
    """PyTorch's state_dict (tensors converted) continues in ember as in PyTorch, and back."""
    _, to = train(torch, name, kwargs, "float64", steps=10)
    t_ps = to.param_groups[0]["params"]
    e_ps = [ember.tensor(p.detach().numpy().copy(), requires_grad=True) for p in t_ps]
    eo = getattr(ember.optim, name)(e_ps, **kwargs)
    eo.load_state_dict(_to_ember(to.state_dict()))
    t2 = getattr(torch.optim, name)([p.detach().clone().requires_grad_() for p in t_ps], **kwargs)
    t2.load_state_dict(_to_torch(eo.state_dict()))
    rng = np.random.default_rng(1)
    for _ in range(5):
        grads = [rng.standard_normal(p.shape) for p in t_ps]
        for opt, ps, m in ((to, t_ps, torch), (eo, e_ps, ember), (t2, t2.param_groups[0]["params"], torch)):
            for p, g in zip(ps, grads):
                p.grad = m.tensor(g, dtype=m.float64)
            opt.step()
    for e, t, t2p in zip(e_ps, t_ps, t2.param_groups[0]["params"]):
        np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-10)
        np.testing.assert_allclose(t2p.detach().numpy(), t.detach().numpy(), rtol=1e-10)


def test_load_state_dict_casts_to_param_dtype():
    w = ember.zeros(3, dtype=ember.float64, requires_grad=True)
    opt = ember.optim.Adam([w])
    w.grad = ember.ones(3, dtype=ember.float64)
    opt.step()
    sd = opt.state_dict()
    w32 = ember.zeros(3, requires_grad=True)
    opt32 = ember.optim.Adam([w32])
    opt32.load_state_dict(sd)
    st = opt32.state[w32]
    assert st["exp_avg"].dtype == ember.float32 and st["step"].dtype == ember.float32
    assert st["exp_avg"] is not sd["state"][0]["exp_avg"]  # copied: the two optimizers share nothing


@pytest.mark.parametrize("make,exc,match", [
    (lambda m, p: m.optim.SGD(p, lr=-0.1), ValueError, "Invalid learning rate: -0.1"),
    (lambda m, p: m.optim.RMSprop(p, lr=m.tensor([0.1, 0.2])), ValueError, "Tensor lr must be 1-element"),
    (lambda m, p: m.optim.SGD(p, momentum=-1), ValueError, "Invalid momentum value: -1"),
    (lambda m, p: m.optim.SGD(p, weight_decay=-1), ValueError, "Invalid weight_decay value: -1"),
    (lambda m, p: m.optim.SGD(p, nesterov=True), ValueError, "Nesterov momentum requires a momentum and zero damp"),
    (lambda m, p: m.optim.SGD(p, momentum=0.9, dampening=0.1, nesterov=True), ValueError, "Nesterov momentum"),
    (lambda m, p: m.optim.Adam(p, betas=(1.0, 0.999)), ValueError, "Invalid beta parameter at index 0: 1.0"),
    (lambda m, p: m.optim.AdamW(p, betas=(0.9, -0.1)), ValueError, "Invalid beta parameter at index 1: -0.1"),
    (lambda m, p: m.optim.Adam(p, eps=-1e-8), ValueError, "Invalid epsilon value: -1e-08"),
    (lambda m, p: m.optim.Adam(p, betas=(0, 0.99)), ValueError, "betas must be either both floats or both Tensors"),
    (lambda m, p: m.optim.Adam(p, weight_decay=-1), ValueError, "Invalid weight_decay value: -1"),
    (lambda m, p: m.optim.RMSprop(p, alpha=-1), ValueError, "Invalid alpha value: -1"),
    (lambda m, p: m.optim.RMSprop(p, momentum=-1), ValueError, "Invalid momentum value: -1"),
    (lambda m, p: m.optim.Adagrad(p, lr_decay=-1), ValueError, "Invalid lr_decay value: -1"),
    (lambda m, p: m.optim.Adagrad(p, initial_accumulator_value=-1), ValueError,
     "Invalid initial_accumulator_value value: -1"),
    (lambda m, p: m.optim.Adadelta(p, rho=1.5), ValueError, "Invalid rho value: 1.5"),
    (lambda m, p: m.optim.Adamax(p, lr=-1), ValueError, "Invalid learning rate: -1"),
    (lambda m, p: m.optim.NAdam(p, momentum_decay=-1), ValueError, "Invalid momentum_decay value: -1"),
    (lambda m, p: m.optim.RAdam(p, eps=-1), ValueError, "Invalid epsilon value: -1"),
    (lambda m, p: m.optim.LBFGS(p, lr=-1), ValueError, "Invalid learning rate: -1"),
    (lambda m, p: m.optim.LBFGS([{"params": p[:1]}, {"params": p[1:]}]), ValueError,
     "LBFGS doesn't support per-parameter options"),
])
def test_argument_errors(make, exc, match):
    for m in (torch, ember):
        ps = [m.zeros(2, requires_grad=True), m.zeros(3, requires_grad=True)]
        with pytest.raises(exc, match=match):
            make(m, ps)


@pytest.mark.parametrize("name,option", [("SGD", "fused"), ("SGD", "differentiable"), ("Adam", "fused"),
                                         ("Adam", "capturable"), ("AdamW", "differentiable"),
                                         ("RMSprop", "capturable"), ("Adagrad", "fused"), ("Adadelta", "capturable"),
                                         ("Adamax", "differentiable"), ("NAdam", "capturable"),
                                         ("RAdam", "differentiable")])
def test_kernel_options_raise(name, option):
    w = ember.zeros(2, requires_grad=True)
    with pytest.raises(NotImplementedError, match=f"{option}=True"):
        getattr(ember.optim, name)([w], **{option: True})
    getattr(ember.optim, name)([w], **{option: False}, foreach=True)  # accepted, changes nothing


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam"])
def test_failing_step_changes_nothing(name):
    """The second parameter's gradient has the wrong shape: the step raises, and neither the first
    parameter nor any state has changed."""
    a = ember.ones(3, requires_grad=True)
    b = ember.ones(2, requires_grad=True)
    opt = getattr(ember.optim, name)([a, b], lr=0.1, **({"momentum": 0.9} if name == "SGD" else {}))
    a.grad, b.grad = ember.ones(3), ember.ones(2)
    opt.step()
    before = copy.deepcopy(opt.state_dict())
    a_before, version = a.detach().numpy().copy(), a._version
    a.grad = ember.ones(3)
    b._grad = ember.ones(4)  # bypasses the setter's shape check
    with pytest.raises(RuntimeError, match="has shape \\(4,\\)"):
        opt.step()
    np.testing.assert_array_equal(a.detach().numpy(), a_before)
    assert a._version == version
    _same_structure(opt.state_dict(), _to_torch(before))


def test_step_is_in_place_and_bumps_version():
    w = ember.ones(4, requires_grad=True)
    view = w.detach()[1:]
    opt = ember.optim.Adam([w], lr=0.5)
    (w * w).sum().backward()
    v0 = w._version
    opt.step()
    assert w._version == v0 + 1
    np.testing.assert_array_equal(view.numpy(), w.detach().numpy()[1:])  # same memory


def test_params_without_grad_are_skipped():
    for m in (torch, ember):
        a, b = m.ones(2, requires_grad=True), m.ones(2, requires_grad=True)
        opt = m.optim.Adam([a, b], lr=0.1)
        a.grad = m.ones(2)
        opt.step()
        assert len(opt.state) == 1 and b.detach().numpy().tolist() == [1.0, 1.0]


def test_per_group_options():
    def prog(m):
        a = m.tensor(W[0], requires_grad=True)
        b = m.tensor(W[2], requires_grad=True)
        opt = m.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5, "momentum": 0.5}], lr=0.1, momentum=0.9)
        for _ in range(5):
            opt.zero_grad()
            ((a.sum() * b.sum()) ** 2).backward()
            opt.step()
        return a.detach().numpy(), b.detach().numpy()
    for e, t in zip(prog(ember), prog(torch)):
        np.testing.assert_allclose(e, t, rtol=1e-12)


def test_lbfgs_needs_closure_and_returns_first_loss():
    w = ember.tensor([1.0, -2.0], requires_grad=True)
    opt = ember.optim.LBFGS([w])
    with pytest.raises(RuntimeError, match="LBFGS requires a closure"):
        opt.step()

    def closure():
        opt.zero_grad()
        loss = ((w - 3) ** 2).sum()
        loss.backward()
        return loss
    first = opt.step(closure)
    assert float(first) == pytest.approx(29.0)
    np.testing.assert_allclose(w.detach().numpy(), [3.0, 3.0], atol=1e-6)
    assert opt.step(closure) is not None  # already optimal: returns at once


@pytest.mark.parametrize("kwargs", [dict(lr=0.1), dict(lr=0.0), dict(lr=0.1, momentum=0.9, nesterov=True)])
def test_sgd_float16_and_zero_lr_match_torch(kwargs):
    # SGD steps with a cached 0-d step size per dtype; float16 and lr=0 take the uncached path
    out = {}
    for m in (torch, ember):
        w = m.tensor([1.0, -2.0, 0.5], dtype=m.float16, requires_grad=True)
        opt = m.optim.SGD([w], **kwargs)
        for _ in range(3):
            opt.zero_grad()
            (w * w).sum().backward()
            opt.step()
        out[m] = w.detach().float().numpy()
    np.testing.assert_allclose(out[ember], out[torch], rtol=2e-3)
