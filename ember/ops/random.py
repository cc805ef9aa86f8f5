"""Random numbers: ``Generator``, ``manual_seed``, the samplers (``rand``, ``randn``, ``randint``,
``randperm``, ``normal``, ``bernoulli``, ``multinomial``, ``*_like``) and the in-place
samplers (``uniform_``, ``normal_``, ...).

ember's generator is NumPy's PCG64 (``numpy.random.Generator``), so a seed reproduces
ember's own sequence exactly, but not PyTorch's (a Mersenne Twister with its own
transforms). Distributions, dtypes, argument forms and errors are PyTorch's.

Sampling is not differentiable: an output made from tensors that require grad is
recorded with a zero gradient (PyTorch's ``NormalBackward*``, ``BernoulliBackward*``, ...).
"""
import numpy as np

from .. import dtypes as _dt
from .._device import as_device
from ..autograd import grad_mode
from ..autograd.node import Node
from ..tensor import Tensor
from ._scaffold import record
from .creation import _finish, _size

_make = Tensor._make

__all__ = ["Generator", "manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state",
           "default_generator", "rand", "randn", "randint", "randperm", "normal", "bernoulli", "multinomial",
           "rand_like", "randn_like", "randint_like", "poisson"]

_DEFAULT_SEED = 67280421310721  # PyTorch's default seed


class Generator:
    """A source of random numbers; pass it as ``generator=`` for a reproducible stream.

    Example::

        >>> import ember
        >>> g = ember.Generator().manual_seed(0)
        >>> a = ember.rand(2, generator=g); _ = g.manual_seed(0)
        >>> bool((ember.rand(2, generator=g) == a).all())
        True
    """

    def __init__(self, device="cpu"):
        self.device = as_device(device)
        self.manual_seed(_DEFAULT_SEED)

    def manual_seed(self, seed):
        """Reset to the stream of ``seed`` (an int in [-2**63, 2**64); negatives wrap). Returns self."""
        seed = int(seed)
        if not -(1 << 63) <= seed < (1 << 64):
            raise ValueError("Overflow when unpacking long long")
        self._seed = seed % (1 << 64)
        self._stream = None  # made on first use: importing numpy.random costs ~10 ms at ``import ember``
        return self

    @property
    def _rng(self):
        if self._stream is None:
            self._stream = np.random.Generator(np.random.PCG64(self._seed))
        return self._stream

    @_rng.setter
    def _rng(self, value):
        self._stream = value

    def seed(self):
        """Seed from the operating system's entropy; returns the seed chosen."""
        s = int(np.random.SeedSequence().entropy) % (1 << 63)
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._seed

    def get_state(self):
        """The state as a uint8 tensor; ``set_state`` of it resumes the stream from here."""
        import pickle

        raw = pickle.dumps((self._seed, self._rng.bit_generator.state))
        return _make(np.frombuffer(raw, dtype=np.uint8).copy())

    def set_state(self, new_state):
        if not isinstance(new_state, Tensor) or new_state._data.dtype != np.uint8:
            raise TypeError("expected a torch.ByteTensor, as returned by get_state()")
        self._seed, state = _restricted_state(new_state._data.tobytes())
        self._rng = np.random.Generator(np.random.PCG64())
        self._rng.bit_generator.state = state
        return self


def _restricted_state(raw):
    """Unpickle a state made by ``get_state``: plain dicts, ints and strings only, never code."""
    import io
    import pickle

    class _Safe(pickle.Unpickler):
        def find_class(self, module, name):
            raise pickle.UnpicklingError(f"generator state may not reference {module}.{name}")

    try:
        return _Safe(io.BytesIO(raw)).load()
    except Exception as e:
        raise RuntimeError(f"set_state: not a generator state made by get_state() ({e})") from None


default_generator = Generator()


def _rng(generator):
    return (generator or default_generator)._rng


def manual_seed(seed):
    """Seed the default generator (makes every sampler reproducible); returns it."""
    return default_generator.manual_seed(seed)


def seed():
    """Seed the default generator nondeterministically; returns the seed."""
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)


# -- errors and helpers ------------------------------------------------------------------------------
def _need_float(dtype, kernel):
    if not dtype.is_floating_point:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_dt.TYPE_NAMES[dtype]}'")


def _uniform(rng, shape, np_dtype):
    """Uniform samples on [0, 1) in ``np_dtype``; never 1.0 after rounding to a narrow type."""
    if np_dtype == np.float16:  # multiples of 2**-11 are exact in float16
        return (np.floor(rng.random(shape, np.float32) * 2048) / 2048).astype(np.float16)
    return rng.random(shape, np_dtype)


def _normal(rng, shape, np_dtype):
    if np_dtype == np.float16:
        return rng.standard_normal(shape, np.float32).astype(np.float16)
    return rng.standard_normal(shape, np_dtype)


