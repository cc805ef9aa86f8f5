"""How fast could the seed loops be in Python on NumPy? Two floors, to read bench/seed.py against.

    python bench/floor.py

- ``numpy 02``: seed 02's loop as bare NumPy calls (no Tensor objects at all; sums as BLAS
  dots), the cost of the arithmetic and of NumPy's own call overhead.
- ``toy 03``: seed 03's loop on a bare-bones reverse-mode autograd written for this file (a
  4-slot tensor, a tuple per node, one if-chain for the rules): none of PyTorch's semantics
  that ember implements (dtype promotion, version counters, views, hooks, retain_graph,
  create_graph, error messages), so a floor for any design of this kind, not a competitor.
- ``toy 02``: bench/seed.py's own loop 02 run on that same 4-slot tensor (``ToyTorch`` stands
  in for the module), autograd off: one Python call and one wrapper object per op over
  ``numpy 02``, nothing more.

Both print their time next to PyTorch's for the same loop (bench/seed.py's loops, one thread).
"""
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
import functools
import math
import statistics
import time

import numpy as np

_new = object.__new__


# NOTE: written densely on purpose: every statement here is a cost being measured. It is a floor,
# not a library; ember/ is the real thing, written to be read.
class Toy:
    __slots__ = ("d", "g", "fn", "rg")
    def __mul__(a, b):
        if b.__class__ is float: b = S(b)
        r = _new(Toy); ad, bd = a.d, b.d
        r.d = ad * bd if ad.ndim or bd.ndim else np.asarray(ad[()] * bd[()]); r.g = None
        if a.rg or b.rg:
            r.rg = True; r.fn = (MUL, a, b, a.d, b.d)
        else: r.rg = False; r.fn = None
        return r
    __rmul__ = __mul__
    def __add__(a, b):
        r = _new(Toy); r.d = a.d + b.d; r.g = None
        if a.rg or b.rg: r.rg = True; r.fn = (ADD, a, b, a.d.shape, b.d.shape)
        else: r.rg = False; r.fn = None
        return r
    def __sub__(a, b):
        r = _new(Toy); r.d = a.d - b.d; r.g = None
        if a.rg or b.rg: r.rg = True; r.fn = (SUB, a, b, a.d.shape, b.d.shape)
        else: r.rg = False; r.fn = None
        return r
    def __pow__(a, e):
        r = _new(Toy); d = a.d
        r.d = d * d if e == 2 else d * d * d; r.g = None
        if a.rg: r.rg = True; r.fn = (POW, a, e, d)
        else: r.rg = False; r.fn = None
        return r
    def sum(a):
        d = a.d
        r = _new(Toy); r.d = np.asarray(d.dot(_ones(d)) if d.ndim == 1 else d.sum()); r.g = None
        if a.rg: r.rg = True; r.fn = (SUM, a, a.d.shape)
        else: r.rg = False; r.fn = None
        return r
    def pow(a, e):
        return a ** e
    def item(a):
        return a.d.item()
    def __isub__(a, b):
        a.d[()] = a.d[()] - b.d[()]
        return a
    def backward(self):
        # dependency count
        deps = {}
        st = [self]
        while st:
            t = st.pop()
            fn = t.fn
            if fn is None: continue
            for u in fn[1:3]:
                if u.__class__ is Toy and u.rg:
                    if u in deps: deps[u] += 1
                    else: deps[u] = 1; st.append(u)
        grads = {self: np.ones((), self.d.dtype)}
        ready = [self]
        while ready:
            t = ready.pop(); g = grads.pop(t); fn = t.fn
            if fn is None:
                t.g = g if t.g is None else t.g + g; continue
            op = fn[0]
            if op is MUL:
                a, b, ad, bd = fn[1], fn[2], fn[3], fn[4]
                outs = ((a, red(g * bd, ad.shape)), (b, red(g * ad, bd.shape) if b.__class__ is Toy else None))
            elif op is ADD:
                outs = ((fn[1], red(g, fn[3])), (fn[2], red(g, fn[4])))
            elif op is SUB:
                outs = ((fn[1], red(g, fn[3])), (fn[2], -red(g, fn[4])))
            elif op is POW:
                d = fn[3]; outs = ((fn[1], g * 2 * d if fn[2] == 2 else g * 3 * d * d),)
            else:
                outs = ((fn[1], np.broadcast_to(g, fn[2])),)
            for o in outs:
                if o is None: continue
                u, gu = o
                if u.__class__ is not Toy or not u.rg: continue
                if u in grads: grads[u] = grads[u] + gu
                else: grads[u] = gu
                n = deps[u] - 1; deps[u] = n
                if n == 0: ready.append(u)
