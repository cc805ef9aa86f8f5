"""Conv3d, ConvTranspose1d/2d/3d, Upsample*, padding layers, PixelShuffle/Unshuffle, ChannelShuffle,
Fold/Unfold, LPPool, MaxUnpool, InstanceNorm and LocalResponseNorm against PyTorch: outputs and the
gradients of inputs and parameters (random upstream gradient, float32/float64, odd sizes, non-contiguous
and unbatched inputs), default initialisation, reprs, errors and the top-level functions."""
import math
import warnings

import numpy as np
import pytest
import torch

import ember
from tests.nn.test_conv import _compare, _load

nn, F = ember.nn, ember.nn.functional


def _pair(tm, em, dtype="float64"):
    tm, em = tm.to(getattr(torch, dtype)), em.to(getattr(ember, dtype))
    _load(em, tm)
    return tm, em


# -- Conv3d, ConvTranspose ---------------------------------------------------------------------------------
@pytest.mark.parametrize("kw,dtype", [
    (dict(), "float32"), (dict(stride=2, padding=1, output_padding=1), "float64"),
    (dict(stride=(2, 3), padding=(0, 1), output_padding=(1, 2), dilation=(2, 1)), "float32"),
    (dict(groups=2, bias=False, stride=2), "float64"), (dict(dilation=2, padding=2), "float64"),
], ids=["default", "stride_pad_out", "asym", "groups", "dilated"])
def test_conv_transpose2d_module_matches_torch(kw, dtype):
    tm, em = _pair(torch.nn.ConvTranspose2d(4, 6, (3, 2), **kw), nn.ConvTranspose2d(4, 6, (3, 2), **kw), dtype)
    rng = np.random.default_rng(0)
    _compare(tm, em, rng.standard_normal((3, 4, 3, 5)).astype(dtype), noncontig=True)
    _compare(tm, em, rng.standard_normal((4, 3, 3)).astype(dtype))  # unbatched


@pytest.mark.parametrize("kw", [dict(), dict(stride=3, padding=1, output_padding=2), dict(groups=4, dilation=3)],
                         ids=["default", "stride_pad_out", "depthwise_dilated"])
def test_conv_transpose1d_and_3d_modules_match_torch(kw):
    rng = np.random.default_rng(1)
    tm, em = _pair(torch.nn.ConvTranspose1d(4, 8, 3, **kw), nn.ConvTranspose1d(4, 8, 3, **kw))
    _compare(tm, em, rng.standard_normal((3, 4, 6)), noncontig=True)
    _compare(tm, em, rng.standard_normal((4, 5)))
    tm, em = _pair(torch.nn.ConvTranspose3d(4, 4, 2, **kw), nn.ConvTranspose3d(4, 4, 2, **kw))
    _compare(tm, em, rng.standard_normal((1, 4, 3, 2, 3)))


@pytest.mark.parametrize("kw", [dict(), dict(stride=(1, 2, 2), padding=1), dict(groups=2, dilation=(2, 1, 1)),
                                dict(padding=1, padding_mode="replicate")],
                         ids=["default", "stride_pad", "groups_dil", "replicate"])
def test_conv3d_module_matches_torch(kw):
    tm, em = _pair(torch.nn.Conv3d(4, 6, (3, 2, 2), **kw), nn.Conv3d(4, 6, (3, 2, 2), **kw))
    rng = np.random.default_rng(2)
    _compare(tm, em, rng.standard_normal((2, 4, 5, 4, 3)))
    _compare(tm, em, rng.standard_normal((4, 6, 3, 5)), noncontig=True)  # unbatched


