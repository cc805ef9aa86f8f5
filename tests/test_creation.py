"""Tensor creation against PyTorch: from data (dtype inference, errors, memory sharing), by
shape (sizes in every form, fill dtypes, *_like, new_*), and ranges (bit-identical values)."""
import math

import numpy as np
import pytest
import torch

import ember


def _same(e, t):
    """Same dtype, shape and values (bit for bit, NaN equal to NaN)."""
    assert str(e.dtype) == str(t.dtype), (e.dtype, t.dtype)
    assert tuple(e.shape) == tuple(t.shape)
    np.testing.assert_array_equal(e.numpy(), t.detach().numpy())


def _outcome(lib, fn):
    try:
        r = fn(lib)
    except Exception as exc:  # the exception type must match too
        return type(exc).__name__
    return r


def _check(fn):
    t, e = _outcome(torch, fn), _outcome(ember, fn)
    if isinstance(t, str) or isinstance(e, str):
        assert t == e
    else:
        _same(e, t)


# -- tensor(): dtype inference and values -------------------------------------------------------
DATA = [
    [1, 2, 3], [1.5, 2], [True, False], [True, 1], [True, 1.5], 3, 2.5, True, [], [[]], [[1, 2], [3, 4]],
    ((1, 2), (3, 4)), [[1.0], [2]], range(4), [[[1, 2]], [[3, 4]]], [-0.0, float("inf"), float("nan")],
    2 ** 62, [np.float64(1.5)], [np.int32(3)], [np.int32(3), 5], [np.float16(3), 5], [np.float16(3), 5.5],
    [[np.float64(3)], [5.5]], [True, np.int8(2)], np.float64(1.5), np.float32(2.5), np.int16(7), np.bool_(True),
]


@pytest.mark.parametrize("data", DATA, ids=[repr(d)[:30] for d in DATA])
def test_tensor_from_python(data):
    _check(lambda lib: lib.tensor(data))


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8",
                                   "bool"])
def test_tensor_dtype_argument(dtype):
    for data in [[1.7, -2.2, 0.0], [3, -1, 0], [True, False], 2.5, [[1, 2.5]]]:
        _check(lambda lib: lib.tensor(data, dtype=getattr(lib, dtype)))


def test_tensor_from_tensors_in_lists():
    _check(lambda lib: lib.tensor([lib.tensor(1.0), lib.tensor(2.0)]))
    _check(lambda lib: lib.tensor([lib.tensor(1), 2.5]))
    _check(lambda lib: lib.tensor([lib.tensor(1, dtype=lib.float64), 2]))
    _check(lambda lib: lib.tensor([lib.tensor(1, dtype=lib.int8), lib.tensor(1, dtype=lib.uint8)]))
    _check(lambda lib: lib.tensor([[lib.tensor(1.5)]]))
    _check(lambda lib: lib.tensor([lib.tensor([1.5])]))
    _check(lambda lib: lib.tensor([lib.tensor([1.0, 2.0]), lib.tensor([2.0, 3.0])]))  # ValueError
    with pytest.warns(UserWarning):
        _check(lambda lib: lib.tensor([lib.tensor(1.0, requires_grad=True)]))


@pytest.mark.parametrize("bad", [[[1, 2], [3]], [[1, 2], [3, 4, 5]], [[[1, 2]], [[3, 4], [5, 6]]], [1, [2]],
                                 [[1], 2], "a", None, {1: 2}, [1.5, None]])
def test_tensor_bad_data_errors(bad):
    _check(lambda lib: lib.tensor(bad))


def test_tensor_ragged_message():
    with pytest.raises(ValueError, match=r"expected sequence of length 2 at dim 1 \(got 3\)"):
        ember.tensor([[1, 2], [3, 4, 5]])


@pytest.mark.parametrize("data, dtype", [([300], "uint8"), ([-1], "uint8"), ([-255], "uint8"), ([-256], "uint8"),
                                         ([200], "int8"), ([2.5], "uint8"), ([-2.5], "uint8"), ([256.0], "uint8"),
                                         ([1e10], "int32"), ([float("inf")], "int64"), ([float("nan")], "int64"),
                                         ([1e300], "float32"), ([1e5], "float16"), ([float("inf")], "float16")])
def test_tensor_overflow(data, dtype):
    _check(lambda lib: lib.tensor(data, dtype=getattr(lib, dtype)))


