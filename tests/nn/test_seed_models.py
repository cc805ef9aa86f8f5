"""The custom Modules of seed programs 07 (Polynomial3) and 08 (DynamicNet), taken from the
seed files unchanged and run on both libraries: Module-level behaviour only (parameters,
forward, gradients, zero_grad, state_dict); the optimizers are tested in tests/optim."""
import math
import random
import re
from pathlib import Path

import numpy as np
import pytest

from tests.test_autograd import same

SEED_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "seed"


def load_model_class(filename, class_name, lib):
    """Execute the seed file's code up to the training script, with ``torch`` bound to ``lib``."""
    src = (SEED_DIR / filename).read_text(encoding="utf-8")
    head = src[:src.index("x = torch.linspace")]
    head = "\n".join(line for line in head.splitlines() if not line.startswith("import "))
    ns = {"torch": lib, "math": math, "random": random, "__name__": "seed"}
    exec(compile(head, filename, "exec"), ns)
    return ns[class_name]


@pytest.mark.skipif(not SEED_DIR.exists(), reason="../shared/seed not present")
@pytest.mark.parametrize("filename, class_name, n_params", [("07_custom_module.py", "Polynomial3", 4),
                                                            ("08_dynamic_net.py", "DynamicNet", 5)])
def test_seed_module(filename, class_name, n_params):
    def prog(m):
        model = load_model_class(filename, class_name, m)()
        values = np.linspace(-0.5, 0.5, n_params)
        with m.no_grad():
            for p, v in zip(model.parameters(), values):
                p.copy_(m.tensor(v))
        x = m.linspace(-math.pi, math.pi, 2000)
        y = m.sin(x)
        out = []
        for step in range(3):
            random.seed(step)  # DynamicNet draws its depth from Python's random
            y_pred = model(x)
            loss = ((y_pred - y) ** 2).sum()
            model.zero_grad()
            loss.backward()
            out.append((y_pred, loss, [None if p.grad is None else p.grad.clone() for p in model.parameters()]))
            with m.no_grad():
                for p in model.parameters():
                    if p.grad is not None:
                        p -= 1e-6 * p.grad  # a hand-written SGD step: the Parameters stay leaves
        return (out, [n for n, _ in model.named_parameters()], list(model.state_dict()), repr(model),
                [p.is_leaf and p.requires_grad for p in model.parameters()], re.sub(r"-?[0-9.]+(e-?[0-9]+)?", "N", model.string()),
                [type(p).__name__ for p in model.parameters()], len(list(model.parameters())) == n_params)
    same(prog, atol=1e-4, rtol=1e-5)
