"""The 0-d fast paths (NumPy scalar math instead of ufunc calls on 0-d arrays, see
``ember.ops._promote.SCALAR_OPS``) against PyTorch: values bit for bit and dtypes, for a 0-d
tensor with a Python scalar in both orders, in-place ops on 0-d tensors, and SGD steps on 0-d
parameters (the seed's polynomial models)."""
import math

import numpy as np
import pytest
import torch

import ember

DTYPES = ["float16", "float32", "float64"]
SCALARS = [2.5, -3, 0, 0.0, -0.0, True, 1e-6, 7, 2 ** 40, 1e300, math.inf, math.nan]
OPS = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
       "div": lambda a, b: a / b}


def _same(e, t, exact=True):
    assert isinstance(e, ember.Tensor) and e.shape == () and str(e.dtype) == str(t.dtype)
    if exact:
        np.testing.assert_array_equal(e.numpy(), t.numpy())  # bit for bit (NaN equals NaN here)
    else:
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=2e-7 if e.dtype != ember.float16 else 1e-3, atol=1e-7)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", sorted(OPS))
@pytest.mark.parametrize("s", SCALARS, ids=repr)
def test_zero_dim_tensor_with_python_scalar(dtype, op, s):
    if op in ("sub",) and s is True:
        pytest.skip("PyTorch refuses bool subtraction")
    fn = OPS[op]
    e, t = ember.tensor(1.75, dtype=getattr(ember, dtype)), torch.tensor(1.75, dtype=getattr(torch, dtype))
    # NOTE: PyTorch divides with a scalar through a reciprocal (one ulp apart), and
    # computes float16 in float32 before rounding; ember casts the scalar first, as NumPy does
    exact = op != "div" and dtype != "float16"
    _same(fn(e, s), fn(t, s), exact)
    _same(fn(s, e), fn(s, t), exact)


def test_zero_dim_result_owns_its_memory():
    a = ember.tensor(2.0)
    r = a * 3.0
    r.add_(1.0)  # must not write into a cached scalar
    assert (a * 3.0).item() == 6.0 and r.item() == 7.0 and a.item() == 2.0


def test_zero_dim_with_requires_grad_still_records():
    a = ember.tensor(2.0, requires_grad=True)
    y = 3.0 * a - 1.0
    assert y.grad_fn is not None
    y.backward()
    assert a.grad.item() == 3.0


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", ["add_", "sub_", "mul_", "div_"])
@pytest.mark.parametrize("other", [0.3, -2, 0.0, "t32", "t64", "i64", "t0"], ids=str)
def test_zero_dim_inplace(dtype, op, other):
    e, t = ember.tensor(1.3, dtype=getattr(ember, dtype)), torch.tensor(1.3, dtype=getattr(torch, dtype))
    if isinstance(other, str):
        kind, v = other, 0.7
        if kind == "t0":
            kind, v = "t32", 0.0
        make = {"t32": ("float32", v), "t64": ("float64", v), "i64": ("int64", 3)}[kind]
        oe, ot = ember.tensor(make[1], dtype=getattr(ember, make[0])), torch.tensor(make[1], dtype=getattr(torch, make[0]))
    else:
        oe = ot = other
    re_, rt = getattr(e, op)(oe), getattr(t, op)(ot)
    assert re_ is e
    if dtype == "float16" or (isinstance(other, str) and other in ("t64", "i64")):
        # PyTorch computes a mixed-dtype in-place op in the result dtype; NumPy in the wider one
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-3)
    else:
        _same(e, t)
    assert e._version == 1


def _poly(m, dtype):
    dt = getattr(m, dtype)
    torch_like = [0.1, -0.5, 0.3, 0.05]
    ps = [m.tensor(v, dtype=dt, requires_grad=True) for v in torch_like]
    x = m.linspace(-math.pi, math.pi, 200, dtype=dt)
    y = m.sin(x)
    return ps, x, y


SGD_CASES = [dict(lr=1e-5), dict(lr=1e-5, momentum=0.9), dict(lr=1e-5, momentum=0.8, dampening=0.3),
             dict(lr=1e-5, momentum=0.9, nesterov=True, weight_decay=0.01), dict(lr=1e-5, maximize=True),
             dict(lr=0.0, momentum=0.5), dict(lr=1e-5, momentum=0.9, dampening=1.0)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kwargs", SGD_CASES, ids=lambda k: ",".join(f"{a}={b}" for a, b in k.items()))
def test_sgd_on_zero_dim_parameters_matches_torch(dtype, kwargs):
    out = []
    for m in (ember, torch):
        ps, x, y = _poly(m, dtype)
        opt = m.optim.SGD(ps, **kwargs)
        sign = -1.0 if kwargs.get("maximize") else 1.0
        for _ in range(30):
            opt.zero_grad()
            a, b, c, d = ps
            loss = sign * ((a + b * x + c * x ** 2 + d * x ** 3 - y) ** 2).sum()
            loss.backward()
            opt.step()
        out.append([p.detach().numpy().copy() for p in ps])
    tol = 1e-5 if dtype == "float32" else 1e-12
    for e, t in zip(*out):
        np.testing.assert_allclose(e, t, rtol=tol, atol=tol)


@pytest.mark.parametrize("shape", [(1,), (1, 1)])
@pytest.mark.parametrize("op", ["add_", "sub_", "mul_", "div_"])
def test_one_element_inplace_stores_the_item(shape, op):
    # shape (1,) and (1, 1) take the item store instead of NumPy's out= (see inplace.py)
    e, t = ember.full(shape, 1.3), torch.full(shape, 1.3)
    view_e, view_t = e.view(-1), t.view(-1)
    getattr(e, op)(0.7)
    getattr(t, op)(0.7)
    getattr(e, op)(ember.full(shape, 0.2))
    getattr(t, op)(torch.full(shape, 0.2))
    np.testing.assert_array_equal(e.numpy(), t.numpy())
    np.testing.assert_array_equal(view_e.numpy(), view_t.numpy())  # written in place, seen through a view
    assert e._version == 2
    with pytest.raises(RuntimeError):
        getattr(e, op)(ember.ones(2))  # a shape that does not broadcast into (1,) is still refused
