"""Benchmark: training steps of small nets, ember vs PyTorch, same data, same weights, one thread.

    python bench/train.py [--steps 50] [--repeats 7] [--workloads mlp cnn lenet]

Workloads (synthetic inputs and labels from a fixed seed, identical for both libraries):

- ``mlp``: Linear 784-256-128-10 with ReLU, batch 128;
- ``cnn``: the CNN of "What is torch.nn really?": three Conv2d(3x3, stride 2, padding 1) with
  16, 16, 10 channels and ReLU, ``avg_pool2d(4)``, flatten; 28x28 inputs, batch 64;
- ``lenet``: LeNet-5: Conv2d(1, 6, 5), ReLU, MaxPool2d(2), Conv2d(6, 16, 5), ReLU, MaxPool2d(2),
  flatten, Linear 400-120-84-10 with ReLU; 32x32 inputs, batch 64.

Each step is ``zero_grad``, ``cross_entropy(model(x), y)``, ``backward``, ``step`` of SGD with
momentum 0.9. The parent process builds each model in PyTorch from ``torch.manual_seed(0)`` and
writes its ``state_dict`` (as NumPy arrays) and the data to a temporary ``.npz``; the ember run
loads the same weights, so both libraries train the same model (the "loss" column shows the
loss after the last step of each; the script warns if the first losses disagree). NOTE: with a
learning rate as large as the tutorial's 0.1, training on random labels is chaotic enough that
float32 rounding differences grow into different losses after a few hundred steps, so every
workload uses 0.01.

Method:

- Threads: ``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS`` (and friends) are
  set to 1 before NumPy or PyTorch is imported, and the torch run calls ``torch.set_num_threads(1)``.
- BLAS: by default (``--blas native``) the workers run without ``OPENBLAS_CORETYPE`` and
  ``OPENBLAS_L2_SIZE``, so NumPy's OpenBLAS picks this CPU's own kernels, as it does for a user who
  sets neither; some hosts set them machine-wide (``Haswell`` on an AVX-512 CPU halves OpenBLAS's
  matrix-product speed, and PyTorch, on MKL, is not affected). ``--blas inherit`` keeps them; the
  header says which was used.
- Time: after ``--warmup`` steps, ``--repeats`` blocks of ``--steps`` steps are timed with
  ``time.perf_counter``; a block's time divided by ``--steps`` is one sample, and the table shows
  the median sample (ms per step).
- Memory: every (library, workload) pair runs in its own fresh subprocess, which imports only
  its own library (the ember run never imports torch). After the model, optimizer and data
  are built, the process resets its peak resident set size (writing ``5`` to
  ``/proc/self/clear_refs`` resets ``VmHWM`` on Linux) and records its current RSS (``VmRSS``).
  "peak MiB" is the highest ``VmHWM`` over the whole run minus that RSS: what training needs
  beyond the model and data, i.e. gradients, optimizer state, activations and temporaries, plus
  one-time costs of the first step (lazily loaded kernels, allocator pools). "step MiB" resets
  the peak again after the warm-up steps: the transient memory of a steady-state step
  (activations and temporaries). Where ``/proc`` is missing, both fall back to
  ``getrusage(RUSAGE_SELF).ru_maxrss`` growth, which under-counts when an earlier phase (such as
  importing) peaked higher.
"""
import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
for _var in THREAD_VARS:  # NOTE: must happen before numpy (or torch) is imported anywhere
    os.environ[_var] = "1"

import numpy as np  # noqa: E402

WORKLOADS = {
    # name: (batch, input shape without batch, batches in the data pool, learning rate)
    "mlp": (128, (784,), 8, 0.01),
    "cnn": (64, (1, 28, 28), 8, 0.01),
    "lenet": (64, (1, 32, 32), 8, 0.01),
}


