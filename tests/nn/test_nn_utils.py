"""nn.utils against PyTorch: gradient clipping (by norm of every order, by value) and the
conversion between parameters and one flat vector."""
import math

import numpy as np
import pytest
import torch

import ember
from tests.test_autograd import same, same_error


def params_with_grads(m, dtype="float32", grads=None):
    """Three parameters with fixed gradients (one without a gradient)."""
    rng = np.random.default_rng(0)
    dt = getattr(m, dtype)
    ps = [m.nn.Parameter(m.tensor(rng.standard_normal(s), dtype=dt)) for s in ((3, 4), (5,), (2, 2))]
    values = grads or [rng.standard_normal((3, 4)) * 3, rng.standard_normal(5), None]
    for p, g in zip(ps, values):
        if g is not None:
            p.grad = m.tensor(np.asarray(g), dtype=dt)
    return ps


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, math.inf, -math.inf, 0, "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 1e4])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_clip_grad_norm(norm_type, max_norm, dtype):
    def prog(m):
        ps = params_with_grads(m, dtype)
        total = m.nn.utils.clip_grad_norm_(iter(ps), max_norm, norm_type=float(norm_type))
        return total, [p.grad for p in ps]
    same(prog, atol=1e-5, rtol=1e-5)


def test_clip_grad_norm_single_tensor_and_empty():
    def prog(m):
        p = params_with_grads(m)[0]
        empty = m.nn.utils.clip_grad_norm_([], 1.0)
        return m.nn.utils.clip_grad_norm_(p, 1.0), p.grad, empty
    same(prog, atol=1e-6)


def test_get_total_norm_and_clip_with_norm():
    def prog(m):
        ps = params_with_grads(m, "float64")
        grads = [p.grad for p in ps if p.grad is not None]
        total = m.nn.utils.get_total_norm(grads, 2.0)
        m.nn.utils.clip_grads_with_norm_(ps, 1.0, total)
        return total, m.nn.utils.get_total_norm(grads), [p.grad for p in ps]
    same(prog)


def test_non_finite_norm():
    def nan_params(m):
        return params_with_grads(m, grads=[np.full((3, 4), np.nan), np.ones(5), None])

    same_error(lambda m: m.nn.utils.clip_grad_norm_(nan_params(m), 1.0, error_if_nonfinite=True),
               "The total norm of order 2.0 for gradients from `parameters` is non-finite, so it cannot be clipped. "
               "To disable this error and scale the gradients by the non-finite norm anyway, set "
               "`error_if_nonfinite=False`")

    def prog(m):
        ps = nan_params(m)
        return m.nn.utils.clip_grad_norm_(ps, 1.0), [p.grad for p in ps]
    same(prog)


def test_clip_grad_norm_deprecated_alias():
    for m in (torch, ember):
        with pytest.warns(FutureWarning, match="clip_grad_norm` is now deprecated"):
            m.nn.utils.clip_grad_norm(params_with_grads(m), 1.0)


@pytest.mark.parametrize("clip_value", [0.1, 1, 10.0])
def test_clip_grad_value(clip_value):
    def prog(m):
        ps = params_with_grads(m)
        r = m.nn.utils.clip_grad_value_(ps, clip_value)
        m.nn.utils.clip_grad_value_(ps[0], clip_value / 2)  # a single tensor
        return r, [p.grad for p in ps]
    same(prog)


def test_parameters_to_vector_is_differentiable():
    def prog(m):
        ps = params_with_grads(m, "float64")
        vec = m.nn.utils.parameters_to_vector(ps)
        (vec * m.arange(vec.numel(), dtype=m.float64)).sum().backward()
        return vec, [p.grad for p in ps]
    same(prog)


def test_vector_to_parameters_shares_memory():
    def prog(m):
        ps = params_with_grads(m)
        vec = m.arange(21.0, dtype=m.float64)
        m.nn.utils.vector_to_parameters(vec, ps)
        vec[0] = 100.0
        return [p.detach().clone() for p in ps], [p.dtype for p in ps], [type(p).__name__ for p in ps]
    same(prog)
    same_error(lambda m: m.nn.utils.vector_to_parameters([1.0], params_with_grads(m)),
               "expected torch.Tensor, but got: list", TypeError)
