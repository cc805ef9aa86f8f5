"""``x[idx]`` and ``x[idx] = v`` against PyTorch over a table of index expressions: values,
gradients (with a random upstream gradient, repeated indices accumulating), node names,
views sharing memory and version counters, and the exact IndexError / RuntimeError texts."""
import numpy as np
import pytest
import torch

import ember

SHAPE = (4, 5, 3)
RNG = np.random.default_rng(0)
BASE = RNG.standard_normal(SHAPE)
MASK3 = RNG.random(SHAPE) > 0.5
MASK2 = RNG.random(SHAPE[:2]) > 0.5

# name -> index builder (m is ember or torch, so index tensors come from the library under test)
GET = {
    "int": lambda m: 1,
    "neg_int": lambda m: -1,
    "ints": lambda m: (1, -2),
    "all_ints": lambda m: (3, 4, 2),
    "slice": lambda m: slice(1, 3),
    "slice_step": lambda m: slice(None, None, 2),
    "slices_neg": lambda m: (slice(-3, None), slice(None, -1)),
    "slice_past_end": lambda m: slice(2, 100),
    "slice_empty": lambda m: slice(3, 1),
    "full_slices": lambda m: (slice(None), slice(None)),
    "slice_then_full": lambda m: (slice(1, None), slice(None)),
    "int_then_full": lambda m: (1, slice(None)),
    "explicit_full_slices": lambda m: (slice(0, 100), slice(None, 5, 1)),
    "negative_start_full_slice": lambda m: (slice(None), slice(-5, None)),
    "none": lambda m: None,
    "none_mid": lambda m: (slice(None), None, 1),
    "ellipsis": lambda m: Ellipsis,
    "ellipsis_int": lambda m: (Ellipsis, 1),
    "int_ellipsis_int": lambda m: (0, Ellipsis, 2),
    "ellipsis_none": lambda m: (Ellipsis, None),
    "two_ellipses": lambda m: (Ellipsis, 1, Ellipsis),
    "everything": lambda m: (None, 1, Ellipsis, None, slice(None, None, 2)),
    "true": lambda m: True,
    "false": lambda m: False,
    "true_0d_tensor": lambda m: m.tensor(True),
    "int_0d_tensor": lambda m: m.tensor(2),
    "int_0d_tensor_tuple": lambda m: (slice(None), m.tensor(-1)),
    "slice_tensor_bounds": lambda m: slice(m.tensor(1), m.tensor(3)),
    "list": lambda m: [0, 2, 2],
    "tensor_repeats": lambda m: m.tensor([3, 0, 3, 3]),
    "tensor_2d": lambda m: m.tensor([[0, 1], [1, 1]]),
    "tensor_neg": lambda m: m.tensor([-1, -4, -1]),
    "tensor_int32": lambda m: m.tensor([1, 2], dtype=m.int32),
    "two_tensors": lambda m: (m.tensor([0, 1, 1]), m.tensor([4, 4, 0])),
    "broadcast_tensors": lambda m: (m.tensor([[0], [3]]), m.tensor([1, 2, 1])),
    "tensor_slice": lambda m: (m.tensor([1, 1]), slice(1, None)),
    "slice_tensor": lambda m: (slice(None), m.tensor([2, 0, 2])),
    "separated_tensors": lambda m: (m.tensor([0, 1]), slice(None), m.tensor([2, 2])),
    "int_slice_tensor": lambda m: (0, slice(None), m.tensor([1, 0, 1])),
    "tensor_int_tensor": lambda m: (m.tensor([0, 1]), 0, m.tensor([2, 2])),
    "slice_int_tensor": lambda m: (slice(None), 1, m.tensor([0, 0])),
    "tensor_slice_int": lambda m: (m.tensor([3, 3]), slice(None), 0),
    "none_tensor": lambda m: (None, m.tensor([0, 3])),
    "tensor_none_tensor": lambda m: (m.tensor([0, 1]), None, m.tensor([2, 2])),
    "ellipsis_tensor": lambda m: (Ellipsis, m.tensor([0, 2, 2])),
    "mask_full": lambda m: m.tensor(MASK3),
    "mask_lead": lambda m: m.tensor(MASK2),
    "mask_dim1": lambda m: (slice(None), m.tensor([True, False, True, True, False])),
    "mask_and_int": lambda m: (m.tensor([True, False, True, False]), 1),
    "mask_and_tensor": lambda m: (m.tensor([True, False, True, False]), m.tensor([4, 0])),
    "mask_list": lambda m: [True, False, True, True],
    "mask_all_false": lambda m: m.tensor(np.zeros(SHAPE, bool)),
    "empty_list": lambda m: [],
    "empty_tensor": lambda m: m.tensor([], dtype=m.int64),
}


