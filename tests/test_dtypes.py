"""dtypes against PyTorch: names, repr, default dtype, conversions, finfo/iinfo, and type
promotion checked exhaustively over every pair of dtypes and every operand kind
(tensor, 0-d tensor, Python scalar), on the dtype of the op's actual result."""
import copy
import itertools
import operator
import pickle

import numpy as np
import pytest
import torch

import ember

NAMES = ["float32", "float64", "float16", "int8", "int16", "int32", "int64", "uint8", "bool"]
ALIASES = ["float", "double", "half", "long", "int", "short", "uint8", "int8", "bool", "float16", "float32",
           "float64", "int16", "int32", "int64"]
OPS = {"add": operator.add, "mul": operator.mul, "div": operator.truediv, "lt": operator.lt,
       "le": operator.le, "eq": operator.eq, "ne": operator.ne, "gt": operator.gt}
FUNCS = {"add": "add", "mul": "mul", "div": "div", "lt": "lt", "eq": "eq"}
SCALARS = [2, 2.5, True, -3, 0.0, False]


def _ones(lib, name, zero_dim):
    dt = getattr(lib, name)
    return lib.ones((), dtype=dt) if zero_dim else lib.ones(3, dtype=dt)


def _result(f, a, b):
    try:
        return str(f(a, b).dtype)
    except Exception as e:  # the error type must match too
        return "error:" + type(e).__name__


@pytest.fixture
def default_float64():
    ember.set_default_dtype(ember.float64)
    torch.set_default_dtype(torch.float64)
    yield
    ember.set_default_dtype(ember.float32)
    torch.set_default_dtype(torch.float32)


# -- names and basics ------------------------------------------------------------------
@pytest.mark.parametrize("name", ALIASES)
def test_names_and_repr(name):
    assert repr(getattr(ember, name)) == repr(getattr(torch, name))
    assert str(getattr(ember, name)) == str(getattr(torch, name))


def test_dtype_properties():
    for name in NAMES:
        e, t = getattr(ember, name), getattr(torch, name)
        assert e.is_floating_point == t.is_floating_point, name
        assert e.is_signed == t.is_signed, name
        assert e.itemsize == t.itemsize, name
        assert e.is_complex == t.is_complex
        assert pickle.loads(pickle.dumps(e)) is e
        assert copy.deepcopy(e) is e
    assert ember.float is ember.float32 and ember.long is ember.int64 and ember.half is ember.float16
    assert ember.float32 == ember.float and ember.float32 != ember.float64
    assert len({ember.float32, ember.float, ember.int64}) == 2


def test_default_dtype(default_float64):
    assert ember.get_default_dtype() is ember.float64
    assert ember.tensor([1.5]).dtype is ember.float64
    assert ember.tensor(1.5).dtype is ember.float64
    assert ember.zeros(2).dtype is ember.float64
    assert ember.ones(2).dtype is ember.float64
    assert ember.randn(2).dtype is ember.float64
    assert ember.rand(2).dtype is ember.float64
    assert ember.arange(0.0, 1.0, 0.5).dtype is ember.float64
    assert ember.arange(3).dtype is ember.int64
    assert ember.linspace(0, 1, 3).dtype is ember.float64
    assert ember.full((2,), 1.5).dtype is ember.float64
    assert ember.Tensor([1, 2]).dtype is ember.float64
    assert ember.tensor([1, 2]).dtype is ember.int64
    assert (ember.tensor([1, 2]) / 2).dtype is ember.float64
    assert (ember.tensor([1, 2]) * 2.5).dtype is ember.float64
    assert ember.tensor([1.0], dtype=ember.float32).dtype is ember.float32
    np.testing.assert_array_equal(ember.arange(-3.0, 3.0, 0.1).numpy(), torch.arange(-3.0, 3.0, 0.1).numpy())


def test_set_default_dtype_rejects_non_float():
    for lib in (ember, torch):
        with pytest.raises(TypeError):
            lib.set_default_dtype(lib.int64)
    assert ember.get_default_dtype() is ember.float32


