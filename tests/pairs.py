"""Helpers that set up the same thing in PyTorch and in ember, shared by the test modules."""
import warnings

import numpy as np
import pytest
import torch

import ember


def same_error(prog, match, exc=RuntimeError):
    """Both libraries raise ``exc`` with ``match`` in the message (``prog(m)`` for m in torch, ember)."""
    for m in (torch, ember):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(exc) as info:
                prog(m)
        assert match in str(info.value), f"{m.__name__}: {info.value}"


def load_from_torch(em, tm):
    """Copy torch module ``tm``'s state_dict into ember module ``em``."""
    em.load_state_dict({k: ember.from_numpy(v.detach().numpy().copy()) for k, v in tm.state_dict().items()})


def leaf_pair(a, noncontig=False):
    """The same array as a torch and an ember leaf (optionally a transposed, non-contiguous view);
    float arrays require grad."""
    out = []
    for m in (torch, ember):
        if noncontig:
            t = m.from_numpy(np.ascontiguousarray(np.swapaxes(a, -1, -2))).transpose(-1, -2)
        else:
            t = m.from_numpy(a.copy())
        out.append(t.requires_grad_(a.dtype.kind == "f"))
    return out
