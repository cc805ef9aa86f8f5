"""``state_dict`` / ``load_state_dict`` against PyTorch: keys, metadata, sharing, error
messages, strict=False, assign=True, hooks, and ember's one deliberate difference: a load
that raises changes nothing."""
from collections import OrderedDict

import numpy as np
import pytest
import torch

import ember
from tests.nn.test_module import make_affine, make_net, rand, to_np
from tests.test_autograd import same, same_error


def to_ember(sd):
    return OrderedDict((k, ember.tensor(to_np(v))) for k, v in sd.items())


def test_keys_metadata_and_values_match_torch():
    def prog(m):
        net = make_net(m)
        sd = net.state_dict()
        return (list(sd), list(sd._metadata.items()), [type(v).__name__ for v in sd.values()],
                [v.requires_grad for v in sd.values()], type(sd).__name__, list(sd.values()))
    same(prog)


def test_nested_containers_keys():
    def prog(m):
        Affine = make_affine(m)
        net = m.nn.Sequential(OrderedDict([
            ("enc", m.nn.ModuleDict({"a": Affine(2, 3), "b": m.nn.Sequential(Affine(3, 3), m.nn.Module())})),
            ("heads", m.nn.ModuleList([Affine(3, 1), Affine(3, 1, bias=False)])),
            ("extra", m.nn.ParameterList([m.zeros(2), m.ones(1)])),
            ("table", m.nn.ParameterDict({"z": m.zeros(1), "y": m.zeros(2)}))]))
        return list(net.state_dict()), list(net.state_dict(prefix="model.")), list(net.state_dict()._metadata)
    same(prog)


def test_state_dict_shares_memory_and_keep_vars():
    net = make_net(ember)
    sd = net.state_dict()
    sd["scale"].fill_(3.0)
    assert float(net.scale) == 3.0
    kv = net.state_dict(keep_vars=True)
    assert kv["scale"] is net.scale and kv["body.0.weight"] is net.body[0].weight
    dest = OrderedDict()
    assert net.state_dict(destination=dest) is dest and "steps" in dest


def test_torch_state_dict_loads_into_ember():
    tnet, enet = make_net(torch), make_net(ember)
    for p in tnet.parameters():
        p.data.uniform_(-1, 1)
    params = list(enet.parameters())
    res = enet.load_state_dict(to_ember(tnet.state_dict()))
    assert repr(res) == "<All keys matched successfully>" and res.missing_keys == [] and res.unexpected_keys == []
    assert all(a is b for a, b in zip(params, enet.parameters()))  # copied in place
    assert all(p.requires_grad for p in enet.parameters())
    x = rand(torch, 4, 3)
    np.testing.assert_allclose(to_np(enet(ember.tensor(to_np(x)))), to_np(tnet(x)), rtol=1e-12)


def _mutated(m, case):
    net = make_net(m)
    sd = net.state_dict()
    if case == "missing":
        del sd["scale"], sd["heads.1.bias"]
    elif case == "unexpected":
        sd["heads.5.weight"] = m.zeros(1)
        sd["body.0.nope"] = m.zeros(1)
    elif case == "size":
        sd["body.0.weight"] = m.zeros(5, 3, dtype=m.float64)
    elif case == "all":
        del sd["steps"]
        sd["extra"] = m.zeros(1)
        sd["heads.0.bias"] = m.zeros(3, dtype=m.float64)
    elif case == "not_tensor":
        sd["scale"] = 3.0
    return net, sd


@pytest.mark.parametrize("case", ["missing", "unexpected", "size", "all", "not_tensor"])
def test_load_errors_identical_to_torch(case):
    msgs = []
    for m in (torch, ember):
        net, sd = _mutated(m, case)
        with pytest.raises(RuntimeError) as info:
            net.load_state_dict(sd)
        msgs.append(str(info.value).replace("torch.", "").replace("ember.", ""))
    assert msgs[0] == msgs[1]
    assert msgs[1].startswith("Error(s) in loading state_dict for Net:\n\t")


@pytest.mark.parametrize("case", ["missing", "unexpected"])
def test_strict_false_result(case):
    def prog(m):
        net, sd = _mutated(m, case)
        res = net.load_state_dict(sd, strict=False)
        return res.missing_keys, res.unexpected_keys, repr(res), type(res).__name__
    same(prog)


def test_size_mismatch_raises_even_when_not_strict():
    same_error(lambda m: (lambda ns: ns[0].load_state_dict(ns[1], strict=False))(_mutated(m, "size")),
               "size mismatch for body.0.weight: copying a param with shape torch.Size([5, 3]) from checkpoint, the "
               "shape in current model is torch.Size([4, 3]).")


@pytest.mark.parametrize("case", ["missing", "unexpected", "size"])
def test_failed_load_changes_nothing(case):
    net, sd = _mutated(ember, case)
    for v in sd.values():
        v.data = v.data + 1  # a different checkpoint, but with the model's own problems
    before = {k: to_np(v).copy() for k, v in net.state_dict().items()}
    with pytest.raises(RuntimeError):
        net.load_state_dict(sd)
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(to_np(v), before[k], err_msg=k)


