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