def test_tensor_from_numpy_arrays_keep_dtype_and_copy():
    for arr in [np.arange(6.0).reshape(2, 3), np.arange(6, dtype=np.float32), np.array([1, 2], dtype=np.int16),
                np.array([True, False]), np.array(5), np.array(2.5), np.arange(6.0).reshape(2, 3).T,
                np.arange(10)[::-2].copy(), np.zeros((0, 3), np.uint8)]:
        _check(lambda lib: lib.tensor(arr))
        _check(lambda lib: lib.tensor(arr, dtype=lib.float32))
    a = np.arange(3.0)
    t = ember.tensor(a)
    a[0] = 100
    assert t[0].item() == 0.0  # a copy
    assert ember.tensor(np.arange(6.0).reshape(2, 3).T).is_contiguous()
    with pytest.raises(TypeError):
        ember.tensor(np.array(["a"]))


def test_tensor_from_tensor_copies_and_detaches():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    with pytest.warns(UserWarning, match="clone"):
        y = ember.tensor(x)
    assert y.is_leaf and not y.requires_grad
    y[0] = 5.0
    assert x[0].item() == 1.0
    with pytest.warns(UserWarning):
        assert ember.tensor(x, dtype=ember.int64).dtype is ember.int64


def test_tensor_requires_grad():
    t = ember.tensor([1.0, 2.0], requires_grad=True)
    assert t.requires_grad and t.is_leaf and t.grad_fn is None
    _check(lambda lib: lib.tensor([1, 2], requires_grad=True))  # RuntimeError: ints cannot require grad
    assert ember.tensor([1, 2], dtype=ember.float64, requires_grad=True).requires_grad


# -- as_tensor / from_numpy / numpy() --------------------------------------------------------------
def test_as_tensor_shares_when_possible():
    x = ember.tensor([1.0, 2.0])
    assert ember.as_tensor(x) is x
    assert ember.as_tensor(x, dtype=ember.float32) is x
    assert ember.as_tensor(x, dtype=ember.float64).dtype is ember.float64
    a = np.array([1.0, 2.0])
    t = ember.as_tensor(a)
    a[0] = 7.0
    assert t[0].item() == 7.0 and t.dtype is ember.float64
    t2 = ember.as_tensor(a, dtype=ember.float32)
    a[1] = 9.0
    assert t2[1].item() == 2.0  # a cast copies
    _check(lambda lib: lib.as_tensor([1, 2], dtype=lib.float32))
    _check(lambda lib: lib.as_tensor([[1.5, 2]]))
    assert ember.asarray(a) is not None and ember.asarray(a).numpy() is a


def test_from_numpy_shares_memory_both_ways():
    a = np.zeros((2, 3))
    t = ember.from_numpy(a)
    assert t.dtype is ember.float64
    a[0, 0] = 5.0
    assert t[0, 0].item() == 5.0
    t[1, 2] = 7.0
    assert a[1, 2] == 7.0
    t.add_(1)
    assert a[0, 0] == 6.0
    strided = ember.from_numpy(np.arange(6.0).reshape(2, 3)[:, ::2])
    assert strided.stride() == torch.from_numpy(np.arange(6.0).reshape(2, 3)[:, ::2]).stride()
    for bad in [np.arange(3)[::-1], [1, 2], np.array(["x"])]:
        assert _outcome(ember, lambda lib: lib.from_numpy(bad)) == _outcome(torch, lambda lib: lib.from_numpy(bad))


def test_numpy_shares_memory_and_refuses_grad():
    t = ember.ones(3)
    a = t.numpy()
    a[0] = 4.0
    assert t[0].item() == 4.0
    t[1] = 5.0
    assert a[1] == 5.0
    assert np.asarray(t) is a or np.shares_memory(np.asarray(t), a)
    r = ember.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="requires grad"):
        r.numpy()
    assert r.numpy(force=True).tolist() == [1.0, 1.0]
    assert r.detach().numpy().tolist() == [1.0, 1.0]
    assert ember.tensor(3.5).numpy().shape == ()


def test_tolist_and_item():
    for data in [[1.5, 2.5], [[1, 2]], [True], 1.5, 7, True, [[[]]]]:
        assert ember.tensor(data).tolist() == torch.tensor(data).tolist()
    for data in [[1.5], [[2]], True, 3, 2.5]:
        e, t = ember.tensor(data).item(), torch.tensor(data).item()
        assert e == t and type(e) is type(t)
    assert type(ember.tensor([1.5], dtype=ember.float16).item()) is float
    _check(lambda lib: lib.tensor([1, 2]).item())  # RuntimeError


# -- by shape ---------------------------------------------------------------------------------------
SIZES = [(2, 3), ((2, 3),), ([2, 3],), ((),), ([],), (0,), (2, 0, 1)]


@pytest.mark.parametrize("name", ["zeros", "ones", "empty"])
@pytest.mark.parametrize("size", SIZES, ids=str)
def test_by_shape_size_forms(name, size):
    e, t = getattr(ember, name)(*size), getattr(torch, name)(*size)
    assert e.shape == t.shape and str(e.dtype) == str(t.dtype)
    assert getattr(ember, name)(ember.Size(t.shape)).shape == t.shape
    if name != "empty":
        _same(e, t)
    assert getattr(ember, name)(size=t.shape).shape == t.shape


