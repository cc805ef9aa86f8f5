"""Benchmark: the seed programs' training loops, ember vs PyTorch, in one run.

    python bench/seed.py [--repeats 7] [--steps 2000]

Prints, per seed program (02-08; every program runs ``--steps`` steps, 08 included),
the median loop time of each library and the ratio ember/torch (below 1 means ember is
faster); then import times (fresh interpreters), the cost of one ``a * b`` on 2,000
float32 elements with autograd on, and one optimizer step (SGD with momentum, Adam,
RMSprop) over 100 parameter tensors. Both libraries run single-threaded.
"""
import argparse
import math
import os
import statistics
import subprocess
import sys
import time
import timeit

os.environ.setdefault("OMP_NUM_THREADS", "1")


# -- the loops, written once for both libraries (``m`` is ember or torch) ----------------------------
def seed02_tensors(m, steps):
    x = m.linspace(-math.pi, math.pi, 2000, dtype=m.float)
    y = m.sin(x)
    a, b, c, d = (m.randn((), dtype=m.float) for _ in range(4))
    lr = 1e-6
    for t in range(steps):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).pow(2).sum().item()
        grad_y_pred = 2.0 * (y_pred - y)
        grad_a = grad_y_pred.sum()
        grad_b = (grad_y_pred * x).sum()
        grad_c = (grad_y_pred * x ** 2).sum()
        grad_d = (grad_y_pred * x ** 3).sum()
        a -= lr * grad_a
        b -= lr * grad_b
        c -= lr * grad_c
        d -= lr * grad_d
    return loss


def seed03_autograd(m, steps):
    x = m.linspace(-math.pi, math.pi, 2000, dtype=m.float)
    y = m.sin(x)
    a, b, c, d = (m.randn((), dtype=m.float, requires_grad=True) for _ in range(4))
    lr = 1e-6
    for t in range(steps):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).pow(2).sum()
        if t % 100 == 99:
            loss.item()
        loss.backward()
        with m.no_grad():
            a -= lr * a.grad
            b -= lr * b.grad
            c -= lr * c.grad
            d -= lr * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    return loss.item()


def _legendre(m):
    class LegendrePolynomial3(m.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            input, = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input ** 2 - 1)

    return LegendrePolynomial3


def seed04_custom_function(m, steps):
    P3 = _legendre(m).apply
    x = m.linspace(-math.pi, math.pi, 2000, dtype=m.float)
    y = m.sin(x)
    a = m.full((), 0.0, dtype=m.float, requires_grad=True)
    b = m.full((), -1.0, dtype=m.float, requires_grad=True)
    c = m.full((), 0.0, dtype=m.float, requires_grad=True)
    d = m.full((), 0.3, dtype=m.float, requires_grad=True)
    lr = 5e-6
    for t in range(steps):
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        if t % 100 == 99:
            loss.item()
        loss.backward()
        with m.no_grad():
            a -= lr * a.grad
            b -= lr * b.grad
            c -= lr * c.grad
            d -= lr * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    return loss.item()


def _features(m):
    x = m.linspace(-math.pi, math.pi, 2000)
    y = m.sin(x)
    return x, y, x.unsqueeze(-1).pow(m.tensor([1, 2, 3]))


def seed05_nn(m, steps):
    x, y, xx = _features(m)
    model = m.nn.Sequential(m.nn.Linear(3, 1), m.nn.Flatten(0, 1))
    loss_fn = m.nn.MSELoss(reduction="sum")
    lr = 1e-6
    for t in range(steps):
        y_pred = model(xx)
        loss = loss_fn(y_pred, y)
        if t % 100 == 99:
            loss.item()
        model.zero_grad()
        loss.backward()
        with m.no_grad():
            for param in model.parameters():
                param -= lr * param.grad
    return loss.item()


def seed06_optim(m, steps):
    x, y, xx = _features(m)
    model = m.nn.Sequential(m.nn.Linear(3, 1), m.nn.Flatten(0, 1))
    loss_fn = m.nn.MSELoss(reduction="sum")
    optimizer = m.optim.RMSprop(model.parameters(), lr=1e-3)
    for t in range(steps):
        y_pred = model(xx)
        loss = loss_fn(y_pred, y)
        if t % 100 == 99:
            loss.item()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()


