"""The main job as a user meets it: ``python -m ember.examples.evolution`` with ``--plot`` and a
progress bar (both optional extras), and the per-step callback of the stage functions."""
import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ember.examples import _progress, evolution

ROOT = Path(__file__).resolve().parents[1]
BAR_MARKS = ("\r", "it/s", "%|", "\u2588")  # what a tqdm bar writes


def _python(code_or_args, **kw):
    args = ["-c", code_or_args] if isinstance(code_or_args, str) else code_or_args
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env,
                          cwd=kw.get("cwd"), timeout=120)


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_callback_sees_every_step_and_changes_nothing():
    seen = []
    result = evolution.stage3_autograd(30, callback=lambda t, loss: seen.append((t, float(loss))))
    assert [t for t, _ in seen] == list(range(30))
    assert result == evolution.stage3_autograd(30)
    assert seen[-1][1] == pytest.approx(result[0])


@pytest.mark.parametrize("number,level,fn", evolution.STAGES, ids=[s[1] for s in evolution.STAGES])
def test_every_stage_takes_a_callback(number, level, fn):
    calls = []
    fn(5, callback=lambda t, loss: calls.append(float(loss)))
    assert len(calls) == 5 and all(np.isfinite(calls))


def test_run_records_histories_and_keeps_the_table():
    lines, histories = [], {}
    rows = evolution.run([1, 8], steps=100, out=lines.append, histories=histories)
    assert [r[0] for r in rows] == [1, 8] and len(lines) == 3
    assert sorted(histories) == [1, 8]
    steps = [s for s, _ in histories[8]]
    assert steps[0] == 0 and steps[-1] == 1499 and steps == sorted(steps)
    assert histories[1][-1][1] == pytest.approx(rows[0][2])


def test_fitted_curve_reads_back_the_printed_polynomial():
    x = np.linspace(-3, 3, 7)
    cubic = evolution.stage1_numpy(50)[1]
    a, b, c, d = (float(s) for s in cubic.replace("y = ", "").replace(" x^3", "").replace(" x^2", "")
                  .replace(" x", "").split(" + "))
    np.testing.assert_allclose(_progress.fitted_curve(1, cubic, x), a + b * x + c * x ** 2 + d * x ** 3)
    p3 = "y = 0.1000 + -2.0000 P3(-0.5000 + 0.2500 x)"
    u = -0.5 + 0.25 * x
    np.testing.assert_allclose(_progress.fitted_curve(4, p3, x), 0.1 - 2.0 * 0.5 * (5 * u ** 3 - 3 * u))
    dyn = "y = 0.0100 + 0.8500 x + -0.0010 x^2 + -0.0900 x^3 + 0.0002 x^4 ? + 0.0002 x^5 ?"
    want = 0.01 + 0.85 * x - 0.001 * x ** 2 - 0.09 * x ** 3 + 0.0002 * (x ** 4 + x ** 5)
    np.testing.assert_allclose(_progress.fitted_curve(8, dyn, x), want)


def test_plot_writes_a_png(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    path = tmp_path / "evolution.png"
    evolution.main(["--steps", "40", "--stages", "1", "4", "8", "--plot", str(path)])
    out = capsys.readouterr().out
    assert "final loss" in out and f"plot written to {path}" in out
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_plot_without_matplotlib_names_the_extra_and_runs_nothing(tmp_path):
    code = ("import sys; sys.modules['matplotlib'] = None\n"
            "from ember.examples import evolution\n"
            f"evolution.main(['--plot', {str(tmp_path / 'x.png')!r}])")
    res = _python(code)
    assert res.returncode == 2
    assert "pip install -e '.[plot]'" in res.stderr and "matplotlib" in res.stderr
    assert "final loss" not in res.stdout  # the stages did not run
    assert not (tmp_path / "x.png").exists()


def test_piped_output_is_plain():
    res = _python(["-m", "ember.examples.evolution", "--steps", "60"])
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert len(lines) == 1 + len(evolution.STAGES)
    for mark in BAR_MARKS:
        assert mark not in res.stdout and mark not in res.stderr


def test_progress_bar_only_on_a_terminal_with_tqdm(monkeypatch):
    pytest.importorskip("tqdm")
    term = FakeTerminal()
    monkeypatch.setattr(sys, "stdout", term)
    evolution.run([1], steps=200, progress=True)
    assert "stage 1:" in term.getvalue() and "/200 [" in term.getvalue()  # the bar was drawn

    plain = FakeTerminal()
    monkeypatch.setattr(sys, "stdout", plain)
    evolution.main(["--steps", "200", "--stages", "1", "--no-progress"])
    assert not any(mark in plain.getvalue() for mark in BAR_MARKS)


def test_no_bar_without_tqdm_or_terminal(monkeypatch):
    assert _progress.bar_factory(io.StringIO()) is None
    monkeypatch.setitem(sys.modules, "tqdm", None)
    assert _progress.bar_factory(FakeTerminal()) is None