# -- conversions -----------------------------------------------------------------------
@pytest.mark.parametrize("method", ["float", "double", "half", "long", "int", "short", "char", "byte", "bool"])
def test_conversion_methods(method):
    data = [[-1.5, 0.0, 2.7], [3.0, 250.0, -0.2]]
    e, t = getattr(ember.tensor(data), method)(), getattr(torch.tensor(data), method)()
    assert str(e.dtype) == str(t.dtype)
    np.testing.assert_array_equal(e.numpy(), t.numpy())


def test_to_type_type_as():
    x = ember.tensor([1.7, -2.2])
    assert x.to(ember.float32) is x
    assert x.to(ember.float32, copy=True) is not x
    assert x.to(ember.int64).tolist() == torch.tensor([1.7, -2.2]).to(torch.int64).tolist()
    assert x.to(dtype=ember.float64).dtype is ember.float64
    assert x.to("cpu", ember.float16).dtype is ember.float16
    assert x.to(ember.tensor([1], dtype=ember.int32)).dtype is ember.int32
    assert x.type() == torch.tensor([1.7]).type() == "torch.FloatTensor"
    for name in ["torch.DoubleTensor", "torch.LongTensor", "torch.BoolTensor", "torch.ByteTensor"]:
        assert x.type(name).type() == name
    assert x.type(ember.int32).dtype is ember.int32
    assert x.type_as(ember.zeros(1, dtype=ember.float64)).dtype is ember.float64
    assert x.double().type() == "torch.DoubleTensor"


def test_is_floating_point():
    for name in NAMES:
        e, t = ember.zeros(2, dtype=getattr(ember, name)), torch.zeros(2, dtype=getattr(torch, name))
        assert e.is_floating_point() == t.is_floating_point()
        assert ember.is_floating_point(e) == torch.is_floating_point(t)
        assert e.is_signed() == t.is_signed()


def test_to_keeps_grad():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x.double()
    assert y.grad_fn is not None and y.grad_fn.name() == "ToCopyBackward0"
    (y * y).sum().backward()
    assert x.grad.dtype is ember.float32 and x.grad.tolist() == [2.0, 4.0]


# -- finfo / iinfo ---------------------------------------------------------------------
@pytest.mark.parametrize("name", ["float32", "float64", "float16"])
def test_finfo(name):
    e, t = ember.finfo(getattr(ember, name)), torch.finfo(getattr(torch, name))
    for attr in ["bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution"]:
        assert getattr(e, attr) == getattr(t, attr), attr
    assert e.dtype == t.dtype
    assert ember.finfo().eps == torch.finfo().eps


@pytest.mark.parametrize("name", ["int8", "int16", "int32", "int64", "uint8"])
def test_iinfo(name):
    e, t = ember.iinfo(getattr(ember, name)), torch.iinfo(getattr(torch, name))
    assert (e.bits, e.min, e.max, e.dtype) == (t.bits, t.min, t.max, t.dtype)


def test_info_errors():
    with pytest.raises(TypeError):
        ember.finfo(ember.int32)
    with pytest.raises(TypeError):
        ember.iinfo(ember.float32)


# -- promotion, exhaustively -----------------------------------------------------------
def test_promote_types_all_pairs():
    bad = []
    for a, b in itertools.product(NAMES, NAMES):
        t = str(torch.promote_types(getattr(torch, a), getattr(torch, b)))
        e = str(ember.promote_types(getattr(ember, a), getattr(ember, b)))
        if t != e:
            bad.append((a, b, t, e))
    assert not bad


def test_can_cast_all_pairs():
    bad = [(a, b) for a, b in itertools.product(NAMES, NAMES)
           if ember.can_cast(getattr(ember, a), getattr(ember, b)) != torch.can_cast(getattr(torch, a), getattr(torch, b))]
    assert not bad


def _tensor_pairs():
    for a, b in itertools.product(NAMES, NAMES):
        for za, zb in [(False, False), (False, True), (True, False), (True, True)]:
            yield a, b, za, zb