def test_assign_puts_the_given_tensors_in():
    net = make_net(ember)
    sd = OrderedDict((k, v.clone() * 2 if v.is_floating_point() else v.clone()) for k, v in net.state_dict().items())
    net.body[0].weight.requires_grad_(False)
    net.load_state_dict(sd, assign=True)
    w = net.body[0].weight
    assert isinstance(w, ember.nn.Parameter) and not w.requires_grad and net.scale.requires_grad
    assert w.data_ptr() == sd["body.0.weight"].data_ptr()
    assert net.steps is sd["steps"]


def test_scalar_from_1d_and_type_error():
    def prog(m):
        net = make_net(m)
        sd = net.state_dict()
        sd["scale"] = m.tensor([4.0], dtype=m.float64)
        net.load_state_dict(sd)
        return net.scale
    same(prog)
    same_error(lambda m: m.nn.Module().load_state_dict([("a", 1)]), "Expected state_dict to be dict-like, got",
               TypeError)


def test_load_from_state_dict_override_and_version():
    """A subclass adapts an old checkpoint, as BatchNorm adds ``num_batches_tracked``."""
    def prog(m):
        class Counter(m.nn.Module):
            _version = 2

            def __init__(self):
                super().__init__()
                self.w = m.nn.Parameter(m.ones(2))
                self.register_buffer("count", m.tensor(7))

            def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing, unexpected, errs):
                if local_metadata.get("version", None) is None or local_metadata["version"] < 2:
                    state_dict.setdefault(prefix + "count", m.tensor(0))
                super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing, unexpected, errs)

        net = m.nn.Sequential(Counter())
        old = OrderedDict([("0.w", m.zeros(2))])  # no metadata: an old checkpoint
        r1 = net.load_state_dict(old)
        c1 = net[0].count.clone()
        sd = net.state_dict()
        meta = list(sd._metadata.items())
        sd["0.count"] = m.tensor(3)
        net.load_state_dict(sd)
        return repr(r1), c1, net[0].count, net[0].w, meta
    same(prog)


def test_hooks():
    def prog(m):
        net = make_net(m)
        log = []
        net.body.register_state_dict_pre_hook(lambda mod, prefix, keep_vars: log.append(("pre", prefix)))
        net.body._register_state_dict_hook(lambda mod, sd, prefix, meta: log.append(("post", prefix, len(sd))))
        net.heads[0].register_load_state_dict_pre_hook(
            lambda mod, sd, prefix, meta, strict, missing, unexpected, errs: log.append(("lpre", prefix, sorted(sd))))

        def post(mod, keys):
            log.append(("lpost", list(keys.missing_keys)))
            keys.missing_keys.clear()

        net.register_load_state_dict_post_hook(post)
        sd = net.state_dict(prefix="")
        del sd["scale"]
        res = net.load_state_dict(sd)  # the post hook clears the missing key: no error
        return log, repr(res)
    same(prog)


def test_optimizer_sees_loaded_values():
    """Loading copies into the Parameter objects: anything holding them sees the new values."""
    net = make_net(ember)
    held = list(net.parameters())
    sd = {k: ember.zeros_like(v) for k, v in net.state_dict().items()}
    net.load_state_dict(sd)
    assert all(float(p.abs().sum()) == 0 for p in held)


def _layers_model(m):
    nn = m.nn
    m.manual_seed(0)
    return nn.Sequential(OrderedDict([
        ("embed", nn.Embedding(10, 4)), ("flat", nn.Flatten()),
        ("mlp", nn.Sequential(nn.Linear(8, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Dropout(0.1))),
        ("heads", nn.ModuleList([nn.Linear(6, 2), nn.Linear(6, 2), nn.Sequential(nn.LayerNorm(6), nn.Tanh())]))]))


@pytest.mark.skipif(not all(hasattr(ember.nn, n) for n in ("Linear", "BatchNorm1d", "Embedding", "LayerNorm")),
                    reason="layers not available")
def test_real_layers_repr_keys_and_cross_load():
    tnet, enet = _layers_model(torch), _layers_model(ember)
    assert repr(enet) == repr(tnet)
    assert list(enet.state_dict()) == list(tnet.state_dict())
    assert list(enet.state_dict()._metadata.items()) == list(tnet.state_dict()._metadata.items())
    sd = tnet.state_dict()
    del sd["mlp.1.num_batches_tracked"]  # an old checkpoint: BatchNorm fills it in (version < 2)
    sd = OrderedDict((k, ember.tensor(to_np(v))) for k, v in sd.items())
    assert repr(enet.load_state_dict(sd)) == "<All keys matched successfully>"
    enet.eval(), tnet.eval()
    idx = torch.tensor([[1, 2], [3, 4], [5, 9]])
    y = enet.heads[0](enet.mlp(enet.flat(enet.embed(ember.tensor(idx.numpy())))))
    np.testing.assert_allclose(to_np(y), to_np(tnet.heads[0](tnet.mlp(tnet.flat(tnet.embed(idx))))), rtol=1e-5,
                               atol=1e-6)
