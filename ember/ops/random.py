"""Random numbers: ``Generator``, ``manual_seed``, and the sampling functions.

ember's generator is NumPy's PCG64 (``numpy.random.Generator``), so a seed reproduces
ember's own sequence exactly, but not PyTorch's (which uses a Mersenne Twister with
its own transforms). The distributions and their dtypes are PyTorch's.
"""
import numpy as np

from .. import dtypes as _dt
from ..tensor import Tensor
from .creation import _finish
from .movement import shape_arg

_make = Tensor._make

__all__ = ["Generator", "manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state",
           "default_generator", "rand", "randn", "randint", "randperm", "normal", "bernoulli", "multinomial",
           "rand_like", "randn_like", "randint_like", "poisson"]


class Generator:
    """A source of random numbers; pass it as ``generator=`` for reproducible streams."""

    def __init__(self, device="cpu"):
        self.device = device
        self._seed = 67280421310721  # PyTorch's default seed
        self._rng = np.random.Generator(np.random.PCG64(self._seed))

    def manual_seed(self, seed):
        seed = int(seed)
        if seed < 0:
            seed += 1 << 64
        self._seed = seed
        self._rng = np.random.Generator(np.random.PCG64(seed))
        return self

    def seed(self):
        s = int(np.random.SeedSequence().entropy) % (1 << 63)
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._seed

    def get_state(self):
        """The state as a uint8 tensor (round-trips through ``set_state``)."""
        import pickle

        raw = pickle.dumps((self._seed, self._rng.bit_generator.state))
        return _make(np.frombuffer(raw, dtype=np.uint8).copy())

    def set_state(self, new_state):
        import pickle

        seed, state = _restricted_state(bytes(new_state._data.tobytes()))
        self._seed = seed
        self._rng = np.random.Generator(np.random.PCG64())
        self._rng.bit_generator.state = state
        return self


def _restricted_state(raw):
    """Unpickle a generator state made by ``get_state``: plain dicts, ints and strings only."""
    import io
    import pickle

    class _Safe(pickle.Unpickler):
        def find_class(self, module, name):
            raise pickle.UnpicklingError(f"generator state may not reference {module}.{name}")

    return _Safe(io.BytesIO(raw)).load()


default_generator = Generator()


def _rng(generator):
    return (generator or default_generator)._rng


def manual_seed(seed):
    """Seed the default generator; returns it."""
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)


def _float_dtype(dtype, name):
    dtype = dtype or _dt.get_default_dtype()
    if not dtype.is_floating_point:
        raise RuntimeError(f"\"{name}\" not implemented for '{_dt.FROM_NP[dtype.np].name}'")
    return dtype


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, layout=None, out=None):
    """Uniform samples on [0, 1)."""
    dtype = _float_dtype(dtype, "check_uniform_bounds")
    data = _rng(generator).random(shape_arg(size), dtype=np.float64).astype(dtype.np)
    return _finish(data, requires_grad, device)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, layout=None, out=None):
    """Standard normal samples."""
    dtype = _float_dtype(dtype, "normal_kernel_cpu")
    data = _rng(generator).standard_normal(shape_arg(size)).astype(dtype.np)
    return _finish(np.asarray(data), requires_grad, device)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False,
            layout=None, out=None):
    """Integers uniform on [low, high); int64 unless ``dtype`` says otherwise."""
    if size is None:
        # randint(high, size)
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    data = _rng(generator).integers(low, high, size=shape_arg((size,)), dtype=np.int64)
    return _finish(np.asarray(data).astype((dtype or _dt.int64).np), requires_grad, device)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False, layout=None, out=None):
    """A random permutation of 0..n-1 (int64)."""
    return _finish(_rng(generator).permutation(n).astype((dtype or _dt.int64).np), requires_grad, device)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None, requires_grad=False,
           out=None):
    """Normal samples with the given mean and std (numbers or tensors, broadcast together)."""
    m = mean._data if isinstance(mean, Tensor) else mean
    s = std._data if isinstance(std, Tensor) else std
    if np.any(np.asarray(s) < 0):
        raise RuntimeError(f"normal expects all elements of std >= 0.0")
    if size is not None:
        shape = shape_arg((size,))
    else:
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
    if dtype is None:
        dtype = next((t.dtype for t in (mean, std) if isinstance(t, Tensor)), _dt.get_default_dtype())
    data = (m + s * _rng(generator).standard_normal(shape)).astype(dtype.np)
    return _finish(np.asarray(data), requires_grad, device)


