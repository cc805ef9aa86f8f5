"""repr(ember tensor) must equal repr(torch tensor) for the same data, character for character."""
import numpy as np
import pytest
import torch

from ember import _tensor_str
from ember import dtypes as edt
from ember.tensor import Tensor

rng = np.random.default_rng(0)
nan, inf = np.nan, np.inf


def f32(*a):
    return np.array(a, dtype=np.float32)


CASES = {
    # floats: fixed point, int mode, scientific notation
    "small": f32(0.1, 0.25, -0.5),
    "mixed_signs": f32(-1.5, 2.25, -3.125, 4.0),
    "int_valued": f32(1.0, 2.0, -3.0, 100.0),
    "int_valued_big": f32(1e5, 2.0, 3.0),
    "int_valued_sci": f32(1e10, 1.0),
    "zeros": np.zeros(4, dtype=np.float32),
    "neg_zero": f32(-0.0, 0.0, 1.5),
    "ratio_sci": f32(0.001, 10.0),
    "ratio_not_sci": f32(0.01, 10.0),
    "tiny": f32(1e-5, 2e-5),
    "huge": f32(1e9, 2e9, 3.5e9),
    "nan_inf": f32(nan, inf, -inf, 1.5),
    "nan_inf_int": f32(nan, inf, -inf, 2.0),
    "only_nan": f32(nan, nan),
    "nan_sci": f32(nan, 1e-8, 1.0),
    "rounding": f32(0.99995, 1.00005, 123.456789),
    # 0-d
    "scalar_float": np.array(3.0, dtype=np.float32),
    "scalar_frac": np.array(-2.71828, dtype=np.float32),
    "scalar_sci": np.array(1.5e-7, dtype=np.float32),
    "scalar_nan": np.array(nan, dtype=np.float32),
    "scalar_int": np.array(7, dtype=np.int64),
    "scalar_int32": np.array(-7, dtype=np.int32),
    "scalar_bool": np.array(True),
    "scalar_f64": np.array(0.5, dtype=np.float64),
    # empty
    "empty": np.zeros(0, dtype=np.float32),
    "empty_0x3": np.zeros((0, 3), dtype=np.float32),
    "empty_2x0x3": np.zeros((2, 0, 3), dtype=np.float32),
    "empty_int64": np.zeros(0, dtype=np.int64),
    "empty_bool": np.zeros((0, 3), dtype=bool),
    "empty_f64": np.zeros(0, dtype=np.float64),
    # long rows that wrap, at several element widths
    "row_wrap": rng.standard_normal(30).astype(np.float32),
    "row_wrap_int": np.arange(100, dtype=np.int64),
    "row_wrap_sci": (rng.standard_normal(25) * 1e6).astype(np.float32),
    "row_wrap_2d": rng.standard_normal((3, 20)).astype(np.float32),
    "row_wrap_3d": rng.standard_normal((2, 2, 15)).astype(np.float32),
    # 2-D / 3-D / 4-D
    "mat": rng.standard_normal((3, 4)).astype(np.float32),
    "cube": rng.standard_normal((2, 3, 4)).astype(np.float32),
    "hyper": rng.standard_normal((2, 2, 2, 2)).astype(np.float32),
    "mat_int": rng.integers(-50, 50, (4, 5)),
    "mat_bool": rng.random((3, 3)) > 0.5,
    "one_col": rng.standard_normal((5, 1)).astype(np.float32),
    # summarized (> 1000 elements)
    "big_1d": rng.standard_normal(2000).astype(np.float32),
    "big_2d": rng.standard_normal((40, 40)).astype(np.float32),
    "big_3d": rng.standard_normal((11, 12, 13)).astype(np.float32),
    "big_int": np.arange(1001, dtype=np.int64),
    "big_bool": rng.random((30, 40)) > 0.5,
    "big_narrow": rng.standard_normal((1001, 2)).astype(np.float32),
    "big_wide": rng.standard_normal((2, 1001)).astype(np.float32),
    # summarized data is what sizes the formatter: a big value in the hidden middle is ignored
    "big_hidden_outlier": np.concatenate([np.ones(500), [1e9], np.ones(500)]).astype(np.float32),
    # other dtypes
    "float64": rng.standard_normal(5),
    "float64_precise": np.array([1 / 3, 2 / 3, 1e-3]),
    "float16": rng.standard_normal(6).astype(np.float16),
    "float16_sci": np.array([65504.0, 0.001], dtype=np.float16),
    "int32": np.array([1, -20, 300], dtype=np.int32),
    "int16": np.array([1, -20, 300], dtype=np.int16),
    "int8": np.array([-128, 0, 127], dtype=np.int8),
    "uint8": np.array([0, 7, 255], dtype=np.uint8),
    "bool": np.array([True, False, True]),
    "int64_wide": np.array([1, -(2**62), 3], dtype=np.int64),
}


