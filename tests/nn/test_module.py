"""nn.Module against PyTorch: registration, naming, walking the tree, modes, conversion,
hooks (forward and full backward), repr, copying. Each model is built by one function run
with ``m`` = torch and ``m`` = ember, so both libraries see the same architecture.
(state_dict / load_state_dict: test_state_dict.py.)"""
import copy
import pickle
import warnings
from collections import OrderedDict

import numpy as np
import pytest

import ember
from tests.test_autograd import same, same_error


def rand(m, *shape, seed=0, requires_grad=False):
    """The same float64 random tensor in both libraries."""
    return m.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=requires_grad)


def to_np(t):
    return t.detach().numpy()


def copy_params(src, dst):
    """Copy the torch model's parameters and buffers into the ember model (by name, through numpy)."""
    dst_state = dict(dst.named_parameters())
    dst_state.update(dst.named_buffers())
    for name, t in list(src.named_parameters()) + list(src.named_buffers()):
        dst_state[name]._data[...] = to_np(t)


def make_affine(m):
    rng = np.random.default_rng(0)  # the same weights in both libraries, in construction order

    def randn(*shape):
        return m.tensor(rng.standard_normal(shape))

    class Affine(m.nn.Module):
        """A Linear written by hand (so these tests need no layer from another file)."""

        def __init__(self, i, o, bias=True):
            super().__init__()
            self.weight = m.nn.Parameter(randn(o, i))
            if bias:
                self.bias = m.nn.Parameter(randn(o))
            else:
                self.register_parameter("bias", None)

        def forward(self, x):
            y = x @ self.weight.T
            return y + self.bias if self.bias is not None else y

        def extra_repr(self):
            return f"in={self.weight.shape[1]}, out={self.weight.shape[0]}"

    return Affine


def make_net(m):
    Affine = make_affine(m)

    class Tanh(m.nn.Module):
        def forward(self, x):
            return m.tanh(x)

    class Net(m.nn.Module):
        def __init__(self):
            super().__init__()
            self.body = m.nn.Sequential(Affine(3, 4), Tanh(), Affine(4, 4, bias=False))
            self.heads = m.nn.ModuleList([Affine(4, 2) for _ in range(2)])
            self.scale = m.nn.Parameter(m.ones((), dtype=m.float64))
            self.register_buffer("steps", m.zeros((), dtype=m.int64))
            self.register_buffer("cache", m.zeros(2), persistent=False)

        def forward(self, x):
            h = self.body(x)
            return sum(head(h) for head in self.heads) * self.scale

    return Net()


# -- registration --------------------------------------------------------------------------------
def test_registration_and_names():
    def prog(m):
        net = make_net(m)
        return ([n for n, _ in net.named_parameters()], [n for n, _ in net.named_buffers()],
                [n for n, _ in net.named_modules()], [n for n, _ in net.named_children()],
                [n for n, _ in net.named_parameters(prefix="model", recurse=True)],
                [n for n, _ in net.named_parameters(recurse=False)], len(list(net.parameters())),
                len(list(net.buffers())), len(list(net.modules())), len(list(net.children())))
    same(prog)


def test_shared_parameters_and_modules_deduplicated():
    def prog(m):
        Affine = make_affine(m)
        shared = Affine(2, 2)
        net = m.nn.Sequential(shared, shared, Affine(2, 2))
        net[2].weight = shared.weight
        return ([n for n, _ in net.named_parameters()], [n for n, _ in net.named_parameters(remove_duplicate=False)],
                [n for n, _ in net.named_modules()], [n for n, _ in net.named_modules(remove_duplicate=False)],
                [n for n, _ in net.named_children()], list(net.state_dict()))
    same(prog)


