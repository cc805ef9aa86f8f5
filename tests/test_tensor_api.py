"""The Tensor's own API against PyTorch: metadata, autograd attributes, conversions to Python
and NumPy, the Python protocols (len, iter, bool, index, format, hash, copy, pickle), Size,
the legacy constructor, and repr of tensors made by real ops."""
import copy
import pickle

import numpy as np
import pytest
import torch

import ember


def _both(fn):
    """``fn(lib)`` for ember and torch; an exception becomes its type name."""
    out = []
    for lib in (ember, torch):
        try:
            out.append(fn(lib))
        except Exception as exc:
            out.append(type(exc).__name__)
    return out


def _agree(fn):
    e, t = _both(fn)
    assert e == t


def _x(lib):
    return lib.arange(6.0).reshape(2, 3)


# -- metadata -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("expr", [
    lambda L: tuple(_x(L).shape), lambda L: tuple(_x(L).size()), lambda L: _x(L).size(1), lambda L: _x(L).size(-1),
    lambda L: _x(L).size(2), lambda L: (_x(L).dim(), _x(L).ndim, _x(L).numel(), _x(L).nelement(), _x(L).ndimension()),
    lambda L: str(_x(L).dtype), lambda L: str(_x(L).device), lambda L: _x(L).T.tolist(), lambda L: _x(L).mT.tolist(),
    lambda L: tuple(L.ones(2, 3, 4).mT.shape), lambda L: L.ones(3).mT, lambda L: _x(L).T.is_contiguous(),
    lambda L: _x(L).is_contiguous(), lambda L: _x(L).T.stride(), lambda L: _x(L).stride(), lambda L: _x(L).stride(0),
    lambda L: _x(L)[:, ::2].stride(), lambda L: _x(L)[:, ::2].is_contiguous(), lambda L: _x(L).element_size(),
    lambda L: L.ones(2, dtype=L.int16).element_size(), lambda L: L.ones(2, dtype=L.float64).element_size(),
    lambda L: _x(L).nbytes, lambda L: _x(L).itemsize, lambda L: _x(L)[1].storage_offset(), lambda L: _x(L).get_device(),
    lambda L: (_x(L).is_cuda, _x(L).is_cpu, _x(L).is_sparse, _x(L).is_quantized, _x(L).is_meta),
    lambda L: repr(_x(L).layout), lambda L: _x(L).type(), lambda L: L.ones(2, dtype=L.uint8).type(),
    lambda L: L.tensor(2.0).stride(), lambda L: L.ones(3, 1).expand(3, 4).stride(),
    lambda L: L.is_tensor(_x(L)), lambda L: L.is_tensor([1]), lambda L: L.numel(_x(L)),
    lambda L: L.is_nonzero(L.tensor([1])), lambda L: L.is_nonzero(L.tensor([1, 2])), lambda L: L.typename(_x(L)),
], ids=lambda f: f.__code__.co_firstlineno)
def test_metadata(expr):
    _agree(expr)


def test_shape_is_size():
    s = ember.ones(2, 3).shape
    assert isinstance(s, ember.Size) and isinstance(s, tuple)
    assert repr(s) == repr(torch.ones(2, 3).shape) == "torch.Size([2, 3])"


# -- autograd attributes --------------------------------------------------------------------------------
def test_autograd_attributes():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    assert x.is_leaf and x.grad is None and x.grad_fn is None and x.requires_grad
    y = x * 2
    assert not y.is_leaf and y.grad_fn.name() == "MulBackward0" and y.requires_grad
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
    with pytest.warns(UserWarning, match="not a leaf"):
        assert y.grad is None
    z = ember.ones(2)
    assert z.is_leaf and not z.requires_grad
    z.requires_grad = True
    assert z.requires_grad
    _agree(lambda L: (L.ones(2, requires_grad=True) * 2).requires_grad_(False))
    _agree(lambda L: L.ones(2, dtype=L.int64).requires_grad_())


