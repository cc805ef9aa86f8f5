"""The fast paths of ops/conv.py and ops/pooling.py against PyTorch: both column layouts of im2col
(batch first / batch last), col2im's clipped and non-overlapping windows, the reused scratch
buffers (no result may alias one), and max pooling over taps (ties, NaN, -inf, padding, indices)."""
import numpy as np
import pytest
import torch

import ember
import ember.ops.conv as conv_mod
from ember.autograd import gradcheck, gradgradcheck


def _pair(a, requires_grad=True, noncontig=False):
    """The same values as an ember and a torch tensor (optionally as a transposed, non-contiguous view)."""
    a = np.asarray(a)
    if noncontig:
        a = np.ascontiguousarray(np.swapaxes(a, -1, -2))
    e, t = ember.from_numpy(a.copy()), torch.from_numpy(a.copy())
    if noncontig:
        e, t = e.transpose(-1, -2), t.transpose(-1, -2)
    if requires_grad:
        e = e.detach().requires_grad_() if noncontig else e.requires_grad_()
        t = t.detach().requires_grad_() if noncontig else t.requires_grad_()
    return e, t


def _check(fn, arrays, grad=(True,), atol=1e-5, rtol=1e-4, noncontig=False, seed=0):
    """fn(F, *tensors) in ember and torch: outputs, and gradients for a random upstream gradient."""
    grad = tuple(grad) + (True,) * (len(arrays) - len(grad))
    pairs = [_pair(a, g, noncontig and i == 0) for i, (a, g) in enumerate(zip(arrays, grad))]
    e_in, t_in = [p[0] for p in pairs], [p[1] for p in pairs]
    e_out, t_out = fn(ember.nn.functional, *e_in), fn(torch.nn.functional, *t_in)
    e_out = e_out if isinstance(e_out, tuple) else (e_out,)
    t_out = t_out if isinstance(t_out, tuple) else (t_out,)
    for e, t in zip(e_out, t_out):
        assert tuple(e.shape) == tuple(t.shape) and str(e.dtype) == str(t.dtype)
        np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), atol=atol, rtol=rtol, equal_nan=True)
    g = np.random.default_rng(seed).standard_normal(tuple(t_out[0].shape)).astype(t_out[0].detach().numpy().dtype)
    want = [t for t in t_in if t.requires_grad]
    if not want:
        return e_out
    t_g = torch.autograd.grad(t_out[0], want, torch.from_numpy(g))
    e_g = ember.autograd.grad(e_out[0], [e for e in e_in if e.requires_grad], ember.from_numpy(g))
    for e, t in zip(e_g, t_g):
        np.testing.assert_allclose(e.numpy(), t.numpy(), atol=atol, rtol=rtol)
    return e_out


@pytest.fixture(params=[False, True], ids=["batch_first", "batch_last"])
def layout(request, monkeypatch):
    """Forces the column layout that conv picks (both must give the same results)."""
    monkeypatch.setattr(conv_mod, "_batch_last", lambda *args: request.param)
    return request.param