def test_conv_transpose_output_size_and_double_backward():
    tm, em = _pair(torch.nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1), nn.ConvTranspose2d(3, 2, 3, stride=2,
                                                                                               padding=1))
    x = np.random.default_rng(3).standard_normal((1, 3, 4, 5))
    for size in [(8, 10), (7, 9), [1, 2, 8, 9]]:
        ty, ey = tm(torch.from_numpy(x), output_size=size), em(ember.from_numpy(x), output_size=size)
        np.testing.assert_allclose(ey.detach().numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    for m in (torch, ember):
        mod = tm if m is torch else em
        with pytest.raises(ValueError, match=r"requested an output size of \(9, 9\), but valid sizes range from "
                                             r"\[7, 9\] to \[8, 10\]"):
            mod(m.from_numpy(x), output_size=(9, 9))
        with pytest.raises(ValueError, match="output_size must have 2 or 4 elements"):
            mod(m.from_numpy(x), output_size=(9,))
    x = ember.randn(1, 2, 3, 3, dtype=ember.float64, requires_grad=True)
    w = ember.randn(2, 3, 2, 2, dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradgradcheck(lambda a, b: F.conv_transpose2d(a, b, stride=2, output_padding=1), (x, w))


def test_conv_transpose_and_conv3d_init_and_repr():
    ember.manual_seed(0)
    m = nn.ConvTranspose2d(16, 32, 3, groups=2)
    assert tuple(m.weight.shape) == (16, 16, 3, 3) and tuple(m.bias.shape) == (32,)
    bound = 1 / math.sqrt(16 * 9)  # fan_in = weight.size(1) * kernel = out_channels / groups * 9
    w = m.weight.detach().numpy()
    assert 0.9 * bound < np.abs(w).max() <= bound and np.abs(m.bias.detach().numpy()).max() <= bound
    assert m.transposed and not nn.Conv3d(2, 2, 1).transposed
    for cls, args, kw in [("ConvTranspose2d", (3, 4, 2), dict(output_padding=1, stride=2)),
                          ("ConvTranspose2d", (4, 8, (3, 5)), dict(padding=(1, 2), dilation=2, groups=2, bias=False)),
                          ("ConvTranspose1d", (4, 8, 3), dict(stride=2)), ("ConvTranspose3d", (2, 2, 3), {}),
                          ("Conv3d", (3, 4, 2), dict(padding=1, padding_mode="circular"))]:
        assert repr(getattr(nn, cls)(*args, **kw)) == repr(getattr(torch.nn, cls)(*args, **kw))
    assert list(nn.ConvTranspose2d(3, 4, 2).state_dict()) == list(torch.nn.ConvTranspose2d(3, 4, 2).state_dict())


# -- Upsample --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("make", [
    lambda m: m.nn.Upsample(scale_factor=2), lambda m: m.nn.Upsample(size=(5, 3)),
    lambda m: m.nn.Upsample(scale_factor=(1.5, 0.7), mode="bilinear"),
    lambda m: m.nn.Upsample(scale_factor=1.7, mode="bilinear", align_corners=True),
    lambda m: m.nn.Upsample(scale_factor=1.7, mode="nearest", recompute_scale_factor=True),
    lambda m: m.nn.UpsamplingNearest2d(scale_factor=3), lambda m: m.nn.UpsamplingBilinear2d(size=(7, 2)),
], ids=["nearest2x", "nearest_size", "bilinear_frac", "bilinear_ac", "recompute", "nearest2d", "bilinear2d"])
def test_upsample_modules_match_torch(make, dtype):
    tm, em = make(torch), make(ember)
    assert repr(tm) == repr(em)
    rng = np.random.default_rng(4)
    _compare(tm, em, rng.standard_normal((2, 3, 4, 5)).astype(dtype))
    _compare(tm, em, rng.standard_normal((1, 2, 3, 3)).astype(dtype), noncontig=True)


def test_upsample_1d_and_3d():
    rng = np.random.default_rng(5)
    for kw in [dict(scale_factor=2.5, mode="linear"), dict(size=4, mode="linear", align_corners=True),
               dict(size=9, mode="nearest-exact"), dict(size=3, mode="area")]:
        _compare(torch.nn.Upsample(**kw), nn.Upsample(**kw), rng.standard_normal((2, 3, 7)))
    for kw in [dict(scale_factor=(2, 1, 1.5), mode="trilinear"), dict(size=(3, 2, 5))]:
        _compare(torch.nn.Upsample(**kw), nn.Upsample(**kw), rng.standard_normal((1, 2, 2, 3, 3)))


@pytest.mark.parametrize("call,exc,match", [
    (lambda m, x: m.nn.functional.interpolate(x), ValueError, "either size or scale_factor should be defined"),
    (lambda m, x: m.nn.functional.interpolate(x, 3, 2.0), ValueError, "only one of size or scale_factor"),
    (lambda m, x: m.nn.functional.interpolate(x, (3, 4, 5)), ValueError,
     "Input and output must have the same number of spatial dimensions"),
    (lambda m, x: m.nn.functional.interpolate(x, scale_factor=(2., 3., 4.)), ValueError,
     "Input and scale_factor must have the same number of spatial dimensions"),
    (lambda m, x: m.nn.functional.interpolate(x, 3, align_corners=True), ValueError,
     "align_corners option can only be set with the interpolating modes"),
    (lambda m, x: m.nn.functional.interpolate(x, 3, mode="linear"), NotImplementedError,
     "Got 4D input, but linear mode needs 3D input"),
    (lambda m, x: m.nn.functional.interpolate(x, 3, recompute_scale_factor=True), ValueError,
     "recompute_scale_factor is not meaningful with an explicit size"),
    (lambda m, x: m.nn.functional.interpolate(x[0, 0], 3), NotImplementedError,
     r"Input Error: Only 3D, 4D and 5D input Tensors supported \(got 2D\)"),
])
def test_interpolate_errors_match_torch(call, exc, match):
    for m in (torch, ember):
        with pytest.raises(exc, match=match):
            call(m, m.ones(1, 2, 3, 3))


