"""Learning-rate schedulers against PyTorch: each test runs one small program with ``m`` = torch and
``m`` = ember; the learning rates (and cycled momenta) over 100 steps must agree to 1e-12, and a
schedule saved with ``state_dict`` mid-way must continue identically after ``load_state_dict``."""
import copy
import math
import warnings

import numpy as np
import pytest
import torch

import ember


def _optimizer(m, kind="SGD", groups=1):
    ps = [m.zeros(2, requires_grad=True) for _ in range(groups)]
    param_groups = [{"params": [p], "lr": 0.1 / (i + 1)} for i, p in enumerate(ps)]
    if kind == "SGD":
        return m.optim.SGD(param_groups, lr=0.1, momentum=0.9)
    return m.optim.Adam(param_groups, lr=0.1)


def _sched(m, opt, name, kwargs):
    if name == "SequentialLR":
        s = m.optim.lr_scheduler
        return s.SequentialLR(opt, [s.LinearLR(opt, start_factor=0.1, total_iters=10),
                                    s.CosineAnnealingLR(opt, T_max=30), s.ExponentialLR(opt, gamma=0.97)],
                              milestones=kwargs["milestones"])
    if name == "ChainedScheduler":
        s = m.optim.lr_scheduler
        return s.ChainedScheduler([s.ConstantLR(opt, factor=0.5, total_iters=7), s.ExponentialLR(opt, gamma=0.95),
                                   s.MultiStepLR(opt, milestones=[20, 50], gamma=0.3)])
    return getattr(m.optim.lr_scheduler, name)(opt, **kwargs)


CASES = [
    ("LambdaLR", dict(lr_lambda=lambda e: 0.95 ** e)),
    ("LambdaLR", dict(lr_lambda=lambda e: 1.0 / (1 + e) if e % 7 else 0.5)),
    ("MultiplicativeLR", dict(lr_lambda=lambda e: 0.97)),
    ("MultiplicativeLR", dict(lr_lambda=lambda e: 1.01 if e < 30 else 0.9)),
    ("StepLR", dict(step_size=10)),
    ("StepLR", dict(step_size=7, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[10, 25, 25, 60], gamma=0.3)),
    ("ConstantLR", dict()),
    ("ConstantLR", dict(factor=0.25, total_iters=40)),
    ("LinearLR", dict()),
    ("LinearLR", dict(start_factor=0.2, end_factor=0.6, total_iters=33)),
    ("LinearLR", dict(start_factor=1.0, end_factor=0.0, total_iters=100)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("PolynomialLR", dict()),
    ("PolynomialLR", dict(total_iters=60, power=2.5)),
    ("CosineAnnealingLR", dict(T_max=10)),
    ("CosineAnnealingLR", dict(T_max=37, eta_min=0.001)),
    ("CosineAnnealingWarmRestarts", dict(T_0=10)),
    ("CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2, eta_min=0.01)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=7)),
    ("CyclicLR", dict(base_lr=[0.01, 0.001], max_lr=0.2, step_size_up=5, step_size_down=12, mode="triangular2")),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=6, mode="exp_range", gamma=0.98,
                      base_momentum=0.7, max_momentum=0.95)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=6, scale_fn=lambda x: 0.5 * (1 + math.sin(x)),
                      scale_mode="iterations", cycle_momentum=False)),
    ("OneCycleLR", dict(max_lr=0.5, total_steps=100)),
    ("OneCycleLR", dict(max_lr=[0.5, 0.2], epochs=10, steps_per_epoch=10, pct_start=0.4, anneal_strategy="linear",
                        div_factor=10.0, final_div_factor=100.0)),
    ("OneCycleLR", dict(max_lr=0.3, total_steps=100, three_phase=True, base_momentum=0.8, max_momentum=0.9)),
    ("SequentialLR", dict(milestones=[10, 40])),
    ("ChainedScheduler", dict()),
]
IDS = [f"{name}-{i}" for i, (name, _) in enumerate(CASES)]