def bernoulli(input, p=None, *, generator=None, out=None):
    """0/1 samples with probabilities ``input`` (or the scalar ``p``), in input's dtype."""
    probs = input._data if p is None else np.full(input._data.shape, p)
    if np.any((probs < 0) | (probs > 1)):
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
    data = (_rng(generator).random(input._data.shape) < probs).astype(input._data.dtype)
    return _make(data)


def poisson(input, generator=None):
    return _make(_rng(generator).poisson(input._data).astype(input._data.dtype))


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """Indices sampled from the rows of ``input`` (non-negative weights, not necessarily normalized)."""
    p = input._data.astype(np.float64)
    if p.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if (p < 0).any() or not np.isfinite(p).all():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    rows = p.reshape(-1, p.shape[-1])
    if not replacement and num_samples > rows.shape[1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    rng = _rng(generator)
    out_rows = []
    for r in rows:
        total = r.sum()
        if total <= 0:
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        if not replacement and np.count_nonzero(r) < num_samples:
            raise RuntimeError("invalid multinomial distribution (with replacement=False, not enough non-negative category to sample)")
        out_rows.append(rng.choice(len(r), size=num_samples, replace=replacement, p=r / total))
    res = np.stack(out_rows).astype(np.int64)
    return _make(res[0] if p.ndim == 1 else res)


def rand_like(input, *, dtype=None, device=None, requires_grad=False, generator=None):
    return rand(input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad, generator=generator)


def randn_like(input, *, dtype=None, device=None, requires_grad=False, generator=None):
    return randn(input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad, generator=generator)


def randint_like(input, low=0, high=None, *, dtype=None, device=None, requires_grad=False, generator=None):
    if high is None:
        low, high = 0, low
    return randint(low, high, input.shape, dtype=dtype or input.dtype, generator=generator)


# -- in-place samplers (used by nn.init) ---------------------------------------------------------
def _fill_random(self, data):
    from .elementwise import check_inplace

    check_inplace(self)
    np.copyto(self._data, data, casting="unsafe")
    self._bump()
    return self


def uniform_(self, from_=0.0, to=1.0, *, generator=None):
    """Fill with samples uniform on [from_, to)."""
    return _fill_random(self, _rng(generator).uniform(from_, to, self._data.shape))


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Fill with normal samples."""
    return _fill_random(self, mean + std * _rng(generator).standard_normal(self._data.shape))


def bernoulli_(self, p=0.5, *, generator=None):
    probs = p._data if isinstance(p, Tensor) else p
    return _fill_random(self, _rng(generator).random(self._data.shape) < probs)


def random_(self, from_=0, to=None, *, generator=None):
    if to is None:
        from_, to = 0, from_ if from_ else (2 ** 24 if self._data.dtype.kind == "f" else np.iinfo(self._data.dtype).max)
    return _fill_random(self, _rng(generator).integers(from_, to, self._data.shape))


def exponential_(self, lambd=1.0, *, generator=None):
    return _fill_random(self, _rng(generator).exponential(1.0 / lambd, self._data.shape))


def geometric_(self, p, *, generator=None):
    return _fill_random(self, _rng(generator).geometric(p, self._data.shape))


def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    return _fill_random(self, _rng(generator).lognormal(mean, std, self._data.shape))


def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    return _fill_random(self, median + sigma * _rng(generator).standard_cauchy(self._data.shape))


METHODS = ["uniform_", "normal_", "bernoulli_", "random_", "exponential_", "geometric_", "log_normal_", "cauchy_",
           "bernoulli", "multinomial"]
FUNCTIONS = __all__