def test_setattr_semantics():
    def prog(m):
        mod = m.nn.Module()
        mod.p = m.nn.Parameter(m.zeros(2))
        mod.p = None  # a parameter slot may be emptied
        mod.register_buffer("b", m.zeros(1))
        mod.b = m.ones(3)  # re-assigning a buffer name keeps it a buffer
        mod.c = m.nn.Buffer(m.zeros(2), persistent=False)
        mod.sub = m.nn.Module()
        mod.sub = None
        mod.plain = 3
        mod.x = m.nn.Module()
        mod.x = m.nn.Parameter(m.zeros(1))  # a parameter replaces a module of the same name
        del mod.c
        return (list(mod._parameters), list(mod._buffers), list(mod._modules), mod.b.shape, mod.plain,
                sorted(mod._non_persistent_buffers_set), list(mod.state_dict()), "plain" in dir(mod),
                "b" in dir(mod))
    same(prog)


@pytest.mark.parametrize("case, exc, match", [
    ("tensor_to_param", TypeError, "cannot assign 'torch.FloatTensor' as parameter 'p' (torch.nn.Parameter or None "
                                   "expected)"),
    ("int_to_module", TypeError, "cannot assign 'int' as child module 'sub' (torch.nn.Module or None expected)"),
    ("int_to_buffer", TypeError, "cannot assign 'int' as buffer 'b' (torch.nn.Buffer, torch.Tensor or None expected)"),
    ("getattr", AttributeError, "'Module' object has no attribute 'foo'"),
    ("param_dot", KeyError, 'parameter name can\\\'t contain "."'),
    ("param_empty", KeyError, "parameter name can\\'t be empty string"),
    ("param_exists", KeyError, "attribute 'plain' already exists"),
    ("param_type", TypeError, "cannot assign 'torch.FloatTensor' object to parameter 'q' (torch.nn.Parameter or None "
                              "required)"),
    ("buffer_type", TypeError, "cannot assign 'int' object to buffer 'q' (torch Tensor or None required)"),
    ("buffer_name", TypeError, "buffer name should be a string. Got int"),
    ("module_type", TypeError, "int is not a Module subclass"),
    ("module_dot", KeyError, 'module name can\\\'t contain ".", got: a.b'),
    ("before_init", AttributeError, "cannot assign parameters before Module.__init__() call"),
    ("train_mode", ValueError, "training mode is expected to be boolean"),
    ("no_forward", NotImplementedError, 'Module [Module] is missing the required "forward" function'),
    ("to_int", TypeError, "nn.Module.to only accepts floating point or complex dtypes, but got desired "
                          "dtype=torch.int64"),
    ("get_submodule", AttributeError, "Module has no attribute `nope`"),
    ("get_parameter", AttributeError, "`sub` is not an nn.Parameter"),
    ("get_buffer", AttributeError, "`p` is not a buffer"),
])
def test_errors(case, exc, match):
    def prog(m):
        mod = m.nn.Module()
        mod.p = m.nn.Parameter(m.zeros(2))
        mod.sub = m.nn.Module()
        mod.register_buffer("b", m.zeros(1))
        mod.plain = 1
        nn = m.nn
        {"tensor_to_param": lambda: setattr(mod, "p", m.zeros(2)),
         "int_to_module": lambda: setattr(mod, "sub", 3),
         "int_to_buffer": lambda: setattr(mod, "b", 3),
         "getattr": lambda: mod.foo,
         "param_dot": lambda: mod.register_parameter("a.b", None),
         "param_empty": lambda: mod.register_parameter("", None),
         "param_exists": lambda: mod.register_parameter("plain", None),
         "param_type": lambda: mod.register_parameter("q", m.zeros(1)),
         "buffer_type": lambda: mod.register_buffer("q", 3),
         "buffer_name": lambda: mod.register_buffer(3, None),
         "module_type": lambda: mod.add_module("q", 3),
         "module_dot": lambda: mod.add_module("a.b", nn.Module()),
         "before_init": lambda: type("Bad", (nn.Module,), {"__init__": lambda s: setattr(s, "w", nn.Parameter(
             m.zeros(1)))})(),
         "train_mode": lambda: mod.train(1),
         "no_forward": lambda: mod(1),
         "to_int": lambda: mod.to(m.int64),
         "get_submodule": lambda: mod.get_submodule("sub.nope"),
         "get_parameter": lambda: mod.get_parameter("sub"),
         "get_buffer": lambda: mod.get_buffer("p"),
         }[case]()
    same_error(prog, match, exc)


