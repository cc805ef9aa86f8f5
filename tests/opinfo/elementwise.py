"""Op database entries: elementwise ops."""
from tests.opinfo import OpInfo, Sample, binary_samples, rand, unary_samples

INTS = ("int64", "int32", "uint8", "bool")


def _u(name, lo=-2.0, hi=2.0, **kw):
    return OpInfo(name, lambda m, x, _n=name: getattr(m, _n)(x), unary_samples(lo, hi), **kw)


def _b(name, lo=-2.0, hi=2.0, lo2=None, hi2=None, **kw):
    return OpInfo(name, lambda m, x, y, _n=name: getattr(m, _n)(x, y), binary_samples(lo, hi, lo2, hi2), **kw)


def _away_from_zero(rng, dtype):
    """Samples whose values stay at least 0.5 away from 0 (for ops with a kink or pole there)."""
    for s in binary_samples()(rng, dtype):
        yield Sample(tuple((a + 0.5 * ((a >= 0) * 2 - 1)).astype(a.dtype) if a.dtype.kind == "f" else a + (a == 0)
                           for a in s.arrays),
                     s.noncontig)


def _unary_away(lo=-2.0, hi=2.0):
    def gen(rng, dtype):
        for s in unary_samples(lo, hi)(rng, dtype):
            a = s.arrays[0]
            yield Sample(((a + 0.25 * ((a >= 0) * 2 - 1)).astype(a.dtype),), s.noncontig)
    return gen