def _leaf(m, noncontig=False):
    a = BASE.copy()
    if noncontig:  # same values, transposed memory
        t = m.from_numpy(np.ascontiguousarray(a.transpose(2, 1, 0))).permute(2, 1, 0)
    else:
        t = m.from_numpy(a)
    return t.requires_grad_(True)


def _np(t):
    return t.detach().numpy()


@pytest.mark.parametrize("noncontig", [False, True], ids=["contig", "noncontig"])
@pytest.mark.parametrize("name", list(GET))
def test_getitem_matches_torch(name, noncontig):
    xt, xe = _leaf(torch, noncontig), _leaf(ember, noncontig)
    t, e = xt[GET[name](torch)], xe[GET[name](ember)]
    assert tuple(e.shape) == tuple(t.shape)
    np.testing.assert_array_equal(_np(e), _np(t))
    assert str(e.dtype) == str(t.dtype)
    assert type(e.grad_fn).__name__ == type(t.grad_fn).__name__
    assert (e._base is not None) == (t._base is not None), "view vs copy"
    if e._base is not None and e.numel():
        assert np.shares_memory(e._data, xe._data)
    up = RNG.standard_normal(tuple(t.shape))
    gt, = torch.autograd.grad(t, xt, torch.from_numpy(up), allow_unused=True)
    ge, = ember.autograd.grad(e, xe, ember.from_numpy(up), allow_unused=True)
    np.testing.assert_allclose(_np(ge), _np(gt), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["tensor_repeats", "two_tensors", "int_slice_tensor", "mask_lead", "slice_step"])
def test_getitem_double_backward(name):
    """The gradient of x[idx] (a scatter) is itself differentiable; compare second derivatives."""
    res = []
    for m in (torch, ember):
        x = _leaf(m)
        w = m.from_numpy(RNG.standard_normal(SHAPE) if m is torch else res[0][1])
        y = x[GET[name](m)]
        g, = m.autograd.grad((y * y).sum(), x, create_graph=True)
        gg, = m.autograd.grad((g * w).sum(), x)
        res.append((_np(gg), w.numpy()))
    np.testing.assert_allclose(res[1][0], res[0][0], rtol=1e-12)


def test_repeated_indices_accumulate():
    x = ember.zeros(3, requires_grad=True)
    x[ember.tensor([0, 0, 2, 0])].sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 1.0]


# -- views ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("view", [
    lambda x: x[1], lambda x: x[1:, ::2], lambda x: x[None, ..., 0], lambda x: x.narrow(1, 1, 2),
    lambda x: x.select(2, 0), lambda x: x.split(2)[1], lambda x: x.chunk(2, 1)[0], lambda x: x.unbind(0)[3],
    lambda x: x.tensor_split(3, 2)[1], lambda x: x[...],
], ids=["int", "slices", "none_ellipsis", "narrow", "select", "split", "chunk", "unbind", "tensor_split", "alias"])
def test_views_share_memory_and_version(view):
    x = ember.from_numpy(BASE.copy())
    v = view(x)
    assert v._base is x and np.shares_memory(v._data, x._data)
    before = x._version
    v.add_(1.0)
    assert x._version == v._version == before + 1
    x.mul_(2.0)
    assert v._version == x._version
    np.testing.assert_allclose(_np(v), _np(view(x)))


