"""Op database entries: ``ember.nn.functional`` (activations, linear/bilinear, dropout, embedding,
one_hot, pad, distances). Each entry calls ``m.nn.functional.<op>`` so that the same lambda runs
on ember and on torch."""
import numpy as np

from tests.opinfo import OpInfo, Sample, rand, unary_samples


def F(m):
    return m.nn.functional


def _shapes(*shape_tuples, lo=-2.0, hi=2.0, noncontig=(), grad=None):
    """Samples with one array per shape in each tuple; ``noncontig`` lists indices of tuples to
    repeat as transposed (non-contiguous) views."""
    def gen(rng, dtype):
        for k, shapes in enumerate(shape_tuples):
            yield Sample(tuple(rand(rng, s, dtype, lo, hi) for s in shapes), grad=grad)
            if k in noncontig:
                yield Sample(tuple(rand(rng, s, dtype, lo, hi) for s in shapes), noncontig=True, grad=grad)
    return gen


def _u(name, lo=-2.0, hi=2.0, call=None, **kw):
    """A unary functional op on the standard unary samples."""
    fn = call or (lambda m, x, _n=name: getattr(F(m), _n)(x))
    return OpInfo(name, fn, unary_samples(lo, hi), **kw)


def _indices(rng, dtype):
    """Class indices (int64) for one_hot: the dtype argument is ignored."""
    for s in [(), (5,), (3, 4), (0,)]:
        yield Sample((rng.integers(0, 6, size=s).astype(np.int64),))


_SOFTMAX_LAST = _shapes(((),), ((5,),), ((3, 4),), ((2, 3, 4),), ((0, 3),), noncontig=(2,))
_SOFTMAX_DIM0 = _shapes(((5,),), ((3, 4),), ((2, 3, 4),), noncontig=(1,))
_SOFTMAX_DIM1 = _shapes(((3, 4),), ((2, 3, 4),), ((2, 0),), noncontig=(0,))
_LINEAR = _shapes(((3, 4), (5, 4), (5,)), ((4,), (5, 4), (5,)), ((2, 3, 4), (2, 4), (2,)), ((0, 4), (5, 4), (5,)),
                  ((3, 0), (2, 0), (2,)), noncontig=(0,))
_PAD3 = _shapes(((2, 3, 4),), ((3, 4),), noncontig=(0,))
_PAIRS = _shapes(((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 3, 4), (2, 3, 4)), noncontig=(0,))