def test_getattr_message_names_the_class():
    lin = ember.nn.Sequential()
    with pytest.raises(AttributeError, match="'Sequential' object has no attribute 'foo'"):
        lin.foo


def test_get_submodule_parameter_buffer():
    def prog(m):
        net = make_net(m)
        return (type(net.get_submodule("body.0")).__name__, net.get_parameter("heads.1.bias").shape,
                net.get_buffer("steps").dtype, net.get_submodule("") is net)
    same(prog)


# -- modes, gradients, conversion --------------------------------------------------------------------
def test_train_eval_propagate():
    def prog(m):
        net = make_net(m)
        a = [mod.training for mod in net.modules()]
        r = net.eval()
        b = [mod.training for mod in net.modules()]
        net.body.train()
        c = [mod.training for mod in net.modules()]
        return a, b, c, r is net
    same(prog)


def test_zero_grad_and_requires_grad_():
    def prog(m):
        net = make_net(m)
        net(rand(m, 5, 3, seed=5)).sum().backward()
        had = [p.grad is not None for p in net.parameters()]
        net.zero_grad(set_to_none=False)
        zeros = [float(p.grad.abs().sum()) for p in net.parameters()]
        net.zero_grad()
        none = [p.grad is None for p in net.parameters()]
        net.requires_grad_(False)
        return had, zeros, none, [p.requires_grad for p in net.parameters()]
    same(prog)


def test_apply_order():
    def prog(m):
        seen = []
        make_net(m).apply(lambda mod: seen.append(type(mod).__name__))
        return seen
    same(prog)


def test_to_dtype_keeps_parameter_identity():
    def prog(m):
        net = make_net(m).float()
        p_before = list(net.parameters())
        net(rand(m, 2, 3).float()).sum().backward()
        r = net.to(m.float64)
        same_objects = all(a is b for a, b in zip(p_before, net.parameters()))
        res = [r is net, same_objects, [p.dtype for p in net.parameters()], [p.grad.dtype for p in net.parameters()],
               net.steps.dtype, net.cache.dtype, type(net.body[0].weight).__name__]
        net.half()
        res.append([p.dtype for p in net.parameters()])
        net.to(dtype=m.float32)
        res.append(net.heads[0].weight.dtype)
        net.to("cpu").to(m.zeros(1, dtype=m.float64))
        res.append(net.scale.dtype)
        net.type(m.float32)
        res.append(net.steps.dtype)
        return res
    same(prog)


def test_cuda_error_names_cupy():
    with pytest.raises(RuntimeError, match="CuPy"):
        make_net(ember).cuda()
    assert make_net(ember).cpu() is not None


# -- calling and forward hooks ------------------------------------------------------------------------
def test_forward_pre_and_post_hooks():
    def prog(m):
        net = make_affine(m)(3, 2)
        log = []
        h1 = net.register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
        h2 = net.register_forward_pre_hook(lambda mod, args: log.append("pre-first"), prepend=True)
        h3 = net.register_forward_hook(lambda mod, args, out: out + 1)
        h4 = net.register_forward_hook(lambda mod, args, kwargs, out: log.append(("kw", sorted(kwargs))),
                                       with_kwargs=True)
        x = m.ones(1, 3, dtype=m.float64)
        y1 = net(x)
        for h in (h1, h2, h3, h4):
            h.remove()
        y2 = net(x)
        return y1, y2, log
    same(prog)


def test_forward_pre_hook_with_kwargs_and_always_call():
    def prog(m):
        class Fwd(m.nn.Module):
            def forward(self, x, scale=1.0):
                if scale < 0:
                    raise ValueError("negative scale")
                return x * scale

        mod = Fwd()
        log = []
        mod.register_forward_pre_hook(lambda mod, args, kwargs: (args, {"scale": kwargs.get("scale", 1.0) + 1}),
                                      with_kwargs=True)
        mod.register_forward_hook(lambda mod, args, out: log.append("always"), always_call=True)
        y = mod(m.ones(2), scale=2.0)
        try:
            mod(m.ones(2), scale=-5.0)
        except ValueError:
            log.append("raised")
        return y, log
    same(prog)


