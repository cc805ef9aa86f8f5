"""Op database entries: views and movement (view, reshape, permute, expand, squeeze, narrow, unfold, ...).

Views are checked like any op (forward and gradient against PyTorch); each input comes in
contiguous and transposed (non-contiguous) layouts, so ``reshape`` is sampled both as a
view and as a copy. Integer and bool inputs check the forward only.
"""
from tests.opinfo import OpInfo, Sample, rand

INTS = ("int64", "bool")


def one(*shapes, noncontig=((3, 4),)):
    """One sample per shape, plus transposed (non-contiguous) copies of ``noncontig`` shapes."""
    def gen(rng, dtype):
        for s in shapes:
            yield Sample((rand(rng, s, dtype),))
        for s in noncontig:
            yield Sample((rand(rng, s, dtype),), noncontig=True)
    return gen


def _op(name, fn, *shapes, noncontig=((3, 4),), **kw):
    kw.setdefault("int_dtypes", INTS)
    return OpInfo(name, fn, one(*shapes, noncontig=noncontig), **kw)


OPS = [
    # view / reshape
    _op("view", lambda m, x: x.view(-1), (), (0,), (3, 4), (2, 3, 4), noncontig=()),
    _op("view_shape", lambda m, x: x.view(2, -1, 2), (2, 3, 2), (4, 3), noncontig=()),
    _op("view_0d", lambda m, x: x.view(1, 1), (), noncontig=()),
    _op("reshape", lambda m, x: x.reshape(-1), (), (0,), (3, 4), (2, 3, 4)),
    _op("reshape_split", lambda m, x: m.reshape(x, (2, 2, 3)), (3, 4), (12,)),
    _op("reshape_empty", lambda m, x: x.reshape(2, -1, 3), (0, 6), (4, 0, 3), noncontig=()),
    OpInfo("view_as", lambda m, x, y: x.view_as(y),
           lambda rng, dt: [Sample((rand(rng, (3, 4), dt), rand(rng, (2, 6), dt)), grad=(True, False))]),
    OpInfo("reshape_as", lambda m, x, y: x.reshape_as(y), lambda rng, dt: [
        Sample((rand(rng, (3, 4), dt), rand(rng, (4, 3), dt)), noncontig=True, grad=(True, False))]),
    _op("flatten", lambda m, x: x.flatten(), (), (0,), (5,), (2, 3, 4)),
    _op("flatten_range", lambda m, x: m.flatten(x, 1, -1), (2, 3, 4), (3, 4)),
    _op("flatten_start", lambda m, x: x.flatten(start_dim=-2), (2, 3, 4)),
    _op("ravel", lambda m, x: x.ravel(), (), (2, 3, 4)),
    _op("unflatten", lambda m, x: x.unflatten(1, (2, -1)), (3, 4), (2, 6, 1)),
    # expand
    _op("expand", lambda m, x: x.expand(2, 3, 4), (), (1,), (4,), (3, 1), (1, 4)),
    _op("expand_keep", lambda m, x: x.expand(-1, 5), (3, 1), noncontig=((3, 1),)),
    _op("expand_empty", lambda m, x: x.expand(0, 4), (1, 4), (4,), noncontig=()),
    OpInfo("expand_as", lambda m, x, y: x.expand_as(y),
           lambda rng, dt: [Sample((rand(rng, (3, 1), dt), rand(rng, (2, 3, 4), dt)), grad=(True, False))]),
    _op("broadcast_to", lambda m, x: m.broadcast_to(x, (2, 3, 4)), (3, 1), (4,)),
    # permutations
    _op("permute", lambda m, x: x.permute(2, 0, 1), (2, 3, 4), (0, 3, 2), noncontig=((2, 3, 4),)),
    _op("permute_neg", lambda m, x: m.permute(x, (-1, 0)), (3, 4)),
    _op("permute_0d", lambda m, x: x.permute(()), (), noncontig=()),
    _op("transpose", lambda m, x: x.transpose(0, 1), (3, 4), (2, 3, 4), (0, 4)),
    _op("transpose_neg", lambda m, x: m.transpose(x, -1, -3), (2, 3, 4), noncontig=((2, 3, 4),)),
    _op("transpose_1d", lambda m, x: x.transpose(0, -1), (5,), (), noncontig=()),
    _op("swapaxes", lambda m, x: x.swapaxes(0, 2), (2, 3, 4), noncontig=((2, 3, 4),)),
    _op("swapdims", lambda m, x: m.swapdims(x, 1, 0), (3, 4)),
    _op("t", lambda m, x: x.t(), (3, 4), (5,), ()),
    _op("T", lambda m, x: x.T, (3, 4), (2, 3, 4)),
    _op("mT", lambda m, x: x.mT, (3, 4), (2, 3, 4)),
    _op("movedim", lambda m, x: x.movedim(0, -1), (2, 3, 4)),
    _op("movedim_multi", lambda m, x: m.movedim(x, (0, 1), (2, 0)), (2, 3, 4), noncontig=((2, 3, 4),)),
    _op("moveaxis", lambda m, x: m.moveaxis(x, -1, 0), (2, 3, 4)),
    # squeeze / unsqueeze
    _op("unsqueeze", lambda m, x: x.unsqueeze(0), (), (5,), (3, 4)),
    _op("unsqueeze_neg", lambda m, x: m.unsqueeze(x, -1), (), (3, 4)),
    _op("unsqueeze_mid", lambda m, x: x.unsqueeze(1), (3, 4), (0, 2)),
    _op("squeeze", lambda m, x: x.squeeze(), (), (1,), (3, 1, 4, 1), (1, 1)),
    _op("squeeze_dim", lambda m, x: x.squeeze(1), (3, 1, 4), (3, 4), noncontig=((3, 1),)),
    _op("squeeze_neg", lambda m, x: m.squeeze(x, -1), (3, 1), (), noncontig=()),
    _op("squeeze_dims", lambda m, x: x.squeeze((0, 2)), (1, 3, 1), (1, 3, 4), noncontig=()),
    # copies
    _op("clone", lambda m, x: x.clone(), (), (0,), (3, 4)),
    _op("contiguous", lambda m, x: x.contiguous(), (3, 4), (2, 3, 4)),
    _op("contiguous_chain", lambda m, x: x.t().contiguous().view(-1), (3, 4)),
    # narrow / select / unfold
    _op("narrow", lambda m, x: x.narrow(1, 1, 2), (3, 4), (2, 3, 4)),
    _op("narrow_neg", lambda m, x: m.narrow(x, -1, -3, 3), (3, 4), (5,)),
    _op("narrow_empty", lambda m, x: x.narrow(0, 3, 0), (3, 4), noncontig=()),
    _op("select", lambda m, x: x.select(0, 1), (3, 4), (2, 3, 4), (5,)),
    _op("select_neg", lambda m, x: m.select(x, -1, -2), (3, 4), (2, 3, 4)),
    _op("unfold", lambda m, x: x.unfold(1, 2, 1), (3, 4), (2, 5, 3)),
    _op("unfold_step", lambda m, x: x.unfold(0, 2, 3), (7,), (7, 2), noncontig=((7, 2),)),
    _op("unfold_last", lambda m, x: x.unfold(-1, 3, 2), (2, 3, 7)),
    _op("unfold_0d", lambda m, x: x.unfold(0, 1, 1), (), noncontig=()),
    _op("unfold_window0", lambda m, x: x.unfold(1, 0, 1), (3, 4), noncontig=(), gradcheck=False, gradgradcheck=False),
    # chains of views (the gradient must flow through each)
    _op("view_chain", lambda m, x: x.t().unsqueeze(0).expand(2, -1, -1).permute(1, 2, 0).narrow(0, 1, 2), (3, 4)),
]