OPS = [
    # arithmetic
    _b("add", int_dtypes=INTS[:3]),
    _b("sub", int_dtypes=INTS[:3]),
    _b("mul", int_dtypes=INTS),
    OpInfo("div", lambda m, x, y: m.div(x, y), _away_from_zero),
    OpInfo("add_alpha", lambda m, x, y: m.add(x, y, alpha=0.5), binary_samples()),
    OpInfo("sub_alpha", lambda m, x, y: x.sub(y, alpha=2), binary_samples()),
    OpInfo("op_add_scalar", lambda m, x: x + 2.5, unary_samples(), int_dtypes=INTS[:3]),
    OpInfo("op_rsub_scalar", lambda m, x: 2 - x, unary_samples(), int_dtypes=INTS[:3]),
    OpInfo("op_mul_scalar", lambda m, x: 3 * x, unary_samples(), int_dtypes=INTS),
    OpInfo("op_div_scalar", lambda m, x: x / 4, unary_samples(), int_dtypes=INTS[:3]),
    OpInfo("op_rdiv_scalar", lambda m, x: 1.5 / x, _unary_away()),
    OpInfo("op_neg", lambda m, x: -x, unary_samples(), int_dtypes=INTS[:3]),
    OpInfo("remainder", lambda m, x, y: m.remainder(x, y), _away_from_zero, gradgradcheck=False,
           int_dtypes=("int64",)),
    OpInfo("fmod", lambda m, x, y: m.fmod(x, y), _away_from_zero, gradgradcheck=False),
    OpInfo("floor_divide", lambda m, x, y: m.floor_divide(x, y), _away_from_zero, differentiable=False,
           int_dtypes=("int64",)),
    OpInfo("div_trunc", lambda m, x, y: m.div(x, y, rounding_mode="trunc"), _away_from_zero, differentiable=False),
    OpInfo("div_floor", lambda m, x, y: m.div(x, y, rounding_mode="floor"), _away_from_zero, differentiable=False),
    _b("atan2", lo=0.3, hi=2.0),
    # powers
    OpInfo("pow_2", lambda m, x: x ** 2, unary_samples(), int_dtypes=("int64",)),
    OpInfo("pow_3", lambda m, x: x.pow(3), unary_samples(), int_dtypes=("int64",)),
    OpInfo("pow_7", lambda m, x: m.pow(x, 7), unary_samples(-1.2, 1.2)),
    OpInfo("pow_neg2", lambda m, x: x ** -2, _unary_away()),
    OpInfo("pow_half", lambda m, x: x ** 0.5, unary_samples(0.2, 3.0)),
    OpInfo("pow_0", lambda m, x: x ** 0, unary_samples()),
    OpInfo("pow_tensor", lambda m, x, y: x ** y, binary_samples(0.3, 2.0, -1.5, 1.5)),
    OpInfo("rpow", lambda m, x: 2.0 ** x, unary_samples()),
    _u("square", int_dtypes=("int64",)),
    _u("sqrt", 0.1, 4.0),
    _u("rsqrt", 0.2, 4.0),
    _u("reciprocal", 0.2, 4.0),
    # exp / log
    _u("exp", int_dtypes=("int64",)),
    _u("exp2"),
    _u("expm1"),
    _u("log", 0.1, 4.0),
    _u("log2", 0.1, 4.0),
    _u("log10", 0.1, 4.0),
    _u("log1p", -0.5, 3.0),
    # trig / hyperbolic
    _u("sin", int_dtypes=("int64",)),
    _u("cos"),
    _u("tan", -1.2, 1.2),
    _u("asin", -0.9, 0.9),
    _u("acos", -0.9, 0.9),
    _u("atan"),
    _u("sinh"),
    _u("cosh"),
    _u("tanh"),
    _u("asinh"),
    _u("acosh", 1.2, 3.0),
    _u("atanh", -0.9, 0.9),
    _u("sigmoid", -6.0, 6.0, int_dtypes=("int64",)),
    _u("relu", int_dtypes=("int64",), gradgradcheck=True),
    _u("erf", -3.0, 3.0),
    _u("erfc", -3.0, 3.0),
    _u("erfinv", -0.95, 0.95),
    OpInfo("logit", lambda m, x: m.logit(x), unary_samples(0.05, 0.95)),
    OpInfo("logit_eps", lambda m, x: m.logit(x, eps=0.1), unary_samples(0.15, 0.85)),
    OpInfo("abs", lambda m, x: m.abs(x), _unary_away(), int_dtypes=("int64", "int32")),
    _u("sign", differentiable=True, int_dtypes=("int64",)),
    _u("floor", int_dtypes=("int64",)),
    _u("ceil"),
    _u("trunc"),
    _u("round"),
    OpInfo("round_decimals", lambda m, x: m.round(x, decimals=2), unary_samples(), differentiable=False),
    _u("frac"),
    # clamp / select
    OpInfo("clamp", lambda m, x: m.clamp(x, -0.5, 0.8), unary_samples(), int_dtypes=("int64",)),
    OpInfo("clamp_min", lambda m, x: x.clamp(min=-0.3), unary_samples()),
    OpInfo("clip_max", lambda m, x: m.clip(x, max=0.3), unary_samples()),
    OpInfo("clamp_tensor", lambda m, x, lo, hi: m.clamp(x, lo, hi),
           lambda rng, dt: [Sample((rand(rng, (3, 4), dt), rand(rng, (4,), dt, -2, -0.5), rand(rng, (3, 1), dt, 0.5, 2)))]),
    _b("maximum", int_dtypes=("int64",)),
    _b("minimum"),
    _b("fmax"),
    _b("fmin"),
    OpInfo("where", lambda m, c, x, y: m.where(c > 0, x, y),
           lambda rng, dt: [Sample((rand(rng, s1, dt), rand(rng, s2, dt), rand(rng, s3, dt)), grad=(False, True, True))
                            for s1, s2, s3 in [((3, 4), (3, 4), (3, 4)), ((3, 1), (4,), ()), ((), (2, 3), (2, 1))]]),
    OpInfo("where_scalar", lambda m, c, x: m.where(c > 0, x, 0.5),
           lambda rng, dt: [Sample((rand(rng, (3, 4), dt), rand(rng, (4,), dt)), grad=(False, True))]),
    OpInfo("lerp", lambda m, x, y: m.lerp(x, y, 0.3), binary_samples()),
    OpInfo("addcmul", lambda m, x, y, z: m.addcmul(x, y, z, value=0.5),
           lambda rng, dt: [Sample((rand(rng, (3, 4), dt), rand(rng, (4,), dt), rand(rng, (3, 1), dt)))]),
    OpInfo("addcdiv", lambda m, x, y, z: m.addcdiv(x, y, z, value=2),
           lambda rng, dt: [Sample((rand(rng, (3, 4), dt), rand(rng, (4,), dt), rand(rng, (3, 1), dt, 0.5, 2)))]),
    OpInfo("hypot_composite", lambda m, x, y: m.sqrt(x * x + y * y), _away_from_zero),
    # comparisons and logic (forward only)
    *[OpInfo(n, lambda m, x, y, _n=n: getattr(m, _n)(x, y), binary_samples(), differentiable=False,
             int_dtypes=("int64",)) for n in ("eq", "ne", "lt", "le", "gt", "ge")],
    OpInfo("op_lt_scalar", lambda m, x: x < 0.5, unary_samples(), differentiable=False),
    OpInfo("logical_and", lambda m, x, y: m.logical_and(x > 0, y > 0), binary_samples(), differentiable=False),
    OpInfo("logical_or", lambda m, x, y: (x > 0) | (y > 0), binary_samples(), differentiable=False),
    OpInfo("logical_xor", lambda m, x, y: (x > 0) ^ (y > 0), binary_samples(), differentiable=False),
    OpInfo("logical_not", lambda m, x: ~(x > 0), unary_samples(), differentiable=False),
    OpInfo("isnan", lambda m, x: m.isnan(x / x), unary_samples(), differentiable=False),
    OpInfo("isfinite", lambda m, x: m.isfinite(1 / (x * 0)), unary_samples(), differentiable=False),
    # promotion: mixed dtypes (forward and gradient dtype)
    OpInfo("promote_f32_f64_0d", lambda m, x, y: x.float() * y, lambda rng, dt: [Sample((rand(rng, (3,), dt), rand(rng, (), "float64")))],
           gradcheck=False, gradgradcheck=False,
           # the product is computed in float32 whatever the sample dtype, so compare at float32 precision
           tol={"float32": (1e-5, 1.3e-5), "float64": (1e-5, 1.3e-5)}),
    OpInfo("promote_int_float", lambda m, x, y: x.long() + y, lambda rng, dt: [Sample((rand(rng, (3,), dt), rand(rng, (3,), dt)), grad=(False, True))]),
    OpInfo("promote_int_div", lambda m, x: x.long() / 2, unary_samples(), differentiable=False),
    OpInfo("to_double", lambda m, x: x.double() * 2, unary_samples()),
]
