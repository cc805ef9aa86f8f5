"""The Optimizer base class against PyTorch: param groups and their checks, defaults, state,
zero_grad, step with a closure, state_dict/load_state_dict checks, hooks, repr, copying and
subclassing."""
import copy
import pickle
import warnings

import numpy as np
import pytest
import torch

import ember
from ember.optim.optimizer import Optimizer, required


def _params(m, n=3):
    return [m.ones(i + 1, requires_grad=True) for i in range(n)]


@pytest.mark.parametrize("make,exc,match", [
    (lambda m, p: m.optim.SGD(p[0], lr=0.1), TypeError,
     "params argument given to the optimizer should be an iterable of Tensors or dicts, but got torch.FloatTensor"),
    (lambda m, p: m.optim.SGD([], lr=0.1), ValueError, "optimizer got an empty parameter list"),
    (lambda m, p: m.optim.SGD([{"params": set(p)}], lr=0.1), TypeError,
     "optimizer parameters need to be organized in ordered collections"),
    (lambda m, p: m.optim.SGD([p[0], 1.0], lr=0.1), TypeError,
     "optimizer can only optimize Tensors, but one of the params is float"),
    (lambda m, p: m.optim.SGD([p[0] * 2], lr=0.1), ValueError, "can't optimize a non-leaf Tensor"),
    (lambda m, p: m.optim.SGD([{"params": p[:2]}, {"params": p[1:]}], lr=0.1), ValueError,
     "some parameters appear in more than one parameter group"),
    (lambda m, p: m.optim.SGD([{"params": p[:1]}, {"params": [("w", p[1])]}], lr=0.1), ValueError,
     "all optimizer param groups should be with/without names. cannot add param group with names"),
    (lambda m, p: m.optim.SGD([("w", p[0]), p[1]], lr=0.1), ValueError, "Some param names are missing"),
    (lambda m, p: m.optim.SGD(p, lr=0.1).add_param_group([p[0]]), TypeError, "param_group must be a dict"),
    (lambda m, p: m.optim.SGD(p[:1], lr=0.1).add_param_group({"params": p[:2]}), ValueError,
     "some parameters appear in more than one parameter group"),
])
def test_param_errors(make, exc, match):
    for m in (torch, ember):
        with pytest.raises(exc, match=match):
            make(m, _params(m))


def test_set_of_params_is_rejected():
    # NOTE: PyTorch 2.13 accepts a top-level set (in arbitrary order); ember refuses it.
    with pytest.raises(TypeError, match="should be an iterable of Tensors or dicts, but got set"):
        ember.optim.SGD(set(_params(ember)), lr=0.1)


