"""The evolution demo: fit y = sin(x) with a cubic, one layer of the PyTorch API at a time.

ember's own versions of the seed programs ("Learning PyTorch with Examples"), each a
function that trains and returns its final loss and the fitted polynomial:

1. NumPy with hand-written gradients
2. Tensors with hand-written gradients
3. autograd
4. a custom autograd Function (Legendre polynomial P3)
5. ``nn.Sequential`` + ``nn.Linear`` + ``nn.MSELoss``, updates by hand
6. ``optim.RMSprop``
7. a custom ``nn.Module`` of four Parameters, ``optim.SGD``
8. a dynamic net (random depth, one weight reused), SGD with momentum

Run ``python -m ember.examples.evolution``; it prints one row per stage. Each stage function
takes an optional ``callback(step, loss)``, called after every training step (the loss as the
stage has it: a float or a 0-d Tensor); it changes nothing else.

Options: ``--plot FILE.png`` draws sin(x), each stage's fitted curve and the loss curves (needs
the ``plot`` extra, matplotlib); a progress bar shows while a stage trains when the ``progress``
extra (tqdm) is installed and standard output is a terminal.
"""
import argparse
import math
import random
import sys
import time

import numpy as np

import ember
from ember.examples import _progress

STEPS = 2000


def _data(dtype=ember.float32):
    x = ember.linspace(-math.pi, math.pi, 2000, dtype=dtype)
    return x, ember.sin(x)


def stage1_numpy(steps=STEPS, seed=0, callback=None):
    """NumPy only: forward and gradients by hand."""
    rng = np.random.default_rng(seed)
    x = np.linspace(-math.pi, math.pi, 2000)
    y = np.sin(x)
    a, b, c, d = rng.standard_normal(4)
    lr = 1e-6
    for t in range(steps):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = np.square(y_pred - y).sum()
        grad_y_pred = 2.0 * (y_pred - y)
        a -= lr * grad_y_pred.sum()
        b -= lr * (grad_y_pred * x).sum()
        c -= lr * (grad_y_pred * x ** 2).sum()
        d -= lr * (grad_y_pred * x ** 3).sum()
        if callback is not None:
            callback(t, loss)
    return float(loss), f"y = {a:.4f} + {b:.4f} x + {c:.4f} x^2 + {d:.4f} x^3"


def stage2_tensors(steps=STEPS, seed=0, callback=None):
    """ember Tensors, gradients still by hand."""
    ember.manual_seed(seed)
    x, y = _data()
    a, b, c, d = (ember.randn(()) for _ in range(4))
    lr = 1e-6
    for t in range(steps):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).pow(2).sum().item()
        grad_y_pred = 2.0 * (y_pred - y)
        a -= lr * grad_y_pred.sum()
        b -= lr * (grad_y_pred * x).sum()
        c -= lr * (grad_y_pred * x ** 2).sum()
        d -= lr * (grad_y_pred * x ** 3).sum()
        if callback is not None:
            callback(t, loss)
    return loss, f"y = {a.item():.4f} + {b.item():.4f} x + {c.item():.4f} x^2 + {d.item():.4f} x^3"


def stage3_autograd(steps=STEPS, seed=0, callback=None):
    """Gradients by autograd: ``loss.backward()``, updates under ``no_grad``."""
    ember.manual_seed(seed)
    x, y = _data()
    params = [ember.randn((), requires_grad=True) for _ in range(4)]
    a, b, c, d = params
    lr = 1e-6
    for t in range(steps):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).pow(2).sum()
        loss.backward()
        with ember.no_grad():
            for p in params:
                p -= lr * p.grad
                p.grad = None
        if callback is not None:
            callback(t, loss)
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