def _rand(*shape, dtype=np.float32, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


# -- convolution: both layouts -----------------------------------------------------------------------
CONV_CASES = [
    # (input shape, weight shape, kwargs)
    ((8, 3, 9, 7), (4, 3, 3, 3), dict(stride=2, padding=1)),
    ((5, 2, 6, 6), (3, 2, 3, 2), dict(stride=(2, 1), padding=(2, 0), dilation=(1, 2))),
    ((4, 4, 5, 5), (6, 2, 3, 3), dict(padding=1, groups=2)),
    ((6, 1, 8, 8), (2, 1, 5, 5), dict()),
    ((3, 2, 5, 5), (2, 2, 3, 3), dict(stride=3, padding=2)),        # some taps lie wholly in the padding
    ((7, 2, 6, 6), (4, 2, 2, 2), dict(stride=2)),                   # windows that never overlap
    ((1, 2, 4, 5), (3, 2, 3, 3), dict(padding="same")),
]


@pytest.mark.parametrize("xs,ws,kw", CONV_CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv2d_layouts_match_torch(layout, xs, ws, kw, dtype):
    tol = dict(atol=1e-4, rtol=1e-4) if dtype == np.float32 else dict(atol=1e-10, rtol=1e-10)
    _check(lambda F, x, w, b: F.conv2d(x, w, b, **kw), [_rand(*xs, dtype=dtype), _rand(*ws, dtype=dtype, seed=1),
                                                         _rand(ws[0], dtype=dtype, seed=2)], **tol)


@pytest.mark.parametrize("needs", [(False, True, True), (True, False, False), (True, True, False)])
def test_conv2d_partial_grads(layout, needs):
    """The first layer's input needs no gradient (no col2im), a frozen weight needs no columns."""
    _check(lambda F, x, w, b: F.conv2d(x, w, b, stride=2, padding=1),
           [_rand(6, 2, 7, 7), _rand(3, 2, 3, 3, seed=1), _rand(3, seed=2)], grad=needs, atol=1e-4)


def test_conv_noncontiguous_and_other_dims(layout):
    _check(lambda F, x, w: F.conv2d(x, w, stride=2, padding=1), [_rand(6, 3, 7, 8), _rand(4, 3, 3, 3, seed=1)],
           noncontig=True, atol=1e-4)
    _check(lambda F, x, w, b: F.conv1d(x, w, b, stride=2, padding=2, dilation=2),
           [_rand(9, 3, 11), _rand(2, 3, 3, seed=1), _rand(2, seed=2)], atol=1e-4)
    _check(lambda F, x, w: F.conv3d(x, w, stride=(1, 2, 1), padding=1), [_rand(5, 2, 3, 4, 3), _rand(2, 2, 2, 2, 2)],
           atol=1e-4)


def test_conv2d_gradcheck_and_double_backward(layout):
    x = ember.from_numpy(_rand(5, 2, 5, 4, dtype=np.float64)).requires_grad_()
    w = ember.from_numpy(_rand(3, 2, 3, 2, dtype=np.float64, seed=1)).requires_grad_()
    b = ember.from_numpy(_rand(3, dtype=np.float64, seed=2)).requires_grad_()
    f = lambda x, w, b: ember.nn.functional.conv2d(x, w, b, stride=2, padding=1)  # noqa: E731
    assert gradcheck(f, (x, w, b))
    assert gradgradcheck(f, (x, w, b))


def test_conv2d_double_backward_matches_torch(layout):
    xs, ws = _rand(6, 2, 6, 5, dtype=np.float64), _rand(3, 2, 3, 3, dtype=np.float64, seed=1)
    res = []
    for m in (ember, torch):
        x, w = m.from_numpy(xs.copy()).requires_grad_(), m.from_numpy(ws.copy()).requires_grad_()
        y = m.nn.functional.conv2d(x, w, stride=2, padding=1)
        gx, gw = m.autograd.grad((y * y).sum(), [x, w], create_graph=True)
        res.append([a.detach().numpy() for a in m.autograd.grad((gx * gx).sum() + (gw * gw).sum(), [x, w])])
    for e, t in zip(*res):
        np.testing.assert_allclose(e, t, rtol=1e-9, atol=1e-9)


def test_the_layout_choice():
    """The wide layers of the benchmark CNN take the batch-last layout, single images and the first
    1-channel layers the batch-first one."""
    pick = conv_mod._batch_last  # (C_in, K, C_out, input size, output size, N)
    assert pick(16, 9, 16, (14, 14), (7, 7), 64) and pick(6, 25, 16, (14, 14), (10, 10), 64)
    assert not pick(1, 9, 16, (28, 28), (14, 14), 64) and not pick(1, 25, 6, (32, 32), (28, 28), 64)
    assert not pick(64, 9, 64, (56, 56), (56, 56), 1)


# -- scratch buffers: nothing handed out may alias one -----------------------------------------------
def test_results_do_not_alias_scratch_buffers(layout):
    F = ember.nn.functional
    w = ember.from_numpy(_rand(4, 3, 3, 3, seed=1)).requires_grad_()
    x1 = ember.from_numpy(_rand(8, 3, 6, 6)).requires_grad_()
    x2 = ember.from_numpy(_rand(8, 3, 6, 6, seed=3)).requires_grad_()
    y1 = F.conv2d(x1, w, padding=1)
    keep = y1.detach().numpy().copy()
    y2 = F.conv2d(x2, w, padding=1)
    np.testing.assert_array_equal(y1.detach().numpy(), keep)
    (y1.sum() + y2.sum()).backward()
    g1 = x1.grad.numpy().copy()
    F.conv2d(x2, w, padding=1).sum().backward()
    np.testing.assert_array_equal(x1.grad.numpy(), g1)
    for channels in (1, 3):  # fold is col2im; with one channel its final transpose is a no-op
        c = ember.from_numpy(_rand(2, 4 * channels, 12))
        a = F.fold(c, (5, 4), 2)
        keep = a.numpy().copy()
        F.fold(2 * c, (5, 4), 2)
        np.testing.assert_array_equal(a.numpy(), keep)
    x = ember.from_numpy(_rand(1, 4, 6, 6)).requires_grad_()
    p1 = F.max_pool2d(x, 2)
    (g,) = ember.autograd.grad(p1.sum(), [x], retain_graph=True)
    keep = g.numpy().copy()
    ember.autograd.grad(F.max_pool2d(x * 2, 2).sum(), [x])
    np.testing.assert_array_equal(g.numpy(), keep)


def test_unfold_fold_gaps_and_overlaps():
    _check(lambda F, x: F.unfold(x, (2, 2), stride=3, padding=1), [_rand(2, 3, 7, 8)])
    _check(lambda F, x: F.fold(x, (7, 8), (2, 2), stride=3, padding=1), [_rand(2, 12, 9)])
    _check(lambda F, x: F.fold(x, (6, 6), 3, dilation=2, padding=2), [_rand(3, 18, 36)], atol=1e-4)


# -- max pooling over taps -----------------------------------------------------------------------------
NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1),
                                dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 1), dilation=(1, 2),
                                     ceil_mode=True),
                                dict(kernel_size=2, stride=2, ceil_mode=True),
                                dict(kernel_size=2, stride=2, padding=1, return_indices=True)])