# -- padding layers ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name,args,shape", [
    ("ZeroPad2d", ((1, 2, 0, 3),), (2, 3, 4, 5)), ("ZeroPad1d", (2,), (2, 3, 4)),
    ("ConstantPad2d", (2, 3.5), (2, 3, 4, 5)), ("ConstantPad1d", ((1, 0), -1.0), (3, 4)),
    ("ReflectionPad2d", ((1, 2, 3, 0),), (2, 3, 4, 5)), ("ReflectionPad1d", (3,), (2, 3, 5)),
    ("ReplicationPad2d", (2,), (2, 3, 4, 5)), ("ReplicationPad1d", ((0, 3),), (2, 3, 4)),
    ("CircularPad2d", (1,), (2, 3, 4, 5)), ("ConstantPad3d", (1, 2.0), (1, 2, 2, 3, 2)),
    ("ReflectionPad3d", (1,), (1, 2, 2, 3, 2)), ("ReplicationPad3d", ((1, 0, 2, 1, 0, 1),), (2, 2, 3, 2)),
    ("ZeroPad2d", ((-1, 2, 1, -2),), (1, 2, 4, 5)),
])
def test_padding_modules_match_torch(name, args, shape):
    if name == "CircularPad2d":
        for m in (torch, ember):
            with pytest.raises(ValueError, match=r"expected 3D or 4D input \(got 2D input\)"):
                getattr(m.nn, name)(*args)(m.ones(3, 3))
    tm, em = getattr(torch.nn, name)(*args), getattr(nn, name)(*args)
    assert repr(tm) == repr(em) and tm.padding == em.padding
    rng = np.random.default_rng(6)
    _compare(tm, em, rng.standard_normal(shape))
    _compare(tm, em, rng.standard_normal(shape).astype(np.float32), noncontig=True)


# -- pixel shuffle, fold ---------------------------------------------------------------------------------
@pytest.mark.parametrize("make,shape", [
    (lambda m: m.nn.PixelShuffle(2), (2, 8, 3, 5)), (lambda m: m.nn.PixelShuffle(3), (9, 2, 2)),
    (lambda m: m.nn.PixelUnshuffle(2), (2, 3, 4, 6)), (lambda m: m.nn.ChannelShuffle(2), (2, 6, 3, 3)),
    (lambda m: m.nn.Unfold((2, 3), dilation=2, padding=1, stride=(1, 2)), (2, 3, 6, 7)),
    (lambda m: m.nn.Fold((4, 5), 2), (2, 12, 12)), (lambda m: m.nn.Fold(5, 3, padding=1, stride=2), (18, 9)),
])
def test_shuffle_and_fold_modules_match_torch(make, shape):
    tm, em = make(torch), make(ember)
    assert repr(tm) == repr(em)
    rng = np.random.default_rng(7)
    _compare(tm, em, rng.standard_normal(shape))
    _compare(tm, em, rng.standard_normal(shape).astype(np.float32), noncontig=True)


def test_fold_unfold_are_adjoint_and_errors():
    x, c = ember.randn(2, 3, 5, 6), ember.randn(2, 3 * 4, 20)
    lhs = (F.unfold(x, 2) * c).sum().item()
    rhs = (x * F.fold(c, (5, 6), 2)).sum().item()
    assert math.isclose(lhs, rhs, rel_tol=1e-4)
    for m in (torch, ember):
        with pytest.raises(RuntimeError, match="expected size of input's dimension 2 to match the calculated number "
                                               r"of sliding blocks 4 \* 5 = 20, but got input.size\(2\)=19"):
            m.nn.functional.fold(m.ones(2, 12, 19), (5, 6), 2)
        with pytest.raises(RuntimeError, match="divisible by the product of kernel_size"):
            m.nn.functional.fold(m.ones(2, 13, 20), (5, 6), 2)
        with pytest.raises(RuntimeError, match=r"input.size\(-3\)=5 is not divisible by 4"):
            m.nn.functional.pixel_shuffle(m.ones(1, 5, 2, 2), 2)
        with pytest.raises(RuntimeError, match=r"input.size\(-1\)=5 is not divisible by 2"):
            m.nn.functional.pixel_unshuffle(m.ones(1, 1, 4, 5), 2)
        with pytest.raises(RuntimeError, match="Number of channels must be divisible by groups. Got 5 channels"):
            m.nn.functional.channel_shuffle(m.ones(1, 5, 2, 2), 2)


