"""Containers against PyTorch: Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict
(indexing, mutation, renumbering, names, reprs, errors)."""
from collections import OrderedDict

import pytest

import ember
from tests.nn.test_module import make_affine, rand
from tests.test_autograd import same, same_error


def names(mod):
    return [n for n, _ in mod.named_children()]


def shapes(mod):
    return [tuple(c.weight.shape) for c in mod]


def test_sequential_forward_and_forms():
    def prog(m):
        A = make_affine(m)
        seq = m.nn.Sequential(A(3, 4), A(4, 2))
        od = m.nn.Sequential(OrderedDict([("fc1", A(3, 4)), ("fc2", A(4, 2))]))
        x = rand(m, 5, 3, requires_grad=True)
        y = seq(x)
        y.backward(rand(m, 5, 2, seed=1))
        return y, x.grad, [p.grad for p in seq.parameters()], names(seq), names(od), repr(od), od.fc2.weight.shape
    same(prog)


def test_sequential_indexing_and_mutation():
    def prog(m):
        A = make_affine(m)
        seq = m.nn.Sequential(*[A(i + 1, i + 2) for i in range(5)])
        out = [shapes(seq[1:4]), type(seq[::2]).__name__, names(seq[::2]), seq[-1].weight.shape, len(seq)]
        seq[0] = A(9, 9)
        del seq[1]
        out.append((names(seq), shapes(seq)))
        del seq[1:3]
        out.append((names(seq), shapes(seq)))
        seq.append(A(1, 1)).insert(0, A(2, 2)).insert(-1, A(3, 3))
        out.append((names(seq), shapes(seq)))
        popped = seq.pop(1)
        out.append((popped.weight.shape, names(seq), shapes(seq)))
        seq.extend([A(4, 4)])
        seq2 = seq + m.nn.Sequential(A(5, 5))
        out.append((names(seq2), shapes(seq2), len(seq)))
        seq += m.nn.Sequential(A(6, 6))
        out.append(shapes(seq))
        doubled = m.nn.Sequential(A(1, 1)) * 2
        out.append((names(doubled), doubled[0] is doubled[1]))
        out.append([k for k in dir(seq) if k.isdigit()])
        out.append(list(m.nn.Sequential(A(1, 1), A(2, 2)).state_dict()))
        return out
    same(prog)


@pytest.mark.parametrize("case, exc, match", [
    ("index", IndexError, "index 5 is out of range"),
    ("neg", IndexError, "index -4 is out of range"),
    ("add", ValueError, "add operator supports only objects of Sequential class"),
    ("mul", ValueError, "Non-positive multiplication factor 0"),
    ("insert", IndexError, "Index out of range: 7"),
    ("modlist_index", IndexError, "index 3 is out of range"),
    ("modlist_extend", TypeError, "ModuleList.extend should be called with an iterable, but got int"),
    ("moddict_update", ValueError, "ModuleDict update sequence element #0 has length 1; 2 is required"),
    ("moddict_key", KeyError, "nope"),
    ("paramlist_extend", TypeError, "ParameterList.extend should be called with an iterable, but got Tensor"),
    ("paramlist_call", RuntimeError, "ParameterList should not be called."),
    ("paramdict_key", TypeError, "Index given to ParameterDict cannot be used as a key as it is not a string (type "
                                 "is 'int')"),
    ("not_module", TypeError, "int is not a Module subclass"),
])
def test_container_errors(case, exc, match):
    def prog(m):
        A = make_affine(m)
        seq = m.nn.Sequential(A(1, 1), A(1, 1), A(1, 1))
        nn = m.nn
        {"index": lambda: seq[5],
         "neg": lambda: seq[-4],
         "add": lambda: seq + nn.ModuleList(),
         "mul": lambda: seq * 0,
         "insert": lambda: seq.insert(7, A(1, 1)),
         "modlist_index": lambda: nn.ModuleList(list(seq))[3],
         "modlist_extend": lambda: nn.ModuleList().extend(3),
         "moddict_update": lambda: nn.ModuleDict([("a",)]),
         "moddict_key": lambda: nn.ModuleDict()["nope"],
         "paramlist_extend": lambda: nn.ParameterList().extend(m.zeros(2)),
         "paramlist_call": lambda: nn.ParameterList()(1),
         "paramdict_key": lambda: nn.ParameterDict()[1],
         "not_module": lambda: nn.Sequential(3),
         }[case]()
    same_error(prog, match, exc)


