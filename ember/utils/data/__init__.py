"""``ember.utils.data``: datasets, samplers and the ``DataLoader`` (PyTorch's ``torch.utils.data``).

- ``dataset.py``: ``Dataset``, ``IterableDataset`` and the wrappers (``TensorDataset``, ``Subset``, ...);
- ``sampler.py``: the index orders (``SequentialSampler``, ``RandomSampler``, ``BatchSampler``, ...);
- ``_collate.py``: ``default_collate`` / ``default_convert``, samples -> batches;
- ``dataloader.py`` and ``_worker.py``: the loader, in one process or with worker processes.
"""
from ._collate import default_collate, default_convert
from ._worker import WorkerInfo, get_worker_info
from .dataloader import DataLoader
from .dataset import (ChainDataset, ConcatDataset, Dataset, IterableDataset, StackDataset, Subset, TensorDataset,
                      random_split)
from .sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler,
                      WeightedRandomSampler)

__all__ = ["BatchSampler", "ChainDataset", "ConcatDataset", "DataLoader", "Dataset", "IterableDataset",
           "RandomSampler", "Sampler", "SequentialSampler", "StackDataset", "Subset", "SubsetRandomSampler",
           "TensorDataset", "WeightedRandomSampler", "WorkerInfo", "default_collate", "default_convert",
           "get_worker_info", "random_split"]
