"""Op database entries: normalization (``batch_norm``, ``layer_norm``, ``group_norm``,
``instance_norm``, ``rms_norm``) and every loss of ``ember.nn.functional``.

Each entry calls ``m.nn.functional.<op>`` so the same lambda runs on ember and on torch. Class
indices are int64 arrays (never differentiated); arguments PyTorch does not differentiate (class
weights, +-1 targets) are marked ``grad=False`` in the sample. Losses get one entry per reduction.
Running statistics are created inside the lambda, fresh for every call, because training-mode
batch_norm updates them in place.
"""
import numpy as np

from tests.opinfo import OpInfo, Sample, rand

REDUCTIONS = ("none", "mean", "sum")
F32 = {"float32": (2e-5, 2e-5)}


def F(m):
    return m.nn.functional


def _gen(*specs, noncontig=(), grad=None):
    """Samples from specs: tuples of (shape, lo, hi) for float arrays or ("int", shape, n) for class
    indices below n (("ign", shape, n): the first one -100) or ("sign", shape) for +-1 floats; ``noncontig`` repeats those specs transposed."""
    def make(rng, dtype, spec):
        if spec[0] in ("int", "ign"):
            t = rng.integers(0, spec[2], size=spec[1]).astype(np.int64)
            if spec[0] == "ign":  # the first target ignored (-100), the others not
                t.reshape(-1)[:1] = -100
            return t
        if spec[0] == "sign":
            return rng.choice([-1.0, 1.0], size=spec[1]).astype(dtype)
        shape, lo, hi = spec
        return rand(rng, shape, dtype, lo, hi)

    def gen(rng, dtype):
        for k, spec in enumerate(specs):
            yield Sample(tuple(make(rng, dtype, s) for s in spec), grad=grad)
            if k in noncontig:
                yield Sample(tuple(make(rng, dtype, s) for s in spec), noncontig=True, grad=grad)
    return gen


def X(*shape, lo=-2.0, hi=2.0):
    return (shape, lo, hi)


def P(*shape):  # probabilities / positive values
    return (shape, 0.05, 0.95)


def _per_reduction(name, call, samples, **kw):
    """One entry per reduction; finite differences run on 'none' and 'mean' ('sum' differs from
    'mean' by a constant factor, which the comparison with PyTorch checks)."""
    return [OpInfo(f"{name}_{r}", lambda m, *a, _r=r: call(m, *a, _r), samples, gradcheck=r != "sum",
                   gradgradcheck=r != "sum", **kw) for r in REDUCTIONS]


def _fresh_stats(m, x):
    c = x.shape[1]
    return m.zeros(c, dtype=x.dtype), m.ones(c, dtype=x.dtype)


_BN = _gen((X(4, 3), X(3), X(3)), (X(2, 3, 5), X(3), X(3)), (X(2, 3, 2, 2), X(3), X(3)), (X(5, 2), X(2), X(2)),
           noncontig=(0, 1))
_BN_EVAL = _gen((X(4, 3), X(3), X(3), X(3), P(3)), (X(2, 3, 5), X(3), X(3), X(3), P(3)), noncontig=(0,),
                grad=(True, True, True, False, False))
_LN = _gen((X(2, 3, 4), X(4), X(4)), (X(2, 3), X(3), X(3)), (X(5,), X(5), X(5)), noncontig=(0,))
_LN2 = _gen((X(2, 3, 4), X(3, 4), X(3, 4)), (X(3, 2), X(3, 2), X(3, 2)), noncontig=(0,))
_GN = _gen((X(2, 6, 3), X(6), X(6)), (X(3, 8), X(8), X(8)), (X(2, 4, 2, 2), X(4), X(4)), noncontig=(0,))
_IN = _gen((X(2, 3, 4), X(3), X(3)), (X(2, 2, 3, 2), X(2), X(2)), noncontig=(0,))
_RMS = _gen((X(2, 3, 4), X(4)), (X(3, 4), X(4)), (X(5,), X(5)), noncontig=(0,))