def stage4_custom_function(steps=STEPS, seed=0, callback=None):
    """A custom autograd Function inside the model: y = a + b P3(c + d x)."""
    x, y = _data()
    a = ember.full((), 0.0, requires_grad=True)
    b = ember.full((), -1.0, requires_grad=True)
    c = ember.full((), 0.0, requires_grad=True)
    d = ember.full((), 0.3, requires_grad=True)
    lr = 5e-6
    P3 = LegendrePolynomial3.apply
    for t in range(steps):
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        loss.backward()
        with ember.no_grad():
            for p in (a, b, c, d):
                p -= lr * p.grad
                p.grad = None
        if callback is not None:
            callback(t, loss)
    return loss.item(), f"y = {a.item():.4f} + {b.item():.4f} P3({c.item():.4f} + {d.item():.4f} x)"


def _features(x):
    """x, x^2, x^3 as the columns of a (2000, 3) tensor (the seed's ``x.unsqueeze(-1).pow(p)``)."""
    return x.unsqueeze(-1).pow(ember.tensor([1, 2, 3]))


def _linear_poly(model):
    lin = model[0]
    w = lin.weight[0].tolist()
    return f"y = {lin.bias.item():.4f} + {w[0]:.4f} x + {w[1]:.4f} x^2 + {w[2]:.4f} x^3"


def stage5_nn(steps=STEPS, seed=0, callback=None):
    """``nn.Sequential(Linear, Flatten)`` and ``MSELoss(reduction='sum')``; updates by hand."""
    from ember import nn

    ember.manual_seed(seed)
    x, y = _data()
    xx = _features(x)
    model = nn.Sequential(nn.Linear(3, 1), nn.Flatten(0, 1))
    loss_fn = nn.MSELoss(reduction="sum")
    lr = 1e-6
    for t in range(steps):
        loss = loss_fn(model(xx), y)
        model.zero_grad()
        loss.backward()
        with ember.no_grad():
            for param in model.parameters():
                param -= lr * param.grad
        if callback is not None:
            callback(t, loss)
    return loss.item(), _linear_poly(model)