def test_global_forward_hooks():
    def prog(m):
        log = []
        mm = m.nn.modules.module
        h = mm.register_module_forward_hook(lambda mod, args, out: log.append(type(mod).__name__))
        try:
            make_net(m)(m.ones(1, 3, dtype=m.float64))
        finally:
            h.remove()
        make_net(m)(m.ones(1, 3, dtype=m.float64))
        return log
    same(prog)


# -- full backward hooks --------------------------------------------------------------------------------
def _grads(seq):
    return [None if g is None else g.detach().clone() for g in seq]


def test_full_backward_hooks_receive_same_grads():
    def prog(m):
        net = make_net(m)
        got = []
        net.body.register_full_backward_hook(lambda mod, gi, go: got.append(("body", _grads(gi), _grads(go))))
        net.heads[0].register_full_backward_pre_hook(lambda mod, go: got.append(("pre", _grads(go))))
        net.heads[1].register_full_backward_hook(lambda mod, gi, go: (gi[0] * 0,))  # replaces grad_input
        x = rand(m, 5, 3, seed=1, requires_grad=True)
        y = net(x)
        y.backward(rand(m, 5, 2, seed=2))
        return got, x.grad, [p.grad for p in net.parameters()]
    same(prog)


def test_full_backward_hook_inputs_without_grad_and_pre_hook_replaces():
    def prog(m):
        lin = make_affine(m)(3, 2)
        got = []
        lin.register_full_backward_pre_hook(lambda mod, go: (go[0] * 3,))
        lin.register_full_backward_hook(lambda mod, gi, go: got.append((gi, _grads(go))))
        x = rand(m, 4, 3, seed=3)  # does not require grad: grad_input is (None,)
        lin(x).backward(m.ones(4, 2, dtype=m.float64))
        return got, lin.weight.grad, lin.bias.grad
    same(prog)


def test_full_backward_hook_multiple_inputs_outputs():
    def prog(m):
        class Two(m.nn.Module):
            def forward(self, a, k, b):
                return a * b * k, a - b

        mod = Two()
        got = []
        mod.register_full_backward_hook(lambda mod, gi, go: got.append((_grads(gi), _grads(go))))
        a = m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True)
        b = m.tensor([3.0, -1.0], dtype=m.float64)
        u, v = mod(a, 2.0, b)
        (u * 2 + v * 5).sum().backward()
        return got, a.grad
    same(prog)


def test_backward_hook_mixing_error():
    mod = ember.nn.Module()
    with pytest.raises(NotImplementedError, match="register_full_backward_hook"):
        mod.register_backward_hook(lambda *a: None)


# -- printing and copying ----------------------------------------------------------------------------------
def test_repr_nested_identical():
    def prog(m):
        Affine = make_affine(m)
        net = make_net(m)
        extra = m.nn.Sequential(OrderedDict([("inner", m.nn.ModuleDict({"a": Affine(1, 2), "b": m.nn.Sequential()})),
                                             ("lst", m.nn.ModuleList([Affine(2, 2), Affine(2, 2), Affine(3, 2),
                                                                      m.nn.ModuleList()]))]))
        return repr(net), repr(extra), str(m.nn.Module()), repr(Affine(1, 1))
    same(prog)


def test_deepcopy_and_pickle():
    def prog(m):
        net = make_net(m)
        net.heads[1].weight = net.heads[0].weight  # sharing must survive the copy
        x = rand(m, 2, 3, seed=4)
        res = []
        for clone in (copy.deepcopy(net),):
            res.append((clone(x), clone.heads[0].weight is clone.heads[1].weight,
                        clone.heads[0].weight is not net.heads[0].weight, type(clone.scale).__name__,
                        clone.scale.requires_grad, list(clone.state_dict()), sorted(clone._non_persistent_buffers_set)))
        net.scale.data.fill_(5.0)
        res.append(float(copy.deepcopy(net).scale))
        return net(x), res
    same(prog)


