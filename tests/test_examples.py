"""End-to-end: ember's evolution stages train, and the seed programs run unchanged on ember,
reaching the loss PyTorch reaches (within 1.5x)."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ember.examples import evolution

SEED_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "seed"
ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("number,level,fn", evolution.STAGES, ids=[s[1] for s in evolution.STAGES])
def test_evolution_stage_converges(number, level, fn):
    loss, poly = fn()  # each stage's own number of steps (2,000; 30,000 for the dynamic net)
    assert loss < 12.0, f"stage {number} ended at loss {loss}"
    assert poly.startswith("y = ")


def test_evolution_main_prints_a_row_per_stage(capsys):
    evolution.main(["--steps", "50"])
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 + len(evolution.STAGES)
    assert "final loss" in out[0]


def _final_loss(output):
    losses = [float(m.group(1)) for m in re.finditer(r"^\d+ ([-\d.e+]+)$", output, re.M)]
    assert losses, f"no loss lines in output:\n{output[-2000:]}"
    return losses[-1]


def _run(cmd):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    return res.stdout


SEEDS_CORE = ["01_numpy.py", "02_tensors.py", "03_autograd.py", "04_custom_function.py", "05_nn.py", "06_optim.py",
              "07_custom_module.py", "08_dynamic_net.py"]


@pytest.mark.skipif(not SEED_DIR.exists(), reason="../shared/seed not present")
@pytest.mark.parametrize("name", SEEDS_CORE)
def test_seed_program_on_ember_reaches_torch_loss(name):
    script = str(SEED_DIR / name)
    ember_loss = _final_loss(_run([sys.executable, "-m", "ember", "run", script]))
    torch_loss = _final_loss(_run([sys.executable, script]))
    assert ember_loss <= 1.5 * torch_loss, f"{name}: ember {ember_loss} vs torch {torch_loss}"
