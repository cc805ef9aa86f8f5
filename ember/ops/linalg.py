"""Matrix products and other linear algebra: matmul (``@``), mm, bmm, mv, dot, outer, the
``add*`` family, einsum, tensordot, trace, diag, diagonal, kron, matrix_power, norm.

``matmul`` follows NumPy's and PyTorch's rules: 1-D operands are treated as a row
(left) or column (right) vector and the added dim is dropped again; dims beyond the
last two broadcast as batch dims. The gradient works on the 2-D+ forms and reduces
broadcast batch dims with ``sum_to``. mm, bmm, mv and dot are matmul after PyTorch's
stricter checks (so they share its rule); einsum has its own rule (an einsum per
operand), and tensordot is written as an einsum.
"""
import math
import string

import numpy as np

from ..autograd import grad_mode
from ..tensor import Tensor, _wrap_dim
from ._scaffold import Node, record, register, save_output, wrap
from .movement import make_view
from .reduce import _SCALAR, keep_shape, normalize_dims
from .. import dtypes as _dt

__all__ = ["matmul"]

_TYPE = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int", "int32": "int",
         "int16": "short int", "int8": "signed char", "uint8": "unsigned char", "bool": "bool"}


def _check_matmul(a, b, op):
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"both arguments to {op} need to be at least 1D, but they are {a.ndim}D and {b.ndim}D")
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_TYPE[_dt.FROM_NP[a.dtype].name]} != {_TYPE[_dt.FROM_NP[b.dtype].name]}")
    k1 = a.shape[-1]
    k2 = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if k1 != k2:
        if a.ndim <= 2 and b.ndim <= 2:
            if a.ndim == 1 and b.ndim == 1:
                raise RuntimeError(f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] "
                                   "to have the same number of elements, but got "
                                   f"{a.shape[0]} and {b.shape[0]} elements respectively")
            sa = "x".join(map(str, a.shape if a.ndim == 2 else (1,) + a.shape))
            sb = "x".join(map(str, b.shape if b.ndim == 2 else b.shape + (1,)))
            if a.ndim == 2 and b.ndim == 1:
                raise RuntimeError(f"size mismatch, got input ({a.shape[0]}), mat ({a.shape[0]}x{a.shape[1]}), "
                                   f"vec ({b.shape[0]})")
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({sa} and {sb})")
        raise RuntimeError(f"{op}: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be multiplied "
                           f"({k1} != {k2})")


class MmBackward0(Node):
    """a @ b: grad_a = grad @ b^T and grad_b = a^T @ grad, with 1-D operands made 2-D first
    and broadcast batch dims summed away."""

    __slots__ = ()

    def run(self, F, grad, diff):
        a, b = self.unpack(diff)
        n = self.needs_input_grad
        a_nd, b_nd = a.ndim, b.ndim
        if a_nd == 1 and b_nd == 1:
            return (grad * b if n[0] else None), (grad * a if n[1] else None)
        a2 = F.reshape(a, (1,) + tuple(a.shape)) if a_nd == 1 else a
        b2 = F.reshape(b, tuple(b.shape) + (1,)) if b_nd == 1 else b
        g = grad
        if a_nd == 1:
            g = F.reshape(g, tuple(g.shape[:-1]) + (1,) + tuple(g.shape[-1:]))
        if b_nd == 1:
            g = F.reshape(g, tuple(g.shape) + (1,))
        ga = gb = None
        if n[0]:
            ga = F.matmul(g, F.transpose(b2, -1, -2))
            if ga.shape != a2.shape:
                ga = F.sum_to(ga, a2.shape)
            if a_nd == 1:
                ga = F.reshape(ga, tuple(a.shape))
        if n[1]:
            gb = F.matmul(F.transpose(a2, -1, -2), g)
            if gb.shape != b2.shape:
                gb = F.sum_to(gb, b2.shape)
            if b_nd == 1:
                gb = F.reshape(gb, tuple(b.shape))
        return ga, gb


_NAMES = {(1, 1): "DotBackward0", (2, 1): "MvBackward0", (2, 2): "MmBackward0"}


