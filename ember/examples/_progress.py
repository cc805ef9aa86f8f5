"""Helpers for the examples: a per-step monitor (loss history, progress bar) and the plot.

Both optional extras are imported lazily, so the examples run with NumPy and ember alone:

- ``tqdm`` (``pip install -e '.[progress]'``) draws a progress bar, but only when standard output
  is a terminal: in CI logs and pipes the output stays plain text;
- ``matplotlib`` (``pip install -e '.[plot]'``) draws ``--plot FILE.png``.
"""
import math
import re
import sys

PLOT_HINT = ("--plot needs matplotlib, which is not installed; "
             "install the plot extra: pip install -e '.[plot]'")


def bar_factory(stream=None):
    """``tqdm`` if it is installed and ``stream`` (default: stdout) is a terminal, else ``None``."""
    stream = sys.stdout if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    if not (isatty and isatty()):
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm


class StepMonitor:
    """Called as ``monitor(step, loss)`` after each training step of one stage.

    Records ``(step, float(loss))`` at every one of the first ``every`` steps (the loss plot's
    step axis is logarithmic), then every ``every`` steps and at the last step, into
    ``self.history`` when ``record`` is true, and advances a progress bar when ``bar`` (a tqdm
    instance) is given. NOTE: the bar is advanced in chunks, and ``float(loss)`` is only taken
    on recorded steps, so monitoring costs next to nothing per step.
    """

    CHUNK = 50

    def __init__(self, total, record=False, bar=None, points=200):
        self.total = total
        self.every = max(1, total // points)
        self.record = record
        self.history = []
        self.bar = bar

    def __call__(self, step, loss):
        if self.record and (step < self.every or step % self.every == 0 or step == self.total - 1):
            self.history.append((step, float(loss)))
        if self.bar is not None and (step + 1) % self.CHUNK == 0:
            self.bar.update(self.CHUNK)

    def close(self):
        if self.bar is not None:
            self.bar.close()


# -- the plot ------------------------------------------------------------------------------------
def _P3(x):
    return 0.5 * (5 * x ** 3 - 3 * x)


def fitted_curve(number, poly, x):
    """Evaluate the fitted polynomial a stage printed (``poly``) at the NumPy array ``x``.

    The coefficients are read back from the printed string (each is formatted with a decimal
    point, so the exponents in ``x^2`` are not mistaken for one). Stage 4 is ``a + b P3(c + d x)``;
    stage 8 draws its deepest net, ``a + b x + c x^2 + d x^3 + e x^4 + e x^5``.
    """
    coef = [float(c) for c in re.findall(r"-?\d+\.\d+", poly)]
    if number == 4:
        a, b, c, d = coef
        return a + b * _P3(c + d * x)
    return sum(k * x ** p for p, k in enumerate(coef))


def plot(path, rows, histories):
    """Two panels: sin(x) with each stage's fitted curve, and each stage's training loss.

    ``rows`` are ``run``'s ``(stage, level, loss, poly, seconds)``; ``histories`` maps a stage
    number to its ``[(step, loss), ...]``.
    """
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise SystemExit(PLOT_HINT) from None
    import numpy as np

    # NOTE: Figure (not pyplot) needs no GUI backend and keeps no global state.
    fig = Figure(figsize=(13, 5.2), layout="constrained")
    fit_ax, loss_ax = fig.subplots(1, 2)
    x = np.linspace(-math.pi, math.pi, 400)
    fit_ax.plot(x, np.sin(x), color="black", linewidth=5, alpha=0.25, label="sin(x)")
    styles = ["-", "--", "-.", ":"]
    for i, (number, level, loss, poly, _) in enumerate(rows):
        label = f"{number}. {level}"
        fit_ax.plot(x, fitted_curve(number, poly, x), styles[i % 4], linewidth=1.4, label=label)
        steps, losses = zip(*histories[number]) if histories.get(number) else ((), ())
        loss_ax.plot([s + 1 for s in steps], losses, styles[i % 4], linewidth=1.4, label=label)
    fit_ax.set(title="y = sin(x) and each stage's fit", xlabel="x", ylabel="y", ylim=(-1.6, 1.6))
    fit_ax.legend(fontsize=8, loc="lower right")
    fit_ax.grid(alpha=0.3)
    loss_ax.set(title="training loss (sum of squared errors)", xlabel="step", ylabel="loss",
                xscale="log", yscale="log")
    loss_ax.legend(fontsize=8, loc="upper right")
    loss_ax.grid(alpha=0.3, which="both")
    fig.savefig(path, dpi=110)
    return path