@pytest.mark.parametrize("name", ["zeros", "ones", "empty", "rand", "randn"])
def test_negative_and_bad_sizes(name):
    for size in [(2, -1), ((2, -3),), (-1,), (2.5,), ((2, 2.5),), (2, (3,))]:
        assert _outcome(ember, lambda lib: getattr(lib, name)(*size)) == \
            _outcome(torch, lambda lib: getattr(lib, name)(*size)), size


def test_integer_like_sizes():
    assert ember.zeros(np.int64(2), 3).shape == (2, 3)
    assert ember.zeros(ember.tensor(2), 3).shape == (2, 3)


@pytest.mark.parametrize("fill", [2, 2.0, True, -1.5, float("nan"), np.float64(2.5), np.int32(2)])
def test_full_dtype_inference(fill):
    _check(lambda lib: lib.full((2, 3), fill))
    _check(lambda lib: lib.full([2], fill, dtype=lib.float64))
    _check(lambda lib: lib.full((2,), lib.tensor(fill)))


def test_full_errors_and_casts():
    _check(lambda lib: lib.full(3, 2.0))  # TypeError: size must be a tuple
    _check(lambda lib: lib.full((2,), 2.5, dtype=lib.int64))
    _check(lambda lib: lib.full((2,), 300, dtype=lib.uint8))
    _check(lambda lib: lib.full((2, -1), 1.0))


@pytest.mark.parametrize("dtype", [None, "float64", "int32", "bool"])
def test_eye(dtype):
    kw = lambda lib: {} if dtype is None else {"dtype": getattr(lib, dtype)}  # noqa: E731
    for args in [(3,), (2, 4), (0,), (3, 0), (-1,), (2, -1)]:
        _check(lambda lib: lib.eye(*args, **kw(lib)))


def test_like_functions():
    for src in [lambda lib: lib.zeros(2, 3), lambda lib: lib.zeros(2, dtype=lib.int32),
                lambda lib: lib.zeros((), dtype=lib.float64), lambda lib: lib.zeros(2, 3).t()]:
        _check(lambda lib: lib.zeros_like(src(lib)))
        _check(lambda lib: lib.ones_like(src(lib)))
        _check(lambda lib: lib.ones_like(src(lib), dtype=lib.int64))
        _check(lambda lib: lib.full_like(src(lib), 2.7))
        _check(lambda lib: lib.full_like(src(lib), 7, dtype=lib.float16))
        assert ember.empty_like(src(ember)).shape == src(torch).shape
    x = ember.zeros(2, requires_grad=True)
    assert not ember.zeros_like(x).requires_grad
    assert ember.zeros_like(x, requires_grad=True).requires_grad


def test_new_functions():
    for make in [lambda lib: lib.zeros(2, dtype=lib.int32), lambda lib: lib.zeros(2, dtype=lib.float64),
                 lambda lib: lib.tensor(1.5, requires_grad=True)]:
        _check(lambda lib: make(lib).new_tensor([1.5, 2]))
        _check(lambda lib: make(lib).new_tensor(np.array([1.5, 2])))
        _check(lambda lib: make(lib).new_zeros(2, 3))
        _check(lambda lib: make(lib).new_zeros((2, 3)))
        _check(lambda lib: make(lib).new_zeros(()))
        _check(lambda lib: make(lib).new_ones([2, 3]))
        _check(lambda lib: make(lib).new_full((2,), 2.5))
        _check(lambda lib: make(lib).new_ones(2, dtype=lib.bool))
        assert make(ember).new_empty(ember.Size([2])).shape == (2,)
        assert not make(ember).new_tensor([1.0]).requires_grad
    assert ember.zeros(1).new_tensor([1.0], requires_grad=True).requires_grad


def test_out_argument():
    out = ember.empty(3)
    r = ember.zeros(3, out=out)
    assert r is out and out.tolist() == [0.0, 0.0, 0.0]
    r = ember.arange(5, out=out)
    assert r is out and out.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0] and out.dtype is ember.float32


def test_unsupported_options_refused_by_name():
    with pytest.raises(NotImplementedError, match="memory_format"):
        ember.zeros_like(ember.zeros(2), memory_format=ember.channels_last)
    assert ember.zeros(2, layout=ember.strided).layout is ember.strided
    assert repr(ember.strided) == repr(torch.strided)
    assert ember.zeros_like(ember.zeros(2), memory_format=ember.preserve_format).shape == (2,)