MUL, ADD, SUB, POW, SUM = range(5)
def red(g, shape):
    if g.shape == shape: return g
    if not shape: return g.sum()
    return g.sum(0)
_ONES = {}
def _ones(d):
    o = _ONES.get(d.shape)
    if o is None: o = _ONES[d.shape] = np.ones(d.shape, d.dtype)
    return o
_CONST = {}
def S(v):
    t = _CONST.get(v)
    if t is not None: return t
    t = _CONST[v] = _S(v); return t
def _S(v):
    t = _new(Toy); t.d = np.asarray(v, np.float32); t.g = None; t.rg = False; t.fn = None; return t
def mk(d, rg=False):
    t = _new(Toy); t.d = d; t.g = None; t.rg = rg; t.fn = None; return t
def seed03(steps):
    x = mk(np.linspace(-math.pi, math.pi, 2000, dtype=np.float32)); y = mk(np.sin(x.d))
    a, b, c, d = (mk(np.asarray(np.random.randn(), np.float32), True) for _ in range(4))
    lr = np.float32(1e-6)
    for t in range(steps):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y) ** 2
        loss = loss.sum()
        loss.backward()
        for p in (a, b, c, d):
            p.d[()] = p.d - lr * p.g
            p.g = None

class ToyTorch:
    """Just enough of a ``torch`` namespace for bench/seed.py's loop 02 to run on ``Toy``."""
    float = np.float32

    @staticmethod
    def linspace(start, end, steps, dtype=None):
        return mk(np.linspace(start, end, steps, dtype=np.float32))

    @staticmethod
    def sin(t):
        return mk(np.sin(t.d))

    @staticmethod
    def randn(shape, dtype=None):
        return mk(np.asarray(np.random.randn(*shape), np.float32))


def numpy02(steps):
    x = np.linspace(-math.pi, math.pi, 2000, dtype=np.float32)
    y = np.sin(x)
    a, b, c, d = (np.array(np.random.randn(), dtype=np.float32) for _ in range(4))
    ones = np.ones(2000, np.float32)
    lr = np.float32(1e-6)
    two = np.array(2.0, np.float32)
    mul = np.multiply
    for t in range(steps):
        x2 = mul(x, x)
        x3 = mul(x2, x)
        y_pred = a + b * x + c * x2 + d * x3
        r = y_pred - y
        loss = mul(r, r).dot(ones).item()
        g = two * (y_pred - y)
        ga, gb, gc, gd = g.dot(ones), (g * x).dot(ones), (g * mul(x, x)).dot(ones), (g * mul(mul(x, x), x)).dot(ones)
        a[()] = a[()] - lr * ga  # NumPy scalar math (the dots return NumPy scalars)
        b[()] = b[()] - lr * gb
        c[()] = c[()] - lr * gc
        d[()] = d[()] - lr * gd
    return loss


def median_ms(fn, repeats=7):
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(2000)
        ts.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(ts)


if __name__ == "__main__":
    import sys

    import torch

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import seed

    torch.set_num_threads(1)
    toy02 = functools.partial(seed.seed02_tensors, ToyTorch)  # the very loop, on Toy
    rows = [("numpy 02", numpy02, seed.seed02_tensors), ("toy 02", toy02, seed.seed02_tensors), ("toy 03", seed03, seed.seed03_autograd)]
    print(f"{'loop':<10} {'floor ms':>9} {'torch ms':>9} {'ratio':>6}")
    for name, floor, loop in rows:
        f, t = median_ms(floor), median_ms(lambda n: loop(torch, n))
        print(f"{name:<10} {f:>9.1f} {t:>9.1f} {f / t:>6.2f}")
