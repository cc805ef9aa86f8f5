"""Op database entries: convolution and pooling (``ember/ops/conv.py``, ``ember/ops/pooling.py``).
Small shapes (gradcheck runs on every sample); odd sizes, stride/padding/dilation/groups combinations,
unbatched inputs and non-contiguous views."""
from tests.opinfo import OpInfo, Sample, rand


def F(m):
    return m.nn.functional


def _arrays(*shape_tuples, noncontig=()):
    """One sample per tuple of shapes; indices in ``noncontig`` are repeated as transposed views."""
    def gen(rng, dtype):
        for k, shapes in enumerate(shape_tuples):
            yield Sample(tuple(rand(rng, s, dtype) for s in shapes))
            if k in noncontig:
                yield Sample(tuple(rand(rng, s, dtype) for s in shapes), noncontig=True)
    return gen


def _conv(name, fn, *shape_tuples, noncontig=(0,)):
    return OpInfo(name, fn, _arrays(*shape_tuples, noncontig=noncontig),
                  tol={"float32": (1e-5, 1e-4)})


def _pool(name, fn, *shapes, noncontig=(0,), **kw):
    return OpInfo(name, fn, _arrays(*[(s,) for s in shapes], noncontig=noncontig), **kw)


C2 = lambda **kw: (lambda m, x, w, b=None: F(m).conv2d(x, w, b, **kw))  # noqa: E731
C1 = lambda **kw: (lambda m, x, w, b=None: F(m).conv1d(x, w, b, **kw))  # noqa: E731

OPS = [
    # -- conv2d ------------------------------------------------------------------------------------------
    _conv("conv2d", C2(), ((2, 3, 5, 4), (4, 3, 3, 2), (4,)), ((3, 4, 4), (2, 3, 2, 2), (2,)),
          ((2, 2, 3, 3), (3, 2, 1, 1), (3,))),
    _conv("conv2d_no_bias", C2(), ((2, 3, 5, 4), (4, 3, 3, 2)), ((1, 1, 4, 4), (2, 1, 3, 3))),
    _conv("conv2d_stride_pad", C2(stride=2, padding=1), ((2, 1, 5, 6), (3, 1, 3, 3), (3,)),
          ((1, 2, 4, 4), (2, 2, 2, 2), (2,))),
    _conv("conv2d_asym", C2(stride=(2, 1), padding=(0, 2), dilation=(1, 2)), ((1, 2, 6, 5), (3, 2, 2, 3), (3,))),
    _conv("conv2d_groups", C2(groups=2, padding=1), ((2, 4, 4, 3), (6, 2, 3, 3), (6,)),
          ((1, 6, 3, 3), (6, 3, 2, 2), (6,))),
    _conv("conv2d_depthwise", C2(groups=3, stride=2), ((1, 3, 5, 5), (3, 1, 3, 3), (3,))),
    _conv("conv2d_same", C2(padding="same"), ((1, 2, 5, 4), (3, 2, 3, 2), (3,)), ((2, 4, 4), (2, 2, 2, 3), (2,))),
    _conv("conv2d_same_dilated", C2(padding="same", dilation=2), ((1, 2, 6, 5), (2, 2, 2, 3), (2,))),
    _conv("conv2d_valid", C2(padding="valid"), ((1, 2, 4, 4), (2, 2, 3, 3), (2,))),
    _conv("conv2d_empty_batch", C2(), ((0, 2, 4, 4), (3, 2, 3, 3), (3,)), noncontig=()),
    # -- conv1d ------------------------------------------------------------------------------------------
    _conv("conv1d", C1(), ((2, 3, 7), (4, 3, 3), (4,)), ((3, 5), (2, 3, 2), (2,))),
    _conv("conv1d_stride_pad_dil", C1(stride=2, padding=2, dilation=2), ((2, 2, 9), (3, 2, 3), (3,))),
    _conv("conv1d_groups", C1(groups=2), ((2, 4, 6), (4, 2, 3), (4,))),
    _conv("conv1d_same", C1(padding="same"), ((1, 2, 6), (3, 2, 4), (3,))),
    # -- max pooling -------------------------------------------------------------------------------------
    _pool("max_pool2d", lambda m, x: F(m).max_pool2d(x, 2), (2, 3, 4, 5), (3, 5, 4)),
    _pool("max_pool2d_overlap", lambda m, x: F(m).max_pool2d(x, 3, 1, 1), (1, 2, 5, 4)),
    _pool("max_pool2d_full", lambda m, x: F(m).max_pool2d(x, (3, 2), (2, 1), (1, 1), (1, 2), True),
          (2, 2, 7, 6)),
    _pool("max_pool2d_indices", lambda m, x: F(m).max_pool2d(x, 2, 2, 1, return_indices=True), (2, 2, 5, 5)),
    _pool("max_pool1d", lambda m, x: F(m).max_pool1d(x, 3, 2, 1, ceil_mode=True), (2, 3, 8), (3, 7)),
    _pool("max_pool1d_indices", lambda m, x: F(m).max_pool1d(x, 2, dilation=2, return_indices=True), (2, 2, 7)),
    # -- average pooling ---------------------------------------------------------------------------------
    _pool("avg_pool2d", lambda m, x: F(m).avg_pool2d(x, 2), (2, 3, 4, 5), (3, 5, 4)),
    _pool("avg_pool2d_pad_ceil", lambda m, x: F(m).avg_pool2d(x, 3, 2, 1, True), (2, 2, 6, 7)),
    _pool("avg_pool2d_no_pad_count", lambda m, x: F(m).avg_pool2d(x, 3, 2, 1, True, False), (2, 2, 6, 7)),
    _pool("avg_pool2d_divisor", lambda m, x: F(m).avg_pool2d(x, (2, 3), 1, (1, 0), divisor_override=4),
          (1, 2, 4, 5)),
    _pool("avg_pool1d", lambda m, x: F(m).avg_pool1d(x, 3, 2, 1, True, False), (2, 3, 8), (3, 7)),
    # -- adaptive pooling --------------------------------------------------------------------------------
    _pool("adaptive_avg_pool2d", lambda m, x: F(m).adaptive_avg_pool2d(x, (2, 3)), (2, 3, 5, 7), (3, 4, 4)),
    _pool("adaptive_avg_pool2d_none", lambda m, x: F(m).adaptive_avg_pool2d(x, (None, 2)), (1, 2, 3, 5)),
    _pool("adaptive_avg_pool1d", lambda m, x: F(m).adaptive_avg_pool1d(x, 3), (2, 3, 7), (3, 5)),
    _pool("adaptive_max_pool2d", lambda m, x: F(m).adaptive_max_pool2d(x, (2, 3), True), (2, 3, 5, 7), (3, 4, 4)),
    _pool("adaptive_max_pool1d", lambda m, x: F(m).adaptive_max_pool1d(x, 3), (2, 3, 7), (3, 5)),
]

