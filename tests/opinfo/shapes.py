"""Op database entries: joining, splitting and reordering (cat, stack, split, flip, roll, tril, repeat, ...).

Multi-output ops (split, chunk, unbind, tensor_split) return tuples; the generic tests
seed every piece with its own random gradient. Integer and bool inputs check the forward.
"""
import numpy as np

from tests.opinfo import OpInfo, Sample, rand

INTS = ("int64", "bool")


def _s(*shape_lists, noncontig=True, grad=None):
    """One sample per tuple of shapes (one array per argument), plus non-contiguous copies."""
    def gen(rng, dtype):
        for shapes in shape_lists:
            arrays = tuple(rand(rng, s, dtype) for s in shapes)
            yield Sample(arrays, grad=grad)
            if noncontig and all(len(s) >= 2 for s in shapes):
                yield Sample(arrays, noncontig=True, grad=grad)
    return gen


def _mixed(rng, dt):
    """Inputs of different dtypes: cat and stack promote them (the gradient goes back cast)."""
    other = "float64" if np.dtype(dt) == np.float32 else "float32"
    yield Sample((rand(rng, (2, 3), dt), rand(rng, (2, 3), other)))
    yield Sample((rand(rng, (2, 3), dt), rand(rng, (2, 3), "int64")))


def _legacy_empty(rng, dt):
    yield Sample((rand(rng, (0,), dt), rand(rng, (2, 3), dt)))
    yield Sample((rand(rng, (0,), dt), rand(rng, (0,), dt)))


def _repeats(rng, dt):
    for shape, counts in [((3, 2), [1, 0, 2]), ((4,), [2, 2, 1, 3]), ((2, 3), [3])]:
        yield Sample((rand(rng, shape, dt), np.array(counts, np.int64)))


