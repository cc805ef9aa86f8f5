"""Handwritten digits for the "What is torch.nn really?" journey, as NumPy arrays.

``load_mnist(path)`` returns ``(x_train, y_train, x_valid, y_valid)``: images flattened to 784 float32
features in [0, 1] (row-major 28x28, so ``x.view(-1, 1, 28, 28)`` recovers them) and int64 labels 0..9.
It reads what users already have on disk:

- a directory of the IDX files from the MNIST site (``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
  raw or ``.gz``; the ``t10k-`` test files are read by ``load_idx_dir`` but not needed here). As in the
  tutorial's pickle, the first 50,000 training images train and the last 10,000 validate;
- the tutorial's ``mnist.pkl.gz`` (``((x_train, y_train), (x_valid, y_valid), (x_test, y_test))``), read by a
  restricted unpickler: the file is data, so only NumPy array reconstruction is admitted, never a function
  that could run code;
- with no path, scikit-learn's bundled 8x8 digits (1,797 real handwritten digits, no download), scaled to
  20x20 and centred in a 28x28 frame as MNIST's digits are, then split with a fixed seed.
"""
import gzip
import os
import pickle

import numpy as np

__all__ = ["load_mnist", "load_digits_28", "load_idx_dir", "read_idx", "load_mnist_pickle", "safe_pickle_load"]

# The IDX element type codes (third byte of the magic number) and their big-endian NumPy dtypes.
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def _open(path):
    with open(path, "rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"  # NOTE: sniff the gzip magic rather than trust the file name
    return gzip.open(path, "rb") if gzipped else open(path, "rb")


def read_idx(path):
    """Read one IDX file (raw or gzip) into an array of its declared shape and type.

    Layout: two zero bytes, a type code, the number of dimensions ``n``, then ``n`` big-endian uint32 sizes
    and the data in row-major order.
    """
    with _open(path) as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES:
        raise ValueError(f"read_idx: {path} is not an IDX file (magic bytes {data[:4]!r})")
    ndim = data[3]
    shape = tuple(int(s) for s in np.frombuffer(data, ">u4", count=ndim, offset=4))
    dtype = np.dtype(_IDX_DTYPES[data[2]])
    offset = 4 + 4 * ndim
    expected = offset + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) != expected:
        raise ValueError(f"read_idx: {path} holds {len(data)} bytes, but its header {shape} needs {expected}")
    return np.frombuffer(data, dtype, offset=offset).reshape(shape).astype(dtype.newbyteorder("="))


def _find(directory, stem):
    # The MNIST site names files "train-images-idx3-ubyte"; some mirrors use "train-images.idx3-ubyte".
    for name in (stem, stem.replace("-idx", ".idx")):
        for candidate in (name, name + ".gz"):
            full = os.path.join(directory, candidate)
            if os.path.isfile(full):
                return full
    raise FileNotFoundError(f"load_mnist: no {stem}[.gz] in {directory}")


def _images(raw):
    return (raw.reshape(len(raw), -1).astype(np.float32) / 255.0).astype(np.float32)


def load_idx_dir(directory, split="train"):
    """``(x, y)`` of one IDX split (``"train"`` or ``"t10k"``) from a directory: x (N, 784) in [0, 1]."""
    images = read_idx(_find(directory, f"{split}-images-idx3-ubyte"))
    labels = read_idx(_find(directory, f"{split}-labels-idx1-ubyte"))
    if len(images) != len(labels):
        raise ValueError(f"load_mnist: {len(images)} {split} images but {len(labels)} labels in {directory}")
    return _images(images), labels.astype(np.int64)


# ---------------------------------------------------------------------------------------------------------
# The pickle: only arrays may come out of it.

def _safe_dtype(*args, **kwargs):
    dt = np.dtype(*args, **kwargs)
    if dt.hasobject:  # NOTE: an object array would carry arbitrary Python objects: refuse it outright
        raise pickle.UnpicklingError(f"refusing a NumPy array of dtype {dt} (object arrays are not data)")
    return dt


def _safe_reconstruct(subtype, shape, dtype):
    if subtype is not np.ndarray:
        raise pickle.UnpicklingError(f"refusing to rebuild an array of type {subtype!r}")
    return np.ndarray.__new__(np.ndarray, shape, _safe_dtype(dtype))


def _safe_frombuffer(buf, dtype, shape, order):
    return np.frombuffer(buf, _safe_dtype(dtype)).reshape(shape, order=order).copy()


def _latin1_encode(text, encoding="latin1"):
    # Protocols 0-2 written by Python 3 store bytes as _codecs.encode(str, "latin1"); nothing else is admitted.
    if type(text) is not str or encoding != "latin1":
        raise pickle.UnpicklingError("refusing _codecs.encode other than (str, 'latin1')")
    return text.encode("latin1")


