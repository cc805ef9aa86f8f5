"""The evolution demo: fit y = sin(x) with a cubic, one layer of the PyTorch API at a time.

ember's own versions of the seed programs ("Learning PyTorch with Examples"), each a
function that trains and returns its final loss and the fitted polynomial:

1. NumPy with hand-written gradients
2. Tensors with hand-written gradients
3. autograd
4. a custom autograd Function (Legendre polynomial P3)

Run ``python -m ember.examples.evolution``; it prints one row per stage. The stages of
nn, optim and custom modules join when ``ember.nn`` and ``ember.optim`` land.
"""
import argparse
import math
import time

import numpy as np

import ember

STEPS = 2000


def _data(dtype=ember.float32):
    x = ember.linspace(-math.pi, math.pi, 2000, dtype=dtype)
    return x, ember.sin(x)


def stage1_numpy(steps=STEPS, seed=0):
    """NumPy only: forward and gradients by hand."""
    rng = np.random.default_rng(seed)
    x = np.linspace(-math.pi, math.pi, 2000)
    y = np.sin(x)
    a, b, c, d = rng.standard_normal(4)
    lr = 1e-6
    for _ in range(steps):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = np.square(y_pred - y).sum()
        grad_y_pred = 2.0 * (y_pred - y)
        a -= lr * grad_y_pred.sum()
        b -= lr * (grad_y_pred * x).sum()
        c -= lr * (grad_y_pred * x ** 2).sum()
        d -= lr * (grad_y_pred * x ** 3).sum()
    return float(loss), f"y = {a:.4f} + {b:.4f} x + {c:.4f} x^2 + {d:.4f} x^3"


def stage2_tensors(steps=STEPS, seed=0):
    """ember Tensors, gradients still by hand."""
    ember.manual_seed(seed)
    x, y = _data()
    a, b, c, d = (ember.randn(()) for _ in range(4))
    lr = 1e-6
    for _ in range(steps):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).pow(2).sum().item()
        grad_y_pred = 2.0 * (y_pred - y)
        a -= lr * grad_y_pred.sum()
        b -= lr * (grad_y_pred * x).sum()
        c -= lr * (grad_y_pred * x ** 2).sum()
        d -= lr * (grad_y_pred * x ** 3).sum()
    return loss, f"y = {a.item():.4f} + {b.item():.4f} x + {c.item():.4f} x^2 + {d.item():.4f} x^3"


def stage3_autograd(steps=STEPS, seed=0):
    """Gradients by autograd: ``loss.backward()``, updates under ``no_grad``."""
    ember.manual_seed(seed)
    x, y = _data()
    params = [ember.randn((), requires_grad=True) for _ in range(4)]
    a, b, c, d = params
    lr = 1e-6
    for _ in range(steps):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).pow(2).sum()
        loss.backward()
        with ember.no_grad():
            for p in params:
                p -= lr * p.grad
                p.grad = None
    return loss.item(), f"y = {a.item():.4f} + {b.item():.4f} x + {c.item():.4f} x^2 + {d.item():.4f} x^3"


class LegendrePolynomial3(ember.autograd.Function):
    """P3(x) = (5x^3 - 3x) / 2 with a hand-written gradient P3'(x) = 1.5 (5x^2 - 1)."""

    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)


def stage4_custom_function(steps=STEPS, seed=0):
    """A custom autograd Function inside the model: y = a + b P3(c + d x)."""
    x, y = _data()
    a = ember.full((), 0.0, requires_grad=True)
    b = ember.full((), -1.0, requires_grad=True)
    c = ember.full((), 0.0, requires_grad=True)
    d = ember.full((), 0.3, requires_grad=True)
    lr = 5e-6
    P3 = LegendrePolynomial3.apply
    for _ in range(steps):
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        loss.backward()
        with ember.no_grad():
            for p in (a, b, c, d):
                p -= lr * p.grad
                p.grad = None
    return loss.item(), f"y = {a.item():.4f} + {b.item():.4f} P3({c.item():.4f} + {d.item():.4f} x)"


STAGES = [
    (1, "NumPy, hand-written gradients", stage1_numpy),
    (2, "Tensors, hand-written gradients", stage2_tensors),
    (3, "autograd", stage3_autograd),
    (4, "custom autograd.Function", stage4_custom_function),
]


def run(stages=None, steps=STEPS, out=print):
    """Run the stages and print the table; returns a list of (stage, level, loss, poly, seconds)."""
    rows = []
    out(f"{'stage':>5}  {'API level':<32} {'final loss':>11}  {'seconds':>7}  fitted polynomial")
    for number, level, fn in STAGES:
        if stages and number not in stages:
            continue
        t0 = time.perf_counter()
        loss, poly = fn(steps)
        dt = time.perf_counter() - t0
        rows.append((number, level, loss, poly, dt))
        out(f"{number:>5}  {level:<32} {loss:>11.4f}  {dt:>7.3f}  {poly}")
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stages", type=int, nargs="*", help="run only these stage numbers")
    parser.add_argument("--steps", type=int, default=STEPS, help="training steps per stage")
    args = parser.parse_args(argv)
    run(args.stages, args.steps)


if __name__ == "__main__":
    main()
