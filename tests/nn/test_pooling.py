"""Pooling layers and functions against PyTorch: outputs, indices and input gradients (random upstream
gradient) over kernel/stride/padding/dilation/ceil_mode combinations, odd sizes, non-contiguous and
unbatched inputs, float32/float64; output-size rules, reprs and errors."""
import numpy as np
import pytest
import torch

import ember

nn, F = ember.nn, ember.nn.functional


def _compare(make, x, noncontig=False):
    """Run ``make(lib)`` (a module or function) on ``x`` in both libraries; compare outputs, indices and
    the input's gradient."""
    tol = dict(rtol=1e-5, atol=1e-6) if x.dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    res = []
    for m in (torch, ember):
        if noncontig:
            t = m.from_numpy(np.ascontiguousarray(np.swapaxes(x, -1, -2))).transpose(-1, -2)
        else:
            t = m.from_numpy(x.copy())
        t.requires_grad_(True)
        out = make(m)(t)
        idx = None
        if isinstance(out, tuple):
            out, idx = out
        up = np.random.default_rng(3).standard_normal(tuple(out.shape)).astype(x.dtype)
        (g,) = m.autograd.grad(out, [t], m.from_numpy(up))
        res.append((out.detach().numpy(), None if idx is None else idx.numpy(), g.numpy()))
    (to, ti, tg), (eo, ei, eg) = res
    assert eo.shape == to.shape and eo.dtype == to.dtype
    np.testing.assert_allclose(eo, to, **tol)
    if ti is not None:
        assert ei.dtype == np.int64
        np.testing.assert_array_equal(ei, ti)
    np.testing.assert_allclose(eg, tg, **tol)


MAXPOOL2D = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1), dict(kernel_size=(3, 2), stride=(2, 1)),
             dict(kernel_size=3, stride=2, padding=1, dilation=2, ceil_mode=True), dict(kernel_size=3, ceil_mode=True),
             dict(kernel_size=2, stride=1, return_indices=True),
             dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, return_indices=True)]
AVGPOOL2D = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1), dict(kernel_size=(3, 2), stride=(2, 1)),
             dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
             dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
             dict(kernel_size=3, ceil_mode=True), dict(kernel_size=2, padding=1, divisor_override=3)]
SHAPES_2D = [(2, 3, 9, 8), (3, 10, 7), (1, 1, 4, 4)]


def _ids(kw):
    return ",".join(f"{k}={v}" for k, v in kw.items())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kw", MAXPOOL2D, ids=_ids)
def test_max_pool2d_matches_torch(kw, dtype):
    rng = np.random.default_rng(0)
    for i, s in enumerate(SHAPES_2D):
        _compare(lambda m: m.nn.MaxPool2d(**kw), rng.standard_normal(s).astype(dtype), noncontig=i == 0)
        _compare(lambda m: lambda x: m.nn.functional.max_pool2d(x, **kw), rng.standard_normal(s).astype(dtype))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kw", AVGPOOL2D, ids=_ids)
def test_avg_pool2d_matches_torch(kw, dtype):
    rng = np.random.default_rng(1)
    for i, s in enumerate(SHAPES_2D):
        _compare(lambda m: m.nn.AvgPool2d(**kw), rng.standard_normal(s).astype(dtype), noncontig=i == 0)


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
                                dict(kernel_size=3, stride=2, padding=1, dilation=2, return_indices=True),
                                dict(kernel_size=4, stride=3, ceil_mode=True, return_indices=True)], ids=_ids)
def test_max_pool1d_matches_torch(kw):
    rng = np.random.default_rng(2)
    for i, s in enumerate([(2, 3, 11), (3, 10), (1, 1, 4)]):
        _compare(lambda m: m.nn.MaxPool1d(**kw), rng.standard_normal(s), noncontig=i == 0)


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
                                dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
                                dict(kernel_size=4, stride=3, ceil_mode=True)], ids=_ids)
def test_avg_pool1d_matches_torch(kw):
    rng = np.random.default_rng(3)
    for i, s in enumerate([(2, 3, 11), (3, 10), (1, 1, 4)]):
        _compare(lambda m: m.nn.AvgPool1d(**kw), rng.standard_normal(s), noncontig=i == 0)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("size", [1, 3, (2, 5), (None, 3), (7, 4), (10, 1)], ids=str)
def test_adaptive_pool2d_matches_torch(size, dtype):
    rng = np.random.default_rng(4)
    for i, s in enumerate([(2, 3, 7, 9), (3, 10, 5)]):
        x = rng.standard_normal(s).astype(dtype)
        _compare(lambda m: m.nn.AdaptiveAvgPool2d(size), x, noncontig=i == 0)
        _compare(lambda m: m.nn.AdaptiveMaxPool2d(size), x, noncontig=i == 0)
        _compare(lambda m: m.nn.AdaptiveMaxPool2d(size, return_indices=True), x)