def _lr_sequence(m, name, kwargs, kind="SGD", groups=2, steps=100):
    opt = _optimizer(m, kind, groups)
    sched = _sched(m, opt, name, kwargs)
    lrs, momenta = [list(sched.get_last_lr())], []
    for _ in range(steps):
        opt.step()
        sched.step()
        lrs.append(list(sched.get_last_lr()))
        momenta.append([g.get("momentum", g.get("betas", (None,))[0]) for g in opt.param_groups])
    return lrs, momenta


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
@pytest.mark.parametrize("kind", ["SGD", "Adam"])
def test_sequence_matches_torch(name, kwargs, kind):
    expected = _lr_sequence(torch, name, kwargs, kind)
    got = _lr_sequence(ember, name, kwargs, kind)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(np.array(g, dtype=float), np.array(e, dtype=float), rtol=1e-12, atol=0)


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_state_dict_round_trip(name, kwargs):
    """Save after 40 steps, load into a fresh optimizer + scheduler, continue: identical to going on."""
    opt = _optimizer(ember, "SGD", 2)
    sched = _sched(ember, opt, name, kwargs)
    for _ in range(40):
        opt.step()
        sched.step()
    saved_sched = copy.deepcopy(sched.state_dict())
    saved_opt = copy.deepcopy(opt.state_dict())
    opt2 = _optimizer(ember, "SGD", 2)
    sched2 = _sched(ember, opt2, name, kwargs)
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(saved_sched)
    for _ in range(60):
        opt.step(), opt2.step()
        sched.step(), sched2.step()
        assert sched2.get_last_lr() == sched.get_last_lr()
        assert [g["lr"] for g in opt2.param_groups] == [g["lr"] for g in opt.param_groups]


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_state_dict_keys_match_torch(name, kwargs):
    def keys(m):
        opt = _optimizer(m, "SGD", 2)
        sd = _sched(m, opt, name, kwargs).state_dict()
        return sorted(sd), sorted(opt.param_groups[0])
    assert keys(ember) == keys(torch)


def test_cosine_warm_restarts_fractional_epochs():
    def prog(m):
        opt = _optimizer(m)
        sched = m.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=4, T_mult=2, eta_min=0.001)
        lrs = []
        for epoch in range(20):
            for batch in range(5):
                opt.step()
                sched.step(epoch + batch / 5)
                lrs.append(sched.get_last_lr()[0])
        sched.step(100)
        return lrs + [sched.get_last_lr()[0], sched.T_i, sched.T_cur]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert prog(ember) == pytest.approx(prog(torch), rel=1e-12)


@pytest.mark.parametrize("name,kwargs", [("StepLR", dict(step_size=3)), ("MultiStepLR", dict(milestones=[2, 5])),
                                         ("ExponentialLR", dict(gamma=0.9)), ("CosineAnnealingLR", dict(T_max=6)),
                                         ("LinearLR", dict()), ("PolynomialLR", dict(total_iters=8)),
                                         ("ConstantLR", dict()), ("LambdaLR", dict(lr_lambda=lambda e: 1 / (e + 1)))])
def test_step_with_epoch_uses_closed_form(name, kwargs):
    def prog(m):
        opt = _optimizer(m)
        sched = getattr(m.optim.lr_scheduler, name)(opt, **kwargs)
        out = []
        for epoch in [3, 1, 7, 7, 2, 10]:
            opt.step()
            sched.step(epoch)
            out.append(sched.get_last_lr()[0])
        return out
    with pytest.warns(UserWarning, match="epoch parameter"):
        got = prog(ember)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert got == pytest.approx(prog(torch), rel=1e-12)


@pytest.mark.parametrize("kwargs", [dict(), dict(mode="max", factor=0.5, patience=2, threshold_mode="abs",
                                                 threshold=0.05, cooldown=3, min_lr=[0.02, 0.001]),
                                    dict(patience=0, cooldown=1, threshold=0.1, eps=0.05)])
def test_reduce_lr_on_plateau(kwargs):
    metrics = [1.0, 0.9, 0.95, 0.91, 0.92, 0.93, 0.8, 0.85, 0.86, 0.87, 0.88, 0.89] * 9

    def prog(m):
        opt = _optimizer(m, groups=2)
        sched = m.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
        out = []
        for i, v in enumerate(metrics):
            opt.step()
            sched.step(m.tensor(v) if i % 2 else v)
            out.append(list(sched.get_last_lr()) + [sched.num_bad_epochs, sched.cooldown_counter, sched.best])
        return out, sorted(sched.state_dict())
    assert prog(ember) == prog(torch)


def test_reduce_lr_on_plateau_state_dict_round_trip():
    opt = _optimizer(ember)
    sched = ember.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=1)
    for v in [3, 2, 2, 2]:
        sched.step(v)
    sched2 = ember.optim.lr_scheduler.ReduceLROnPlateau(_optimizer(ember), mode="max")
    sched2.load_state_dict(copy.deepcopy(sched.state_dict()))
    assert sched2.mode == "min" and sched2.best == 2 and sched2._is_better(1.0, 2.0)


def test_last_lr_is_initial_lr_and_initial_lr_key():
    opt = _optimizer(ember, groups=2)
    sched = ember.optim.lr_scheduler.StepLR(opt, 2)
    assert sched.get_last_lr() == [0.1, 0.05] and sched.base_lrs == [0.1, 0.05] and sched.last_epoch == 0
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.05]


def test_resume_needs_initial_lr():
    for m in (torch, ember):
        with pytest.raises(KeyError, match="param 'initial_lr' is not specified in param_groups\\[0\\]"):
            m.optim.lr_scheduler.StepLR(_optimizer(m), 2, last_epoch=5)