def test_advanced_indexing_copies():
    x = ember.from_numpy(BASE.copy())
    y = x[ember.tensor([0, 1])]
    y.add_(1.0)
    assert not np.shares_memory(y._data, x._data)
    np.testing.assert_array_equal(_np(x), BASE)


def test_unfold_view_overlaps_read_only():
    x = ember.arange(6.0)
    w = x.unfold(0, 3, 1)
    assert np.shares_memory(w._data, x._data)
    with pytest.raises(RuntimeError, match="more than one element"):
        w.add_(1.0)


def test_iteration_is_unbind():
    x = ember.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    rows = list(x)
    (rows[0] * 2 + rows[1] * 3).sum().backward()
    assert x.grad.tolist() == [[2.0, 2.0], [3.0, 3.0]]
    assert type(rows[0].grad_fn).__name__ == "UnbindBackward0"


def _r(*shape):
    return RNG.standard_normal(shape)


# -- x[idx] = value ------------------------------------------------------------------------------------
SET = {
    "int_scalar": (lambda m: 1, lambda m: 2.5),
    "int_row": (lambda m: 0, lambda m: m.from_numpy(RNG.standard_normal((5, 3)))),
    "slice_bcast": (lambda m: (slice(1, 3), slice(None), 0), lambda m: m.from_numpy(RNG.standard_normal((5,)))),
    "slice_lead1": (lambda m: 2, lambda m: m.from_numpy(RNG.standard_normal((1, 1, 3)))),
    "step": (lambda m: (slice(None), slice(None, None, 2)), lambda m: m.from_numpy(RNG.standard_normal((3, 1)))),
    "ellipsis": (lambda m: (Ellipsis, 1), lambda m: m.from_numpy(RNG.standard_normal(()))),
    "tensor": (lambda m: m.tensor([3, 0]), lambda m: m.from_numpy(RNG.standard_normal((2, 5, 3)))),
    "tensor_bcast": (lambda m: m.tensor([3, 0]), lambda m: m.from_numpy(RNG.standard_normal((3,)))),
    "two_tensors": (lambda m: (m.tensor([0, 1]), m.tensor([4, 2])), lambda m: m.from_numpy(_r(2, 3))),
    "int_slice_tensor": (lambda m: (0, slice(None), m.tensor([2, 0])), lambda m: m.from_numpy(_r(5, 2))),
    "mask": (lambda m: m.tensor(MASK3), lambda m: 0.0),
    "mask_lead": (lambda m: m.tensor(MASK2), lambda m: m.from_numpy(RNG.standard_normal((3,)))),
    "mask_values": (lambda m: m.tensor(MASK3), lambda m: m.from_numpy(RNG.standard_normal(int(MASK3.sum())))),
    "int_value_into_float": (lambda m: 1, lambda m: m.tensor(3)),
}


@pytest.mark.parametrize("name", list(SET))
def test_setitem_matches_torch(name):
    idx_fn, val_fn = SET[name]
    state = RNG.bit_generator.state
    res = []
    for m in (torch, ember):
        RNG.bit_generator.state = state  # the same random values for both libraries
        leaf = m.from_numpy(BASE.copy()).requires_grad_(True)
        value = val_fn(m)
        if isinstance(value, m.Tensor) and value.is_floating_point():
            value.requires_grad_(True)
        x = leaf * 1.0
        x[idx_fn(m)] = value
        w = m.from_numpy(np.linspace(-1, 1, x.numel()).reshape(SHAPE))
        inputs = [leaf] + ([value] if isinstance(value, m.Tensor) and value.requires_grad else [])
        grads = m.autograd.grad((x * w).sum(), inputs)
        res.append((_np(x), [_np(g) for g in grads]))
    np.testing.assert_allclose(res[1][0], res[0][0], rtol=1e-12)
    for ge, gt in zip(res[1][1], res[0][1]):
        assert ge.shape == gt.shape
        np.testing.assert_allclose(ge, gt, rtol=1e-12, atol=1e-12)