def test_max_pool2d_ties_match_torch(kw):
    """ReLU'd inputs (many all-zero windows), small integers (ties everywhere), all-equal windows."""
    rng = np.random.default_rng(0)
    for x in (np.maximum(rng.standard_normal((4, 3, 7, 6)), 0), rng.integers(0, 3, (2, 2, 5, 7)),
              np.ones((1, 2, 5, 5))):
        _check(lambda F, x: F.max_pool2d(x, **kw), [x.astype(np.float32)])


def test_max_pool_nan_and_inf_match_torch():
    x = np.array([[[[1, NAN, NAN, 2], [NAN, 0, 5, 5], [-INF, -INF, 3, NAN], [-INF, -INF, 3, 3]]]], np.float32)
    for kw in (dict(kernel_size=2), dict(kernel_size=2, return_indices=True), dict(kernel_size=2, padding=1),
               dict(kernel_size=3, stride=1, padding=1, return_indices=True), dict(kernel_size=3, stride=2,
                                                                                   ceil_mode=True)):
        _check(lambda F, x: F.max_pool2d(x, **kw), [x])
    _check(lambda F, x: F.max_pool2d(x, 2, padding=1), [np.full((1, 1, 3, 3), -INF, np.float32)])
    _check(lambda F, x: F.adaptive_max_pool2d(x, (2, 3), return_indices=True), [x])
    x1 = np.array([[[1, NAN, 3, NAN, 0, 7, -INF, -INF]]], np.float32)
    for kw in (dict(kernel_size=3, stride=1, padding=1), dict(kernel_size=4), dict(kernel_size=2, dilation=3,
                                                                                   return_indices=True)):
        _check(lambda F, x: F.max_pool1d(x, **kw), [x1])


def test_max_pool_odd_sizes_dtypes_and_views():
    _check(lambda F, x: F.max_pool2d(x, 2), [_rand(3, 2, 7, 5)], noncontig=True)
    _check(lambda F, x: F.max_pool2d(x, 3, 2), [_rand(2, 9, 8, dtype=np.float64)], atol=0, rtol=0)
    _check(lambda F, x: F.max_pool1d(x, 3, 2, 1, ceil_mode=True, return_indices=True), [_rand(2, 3, 10)])
    _check(lambda F, x: F.max_pool2d(x, 2, 1, 1, return_indices=True), [_rand(0, 2, 4, 4)])
    for dtype in (np.int64, np.int32, np.uint8):
        x = np.random.default_rng(1).integers(0, 5, (2, 3, 6, 5)).astype(dtype)
        _check(lambda F, x: F.max_pool2d(x, 2, 2, 1, return_indices=True), [x], grad=(False,))
        _check(lambda F, x: F.max_pool2d(x, 3, 1), [x], grad=(False,))


def test_max_pool_gradcheck_and_double_backward():
    x = ember.from_numpy(_rand(2, 2, 5, 6, dtype=np.float64)).requires_grad_()
    for f in (lambda x: ember.nn.functional.max_pool2d(x, 2),
              lambda x: ember.nn.functional.max_pool2d(x, 3, 2, 1, ceil_mode=True)):
        assert gradcheck(f, (x,)) and gradgradcheck(f, (x,))
    # the gradient of the gradient flows back into grad (max_pool of the upstream gradient's gradient)
    xs = _rand(2, 2, 6, 6, dtype=np.float64)
    res = []
    for m in (ember, torch):
        x = m.from_numpy(xs.copy()).requires_grad_()
        g = m.from_numpy(np.ones((2, 2, 3, 3))).requires_grad_()
        (gx,) = m.autograd.grad(m.nn.functional.max_pool2d(x, 2, 2), [x], g, create_graph=True)
        res.append(m.autograd.grad((gx * m.from_numpy(xs)).sum(), [g])[0].numpy())
    np.testing.assert_allclose(*res)


def test_max_pool_node_names():
    x = ember.ones(1, 1, 4, 4, requires_grad=True)
    assert ember.nn.functional.max_pool2d(x, 2).grad_fn.name() == "MaxPool2DWithIndicesBackward0"
    assert ember.nn.functional.max_pool1d(x[0], 2).grad_fn.name() == "MaxPool1DWithIndicesBackward0"
    assert ember.nn.functional.adaptive_max_pool2d(x, 2).grad_fn.name() == "AdaptiveMaxPool2DBackward0"


# -- average pooling through the clipped / non-overlapping col2im -------------------------------------------
@pytest.mark.parametrize("kw", [dict(kernel_size=4), dict(kernel_size=2, stride=3), dict(kernel_size=3, stride=2,
                                                                                           padding=1, ceil_mode=True)])
def test_avg_pool2d_paths_match_torch(kw):
    _check(lambda F, x: F.avg_pool2d(x, **kw), [_rand(8, 3, 8, 7)])
    _check(lambda F, x: F.avg_pool2d(x, **kw), [_rand(8, 3, 8, 7, dtype=np.float64)], noncontig=True)
