"""``ember.device`` and the mapping from a device to the array backend that serves it."""
from .backends import get_backend

__all__ = ["device"]


class device:
    """Where a tensor's data lives: ``device("cpu")``, ``device("cuda", 0)``, ``device("cuda:1")``.

    Creating a device object is always allowed; putting a tensor on a device whose
    backend is missing raises a RuntimeError that names the backend.
    """

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            self.type, self.index = type.type, type.index
            return
        if isinstance(type, int) and not isinstance(type, bool):  # device(1): an accelerator index
            type, index = "cuda", type
        if not isinstance(type, str):
            raise TypeError(f"device(): expected a string or device, got {type.__class__.__name__}")
        if ":" in type:
            if index is not None:
                raise RuntimeError(f"device(): type (string) must not include an index when index is given: {type!r}")
            type, _, idx = type.partition(":")
            try:
                index = int(idx)
            except ValueError:
                raise RuntimeError(f"Invalid device string: '{type}:{idx}'") from None
        if type not in ("cpu", "cuda", "meta", "mps"):
            raise RuntimeError(f"Expected one of cpu, cuda, meta, mps device type at start of device string: {type}")
        if index is not None and index < 0:
            raise RuntimeError(f"Device index must not be negative, got {index}")
        self.type, self.index = type, index

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        # NOTE: as in PyTorch, a device never equals a string: compare ``t.device.type == "cpu"``.
        return isinstance(other, device) and self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))


CPU = device("cpu")


def as_device(d):
    """Normalize ``None``/str/int/device to a device object that has a backend here."""
    if d is None or d is CPU:
        return CPU
    if not isinstance(d, device):
        if isinstance(d, int):
            d = device("cuda", d)
        else:
            d = device(d)
    get_backend(d.type)  # raises with a clear message when the backend is missing
    return CPU if d.type == "cpu" else d