def test_get_lr_outside_step_warns_and_step_order_warning():
    opt = _optimizer(ember)
    sched = ember.optim.lr_scheduler.ExponentialLR(opt, 0.9)
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        sched.get_lr()
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()
    opt2 = _optimizer(ember)
    sched2 = ember.optim.lr_scheduler.ExponentialLR(opt2, 0.9)
    opt2.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched2.step()


def test_verbose_is_deprecated():
    with pytest.warns(UserWarning, match="verbose parameter is deprecated"):
        ember.optim.lr_scheduler.StepLR(_optimizer(ember), 2, verbose=True)


def test_tensor_lr_is_updated_in_place():
    w = ember.zeros(2, requires_grad=True)
    lr = ember.tensor(0.1)
    opt = ember.optim.SGD([w], lr=lr)
    sched = ember.optim.lr_scheduler.StepLR(opt, 1, gamma=0.5)
    opt.step()
    sched.step()
    assert opt.param_groups[0]["lr"] is lr and float(lr) == pytest.approx(0.05)


@pytest.mark.parametrize("make,exc,match", [
    (lambda m, o: m.optim.lr_scheduler.StepLR("sgd", 2), TypeError, "str is not an Optimizer"),
    (lambda m, o: m.optim.lr_scheduler.ConstantLR(o, factor=2), ValueError, "between 0 and 1"),
    (lambda m, o: m.optim.lr_scheduler.LinearLR(o, start_factor=0), ValueError, "greater than 0"),
    (lambda m, o: m.optim.lr_scheduler.LinearLR(o, end_factor=2), ValueError, "Ending multiplicative factor"),
    (lambda m, o: m.optim.lr_scheduler.LambdaLR(o, [lambda e: 1] * 3), ValueError, "Expected 2 lr_lambdas, but got 3"),
    (lambda m, o: m.optim.lr_scheduler.MultiplicativeLR(o, 0.9), TypeError, "lr_lambda should be a function"),
    (lambda m, o: m.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=0), ValueError, "positive integer T_0"),
    (lambda m, o: m.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0), ValueError, "T_mult >= 1"),
    (lambda m, o: m.optim.lr_scheduler.CyclicLR(o, 0.1, 1.0, mode="sine"), ValueError, "mode is invalid"),
    (lambda m, o: m.optim.lr_scheduler.CyclicLR(o, [0.1], 1.0), ValueError, "base_lr must have the same length"),
    (lambda m, o: m.optim.lr_scheduler.OneCycleLR(o, 0.1), ValueError, "You must define either total_steps"),
    (lambda m, o: m.optim.lr_scheduler.OneCycleLR(o, 0.1, total_steps=0), ValueError, "positive integer total_steps"),
    (lambda m, o: m.optim.lr_scheduler.OneCycleLR(o, 0.1, 10, pct_start=1), ValueError, "pct_start"),
    (lambda m, o: m.optim.lr_scheduler.OneCycleLR(o, 0.1, 10, anneal_strategy="x"), ValueError, "anneal_strategy"),
    (lambda m, o: m.optim.lr_scheduler.ReduceLROnPlateau(o, factor=1.0), ValueError, "Factor should be < 1.0."),
    (lambda m, o: m.optim.lr_scheduler.ReduceLROnPlateau(o, mode="up"), ValueError, "mode up is unknown!"),
    (lambda m, o: m.optim.lr_scheduler.ReduceLROnPlateau(o, min_lr=[0.1]), ValueError, "expected 2 min_lrs, got 1"),
    (lambda m, o: m.optim.lr_scheduler.SequentialLR(o, [], []), ValueError, "expects at least one scheduler"),
    (lambda m, o: m.optim.lr_scheduler.SequentialLR(o, [m.optim.lr_scheduler.StepLR(o, 2)], [3]), ValueError,
     "number of schedulers provided to be one more"),
    (lambda m, o: m.optim.lr_scheduler.ChainedScheduler([m.optim.lr_scheduler.ReduceLROnPlateau(o)]), ValueError,
     "does not support `ReduceLROnPlateau`"),
    (lambda m, o: m.optim.lr_scheduler.SequentialLR(o, [m.optim.lr_scheduler.StepLR(_optimizer(m), 2)], []),
     ValueError, "expects all schedulers to belong to the same optimizer"),
])
def test_errors(make, exc, match):
    for m in (torch, ember):
        with pytest.raises(exc, match=match):
            make(m, _optimizer(m, groups=2))


def test_cycle_momentum_needs_momentum():
    for m in (torch, ember):
        opt = m.optim.Adagrad([m.zeros(2, requires_grad=True)])
        with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
            m.optim.lr_scheduler.OneCycleLR(opt, 0.1, 10)
    with pytest.raises(ValueError, match="Tried to step 11 times"):
        opt = _optimizer(ember)
        sched = ember.optim.lr_scheduler.OneCycleLR(opt, 0.1, 10)
        for _ in range(11):
            opt.step()
            sched.step()
