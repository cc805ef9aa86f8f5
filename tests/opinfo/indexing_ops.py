"""Op database entries: reading and writing through indices (gather, scatter, index_*, masked_*,
take, put, nonzero) and a few ``x[idx]`` / ``x[idx] = v`` forms (tests/test_indexing.py has the
full table of index expressions).

Index arrays are int64 sample arrays (so they become tensors that need no gradient) and
include repeated indices, so the accumulating gradients are exercised. Integer and bool
inputs check the forward only.
"""
import numpy as np

from tests.opinfo import OpInfo, Sample, rand

INTS = ("int64", "bool")
I64 = np.int64


def _idx(rng, high, shape):
    return rng.integers(0, high, size=shape).astype(I64)


def _gather(rng, dt):
    x = rand(rng, (3, 4), dt)
    yield Sample((x, _idx(rng, 4, (3, 5))), note="dim1 longer index")
    yield Sample((x, _idx(rng, 4, (2, 2))), note="smaller index")
    yield Sample((x, _idx(rng, 4, (3, 4))), noncontig=True)
    yield Sample((rand(rng, (2, 3, 4), dt), _idx(rng, 3, (2, 6, 4))))
    yield Sample((rand(rng, (3, 4), dt), np.zeros((0, 2), I64)), note="empty index")


def _gather0(rng, dt):
    yield Sample((rand(rng, (4, 3), dt), _idx(rng, 4, (6, 3))))
    yield Sample((rand(rng, (5,), dt), _idx(rng, 5, (7,))))
    yield Sample((rand(rng, (), dt), np.zeros((), I64)), note="0-d")


def _scatter(rng, dt):
    """Index rows without repeats along dim 1 (scatter writes must not collide for a defined result)."""
    idx = np.stack([rng.permutation(4)[:3] for _ in range(3)]).astype(I64)
    yield Sample((rand(rng, (3, 4), dt), idx, rand(rng, (3, 3), dt)))
    yield Sample((rand(rng, (3, 4), dt), idx[:2, :2].copy(), rand(rng, (2, 2), dt)), note="smaller index")
    yield Sample((rand(rng, (3, 4), dt), idx, rand(rng, (3, 3), dt)), noncontig=True)


def _scatter_add(rng, dt):
    yield Sample((rand(rng, (3, 4), dt), _idx(rng, 3, (5, 4)), rand(rng, (5, 4), dt)), note="repeats")
    yield Sample((rand(rng, (4, 3), dt), _idx(rng, 4, (6, 2)), rand(rng, (6, 2), dt)), noncontig=True)
    yield Sample((rand(rng, (5,), dt), _idx(rng, 5, (8,)), rand(rng, (8,), dt)))


def _select(rng, dt):
    yield Sample((rand(rng, (3, 4), dt), np.array([3, 0, 3, 1], I64)))
    yield Sample((rand(rng, (3, 4), dt), np.array([2], I64)), noncontig=True)
    yield Sample((rand(rng, (2, 4, 3), dt), np.array([], I64)), note="empty index")
    yield Sample((rand(rng, (3, 4), dt), np.array(1, I64)), note="0-d index")


def _add(rng, dt):
    yield Sample((rand(rng, (3, 4), dt), np.array([3, 0, 3], I64), rand(rng, (3, 3), dt)), note="repeats")
    yield Sample((rand(rng, (3, 4), dt), np.array([1, 2], I64), rand(rng, (3, 2), dt)), noncontig=True)
    yield Sample((rand(rng, (2, 5, 2), dt), np.array([4, 0], I64), rand(rng, (2, 2, 2), dt)))


def _copy(rng, dt):
    """Distinct indices (a repeated index_copy target has no defined result)."""
    yield Sample((rand(rng, (3, 4), dt), np.array([3, 0, 1], I64), rand(rng, (3, 3), dt)))
    yield Sample((rand(rng, (3, 4), dt), np.array([1, 2], I64), rand(rng, (3, 2), dt)), noncontig=True)
    yield Sample((rand(rng, (2, 5, 2), dt), np.array([4, 0], I64), rand(rng, (2, 2, 2), dt)))


def _mask(shape, mshape=None):
    def gen(rng, dt):
        yield Sample((rand(rng, shape, dt), rng.random(mshape or shape) > 0.5))
        if len(shape) >= 2:
            yield Sample((rand(rng, shape, dt), rng.random(mshape or shape) > 0.5), noncontig=True)
    return gen


