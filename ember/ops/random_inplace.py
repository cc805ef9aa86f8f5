"""The in-place samplers: ``x.uniform_()``, ``x.normal_()``, ``x.bernoulli_()``, ``x.random_()``,
``x.exponential_()``, ``x.geometric_()``, ``x.log_normal_()``, ``x.cauchy_()`` (``nn.init`` uses them).

Each overwrites the tensor with fresh samples from the default generator (or ``generator=``).
On a tensor that is part of a graph the write is recorded like any in-place op, with a node
that passes back a zero gradient (PyTorch's ``NormalBackward0``, ``UniformBackward0``, ...).
Exported as Tensor methods through ``ops/random.py``.
"""
import numpy as np

from .. import dtypes as _dt
from ..autograd import grad_mode
from ..tensor import Tensor
from .random import _check_bounds, _make, _need_float, _normal, _record_sample, _rng, _uniform

__all__ = ["uniform_", "normal_", "bernoulli_", "random_", "exponential_", "geometric_", "log_normal_", "cauchy_"]


def _fill_random(self, name, sample):
    """Overwrite ``self`` with ``sample(shape, np_dtype)``. Recorded like any in-place op: when
    ``self`` is part of a graph its new ``grad_fn`` passes a zero gradient back."""
    from .inplace import apply_inplace, check_inplace

    if not (self._requires_grad and grad_mode.enabled):  # the common case (nn.init runs under no_grad)
        check_inplace(self)
        np.copyto(self._data, sample(self._data.shape, self._data.dtype), casting="unsafe")
        self._bump()
        return self

    def op(x):
        res = _make(np.asarray(sample(x._data.shape, x._data.dtype)).astype(x._data.dtype, copy=False))
        return _record_sample(res, name, (x,))

    return apply_inplace(self, op)


def uniform_(self, from_=0.0, to=1.0, *, generator=None):
    """Fill with samples uniform on [from_, to)."""
    _need_float(self.dtype, "check_uniform_bounds")
    if from_ > to:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={from_:g} > to={to:g}")
    rng = _rng(generator)
    return _fill_random(self, "UniformBackward0", lambda shape, dt: from_ + (to - from_) * _uniform(rng, shape, dt))


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Fill with normal samples of the given mean and std."""
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    _need_float(self.dtype, "normal_kernel_cpu")
    rng = _rng(generator)
    return _fill_random(self, "NormalBackward0", lambda shape, dt: mean + std * _normal(rng, shape, dt))


def bernoulli_(self, p=0.5, *, generator=None):
    """Fill with 1 with probability ``p`` (a number or a tensor broadcast to self), else 0."""
    if isinstance(p, Tensor):
        probs, name = p._data, "BernoulliBackward1"
    else:
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
        probs, name = p, "BernoulliBackward2"
    rng = _rng(generator)
    return _fill_random(self, name, lambda shape, dt: rng.random(shape) < probs)


def random_(self, from_=0, to=None, *, generator=None):
    """Fill with integers uniform on [from_, to); ``random_(to)`` is [0, to); ``random_()`` spans
    what the dtype holds exactly ([0, 2**24] for float32, [0, max] for integer types)."""
    dtype = self.dtype
    if to is None:
        if from_:
            from_, to = 0, from_
        else:
            mant = {_dt.float16: 11, _dt.float32: 24, _dt.float64: 53}.get(dtype)
            to = 2 if dtype is _dt.bool else (1 << mant) + 1 if mant else int(np.iinfo(dtype.np).max) + 1
    rng = _rng(generator)
    _check_bounds(int(from_), int(to), dtype)
    return _fill_random(self, "RandomBackward2", lambda shape, dt: rng.integers(from_, to, shape, dtype=np.int64))


def _continuous(self, name):
    if not self.dtype.is_floating_point:
        raise RuntimeError(f"{name} distribution is a continuous probability distribution. dtype must be a "
                           f"floating point but you specified {_dt.TYPE_NAMES[self.dtype]}")


def exponential_(self, lambd=1.0, *, generator=None):
    """Fill with exponential samples of rate ``lambd`` (mean 1/lambd)."""
    _continuous(self, "Exponential")
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd:g}")
    rng = _rng(generator)
    return _fill_random(self, "ExponentialBackward0", lambda shape, dt: rng.exponential(1.0 / lambd, shape))


def geometric_(self, p, *, generator=None):
    """Fill with the number of Bernoulli(p) trials up to the first success (1, 2, ...)."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    if self.dtype is _dt.bool:
        raise NotImplementedError("\"geometric_cpu\" not implemented for 'Bool'")
    rng = _rng(generator)
    return _fill_random(self, "GeometricBackward0", lambda shape, dt: rng.geometric(p, shape))


def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    """Fill with ``exp(N(mean, std))`` samples."""
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std:g}")
    _need_float(self.dtype, "log_normal_cpu")
    rng = _rng(generator)
    return _fill_random(self, "LogNormalBackward0", lambda shape, dt: rng.lognormal(mean, std, shape))


def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    """Fill with Cauchy samples of the given median and scale."""
    _continuous(self, "Cauchy")
    rng = _rng(generator)
    return _fill_random(self, "CauchyBackward0", lambda shape, dt: median + sigma * rng.standard_cauchy(shape))
