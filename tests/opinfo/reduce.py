"""Op database entries: reductions (sum, prod, max, var, norm, logsumexp, cumsum, ...).

Each op gets one entry per ``dim`` variant: None (all), an int, a negative int with
``keepdim=True`` and, where PyTorch accepts one, a tuple. Shapes are chosen so the dim
exists; 0-d, empty and non-contiguous inputs are included where the op defines them.
Ops whose gradient jumps at ties (max, amax, median, the inf-norm) use samples of
distinct values; separate ``*_ties`` entries compare their tie-splitting with PyTorch.
"""
import numpy as np

from tests.opinfo import OpInfo, Sample, rand

INTS = ("int64", "int32", "uint8", "bool")
SHAPES = [(), (5,), (3, 4), (2, 3, 4)]

# name -> (dim, keepdim, fewest dims the input needs)
DIMS = {"all": (None, False, 0), "dim0": (0, False, 1), "dimneg_keep": (-1, True, 0), "dim1": (1, False, 2),
        "dims": ((0, -1), False, 2), "dims_keep": ((-1, 0), True, 2)}


def distinct(rng, shape, dtype, lo=-2.0, hi=2.0):
    """Values at least (hi - lo) / n apart, in random order: no ties, so no kinks at the samples."""
    n = int(np.prod(shape))
    if np.dtype(dtype).kind in "biu":
        return rand(rng, shape, dtype, lo, hi)
    vals = lo + (hi - lo) * (rng.permutation(n) + rng.uniform(0.2, 0.8, n)) / max(n, 1)
    return vals.reshape(shape).astype(dtype)


def away(rng, shape, dtype, lo=0.3, hi=2.0):
    """Magnitudes in [lo, hi] with random signs (for |x|^p with p < 1, x / x, ...)."""
    a = rand(rng, shape, dtype, lo, hi)
    if a.dtype.kind != "f":
        return a
    return (a * rng.choice([-1, 1], size=shape)).astype(dtype)


def reduce_samples(min_nd=0, empty=None, make=rand, lo=-2.0, hi=2.0):
    """One input of each shape with at least ``min_nd`` dims, a non-contiguous one, and ``empty``."""
    def gen(rng, dtype):
        for s in SHAPES:
            if len(s) >= min_nd:
                yield Sample((make(rng, s, dtype, lo, hi),))
        if min_nd <= 2:
            yield Sample((make(rng, (3, 4), dtype, lo, hi),), noncontig=True)
        if empty is not None:
            yield Sample((make(rng, empty, dtype, lo, hi),), note="empty")
    return gen


def variants(name, call, dims=("all", "dim0", "dimneg_keep", "dim1", "dims"), identity=True, make=rand, lo=-2.0,
             hi=2.0, min_nd=0, **kw):
    """One OpInfo per dim variant: ``call(m, x, dim, keepdim)``. With an ``identity`` (sum: 0,
    prod: 1) the reduction of an empty input is defined and sampled; without one (max) the
    empty sample keeps the reduced dim non-empty."""
    out = []
    for v in dims:
        dim, keepdim, nd = DIMS[v]
        nd = max(nd, min_nd)
        if identity:
            empty = (0, 3)
        else:
            empty = {"dim0": (3, 0), "dim1": (0, 3), "dimneg_keep": (0, 3)}.get(v)
        out.append(OpInfo(f"{name}_{v}", lambda m, x, _d=dim, _k=keepdim: call(m, x, _d, _k),
                          reduce_samples(nd, empty, make, lo, hi), **kw))
    return out


def with_zeros(rng, dtype):
    """Inputs with one zero per row, with two zeros in a row, and a lone zero (prod/cumprod)."""
    a = away(rng, (3, 4), dtype, 0.5, 1.5)
    a[0, 1] = a[1, 0] = a[1, 3] = 0
    yield Sample((a,))
    b = away(rng, (2, 3), dtype, 0.5, 1.5)
    b[1, 2] = 0
    yield Sample((b,))
    yield Sample((np.zeros((), dtype),))
    yield Sample((np.array([0, 0, 1.5], dtype),))