def test_data_shares_memory_but_not_graph():
    for lib in (ember, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        d = x.data
        assert not d.requires_grad and d.is_leaf and d.grad_fn is None
        d[0] = 10.0
        assert x[0].item() == 10.0
        y = (x * 3).data
        assert y.is_leaf and not y.requires_grad
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    x.data = ember.tensor([5.0, 6.0])
    assert x.tolist() == [5.0, 6.0] and x.requires_grad


# -- conversions to Python and NumPy ------------------------------------------------------------------------
@pytest.mark.parametrize("expr", [
    lambda L: len(_x(L)), lambda L: len(L.tensor(1.0)), lambda L: [a.tolist() for a in _x(L)],
    lambda L: list(L.tensor(1.0)), lambda L: [a.item() for a in L.tensor([1, 2])], lambda L: bool(L.tensor([0.0])),
    lambda L: bool(L.tensor([2])), lambda L: bool(L.tensor([])), lambda L: bool(_x(L)), lambda L: float(_x(L)),
    lambda L: float(L.tensor([2])), lambda L: int(L.tensor([[2.7]])), lambda L: int(L.tensor(-2.7)), lambda L: int(_x(L)),
    lambda L: [1, 2, 3][L.tensor(1)], lambda L: [1, 2, 3][L.tensor(1.0)], lambda L: [1, 2, 3][L.tensor([1])],
    lambda L: [1, 2, 3][L.tensor([1, 2])], lambda L: range(10)[L.tensor(3)], lambda L: L.tensor(3).__index__(),
    lambda L: complex(L.tensor(2.0)), lambda L: f"{L.tensor(3.14159):.3f}", lambda L: f"{L.tensor(3):4d}",
    lambda L: f"{L.tensor(True)}", lambda L: f"{_x(L):.3f}", lambda L: f"{_x(L)}", lambda L: format(L.tensor(2.5)),
    lambda L: "%s" % L.tensor(2.5), lambda L: "%.2f" % L.tensor(2.5), lambda L: L.tensor([1.5, 2.5]).tolist(),
    lambda L: L.tensor(1.5).tolist(), lambda L: L.tensor([1.5]).item(), lambda L: type(L.tensor([1]).item()).__name__,
    lambda L: L.tensor([1, 2]).item(), lambda L: round(L.tensor(2.567).item(), 2),
], ids=lambda f: f.__code__.co_firstlineno)
def test_python_protocols(expr):
    _agree(expr)


def test_iter_yields_rows_that_track_grad():
    x = ember.ones(2, 3, requires_grad=True)
    rows = list(x)
    assert len(rows) == 2 and rows[0].shape == (3,) and rows[0].grad_fn is not None


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torch's __array__ lacks copy=
def test_array_protocol():
    for lib in (ember, torch):
        x = lib.arange(6.0).reshape(2, 3)
        a = np.asarray(x)
        assert a.dtype == np.float32 and a.shape == (2, 3)
        a[0, 0] = 9.0
        assert x[0, 0].item() == 9.0  # shares memory
        assert np.asarray(x, dtype=np.float64).dtype == np.float64
        assert np.array(x).tolist() == x.tolist()
        with pytest.raises(RuntimeError):
            np.asarray(lib.ones(2, requires_grad=True))


# -- identity, copy, pickle ----------------------------------------------------------------------------------
def test_hash_is_identity():
    a, b = ember.tensor([1, 2]), ember.tensor([1, 2])
    assert hash(a) == hash(a) and hash(a) != hash(b)
    d = {a: 1, b: 2}
    assert d[a] == 1 and d[b] == 2
    assert len({a, b, a}) == 2
    with pytest.raises(RuntimeError):  # `in` compares with ==, which is elementwise
        _ = ember.tensor([1, 2]) in [ember.tensor([1, 2])]


def test_deepcopy():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    x.grad = ember.tensor([0.5, 0.5])
    y = copy.deepcopy(x)
    assert y is not x and y.requires_grad and y.is_leaf and y.tolist() == x.tolist()
    assert y.grad.tolist() == [0.5, 0.5] and y.grad is not x.grad
    y.data[0] = 7.0
    assert x[0].item() == 1.0
    shared = [x, x]
    c = copy.deepcopy(shared)
    assert c[0] is c[1]
    _agree(lambda L: copy.deepcopy(L.ones(2, requires_grad=True) * 2))  # only leaves
    assert copy.deepcopy(ember.ones(2) * 2).tolist() == [2.0, 2.0]
    z = ember.ones(2)
    assert copy.copy(z).tolist() == [1.0, 1.0]


def test_pickle_round_trip():
    for t in [ember.arange(6.0).reshape(2, 3), ember.tensor(5, dtype=ember.int8), ember.tensor([True]),
              ember.arange(6.0).reshape(2, 3).t(), ember.zeros(0, 3, dtype=ember.float64)]:
        u = pickle.loads(pickle.dumps(t))
        assert u.dtype is t.dtype and u.shape == t.shape and u.tolist() == t.tolist()
    r = pickle.loads(pickle.dumps(ember.tensor([1.0], requires_grad=True)))
    assert r.requires_grad and r.is_leaf
    assert pickle.loads(pickle.dumps(ember.float16)) is ember.float16
    assert pickle.loads(pickle.dumps(ember.Size([2, 3]))) == ember.Size([2, 3])
    assert pickle.loads(pickle.dumps(ember.device("cpu"))) == ember.device("cpu")


# -- Size -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("expr", [
    lambda L: repr(L.Size([2, 3])), lambda L: str(L.Size([2, 3])), lambda L: repr(L.Size([2, 3]) + (4,)),
    lambda L: repr((4,) + L.Size([2, 3])), lambda L: repr(L.Size([2, 3])[1:]), lambda L: L.Size([2, 3])[0],
    lambda L: L.Size([2, 3]).numel(), lambda L: repr(L.Size([])), lambda L: L.Size([]).numel(),
    lambda L: L.Size([2, 3]) == (2, 3), lambda L: repr(L.Size([2, 3]) * 2), lambda L: repr(2 * L.Size([2, 3])),
    lambda L: repr(L.Size((5,))), lambda L: type(L.ones(2, 3).shape[1:]).__name__, lambda L: list(L.Size([2, 3])),
    lambda L: repr(L.Size([L.tensor(2), 3])), lambda L: hash(L.Size([2, 3])) == hash((2, 3)),
], ids=lambda f: f.__code__.co_firstlineno)
def test_size(expr):
    _agree(expr)