def test_result_type_tensor_pairs():
    bad = []
    for a, b, za, zb in _tensor_pairs():
        t = torch.result_type(_ones(torch, a, za), _ones(torch, b, zb))
        e = ember.result_type(_ones(ember, a, za), _ones(ember, b, zb))
        if str(t) != str(e):
            bad.append((a, b, za, zb, t, e))
    assert not bad


def test_result_type_scalars():
    bad = []
    for a, s, z in itertools.product(NAMES, SCALARS, (False, True)):
        t = torch.result_type(_ones(torch, a, z), s)
        e = ember.result_type(_ones(ember, a, z), s)
        if str(t) != str(e):
            bad.append((a, s, z, t, e))
    assert not bad


def _check_ops_tensor_pairs():
    bad = []
    for (opname, f), (a, b, za, zb) in itertools.product(OPS.items(), _tensor_pairs()):
        t = _result(f, _ones(torch, a, za), _ones(torch, b, zb))
        e = _result(f, _ones(ember, a, za), _ones(ember, b, zb))
        if t != e:
            bad.append((opname, a, b, za, zb, t, e))
    return bad


def _check_ops_scalars():
    bad = []
    for (opname, f), a, s, z, rev in itertools.product(OPS.items(), NAMES, SCALARS, (False, True), (False, True)):
        ta, ea = _ones(torch, a, z), _ones(ember, a, z)
        t = _result(f, s, ta) if rev else _result(f, ta, s)
        e = _result(f, s, ea) if rev else _result(f, ea, s)
        if t != e:
            bad.append((opname, a, s, z, rev, t, e))
    return bad


def test_op_result_dtype_tensor_pairs():
    assert not _check_ops_tensor_pairs()


def test_op_result_dtype_scalars():
    assert not _check_ops_scalars()


def test_op_result_dtype_with_default_float64(default_float64):
    assert not _check_ops_tensor_pairs()
    assert not _check_ops_scalars()


def test_functional_forms_match_operators():
    bad = []
    for (opname, fname), (a, b, za, zb) in itertools.product(FUNCS.items(), _tensor_pairs()):
        t = _result(getattr(torch, fname), _ones(torch, a, za), _ones(torch, b, zb))
        e = _result(getattr(ember, fname), _ones(ember, a, za), _ones(ember, b, zb))
        if t != e:
            bad.append((opname, a, b, za, zb, t, e))
    assert not bad


def test_promoted_values():
    # promotion changes values the same way: uint8 wrap-around, int8 * large int
    cases = [(np.uint8, [250, 3], 10), (np.int8, [100, -100], 3), (np.int32, [7, -7], 2.5),
             (np.bool_, [True, False], 3), (np.float16, [1.5, 2.0], 1e-3)]
    for dt, data, s in cases:
        for f in (operator.add, operator.mul, operator.truediv):
            e = f(ember.tensor(np.array(data, dtype=dt)), s)
            t = f(torch.tensor(np.array(data, dtype=dt)), s)
            assert str(e.dtype) == str(t.dtype)
            np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-3)


def test_int_division_is_true_division():
    e = ember.tensor([1, 2, 3]) / ember.tensor([2, 2, 2])
    t = torch.tensor([1, 2, 3]) / torch.tensor([2, 2, 2])
    assert e.dtype is ember.float32 and str(t.dtype) == "torch.float32"
    assert e.tolist() == t.tolist()


def test_scalar_comparisons_convert_scalar_like_torch():
    cases = [(np.uint8, [1, 2], -1), (np.uint8, [1, 2], 257), (np.int8, [1, 5], 3), (np.int64, [16777217], 16777216.5),
             (np.bool_, [True, False], 1), (np.bool_, [True], 1.5), (np.int32, [2, 3], 2.5)]
    for dt, data, s in cases:
        for f in (operator.lt, operator.eq, operator.ge):
            for rev in (False, True):
                e, t = ember.tensor(np.array(data, dtype=dt)), torch.tensor(np.array(data, dtype=dt))
                re, rt = (f(s, e), f(s, t)) if rev else (f(e, s), f(t, s))
                assert re.tolist() == rt.tolist(), (dt, data, s, f, rev)
