"""The "What is torch.nn really?" journey: the MNIST readers, every stage, the CNN's accuracy bar on the
digits, and ``python -m ember run`` on small PyTorch scripts (one of them using an API ember lacks)."""
import gzip
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import ember
from ember.examples import datasets, journey

ROOT = Path(__file__).resolve().parents[1]
try:
    import sklearn  # noqa: F401
    HAVE_SKLEARN = True
except ImportError:
    HAVE_SKLEARN = False
needs_sklearn = pytest.mark.skipif(not HAVE_SKLEARN, reason="scikit-learn not installed (pip install -e '.[test]')")


# ---------------------------------------------------------------------------------------------------------
# readers

def _idx_bytes(array):
    codes = {np.dtype(np.uint8): 0x08, np.dtype(np.int32): 0x0C}
    header = bytes([0, 0, codes[array.dtype], array.ndim]) + np.array(array.shape, ">u4").tobytes()
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def _write(path, payload, gz):
    with (gzip.open(path, "wb") if gz else open(path, "wb")) as f:
        f.write(payload)


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gzip"])
def test_idx_directory(tmp_path, gz):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (12, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, 12, dtype=np.uint8)
    suffix = ".gz" if gz else ""
    _write(tmp_path / f"train-images-idx3-ubyte{suffix}", _idx_bytes(images), gz)
    _write(tmp_path / f"train-labels-idx1-ubyte{suffix}", _idx_bytes(labels), gz)
    x_train, y_train, x_valid, y_valid = datasets.load_mnist(str(tmp_path))
    assert x_train.shape == (10, 784) and x_valid.shape == (2, 784)  # 5/6 train, 1/6 valid, as 50k/10k
    assert x_train.dtype == np.float32 and y_train.dtype == np.int64
    np.testing.assert_allclose(np.concatenate([x_train, x_valid]), images.reshape(12, 784) / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(np.concatenate([y_train, y_valid]), labels)


def test_read_idx_other_dtypes_and_errors(tmp_path):
    a = np.arange(-6, 6, dtype=np.int32).reshape(3, 4)
    _write(tmp_path / "a", _idx_bytes(a), False)
    out = datasets.read_idx(tmp_path / "a")
    np.testing.assert_array_equal(out, a)
    assert out.dtype == np.int32
    _write(tmp_path / "bad", b"PK\x03\x04junk", False)
    with pytest.raises(ValueError, match="not an IDX file"):
        datasets.read_idx(tmp_path / "bad")
    _write(tmp_path / "short", _idx_bytes(a)[:-4], False)
    with pytest.raises(ValueError, match="needs"):
        datasets.read_idx(tmp_path / "short")
    with pytest.raises(FileNotFoundError, match="train-images"):
        datasets.load_mnist(str(tmp_path))


def _mnist_tuple():
    rng = np.random.default_rng(1)
    split = lambda n: (rng.random((n, 784), dtype=np.float32), rng.integers(0, 10, n))  # noqa: E731
    return split(6), split(4), split(2)


@pytest.mark.parametrize("protocol", [2, pickle.HIGHEST_PROTOCOL])
@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gzip"])
def test_mnist_pickle(tmp_path, gz, protocol):
    data = _mnist_tuple()
    path = tmp_path / ("mnist.pkl.gz" if gz else "mnist.pkl")
    with (gzip.open(path, "wb") if gz else open(path, "wb")) as f:
        pickle.dump(data, f, protocol=protocol)
    x_train, y_train, x_valid, y_valid = datasets.load_mnist(str(path))
    np.testing.assert_array_equal(x_train, data[0][0])
    np.testing.assert_array_equal(y_valid, data[1][1])
    assert y_train.dtype == np.int64
    if gz:  # a directory holding mnist.pkl.gz works too
        assert datasets.load_mnist(str(tmp_path))[0].shape == (6, 784)


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned > /dev/null",))


class _EvilArray:
    def __reduce__(self):
        return (np.array, ([1, 2],))  # a harmless-looking function: still not admitted


@pytest.mark.parametrize("payload", [((_Evil(), 1), (2, 3)), (_EvilArray(), 1),
                                     ((np.array([1, 2], dtype=object), np.zeros(2)), None)],
                         ids=["os.system", "numpy.array", "object-array"])
def test_malicious_pickle_is_refused(tmp_path, payload):
    path = tmp_path / "mnist.pkl.gz"
    try:
        blob = pickle.dumps(payload)
    except (pickle.PicklingError, TypeError, AttributeError):
        pytest.skip("payload does not pickle here")
    with gzip.open(path, "wb") as f:
        f.write(blob)
    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        datasets.load_mnist(str(path))


@needs_sklearn
def test_digits_are_mnist_shaped():
    x_train, y_train, x_valid, y_valid = datasets.load_mnist()
    assert x_train.shape[1] == 784 and x_valid.shape[1] == 784 and len(x_train) + len(x_valid) == 1797
    assert x_train.dtype == np.float32 and 0.0 <= x_train.min() and x_train.max() <= 1.0
    images = x_train.reshape(-1, 28, 28)
    assert images[:, :4].max() == 0 and images[:, -4:].max() == 0  # a 20x20 digit in a 28x28 frame
    assert set(np.unique(y_train)) == set(range(10))
    np.testing.assert_array_equal(datasets.load_mnist()[3], y_valid)  # the split is seeded


def test_digits_without_sklearn_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r"pip install -e '\.\[examples\]'"):
        datasets.load_mnist()