def matmul(input, other, *, out=None):
    """Matrix product with broadcasting (the ``@`` operator). See the module docstring."""
    a, b = input._data, other._data
    if a.ndim < 2 or b.ndim < 2 or a.shape[-1] != b.shape[-2] or a.dtype is not b.dtype:
        _check_matmul(a, b, "matmul")
    try:
        res = wrap(np.matmul(a, b))
    except ValueError as e:  # batch dimensions that do not broadcast
        from ._scaffold import broadcast_error

        raise broadcast_error(a.shape[:-2], b.shape[:-2], e) from None
    if grad_mode.enabled and (input._requires_grad or other._requires_grad):
        node = MmBackward0()
        name = _NAMES.get((a.ndim, b.ndim))
        if name is None:
            name = "UnsafeViewBackward0" if a.ndim > 2 and b.ndim <= 2 else "BmmBackward0"
        if name != "MmBackward0":
            node.__dict__["_name"] = name
        record(node, (input, other), (res,), (input, other))
    return res if out is None else out.copy_(res)


MmBackward0.name = lambda self: self.__dict__.get("_name", "MmBackward0")


def _amatmul(a, b):
    return np.matmul(a, b)


register("matmul", _amatmul, matmul)


def _rmatmul(self, other):
    return matmul(other, self)


# -- mm, bmm, mv, dot, outer: matmul after PyTorch's checks ------------------------------------------
def mm(input, mat2, *, out=None):
    """Matrix product of two 2-D tensors: (n, m) @ (m, p) -> (n, p). No broadcasting."""
    a, b = input._data, mat2._data
    if a.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if b.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} and "
                           f"{b.shape[0]}x{b.shape[1]})")
    return matmul(input, mat2, out=out)


def bmm(input, mat2, *, out=None):
    """Batched matrix product: (b, n, m) @ (b, m, p) -> (b, n, p). No broadcasting."""
    a, b = input._data, mat2._data
    if a.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if b.shape[:2] != (a.shape[0], a.shape[2]):
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{a.shape[0]}, "
                           f"{a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}].")
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected scalar type {_SCALAR[a.dtype.name]} but found {_SCALAR[b.dtype.name]}")
    return matmul(input, mat2, out=out)


def mv(input, vec, *, out=None):
    """Matrix-vector product: (n, m) @ (m,) -> (n,)."""
    a, v = input._data, vec._data
    if a.ndim != 2 or v.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {a.ndim}, {v.ndim}")
    if a.shape[1] != v.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({a.shape[0]}), mat ({a.shape[0]}x{a.shape[1]}), "
                           f"vec ({v.shape[0]})")
    if a.dtype != v.dtype:
        vt, at = _SCALAR[v.dtype.name], _SCALAR[a.dtype.name]
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {vt}, {at}, and {vt}")
    return matmul(input, vec, out=out)


def dot(input, tensor, *, out=None):
    """Inner product of two 1-D tensors of the same length and dtype (a 0-d tensor)."""
    a, b = input._data, tensor._data
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.dtype != b.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{_SCALAR[a.dtype.name]} and {_SCALAR[b.dtype.name]}")
    if a.dtype.kind == "b":
        raise NotImplementedError("\"dot\" not implemented for 'Bool'")
    if a.shape != b.shape:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] to have "
                           f"the same number of elements, but got {a.shape[0]} and {b.shape[0]} elements respectively")
    return matmul(input, tensor, out=out)


def vdot(input, other, *, out=None):
    """dot with the first argument conjugated; ember's tensors are real, so this is dot."""
    return dot(input, other, out=out)


def outer(input, vec2):
    """Outer product of two 1-D tensors: out[i, j] = input[i] * vec2[j] (a broadcast multiply)."""
    for name, t in (("self", input), ("vec2", vec2)):
        if t._data.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t._data.ndim}-D")
    return input.reshape(-1, 1) * vec2


ger = outer


# -- the add* family: beta * input + alpha * (product) ---------------------------------------------
def _add_scaled(input, prod, beta, alpha):
    """beta * input + alpha * prod, with input broadcast to prod's shape (PyTorch's rule). With
    beta == 0 the input is ignored, NaN included, but still gets a (zero) gradient."""
    from .compare import where

    inp = input.expand(prod.shape)
    if alpha != 1:
        prod = prod * alpha
    if beta == 0:
        return prod + where(np.zeros((), bool), inp, 0)
    return prod + (inp if beta == 1 else inp * beta)


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat1 @ mat2); ``input`` broadcasts to (n, p)."""
    res = _add_scaled(input, mm(mat1, mat2), beta, alpha)
    return res if out is None else out.copy_(res)


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat @ vec)."""
    res = _add_scaled(input, mv(mat, vec), beta, alpha)
    return res if out is None else out.copy_(res)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * bmm(batch1, batch2)."""
    res = _add_scaled(input, bmm(batch1, batch2), beta, alpha)
    return res if out is None else out.copy_(res)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * sum over the batch of batch1[i] @ batch2[i]."""
    res = _add_scaled(input, bmm(batch1, batch2).sum(0), beta, alpha)
    return res if out is None else out.copy_(res)