OPS = [
    # cat / stack and friends
    OpInfo("cat", lambda m, x, y: m.cat([x, y]), _s(((2, 3), (4, 3)), ((5,), (2,)), ((0, 3), (2, 3))), int_dtypes=INTS),
    OpInfo("cat_dim1", lambda m, x, y: m.cat((x, y, x), dim=1), _s(((2, 3), (2, 1)), ((2, 0, 4), (2, 3, 4))),
           int_dtypes=INTS),
    OpInfo("cat_neg", lambda m, x, y: m.concat([x, y], -1), _s(((2, 3, 1), (2, 3, 4)))),
    OpInfo("concatenate", lambda m, x, y: m.concatenate([x, y], 0), _s(((1, 3), (2, 3)))),
    OpInfo("cat_single", lambda m, x: m.cat([x]), _s(((3, 4),), ((0,),))),
    OpInfo("cat_promote", lambda m, x, y: m.cat([x, y]), _mixed, gradcheck=False, gradgradcheck=False),
    OpInfo("cat_legacy_empty", lambda m, x, y: m.cat([x, y], 1) if y.dim() > 1 else m.cat([x, y]), _legacy_empty),
    OpInfo("stack", lambda m, x, y: m.stack([x, y]), _s(((),) * 2, ((3,),) * 2, ((2, 3),) * 2, ((0, 2),) * 2),
           int_dtypes=INTS),
    OpInfo("stack_dim", lambda m, x, y: m.stack((x, y, x), dim=-1), _s(((2, 3),) * 2, ((4,),) * 2)),
    OpInfo("stack_mid", lambda m, x, y: m.stack([x, y], 1), _s(((2, 3, 2),) * 2)),
    OpInfo("stack_promote", lambda m, x, y: m.stack([x, y]), _mixed, gradcheck=False, gradgradcheck=False),
    OpInfo("hstack", lambda m, x, y: m.hstack([x, y]), _s(((2, 3), (2, 1)), ((3,), (2,)), ((), (2,)))),
    OpInfo("vstack", lambda m, x, y: m.vstack([x, y]), _s(((2, 3), (1, 3)), ((3,), (3,)), ((), ()))),
    OpInfo("dstack", lambda m, x, y: m.dstack([x, y]), _s(((2, 3), (2, 3)), ((3,), (3,)), ((2, 3, 1), (2, 3, 2)))),
    OpInfo("column_stack", lambda m, x, y: m.column_stack([x, y]), _s(((3,), (3, 2)), ((), ()), ((2, 3), (2,)))),
    # split / chunk / unbind / tensor_split (views, several outputs)
    OpInfo("split", lambda m, x: x.split(2), _s(((5, 3),), ((4,),), ((0, 2),)), int_dtypes=INTS),
    OpInfo("split_dim", lambda m, x: m.split(x, 2, dim=-1), _s(((3, 5),), ((2, 4, 3),))),
    OpInfo("split_sizes", lambda m, x: x.split([1, 0, 3], 1), _s(((2, 4),), ((3, 4, 2),)), int_dtypes=INTS),
    OpInfo("split_big", lambda m, x: x.split(10), _s(((3, 2),))),
    OpInfo("split_one_piece_used", lambda m, x: x.split(2)[1] * 2, _s(((6, 2),))),
    OpInfo("chunk", lambda m, x: x.chunk(3), _s(((7, 2),), ((6,),), ((2, 3),)), int_dtypes=INTS),
    OpInfo("chunk_dim", lambda m, x: m.chunk(x, 2, dim=1), _s(((3, 5),), ((2, 1),))),
    OpInfo("chunk_empty", lambda m, x: x.chunk(3), _s(((0, 2),), noncontig=False)),
    OpInfo("unbind", lambda m, x: x.unbind(), _s(((3, 4),), ((2,),), ((1, 2, 3),)), int_dtypes=INTS),
    OpInfo("unbind_dim", lambda m, x: m.unbind(x, -1), _s(((3, 4),), ((2, 3, 2),))),
    OpInfo("unbind_some", lambda m, x: x.unbind(1)[0] + x.unbind(1)[2], _s(((2, 3),))),
    OpInfo("tensor_split", lambda m, x: m.tensor_split(x, 3), _s(((7, 2),), ((2,),), ((5,),)), int_dtypes=INTS),
    OpInfo("tensor_split_idx", lambda m, x: x.tensor_split([1, 4], dim=1), _s(((2, 6),), ((3, 2),))),
    OpInfo("tensor_split_neg", lambda m, x: m.tensor_split(x, (2, -1, 10)), _s(((5, 2),))),
    # flip / roll / rot90
    OpInfo("flip", lambda m, x: x.flip(0), _s(((5,),), ((3, 4),), ((0, 2),)), int_dtypes=INTS),
    OpInfo("flip_dims", lambda m, x: m.flip(x, (0, -1)), _s(((3, 4),), ((2, 3, 4),))),
    OpInfo("flip_none", lambda m, x: x.flip(()), _s(((),), ((3, 4),))),
    OpInfo("fliplr", lambda m, x: m.fliplr(x), _s(((3, 4),), ((2, 3, 4),))),
    OpInfo("flipud", lambda m, x: x.flipud(), _s(((5,),), ((3, 4),))),
    OpInfo("roll", lambda m, x: x.roll(1, 0), _s(((5,),), ((3, 4),), ((0, 2),)), int_dtypes=INTS),
    OpInfo("roll_dims", lambda m, x: m.roll(x, (2, -1), (1, 0)), _s(((3, 4),), ((2, 3, 4),))),
    OpInfo("roll_flat", lambda m, x: x.roll(5), _s(((3, 4),), ((),))),
    OpInfo("roll_big", lambda m, x: x.roll(-7, -1), _s(((2, 3),))),
    OpInfo("rot90", lambda m, x: x.rot90(), _s(((3, 4),), ((2, 3, 4),)), int_dtypes=INTS),
    OpInfo("rot90_k", lambda m, x: m.rot90(x, 2, (1, 2)), _s(((2, 3, 4),))),
    OpInfo("rot90_neg", lambda m, x: x.rot90(-1, (-1, 0)), _s(((3, 4),))),
    # tril / triu
    OpInfo("tril", lambda m, x: x.tril(), _s(((3, 4),), ((4, 3),), ((2, 3, 3),), ((0, 3),)), int_dtypes=INTS),
    OpInfo("tril_offset", lambda m, x: m.tril(x, -1), _s(((3, 4),), ((2, 4, 4),))),
    OpInfo("triu", lambda m, x: x.triu(), _s(((3, 4),), ((2, 3, 3),)), int_dtypes=INTS),
    OpInfo("triu_offset", lambda m, x: m.triu(x, diagonal=2), _s(((3, 5),), ((2, 4, 3),))),
    OpInfo("tril_inplace", lambda m, x: x.clone().tril_(1), _s(((3, 4),))),
    OpInfo("triu_inplace", lambda m, x: (x * 1).triu_(-1), _s(((3, 4),))),
    # repeat / tile / repeat_interleave
    OpInfo("repeat", lambda m, x: x.repeat(2, 3), _s(((3, 4),), ((2,),), ((),)), int_dtypes=INTS),
    OpInfo("repeat_more", lambda m, x: x.repeat(2, 1, 3), _s(((3, 4),), ((2,),))),
    OpInfo("repeat_zero", lambda m, x: x.repeat(0, 2), _s(((3, 4),))),
    OpInfo("tile", lambda m, x: x.tile((2,)), _s(((3, 4),), ((2,),)), int_dtypes=INTS),
    OpInfo("tile_more", lambda m, x: m.tile(x, (2, 1, 2)), _s(((3, 4),), ((),))),
    OpInfo("repeat_interleave", lambda m, x: x.repeat_interleave(2), _s(((3, 4),), ((2,),), ((),)), int_dtypes=INTS),
    OpInfo("repeat_interleave_dim", lambda m, x: m.repeat_interleave(x, 3, dim=1), _s(((3, 4),), ((2, 1, 2),))),
    OpInfo("repeat_interleave_tensor", lambda m, x, r: x.repeat_interleave(r, 0), _repeats, int_dtypes=INTS),
    OpInfo("repeat_interleave_counts", lambda m, x, r: m.repeat_interleave(r) + 0 * x.sum(), _repeats,
           differentiable=False),
    # diag_embed
    OpInfo("diag_embed", lambda m, x: m.diag_embed(x), _s(((3,),), ((2, 3),), ((2, 2, 3),)), int_dtypes=INTS),
    OpInfo("diag_embed_offset", lambda m, x: x.diag_embed(1), _s(((3,),), ((2, 3),))),
    OpInfo("diag_embed_dims", lambda m, x: m.diag_embed(x, -2, 0, 2), _s(((2, 3),), ((4, 2, 3),))),
    OpInfo("diag_embed_swapped", lambda m, x: m.diag_embed(x, 1, -1, -2), _s(((2, 3),))),
]