def test_groups_defaults_and_named_params():
    def prog(m):
        a, b, c = _params(m)
        opt = m.optim.Adam([{"params": [a], "lr": 0.5}, {"params": b, "betas": (0.5, 0.6)}], lr=0.1)
        opt.add_param_group({"params": (c,), "weight_decay": 0.1})
        named = m.optim.SGD([("w", a), ("v", b)], lr=0.1)
        return ([{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups],
                [len(g["params"]) for g in opt.param_groups], opt.defaults, named.param_groups[0]["param_names"],
                named.state_dict()["param_groups"])
    assert prog(ember) == prog(torch)


def test_duplicate_params_warn():
    a = ember.ones(2, requires_grad=True)
    with pytest.warns(UserWarning, match="duplicate parameters"):
        ember.optim.SGD([a, a], lr=0.1)


def test_required_option():
    class Plain(Optimizer):
        def __init__(self, params, lr=required):
            super().__init__(params, dict(lr=lr))
    with pytest.raises(ValueError, match="didn't specify a value of required optimization parameter lr"):
        Plain(_params(ember))
    assert Plain([{"params": _params(ember), "lr": 0.1}]).param_groups[0]["lr"] == 0.1
    assert repr(required) == "<required parameter>"


@pytest.mark.filterwarnings("ignore:Using backward")
def test_zero_grad():
    def prog(m):
        a, b, c = _params(m)
        opt = m.optim.SGD([a, b, c], lr=0.1)
        (a.sum() + (b * b).sum()).backward(create_graph=True)
        opt.zero_grad(set_to_none=False)
        kept = (a.grad.tolist(), b.grad.tolist(), b.grad.requires_grad, b.grad.grad_fn is None, c.grad)
        opt.zero_grad()
        return kept, a.grad, b.grad
    assert prog(ember) == prog(torch)


def test_zero_grad_in_place_keeps_the_grad_tensor():
    a = ember.ones(2, requires_grad=True)
    a.sum().backward()
    g = a.grad
    ember.optim.SGD([a], lr=0.1).zero_grad(set_to_none=False)
    assert a.grad is g and g.tolist() == [0.0, 0.0]


def test_closure_runs_with_grad_enabled():
    w = ember.tensor([2.0], requires_grad=True)
    opt = ember.optim.SGD([w], lr=0.25)

    def closure():
        assert ember.is_grad_enabled()
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss
    with ember.no_grad():
        loss = opt.step(closure)
    assert float(loss) == 4.0 and w.tolist() == [1.0]
    assert opt.step() is None


def test_state_is_a_defaultdict_keyed_by_param():
    a, b, _ = _params(ember)
    opt = ember.optim.Adam([a, b])
    a.grad = ember.ones(1)
    opt.step()
    assert list(opt.state) == [a] and opt.state[b] == {} and sorted(opt.state[a]) == ["exp_avg", "exp_avg_sq", "step"]
    assert opt.state[a]["step"].dtype == ember.float32 and float(opt.state[a]["step"]) == 1.0


def test_state_dict_ids_are_numbered_through_groups():
    def prog(m):
        a, b, c = _params(m)
        opt = m.optim.SGD([{"params": [a, b]}, {"params": [c], "lr": 0.5}], lr=0.1, momentum=0.9)
        for p in (a, c):
            p.grad = m.ones_like(p)
        opt.step()
        sd = opt.state_dict()
        return sorted(sd["state"]), [g["params"] for g in sd["param_groups"]], sd["param_groups"][1]["lr"]
    assert prog(ember) == prog(torch) == ([0, 2], [[0, 1], [2]], 0.5)


def test_state_dict_holds_the_live_buffers():
    a = ember.ones(2, requires_grad=True)
    opt = ember.optim.SGD([a], lr=0.1, momentum=0.9)
    a.grad = ember.ones(2)
    opt.step()
    sd = opt.state_dict()
    opt.step()
    assert sd["state"][0]["momentum_buffer"].tolist() == pytest.approx([1.9, 1.9])


def test_load_state_dict_errors():
    for m in (torch, ember):
        a, b, c = _params(m)
        sd = m.optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1).state_dict()
        with pytest.raises(ValueError, match="loaded state dict has a different number of parameter groups"):
            m.optim.SGD([a, b], lr=0.1).load_state_dict(sd)
        with pytest.raises(ValueError, match="loaded state dict contains a parameter group that doesn't match the "
                                             "size of optimizer's group"):
            m.optim.SGD([{"params": [a, c]}, {"params": [b]}], lr=0.1).load_state_dict(sd)


def test_load_state_dict_takes_group_options_and_keeps_params():
    a, b, _ = _params(ember)
    opt = ember.optim.SGD([a], lr=0.1)
    opt.param_groups[0]["lr"] = 0.7
    opt2 = ember.optim.SGD([b], lr=0.1)
    opt2.load_state_dict(opt.state_dict())
    assert opt2.param_groups[0]["lr"] == 0.7 and opt2.param_groups[0]["params"][0] is b


def test_load_old_checkpoint_fills_defaults_and_step_tensor():
    a = ember.ones(2, requires_grad=True)
    opt = ember.optim.Adam([a])
    a.grad = ember.ones(2)
    opt.step()
    sd = copy.deepcopy(opt.state_dict())
    del sd["param_groups"][0]["decoupled_weight_decay"]
    sd["state"][0]["step"] = 1
    opt2 = ember.optim.Adam([ember.ones(2, requires_grad=True)])
    opt2.load_state_dict(sd)
    group = opt2.param_groups[0]
    st = opt2.state[group["params"][0]]
    assert group["decoupled_weight_decay"] is False and isinstance(st["step"], ember.Tensor)
    aw = ember.optim.AdamW([ember.ones(2, requires_grad=True)])
    aw.load_state_dict(sd)
    assert aw.param_groups[0]["decoupled_weight_decay"] is True


def test_step_hooks():
    a = ember.ones(2, requires_grad=True)
    opt = ember.optim.SGD([a], lr=0.5)
    calls = []
    h1 = opt.register_step_pre_hook(lambda o, args, kwargs: calls.append(("pre", args, kwargs)))
    h2 = opt.register_step_post_hook(lambda o, args, kwargs: calls.append(("post", args, kwargs)))
    a.grad = ember.ones(2)
    opt.step()
    assert calls == [("pre", (), {}), ("post", (), {})]
    h1.remove()
    h2.remove()
    opt.step()
    assert len(calls) == 2

    def replace_closure(o, args, kwargs):
        return (), {"closure": lambda: 42}
    opt.register_step_pre_hook(replace_closure)
    assert opt.step() == 42
    opt.register_step_pre_hook(lambda o, args, kwargs: "bad")
    with pytest.raises(RuntimeError, match="must return None or a tuple of \\(new_args, new_kwargs\\)"):
        opt.step()