# -- einsum and tensordot -----------------------------------------------------------------------------
_LETTERS = string.ascii_uppercase + string.ascii_lowercase  # sorted as PyTorch sorts implicit outputs
_PARSED = {}


def _einsum_error(msg):
    return RuntimeError(f"einsum(): {msg}")


def _parse(equation, shapes):
    """(terms, out, sizes): one subscript string per operand and for the output with every
    '...' spelled out as letters, and each letter's (broadcast) size. Checked as PyTorch checks."""
    for i, c in enumerate(equation):
        if not (c in _LETTERS or c in " ,.->"):
            raise _einsum_error(f"invalid subscript given at index {i} in the equation string, subscripts must be "
                                "in [a-zA-Z]")
    lhs, arrow, rhs = equation.replace(" ", "").partition("->")
    terms = lhs.split(",")
    if len(terms) > len(shapes):
        raise _einsum_error("fewer operands were provided than specified in the equation")
    if len(terms) < len(shapes):
        raise _einsum_error("more operands were provided than specified in the equation")
    n_ell = []
    for i, (t, s) in enumerate(zip(terms, shapes)):
        k = len(t.replace("...", ""))
        if "..." not in t and k != len(s):
            raise _einsum_error(f"the number of subscripts in the equation ({k}) does not match the number of "
                                f"dimensions ({len(s)}) for operand {i} and no ellipsis was given")
        if k > len(s):
            raise _einsum_error(f"the number of subscripts in the equation ({k}) is more than the number of "
                                f"dimensions ({len(s)}) for operand {i}")
        n_ell.append(len(s) - k if "..." in t else 0)
    free = [c for c in _LETTERS if c not in lhs]
    ell = "".join(free[:max(n_ell, default=0)])
    terms = [t.replace("...", ell[len(ell) - n:]) for t, n in zip(terms, n_ell)]
    if arrow:
        out = rhs.replace("...", ell)
        for c in out:
            if c not in lhs.replace("...", ell):
                raise _einsum_error(f"output subscript {c} does not appear in the equation for any input operand")
            if out.count(c) > 1:
                raise _einsum_error(f"output subscript {c} appears more than once in the output")
    else:  # implicit output: the ellipsis dims, then the letters used once, in alphabetical order
        joined = "".join(terms)
        out = ell + "".join(c for c in _LETTERS if c not in ell and joined.count(c) == 1)
    sizes = {}
    for i, (t, s) in enumerate(zip(terms, shapes)):
        for c, n in zip(t, s):
            if c in t[:t.index(c)] + t[t.index(c) + 1:] and n != s[t.index(c)]:
                raise _einsum_error(f"subscript {c} is repeated for operand {i} but the sizes don't match, "
                                    f"{n} != {s[t.index(c)]}")
            seen = sizes.get(c, 1)
            if n != seen and n != 1 and seen != 1:
                raise _einsum_error(f"subscript {c} has size {n} for operand {i} which does not broadcast with "
                                    f"previously seen size {seen}")
            sizes[c] = n if seen == 1 else seen
    return terms, out, sizes


