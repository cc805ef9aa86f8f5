"""The CPU backend: NumPy arrays."""
import numpy as xp  # noqa: F401

name = "cpu"