def check(arr, **make):
    expected = repr(torch.from_numpy(arr.copy()))
    got = repr(Tensor._make(arr, **make))
    assert got == expected, f"\nember:\n{got}\ntorch:\n{expected}"


@pytest.fixture(autouse=True)
def _reset_options():
    yield
    torch.set_printoptions(profile="default", sci_mode=None)
    _tensor_str.set_printoptions(profile="default", sci_mode=None)
    torch.set_default_dtype(torch.float32)
    edt.set_default_dtype(edt.float32)


@pytest.mark.parametrize("name", sorted(CASES))
def test_repr_matches_torch(name):
    check(CASES[name])


@pytest.mark.parametrize("seed", range(40))
def test_repr_random(seed):
    """Random shapes, dtypes and magnitudes, including nan/inf sprinkled in."""
    r = np.random.default_rng(seed)
    shape = tuple(r.integers(1, 7, r.integers(1, 4)))
    dtype = r.choice([np.float32, np.float64, np.float16, np.int64, np.int32, np.uint8, np.bool_])
    if dtype == np.bool_:
        arr = r.random(shape) > 0.5
    elif np.issubdtype(dtype, np.integer):
        arr = r.integers(0, 200, shape).astype(dtype)
    else:
        arr = r.standard_normal(shape) * 10.0 ** r.integers(-6, 7)
        if r.random() < 0.3:
            arr = np.round(arr)
        if r.random() < 0.3:
            arr.flat[0] = r.choice([nan, inf, -inf])
        arr = arr.astype(dtype)
    check(arr)


def test_non_contiguous():
    check(rng.standard_normal((3, 5)).astype(np.float32).T)


def test_requires_grad_leaf():
    data = [1.5, -2.0, 3.25]
    expected = repr(torch.tensor(data, requires_grad=True))
    got = repr(Tensor._make(np.array(data, dtype=np.float32), requires_grad=True))
    assert got == expected


class _FakeNode:
    def __init__(self, name):
        self._name = name

    def name(self):
        return self._name


@pytest.mark.parametrize("arr", [
    np.array([1.5, -2.0, 3.25], dtype=np.float32),
    np.array([1.5, -2.0, 3.25], dtype=np.float64),
    rng.standard_normal((3, 7)).astype(np.float32),
    rng.standard_normal(9).astype(np.float64),  # the suffixes wrap onto their own line
    np.array(2.0, dtype=np.float64),
])
def test_grad_fn_suffix(arr):
    x = torch.from_numpy(arr.copy()).requires_grad_()
    y = x * 1
    assert type(y.grad_fn).__name__ == "MulBackward0"
    got = repr(Tensor._make(arr, requires_grad=True, grad_fn=_FakeNode("MulBackward0")))
    assert got == repr(y)


def test_suffix_wraps():
    arr = rng.standard_normal(8)  # float64: a long last line, then dtype + requires_grad
    expected = repr(torch.from_numpy(arr.copy()).requires_grad_())
    assert "\n" in expected
    assert repr(Tensor._make(arr, requires_grad=True)) == expected


@pytest.mark.parametrize("options", [
    dict(precision=2),
    dict(precision=0),
    dict(precision=8),
    dict(sci_mode=True),
    dict(sci_mode=False),
    dict(precision=2, sci_mode=True),
    dict(threshold=5),
    dict(edgeitems=1, threshold=10),
    dict(edgeitems=0, threshold=10),
    dict(linewidth=40),
    dict(linewidth=200),
    dict(profile="short"),
    dict(profile="full"),
])
@pytest.mark.parametrize("name", ["small", "mixed_signs", "int_valued", "tiny", "huge", "nan_inf",
                                  "row_wrap", "row_wrap_int", "big_2d", "big_3d", "cube",
                                  "scalar_frac", "float64", "mat_bool", "big_1d"])
def test_printoptions(options, name):
    torch.set_printoptions(**options)
    _tensor_str.set_printoptions(**options)
    assert _tensor_str.get_printoptions() == torch._tensor_str.get_printoptions()
    check(CASES[name])


def test_get_printoptions_round_trip():
    _tensor_str.set_printoptions(precision=3, sci_mode=True)
    opts = _tensor_str.get_printoptions()
    assert opts == dict(precision=3, threshold=1000, edgeitems=3, linewidth=80, sci_mode=True)
    _tensor_str.set_printoptions(linewidth=60)
    assert _tensor_str.get_printoptions()["sci_mode"] is None  # reset, as in PyTorch
    with _tensor_str.printoptions(precision=1):
        assert _tensor_str.get_printoptions()["precision"] == 1
    assert _tensor_str.get_printoptions()["precision"] == 3


@pytest.mark.parametrize("name", ["small", "float64", "empty", "empty_f64", "empty_int64",
                                  "scalar_f64", "float16"])
def test_default_dtype_float64(name):
    torch.set_default_dtype(torch.float64)
    edt.set_default_dtype(edt.float64)
    check(CASES[name])