class EinsumBackward0(Node):
    """einsum: the gradient of operand i is another einsum of the incoming gradient with the
    other operands, whose output is operand i's subscripts. Two constants complete it: a ones
    vector for a subscript summed within operand i alone (the gradient is constant along it),
    and an identity matrix tying a repeated subscript ('ii', a diagonal) to a fresh one."""

    __slots__ = ()

    def run(self, F, grad, diff):
        ops = self.unpack(diff)
        terms, out, sizes = self.terms, self.out, self.sizes
        spare = [c for c in _LETTERS if c not in "".join(terms) + out]
        grads = []
        for i, need in enumerate(self.needs_input_grad):
            if not need:
                grads.append(None)
                continue
            others = [j for j in range(len(ops)) if j != i]
            elsewhere = set(out).union(*(terms[j] for j in others))
            target, extra_terms, extra = "", [], []
            for c in terms[i]:
                if c in target:
                    f = spare[len(extra_terms)]
                    target += f
                    extra_terms.append(c + f)
                    extra.append(np.eye(sizes[c], dtype=self.dtype))
                else:
                    target += c
                    if c not in elsewhere:
                        extra_terms.append(c)
                        extra.append(np.ones(sizes[c], self.dtype))
            eq = ",".join([out] + [terms[j] for j in others] + extra_terms) + "->" + target
            g = F.einsum(eq, grad, *(ops[j] for j in others), *extra)
            shape = tuple(ops[i].shape)
            if tuple(g.shape) != shape:  # size-1 dims that broadcast in forward
                g = F.expand(F.sum_to(g, tuple(min(a, b) for a, b in zip(g.shape, shape))), shape)
            grads.append(g)
        return tuple(grads)



