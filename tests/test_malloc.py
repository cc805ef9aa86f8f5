"""ember/_malloc.py: glibc's M_TOP_PAD is set at import (Linux), and the opt-out works."""
import os
import subprocess
import sys

import pytest

import ember._malloc as _malloc


def _glibc():
    try:
        import ctypes

        return sys.platform.startswith("linux") and hasattr(ctypes.CDLL(None), "gnu_get_libc_version")
    except OSError:
        return False


@pytest.mark.skipif(not _glibc(), reason="glibc only")
def test_import_tunes_glibc_and_opt_out_leaves_it_alone():
    assert _malloc.tuned
    code = "import ember._malloc as m; print(m.tuned)"
    env = dict(os.environ, EMBER_MALLOC_TUNING="0")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "False"