def _polynomial3(m):
    class Polynomial3(m.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = m.nn.Parameter(m.randn(()))
            self.b = m.nn.Parameter(m.randn(()))
            self.c = m.nn.Parameter(m.randn(()))
            self.d = m.nn.Parameter(m.randn(()))

        def forward(self, x):
            return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3

    return Polynomial3


def seed07_custom_module(m, steps):
    x = m.linspace(-math.pi, math.pi, 2000)
    y = m.sin(x)
    model = _polynomial3(m)()
    criterion = m.nn.MSELoss(reduction="sum")
    optimizer = m.optim.SGD(model.parameters(), lr=1e-6)
    for t in range(steps):
        y_pred = model(x)
        loss = criterion(y_pred, y)
        if t % 100 == 99:
            loss.item()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()


def _dynamic_net(m):
    import random

    class DynamicNet(m.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = m.nn.Parameter(m.randn(()))
            self.b = m.nn.Parameter(m.randn(()))
            self.c = m.nn.Parameter(m.randn(()))
            self.d = m.nn.Parameter(m.randn(()))
            self.e = m.nn.Parameter(m.randn(()))

        def forward(self, x):
            y = self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3
            for exp in range(4, random.randint(4, 6)):
                y = y + self.e * x ** exp
            return y

    return DynamicNet


def seed08_dynamic_net(m, steps):
    import random

    random.seed(0)  # the same sequence of depths for both libraries
    x = m.linspace(-math.pi, math.pi, 2000)
    y = m.sin(x)
    model = _dynamic_net(m)()
    criterion = m.nn.MSELoss(reduction="sum")
    optimizer = m.optim.SGD(model.parameters(), lr=1e-8, momentum=0.9)
    for t in range(steps):
        y_pred = model(x)
        loss = criterion(y_pred, y)
        if t % 2000 == 1999:
            loss.item()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()


PROGRAMS = [("02_tensors", seed02_tensors), ("03_autograd", seed03_autograd),
            ("04_custom_function", seed04_custom_function), ("05_nn", seed05_nn), ("06_optim", seed06_optim),
            ("07_custom_module", seed07_custom_module), ("08_dynamic_net", seed08_dynamic_net)]


def optimizer_step(m, name, repeats):
    """Median time of one ``step()`` over a model of 100 parameter tensors (50 weights 64x64 and
    50 biases of 64, gradients set)."""
    params = []
    for i in range(50):
        params.append(m.nn.Parameter(m.randn(64, 64)))
        params.append(m.nn.Parameter(m.randn(64)))
    for p in params:
        p.grad = m.randn(p.shape)
    kwargs = {"lr": 1e-3}
    if name == "SGD":
        kwargs["momentum"] = 0.9
    opt = getattr(m.optim, name)(params, **kwargs)
    opt.step()
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(20):
            opt.step()
        runs.append((time.perf_counter() - t0) / 20)
    return statistics.median(runs)


def time_loop(fn, m, steps, repeats):
    fn(m, steps // 10)  # warm up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(m, steps)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def import_time(module, repeats=5):
    # Compile ember's modules first, as an installed package is: a fresh editable checkout
    # would otherwise be timed compiling its sources (PyTorch's wheel ships compiled).
    if module == "ember":
        import ember

        subprocess.run([sys.executable, "-m", "compileall", "-q", os.path.dirname(ember.__file__)], check=False)
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    times = []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        times.append(float(out.stdout.strip()))
    return statistics.median(times)


def per_op_mul(m, number=20000):
    a = m.randn(2000, dtype=m.float32, requires_grad=True)
    b = m.randn(2000, dtype=m.float32)
    runs = [timeit.timeit(lambda: a * b, number=number) / number for _ in range(5)]
    return statistics.median(runs)


def main(argv=None):
    parser = argparse.ArgumentParser(description="seed loops: ember vs PyTorch")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--steps", type=int, default=2000)
    args = parser.parse_args(argv)

    import ember
    import torch

    torch.set_num_threads(1)
    ember.manual_seed(0)
    torch.manual_seed(0)
    print(f"ember {ember.__version__} (numpy {__import__('numpy').__version__}) vs torch {torch.__version__}; "
          f"{args.steps} steps, median of {args.repeats}; torch threads: {torch.get_num_threads()}")
    print(f"{'program':<22} {'ember ms':>9} {'torch ms':>9} {'ratio':>7}")
    for name, fn in PROGRAMS:
        te = time_loop(fn, ember, args.steps, args.repeats)
        tt = time_loop(fn, torch, args.steps, args.repeats)
        print(f"{name:<22} {te * 1e3:>9.1f} {tt * 1e3:>9.1f} {te / tt:>7.2f}")
    ie, it = import_time("ember"), import_time("torch")
    print(f"{'import':<22} {ie * 1e3:>9.1f} {it * 1e3:>9.1f} {ie / it:>7.2f}")
    oe, ot = per_op_mul(ember), per_op_mul(torch)
    print(f"{'a * b (2000, grad) us':<22} {oe * 1e6:>9.2f} {ot * 1e6:>9.2f} {oe / ot:>7.2f}")
    for name in ("SGD", "Adam", "RMSprop"):
        se, st = optimizer_step(ember, name, args.repeats), optimizer_step(torch, name, args.repeats)
        print(f"{name + ' step, 100 params ms':<22} {se * 1e3:>9.2f} {st * 1e3:>9.2f} {se / st:>7.2f}")


if __name__ == "__main__":
    main()
