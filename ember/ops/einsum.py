"""Einstein summation: einsum, and tensordot written as an einsum.

``einsum`` parses the equation once per (equation, shapes) pair, spelling '...' out as
letters, checks it as PyTorch does, and runs ``np.einsum``. Its rule is another einsum
per operand (see EinsumBackward0); tensordot needs no rule of its own.
"""
import string

import numpy as np

from ..autograd import grad_mode
from ..tensor import Tensor, _wrap_dim
from ._scaffold import Node, record, register, wrap
from .. import dtypes as _dt


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


FUNCTIONS = ["einsum", "tensordot"]
