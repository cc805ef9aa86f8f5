"""Conv1d / Conv2d and F.conv1d / F.conv2d against PyTorch: outputs and the gradients of input, weight
and bias (random upstream gradient) after copying the state_dict, over stride/padding/dilation/groups/
padding_mode combinations, odd sizes, non-contiguous and unbatched inputs, float32/float64; default
initialisation, reprs, errors, double backward, and the CNN of "What is torch.nn really?"."""
import math
import time

import numpy as np
import pytest
import torch

import ember
from tests.pairs import leaf_pair, load_from_torch

nn, F = ember.nn, ember.nn.functional


_load, _inputs = load_from_torch, leaf_pair


def _compare(tm, em, x, noncontig=False):
    """Forward both modules; compare the output and the gradients of the input and every parameter."""
    tol = dict(rtol=1e-4, atol=1e-5) if x.dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    tx, ex = _inputs(x, noncontig)
    ty, ey = tm(tx), em(ex)
    assert tuple(ey.shape) == tuple(ty.shape) and str(ey.dtype) == str(ty.dtype)
    np.testing.assert_allclose(ey.detach().numpy(), ty.detach().numpy(), **tol)
    up = np.random.default_rng(5).standard_normal(tuple(ty.shape)).astype(x.dtype)
    tg = torch.autograd.grad(ty, [tx] + list(tm.parameters()), torch.from_numpy(up))
    eg = ember.autograd.grad(ey, [ex] + list(em.parameters()), ember.from_numpy(up))
    for i, (e, t) in enumerate(zip(eg, tg)):
        np.testing.assert_allclose(e.numpy(), t.numpy(), err_msg=f"grad {i}", **tol)