def test_state_dict_hooks():
    a = ember.ones(2, requires_grad=True)
    opt = ember.optim.SGD([a], lr=0.5)
    seen = []
    opt.register_state_dict_pre_hook(lambda o: seen.append("pre"))
    opt.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": 1})
    sd = opt.state_dict()
    assert seen == ["pre"] and sd["extra"] == 1
    opt.register_load_state_dict_pre_hook(lambda o, sd: {k: v for k, v in sd.items() if k != "extra"})
    opt.register_load_state_dict_post_hook(lambda o: seen.append("loaded"))
    opt.load_state_dict(sd)
    assert seen == ["pre", "loaded"]


@pytest.mark.parametrize("name,kwargs", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(amsgrad=True)),
                                         ("AdamW", dict()), ("RMSprop", dict()), ("Adagrad", dict()),
                                         ("Adadelta", dict()), ("Adamax", dict()), ("NAdam", dict()),
                                         ("RAdam", dict()), ("LBFGS", dict())])
def test_repr_matches_torch(name, kwargs):
    def prog(m):
        a, b, _ = _params(m)
        opt = getattr(m.optim, name)([a, b], **kwargs)
        if name != "LBFGS":
            opt.add_param_group({"params": [m.ones(3, requires_grad=True)], "lr": 0.25})
        return repr(opt)
    assert prog(ember) == prog(torch)


def test_deepcopy_and_pickle():
    a = ember.ones(2, requires_grad=True)
    opt = ember.optim.Adam([a], lr=0.1)
    a.grad = ember.ones(2)
    opt.step()
    for clone in (copy.deepcopy(opt), pickle.loads(pickle.dumps(opt))):
        (p,) = clone.param_groups[0]["params"]
        assert p is not a and float(clone.state[p]["step"]) == 1.0
        p.grad = ember.ones(2)
        clone.step()
        assert float(clone.state[p]["step"]) == 2.0 and float(opt.state[a]["step"]) == 1.0


def test_custom_optimizer_subclasses():
    class SignSGD(Optimizer):
        """Implements only ``_update``: the base class does the rest."""

        def __init__(self, params, lr=0.1):
            super().__init__(params, dict(lr=lr))

        def _update(self, p, g, s, group):
            return p - group["lr"] * np.sign(g), {"count": s.get("count", 0) + 1}

    class ManualSGD(Optimizer):
        """Overrides ``step``, written with Tensor ops as in PyTorch tutorials."""

        def __init__(self, params, lr=0.1):
            super().__init__(params, dict(lr=lr))

        @ember.no_grad()
        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        p.add_(p.grad, alpha=-group["lr"])

    a = ember.tensor([1.0, -2.0], requires_grad=True)
    opt = SignSGD([a])
    calls = []
    opt.register_step_post_hook(lambda *args: calls.append(1))
    a.grad = ember.tensor([3.0, -0.5])
    opt.step()
    opt.step()
    assert a.tolist() == pytest.approx([0.8, -1.8]) and opt.state[a]["count"] == 2 and calls == [1, 1]
    b = ember.tensor([1.0], requires_grad=True)
    manual = ManualSGD([b], lr=0.5)
    manual.register_step_post_hook(lambda *args: calls.append(2))
    b.grad = ember.tensor([1.0])
    manual.step()
    assert b.tolist() == [0.5] and calls == [1, 1, 2]
    with pytest.raises(NotImplementedError, match="must implement _update"):
        Optimizer([b], {}).step()


def test_lr_as_tensor():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for m in (torch, ember):
            with pytest.raises(ValueError, match="Invalid learning rate"):
                m.optim.SGD(_params(m), lr=m.tensor(-0.5))
    a, b = ember.ones(2, requires_grad=True), ember.ones(2, requires_grad=True)
    opt = ember.optim.Adam([a], lr=ember.tensor(0.1), betas=(ember.tensor(0.5), ember.tensor(0.75)))
    ref = ember.optim.Adam([b], lr=0.1, betas=(0.5, 0.75))
    for _ in range(3):
        a.grad, b.grad = a.detach() * 3, b.detach() * 3
        opt.step()
        ref.step()
    assert a.tolist() == b.tolist() and isinstance(opt.param_groups[0]["betas"][0], ember.Tensor)