def ties(rng, dtype):
    """Small integers as floats: many ties (gradients only compared with PyTorch, no gradcheck)."""
    for s in [(6,), (3, 4), (2, 3, 4)]:
        yield Sample((rng.integers(0, 3, size=s).astype(dtype),))


def _ties(name, fn):
    return OpInfo(name, fn, ties, gradcheck=False, gradgradcheck=False)


def _nan(rng, dtype):
    """A matrix with two NaNs (in different rows and columns)."""
    a = rand(rng, (3, 4), dtype)
    a[0, 1] = a[2, 3] = np.nan
    yield Sample((a,))


INF = float("inf")

OPS = [
    *variants("sum", lambda m, x, d, k: x.sum(d, k) if d is not None else m.sum(x), int_dtypes=INTS),
    OpInfo("sum_dtype", lambda m, x: x.sum(1, dtype=m.float64), reduce_samples(2), int_dtypes=("int32",)),
    *variants("mean", lambda m, x, d, k: m.mean(x, d, k) if d is not None else x.mean()),
    *variants("prod", lambda m, x, d, k: m.prod(x, d, k) if d is not None else x.prod(),
              dims=("all", "dim0", "dimneg_keep", "dim1"), lo=0.5, hi=1.5, make=away, int_dtypes=INTS),
    OpInfo("prod_zeros_all", lambda m, x: x.prod(), with_zeros),
    OpInfo("prod_zeros_dim", lambda m, x: x.prod(-1), with_zeros),
    OpInfo("prod_zeros_dim0_keep", lambda m, x: m.prod(x, 0, keepdim=True), with_zeros),
    OpInfo("prod_dtype", lambda m, x: x.prod(0, dtype=m.float64), reduce_samples(1), int_dtypes=("int32",)),
    # max / min: values only without dim, (values, indices) with it
    OpInfo("max_all", lambda m, x: m.max(x), reduce_samples(0, make=distinct), int_dtypes=INTS),
    OpInfo("min_all", lambda m, x: x.min(), reduce_samples(0, make=distinct), int_dtypes=INTS),
    *variants("max", lambda m, x, d, k: m.max(x, d, k), dims=("dim0", "dimneg_keep", "dim1"), identity=False,
              make=distinct, int_dtypes=INTS),
    *variants("min", lambda m, x, d, k: x.min(dim=d, keepdim=k), dims=("dim0", "dimneg_keep", "dim1"), identity=False,
              make=distinct, int_dtypes=INTS[:3]),
    OpInfo("max_binary", lambda m, x, y: m.max(x, y),
           lambda rng, dt: [Sample((distinct(rng, (3, 4), dt), distinct(rng, (4,), dt)))]),
    _ties("max_all_ties", lambda m, x: x.max()),
    _ties("min_all_ties", lambda m, x: m.min(x)),
    _ties("amax_ties", lambda m, x: m.amax(x, -1)),
    _ties("amin_all_ties", lambda m, x: m.amin(x)),
    _ties("median_ties", lambda m, x: m.median(x)),
    _ties("norm_inf_ties", lambda m, x: m.norm(x - 1, INF, dim=-1)),
    *variants("amax", lambda m, x, d, k: m.amax(x, () if d is None else d, k), identity=False, make=distinct,
              int_dtypes=INTS),
    *variants("amin", lambda m, x, d, k: x.amin(() if d is None else d, k), dims=("all", "dim1", "dims_keep"),
              identity=False, make=distinct, int_dtypes=INTS[:2]),
    OpInfo("aminmax", lambda m, x: m.aminmax(x), reduce_samples(0, make=distinct), int_dtypes=INTS[:2]),
    OpInfo("aminmax_dim", lambda m, x: x.aminmax(dim=-1, keepdim=True), reduce_samples(1, (0, 3), make=distinct)),
    *variants("argmax", lambda m, x, d, k: m.argmax(x, d, k), dims=("all", "dim0", "dimneg_keep", "dim1"),
              identity=False, make=distinct, differentiable=False, int_dtypes=INTS[:3]),
    OpInfo("argmax_all_keep", lambda m, x: x.argmax(keepdim=True), reduce_samples(0, make=distinct),
           differentiable=False),
    *variants("argmin", lambda m, x, d, k: x.argmin(d, k), dims=("all", "dim1"), identity=False, make=distinct,
              differentiable=False,
              int_dtypes=INTS[:1]),
    OpInfo("median_all", lambda m, x: m.median(x), reduce_samples(0, (0, 3), make=distinct), int_dtypes=INTS[:1]),
    *variants("median", lambda m, x, d, k: x.median(d, k), dims=("dim0", "dimneg_keep", "dim1"), identity=False,
              make=distinct, int_dtypes=INTS[:1]),
    OpInfo("median_nan", lambda m, x: (*x.median(1), x.median()), _nan, differentiable=False),
    OpInfo("max_nan", lambda m, x: (*x.max(1), x.max(), m.argmax(x, 0), x.amax(1)), _nan, differentiable=False),
    # var / std
    # (no 0-d inputs: one element with correction 1 has variance nan)
    *variants("var", lambda m, x, d, k: m.var(x, d, keepdim=k), min_nd=1),
    *variants("std", lambda m, x, d, k: x.std(d, keepdim=k), dims=("all", "dimneg_keep", "dims"), min_nd=1),
    OpInfo("var_correction0", lambda m, x: m.var(x, 1, correction=0), reduce_samples(2)),
    OpInfo("var_correction2", lambda m, x: x.var(correction=2), reduce_samples(1)),
    OpInfo("var_unbiased_false", lambda m, x: x.var(1, False, True), reduce_samples(2)),
    OpInfo("var_legacy_bool", lambda m, x: m.var(x, False), reduce_samples(0)),
    OpInfo("std_unbiased", lambda m, x: m.std(x, -1, unbiased=False), reduce_samples(1)),
    OpInfo("std_correction_big", lambda m, x: m.std(x, 0, correction=4), reduce_samples(2), gradcheck=False,
           gradgradcheck=False),
    OpInfo("var_mean", lambda m, x: m.var_mean(x, 1, keepdim=True), reduce_samples(2)),
    OpInfo("std_mean", lambda m, x: m.std_mean(x, correction=0), reduce_samples(1, (0, 3))),
    OpInfo("std_mean_dims", lambda m, x: m.std_mean(x, (0, 1)), reduce_samples(2)),
    # norm
    *variants("norm_fro", lambda m, x, d, k: m.norm(x, "fro", d, k), dims=("all", "dim0", "dims_keep")),
    *variants("norm_2", lambda m, x, d, k: x.norm(2, d, k), dims=("all", "dimneg_keep")),
    OpInfo("norm_default", lambda m, x: x.norm(), reduce_samples(0, (0, 3))),
    OpInfo("norm_none_dim", lambda m, x: m.norm(x, None, 1), reduce_samples(2)),
    *variants("norm_1", lambda m, x, d, k: m.norm(x, 1, d, k), dims=("all", "dim1"), make=away),
    *variants("norm_inf", lambda m, x, d, k: m.norm(x, INF, d, k), dims=("all", "dim0", "dims_keep"), make=distinct,
              identity=False),
    *variants("norm_neginf", lambda m, x, d, k: m.norm(x, -INF, d, k), dims=("all", "dim1"), make=distinct,
              identity=False),
    *variants("norm_0", lambda m, x, d, k: m.norm(x, 0, d, k), dims=("all", "dim1"), make=away),
    *variants("norm_3", lambda m, x, d, k: m.norm(x, 3, d, k), dims=("all", "dim1", "dims"), make=away),
    *variants("norm_1_5", lambda m, x, d, k: x.norm(1.5, d, k), dims=("all", "dimneg_keep"), make=away),
    *variants("norm_half", lambda m, x, d, k: x.norm(0.5, d, k), dims=("all", "dim1"), make=away),
    OpInfo("norm_neg1", lambda m, x: x.norm(-1, 1), reduce_samples(2, make=away)),
    OpInfo("norm_dtype", lambda m, x: m.norm(x, dim=1, dtype=m.float64), reduce_samples(2)),
    # logsumexp
    *variants("logsumexp", lambda m, x, d, k: m.logsumexp(x, d, k), dims=("dim0", "dimneg_keep", "dim1", "dims"),
              lo=-5, hi=5),
    OpInfo("logsumexp_large", lambda m, x: x.logsumexp(1), lambda rng, dt: [Sample((rand(rng, (3, 4), dt, 200, 400),)),
                                                                        Sample((rand(rng, (3, 4), dt, -400, -200),))]),
    OpInfo("logsumexp_inf", lambda m, x: x.logsumexp(1),
           lambda rng, dt: [Sample((np.array([[INF, 1.0], [-INF, -INF], [-INF, 2.0]], dt),))], differentiable=False),
    OpInfo("logsumexp_int", lambda m, x: m.logsumexp(x, 0), reduce_samples(1), differentiable=False, dtypes=("int64",)),
    # scans
    *[OpInfo(f"cumsum_{d}", lambda m, x, _d=d: x.cumsum(_d), reduce_samples(nd, (0, 3) if nd else None),
             int_dtypes=INTS) for d, nd in [(0, 0), (-1, 0), (1, 2)]],
    OpInfo("cumsum_dtype", lambda m, x: m.cumsum(x, 0, dtype=m.float64), reduce_samples(1), int_dtypes=("int32",)),
    *[OpInfo(f"cumprod_{d}", lambda m, x, _d=d: m.cumprod(x, _d),
             reduce_samples(nd, (0, 3) if nd else None, away, 0.5, 1.5), int_dtypes=INTS)
      for d, nd in [(0, 0), (-1, 0), (1, 2)]],
    OpInfo("cumprod_zeros", lambda m, x: x.cumprod(-1), with_zeros),
    OpInfo("cumprod_zeros_dim0", lambda m, x: x.cumprod(0), with_zeros),
    # logical reductions and counts (forward only)
    *variants("all", lambda m, x, d, k: (x > 0).all(d, k) if d is not None else m.all(x > 0),
              differentiable=False),
    *variants("any", lambda m, x, d, k: m.any(x > 0, d, k) if d is not None else (x > 0).any(),
              dims=("all", "dim1", "dims_keep"), differentiable=False),
    OpInfo("all_any_numbers", lambda m, x: (m.all(x), x.any(1), x.all(0, True)), reduce_samples(2, (0, 3)),
           differentiable=False, int_dtypes=INTS),
    *[OpInfo(f"count_nonzero_{v}", lambda m, x, _d=DIMS[v][0]: m.count_nonzero(x, _d),
             reduce_samples(DIMS[v][2], (0, 3)), differentiable=False, int_dtypes=INTS)
      for v in ("all", "dim0", "dims")],
    OpInfo("nansum", lambda m, x: (m.nansum(x), x.nansum(1)), _nan),
    OpInfo("nansum_plain", lambda m, x: m.nansum(x, -1, True), reduce_samples(1), int_dtypes=("int64",)),
    OpInfo("nanmean", lambda m, x: (m.nanmean(x), x.nanmean(1, True)), _nan),
    OpInfo("nanmean_plain", lambda m, x: x.nanmean((0, 1)), reduce_samples(2)),
]