# -- the models, written once for both libraries (``m`` is ember or torch) ----------------------
def build(m, name):
    nn = m.nn
    if name == "mlp":
        return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                             nn.Linear(128, 10))
    if name == "cnn":
        return nn.Sequential(
            nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1), nn.ReLU(),
            nn.AvgPool2d(4), nn.Flatten())
    if name == "lenet":
        return nn.Sequential(
            nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
            nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    raise ValueError(f"unknown workload {name!r}; choose from {sorted(WORKLOADS)}")


def make_inputs(name, seed=0):
    """The synthetic data pool of a workload: float32 inputs and int64 labels, from ``seed``."""
    batch, shape, pool, _ = WORKLOADS[name]
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((pool, batch) + shape, dtype=np.float32)
    y = rng.integers(0, 10, size=(pool, batch), dtype=np.int64)
    return x, y


def write_setup(name, path):
    """Build the model in PyTorch from seed 0 and save its weights and the data to ``path``."""
    import torch

    torch.manual_seed(0)
    state = {k: v.detach().numpy() for k, v in build(torch, name).state_dict().items()}
    x, y = make_inputs(name)
    np.savez(path, x=x, y=y, **{"w:" + k: v for k, v in state.items()})


# -- memory --------------------------------------------------------------------------------------
def _status_kib(field):
    with open("/proc/self/status") as f:
        return int(re.search(rf"{field}:\s+(\d+)", f.read()).group(1))


def memory_start():
    """Reset the peak RSS if the OS allows; return (method, baseline KiB)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return "VmHWM", _status_kib("VmRSS")
    except OSError:
        import resource
        return "ru_maxrss", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def memory_peak(method):
    if method == "VmHWM":
        return _status_kib("VmHWM")
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


# -- one (library, workload) run, in its own process --------------------------------------------
def worker(lib, name, setup, steps, repeats, warmup):
    if lib == "torch":
        import torch as m
        m.set_num_threads(1)
    else:
        import ember as m
    data = np.load(setup)
    model = build(m, name)
    state = {k[2:]: m.from_numpy(np.ascontiguousarray(data[k])) for k in data.files if k.startswith("w:")}
    model.load_state_dict(state)
    xs = [m.from_numpy(np.ascontiguousarray(b)) for b in data["x"]]
    ys = [m.from_numpy(np.ascontiguousarray(b)) for b in data["y"]]
    optimizer = m.optim.SGD(model.parameters(), lr=WORKLOADS[name][3], momentum=0.9)
    cross_entropy = m.nn.functional.cross_entropy
    count = [0]

    def step():
        i = count[0] % len(xs)
        count[0] += 1
        optimizer.zero_grad()
        loss = cross_entropy(model(xs[i]), ys[i])
        loss.backward()
        optimizer.step()
        return loss

    # 1) from the first step: one-time costs (lazy kernels, allocator pools) plus the state that
    #    training creates and keeps (gradients, momentum buffers) plus per-step temporaries
    method, before = memory_start()
    first_loss = step().item()
    for _ in range(warmup - 1):
        step()
    peak = memory_peak(method)
    # 2) steady state: the same, once everything persistent exists: per-step temporaries only
    method, steady_before = memory_start()
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(steps):
            loss = step()
        samples.append((time.perf_counter() - t0) / steps)
    last_loss = loss.item()
    steady_peak = memory_peak(method)
    peak = max(peak, steady_peak)
    return {"ms": 1e3 * statistics.median(samples), "method": method,
            "peak_mib": max(peak - before, 0) / 1024,
            "step_mib": max(steady_peak - steady_before, 0) / 1024,
            "first_loss": first_loss, "last_loss": last_loss}


# NOTE: variables that force OpenBLAS onto a given CPU kernel (set machine-wide on some hosts,
# e.g. OPENBLAS_CORETYPE=Haswell on an AVX-512 CPU). They slow NumPy's BLAS, not PyTorch's (MKL).
BLAS_OVERRIDES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def worker_env(blas):
    env = os.environ.copy()
    if blas == "native":
        for var in BLAS_OVERRIDES:
            env.pop(var, None)
    return env


def run_worker(lib, name, setup, args):
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", lib, name, setup,
           "--steps", str(args.steps), "--repeats", str(args.repeats), "--warmup", str(args.warmup)]
    out = subprocess.run(cmd, capture_output=True, text=True, env=worker_env(args.blas))
    if out.returncode != 0:
        raise RuntimeError(f"{lib} {name} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=50, help="steps per timed block")
    parser.add_argument("--repeats", type=int, default=7, help="timed blocks; the median is shown")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps before timing (>= 1)")
    parser.add_argument("--workloads", nargs="+", default=list(WORKLOADS), choices=list(WORKLOADS))
    parser.add_argument("--blas", choices=("native", "inherit"), default="native",
                        help="native (default): drop OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE so OpenBLAS uses "
                             "this CPU's kernels; inherit: keep them as set in the environment")
    parser.add_argument("--worker", nargs=3, metavar=("LIB", "WORKLOAD", "SETUP"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.warmup = max(args.warmup, 1)
    if args.worker:
        print(json.dumps(worker(*args.worker, args.steps, args.repeats, args.warmup)))
        return

    import torch
    print("command: python " + " ".join(["bench/train.py"] + (sys.argv[1:] if argv is None else argv)))
    print(f"python {platform.python_version()}, numpy {np.__version__}, torch {torch.__version__}, "
          f"{platform.machine()}; one thread each: torch.set_num_threads(1) and "
          + ", ".join(f"{v}=1" for v in THREAD_VARS[:3]))
    overrides = ", ".join(f"{v}={os.environ[v]}" for v in BLAS_OVERRIDES if v in os.environ)
    print(f"NumPy's OpenBLAS: --blas {args.blas}; "
          + (("environment overrides " + overrides + (" dropped" if args.blas == "native" else " kept"))
             if overrides else "no kernel override in the environment"))
    print(f"{args.steps} steps x {args.repeats} repeats after {args.warmup} warm-up steps; ms = median "
          "time per step; peak MiB = peak RSS growth from the first step on, step MiB = from the "
          "first timed step on (fresh process per library and workload)")
    head = (f"{'workload':<8} {'ember ms':>8} {'torch ms':>8} {'ratio':>6}  {'peak MiB e':>10} {'t':>6} "
            f"{'ratio':>6}  {'step MiB e':>10} {'t':>6}  {'loss e':>6} {'loss t':>6}")
    print(head)
    print("-" * len(head))

    def ratio(a, b):
        return f"{a / b:>5.2f}x" if b > 0 else f"{'-':>6}"

    with tempfile.TemporaryDirectory() as tmp:
        for name in args.workloads:
            setup = os.path.join(tmp, name + ".npz")
            write_setup(name, setup)
            e, t = run_worker("ember", name, setup, args), run_worker("torch", name, setup, args)
            mem = ratio(e["peak_mib"], t["peak_mib"])
            print(f"{name:<8} {e['ms']:>8.2f} {t['ms']:>8.2f} {ratio(e['ms'], t['ms'])}  "
                  f"{e['peak_mib']:>10.1f} {t['peak_mib']:>6.1f} {mem}  {e['step_mib']:>10.1f} "
                  f"{t['step_mib']:>6.1f}  {e['last_loss']:>6.3f} {t['last_loss']:>6.3f}", flush=True)
            if abs(e["first_loss"] - t["first_loss"]) > 1e-3 * abs(t["first_loss"]):
                print(f"  warning: first losses differ: ember {e['first_loss']}, torch {t['first_loss']}")
    print("ratio = ember / torch (below 1: ember is faster or smaller); loss = after the last step")


if __name__ == "__main__":
    main()
