"""``python -m ember run SCRIPT.py [args]``: run a PyTorch program with ``torch`` resolved to ember.

When the program touches an API ember lacks (``torch.fft``, ``torch.nn.Transformer``, ``Tensor.foo``), the
traceback is printed as usual, followed by one line naming that API as PyTorch spells it:
``ember: torch.nn.Transformer is not yet supported by ember``.
"""
import re
import runpy
import sys
import traceback

# The messages Python (and ember's own lookups) give for a missing module attribute, a failed
# ``from X import name``, and a missing Tensor attribute.
_MODULE_ATTR = re.compile(r"module '(ember(?:\.[\w.]+)?)' has no attribute '(\w+)'")
_FROM_IMPORT = re.compile(r"cannot import name '(\w+)' from '(ember(?:\.[\w.]+)?)'")
_TENSOR_ATTR = re.compile(r"'(Tensor|Parameter)' object has no attribute '(\w+)'")


def _torch_name(module):
    return "torch" + module[len("ember"):]


def missing_api(exc):
    """The PyTorch name of the API whose absence raised ``exc`` (``"torch.fft"``), or None if it is not that."""
    msg = str(exc)
    if isinstance(exc, ModuleNotFoundError) and exc.name and exc.name.startswith("torch") \
            and "not yet supported by ember" in msg:
        return exc.name  # raised by torch_alias for ``import torch.something``
    if isinstance(exc, ImportError):
        m = _FROM_IMPORT.search(msg)
        return f"{_torch_name(m.group(2))}.{m.group(1)}" if m else None
    if isinstance(exc, AttributeError):
        m = _MODULE_ATTR.search(msg)
        if m:
            return f"{_torch_name(m.group(1))}.{m.group(2)}"
        m = _TENSOR_ATTR.search(msg)
        if m:
            return f"torch.Tensor.{m.group(2)}"
    return None


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) < 2 or argv[0] != "run":
        print("usage: python -m ember run SCRIPT.py [args...]", file=sys.stderr)
        return 2
    from .torch_alias import install

    install()
    script = argv[1]
    sys.argv = [script] + argv[2:]
    try:
        runpy.run_path(script, run_name="__main__")
    except (AttributeError, ImportError) as e:
        api = missing_api(e)
        if api is None:
            raise
        # NOTE: only the error that ends the program is explained; a script that catches AttributeError
        # itself (``hasattr(torch, "compile")``) probes features and runs on unchanged.
        traceback.print_exc()
        print(f"ember: {script} uses {api}, which is not yet supported by ember", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