# -- conv3d, transposed convolution ----------------------------------------------------------------------
C3 = lambda **kw: (lambda m, x, w, b=None: F(m).conv3d(x, w, b, **kw))  # noqa: E731
CT1 = lambda **kw: (lambda m, x, w, b=None: F(m).conv_transpose1d(x, w, b, **kw))  # noqa: E731
CT2 = lambda **kw: (lambda m, x, w, b=None: F(m).conv_transpose2d(x, w, b, **kw))  # noqa: E731
CT3 = lambda **kw: (lambda m, x, w, b=None: F(m).conv_transpose3d(x, w, b, **kw))  # noqa: E731


def _unpool_samples(shape, pooled, kernel):
    """(values, indices): a random distinct position inside each window, as max_pool2d would give."""
    def gen(rng, dtype):
        import numpy as np
        h, w = pooled
        oh, ow = shape[-2:]
        i = np.arange(h)[:, None] * kernel + rng.integers(0, kernel, (*shape[:-2], h, w))
        j = np.arange(w)[None, :] * kernel + rng.integers(0, kernel, (*shape[:-2], h, w))
        yield Sample((rand(rng, (*shape[:-2], h, w), dtype), (i * ow + j).astype(np.int64)), grad=(0,))
    return gen


OPS += [
    _conv("conv3d", C3(), ((1, 2, 3, 4, 3), (3, 2, 2, 2, 2), (3,)), ((2, 3, 3, 3), (2, 2, 1, 2, 2), (2,))),
    _conv("conv3d_stride_pad_groups", C3(stride=(1, 2, 1), padding=1, groups=2),
          ((1, 4, 3, 4, 3), (2, 2, 2, 2, 2), (2,))),
    _conv("conv_transpose2d", CT2(), ((2, 3, 4, 3), (3, 2, 3, 2), (2,)), ((3, 3, 3), (3, 2, 2, 2), (2,))),
    _conv("conv_transpose2d_stride_pad_out", CT2(stride=2, padding=1, output_padding=1),
          ((1, 2, 3, 4), (2, 3, 3, 3), (3,))),
    _conv("conv_transpose2d_asym_dil", CT2(stride=(3, 2), padding=(0, 1), output_padding=(2, 1), dilation=(1, 2)),
          ((1, 2, 3, 3), (2, 2, 2, 3), (2,))),
    _conv("conv_transpose2d_groups", CT2(groups=2, stride=2), ((2, 4, 3, 3), (4, 3, 2, 2), (6,)),
          ((1, 4, 2, 3), (4, 1, 3, 3))),
    _conv("conv_transpose2d_empty_batch", CT2(stride=2), ((0, 2, 3, 3), (2, 3, 2, 2), (3,)), noncontig=()),
    _conv("conv_transpose1d", CT1(stride=3, output_padding=2), ((2, 3, 5), (3, 2, 3), (2,)), ((3, 4), (3, 2, 2))),
    _conv("conv_transpose1d_groups_dil", CT1(groups=3, dilation=2, padding=1), ((2, 3, 5), (3, 2, 3), (6,))),
    _conv("conv_transpose3d", CT3(stride=2, padding=1), ((1, 2, 2, 3, 2), (2, 2, 2, 2, 3), (2,))),
    # -- interpolate ---------------------------------------------------------------------------------
    _pool("interpolate_nearest", lambda m, x: F(m).interpolate(x, scale_factor=2), (2, 2, 3, 4), (1, 2, 5)),
    _pool("interpolate_nearest_size", lambda m, x: F(m).interpolate(x, size=(5, 3)), (2, 2, 3, 4)),
    _pool("interpolate_nearest_frac", lambda m, x: F(m).interpolate(x, scale_factor=(1.7, 0.6)), (1, 2, 4, 5)),
    _pool("interpolate_nearest_exact", lambda m, x: F(m).interpolate(x, size=(5, 3), mode="nearest-exact"),
          (1, 2, 3, 4)),
    _pool("interpolate_bilinear", lambda m, x: F(m).interpolate(x, scale_factor=2, mode="bilinear"), (2, 2, 3, 4)),
    _pool("interpolate_bilinear_ac", lambda m, x: F(m).interpolate(x, size=(5, 2), mode="bilinear",
                                                                   align_corners=True), (1, 2, 3, 4)),
    _pool("interpolate_bilinear_recompute", lambda m, x: F(m).interpolate(
        x, scale_factor=(1.3, 0.7), mode="bilinear", recompute_scale_factor=True), (1, 2, 4, 5)),
    _pool("interpolate_linear", lambda m, x: F(m).interpolate(x, scale_factor=1.5, mode="linear"), (2, 3, 5)),
    _pool("interpolate_trilinear", lambda m, x: F(m).interpolate(x, size=(3, 4, 2), mode="trilinear"),
          (1, 2, 2, 3, 3)),
    _pool("interpolate_bicubic", lambda m, x: F(m).interpolate(x, scale_factor=(1.5, 0.8), mode="bicubic"),
          (1, 2, 4, 5)),
    _pool("interpolate_bicubic_ac", lambda m, x: F(m).interpolate(x, size=(2, 6), mode="bicubic", align_corners=True),
          (2, 1, 3, 4)),
    _pool("interpolate_area", lambda m, x: F(m).interpolate(x, size=(2, 3), mode="area"), (1, 2, 5, 7)),
    # -- fold / unfold, shuffles -----------------------------------------------------------------------
    _pool("unfold", lambda m, x: F(m).unfold(x, (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)),
          (2, 3, 5, 6), (3, 4, 4)),
    _pool("fold", lambda m, x: F(m).fold(x, (5, 4), 2), (2, 12, 12), (8, 12)),
    _pool("fold_strided", lambda m, x: F(m).fold(x, (5, 6), (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)),
          (1, 12, 12)),
    _pool("pixel_shuffle", lambda m, x: F(m).pixel_shuffle(x, 2), (2, 8, 3, 2), (3, 4, 2, 3), (2, 1, 4, 2, 2)),
    _pool("pixel_unshuffle", lambda m, x: F(m).pixel_unshuffle(x, 2), (2, 2, 4, 6), (3, 2, 4)),
    _pool("channel_shuffle", lambda m, x: F(m).channel_shuffle(x, 3), (2, 6, 3, 2), (2, 6, 4)),
    # -- lp pooling, unpooling, local response norm ----------------------------------------------------
    _pool("lp_pool2d", lambda m, x: F(m).lp_pool2d(x, 2, (2, 3), 1), (2, 2, 4, 5)),
    _pool("lp_pool2d_ceil", lambda m, x: F(m).lp_pool2d(x, 2, 2, ceil_mode=True), (1, 2, 5, 5)),
    _pool("lp_pool1d", lambda m, x: F(m).lp_pool1d(x, 2, 3, 2), (2, 3, 7)),
    OpInfo("max_unpool2d", lambda m, x, i: F(m).max_unpool2d(x, i, 2, output_size=(5, 7)),
           _unpool_samples((2, 3, 5, 7), (2, 3), 2)),
    _pool("local_response_norm", lambda m, x: F(m).local_response_norm(x, 3, alpha=0.5), (2, 5, 3, 4), (2, 4, 5)),
    _pool("local_response_norm_5d", lambda m, x: F(m).local_response_norm(x, 2, 0.3, 0.5, 2.0), (1, 3, 2, 2, 3),
          noncontig=()),  # NOTE: PyTorch's own LRN fails on a non-contiguous 5-D input (a .view)
]