class _ZeroGrad(Node):
    """Gradient of a sample w.r.t. its parameters: zeros (PyTorch does not reparameterize)."""

    __slots__ = ()

    def run(self, F, grad, diff):
        return tuple(None if s is None else F.sum_to(F.zeros_like(grad), s) for s in self.shapes)


# One node class per PyTorch name, so that ``grad_fn`` prints as in PyTorch.
_NODES = {name: type(name, (_ZeroGrad,), {"__slots__": (), "__module__": __name__})
          for name in ["NormalBackward0", "NormalBackward1", "NormalBackward2", "NormalBackward3",
                       "BernoulliBackward0", "BernoulliBackward1", "BernoulliBackward2", "UniformBackward0",
                       "RandomBackward2", "ExponentialBackward0", "GeometricBackward0", "LogNormalBackward0",
                       "CauchyBackward0", "PoissonBackward0"]}


def _record_sample(res, name, inputs):
    """Record ``res`` as made from ``inputs`` (tensors or numbers) by a sampler: zero gradients."""
    if grad_mode.enabled and any(isinstance(t, Tensor) and t._requires_grad for t in inputs):
        node = _NODES[name]()
        node.shapes = tuple(t._data.shape if isinstance(t, Tensor) else None for t in inputs)
        record(node, inputs, (res,))
    return res


# -- samplers --------------------------------------------------------------------------------------
def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False):
    """Samples uniform on [0, 1): ``rand(2, 3)`` or ``rand((2, 3))`` (default float dtype)."""
    dtype = dtype or _dt._default
    _need_float(dtype, "check_uniform_bounds")
    return _finish(_uniform(_rng(generator), _size(size, "rand"), dtype.np), requires_grad, device, out)


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False):
    """Standard normal samples (mean 0, variance 1)."""
    dtype = dtype or _dt._default
    _need_float(dtype, "normal_kernel_cpu")
    return _finish(_normal(_rng(generator), _size(size, "randn"), dtype.np), requires_grad, device, out)


_C_NAMES = {_dt.bool: "bool", _dt.uint8: "unsigned char", _dt.int8: "signed char", _dt.int16: "short int",
            _dt.int32: "int", _dt.int64: "long int", _dt.float16: "c10::Half"}


def _check_bounds(low, high, dtype, op="random_"):
    """PyTorch's checks of an integer range [low, high) against what ``dtype`` can hold."""
    if low >= high:
        raise RuntimeError(f"{op} expects 'from' to be less than 'to', but got from={low} >= to={high}")
    if dtype in _C_NAMES and dtype is not _dt.int64:
        lo, hi = (0, 1) if dtype is _dt.bool else (-2048, 2048) if dtype is _dt.float16 else \
            (int(np.iinfo(dtype.np).min), int(np.iinfo(dtype.np).max))
        if not lo <= low <= hi:
            raise RuntimeError(f"from is out of bounds for {_C_NAMES[dtype]}")
        if not lo <= high - 1 <= hi:
            raise RuntimeError(f"to - 1 is out of bounds for {_C_NAMES[dtype]}")


def _integers(rng, low, high, shape, dtype):
    _check_bounds(low, high, dtype)
    return rng.integers(low, high, size=shape, dtype=np.int64).astype(dtype.np)


def randint(*args, size=None, low=None, high=None, generator=None, out=None, dtype=None, layout=None,
            device=None, requires_grad=False, pin_memory=False):
    """Integers uniform on [low, high): ``randint(high, size)`` or ``randint(low, high, size)``.

    The result is int64 unless ``dtype`` says otherwise (floating dtypes hold whole numbers).
    """
    args = list(args)
    if size is None:
        if not args:
            raise TypeError("randint() missing required argument 'size'")
        size = args.pop()
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"randint(): argument 'size' must be tuple of ints, not {type(size).__name__}")
    if high is None:
        high = args.pop() if args else None
    if low is None:
        low = args.pop() if args else 0
    if high is None or args:
        raise TypeError("randint() takes (high, size) or (low, high, size)")
    dtype = dtype or _dt.int64
    data = _integers(_rng(generator), int(low), int(high), _size((size,), "randint"), dtype)
    return _finish(data, requires_grad, device, out)


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
             pin_memory=False):
    """A random permutation of 0 .. n-1 (int64 unless ``dtype`` says otherwise)."""
    (n,) = _size((n,), "randperm")
    data = _rng(generator).permutation(n).astype((dtype or _dt.int64).np)
    return _finish(data, requires_grad, device, out)


