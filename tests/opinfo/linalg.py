"""Op database entries: matrix products (mm, bmm, mv, dot, outer, add*), einsum, tensordot,
trace, diag, diagonal, kron, matrix_power. (norm is with the reductions.)"""
from tests.opinfo import OpInfo, Sample, rand

INTS = ("int64", "int32")


def shapes(*cases, nc=()):
    """Samples with one array per shape in each case; cases listed in ``nc`` are also given as
    non-contiguous (transposed) views."""
    def gen(rng, dtype):
        for i, case in enumerate(cases):
            arrays = tuple(rand(rng, s, dtype) for s in case)
            yield Sample(arrays)
            if i in nc:
                yield Sample(arrays, noncontig=True)
    return gen


def einsum_op(name, eq, *case_shapes, listed=False, **kw):
    """einsum(eq, *operands), or with ``listed`` the list form einsum(eq, [operands])."""
    if listed:
        fn = lambda m, *xs: m.einsum(eq, list(xs))  # noqa: E731
    else:
        fn = lambda m, *xs: m.einsum(eq, *xs)  # noqa: E731
    return OpInfo(f"einsum_{name}", fn, shapes(*case_shapes), **kw)


OPS = [
    OpInfo("mm", lambda m, a, b: m.mm(a, b),
           shapes(((2, 3), (3, 4)), ((1, 3), (3, 1)), ((3, 3), (3, 3)), ((0, 3), (3, 2)), ((3, 0), (0, 2)), nc=(2,)),
           int_dtypes=INTS),
    OpInfo("mm_method", lambda m, a, b: a.mm(b), shapes(((4, 2), (2, 3)))),
    OpInfo("bmm", lambda m, a, b: m.bmm(a, b),
           shapes(((2, 3, 4), (2, 4, 2)), ((0, 2, 3), (0, 3, 2)), ((2, 3, 3), (2, 3, 3)), nc=(2,)), int_dtypes=INTS),
    OpInfo("mv", lambda m, a, v: m.mv(a, v), shapes(((3, 4), (4,)), ((0, 3), (3,)), ((3, 3), (3,)), nc=(2,)),
           int_dtypes=INTS),
    OpInfo("dot", lambda m, a, b: m.dot(a, b), shapes(((5,), (5,)), ((0,), (0,)), ((1,), (1,))), int_dtypes=INTS),
    OpInfo("vdot", lambda m, a, b: a.vdot(b), shapes(((4,), (4,)))),
    OpInfo("outer", lambda m, a, b: m.outer(a, b), shapes(((3,), (4,)), ((0,), (2,)), ((1,), (5,))), int_dtypes=INTS),
    OpInfo("ger", lambda m, a, b: a.ger(b), shapes(((3,), (2,)))),
    OpInfo("outer_promote", lambda m, a, b: m.outer(a, b.long()), shapes(((3,), (4,))), grad_tol=None),
    # add* family
    OpInfo("addmm", lambda m, c, a, b: m.addmm(c, a, b), shapes(((2, 4), (2, 3), (3, 4)), ((4,), (2, 3), (3, 4)),
                                                             ((1, 1), (2, 3), (3, 4)), nc=(0,)), int_dtypes=INTS),
    OpInfo("addmm_scaled", lambda m, c, a, b: c.addmm(a, b, beta=0.5, alpha=-2),
           shapes(((2, 4), (2, 3), (3, 4)), ((), (2, 3), (3, 4)))),
    OpInfo("addmm_beta0", lambda m, c, a, b: m.addmm(c / 0 * 0, a, b, beta=0), shapes(((2, 4), (2, 3), (3, 4))),
           gradcheck=False, gradgradcheck=False),
    OpInfo("addmv", lambda m, c, a, v: m.addmv(c, a, v, alpha=3), shapes(((2,), (2, 3), (3,)), ((1,), (2, 3), (3,)))),
    OpInfo("baddbmm", lambda m, c, a, b: m.baddbmm(c, a, b, beta=2), shapes(((2, 3, 2), (2, 3, 4), (2, 4, 2)),
                                                                          ((3, 1), (2, 3, 4), (2, 4, 2)))),
    OpInfo("addbmm", lambda m, c, a, b: c.addbmm(a, b, alpha=0.5), shapes(((3, 2), (2, 3, 4), (2, 4, 2)))),
    # einsum: explicit and implicit outputs, the list call, diagonals, sums, ellipsis, broadcasting
    einsum_op("matmul", "ij,jk->ik", ((2, 3), (3, 4)), ((0, 3), (3, 2)), int_dtypes=INTS),
    einsum_op("implicit", "ij,jk", ((2, 3), (3, 4)), ((1, 1), (1, 1))),
    einsum_op("list", "ij,jk->ik", ((2, 3), (3, 4)), listed=True),
    einsum_op("spaces", "b i, b j -> b", ((2, 3), (2, 3))),
    einsum_op("transpose", "ij->ji", ((2, 3),), int_dtypes=INTS),
    einsum_op("sum_all", "ij->", ((2, 3),), ((0, 3),)),
    einsum_op("sum_dim", "ijk->ik", ((2, 3, 4),)),
    einsum_op("trace", "ii", ((3, 3),)),
    einsum_op("diag", "ii->i", ((3, 3),)),
    einsum_op("diag3", "iij->ji", ((3, 3, 2),)),
    einsum_op("outer", "i,j->ij", ((3,), (4,))),
    einsum_op("inner", "i,i->", ((5,), (5,))),
    einsum_op("batch", "bij,bjk->bik", ((2, 3, 4), (2, 4, 2))),
    einsum_op("three", "ij,jk,kl->il", ((2, 3), (3, 4), (4, 2))),
    einsum_op("upper", "Ab,bC", ((2, 3), (3, 4))),
    einsum_op("ellipsis", "...ij,...jk->...ik", ((2, 3, 4), (2, 4, 2)), ((3, 4), (4, 2))),
    einsum_op("ellipsis_bcast", "...ij,...jk", ((2, 1, 3, 4), (5, 4, 2))),
    einsum_op("ellipsis_implicit", "...,...", ((2, 1), (3,)), ((), (3,))),
    einsum_op("ellipsis_mid", "i...i", ((3, 2, 3),)),
    einsum_op("label_bcast", "ij,jk->ik", ((2, 3), (1, 5)), ((2, 1), (3, 4))),
    einsum_op("scale", "i,i", ((3,), (1,))),
    OpInfo("einsum_promote", lambda m, a, b: m.einsum("ij,ij->ij", a, b.double()), shapes(((2, 3), (2, 3))),
           gradcheck=False, gradgradcheck=False),
    # tensordot
    OpInfo("tensordot_2", lambda m, a, b: m.tensordot(a, b), shapes(((2, 3, 4), (3, 4, 2)))),
    OpInfo("tensordot_1", lambda m, a, b: m.tensordot(a, b, 1), shapes(((2, 3), (3, 4)), ((3,), (3,)))),
    OpInfo("tensordot_0", lambda m, a, b: m.tensordot(a, b, dims=0), shapes(((2, 3), (4,)))),
    OpInfo("tensordot_lists", lambda m, a, b: m.tensordot(a, b, dims=([1, 0], [0, 2])), shapes(((3, 2, 4), (2, 5, 3))),
           int_dtypes=INTS),
    OpInfo("tensordot_ints", lambda m, a, b: m.tensordot(a, b, ([0], [1])), shapes(((3, 2), (4, 3)))),
    # trace, diag, diagonal
    OpInfo("trace", lambda m, x: m.trace(x), shapes(((3, 3),), ((2, 4),), ((4, 2),), ((0, 2),), nc=(0,)),
           int_dtypes=INTS + ("uint8",)),
    *[OpInfo(f"diag_{k}", lambda m, x, _k=k: m.diag(x, _k), shapes(((3,),), ((3, 4),), ((4, 3),), ((0,),), nc=(1,)),
             int_dtypes=INTS) for k in (0, 1, -2)],
    OpInfo("diag_far", lambda m, x: x.diag(5), shapes(((3, 4),))),
    OpInfo("diagonal", lambda m, x: m.diagonal(x), shapes(((3, 4),), ((4, 3),), ((2, 3, 4),), ((0, 3),), nc=(0,)),
           int_dtypes=INTS),
    OpInfo("diagonal_offset", lambda m, x: x.diagonal(1), shapes(((3, 4),), ((4, 3),), nc=(1,))),
    OpInfo("diagonal_neg_offset", lambda m, x: x.diagonal(-2), shapes(((3, 4),), ((4, 3),), ((1, 1),))),
    OpInfo("diagonal_dims", lambda m, x: m.diagonal(x, 0, 0, 2), shapes(((3, 2, 4),), ((4, 2, 3),), nc=(0,))),
    OpInfo("diagonal_neg_dims", lambda m, x: x.diagonal(1, -1, -3), shapes(((3, 2, 4),))),
    OpInfo("diagonal_chain", lambda m, x: x.diagonal().diagonal(), shapes(((3, 3, 4),))),
    # kron, matrix_power
    OpInfo("kron", lambda m, a, b: m.kron(a, b),
           shapes(((2, 3), (2, 2)), ((3,), (2, 3)), ((), (2, 2)), ((2, 1, 2), (2, 3))), int_dtypes=INTS),
    *[OpInfo(f"matrix_power_{n}", lambda m, x, _n=n: m.matrix_power(x, _n), shapes(((3, 3),), ((2, 2, 2),), nc=(0,)),
             int_dtypes=INTS[:1]) for n in (0, 1, 2, 3, 5)],
]