# ---------------------------------------------------------------------------------------------------------
# the stages

def _small_data(n_train=200, n_valid=64):
    rng = np.random.default_rng(0)
    x = rng.random((n_train + n_valid, 784), dtype=np.float32)
    y = rng.integers(0, 10, n_train + n_valid)
    return tuple(map(ember.tensor, (x[:n_train], y[:n_train], x[n_train:], y[n_train:])))


@pytest.mark.parametrize("number,level,fn", journey.STAGES, ids=[str(s[0]) for s in journey.STAGES])
def test_stage_runs(number, level, fn):
    loss, acc = fn(_small_data(), 1)
    assert np.isfinite(loss) and 0.0 <= acc <= 1.0


def test_main_prints_a_row_per_stage(capsys, tmp_path):
    data = _mnist_tuple()
    path = tmp_path / "mnist.pkl.gz"
    with gzip.open(path, "wb") as f:
        pickle.dump(data, f)
    journey.main(["--data", str(path), "--epochs", "1"])
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 + len(journey.STAGES) and "accuracy" in out[0]
    with pytest.raises(SystemExit):
        journey.main(["--data", str(tmp_path / "missing")])


@needs_sklearn
def test_cnn_reaches_95_percent_on_digits():
    data = journey.get_tensors()
    t0 = time.perf_counter()
    loss, acc = journey.stage9_cnn(data, journey.EPOCHS[9])
    seconds = time.perf_counter() - t0
    assert acc >= 0.95, f"CNN validation accuracy {acc:.2%} (loss {loss:.4f})"
    assert seconds < 60, f"CNN stage took {seconds:.1f} s"


@needs_sklearn
def test_logistic_stage_learns_the_digits():
    loss, acc = journey.stage1_by_hand(journey.get_tensors(), 2)
    assert acc > 0.85


# ---------------------------------------------------------------------------------------------------------
# python -m ember run

LINEAR_REGRESSION = """
import torch
from torch import nn
torch.manual_seed(0)
x = torch.randn(64, 3)
y = x @ torch.tensor([[1.0], [-2.0], [0.5]]) + 0.3
model = nn.Linear(3, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for _ in range(200):
    loss = nn.functional.mse_loss(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
print(type(torch.ones(1)).__module__.split(".")[0], f"{loss.item():.6f}")
"""


def _run(tmp_path, source):
    script = tmp_path / "script.py"
    script.write_text(source)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "ember", "run", str(script)], capture_output=True, text=True,
                          env=env, timeout=120)


def test_run_executes_a_pytorch_script(tmp_path):
    res = _run(tmp_path, LINEAR_REGRESSION)
    assert res.returncode == 0, res.stderr
    name, loss = res.stdout.split()
    assert name == "ember" and float(loss) < 1e-4


@pytest.mark.parametrize("line,api", [
    ("torch.not_a_module.fn(torch.ones(4))", "torch.not_a_module"),  # (real examples today: torch.fft, ...)
    ("import torch.not_a_module", "torch.not_a_module"),
    ("from torch import not_an_api", "torch.not_an_api"),
    ("torch.nn.NotALayer(3)", "torch.nn.NotALayer"),
    ("torch.ones(3).not_a_method()", "torch.Tensor.not_a_method"),
])
def test_run_names_a_missing_api(tmp_path, line, api):
    res = _run(tmp_path, f"import torch\n{line}\n")
    assert res.returncode == 1
    assert f"uses {api}, which is not yet supported by ember" in res.stderr, res.stderr


def test_run_leaves_other_errors_alone(tmp_path):
    res = _run(tmp_path, "raise AttributeError('my own bug')\n")
    assert res.returncode == 1 and "my own bug" in res.stderr and "not yet supported" not in res.stderr