def einsum(equation, *operands):
    """Einstein summation: ``einsum('ij,jk->ik', a, b)`` is a @ b. Supports an explicit ('->') or
    implicit output, '...' for broadcast dims, and operands given separately or as one list.
    Operands are promoted to a common dtype."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    arrays = [t._data for t in operands]
    key = (equation, tuple(a.shape for a in arrays))
    parsed = _PARSED.get(key)
    if parsed is None:
        if len(_PARSED) > 512:
            _PARSED.clear()
        parsed = _PARSED[key] = _parse(equation, key[1])
    terms, out, sizes = parsed
    if any(a.dtype != arrays[0].dtype for a in arrays):
        dt = _dt.result_type(*operands)
        operands = [t.to(dt) for t in operands]
        arrays = [t._data for t in operands]
    eq = ",".join(terms) + "->" + out
    res = wrap(_aeinsum(eq, *arrays))
    if grad_mode.enabled and any(t._requires_grad for t in operands):
        node = EinsumBackward0()
        node.terms, node.out, node.sizes, node.dtype = terms, out, sizes, arrays[0].dtype
        record(node, operands, (res,), operands)
    return res


def _aeinsum(equation, *arrays):
    # NOTE: NumPy's path optimizer (which contracts pairs through BLAS) costs ~15 us per call and
    # pays off only for three or more operands or large ones; its plain loops are fast on small ones.
    big = len(arrays) > 2 or (len(arrays) == 2 and arrays[0].size + arrays[1].size > 4096)
    return np.einsum(equation, *arrays, optimize=big)


def _teinsum(equation, *operands):
    return einsum(equation, *(o if isinstance(o, Tensor) else Tensor._make(o) for o in operands))


register("einsum", _aeinsum, _teinsum)


def tensordot(a, b, dims=2, out=None):
    """Contract ``dims`` dims of ``a`` with dims of ``b``: an int n pairs a's last n dims with b's
    first n; a pair of lists names them. Written as an einsum (which gives the gradient)."""
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        da, db = list(range(-dims, 0)), list(range(dims))
    else:
        da, db = ([d] if isinstance(d, int) else list(d) for d in dims)
    if len(da) != len(db):
        raise RuntimeError("both dimension lists should have same length")
    na, nb = a._data.ndim, b._data.ndim
    la, lb = list(_LETTERS[:na]), list(_LETTERS[na:na + nb])
    for x, y in zip(da, db):
        sa, sb = a._data.shape[_wrap_dim(x, na)], b._data.shape[_wrap_dim(y, nb)]
        if sa != sb:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {sa} in dim {x} and second "
                               f"has size {sb} in dim {y}")
        lb[_wrap_dim(y, nb)] = la[_wrap_dim(x, na)]
    contracted = {la[_wrap_dim(x, na)] for x in da}
    res = einsum(f"{''.join(la)},{''.join(lb)}->" + "".join(c for c in la + lb if c not in contracted), a, b)
    return res if out is None else out.copy_(res)


# -- trace, diag, diagonal, kron, matrix_power --------------------------------------------------------
def _diag_index(n_rows, n_cols, offset):
    """Row and column indices of the ``offset`` diagonal of an (n_rows, n_cols) matrix."""
    k = max(0, min(n_rows + min(offset, 0), n_cols - max(offset, 0)))
    r = np.arange(k)
    return r - min(offset, 0), r + max(offset, 0)


class DiagonalBackward0(Node):
    """diagonal: the gradient is written on the same diagonal of zeros (``F.index_grad``) with
    dim1 and dim2 moved last, then the dims are put back."""

    __slots__ = ()

    def run(self, F, grad, diff):
        g = F.index_grad(grad, self.moved_shape, (Ellipsis,) + self.index)
        return (F.permute(g, self.inverse),)


def diagonal(input, offset=0, dim1=0, dim2=1):
    """A view of the ``offset`` diagonal of the matrices in dims ``dim1`` and ``dim2``, which are
    removed; the diagonal becomes the last dim."""
    d = input._data
    a1, a2 = _wrap_dim(dim1, d.ndim), _wrap_dim(dim2, d.ndim)
    if a1 == a2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    rows, cols = _diag_index(d.shape[a1], d.shape[a2], offset)
    rest = [i for i in range(d.ndim) if i not in (a1, a2)]
    # NOTE: as_strided from the diagonal's first element, so that the result is a writable view
    # as in PyTorch (np.diagonal returns a read-only one); stepping the diagonal steps both dims.
    first = d
    if len(rows):
        first = d[tuple(slice(rows[0], None) if i == a1 else slice(cols[0], None) if i == a2 else slice(None)
                        for i in range(d.ndim))]
    arr = np.lib.stride_tricks.as_strided(first, shape=tuple(d.shape[i] for i in rest) + (len(rows),),
                                          strides=tuple(d.strides[i] for i in rest) + (d.strides[a1] + d.strides[a2],))
    res = make_view(input, arr)
    if grad_mode.enabled and input._requires_grad:
        node = DiagonalBackward0()
        perm = rest + [a1, a2]
        node.moved_shape = tuple(d.shape[i] for i in perm)
        node.index = (rows, cols)
        node.inverse = tuple(np.argsort(perm).tolist())
        record(node, (input,), (res,))
    return res


def trace(input):
    """Sum of the main diagonal of a 2-D tensor (integers sum in int64)."""
    if input._data.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input._data.ndim}")
    if input._data.dtype.kind == "b":
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    return diagonal(input).sum()


def diag(input, diagonal=0):
    """1-D input: a square matrix with it on the ``diagonal``-th diagonal. 2-D input: a copy of
    that diagonal. Both are indexing ops (scatter into zeros, gather), so their gradients are
    each other."""
    from .indexing import getitem, index_grad

    d = input._data
    if d.ndim == 1:
        n = d.shape[0] + abs(diagonal)
        return index_grad(input, (n, n), _diag_index(n, n, diagonal))
    if d.ndim == 2:
        return getitem(input, _diag_index(d.shape[0], d.shape[1], diagonal))
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {d.ndim}D")


def kron(input, other):
    """Kronecker product: block (i, j, ...) of the result is input[i, j, ...] * other. Written as a
    broadcast multiply of interleaved reshapes, which gives the gradient."""
    nd = max(input.ndim, other.ndim)
    sa = (1,) * (nd - input.ndim) + tuple(input.shape)
    sb = (1,) * (nd - other.ndim) + tuple(other.shape)
    a = input.reshape(tuple(x for s in sa for x in (s, 1)))
    b = other.reshape(tuple(x for s in sb for x in (1, s)))
    return (a * b).reshape(tuple(x * y for x, y in zip(sa, sb)))


def matrix_power(input, n):
    """input @ input @ ... (n times) for square matrices (or batches), by repeated squaring;
    n = 0 gives the identity."""
    d = input._data
    if d.ndim < 2:
        raise RuntimeError("linalg.matrix_power: The input tensor A must have at least 2 dimensions.")
    if d.shape[-1] != d.shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but they are "
                           f"{d.shape[-2]} by {d.shape[-1]} matrices")
    if n < 0:
        raise NotImplementedError("matrix_power with a negative exponent needs linalg.inv, which ember does not have")
    if n == 0:
        from .compare import where

        eye = wrap(np.broadcast_to(np.eye(d.shape[-1], dtype=d.dtype), d.shape).copy())
        return where(np.ones((), bool), eye, input)  # NOTE: the identity, with a zero gradient
    result, base = None, input
    while n:
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return result.clone() if result is input else result


# -- norm ---------------------------------------------------------------------------------------------------
class LinalgVectorNormBackward0(Node):
    """||x||_p = (sum |x|^p)^(1/p): d/dx = sign(x) |x|^(p-1) / ||x||^(p-1). Special cases as in
    PyTorch: p = 2 is x / ||x||, p = 1 is sign(x), p = 0 (a count) has gradient 0, p = +-inf
    (max or min of |x|) splits the gradient among the ties; 0 where the norm is 0."""

    __slots__ = ()

    def run(self, F, grad, diff):
        x, norm = self.unpack(diff)
        p, g = self.ord, F.reshape(grad, self.keep)
        if p == 0:
            return (F.zeros_like(x),)
        if p == 1:
            return (F.sign(x) * g,)
        if math.isinf(p):
            return (F.sign(x) * (g * self.scale),)
        norm = F.reshape(norm, self.keep)
        if p == 2:
            return (x * F.where(norm == 0, 0.0, g / norm),)
        if p < 1:
            scaled = F.where(x == 0, 0.0, F.sign(x) * F.pow(F.abs(x), p - 1))
            return (scaled * g * F.pow(norm, 1 - p),)
        scale = F.where(norm == 0, 0.0, g / F.pow(norm, p - 1))
        if p < 2:
            return (F.sign(x) * F.pow(F.abs(x), p - 1) * scale,)
        return (x * F.pow(F.abs(x), p - 2) * scale,)


def _vector_norm(input, p, dim, keepdim):
    d = input._data
    if d.dtype.kind != "f":
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{_SCALAR[d.dtype.name]}")
    axes = normalize_dims(dim, d.ndim)
    p = float(p)
    a = np.abs(d)
    if math.isinf(p):
        if d.size == 0 and (axes is None or any(d.shape[i] == 0 for i in axes)):
            raise RuntimeError(f"linalg.vector_norm cannot compute the {'' if p > 0 else '-'}inf norm on an empty "
                               "tensor because the operation does not have an identity")
        r = (a.max if p > 0 else a.min)(axis=axes, keepdims=True)
    elif p == 2:
        r = np.sqrt(np.square(d).sum(axis=axes, keepdims=True))
    elif p == 1:
        r = a.sum(axis=axes, keepdims=True)
    elif p == 0:
        r = (d != 0).sum(axis=axes, keepdims=True).astype(d.dtype)
    else:
        r = (a ** p).sum(axis=axes, keepdims=True) ** (1 / p)
    res = wrap(r if keepdim else (r.reshape(()) if axes is None else r.squeeze(axes)))
    if grad_mode.enabled and input._requires_grad:
        node = LinalgVectorNormBackward0()
        node.ord, node.keep = p, keep_shape(d.shape, axes)
        if math.isinf(p):
            mask = ((a == r) | np.isnan(a)).astype(d.dtype)
            node.scale = mask / mask.sum(axis=axes, keepdims=True)
        record(node, (input,), (res,), (input, save_output(res)))
    return res


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """The p-norm over ``dim`` (all elements when None): 'fro' and 2 are sqrt(sum x^2), other
    numbers (sum |x|^p)^(1/p), inf / -inf the largest / smallest |x|, 0 the count of nonzeros.
    A number p always gives the vector norm over ``dim``, as in PyTorch."""
    if isinstance(p, str):
        if p == "fro" and (dim is None or isinstance(dim, int) or len(dim) <= 2):
            p = 2
        elif p == "nuc":
            raise NotImplementedError("norm(p='nuc'): the nuclear norm needs an SVD, which ember does not have")
        elif p == "fro":
            raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dim))}")
        else:
            raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
    elif p is None:
        p = 2
    if dtype is not None and dtype.np != input._data.dtype:
        input = input.to(dtype)
    res = _vector_norm(input, p, dim, keepdim)
    return res if out is None else out.copy_(res)


METHODS = ["matmul", "mm", "bmm", "mv", "dot", "vdot", "outer", "ger", "addmm", "addmv", "baddbmm", "addbmm", "trace",
           "diag", "diagonal", "kron", "matrix_power", "norm"]
FUNCTIONS = ["einsum", "tensordot"]
DUNDERS = {"__matmul__": matmul, "__rmatmul__": _rmatmul}