NORM_OPS = [
    OpInfo("batch_norm_train", lambda m, x, w, b: F(m).batch_norm(x, None, None, w, b, True), _BN, tol=F32),
    OpInfo("batch_norm_train_stats", lambda m, x, w, b: F(m).batch_norm(x, *_fresh_stats(m, x), w, b, True, 0.3),
           _BN, tol=F32),
    OpInfo("batch_norm_no_affine", lambda m, x, w, b: F(m).batch_norm(x, None, None, training=True) * w[0] + b[0],
           _BN, tol=F32),
    OpInfo("batch_norm_eval", lambda m, x, w, b, rm, rv: F(m).batch_norm(x, rm, rv, w, b, False), _BN_EVAL, tol=F32),
    OpInfo("layer_norm", lambda m, x, w, b: F(m).layer_norm(x, tuple(w.shape), w, b), _LN, tol=F32),
    OpInfo("layer_norm_2d", lambda m, x, w, b: F(m).layer_norm(x, tuple(w.shape), w, b, 1e-3), _LN2, tol=F32),
    OpInfo("layer_norm_no_affine", lambda m, x, w, b: F(m).layer_norm(x, tuple(w.shape)), _LN, tol=F32),
    OpInfo("group_norm", lambda m, x, w, b: F(m).group_norm(x, 2, w, b), _GN, tol=F32),
    OpInfo("group_norm_no_affine", lambda m, x, w, b: F(m).group_norm(x, 1), _GN, tol=F32),
    OpInfo("instance_norm", lambda m, x, w, b: F(m).instance_norm(x, weight=w, bias=b), _IN, tol=F32),
    OpInfo("rms_norm", lambda m, x, w: F(m).rms_norm(x, tuple(w.shape), w), _RMS, tol=F32),
    OpInfo("rms_norm_eps", lambda m, x, w: F(m).rms_norm(x, tuple(w.shape), None, 1e-2), _RMS, tol=F32),
]

# -- losses ---------------------------------------------------------------------------------------
_PAIR = _gen((X(3, 4), X(3, 4)), (X(5), X(5)), (X(), X()), (X(2, 3, 2), X(2, 3, 2)), noncontig=(0,))
_NLL = _gen((X(4, 3), ("int", (4,), 3), P(3)), (X(2, 3, 2), ("int", (2, 2), 3), P(3)), (X(3), ("int", (), 3), P(3)),
            (X(2, 4, 2, 2), ("int", (2, 2, 2), 4), P(4)), noncontig=(0,), grad=(True, False, False))
_NLL_IGN = _gen((X(4, 3), ("ign", (4,), 3), P(3)), (X(2, 3, 2), ("ign", (2, 2), 3), P(3)),
                (X(2, 4, 2, 2), ("ign", (2, 2, 2), 4), P(4)), noncontig=(0,), grad=(True, False, False))
_CE_PROB = _gen((X(4, 3), P(4, 3), P(3)), (X(2, 3, 2), P(2, 3, 2), P(3)), (X(3), P(3), P(3)), noncontig=(0,),
                grad=(True, True, False))
_BCE = _gen((P(3, 4), P(3, 4), P(4)), (P(5), P(5), P(5)), (P(), P(), P()), noncontig=(0,), grad=(True, True, False))
_BCEL = _gen((X(3, 4), P(3, 4), P(4), P(4)), (X(5, lo=-30, hi=30), P(5), P(5), P(5)), noncontig=(0,),
             grad=(True, True, False, False))
_KL = _gen((X(3, 4), P(3, 4)), (X(5), P(5)), noncontig=(0,))
_POS = _gen((P(3, 4), (((3, 4)), 0.0, 4.0)), (P(5), ((5,), 0.0, 4.0)), noncontig=(0,))
_COS = _gen((X(3, 4), X(3, 4), ("sign", (3,))), (X(4), X(4), ("sign", ())), noncontig=(0,), grad=(True, True, False))
_RANK = _gen((X(5), X(5), ("sign", (5,))), (X(2, 3), X(2, 3), ("sign", (2, 3))), noncontig=(1,))
_TRIPLET = _gen((X(3, 4), X(3, 4), X(3, 4)), (X(4), X(4), X(4)), noncontig=(0,))
_HINGE = _gen((X(5), ("sign", (5,))), (X(3, 4), ("sign", (3, 4))), noncontig=(1,), grad=(True, False))
_MULTILABEL = _gen((X(3, 4), ("sign", (3, 4)), P(4)), (X(2, 5), ("sign", (2, 5)), P(5)), noncontig=(0,))


def _ml(m, x, t, w, r):
    return F(m).multilabel_soft_margin_loss(x, (t + 1) / 2, w, reduction=r)