def test_setitem_without_grad_writes_in_place():
    x = ember.zeros(3, 4)
    data = x._data
    x[1, ::2] = ember.tensor([1.0, 2.0])
    x[x > 1.5] = -1.0
    assert x._data is data and x._version == 2
    assert x.tolist()[1] == [1.0, 0.0, -1.0, 0.0]


def test_setitem_bumps_version_for_saved_tensors():
    leaf = ember.ones(3, requires_grad=True)
    x = leaf * 2
    y = x.sin()
    x[0] = 5.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


# -- errors: the same type and text as PyTorch ----------------------------------------------------------
ERRORS = {
    "int_out_of_range": lambda m: 5,
    "neg_out_of_range": lambda m: (0, -6),
    "too_many": lambda m: (0, 0, 0, 0),
    "too_many_ellipsis": lambda m: (0, Ellipsis, 0, 0, 0),
    "tensor_out_of_range": lambda m: m.tensor([0, 4]),
    "tensor_out_of_range_dim1": lambda m: (slice(None), m.tensor([0, -6])),
    "second_tensor_out_of_range": lambda m: (m.tensor([0, 1]), m.tensor([0, 9])),
    "mask_shape": lambda m: m.tensor([True, False, True]),
    "mask_shape_dim1": lambda m: (slice(None), m.tensor([True, False])),
    "mask_2d_shape": lambda m: m.tensor(np.ones((5, 3), bool)),
    "float_index": lambda m: 1.0,
    "float_tensor": lambda m: m.tensor([0.0]),
    "negative_step": lambda m: slice(None, None, -1),
    "zero_d_tensor_out_of_range": lambda m: m.tensor(4),
}


def _error(fn):
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - the type is what is compared
        return type(exc), str(exc).split("\n")[0]
    return None, None


@pytest.mark.parametrize("name", list(ERRORS))
def test_getitem_errors_match_torch(name):
    t = _error(lambda: torch.from_numpy(BASE)[ERRORS[name](torch)])
    e = _error(lambda: ember.from_numpy(BASE)[ERRORS[name](ember)])
    assert t[0] is not None
    assert e == t


@pytest.mark.parametrize("index", [0, slice(None)], ids=["int", "slice"])
def test_zero_d_errors_match_torch(index):
    assert _error(lambda: ember.tensor(1.0)[index]) == _error(lambda: torch.tensor(1.0)[index])


@pytest.mark.parametrize("value", [[5.0], np.array([1.0]), (1,), "a", None],
                         ids=["list", "ndarray", "tuple", "str", "none"])
def test_setitem_value_type_errors_match_torch(value):
    t = _error(lambda: torch.zeros(3).__setitem__(0, value))
    e = _error(lambda: ember.zeros(3).__setitem__(0, value))
    assert t[0] is TypeError and e == t


@pytest.mark.parametrize("index,shape", [
    (lambda m: 0, (4,)), (lambda m: [0, 1], (4,)), (lambda m: m.tensor(MASK3), (3,)), (lambda m: 0, (2, 5, 3)),
    (lambda m: (slice(None), 0), (2, 4, 3)),
], ids=["basic", "advanced", "mask", "too_many_dims", "basic_mid"])
def test_setitem_shape_errors_match_torch(index, shape):
    t = _error(lambda: torch.from_numpy(BASE.copy()).__setitem__(index(torch), torch.ones(shape, dtype=torch.float64)))
    e = _error(lambda: ember.from_numpy(BASE.copy()).__setitem__(index(ember), ember.ones(shape, dtype=ember.float64)))
    assert t[0] is not None
    assert e == t


# -- errors of the joining, splitting, gather/scatter and view ops --------------------------------------
def _x(m):
    return m.from_numpy(BASE[:2, :3, 0].copy())  # shape (2, 3)


def _i(m, *v):
    return m.tensor(list(v))


