"""``ember.cuda``: answers for programs that ask about GPUs. ember's GPU backend (CuPy) is not built yet."""

__all__ = ["is_available", "device_count", "manual_seed", "manual_seed_all"]


def is_available():
    """False: ember has no GPU backend yet."""
    return False


def device_count():
    return 0


def manual_seed(seed):
    """Seeding a GPU generator is a no-op when there is no GPU, as in PyTorch."""


manual_seed_all = manual_seed