def stage6_optim(steps=STEPS, seed=0, callback=None):
    """The same model trained by ``optim.RMSprop``."""
    from ember import nn, optim

    ember.manual_seed(seed)
    x, y = _data()
    xx = _features(x)
    model = nn.Sequential(nn.Linear(3, 1), nn.Flatten(0, 1))
    loss_fn = nn.MSELoss(reduction="sum")
    optimizer = optim.RMSprop(model.parameters(), lr=1e-3)
    for t in range(steps):
        loss = loss_fn(model(xx), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if callback is not None:
            callback(t, loss)
    return loss.item(), _linear_poly(model)


def _polynomial3():
    from ember import nn

    class Polynomial3(nn.Module):
        """y = a + b x + c x^2 + d x^3 with the four coefficients as Parameters."""

        def __init__(self):
            super().__init__()
            self.a, self.b, self.c, self.d = (nn.Parameter(ember.randn(())) for _ in range(4))

        def forward(self, x):
            return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3

    return Polynomial3


def stage7_custom_module(steps=STEPS, seed=0, callback=None):
    """A custom ``nn.Module`` of four Parameters, trained by ``optim.SGD``."""
    from ember import nn, optim

    ember.manual_seed(seed)
    x, y = _data()
    model = _polynomial3()()
    criterion = nn.MSELoss(reduction="sum")
    optimizer = optim.SGD(model.parameters(), lr=1e-6)
    for t in range(steps):
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if callback is not None:
            callback(t, loss)
    m = model
    return loss.item(), f"y = {m.a.item():.4f} + {m.b.item():.4f} x + {m.c.item():.4f} x^2 + {m.d.item():.4f} x^3"


def _dynamic_net():
    from ember import nn

    class DynamicNet(nn.Module):
        """A cubic plus e x^4 (and e x^5) on a random number of steps: control flow in forward,
        one Parameter used several times."""

        def __init__(self):
            super().__init__()
            self.a, self.b, self.c, self.d, self.e = (nn.Parameter(ember.randn(())) for _ in range(5))

        def forward(self, x):
            y = self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3
            for exp in range(4, random.randint(4, 6)):
                y = y + self.e * x ** exp
            return y

    return DynamicNet


def stage8_dynamic_net(steps=30000, seed=0, callback=None):
    """``DynamicNet`` (random depth, a shared weight) with SGD and momentum, 30,000 steps."""
    from ember import nn, optim

    random.seed(seed)
    ember.manual_seed(seed)
    x, y = _data()
    model = _dynamic_net()()
    criterion = nn.MSELoss(reduction="sum")
    optimizer = optim.SGD(model.parameters(), lr=1e-8, momentum=0.9)
    for t in range(steps):
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if callback is not None:
            callback(t, loss)
    m = model
    return loss.item(), (f"y = {m.a.item():.4f} + {m.b.item():.4f} x + {m.c.item():.4f} x^2 + {m.d.item():.4f} x^3"
                         f" + {m.e.item():.4f} x^4 ? + {m.e.item():.4f} x^5 ?")


STAGES = [
    (1, "NumPy, hand-written gradients", stage1_numpy),
    (2, "Tensors, hand-written gradients", stage2_tensors),
    (3, "autograd", stage3_autograd),
    (4, "custom autograd.Function", stage4_custom_function),
    (5, "nn.Sequential + Linear + MSELoss", stage5_nn),
    (6, "optim.RMSprop", stage6_optim),
    (7, "custom nn.Module + SGD", stage7_custom_module),
    (8, "dynamic net, SGD + momentum", stage8_dynamic_net),
]


def run(stages=None, steps=STEPS, out=print, progress=False, histories=None):
    """Run the stages and print the table; returns a list of (stage, level, loss, poly, seconds).

    ``progress``: draw a tqdm bar per stage (when tqdm is installed and stdout is a terminal).
    ``histories``: a dict that receives, per stage number, its ``[(step, loss), ...]``.
    """
    rows = []
    bar = _progress.bar_factory() if progress else None
    out(f"{'stage':>5}  {'API level':<32} {'final loss':>11}  {'seconds':>7}  fitted polynomial")
    for number, level, fn in STAGES:
        if stages and number not in stages:
            continue
        n = steps * 15 if number == 8 else steps  # the seed runs 8 for 30,000 steps
        monitor = None
        if bar is not None or histories is not None:
            monitor = _progress.StepMonitor(
                n, record=histories is not None,
                bar=bar(total=n, desc=f"stage {number}", leave=False, file=sys.stdout) if bar else None)
        t0 = time.perf_counter()
        loss, poly = fn(n, callback=monitor)
        dt = time.perf_counter() - t0
        if monitor is not None:
            monitor.close()
            if histories is not None:
                histories[number] = monitor.history
        rows.append((number, level, loss, poly, dt))
        out(f"{number:>5}  {level:<32} {loss:>11.4f}  {dt:>7.3f}  {poly}")
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stages", type=int, nargs="*", help="run only these stage numbers")
    parser.add_argument("--steps", type=int, default=STEPS, help="training steps per stage")
    parser.add_argument("--plot", metavar="FILE.png",
                        help="draw sin(x), the fitted curves and the loss curves (needs matplotlib)")
    parser.add_argument("--no-progress", action="store_true", help="never draw a progress bar")
    args = parser.parse_args(argv)
    if args.plot:
        try:  # NOTE: check before training, so a missing extra costs no waiting
            import matplotlib  # noqa: F401
        except ImportError:
            parser.exit(2, f"{parser.prog}: error: {_progress.PLOT_HINT}\n")
    histories = {} if args.plot else None
    rows = run(args.stages, args.steps, progress=not args.no_progress, histories=histories)
    if args.plot:
        _progress.plot(args.plot, rows, histories)
        print(f"plot written to {args.plot}")


if __name__ == "__main__":
    main()
