"""``repr(tensor)``: PyTorch's tensor printing, reproduced character for character.

A printed tensor is ``tensor(`` + the nested lists of elements + the suffixes
(``dtype=...``, ``requires_grad=True``, ``grad_fn=<...>``) + ``)``. Three steps make it:

1. Pick the elements to show. A tensor with more than ``threshold`` elements is
   *summarized*: along every dimension longer than ``2 * edgeitems`` only the first and
   last ``edgeitems`` entries are printed, with ``...`` between them.
2. Build one ``_Formatter`` from the shown elements. It decides, once for the whole
   tensor, how floats are written (``1.`` for integer-valued floats, fixed point with
   ``precision`` digits, or scientific notation) and pads every element to the width
   of the widest one, so that columns line up.
3. Lay the elements out: rows are wrapped at ``linewidth`` characters, continuation
   lines are indented under the first element, and each extra dimension adds a blank
   line between blocks.

The options mirror ``torch.set_printoptions``; they are module state, as in PyTorch.
"""
import contextlib
import math

import numpy as np

from . import dtypes as _dt

__all__ = ["set_printoptions", "get_printoptions", "printoptions", "tensor_repr"]

_DEFAULTS = dict(precision=4, threshold=1000, edgeitems=3, linewidth=80, sci_mode=None)
_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}
_opts = dict(_DEFAULTS)


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """Set how tensors print (module-wide, like ``torch.set_printoptions``).

    Args:
        precision: digits after the decimal point for floats (default 4).
        threshold: tensors with more elements than this are summarized (default 1000).
        edgeitems: entries kept at each end of a summarized dimension (default 3).
        linewidth: characters per line before a row wraps (default 80).
        profile: ``"default"``, ``"short"`` or ``"full"``: presets for the four above,
            applied first, so explicit arguments override them.
        sci_mode: True or False forces scientific notation on or off; None lets each
            tensor choose.

    NOTE: as in PyTorch, ``sci_mode`` is reset on every call: leaving it out sets it
    back to None (automatic), even if an earlier call set it.

    Example::

        >>> set_printoptions(precision=2)
        >>> set_printoptions(profile="default")
    """
    if profile is not None:
        _opts.update(_PROFILES[profile])
    for name, value in (("precision", precision), ("threshold", threshold),
                        ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if value is not None:
            _opts[name] = value
    _opts["sci_mode"] = sci_mode


def get_printoptions():
    """The current print options, as a dict that ``set_printoptions(**d)`` accepts."""
    return dict(_opts)


@contextlib.contextmanager
def printoptions(**kwargs):
    """Context manager: ``set_printoptions(**kwargs)`` inside the block, restored after."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


# -- step 1: which elements are shown ---------------------------------------------------
def _summarized(a, edge):
    """The elements a summarized print shows (used only to size the formatter)."""
    if a.ndim == 0:
        return a
    if a.ndim == 1:
        # NOTE: PyTorch takes a[:edge] and a[-edge:]; with edge == 0 the second slice is
        # the whole vector, so a 1-D tensor keeps all its elements here. We follow it.
        if edge == 0 or a.shape[0] <= 2 * edge:
            return a
        return np.concatenate((a[:edge], a[-edge:]))
    if edge == 0:
        return a[:0]
    for axis, n in enumerate(a.shape):
        if n > 2 * edge:
            keep = list(range(edge)) + list(range(n - edge, n))
            a = a.take(keep, axis=axis)
    return a


# -- step 2: how each element is written ------------------------------------------------
class _Formatter:
    """Writes one element of a given tensor; all elements get the same width."""

    def __init__(self, values, floating):
        self.floating = floating
        self.int_mode = True    # every finite float is a whole number: print "3."
        self.sci_mode = False
        self.width = 1
        precision = _opts["precision"]
        flat = values.reshape(-1)

        if not floating:
            # ints and bools: the plain Python text, "7" or "True"
            self.width = max([1] + [len(str(v)) for v in flat.tolist()])
            return

        shown = flat[np.isfinite(flat) & (flat != 0)]
        if shown.size == 0:
            return  # only zeros, nan and inf: nothing to size
        # NOTE: the ratio test runs in float64, so float16 values cannot overflow here.
        mag = np.abs(shown).astype(np.float64)
        lo, hi = mag.min(), mag.max()
        self.int_mode = bool(np.all(np.ceil(shown) == shown))
        if _opts["sci_mode"] is None:
            self.sci_mode = bool(hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4)
        else:
            self.sci_mode = _opts["sci_mode"]

        shown = shown.tolist()  # exact Python floats; str formatting matches PyTorch
        if self.sci_mode:
            widths = [len(f"{v:.{precision}e}") for v in shown]
        elif self.int_mode:
            widths = [len(f"{v:.0f}") + 1 for v in shown]  # + 1 for the trailing "."
        else:
            widths = [len(f"{v:.{precision}f}") for v in shown]
        self.width = max(widths)

    def format(self, value):
        """``value`` is a Python scalar; returns its text right-aligned to ``width``."""
        precision = _opts["precision"]
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:.{precision}e}"
        elif self.int_mode:
            text = f"{value:.0f}"
            if math.isfinite(value):
                text += "."
        else:
            text = f"{value:.{precision}f}"
        return text.rjust(self.width)


# -- step 3: layout ---------------------------------------------------------------------
def _vector_str(a, indent, summarize, fmt):
    edge = _opts["edgeitems"]
    per_line = max(1, math.floor((_opts["linewidth"] - indent) / (fmt.width + 2)))
    if summarize and not edge:
        items = ["..."]
    elif summarize and a.shape[0] > 2 * edge:
        items = ([fmt.format(v) for v in a[:edge].tolist()] + [" ..."]
                 + [fmt.format(v) for v in a[-edge:].tolist()])
    else:
        items = [fmt.format(v) for v in a.tolist()]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(a, indent, summarize, fmt):
    """``[...]`` for ``a``, whose first line starts at column ``indent``."""
    if a.ndim == 0:
        return fmt.format(a.item())
    if a.ndim == 1:
        return _vector_str(a, indent, summarize, fmt)
    edge = _opts["edgeitems"]
    n = a.shape[0]
    if summarize and n > 2 * edge:
        rows = list(range(edge)) + [None] + list(range(n - edge, n))
    else:
        rows = range(n)
    parts = ["..." if i is None else _nested_str(a[i], indent + 1, summarize, fmt) for i in rows]
    # one line break per dimension below this one: blocks of a 3-D tensor get a blank line
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def _add_suffixes(text, suffixes, indent):
    """Append ``, suffix`` items, moving one to its own line when it would pass linewidth."""
    # NOTE: PyTorch counts the last line as two characters longer than it is; we keep
    # the same count so that suffixes wrap at the same places.
    line_len = len(text) - text.rfind("\n") + 1
    out = [text]
    for suffix in suffixes:
        if line_len + len(suffix) + 2 > _opts["linewidth"]:
            out.append(",\n" + " " * indent + suffix)
            line_len = indent + len(suffix)
        else:
            out.append(", " + suffix)
            line_len += len(suffix) + 2
    return "".join(out) + ")"


def _numpy(data):
    """The tensor's data as a NumPy array (CuPy arrays are copied to the host)."""
    return data if isinstance(data, np.ndarray) else data.get()


def tensor_repr(t):
    """The text ``repr(t)`` gives, identical to PyTorch's for the same values.

    Example::

        >>> from ember.tensor import Tensor
        >>> print(tensor_repr(Tensor._make(np.array([[1.0, 2.5], [-3.0, 4.0]]))))
        tensor([[ 1.0000,  2.5000],
                [-3.0000,  4.0000]], dtype=torch.float64)
    """
    prefix = "tensor("
    indent = len(prefix)
    a = _numpy(t._data)
    dtype = _dt.FROM_NP[a.dtype]
    default = _dt.get_default_dtype()
    suffixes = []

    if t.device.type != "cpu":
        suffixes.append(f"device='{t.device}'")
    if a.size == 0:
        # No elements to hint at the dtype, so even int64 is named; the shape is shown
        # unless it is (0,).
        if a.ndim != 1:
            suffixes.append(f"size={tuple(a.shape)}")
        if dtype is not default:
            suffixes.append(f"dtype={dtype!r}")
        body = "[]"
    else:
        if not _opts["edgeitems"]:
            suffixes.append(f"size={tuple(a.shape)}")
        # The dtype is implied for the default float dtype, int64 (ints) and bool.
        if dtype not in (default, _dt.int64, _dt.bool):
            suffixes.append(f"dtype={dtype!r}")
        summarize = a.size > _opts["threshold"]
        shown = _summarized(a, _opts["edgeitems"]) if summarize else a
        fmt = _Formatter(shown, dtype.is_floating_point)
        body = _nested_str(a, indent, summarize, fmt)

    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
