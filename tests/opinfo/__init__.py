"""The shared op database: every op, how to call it in ember and in PyTorch, and sample inputs.

An ``OpInfo`` holds one callable ``fn(m, *tensors)`` that works for both libraries (``m`` is
the module, ``ember`` or ``torch``), so ``lambda m, x: m.exp(x)`` or ``lambda m, x: x.sum(1)``
tests the function and the method with one line. ``samples(rng, dtype)`` yields
``Sample``s: NumPy arrays for the tensor arguments (built into tensors for each library)
and the layout to give them. Generic tests in ``tests/test_ops.py`` compare outputs and
gradients (with a random upstream gradient) with PyTorch, and run gradcheck and
gradgradcheck in float64.

Each op family has its own module here (``elementwise.py``, ``reduce.py``, ...) with an
``OPS`` list; ``ALL_OPS`` gathers them.
"""
import importlib
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Sample:
    """Arrays for the tensor arguments; ``noncontig`` makes each a transposed (non-contiguous) view;
    ``grad`` lists which arguments require grad (default: all floating ones)."""

    arrays: tuple
    noncontig: bool = False
    grad: tuple = None
    note: str = ""

    def __repr__(self):
        shapes = ",".join(str(tuple(a.shape)) for a in self.arrays)
        return f"{shapes}{' nc' if self.noncontig else ''}{' ' + self.note if self.note else ''}"


@dataclass
class OpInfo:
    name: str
    fn: callable                       # fn(m, *tensors) -> Tensor or tuple of Tensors
    samples: callable                  # samples(rng, np_dtype) -> iterable of Sample
    differentiable: bool = True
    dtypes: tuple = ("float32", "float64")
    int_dtypes: tuple = ()             # extra integer/bool dtypes for the forward test
    tol: dict = None                   # {"float32": (atol, rtol), "float64": (atol, rtol)} overrides
    grad_tol: dict = None              # the same for gradients (default: tol)
    gradcheck: bool = True
    gradgradcheck: bool = True
    extra: dict = field(default_factory=dict)

    def __repr__(self):
        return self.name


DEFAULT_TOL = {"float32": (1e-5, 1.3e-5), "float64": (1e-9, 1e-7), "float16": (1e-3, 1e-3)}


def tolerance(op, dtype, grad=False):
    table = (op.grad_tol if grad and op.grad_tol else None) or op.tol or {}
    return table.get(dtype, DEFAULT_TOL.get(dtype, (0, 0)))


def to_tensor(m, arr, requires_grad, noncontig):
    """A leaf tensor of library ``m`` holding ``arr`` (optionally as a non-contiguous view)."""
    a = np.asarray(arr)
    if noncontig and a.ndim >= 2:
        a = np.ascontiguousarray(np.swapaxes(a, -1, -2)).swapaxes(-1, -2)
    if m.__name__ == "torch":
        t = m.from_numpy(a.copy() if not noncontig else a)
        if noncontig and a.ndim >= 2:
            t = m.from_numpy(np.ascontiguousarray(np.swapaxes(a, -1, -2))).transpose(-1, -2)
    else:
        t = m.from_numpy(a.copy()) if not noncontig else m.from_numpy(a)
    if requires_grad:
        t.requires_grad_(True)
    return t


# -- sample helpers ------------------------------------------------------------------------------
def rand(rng, shape, dtype, lo=-2.0, hi=2.0):
    if np.dtype(dtype).kind in "iu":
        return rng.integers(max(int(lo), -5) if np.dtype(dtype).kind == "i" else 0, max(int(hi), 5) + 1,
                            size=shape).astype(dtype)
    if np.dtype(dtype).kind == "b":
        return rng.random(shape) > 0.5
    return rng.uniform(lo, hi, size=shape).astype(dtype)


UNARY_SHAPES = [(), (0,), (5,), (3, 4), (2, 3, 4)]
BINARY_SHAPES = [((), ()), ((5,), (5,)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((2, 3, 4), ()), ((), (3, 4)),
                 ((0, 3), (3,)), ((2, 1, 4), (3, 1))]


def unary_samples(lo=-2.0, hi=2.0):
    def gen(rng, dtype):
        for s in UNARY_SHAPES:
            yield Sample((rand(rng, s, dtype, lo, hi),))
        yield Sample((rand(rng, (3, 4), dtype, lo, hi),), noncontig=True)
    return gen


def binary_samples(lo=-2.0, hi=2.0, lo2=None, hi2=None):
    lo2 = lo if lo2 is None else lo2
    hi2 = hi if hi2 is None else hi2

    def gen(rng, dtype):
        for sa, sb in BINARY_SHAPES:
            yield Sample((rand(rng, sa, dtype, lo, hi), rand(rng, sb, dtype, lo2, hi2)))
        yield Sample((rand(rng, (3, 4), dtype, lo, hi), rand(rng, (3, 4), dtype, lo2, hi2)), noncontig=True)
    return gen


FAMILIES = ["elementwise", "reduce", "movement", "shapes", "indexing_ops", "linalg", "nn_ops", "nn_losses", "conv_ops"]


def all_ops():
    ops = []
    for fam in FAMILIES:
        try:
            mod = importlib.import_module(f"tests.opinfo.{fam}")
        except ModuleNotFoundError as e:
            if e.name == f"tests.opinfo.{fam}":
                continue
            raise
        ops.extend(mod.OPS)
    return ops