_ALLOWED = {
    ("_codecs", "encode"): _latin1_encode,
    ("numpy.core.multiarray", "_reconstruct"): _safe_reconstruct,  # pickles from NumPy 1.x (and Python 2)
    ("numpy._core.multiarray", "_reconstruct"): _safe_reconstruct,  # pickles from NumPy 2
    ("numpy.core.numeric", "_frombuffer"): _safe_frombuffer,  # protocol 5 out-of-band layout
    ("numpy._core.numeric", "_frombuffer"): _safe_frombuffer,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): _safe_dtype,
    ("builtins", "tuple"): tuple, ("__builtin__", "tuple"): tuple,
    ("builtins", "list"): list, ("__builtin__", "list"): list,
}


class _ArrayUnpickler(pickle.Unpickler):
    """Admits only the globals in ``_ALLOWED``; any other (``os.system``, ``builtins.eval``, ...) is refused."""

    def find_class(self, module, name):
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"refusing to load global {module}.{name}: this file may only hold NumPy arrays") from None


def safe_pickle_load(path):
    """Unpickle a (possibly gzipped) file of NumPy arrays in tuples and lists, running no code from it."""
    with _open(path) as f:
        # NOTE: the classic mnist.pkl.gz was written by Python 2; latin1 turns its byte strings back into
        # the raw array buffers NumPy expects.
        return _ArrayUnpickler(f, encoding="latin1").load()


def _check_pair(pair, what, path):
    ok = (isinstance(pair, (tuple, list)) and len(pair) == 2
          and all(isinstance(a, np.ndarray) for a in pair) and len(pair[0]) == len(pair[1]))
    if not ok:
        raise ValueError(f"load_mnist: {path} does not hold ((x_train, y_train), (x_valid, y_valid), ...): "
                         f"bad {what} pair")
    x, y = pair
    return x.reshape(len(x), -1).astype(np.float32), y.astype(np.int64)


def load_mnist_pickle(path):
    """The tutorial's ``mnist.pkl.gz``: ``(x_train, y_train, x_valid, y_valid)``."""
    data = safe_pickle_load(path)
    if not isinstance(data, (tuple, list)) or len(data) < 2:
        raise ValueError(f"load_mnist: {path} does not hold ((x_train, y_train), (x_valid, y_valid), ...)")
    return _check_pair(data[0], "train", path) + _check_pair(data[1], "valid", path)


# ---------------------------------------------------------------------------------------------------------
# scikit-learn's digits, scaled to MNIST's frame.

def _resize_matrix(n_out, n_in):
    """(n_out, n_in) bilinear interpolation weights (pixel centres aligned, as ``align_corners=False``)."""
    pos = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, n_in - 1)
    w = pos - lo
    m = np.zeros((n_out, n_in))
    m[np.arange(n_out), lo] += 1 - w
    m[np.arange(n_out), hi] += w
    return m


def load_digits_28(valid_fraction=0.2, seed=0):
    """scikit-learn's 8x8 digits as MNIST-shaped data: ``(x_train, y_train, x_valid, y_valid)``.

    Each 8x8 image (values 0..16) is resized bilinearly to 20x20 and padded by 4 to 28x28, which is how
    MNIST frames its digits, then scaled to [0, 1]. A fixed-seed permutation splits train and valid.
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ImportError("the digits data needs scikit-learn: pip install -e '.[examples]' "
                          "(or pass --data PATH to MNIST's IDX files or mnist.pkl.gz)") from None
    digits = load_digits()
    images, labels = digits.images / 16.0, digits.target.astype(np.int64)
    r = _resize_matrix(20, 8)
    big = np.einsum("ij,njk,lk->nil", r, images, r)  # r @ image @ r.T for every image
    frame = np.zeros((len(images), 28, 28), np.float32)
    frame[:, 4:24, 4:24] = np.clip(big, 0.0, 1.0)
    order = np.random.default_rng(seed).permutation(len(images))
    n_valid = int(round(len(images) * valid_fraction))
    valid, train = order[:n_valid], order[n_valid:]
    x = frame.reshape(len(images), 784)
    return x[train], labels[train], x[valid], labels[valid]


def load_mnist(path=None):
    """``(x_train, y_train, x_valid, y_valid)`` from IDX files, ``mnist.pkl.gz``, or (no path) the digits."""
    if path is None:
        return load_digits_28()
    if os.path.isdir(path):
        pickled = os.path.join(path, "mnist.pkl.gz")
        if os.path.isfile(pickled):
            return load_mnist_pickle(pickled)
        x, y = load_idx_dir(path, "train")
        n_train = 50000 if len(x) == 60000 else len(x) - len(x) // 6  # MNIST: 50,000 + 10,000, as the pickle
        return x[:n_train], y[:n_train], x[n_train:], y[n_train:]
    if os.path.isfile(path):
        return load_mnist_pickle(path)
    raise FileNotFoundError(f"load_mnist: {path} is neither a directory of IDX files nor mnist.pkl.gz")
