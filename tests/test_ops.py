"""Generic op tests over the op database (tests/opinfo): every op against PyTorch, forward and
backward (random upstream gradient), and by finite differences (gradcheck, gradgradcheck)."""
import zlib

import numpy as np
import pytest
import torch

import ember
from tests.opinfo import DEFAULT_TOL, all_ops, to_tensor, tolerance

OPS = all_ops()


def _cases(dtypes_attr="dtypes"):
    for op in OPS:
        for dt in getattr(op, dtypes_attr):
            yield pytest.param(op, dt, id=f"{op.name}-{dt}")


def _samples(op, dtype):
    # NOTE: zlib.crc32, not hash(): string hashes change between runs, samples must not
    rng = np.random.default_rng(zlib.crc32(f"{op.name}-{dtype}".encode()))
    return list(op.samples(rng, np.dtype(dtype)))


def _as_tuple(x):
    return x if isinstance(x, (tuple, list)) else (x,)


def _build(m, sample, grad):
    out = []
    for i, a in enumerate(sample.arrays):
        wants = grad and np.asarray(a).dtype.kind == "f" and (sample.grad is None or sample.grad[i])
        out.append(to_tensor(m, a, wants, sample.noncontig))
    return out


def _np(t):
    if isinstance(t, torch.Tensor):
        return t.detach().numpy()
    return t.detach().numpy()


def _compare(e, t, atol, rtol, what):
    e_np, t_np = _np(e), _np(t)
    if atol == 0 and e_np.dtype.kind == "f":  # an integer input with a floating result
        atol, rtol = DEFAULT_TOL.get(e_np.dtype.name, (1e-5, 1.3e-5))
    assert e_np.shape == t_np.shape, f"{what}: shape {e_np.shape} != torch {t_np.shape}"
    assert str(e.dtype) == str(t.dtype), f"{what}: dtype {e.dtype} != torch {t.dtype}"
    if e_np.dtype.kind == "f":
        np.testing.assert_allclose(e_np, t_np, atol=atol, rtol=rtol, equal_nan=True, err_msg=what)
    else:
        np.testing.assert_array_equal(e_np, t_np, err_msg=what)


@pytest.mark.parametrize("op,dtype", list(_cases()) + [pytest.param(op, dt, id=f"{op.name}-{dt}")
                                                        for op in OPS for dt in op.int_dtypes])
def test_forward_matches_torch(op, dtype):
    for s in _samples(op, dtype):
        e_out = _as_tuple(op.fn(ember, *_build(ember, s, False)))
        t_out = _as_tuple(op.fn(torch, *_build(torch, s, False)))
        assert len(e_out) == len(t_out)
        atol, rtol = tolerance(op, dtype)
        for e, t in zip(e_out, t_out):
            if isinstance(t, torch.Tensor):
                _compare(e, t, atol, rtol, f"{op.name} {s}")
            else:
                assert e == t, f"{op.name} {s}: {e} != {t}"


@pytest.mark.parametrize("op,dtype", [c for c in _cases() if c.values[0].differentiable])
def test_backward_matches_torch(op, dtype):
    for s in _samples(op, dtype):
        e_in, t_in = _build(ember, s, True), _build(torch, s, True)
        if not any(t.requires_grad for t in t_in):
            continue
        e_out = [o for o in _as_tuple(op.fn(ember, *e_in)) if isinstance(o, ember.Tensor) and o.requires_grad]
        t_out = [o for o in _as_tuple(op.fn(torch, *t_in)) if isinstance(o, torch.Tensor) and o.requires_grad]
        assert len(e_out) == len(t_out), f"{op.name} {s}: differentiable outputs differ"
        if not t_out:
            continue
        rng = np.random.default_rng(1)
        ups = [rng.standard_normal(o.shape).astype(o.detach().numpy().dtype) for o in t_out]
        t_grads = torch.autograd.grad(t_out, [t for t in t_in if t.requires_grad],
                                      [torch.from_numpy(u) for u in ups], allow_unused=True)
        e_grads = ember.autograd.grad(e_out, [t for t in e_in if t.requires_grad],
                                      [ember.from_numpy(u) for u in ups], allow_unused=True)
        atol, rtol = tolerance(op, dtype, grad=True)
        for i, (eg, tg) in enumerate(zip(e_grads, t_grads)):
            if tg is None:
                assert eg is None or not np.any(_np(eg)), f"{op.name} {s}: grad {i} should be None/zero"
                continue
            assert eg is not None, f"{op.name} {s}: grad {i} missing"
            _compare(eg, tg, atol, rtol, f"{op.name} grad {i} {s}")


@pytest.mark.parametrize("op", [op for op in OPS if op.differentiable and op.gradcheck], ids=lambda o: o.name)
def test_gradcheck(op):
    for s in _samples(op, "float64"):
        inputs = _build(ember, s, True)
        if not any(t.requires_grad for t in inputs) or any(t.numel() > 40 for t in inputs):
            continue
        assert ember.autograd.gradcheck(lambda *xs: op.fn(ember, *xs), tuple(inputs), eps=1e-6, atol=1e-5,
                                        rtol=1e-3), f"{op.name} {s}"


@pytest.mark.parametrize("op", [op for op in OPS if op.differentiable and op.gradgradcheck], ids=lambda o: o.name)
def test_gradgradcheck(op):
    for s in _samples(op, "float64"):
        inputs = _build(ember, s, True)
        if not any(t.requires_grad for t in inputs) or any(t.numel() > 24 for t in inputs):
            continue
        assert ember.autograd.gradgradcheck(lambda *xs: op.fn(ember, *xs), tuple(inputs), eps=1e-6, atol=1e-5,
                                            rtol=1e-3), f"{op.name} {s}"