# -- legacy constructor -----------------------------------------------------------------------------------
@pytest.mark.parametrize("expr", [
    lambda L: L.Tensor([1, 2]).tolist(), lambda L: str(L.Tensor([1, 2]).dtype), lambda L: tuple(L.Tensor(2, 3).shape),
    lambda L: repr(L.Tensor()), lambda L: tuple(L.Tensor(L.Size([2, 3])).shape), lambda L: L.Tensor((2, 3)).tolist(),
    lambda L: L.Tensor([[1, 2], [3, 4]]).tolist(), lambda L: str(L.Tensor(np.array([1.0, 2.0])).dtype),
    lambda L: L.Tensor(2.5), lambda L: L.Tensor([True]).tolist(), lambda L: tuple(L.Tensor(0).shape),
    lambda L: isinstance(L.ones(2), L.Tensor), lambda L: L.Tensor([1, 2]).requires_grad,
], ids=lambda f: f.__code__.co_firstlineno)
def test_legacy_constructor(expr):
    _agree(expr)


# -- repr of tensors made by real ops -------------------------------------------------------------------------
def _a(L):
    return L.tensor([[1.5, -2.25], [3.0, 4.125]], requires_grad=True)


def _b(L):
    return L.tensor([1.0, 2.0], dtype=L.float64, requires_grad=True)