def test_device_argument_on_creation():
    for fn in [lambda lib, d: lib.tensor([1.0], device=d), lambda lib, d: lib.zeros(2, device=d),
               lambda lib, d: lib.arange(3, device=d), lambda lib, d: lib.full((2,), 1.0, device=d),
               lambda lib, d: lib.eye(2, device=d), lambda lib, d: lib.linspace(0, 1, 3, device=d),
               lambda lib, d: lib.zeros_like(lib.ones(2), device=d), lambda lib, d: lib.ones(2).new_zeros(2, device=d)]:
        assert fn(ember, "cpu").device == ember.device("cpu")
        assert fn(ember, ember.device("cpu")).device.type == "cpu"
        with pytest.raises(RuntimeError, match="CuPy"):
            fn(ember, "cuda")


# -- ranges: bit-identical to PyTorch -------------------------------------------------------------------
RANGE_DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "uint8", "int8"]
ARANGE_ARGS = [(-math.pi, math.pi, 0.1), (-3.0, 3.0, 0.1), (1.5, 100.3, 0.37), (10,), (0, 10), (2, 11, 3),
               (0, 5.5, 1.5), (0, 5, 0.5), (10, 0, -3), (5, -3.3, -0.17), (0.0, 20000.0, 0.7), (-7, 13, 0.33),
               (1e-3, 1.0, 1e-4), (0,), (3, 3), (True,)]


@pytest.mark.parametrize("args", ARANGE_ARGS, ids=str)
def test_arange_bit_identical(args):
    _check(lambda lib: lib.arange(*args))
    for dt in RANGE_DTYPES:
        _check(lambda lib: lib.arange(*args, dtype=getattr(lib, dt)))


def test_arange_pi_exact():
    e, t = ember.arange(-math.pi, math.pi, 0.1), torch.arange(-math.pi, math.pi, 0.1)
    assert e.dtype is ember.float32 and e.numpy().tobytes() == t.numpy().tobytes()
    assert ember.arange(5).dtype is ember.int64 and ember.arange(5.0).dtype is ember.float32
    assert ember.arange(ember.tensor(3)).tolist() == [0, 1, 2]


@pytest.mark.parametrize("args", [(5, 0), (0, math.inf), (0, 1, 0), (0, 10, -1), (0, math.nan), (-5,)], ids=str)
def test_arange_errors(args):
    _check(lambda lib: lib.arange(*args))
    _check(lambda lib: lib.arange(10, dtype=lib.bool))


LINSPACE_ARGS = [(-math.pi, math.pi, 2000), (0, 1, 7), (-3, 10, 100), (1.5, -2.25, 33), (2.7, 100.2, 1001),
                 (0, 255, 10), (3, 3, 5), (0, 1, 1), (0, 1, 0), (-1, 2, 50), (0.1, 3.3, 4), (-2, 2, 2)]


@pytest.mark.parametrize("args", LINSPACE_ARGS, ids=str)
def test_linspace_bit_identical(args):
    _check(lambda lib: lib.linspace(*args))
    for dt in RANGE_DTYPES:
        _check(lambda lib: lib.linspace(*args, dtype=getattr(lib, dt)))


def test_linspace_pi_2000_exact():
    e, t = ember.linspace(-math.pi, math.pi, 2000), torch.linspace(-math.pi, math.pi, 2000)
    assert e.numpy().tobytes() == t.numpy().tobytes()
    _check(lambda lib: lib.linspace(0, 1, -1))
    _check(lambda lib: lib.linspace(lib.tensor(0.0), lib.tensor(2.0), 5))


LOGSPACE_ARGS = [(-math.pi, math.pi, 200), (0, 2, 3), (-0.06, 0.2, 100), (1.5, -2.25, 33), (-1, 2, 50),
                 (0, 3, 4), (2, 2, 1), (0, 1, 0)]


@pytest.mark.parametrize("args", LOGSPACE_ARGS, ids=str)
def test_logspace_bit_identical(args):
    for base in [10.0, 2.0, math.e]:
        for dt in ["float32", "float64", "float16", "int64"]:
            _check(lambda lib: lib.logspace(*args, base=base, dtype=getattr(lib, dt)))
    _check(lambda lib: lib.logspace(*args))


def test_range_deprecated():
    with pytest.warns(UserWarning, match="deprecated"):
        t = torch.range(0, 5, 0.5)
    with pytest.warns(UserWarning, match="deprecated"):
        e = ember.range(0, 5, 0.5)
    _same(e, t)


def test_requires_grad_on_ranges():
    assert ember.arange(3.0, requires_grad=True).requires_grad
    assert ember.linspace(0, 1, 3, requires_grad=True).is_leaf
    _check(lambda lib: lib.arange(3, requires_grad=True))