OP_ERRORS = {
    "cat_empty": lambda m: m.cat([]),
    "cat_sizes": lambda m: m.cat([_x(m), m.zeros(3, 3, dtype=m.float64)], 1),
    "cat_sizes_dim0": lambda m: m.cat([_x(m), m.zeros(2, 4, dtype=m.float64)]),
    "cat_ndim": lambda m: m.cat([_x(m), m.zeros(2, 3, 1, dtype=m.float64)]),
    "cat_0d": lambda m: m.cat([m.tensor(1.0), m.tensor(2.0)]),
    "cat_dim": lambda m: m.cat([_x(m), _x(m)], 2),
    "stack_empty": lambda m: m.stack([]),
    "stack_sizes": lambda m: m.stack([_x(m), m.zeros(2, 4, dtype=m.float64)]),
    "stack_dim": lambda m: m.stack([_x(m), _x(m)], 3),
    "split_zero": lambda m: _x(m).split(0),
    "split_negative": lambda m: _x(m).split(-1),
    "split_sizes": lambda m: _x(m).split([1, 3]),
    "chunk_zero": lambda m: _x(m).chunk(0),
    "unbind_dim": lambda m: _x(m).unbind(2),
    "split_0d": lambda m: m.tensor(1.0).split(1),
    "chunk_0d": lambda m: m.tensor(1.0).chunk(1),
    "unbind_0d": lambda m: m.tensor(1.0).unbind(),
    "tensor_split_0d": lambda m: m.tensor(1.0).tensor_split(2),
    "tensor_split_sections": lambda m: _x(m).tensor_split(0),
    "flip_repeat_dim": lambda m: _x(m).flip(0, 0),
    "fliplr_1d": lambda m: m.zeros(3).fliplr(),
    "flipud_0d": lambda m: m.tensor(1.0).flipud(),
    "roll_align": lambda m: _x(m).roll((1, 2), (0,)),
    "roll_no_shifts": lambda m: _x(m).roll(()),
    "rot90_dims": lambda m: _x(m).rot90(1, (0,)),
    "rot90_1d": lambda m: m.zeros(3).rot90(),
    "rot90_same": lambda m: _x(m).rot90(1, (0, 0)),
    "tril_1d": lambda m: m.zeros(3).tril(),
    "repeat_few": lambda m: _x(m).repeat(2),
    "repeat_negative": lambda m: _x(m).repeat(-1, 1),
    "repeat_interleave_neg": lambda m: _x(m).repeat_interleave(-1),
    "repeat_interleave_neg_tensor": lambda m: _x(m).repeat_interleave(_i(m, 1, -2), 0),
    "repeat_interleave_2d": lambda m: _x(m).repeat_interleave(m.tensor([[1, 2]]), 0),
    "narrow_past_end": lambda m: _x(m).narrow(1, 2, 2),
    "narrow_start": lambda m: _x(m).narrow(1, 4, 0),
    "narrow_negative_length": lambda m: _x(m).narrow(1, 0, -1),
    "select_range": lambda m: _x(m).select(1, -4),
    "select_0d": lambda m: m.tensor(1.0).select(0, 0),
    "unfold_size": lambda m: _x(m).unfold(1, 4, 1),
    "unfold_step": lambda m: _x(m).unfold(1, 2, 0),
    "view_size": lambda m: _x(m).view(5),
    "view_stride": lambda m: _x(m).t().view(6),
    "view_two_inferred": lambda m: _x(m).view(-1, -1),
    "view_negative": lambda m: _x(m).view(-2, 3),
    "reshape_ambiguous": lambda m: m.zeros(0, 6).reshape(0, -1),
    "squeeze_repeat_dim": lambda m: _x(m).squeeze((0, 0)),
    "gather_ndim": lambda m: _x(m).gather(1, _i(m, 0, 1)),
    "gather_range": lambda m: _x(m).gather(1, m.tensor([[0, 5]])),
    "gather_size": lambda m: _x(m).gather(0, m.zeros(2, 5, dtype=m.int64)),
    "gather_float_index": lambda m: _x(m).gather(1, m.zeros(1, 1)),
    "scatter_size": lambda m: _x(m).scatter(1, m.zeros(3, 1, dtype=m.int64), m.zeros(3, 1, dtype=m.float64)),
    "scatter_src_size": lambda m: _x(m).scatter(1, m.zeros(2, 2, dtype=m.int64), m.zeros(2, 1, dtype=m.float64)),
    "scatter_range": lambda m: _x(m).scatter(1, m.tensor([[0, 9]]), 1.0),
    "scatter_dtype": lambda m: _x(m).scatter(1, m.zeros(1, 1, dtype=m.int64), m.zeros(1, 1)),
    "scatter_reduce_name": lambda m: _x(m).scatter(1, m.zeros(1, 1, dtype=m.int64), 1.0, reduce="mean"),
    "scatter_add_dtype": lambda m: _x(m).scatter_add(1, m.zeros(1, 1, dtype=m.int64), m.ones(1, 1)),
    "index_select_2d": lambda m: _x(m).index_select(1, m.tensor([[0]])),
    "index_select_range": lambda m: _x(m).index_select(1, _i(m, 5)),
    "index_select_float": lambda m: _x(m).index_select(1, m.tensor([0.0])),
    "index_add_shape": lambda m: _x(m).index_add(1, _i(m, 0, 2), m.ones(3, 2, dtype=m.float64)),
    "index_add_count": lambda m: _x(m).index_add(1, _i(m, 0, 2), m.ones(2, 3, dtype=m.float64)),
    "index_add_dtype": lambda m: _x(m).index_add(1, _i(m, 0, 2), m.ones(2, 2)),
    "index_add_range": lambda m: _x(m).index_add(1, _i(m, 5, 0), m.ones(2, 2, dtype=m.float64)),
    "index_add_2d": lambda m: _x(m).index_add(1, m.tensor([[0, 2]]), m.ones(2, 2, dtype=m.float64)),
    "index_copy_count": lambda m: _x(m).index_copy(1, _i(m, 0, 2), m.ones(2, 3, dtype=m.float64)),
    "index_copy_range": lambda m: _x(m).index_copy(1, _i(m, 9), m.ones(2, 1, dtype=m.float64)),
    "index_fill_value": lambda m: _x(m).index_fill(1, _i(m, 0), m.tensor([1.0])),
    "index_fill_range": lambda m: _x(m).index_fill(1, _i(m, 7), 1.0),
    "masked_fill_float_mask": lambda m: _x(m).masked_fill(m.ones(3), 1.0),
    "masked_fill_long_mask": lambda m: _x(m).masked_fill(m.ones(3, dtype=m.int64), 1.0),
    "masked_fill_value": lambda m: _x(m).masked_fill(_x(m) > 0, m.tensor([1.0])),
    "masked_fill_inplace_bcast": lambda m: _x(m).masked_fill_(m.ones(2, 2, 3, dtype=m.bool), 1.0),
    "masked_select_mask": lambda m: _x(m).masked_select(m.ones(3)),
    "masked_select_shape": lambda m: _x(m).masked_select(m.ones(4, dtype=m.bool)),
    "masked_fill_shape": lambda m: _x(m).masked_fill(m.ones(4, dtype=m.bool), 1.0),
    "masked_scatter_shape": lambda m: _x(m).masked_scatter(m.ones(4, dtype=m.bool), m.ones(9, dtype=m.float64)),
    "masked_scatter_count": lambda m: _x(m).masked_scatter(_x(m) > -10, m.ones(3, dtype=m.float64)),
    "masked_scatter_dtype": lambda m: _x(m).masked_scatter(_x(m) > 0, m.ones(7)),
    "masked_scatter_float_mask": lambda m: _x(m).masked_scatter(m.ones(3), m.ones(9, dtype=m.float64)),
    "take_range": lambda m: _x(m).take(_i(m, 7)),
    "take_dtype": lambda m: _x(m).take(m.tensor([0.0])),
    "put_count": lambda m: _x(m).put(_i(m, 1, 2), m.ones(3, dtype=m.float64)),
    "put_dtype": lambda m: _x(m).put(_i(m, 1), m.ones(1)),
}


@pytest.mark.parametrize("name", list(OP_ERRORS))
def test_op_errors_match_torch(name):
    t = _error(lambda: OP_ERRORS[name](torch))
    e = _error(lambda: OP_ERRORS[name](ember))
    assert t[0] is not None
    assert e == t