CONV2D = [
    dict(),
    dict(stride=2, padding=1),
    dict(stride=(2, 1), padding=(1, 2), dilation=(2, 1)),
    dict(padding="same", dilation=2),
    dict(padding="valid", bias=False),
    dict(groups=2, padding=1),
    dict(padding=1, padding_mode="reflect"),
    dict(padding=(1, 2), padding_mode="replicate"),
    dict(padding=2, padding_mode="circular", stride=2),
    dict(padding="same", padding_mode="reflect"),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kw", CONV2D, ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()) or "default")
def test_conv2d_module_matches_torch(kw, dtype):
    tm = torch.nn.Conv2d(4, 6, (3, 2), **kw).to(getattr(torch, dtype))
    em = nn.Conv2d(4, 6, (3, 2), **kw).to(getattr(ember, dtype))
    _load(em, tm)
    rng = np.random.default_rng(0)
    _compare(tm, em, rng.standard_normal((2, 4, 7, 6)).astype(dtype))
    _compare(tm, em, rng.standard_normal((3, 4, 5, 9)).astype(dtype), noncontig=True)
    _compare(tm, em, rng.standard_normal((4, 6, 5)).astype(dtype))  # unbatched


@pytest.mark.parametrize("kw", [dict(), dict(stride=2, padding=2, dilation=2), dict(groups=4, bias=False),
                                dict(padding="same"), dict(padding=1, padding_mode="circular")],
                         ids=["default", "stride_pad_dil", "depthwise", "same", "circular"])
def test_conv1d_module_matches_torch(kw):
    tm, em = torch.nn.Conv1d(4, 8, 3, **kw).double(), nn.Conv1d(4, 8, 3, **kw).double()
    _load(em, tm)
    rng = np.random.default_rng(1)
    _compare(tm, em, rng.standard_normal((2, 4, 11)))
    _compare(tm, em, rng.standard_normal((3, 4, 9)), noncontig=True)
    _compare(tm, em, rng.standard_normal((4, 7)))


def test_conv_node_names_and_double_backward():
    x = ember.randn(2, 3, 5, 5, dtype=ember.float64, requires_grad=True)
    w = ember.randn(4, 3, 3, 3, dtype=ember.float64, requires_grad=True)
    b = ember.randn(4, dtype=ember.float64, requires_grad=True)
    assert F.conv2d(x, w, b).grad_fn.name() == "ConvolutionBackward0"
    assert F.conv2d(x[0], w).grad_fn.name() == "SqueezeBackward1"
    assert ember.autograd.gradcheck(lambda *a: F.conv2d(*a, stride=2, padding=1), (x, w, b))
    assert ember.autograd.gradgradcheck(lambda *a: F.conv2d(*a, groups=1, dilation=2), (x, w, b))
    y = F.conv2d(x, w, b, padding=1).sum()
    (g1,) = ember.autograd.grad(y, [w], retain_graph=True)
    (g2,) = ember.autograd.grad(y, [w])
    assert np.array_equal(g1.numpy(), g2.numpy())
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        ember.autograd.grad(y, [w])


def test_conv_default_init_and_repr():
    ember.manual_seed(0)
    m = nn.Conv2d(16, 32, 3)
    bound = 1 / math.sqrt(16 * 9)
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    assert w.shape == (32, 16, 3, 3) and b.shape == (32,)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound and abs(w.mean()) < 0.05 * bound
    assert np.abs(b).max() <= bound
    assert np.isclose(w.std(), bound / math.sqrt(3), rtol=0.05)
    assert nn.Conv2d(4, 8, 3, groups=2).weight.shape == (8, 2, 3, 3)
    for args, kw in [((3, 8, 3), {}), ((3, 8, (3, 5)), dict(stride=2, padding=1, dilation=2, bias=False,
                                                            padding_mode="reflect")),
                     ((4, 8, 3), dict(groups=2, padding=(1, 2))), ((4, 8, 3), dict(padding="same"))]:
        assert repr(nn.Conv2d(*args, **kw)) == repr(torch.nn.Conv2d(*args, **kw))
    assert repr(nn.Conv1d(4, 8, 3, padding="same")) == repr(torch.nn.Conv1d(4, 8, 3, padding="same"))
    assert repr(nn.Conv1d(4, 8, 5, 2, 1)) == repr(torch.nn.Conv1d(4, 8, 5, 2, 1))
    m = nn.Conv2d(3, 8, 3, bias=False)
    assert m.bias is None and [n for n, _ in m.named_parameters()] == ["weight"]


@pytest.mark.parametrize("fn,exc,match", [
    (lambda m: m.nn.functional.conv2d(m.randn(1, 4, 5, 5), m.randn(8, 3, 3, 3)), RuntimeError,
     r"Given groups=1, weight of size \[8, 3, 3, 3\], expected input\[1, 4, 5, 5\] to have 3 channels, but got 4 "
     r"channels instead"),
    (lambda m: m.nn.functional.conv2d(m.randn(1, 3, 2, 2), m.randn(8, 3, 3, 3)), RuntimeError,
     r"Calculated padded input size per channel: \(2 x 2\). Kernel size: \(3 x 3\)"),
    (lambda m: m.nn.functional.conv2d(m.randn(1, 3, 5, 5), m.randn(3, 1, 3, 3), groups=2), RuntimeError,
     "expected weight to be divisible by 2 at dimension 0"),
    (lambda m: m.nn.functional.conv2d(m.randn(5, 5), m.randn(8, 3, 3, 3)), RuntimeError,
     r"Expected 3D \(unbatched\) or 4D \(batched\) input to conv2d, but got input of size: \[5, 5\]"),
    (lambda m: m.nn.functional.conv2d(m.randn(1, 3, 5, 5), m.randn(8, 3, 3, 3), stride=2, padding="same"),
     RuntimeError, "padding='same' is not supported for strided convolutions"),
    (lambda m: m.nn.functional.conv2d(m.randn(1, 3, 5, 5), m.randn(8, 3, 3, 3), padding="foo"), RuntimeError,
     "Invalid padding string: 'foo'"),
    (lambda m: m.nn.functional.conv2d(m.randn(1, 3, 5, 5).double(), m.randn(8, 3, 3, 3)), RuntimeError,
     "expected scalar type Double but found Float"),
    (lambda m: m.nn.functional.conv2d(m.randn(1, 3, 5, 5), m.randn(8, 3, 3, 3), m.randn(7)), RuntimeError,
     r"expected bias to be 1-dimensional with 8 elements, but got bias of size \[7\]"),
    (lambda m: m.nn.functional.conv2d(m.randn(1, 3, 5, 5), m.randn(8, 3, 3, 3), stride=(1, 2, 3)), RuntimeError,
     r"expected stride to be a single integer value or a list of 2 values"),
    (lambda m: m.nn.functional.conv2d(m.randn(1, 3, 5, 5), m.randn(8, 3, 3, 3), stride=0), RuntimeError,
     "non-positive stride is not supported"),
    (lambda m: m.nn.functional.conv2d(m.randn(1, 3, 5, 5), m.randn(8, 3, 3, 3), padding=-1), RuntimeError,
     "negative padding is not supported"),
    (lambda m: m.nn.functional.conv2d(m.randn(1, 3, 5, 5), m.randn(0, 3, 3, 3)), RuntimeError,
     "expected weight to be at least 1 at dimension 0"),
    (lambda m: m.nn.functional.conv1d(m.randn(5, 5), m.randn(8, 3, 3, 3)), RuntimeError,
     r"Expected 4-dimensional input for 4-dimensional weight \[8, 3, 3, 3\], but got 3-dimensional input"),
    (lambda m: m.nn.Conv2d(3, 8, 3, groups=2), ValueError, "in_channels must be divisible by groups"),
    (lambda m: m.nn.Conv2d(4, 7, 3, groups=2), ValueError, "out_channels must be divisible by groups"),
    (lambda m: m.nn.Conv2d(4, 8, 3, stride=2, padding="same"), ValueError, "padding='same' is not supported"),
    (lambda m: m.nn.Conv2d(4, 8, 3, padding_mode="zero"), ValueError, "padding_mode must be one of"),
])
def test_conv_errors_match_torch(fn, exc, match):
    for m in (torch, ember):
        with pytest.raises(exc, match=match):
            fn(m)


# -- the CNN of "What is torch.nn really?" -----------------------------------------------------------------
def _mnist_cnn(m):
    class CNN(m.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = m.nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1)
            self.conv2 = m.nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1)
            self.conv3 = m.nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1)

        def forward(self, xb):
            xb = xb.view(-1, 1, 28, 28)
            xb = m.nn.functional.relu(self.conv1(xb))
            xb = m.nn.functional.relu(self.conv2(xb))
            xb = m.nn.functional.relu(self.conv3(xb))
            xb = m.nn.functional.avg_pool2d(xb, 4)
            return xb.view(-1, xb.size(1))

    return CNN()