class _Pickled(ember.nn.Module):
    def __init__(self):
        super().__init__()
        self.w = ember.nn.Parameter(ember.arange(6.0).reshape(2, 3))
        self.seq = ember.nn.Sequential(ember.nn.Module(), ember.nn.ModuleList([ember.nn.Module()]))
        self.seq[0].w = self.w  # shared
        self.register_buffer("b", ember.ones(2), persistent=False)

    def forward(self, x):
        return x @ self.w.T


def test_pickle_roundtrip():
    net = _Pickled()
    net.register_forward_hook(_double_output)
    clone = pickle.loads(pickle.dumps(net))
    assert clone.seq[0].w is clone.w and clone.w is not net.w
    assert isinstance(clone.w, ember.nn.Parameter) and clone.w.requires_grad
    np.testing.assert_array_equal(to_np(clone(ember.ones(1, 3))), [[6.0, 24.0]])  # the hook came along
    assert list(clone.state_dict()) == ["w", "seq.0.w"] and "b" in clone._non_persistent_buffers_set
    assert repr(clone) == repr(net)


def _double_output(mod, args, out):
    return out * 2


def test_misc_api():
    def prog(m):
        net = make_net(m)
        return (net._version, net.share_memory() is net, net._get_name(), net.extra_repr(),
                isinstance(net.body, m.nn.Module), net.training)
    same(prog)


def test_dir_lists_members():
    net = make_net(ember)
    d = dir(net)
    for name in ("body", "heads", "scale", "steps", "forward", "training"):
        assert name in d
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isfinite(to_np(net(ember.ones(1, 3, dtype=ember.float64)))).all()


# -- Parameter and Buffer ---------------------------------------------------------------------------------
def test_parameter_semantics():
    def prog(m):
        p = m.nn.Parameter(m.zeros(2, dtype=m.float64), requires_grad=False)
        q = m.nn.Parameter(p)
        r = pickle.loads(pickle.dumps(m.nn.Parameter(m.ones(2))))
        base = m.ones(3)
        shared = m.nn.Parameter(base)
        base[0] = 5.0  # a Parameter shares memory with the tensor it wraps
        d = copy.deepcopy(shared)
        shared.grad = m.ones(3)
        dg = copy.deepcopy(shared)
        return (repr(p), str(q), type(q).__name__, q.requires_grad, repr(m.nn.Parameter()),
                [type(t).__name__ for t in (p * 2, p.data, p.detach(), p.clone(), p[0])], type(r).__name__,
                r.requires_grad, shared, type(d).__name__, d.grad, dg.grad, isinstance(p, m.Tensor))
    same(prog)


def test_buffer_semantics():
    def prog(m):
        b = m.nn.Buffer(m.ones(2), persistent=False)
        mod = m.nn.Module()
        mod.buf = b
        mod.buf = m.zeros(3)  # stays non-persistent
        mod.pbuf = m.nn.Buffer(m.ones(1))
        return (type(b).__name__, isinstance(b, m.nn.Buffer), isinstance(m.ones(1), m.nn.Buffer), b.persistent,
                list(mod.state_dict()), [n for n, _ in mod.named_buffers()], mod.buf.shape)
    same(prog)


def test_global_full_backward_hook():
    def prog(m):
        got = []
        mm = m.nn.modules.module
        h = mm.register_module_full_backward_hook(lambda mod, gi, go: got.append((type(mod).__name__, _grads(go))))
        h2 = mm.register_module_full_backward_pre_hook(lambda mod, go: got.append(("pre", type(mod).__name__)))
        try:
            net = make_affine(m)(3, 2)
            net(rand(m, 4, 3, requires_grad=True)).sum().backward()
        finally:
            h.remove()
            h2.remove()
        net(rand(m, 4, 3, requires_grad=True)).sum().backward()
        return got
    same(prog)