def _masks(*pairs):
    def gen(rng, dt):
        for shape, mshape in pairs:
            yield from _mask(shape, mshape)(rng, dt)
    return gen


def _mask_value(rng, dt):
    yield Sample((rand(rng, (3, 4), dt), rng.random((3, 4)) > 0.5, rand(rng, (), dt)))
    yield Sample((rand(rng, (3, 4), dt), rng.random((4,)) > 0.5, rand(rng, (), dt)), note="broadcast mask")


def _masked_scatter(rng, dt):
    yield Sample((rand(rng, (3, 4), dt), rng.random((3, 4)) > 0.5, rand(rng, (14,), dt)))
    yield Sample((rand(rng, (3, 4), dt), rng.random((4,)) > 0.5, rand(rng, (3, 5), dt)), note="broadcast mask")


def _take(rng, dt):
    yield Sample((rand(rng, (3, 4), dt), rng.integers(-12, 12, (2, 5)).astype(I64)))
    yield Sample((rand(rng, (3, 4), dt), rng.integers(0, 12, (6,)).astype(I64)), noncontig=True)
    yield Sample((rand(rng, (), dt), np.zeros((3,), I64)), note="0-d input")


def _put(rng, dt):
    yield Sample((rand(rng, (3, 4), dt), rng.permutation(12)[:5].astype(I64), rand(rng, (5,), dt)))
    yield Sample((rand(rng, (3, 4), dt), np.array([[-1, 0]], I64), rand(rng, (1, 2), dt)), noncontig=True)


def _put_acc(rng, dt):
    yield Sample((rand(rng, (3, 4), dt), rng.integers(0, 12, (7,)).astype(I64), rand(rng, (7,), dt)), note="repeats")


def _nonzero(rng, dt):
    for s in [(), (5,), (3, 4), (2, 3, 4), (0, 3)]:
        yield Sample((rand(rng, s, dt) * (rng.random(s) > 0.4),))
    yield Sample((rand(rng, (3, 4), dt) * (rng.random((3, 4)) > 0.4),), noncontig=True)


def _ix(rng, dt):
    yield Sample((rand(rng, (4, 5), dt), np.array([3, 0, 3, 3], I64)), note="repeats")
    yield Sample((rand(rng, (4, 5), dt), np.array([[1, 2], [2, 2]], I64)), noncontig=True)


def _put_value(rng, dt):
    yield Sample((rand(rng, (4, 5), dt), np.array([3, 0], I64), rand(rng, (2, 5), dt)))
    yield Sample((rand(rng, (4, 5), dt), np.array([1, 2], I64), rand(rng, (5,), dt)), noncontig=True, note="bcast")


