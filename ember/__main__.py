"""``python -m ember run SCRIPT.py [args]``: run a PyTorch program with ``torch`` resolved to ember."""
import runpy
import sys


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) < 2 or argv[0] != "run":
        print("usage: python -m ember run SCRIPT.py [args...]", file=sys.stderr)
        return 2
    from .torch_alias import install

    install()
    script = argv[1]
    sys.argv = [script] + argv[2:]
    runpy.run_path(script, run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