def test_module_list():
    def prog(m):
        A = make_affine(m)
        ml = m.nn.ModuleList([A(1, 1), A(2, 2)])
        ml.append(A(3, 3)).extend([A(4, 4), A(5, 5)])
        ml.insert(1, A(6, 6))
        out = [names(ml), shapes(ml), shapes(ml[1:3]), type(ml[1:3]).__name__, ml[-1].weight.shape]
        del ml[0]
        out.append((names(ml), shapes(ml)))
        del ml[::2]
        out.append((names(ml), shapes(ml)))
        ml[0] = A(7, 7)
        out.append(ml.pop(-1).weight.shape)
        ml += [A(8, 8)]
        both = ml + m.nn.ModuleList([A(9, 9)])
        out.append((shapes(ml), names(both), shapes(both), len(both)))
        out.append([n for n, _ in m.nn.ModuleList([A(1, 1)] * 3).named_parameters()])
        return out
    same(prog)


def test_module_dict():
    def prog(m):
        A = make_affine(m)
        md = m.nn.ModuleDict({"b": A(1, 1), "a": A(2, 2)})
        md["c"] = A(3, 3)
        md.update([("d", A(4, 4))])
        md.update(OrderedDict([("e", A(5, 5))]))
        out = [list(md), list(md.keys()), [v.weight.shape for v in md.values()], [k for k, _ in md.items()],
               "a" in md, len(md), md.pop("b").weight.shape, list(md)]
        del md["a"]
        out.append(list(md.state_dict()))
        md.clear()
        out.append((len(md), repr(md)))
        return out
    same(prog)


def test_parameter_list():
    def prog(m):
        pl = m.nn.ParameterList([m.zeros(2), m.nn.Parameter(m.ones(3), requires_grad=False)])
        pl.append(m.full((2, 2), 2.0))
        pl.extend([m.zeros(1, dtype=m.float64)])
        pl.append("not a tensor")
        out = [len(pl), [type(p).__name__ for p in pl], [p.requires_grad for p in pl if hasattr(p, "requires_grad")],
               [n for n, _ in pl.named_parameters()], len(pl[1:3]), type(pl[1:3]).__name__, pl[-2].dtype, repr(pl)]
        pl[0] = m.ones(2)
        out.append((pl[0], type(pl[0]).__name__, list(pl.state_dict())))
        return out
    same(prog)


def test_parameter_dict():
    def prog(m):
        pd = m.nn.ParameterDict({"w": m.zeros(2), "b": m.nn.Parameter(m.ones(1))})
        pd["c"] = m.ones(2, 2)
        pd.update([("d", m.zeros(3))])
        out = [list(pd), list(pd.keys()), [type(v).__name__ for v in pd.values()], [k for k, _ in pd.items()],
               "w" in pd, len(pd), pd.get("nope", 5), pd.setdefault("e", m.zeros(1)).shape,
               list(reversed(pd)), pd.pop("c").shape, list(pd), repr(pd), list(pd.state_dict())]
        del pd["w"]
        cp = pd.copy()
        merged = pd | m.nn.ParameterDict({"z": m.zeros(1)})
        out.append((list(cp), cp["b"] is pd["b"], list(merged)))
        k, v = pd.popitem()
        out.append((k, v.shape, list(pd)))
        pd.clear()
        out.append((len(pd), repr(pd)))
        return out
    same(prog)


def test_containers_under_a_model_train_eval_to():
    def prog(m):
        A = make_affine(m)
        net = m.nn.ModuleDict({"s": m.nn.Sequential(A(1, 1)), "l": m.nn.ModuleList([A(1, 1)])})
        net.eval().float()
        return [mod.training for mod in net.modules()], [p.dtype for p in net.parameters()]
    same(prog)


def test_ember_names_the_class_in_errors():
    with pytest.raises(AttributeError, match="'ModuleList' object has no attribute 'x'"):
        ember.nn.ModuleList().x
    with pytest.raises(AssertionError, match="module should be of type"):
        ember.nn.Sequential().insert(0, 3)