def test_attribute_lookup_follows_the_registries():
    # parameters, buffers and children are mirrored into the instance dict for fast lookup;
    # whatever changes a registry, attribute access must agree with it, as in PyTorch
    import copy

    import ember

    def agree(mod):
        for reg in (mod._parameters, mod._buffers, mod._modules):
            for k, v in reg.items():
                assert getattr(mod, k) is v
        return True

    lin = ember.nn.Linear(3, 2)
    lin._parameters["extra"] = ember.nn.Parameter(ember.ones(1))
    assert agree(lin) and lin.extra is lin._parameters["extra"]
    lin._parameters.pop("extra")
    assert not hasattr(lin, "extra")
    lin.weight = None
    assert lin.weight is None and agree(lin)
    del lin.bias
    assert not hasattr(lin, "bias")
    lin._parameters = {"w": ember.nn.Parameter(ember.zeros(2))}  # replaced wholesale
    assert lin.w is lin._parameters["w"] and not hasattr(lin, "weight")
    seq = ember.nn.Sequential(ember.nn.Linear(2, 2), ember.nn.ReLU(), ember.nn.Linear(2, 1))
    del seq[0]
    assert list(seq._modules) == ["0", "1"] and not hasattr(seq, "2") and agree(seq)
    deep = copy.deepcopy(seq)
    assert agree(deep) and deep[1].weight is not seq[1].weight and agree(deep[1])
    bn = ember.nn.BatchNorm1d(3)
    bn.double()
    assert bn.running_mean.dtype == ember.float64 and agree(bn)
    shallow = copy.copy(bn)  # shares the registries with the original, as in PyTorch
    shallow.weight = ember.nn.Parameter(ember.zeros(3, dtype=ember.float64))
    assert bn.weight is shallow.weight and agree(bn) and agree(shallow)


def test_parameters_follow_tree_changes():
    # the module walk behind parameters() is cached until any module's children change
    import copy

    import ember

    model = ember.nn.Sequential(ember.nn.Linear(3, 2))
    count = lambda mod: len(list(mod.parameters()))  # noqa: E731
    assert count(model) == 2
    model.append(ember.nn.Linear(2, 2))
    assert count(model) == 4
    model[0].extra = ember.nn.Linear(2, 2)  # a grandchild
    assert count(model) == 6
    del model[0].extra
    assert count(model) == 4
    model[1] = ember.nn.Identity()
    assert count(model) == 2
    model._modules = {"0": ember.nn.Linear(1, 1)}
    assert count(model) == 2 and list(model.parameters())[0] is model[0].weight
    deep = copy.deepcopy(model)
    assert [p is q for p, q in zip(deep.parameters(), model.parameters())] == [False, False]
    shallow = copy.copy(model)
    assert shallow._walk()[0] is shallow and list(shallow.modules())[0] is shallow


def test_parameters_follow_parameter_changes():
    # the tuple behind parameters() is cached until any module's children or parameters change
    import pickle

    import ember

    model = ember.nn.Sequential(ember.nn.Linear(3, 2), ember.nn.Linear(2, 1))
    ids = lambda mod: [id(p) for p in mod.parameters()]  # noqa: E731
    lin = model[1]
    new = ember.nn.Parameter(ember.zeros(2))
    lin.bias = new  # replaced through setattr
    assert list(model.parameters())[3] is new
    lin.register_parameter("extra", ember.nn.Parameter(ember.ones(1)))
    assert len(list(model.parameters())) == 5
    del lin.extra
    lin._parameters["bias"] = None  # straight into the registry
    assert len(list(model.parameters())) == 3
    lin._parameters.update(bias=new)
    assert list(model.parameters())[3] is new
    lin._parameters = {"weight": lin.weight}  # the registry replaced wholesale
    assert len(list(model.parameters())) == 3
    it = model.parameters()  # an iterator, as PyTorch's generator
    assert next(it) is model[0].weight
    assert ids(model[0]) == [id(model[0].weight), id(model[0].bias)]
    assert list(model.parameters(recurse=False)) == [] and len(list(lin.parameters(recurse=False))) == 1
    back = pickle.loads(pickle.dumps(model))
    assert "_params_cache" not in back.__dict__ and "_walk_cache" not in back.__dict__
    assert [p.shape for p in back.parameters()] == [p.shape for p in model.parameters()]
    assert all(p is not q for p, q in zip(back.parameters(), model.parameters()))
