"""Switches the autograd side flips in the op scaffolding (kept here to avoid import cycles)."""


def set_trace_recording(on):
    """Make every recorded node keep the stack of the forward call that created it."""
    from .ops import _scaffold

    _scaffold._anomaly[0] = on
