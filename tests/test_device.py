"""Devices against PyTorch: ``ember.device`` objects, ``device=`` on creation, ``.to``/``.cpu``,
and the clear error when a GPU is asked for without ember's CuPy backend."""
import pickle

import pytest
import torch

import ember

CUDA_MSG = "CuPy GPU backend"


def _both(fn):
    out = []
    for lib in (ember, torch):
        try:
            out.append(fn(lib))
        except Exception as exc:
            out.append(type(exc).__name__)
    return out


@pytest.mark.parametrize("expr", [
    lambda L: repr(L.device("cpu")), lambda L: str(L.device("cpu")), lambda L: (L.device("cpu").type, L.device("cpu").index),
    lambda L: repr(L.device("cuda:0")), lambda L: str(L.device("cuda:0")), lambda L: repr(L.device("cuda", 1)),
    lambda L: str(L.device("cuda", 1)), lambda L: L.device("cuda:0") == L.device("cuda", 0),
    lambda L: L.device("cuda") == L.device("cuda:0"), lambda L: L.device("cpu") == "cpu", lambda L: repr(L.device("cpu:0")),
    lambda L: L.device("cpu", 0) == L.device("cpu"), lambda L: L.device("bogus"), lambda L: L.device("cuda:x"),
    lambda L: L.device("cuda:-1"), lambda L: repr(L.device(L.device("cuda:1"))), lambda L: L.device("cuda:0", 1),
    lambda L: {L.device("cpu"): 1}[L.device("cpu")], lambda L: L.device("cpu") != L.device("cuda"),
    lambda L: L.ones(2).device == L.device("cpu"), lambda L: repr(L.ones(2).device), lambda L: L.ones(2).device.type,
    lambda L: repr(L.ones(2, device="cpu").device), lambda L: repr(L.ones(2, device=L.device("cpu")).device),
    lambda L: L.ones(2).is_cuda, lambda L: L.cuda.is_available(), lambda L: L.cuda.device_count(),
    lambda L: type(L.device("cpu")).__name__,
], ids=lambda f: f.__code__.co_firstlineno)
def test_device_objects(expr):
    e, t = _both(expr)
    assert e == t


def test_device_pickles():
    for d in [ember.device("cpu"), ember.device("cuda", 2)]:
        assert pickle.loads(pickle.dumps(d)) == d


CREATORS = {
    "tensor": lambda d: ember.tensor([1.0], device=d), "as_tensor": lambda d: ember.as_tensor([1.0], device=d),
    "zeros": lambda d: ember.zeros(2, device=d), "ones": lambda d: ember.ones(2, device=d),
    "empty": lambda d: ember.empty(2, device=d), "full": lambda d: ember.full((2,), 1.0, device=d),
    "eye": lambda d: ember.eye(2, device=d), "arange": lambda d: ember.arange(3, device=d),
    "linspace": lambda d: ember.linspace(0, 1, 3, device=d), "logspace": lambda d: ember.logspace(0, 1, 3, device=d),
    "zeros_like": lambda d: ember.zeros_like(ember.ones(2), device=d),
    "ones_like": lambda d: ember.ones_like(ember.ones(2), device=d),
    "full_like": lambda d: ember.full_like(ember.ones(2), 3.0, device=d),
    "empty_like": lambda d: ember.empty_like(ember.ones(2), device=d),
    "rand": lambda d: ember.rand(2, device=d), "randn": lambda d: ember.randn(2, device=d),
    "randint": lambda d: ember.randint(3, (2,), device=d), "randperm": lambda d: ember.randperm(3, device=d),
    "normal": lambda d: ember.normal(0.0, 1.0, (2,), device=d),
    "rand_like": lambda d: ember.rand_like(ember.ones(2), device=d),
    "randn_like": lambda d: ember.randn_like(ember.ones(2), device=d),
    "randint_like": lambda d: ember.randint_like(ember.ones(2), 3, device=d),
    "new_tensor": lambda d: ember.ones(2).new_tensor([1.0], device=d),
    "new_zeros": lambda d: ember.ones(2).new_zeros(2, device=d), "new_ones": lambda d: ember.ones(2).new_ones(2, device=d),
    "new_full": lambda d: ember.ones(2).new_full((2,), 1.0, device=d),
    "new_empty": lambda d: ember.ones(2).new_empty(2, device=d), "Tensor": lambda d: ember.Tensor([1.0], device=d),
    "scalar_tensor": lambda d: ember.scalar_tensor(1.0, device=d),
}


@pytest.mark.parametrize("name", list(CREATORS))
def test_device_argument_everywhere(name):
    make = CREATORS[name]
    for d in [None, "cpu", "cpu:0", ember.device("cpu")]:
        assert make(d).device == ember.device("cpu")
    for d in ["cuda", "cuda:0", ember.device("cuda", 1), 0]:
        with pytest.raises(RuntimeError, match=CUDA_MSG):
            make(d)
    with pytest.raises(RuntimeError):
        make("bogus")


def test_to_and_cpu():
    x = ember.ones(2)
    assert x.cpu() is x and x.to("cpu") is x and x.to(ember.device("cpu")) is x and x.to(x) is x
    assert x.to("cpu", ember.float64).dtype is ember.float64
    assert x.to(device="cpu", dtype=ember.int32).dtype is ember.int32
    assert x.to("cpu", copy=True) is not x


@pytest.mark.parametrize("move", [lambda x: x.to("cuda"), lambda x: x.to("cuda:0"), lambda x: x.to(ember.device("cuda")),
                                  lambda x: x.to(device="cuda"), lambda x: x.to("cuda", ember.float64), lambda x: x.cuda(),
                                  lambda x: x.cuda(0)])
def test_cuda_needs_the_cupy_backend(move):
    with pytest.raises(RuntimeError, match=CUDA_MSG):
        move(ember.ones(2))


def test_cuda_module():
    assert ember.cuda.is_available() is False
    assert ember.cuda.device_count() == 0
    ember.cuda.manual_seed(0)
    ember.cuda.manual_seed_all(0)