# -- LPPool, MaxUnpool -----------------------------------------------------------------------------------
@pytest.mark.parametrize("make,shape", [
    (lambda m: m.nn.LPPool2d(2, 3, stride=2), (2, 3, 7, 6)), (lambda m: m.nn.LPPool2d(1.5, (2, 3)), (1, 2, 4, 6)),
    (lambda m: m.nn.LPPool2d(2, 2, ceil_mode=True), (2, 5, 5)), (lambda m: m.nn.LPPool1d(3, 2), (2, 3, 8)),
])
def test_lp_pool_modules_match_torch(make, shape):
    tm, em = make(torch), make(ember)
    assert repr(tm) == repr(em)
    rng = np.random.default_rng(8)
    _compare(tm, em, np.abs(rng.standard_normal(shape)) + 0.1)
    _compare(tm, em, (np.abs(rng.standard_normal(shape)) + 0.1).astype(np.float32), noncontig=True)


@pytest.mark.parametrize("nd,shape,kw", [(2, (2, 3, 6, 7), dict(kernel_size=2)),
                                         (2, (3, 7, 7), dict(kernel_size=3, stride=2, padding=1)),
                                         (1, (2, 3, 9), dict(kernel_size=3, stride=2))])
def test_max_unpool_inverts_max_pool_like_torch(nd, shape, kw):
    x = np.random.default_rng(9).standard_normal(shape)
    outs = []
    for m in (torch, ember):
        pool = getattr(m.nn, f"MaxPool{nd}d")(return_indices=True, **kw)
        unpool = getattr(m.nn, f"MaxUnpool{nd}d")(**kw)
        xt = m.from_numpy(x.copy()).requires_grad_(True)
        y, i = pool(xt)
        z = unpool(y, i, output_size=xt.shape[-nd:])
        up = m.from_numpy(np.random.default_rng(1).standard_normal(tuple(z.shape)))
        (g,) = m.autograd.grad(z, [xt], up)
        outs.append((z.detach().numpy(), g.numpy(), repr(unpool)))
    np.testing.assert_allclose(outs[1][0], outs[0][0])
    np.testing.assert_allclose(outs[1][1], outs[0][1])
    assert outs[0][2] == outs[1][2]
    for m in (torch, ember):
        with pytest.raises(RuntimeError, match="Found an invalid max index: 9"):
            m.nn.functional.max_unpool2d(m.ones(1, 1, 2, 2), m.tensor([[[[0, 1], [2, 9]]]]), 1)


# -- InstanceNorm, LocalResponseNorm -----------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("nd,kw", [(1, {}), (2, {}), (1, dict(affine=True)), (2, dict(affine=True, eps=1e-3)),
                                   (2, dict(track_running_stats=True, momentum=0.3)),
                                   (1, dict(affine=True, track_running_stats=True, momentum=None))],
                         ids=["1d", "2d", "1d_affine", "2d_affine", "2d_track", "1d_track_cma"])
def test_instance_norm_matches_torch(nd, kw, dtype):
    name = f"InstanceNorm{nd}d"
    tm, em = _pair(getattr(torch.nn, name)(4, **kw), getattr(nn, name)(4, **kw), dtype)
    assert repr(tm) == repr(em)
    if kw.get("affine"):  # non-trivial affine parameters
        for t, e in ((tm.weight, em.weight), (tm.bias, em.bias)):
            v = np.random.default_rng(0).standard_normal(4).astype(dtype)
            t.data.copy_(torch.from_numpy(v))
            e.data = ember.from_numpy(v.copy())
    rng = np.random.default_rng(10)
    shape = (3, 4) + (5, 3)[:nd]
    for mode in ("train", "eval"):
        tm.train(mode == "train")
        em.train(mode == "train")
        _compare(tm, em, rng.standard_normal(shape).astype(dtype))
        _compare(tm, em, rng.standard_normal(shape[1:]).astype(dtype), noncontig=True)  # unbatched
        for k, v in tm.state_dict().items():
            np.testing.assert_allclose(em.state_dict()[k].numpy(), v.numpy(), rtol=1e-5, err_msg=k)