def normal(mean, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None,
           requires_grad=False, pin_memory=False):
    """Normal samples. ``normal(mean_tensor, std)``, ``normal(mean, std_tensor)`` and
    ``normal(mean_tensor, std_tensor)`` broadcast their arguments (dtype of the tensor);
    ``normal(mean, std, size)`` takes two numbers and a size (default float dtype)."""
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    if tensors and size is not None or not tensors and size is None:
        raise TypeError("normal() takes (Tensor mean, Tensor std), (Tensor mean, float std), "
                        "(float mean, Tensor std) or (float mean, float std, tuple size)")
    if tensors:
        out_dtype = tensors[0].dtype
        m = mean._data if isinstance(mean, Tensor) else mean
        s = std._data if isinstance(std, Tensor) else std
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
    else:
        out_dtype, m, s = dtype or _dt._default, mean, std
        shape = _size((size,), "normal")
    _need_float(out_dtype, "normal_kernel_cpu")
    if isinstance(std, Tensor):
        if (s < 0).any():
            raise RuntimeError("normal expects all elements of std >= 0.0")
    elif std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    data = (m + s * _rng(generator).standard_normal(shape)).astype(out_dtype.np)
    if not tensors:
        return _finish(data, requires_grad, device, out)
    name = "NormalBackward" + ("3" if len(tensors) == 2 else "1" if tensors[0] is mean else "2")
    return _record_sample(_make(data), name, (mean, std))


def bernoulli(input, p=None, *, generator=None, out=None):
    """0/1 samples, 1 with probability ``input`` (or the number ``p``), in ``input``'s dtype."""
    d = input._data
    if p is None:
        _need_float(input.dtype, "bernoulli_tensor_cpu_p_")
        if ((d < 0) | (d > 1)).any():
            raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
        probs = d
    else:
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
        probs = p
    data = (_rng(generator).random(d.shape) < probs).astype(d.dtype)
    res = _record_sample(_make(data), "BernoulliBackward0" if p is None else "BernoulliBackward1", (input,))
    return res if out is None else out.copy_(res)


def poisson(input, generator=None):
    """Poisson samples with rates ``input`` (in its dtype)."""
    _need_float(input.dtype, "poisson_cpu")
    if (input._data < 0).any():
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    data = _rng(generator).poisson(input._data).astype(input._data.dtype)
    return _record_sample(_make(data), "PoissonBackward0", (input,))


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """Indices drawn from the rows of ``input``, non-negative weights that need not sum to 1.

    Without replacement every index appears at most once: it draws exponential keys
    ``E_i / w_i`` and keeps the smallest (the same trick PyTorch uses), so zero-weight
    categories come last, after all positive ones.
    """
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{_dt.TYPE_NAMES[input.dtype]}")
    p = input._data.astype(np.float64)
    if p.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    rows = p.reshape(-1, p.shape[-1])
    n_cat = rows.shape[1]
    if not replacement and num_samples > n_cat:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if not np.isfinite(rows).all() or (rows < 0).any():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    totals = rows.sum(1, keepdims=True)
    if (totals <= 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    rng = _rng(generator)
    if replacement:
        cdf = np.cumsum(rows / totals, axis=1)
        u = rng.random((rows.shape[0], num_samples))
        idx = np.stack([np.searchsorted(c, ui, side="right") for c, ui in zip(cdf, u)])
        # rounding can leave cdf[-1] just below 1: such draws belong to the last positive category
        last = n_cat - 1 - np.argmax(rows[:, ::-1] > 0, axis=1)
        idx = np.minimum(idx, last[:, None])
    else:
        with np.errstate(divide="ignore"):
            keys = rng.standard_exponential(rows.shape) / rows
        idx = np.argsort(keys, axis=1, kind="stable")[:, :num_samples]
    res = idx.astype(np.int64)
    res = _make(res[0] if p.ndim == 1 else res)
    return res if out is None else out.copy_(res)


def rand_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None,
              generator=None):
    """``rand`` in the shape (and dtype, unless given) of ``input``."""
    return rand(input._data.shape, dtype=dtype or input.dtype, device=device, requires_grad=requires_grad,
                generator=generator)


def randn_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None,
               generator=None):
    """``randn`` in the shape (and dtype, unless given) of ``input``."""
    return randn(input._data.shape, dtype=dtype or input.dtype, device=device, requires_grad=requires_grad,
                 generator=generator)


def randint_like(input, low=0, high=None, *, dtype=None, layout=None, device=None, requires_grad=False,
                 memory_format=None, generator=None):
    """``randint`` in the shape (and dtype, unless given) of ``input``: ``randint_like(x, high)``
    or ``randint_like(x, low, high)``."""
    if high is None:
        low, high = 0, low
    return randint(low, high, input._data.shape, dtype=dtype or input.dtype, device=device,
                   requires_grad=requires_grad, generator=generator)


# The in-place samplers (uniform_, normal_, ...) live in ops/random_inplace.py; they are Tensor methods.
from .random_inplace import (uniform_, normal_, bernoulli_, random_, exponential_, geometric_,  # noqa: E402
                             log_normal_, cauchy_)

METHODS = ["uniform_", "normal_", "bernoulli_", "random_", "exponential_", "geometric_", "log_normal_", "cauchy_",
           "bernoulli", "multinomial"]
FUNCTIONS = __all__