OPS = [
    OpInfo("gather", lambda m, x, i: x.gather(1, i), _gather, int_dtypes=INTS),
    OpInfo("gather_dim0", lambda m, x, i: m.gather(x, 0, i), _gather0, int_dtypes=INTS),
    OpInfo("scatter", lambda m, x, i, s: x.scatter(1, i, s), _scatter, int_dtypes=INTS),
    OpInfo("scatter_value", lambda m, x, i, s: m.scatter(x, 1, i, value=-1.5), _scatter, int_dtypes=("int64",)),
    OpInfo("scatter_scalar_src", lambda m, x, i, s: x.scatter(-1, i, 2.0), _scatter),
    OpInfo("scatter_inplace", lambda m, x, i, s: (x * 1).scatter_(1, i, s), _scatter),
    OpInfo("scatter_add", lambda m, x, i, s: x.scatter_add(0, i, s), _scatter_add, int_dtypes=("int64",)),
    OpInfo("scatter_add_inplace", lambda m, x, i, s: x.clone().scatter_add_(0, i, s), _scatter_add),
    OpInfo("scatter_reduce_add", lambda m, x, i, s: x.scatter(0, i, s, reduce="add"), _scatter_add,
           differentiable=False),
    OpInfo("scatter_reduce_mul", lambda m, x, i, s: x.scatter(1, i, s, reduce="multiply"), _scatter,
           differentiable=False),
    OpInfo("index_select", lambda m, x, i: x.index_select(1, i), _select, int_dtypes=INTS),
    OpInfo("index_select_dim0", lambda m, x, i: m.index_select(x, -2, i.clamp(0, 1)), _select),
    OpInfo("index_add", lambda m, x, i, s: x.index_add(1, i, s), _add, int_dtypes=("int64",)),
    OpInfo("index_add_alpha", lambda m, x, i, s: m.index_add(x, 1, i, s, alpha=-2), _add),
    OpInfo("index_add_inplace", lambda m, x, i, s: x.clone().index_add_(1, i, s), _add),
    OpInfo("index_copy", lambda m, x, i, s: x.index_copy(1, i, s), _copy, int_dtypes=INTS),
    OpInfo("index_copy_inplace", lambda m, x, i, s: x.clone().index_copy_(1, i, s), _copy),
    OpInfo("index_fill", lambda m, x, i: x.index_fill(1, i, -1.0), _select, int_dtypes=INTS),
    OpInfo("index_fill_tensor", lambda m, x, i, s: x.index_fill(1, i, s.flatten()[1]), _add),
    OpInfo("index_fill_inplace", lambda m, x, i: x.clone().index_fill_(1, i, 2.5), _select),
    OpInfo("masked_fill", lambda m, x, k: x.masked_fill(k, 0.5), _masks(((3, 4), None), ((), None), ((0, 2), None)),
           int_dtypes=INTS),
    OpInfo("masked_fill_bcast", lambda m, x, k: m.masked_fill(x, k, -2.0), _masks(((3, 4), (4,)), ((4,), (3, 4)))),
    OpInfo("masked_fill_tensor", lambda m, x, k, v: x.masked_fill(k, v), _mask_value),
    OpInfo("masked_fill_inplace", lambda m, x, k: x.clone().masked_fill_(k, 1.0), _masks(((3, 4), (4,)))),
    OpInfo("masked_select", lambda m, x, k: x.masked_select(k), _masks(((3, 4), None), ((), None), ((0, 2), None)),
           int_dtypes=INTS),
    OpInfo("masked_select_bcast", lambda m, x, k: m.masked_select(x, k), _masks(((3, 4), (4,)), ((4,), (3, 4)))),
    OpInfo("masked_scatter", lambda m, x, k, s: x.masked_scatter(k, s), _masked_scatter, int_dtypes=("int64",)),
    OpInfo("masked_scatter_inplace", lambda m, x, k, s: x.clone().masked_scatter_(k, s[:12].reshape(3, 4)
                                                                                  if s.dim() == 1 else s),
           lambda rng, dt: [Sample((rand(rng, (3, 4), dt), rng.random((3, 4)) > 0.5, rand(rng, (14,), dt)))]),
    OpInfo("take", lambda m, x, i: x.take(i), _take, int_dtypes=INTS),
    OpInfo("put", lambda m, x, i, s: x.put(i, s), _put, int_dtypes=("int64",)),
    OpInfo("put_accumulate", lambda m, x, i, s: x.put(i, s, accumulate=True), _put_acc),
    OpInfo("put_inplace", lambda m, x, i, s: x.clone().put_(i, s), _put),
    OpInfo("nonzero", lambda m, x: x.nonzero(), _nonzero, differentiable=False, int_dtypes=INTS),
    OpInfo("nonzero_tuple", lambda m, x: m.nonzero(x, as_tuple=True), _nonzero, differentiable=False, int_dtypes=INTS),
    OpInfo("argwhere", lambda m, x: m.argwhere(x), _nonzero, differentiable=False, int_dtypes=INTS),
    # x[idx] and x[idx] = v through the op database (tests/test_indexing.py has the full table)
    OpInfo("getitem_tensor", lambda m, x, i: x[i], _ix, int_dtypes=INTS),
    OpInfo("getitem_mixed", lambda m, x, i: x[1:, i], _ix, int_dtypes=INTS),
    OpInfo("getitem_mask", lambda m, x, k: x[k], _masks(((3, 4), None), ((3, 4), (3,))), int_dtypes=INTS),
    OpInfo("getitem_basic", lambda m, x: x[1:, None, ::2][..., -1], lambda rng, dt: [Sample((rand(rng, (4, 5), dt),)),
                                                                                     Sample((rand(rng, (4, 5), dt),),
                                                                                            noncontig=True)],
           int_dtypes=INTS),
    OpInfo("setitem", lambda m, x, i, v: _setitem(x * 1, i, v), _put_value),
    OpInfo("index_put", lambda m, x, i, v: x.index_put((i,), v), _put_value, int_dtypes=("int64",)),
    OpInfo("index_put_accumulate", lambda m, x, i, v: m.index_put(x, (i.repeat(2),), v.repeat(2, 1)
                                                                  if v.dim() == 2 else v, accumulate=True), _put_value),
]


def _setitem(x, i, v):
    x[i] = v
    return x