def test_instance_norm_errors_and_warning():
    for m in (torch, ember):
        with pytest.raises(ValueError, match=r"expected 3D or 4D input \(got 2D input\)"):
            m.nn.InstanceNorm2d(3)(m.ones(3, 4))
        with pytest.raises(ValueError, match=r"expected input's size at dim=1 to match num_features \(3\), but got: "
                                             "4."):
            m.nn.InstanceNorm1d(3, affine=True)(m.ones(2, 4, 5))
        with pytest.warns(UserWarning, match="input's size at dim=0 does not match num_features"):
            m.nn.InstanceNorm1d(3)(m.ones(4, 5))


@pytest.mark.parametrize("kw,shape", [(dict(size=3), (2, 5, 4, 3)), (dict(size=2, alpha=0.5, beta=0.3, k=2.0),
                                                                      (2, 6, 7)),
                                      (dict(size=4, alpha=1.0), (1, 5, 2, 3, 2))])
def test_local_response_norm_matches_torch(kw, shape):
    tm, em = torch.nn.LocalResponseNorm(**kw), nn.LocalResponseNorm(**kw)
    assert repr(tm) == repr(em)
    rng = np.random.default_rng(11)
    _compare(tm, em, rng.standard_normal(shape))
    _compare(tm, em, rng.standard_normal(shape).astype(np.float32))
    for m in (torch, ember):
        with pytest.raises(ValueError, match=r"Expected 3D or higher dimensionality\s+input \(got 2 dimensions\)"):
            m.nn.LocalResponseNorm(2)(m.ones(2, 3))


# -- top-level functions ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name,shapes,kw", [
    ("conv1d", [(2, 3, 7), (4, 3, 3)], dict(stride=2)), ("conv2d", [(1, 2, 5, 5), (3, 2, 3, 3)], dict(padding=1)),
    ("conv3d", [(1, 2, 3, 3, 3), (3, 2, 2, 2, 2)], {}),
    ("conv_transpose1d", [(2, 3, 5), (3, 2, 3)], dict(stride=2)),
    ("conv_transpose2d", [(1, 3, 3, 4), (3, 2, 3, 3)], dict(stride=2, output_padding=1)),
    ("conv_transpose3d", [(1, 2, 2, 2, 2), (2, 1, 2, 2, 2)], {}),
    ("max_pool1d", [(2, 3, 8)], dict(kernel_size=3)), ("max_pool2d", [(2, 3, 6, 5)], dict(kernel_size=2)),
    ("avg_pool1d", [(2, 3, 8)], dict(kernel_size=3, stride=2)),
    ("adaptive_avg_pool1d", [(2, 3, 8)], dict(output_size=3)),
    ("pixel_shuffle", [(1, 8, 2, 3)], dict(upscale_factor=2)),
    ("pixel_unshuffle", [(1, 2, 4, 6)], dict(downscale_factor=2)),
    ("channel_shuffle", [(1, 6, 2, 3)], dict(groups=3)), ("native_channel_shuffle", [(1, 6, 2)], dict(groups=2)),
])
def test_top_level_functions_match_torch(name, shapes, kw):
    rng = np.random.default_rng(12)
    arrays = [rng.standard_normal(s) for s in shapes]
    t = getattr(torch, name)(*[torch.from_numpy(a) for a in arrays], **kw)
    e = getattr(ember, name)(*[ember.from_numpy(a) for a in arrays], **kw)
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-10, atol=1e-12)


def test_conv_transpose_errors_match_torch():
    for m in (torch, ember):
        f = m.nn.functional
        with pytest.raises(RuntimeError, match="output padding must be smaller than either stride or dilation"):
            f.conv_transpose2d(m.ones(1, 2, 3, 3), m.ones(2, 2, 3, 3), output_padding=1)
        with pytest.raises(RuntimeError, match=r"expected input\[1, 3, 3, 3\] to have 2 channels, but got 3 channels"):
            f.conv_transpose2d(m.ones(1, 3, 3, 3), m.ones(2, 2, 3, 3))
        with pytest.raises(ValueError, match='Only "zeros" padding mode is supported for ConvTranspose2d'):
            m.nn.ConvTranspose2d(2, 2, 3, padding_mode="reflect")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert tuple(nn.ConvTranspose2d(2, 3, 3)(ember.ones(2, 3, 3)).shape) == (3, 5, 5)


def test_node_names_match_torch():
    x3 = ember.randn(1, 2, 3, 3, 3, requires_grad=True)
    assert F.conv3d(x3, ember.randn(2, 2, 2, 2, 2)).grad_fn.name() == "ConvolutionBackward0"
    x = ember.randn(1, 2, 3, 3, requires_grad=True)
    assert F.conv_transpose2d(x, ember.randn(2, 3, 2, 2), ember.randn(3)).grad_fn.name() == "ConvolutionBackward0"
    assert F.interpolate(x, scale_factor=2).grad_fn is not None