LOSS_OPS = (
    _per_reduction("mse_loss", lambda m, x, y, r: F(m).mse_loss(x, y, reduction=r), _PAIR)
    + _per_reduction("l1_loss", lambda m, x, y, r: F(m).l1_loss(x, y, reduction=r), _PAIR)
    + _per_reduction("smooth_l1_loss", lambda m, x, y, r: F(m).smooth_l1_loss(x, y, reduction=r, beta=0.5), _PAIR)
    + _per_reduction("huber_loss", lambda m, x, y, r: F(m).huber_loss(x, y, reduction=r, delta=0.7), _PAIR)
    + _per_reduction("nll_loss", lambda m, x, t, w, r: F(m).nll_loss(x, t, w, reduction=r), _NLL, tol=F32)
    + _per_reduction("nll_loss_ignore", lambda m, x, t, w, r: F(m).nll_loss(x, t, w, reduction=r),
                     _NLL_IGN, tol=F32)
    + _per_reduction("cross_entropy", lambda m, x, t, w, r: F(m).cross_entropy(x, t, reduction=r), _NLL, tol=F32)
    + _per_reduction("cross_entropy_weight_ignore",
                     lambda m, x, t, w, r: F(m).cross_entropy(x, t, w, reduction=r), _NLL_IGN, tol=F32)
    + _per_reduction("cross_entropy_smoothing",
                     lambda m, x, t, w, r: F(m).cross_entropy(x, t, w, reduction=r, label_smoothing=0.2), _NLL_IGN,
                     tol=F32)
    + _per_reduction("cross_entropy_probs",
                     lambda m, x, t, w, r: F(m).cross_entropy(x, t, w, reduction=r, label_smoothing=0.1), _CE_PROB,
                     tol=F32)
    + _per_reduction("binary_cross_entropy", lambda m, x, t, w, r: F(m).binary_cross_entropy(x, t, w, reduction=r),
                     _BCE, tol=F32)
    + _per_reduction("bce_with_logits",
                     lambda m, x, t, w, pw, r: F(m).binary_cross_entropy_with_logits(x, t, w, reduction=r,
                                                                                      pos_weight=pw), _BCEL, tol=F32)
    + _per_reduction("bce_with_logits_plain",
                     lambda m, x, t, w, pw, r: F(m).binary_cross_entropy_with_logits(x, t, reduction=r), _BCEL,
                     tol=F32)
    + _per_reduction("kl_div", lambda m, x, t, r: F(m).kl_div(x, t, reduction=r), _KL)
    + [OpInfo("kl_div_batchmean", lambda m, x, t: F(m).kl_div(x, t, reduction="batchmean"), _KL),
       OpInfo("kl_div_log_target", lambda m, x, t: F(m).kl_div(x, t.log(), reduction="sum", log_target=True), _KL)]
    + _per_reduction("poisson_nll_loss", lambda m, x, t, r: F(m).poisson_nll_loss(x, t, reduction=r), _POS)
    + [OpInfo("poisson_nll_loss_full",
              lambda m, x, t: F(m).poisson_nll_loss(x, t, log_input=False, full=True, reduction="sum"), _POS)]
    + _per_reduction("cosine_embedding_loss",
                     lambda m, x, y, t, r: F(m).cosine_embedding_loss(x, y, t, margin=0.2, reduction=r), _COS)
    + _per_reduction("margin_ranking_loss",
                     lambda m, x, y, t, r: F(m).margin_ranking_loss(x, y, t, margin=0.3, reduction=r), _RANK)
    + _per_reduction("triplet_margin_loss",
                     lambda m, a, p, n, r: F(m).triplet_margin_loss(a, p, n, margin=2.0, reduction=r), _TRIPLET)
    + [OpInfo("triplet_margin_loss_swap_p1",
              lambda m, a, p, n: F(m).triplet_margin_loss(a, p, n, margin=2.0, p=1, swap=True), _TRIPLET)]
    + _per_reduction("hinge_embedding_loss",
                     lambda m, x, t, r: F(m).hinge_embedding_loss(x, t, margin=0.5, reduction=r), _HINGE)
    + _per_reduction("soft_margin_loss", lambda m, x, t, r: F(m).soft_margin_loss(x, t, reduction=r), _HINGE)
    + _per_reduction("multilabel_soft_margin_loss", _ml, _MULTILABEL)
)

OPS = NORM_OPS + LOSS_OPS