@pytest.mark.parametrize("size", [1, 3, 4, 7, 11])
def test_adaptive_pool1d_matches_torch(size):
    rng = np.random.default_rng(5)
    for i, s in enumerate([(2, 3, 7), (3, 10)]):
        x = rng.standard_normal(s)
        _compare(lambda m: m.nn.AdaptiveAvgPool1d(size), x, noncontig=i == 0)
        _compare(lambda m: m.nn.AdaptiveMaxPool1d(size, return_indices=True), x)


def test_max_pool_ties_nan_and_node_names():
    rng = np.random.default_rng(6)
    _compare(lambda m: lambda x: m.nn.functional.max_pool2d(x, 3, 1, 1, return_indices=True),
             rng.integers(0, 3, (2, 2, 5, 5)).astype(np.float64))  # ties: the first maximum wins
    x = np.ones((1, 1, 4, 4))
    x[0, 0, 1, 1] = np.nan
    out = F.max_pool2d(ember.from_numpy(x), 2).numpy()
    assert np.isnan(out[0, 0, 0, 0]) and (out.reshape(-1)[1:] == 1).all()
    t = ember.randn(1, 2, 4, 4, requires_grad=True)
    assert F.max_pool2d(t, 2).grad_fn.name() == "MaxPool2DWithIndicesBackward0"
    assert F.adaptive_max_pool2d(t, 2).grad_fn.name() == "AdaptiveMaxPool2DBackward0"


def test_max_pool2d_integer_input():
    x = np.random.default_rng(7).integers(-50, 50, (2, 3, 7, 6))
    for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, return_indices=True)):
        t = torch.nn.functional.max_pool2d(torch.from_numpy(x), **kw)
        e = F.max_pool2d(ember.from_numpy(x), **kw)
        for a, b in zip(e if isinstance(e, tuple) else (e,), t if isinstance(t, tuple) else (t,)):
            assert str(a.dtype) == str(b.dtype)
            np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_pool_reprs_match_torch():
    cases = [("MaxPool2d", (3,), {}), ("MaxPool2d", (3, 2, 1, 2, True, True), {}), ("MaxPool1d", (3,), {}),
             ("AvgPool2d", (3,), {}), ("AvgPool2d", (3, 2, 1, True, False, 2), {}), ("AvgPool1d", (3,), {}),
             ("AvgPool1d", (3, 2, 1), {}), ("AdaptiveAvgPool2d", ((3, None),), {}), ("AdaptiveAvgPool1d", (3,), {}),
             ("AdaptiveMaxPool2d", (3, True), {}), ("AdaptiveMaxPool1d", (2,), {})]
    for name, args, kw in cases:
        assert repr(getattr(nn, name)(*args, **kw)) == repr(getattr(torch.nn, name)(*args, **kw))
    m = nn.MaxPool2d(3)
    assert m.stride == 3 and m.padding == 0 and m.dilation == 1 and not m.return_indices
    assert list(m.parameters()) == []


@pytest.mark.parametrize("fn,match", [
    (lambda m: m.nn.functional.max_pool2d(m.randn(1, 3, 5, 5), 3, padding=2),
     "pad should be at most half of effective kernel size, but got pad=2, kernel_size=3 and dilation=1"),
    (lambda m: m.nn.functional.max_pool2d(m.randn(1, 3, 2, 2), 3),
     r"Given input size: \(3x2x2\). Calculated output size: \(3x0x0\). Output size is too small"),
    (lambda m: m.nn.functional.avg_pool2d(m.randn(1, 3, 2, 2), 3),
     r"Given input size: \(3x2x2\). Calculated output size: \(3x0x0\). Output size is too small"),
    (lambda m: m.nn.functional.max_pool1d(m.randn(5), 3), "max_pool1d: Expected 2D or 3D"),
    (lambda m: m.nn.functional.avg_pool1d(m.randn(5), 3), "Expected 2 to 3 dimensions, but got 1-dimensional"),
    (lambda m: m.nn.functional.adaptive_avg_pool2d(m.randn(5), 3), r"adaptive_avg_pool2d\(\): Expected 3D or 4D"),
    (lambda m: m.nn.functional.adaptive_max_pool2d(m.randn(5), 3), r"adaptive_max_pool2d\(\): Expected 3D or 4D"),
    (lambda m: m.nn.functional.adaptive_max_pool2d(m.ones(1, 4, 4, dtype=m.int64), 2),
     "\"adaptive_max_pool2d\" not implemented for 'Long'"),
    (lambda m: m.nn.functional.adaptive_avg_pool2d(m.ones(1, 4, 4, dtype=m.int64), 2),
     "\"adaptive_avg_pool2d\" not implemented for 'Long'"),
    (lambda m: m.nn.functional.max_pool1d(m.ones(1, 4, dtype=m.int64), 2), "\"max_pool1d_impl\" not implemented"),
])
def test_pool_errors_match_torch(fn, match):
    for m in (torch, ember):
        with pytest.raises(RuntimeError, match=match):
            fn(m)