REPRS = [
    _a, lambda L: _a(L) * 2, lambda L: _a(L) + 1, lambda L: _a(L) - _a(L), lambda L: _a(L) / 3, lambda L: -_a(L),
    lambda L: _a(L) ** 2, lambda L: _a(L).exp(), lambda L: _a(L).sum(), lambda L: _a(L).mean(), lambda L: _a(L).sum(0),
    lambda L: _a(L).view(4), lambda L: _a(L).reshape(4), lambda L: _a(L)[0], lambda L: _a(L).t(), lambda L: _a(L).T,
    lambda L: _a(L).mT, _b, lambda L: _b(L) * 2, lambda L: _b(L).sum(), lambda L: _b(L).float(), lambda L: _a(L).double(),
    lambda L: _a(L).abs(), lambda L: _a(L).clone(), lambda L: _a(L).detach(), lambda L: _a(L).unsqueeze(0),
    lambda L: _a(L).permute(1, 0), lambda L: _a(L).transpose(0, 1), lambda L: _a(L).flatten(), lambda L: _a(L).pow(3),
    lambda L: _a(L).sqrt(), lambda L: _a(L).tanh(), lambda L: _a(L).sigmoid(), lambda L: _a(L).expand(2, 2, 2),
    lambda L: L.tensor(2.5, dtype=L.float64), lambda L: L.tensor([1, 2], dtype=L.int32), lambda L: L.tensor([True]),
    lambda L: L.arange(2000.0), lambda L: L.arange(2000), lambda L: L.linspace(-1e-5, 1e5, 7),
    lambda L: L.zeros(2, 3, dtype=L.float16), lambda L: L.zeros(0, 3, dtype=L.int64), lambda L: L.tensor(1.5, requires_grad=True),
    lambda L: L.ones(2, requires_grad=True).double(), lambda L: L.arange(24.0).reshape(2, 3, 4) * 1e-5,
]


@pytest.mark.parametrize("i", range(len(REPRS)))
def test_repr_matches_torch(i):
    e, t = _both(lambda L: repr(REPRS[i](L)))
    assert e == t
    e, t = _both(lambda L: str(REPRS[i](L)))
    assert e == t


def test_printoptions_wiring():
    from ember import _tensor_str

    assert ember.set_printoptions is _tensor_str.set_printoptions
    assert ember.get_printoptions() == torch._tensor_str.get_printoptions()
    x = lambda L: _a(L) * 1.123456  # noqa: E731
    try:
        for opts in [dict(precision=2), dict(precision=6, sci_mode=True), dict(threshold=5, edgeitems=1),
                     dict(linewidth=20), dict(profile="short"), dict(profile="full")]:
            ember.set_printoptions(**opts)
            torch.set_printoptions(**opts)
            assert ember.get_printoptions() == torch._tensor_str.get_printoptions()
            e, t = _both(lambda L: repr(x(L)) + repr(L.arange(10.0)))
            assert e == t
    finally:
        ember.set_printoptions(profile="default")
        torch.set_printoptions(profile="default")
    with ember.printoptions(precision=1):
        assert repr(ember.tensor([1.25])) == "tensor([1.2])"
    assert ember.get_printoptions()["precision"] == 4


def test_repr_under_default_float64():
    ember.set_default_dtype(ember.float64)
    torch.set_default_dtype(torch.float64)
    try:
        for f in [lambda L: L.tensor([1.5, 2]), lambda L: L.tensor([1.5, 2], dtype=L.float32),
                  lambda L: L.zeros(0), lambda L: L.zeros(0, dtype=L.float32)]:
            e, t = _both(lambda L: repr(f(L)))
            assert e == t
    finally:
        ember.set_default_dtype(ember.float32)
        torch.set_default_dtype(torch.float32)


def test_missing_top_level_api_is_an_attribute_error():
    """Feature probes such as ``hasattr(torch, "linalg")`` must answer False, not raise."""
    assert not hasattr(ember, "linalg")
    assert hasattr(ember, "nn") and hasattr(ember, "optim")
    with pytest.raises(AttributeError, match="not yet supported by ember"):
        ember.fft
