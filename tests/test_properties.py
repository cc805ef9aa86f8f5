"""Property tests (Hypothesis): broadcasting, reshaping and basic indexing on random shapes,
compared with NumPy (values) and PyTorch (values and gradients).

Kept fast: at most 50 examples per property, small shapes.
"""
import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import ember

# derandomize: the same examples on every run, so CI is reproducible (raise max_examples to explore)
FAST = settings(max_examples=50, deadline=None, derandomize=True)
shapes = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4)


def _data(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _grad(m, fn, arrays, up):
    """Output of ``fn`` on leaves of library ``m`` and the gradients for the upstream ``up``."""
    xs = [m.from_numpy(a.copy()).requires_grad_(True) for a in arrays]
    out = fn(*xs)
    grads = m.autograd.grad(out, xs, m.from_numpy(up.copy()))
    return out.detach().numpy(), [g.detach().numpy() for g in grads]


def _check(fn, arrays, expected):
    """``fn`` agrees with NumPy's ``expected`` value and with PyTorch's value and gradients."""
    up = _data(np.shape(expected), 1)
    e_out, e_grads = _grad(ember, fn, arrays, up)
    t_out, t_grads = _grad(torch, fn, arrays, up)
    assert e_out.shape == np.shape(expected) == t_out.shape
    np.testing.assert_allclose(e_out, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(e_out, t_out, rtol=1e-12, atol=1e-12)
    for eg, tg, a in zip(e_grads, t_grads, arrays):
        assert eg.shape == a.shape
        np.testing.assert_allclose(eg, tg, rtol=1e-12, atol=1e-12)


# -- broadcasting -----------------------------------------------------------------------------
@FAST
@given(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3))
def test_broadcast_add_mul(bs):
    a, b = _data(bs.input_shapes[0], 2), _data(bs.input_shapes[1], 3)
    _check(lambda x, y: x + y, [a, b], a + b)
    _check(lambda x, y: x * y, [a, b], a * b)
    _check(lambda x, y: (x - y) * x, [a, b], (a - b) * a)


@FAST
@given(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3))
def test_broadcast_expand(bs):
    a = _data(bs.input_shapes[0])
    _check(lambda x: x.expand(bs.result_shape), [a], np.broadcast_to(a, bs.result_shape))


# -- reshaping ------------------------------------------------------------------------------------
def _divisors(n):
    return [d for d in range(1, n + 1) if n % d == 0] if n else [0, 1, 2]


@st.composite
def reshapes(draw):
    """A shape and another holding the same number of entries (one entry may be -1)."""
    shape = draw(shapes)
    n = int(np.prod(shape))
    new, rest = [], n
    while len(new) < 4 and draw(st.booleans()):
        d = draw(st.sampled_from(_divisors(rest)))
        new.append(d)
        rest = rest // d if d else rest
    if n:
        new.append(rest)
    elif 0 not in new:
        new.append(0)
    new = draw(st.permutations(new))
    if new and n and draw(st.booleans()):
        new[draw(st.integers(0, len(new) - 1))] = -1
    return shape, tuple(new)


@FAST
@given(reshapes())
def test_reshape_round_trip(case):
    shape, new = case
    a = _data(shape)
    _check(lambda x: x.reshape(new), [a], a.reshape(new))
    _check(lambda x: x.reshape(new).reshape(shape), [a], a)
    _check(lambda x: x.flatten(), [a], a.reshape(-1))


@FAST
@given(shapes.flatmap(lambda s: st.tuples(st.just(s), st.permutations(range(len(s))))))
def test_permute_round_trip(case):
    shape, perm = case
    a = _data(shape)
    inverse = tuple(np.argsort(perm).tolist())
    _check(lambda x: x.permute(*perm) if perm else x.permute(()), [a], a.transpose(perm))
    _check(lambda x: x.permute(perm).permute(inverse), [a], a)
    _check(lambda x: x.permute(perm).contiguous().view(-1), [a], a.transpose(perm).reshape(-1))


@FAST
@given(hnp.array_shapes(min_dims=1, max_dims=4, max_side=4).flatmap(
    lambda s: st.tuples(st.just(s), st.integers(-len(s), len(s) - 1), st.integers(-len(s), len(s) - 1))))
def test_transpose_flatten_unsqueeze(case):
    shape, d0, d1 = case
    a = _data(shape)
    nd = len(shape)
    _check(lambda x: x.transpose(d0, d1), [a], np.swapaxes(a, d0, d1))
    _check(lambda x: x.transpose(d0, d1).transpose(d0, d1), [a], a)
    lo, hi = sorted((d0 % nd, d1 % nd))
    flat = a.reshape(shape[:lo] + (-1,) + shape[hi + 1:]) if a.size else a.reshape(
        shape[:lo] + (int(np.prod(shape[lo:hi + 1])),) + shape[hi + 1:])
    _check(lambda x: x.flatten(lo, hi), [a], flat)
    _check(lambda x: x.flatten(lo, hi).unflatten(lo, shape[lo:hi + 1]), [a], a)
    _check(lambda x: x.unsqueeze(d0).squeeze(d0 if d0 < 0 else d0), [a], a)
    _check(lambda x: x.unsqueeze(-1).movedim(-1, 0).squeeze(0), [a], a)


# -- basic indexing ---------------------------------------------------------------------------------
@st.composite
def basic_index(draw, shape):
    """A tuple of ints, positive-step slices, None and at most one Ellipsis for ``shape``: the
    entries index the leading dims (then an Ellipsis may follow) or, after an Ellipsis, the
    trailing ones."""
    items = []
    use = draw(st.integers(0, len(shape)))
    ellipsis = draw(st.sampled_from(["none", "front", "back"]))
    dims = shape[len(shape) - use:] if ellipsis == "front" else shape[:use]
    for n in dims:
        kind = draw(st.sampled_from(["int", "slice", "slice", "full"] if n else ["slice", "full"]))
        if kind == "int":
            items.append(draw(st.integers(-n, n - 1)))
        elif kind == "full":
            items.append(slice(None))
        else:
            bound = st.one_of(st.none(), st.integers(-n - 2, n + 2))
            items.append(slice(draw(bound), draw(bound), draw(st.one_of(st.none(), st.integers(1, 3)))))
    if ellipsis != "none":
        items.insert(0 if ellipsis == "front" else len(items), Ellipsis)
    for _ in range(draw(st.integers(0, 2))):
        items.insert(draw(st.integers(0, len(items))), None)
    return tuple(items) if len(items) != 1 or draw(st.booleans()) else items[0]


@FAST
@given(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4).flatmap(
    lambda s: st.tuples(st.just(s), basic_index(s))))
def test_basic_indexing(case):
    shape, idx = case
    a = _data(shape)
    _check(lambda x: x[idx], [a], a[idx])
    view = ember.from_numpy(a)[idx]
    assert view._base is not None  # basic indexing gives a view
    if view.numel():
        assert np.shares_memory(view._data, a)


@FAST
@given(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4).flatmap(
    lambda s: st.tuples(st.just(s), basic_index(s), st.floats(-3, 3))))
def test_basic_setitem(case):
    shape, idx, value = case
    a = _data(shape)
    expected = a.copy()
    expected[idx] = value

    def assign(x):
        y = x * 1.0
        y[idx] = value
        return y

    _check(assign, [a], expected)