def test_mnist_cnn_matches_torch():
    torch.manual_seed(0)
    tm, em = _mnist_cnn(torch), _mnist_cnn(ember)
    _load(em, tm)
    rng = np.random.default_rng(2)
    x = rng.random((8, 784)).astype(np.float32)
    y = rng.integers(0, 10, 8)
    tl = torch.nn.functional.cross_entropy(tm(torch.from_numpy(x)), torch.from_numpy(y))
    el = F.cross_entropy(em(ember.from_numpy(x)), ember.from_numpy(y))
    np.testing.assert_allclose(el.item(), tl.item(), rtol=1e-5)
    tl.backward()
    el.backward()
    for (n, tp), ep in zip(tm.named_parameters(), em.parameters()):
        np.testing.assert_allclose(ep.grad.numpy(), tp.grad.numpy(), rtol=1e-4, atol=1e-6, err_msg=n)
    # a few SGD steps stay together
    topt, eopt = torch.optim.SGD(tm.parameters(), lr=0.1, momentum=0.9), ember.optim.SGD(em.parameters(), lr=0.1,
                                                                                          momentum=0.9)
    for _ in range(3):
        for opt, mod, lib, loss_fn in ((topt, tm, torch, torch.nn.functional.cross_entropy),
                                       (eopt, em, ember, F.cross_entropy)):
            opt.zero_grad()
            loss_fn(mod(lib.from_numpy(x)), lib.from_numpy(y)).backward()
            opt.step()
    for (n, tp), ep in zip(tm.named_parameters(), em.parameters()):
        np.testing.assert_allclose(ep.detach().numpy(), tp.detach().numpy(), rtol=1e-4, atol=1e-5, err_msg=n)


def test_mnist_cnn_speed_is_reasonable():
    """Forward + backward of the CNN on a (64, 1, 28, 28) batch: well under a second in ember."""
    em = _mnist_cnn(ember)
    x = ember.randn(64, 784)
    em(x).sum().backward()  # warm up
    t0 = time.perf_counter()
    em(x).sum().backward()
    assert time.perf_counter() - t0 < 1.0