OPS = [
    # -- activations ----------------------------------------------------------------------------------
    _u("F_relu", call=lambda m, x: F(m).relu(x), int_dtypes=("int64",)),
    _u("relu6", -2.0, 8.0, int_dtypes=("int64",)),
    _u("leaky_relu"),
    _u("leaky_relu_slope", call=lambda m, x: F(m).leaky_relu(x, 0.2)),
    _u("elu", -3.0, 2.0),
    _u("elu_alpha", -3.0, 2.0, call=lambda m, x: F(m).elu(x, alpha=0.5)),
    _u("selu", -3.0, 2.0),
    _u("celu", -3.0, 2.0, call=lambda m, x: F(m).celu(x, alpha=1.5)),
    _u("gelu", -4.0, 4.0),
    _u("gelu_tanh", -4.0, 4.0, call=lambda m, x: F(m).gelu(x, approximate="tanh")),
    _u("silu", -5.0, 5.0),
    _u("mish", -5.0, 5.0),
    _u("softplus", -5.0, 5.0),
    _u("softplus_beta_threshold", call=lambda m, x: F(m).softplus(x, beta=2, threshold=1.5)),
    _u("softplus_large", -60.0, 60.0, call=lambda m, x: F(m).softplus(x, threshold=100)),
    _u("softsign"),
    _u("F_tanh", call=lambda m, x: F(m).tanh(x)),
    _u("F_sigmoid", -6.0, 6.0, call=lambda m, x: F(m).sigmoid(x)),
    _u("hardtanh", int_dtypes=("int64",)),
    _u("hardtanh_range", -3.0, 3.0, call=lambda m, x: F(m).hardtanh(x, -0.5, 2.0)),
    _u("hardsigmoid", -5.0, 5.0),
    _u("hardswish", -5.0, 5.0),
    _u("logsigmoid", -6.0, 6.0),
    _u("logsigmoid_large", -200.0, 200.0, call=lambda m, x: F(m).logsigmoid(x)),
    _u("threshold", call=lambda m, x: F(m).threshold(x, 0.3, -2.0), int_dtypes=("int64",)),
    _u("tanhshrink"),
    _u("softshrink"),
    _u("softshrink_lambd", call=lambda m, x: F(m).softshrink(x, 1.0)),
    _u("hardshrink"),
    _u("hardshrink_method", call=lambda m, x: x.hardshrink(0.3)),
    OpInfo("prelu", lambda m, x, w: F(m).prelu(x, w),
           _shapes(((3, 4), (4,)), ((2, 3, 4), (3,)), ((3, 4), (1,)), ((5,), (1,)), ((), (1,)),
                   ((2, 3, 2, 2), (3,)), noncontig=(0,))),
    OpInfo("glu", lambda m, x: F(m).glu(x), _shapes(((3, 4),), ((2, 3, 2),), noncontig=(0,))),
    OpInfo("glu_dim0", lambda m, x: F(m).glu(x, 0), _shapes(((4, 3),), ((2,),))),
    # -- softmax family ---------------------------------------------------------------------------------
    OpInfo("softmax_lastdim", lambda m, x: F(m).softmax(x, -1), _SOFTMAX_LAST),
    OpInfo("softmax_dim0", lambda m, x: F(m).softmax(x, dim=0), _SOFTMAX_DIM0),
    OpInfo("softmax_dim1", lambda m, x: F(m).softmax(x, 1), _SOFTMAX_DIM1),
    OpInfo("softmax_method", lambda m, x: x.softmax(1), _SOFTMAX_DIM1),
    OpInfo("softmax_torch", lambda m, x: m.softmax(x, 0, m.float64), _SOFTMAX_DIM0),
    OpInfo("softmax_large", lambda m, x: F(m).softmax(x, -1), _shapes(((3, 4),), lo=-300.0, hi=300.0)),
    OpInfo("log_softmax_lastdim", lambda m, x: F(m).log_softmax(x, -1), _SOFTMAX_LAST),
    OpInfo("log_softmax_dim0", lambda m, x: F(m).log_softmax(x, 0), _SOFTMAX_DIM0),
    OpInfo("log_softmax_dim1", lambda m, x: F(m).log_softmax(x, 1), _SOFTMAX_DIM1),
    OpInfo("log_softmax_method", lambda m, x: x.log_softmax(-1), _SOFTMAX_LAST),
    OpInfo("log_softmax_large", lambda m, x: F(m).log_softmax(x, 1), _shapes(((3, 4),), lo=-300.0, hi=300.0)),
    OpInfo("log_softmax_dtype", lambda m, x: F(m).log_softmax(x.float(), 1, dtype=m.float64), _SOFTMAX_DIM1,
           gradcheck=False, gradgradcheck=False),
    OpInfo("softmin", lambda m, x: F(m).softmin(x, 1), _SOFTMAX_DIM1),
    # -- linear layers ------------------------------------------------------------------------------------
    OpInfo("linear", lambda m, x, w, b: F(m).linear(x, w, b), _LINEAR),
    OpInfo("linear_nobias", lambda m, x, w, b: F(m).linear(x, w), _LINEAR),
    OpInfo("linear_frozen_input", lambda m, x, w, b: F(m).linear(x, w, b),
           _shapes(((3, 4), (5, 4), (5,)), ((2, 3, 4), (2, 4), (2,)), grad=(False, True, True))),
    OpInfo("linear_frozen_weight", lambda m, x, w, b: F(m).linear(x, w, b),
           _shapes(((3, 4), (5, 4), (5,)), ((4,), (2, 4), (2,)), grad=(True, False, False))),
    OpInfo("bilinear", lambda m, x1, x2, w, b: F(m).bilinear(x1, x2, w, b),
           _shapes(((3, 2), (3, 3), (4, 2, 3), (4,)), ((2,), (3,), (2, 2, 3), (2,)),
                   ((2, 1, 2), (2, 1, 3), (2, 2, 3), (2,)))),
    OpInfo("bilinear_nobias", lambda m, x1, x2, w: F(m).bilinear(x1, x2, w), _shapes(((3, 2), (3, 3), (4, 2, 3)),)),
    # -- dropout in its deterministic settings ------------------------------------------------------------
    OpInfo("dropout_eval", lambda m, x: F(m).dropout(x, 0.5, training=False), unary_samples()),
    OpInfo("dropout_p0", lambda m, x: F(m).dropout(x, 0.0), unary_samples()),
    OpInfo("dropout_p1", lambda m, x: F(m).dropout(x, 1.0), unary_samples()),
    OpInfo("alpha_dropout_eval", lambda m, x: F(m).alpha_dropout(x, 0.5), unary_samples()),
    # -- embedding and one_hot ----------------------------------------------------------------------------
    OpInfo("embedding", lambda m, w: F(m).embedding(m.tensor([[0, 2, 2], [3, 1, 0]]), w),
           _shapes(((4, 3),), ((5, 2),), noncontig=(0,))),
    OpInfo("embedding_1d_idx", lambda m, w: F(m).embedding(m.tensor([4, 4, 1]), w), _shapes(((5, 3),))),
    # padding_idx and scale_grad_by_freq change the gradient on purpose: no finite-difference checks
    OpInfo("embedding_padding", lambda m, w: F(m).embedding(m.tensor([[0, 2, 2], [3, 1, 0]]), w, padding_idx=2),
           _shapes(((4, 3),), noncontig=(0,)),
           gradcheck=False, gradgradcheck=False),
    OpInfo("embedding_padding_neg", lambda m, w: F(m).embedding(m.tensor([0, 3, 3, 1]), w, padding_idx=-1),
           _shapes(((4, 3),)), gradcheck=False, gradgradcheck=False),
    OpInfo("embedding_freq", lambda m, w: F(m).embedding(m.tensor([[0, 2, 2], [3, 2, 0]]), w,
                                                         scale_grad_by_freq=True, padding_idx=3),
           _shapes(((4, 3),)), gradcheck=False, gradgradcheck=False),
    OpInfo("one_hot", lambda m, x: F(m).one_hot(x, 6), _indices, differentiable=False, dtypes=("int64",)),
    OpInfo("one_hot_infer", lambda m, x: F(m).one_hot(x), lambda rng, dt: [s for s in _indices(rng, dt)
                                                                          if s.arrays[0].size],
           differentiable=False, dtypes=("int64",)),
    # -- pad ----------------------------------------------------------------------------------------------
    OpInfo("pad_constant", lambda m, x: F(m).pad(x, (1, 2)), _PAD3, int_dtypes=("int64",)),
    OpInfo("pad_constant_2d", lambda m, x: F(m).pad(x, (1, 0, 2, 1), value=1.5), _PAD3),
    OpInfo("pad_constant_neg", lambda m, x: F(m).pad(x, (-1, 2, 1, -1)), _PAD3),
    OpInfo("pad_constant_3dims", lambda m, x: F(m).pad(x, (0, 1, 1, 0, 1, 1)), _shapes(((2, 3, 4),))),
    OpInfo("pad_reflect", lambda m, x: F(m).pad(x, (2, 1), mode="reflect"), _PAD3),
    OpInfo("pad_reflect_2d", lambda m, x: F(m).pad(x, (1, 2, 2, 1), mode="reflect"), _shapes(((1, 2, 3, 4),),
                                                                                             ((2, 3, 4),))),
    OpInfo("pad_reflect_neg", lambda m, x: F(m).pad(x, (-1, 2), mode="reflect"), _PAD3),
    OpInfo("pad_replicate", lambda m, x: F(m).pad(x, (3, 1), mode="replicate"), _PAD3),
    OpInfo("pad_replicate_3d", lambda m, x: F(m).pad(x, (1, 1, 0, 2, 1, 1), mode="replicate"),
           _shapes(((1, 2, 2, 3),), ((1, 1, 2, 2, 3),))),
    OpInfo("pad_circular", lambda m, x: F(m).pad(x, (2, 1), mode="circular"), _PAD3),
    OpInfo("pad_circular_2d", lambda m, x: F(m).pad(x, (1, 2, 2, 1), mode="circular"), _shapes(((1, 2, 3, 4),))),
    OpInfo("pad_circular_neg", lambda m, x: F(m).pad(x, (-1, 1), mode="circular"), _PAD3),
    # -- distances ----------------------------------------------------------------------------------------
    OpInfo("normalize", lambda m, x: F(m).normalize(x), _shapes(((3, 4),), ((2, 3, 4),), noncontig=(0,))),
    OpInfo("normalize_p1_dim0", lambda m, x: F(m).normalize(x, p=1, dim=0), _shapes(((3, 4),), ((5,),))),
    OpInfo("cosine_similarity", lambda m, x, y: F(m).cosine_similarity(x, y), _PAIRS),
    OpInfo("cosine_similarity_dim0", lambda m, x, y: F(m).cosine_similarity(x, y, dim=0),
           _shapes(((4,), (4,)), ((3, 2), (3, 2)))),
    OpInfo("pairwise_distance", lambda m, x, y: F(m).pairwise_distance(x, y), _PAIRS),
    OpInfo("pairwise_distance_p1_keepdim", lambda m, x, y: F(m).pairwise_distance(x, y, p=1.0, keepdim=True),
           _shapes(((3, 4), (3, 4)), ((4,), (4,)))),
    OpInfo("pairwise_distance_p3", lambda m, x, y: F(m).pairwise_distance(x, y, p=3.0), _PAIRS),
]
