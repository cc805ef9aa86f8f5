"""What runs inside a ``DataLoader`` worker process, and the pieces both sides share.

A worker receives tasks ``(epoch, send_idx, index)`` on its own pipe, fetches and collates the
batch, and sends back ``(epoch, send_idx, batch)`` on its result pipe. A failure is sent back as
an ``ExceptionWrapper`` (type + formatted traceback) that the main process re-raises. ``None``
(or the pipe closing, or the parent process dying) ends the worker; ``("reset", epoch)`` makes a
persistent worker start its ``IterableDataset`` over for a new epoch.
"""
import os
import pickle
import random
import sys
import traceback

__all__ = ["WorkerInfo", "get_worker_info"]

_worker_info = None  # set inside a worker process only


class WorkerInfo:
    """What a worker knows about itself: ``id``, ``num_workers``, ``seed`` and its ``dataset`` copy."""

    __initialized = False

    def __init__(self, **kwargs):
        for k, v in kwargs.items():
            setattr(self, k, v)
        self.__keys = tuple(kwargs)
        self.__initialized = True

    def __setattr__(self, key, val):
        if self.__initialized:
            raise RuntimeError(f"Cannot assign attributes to {self.__class__.__name__} objects")
        return super().__setattr__(key, val)

    def __repr__(self):
        items = ", ".join(f"{k}={getattr(self, k)}" for k in self.__keys)
        return f"{self.__class__.__name__}({items})"


def get_worker_info():
    """Inside a ``DataLoader`` worker: its ``WorkerInfo`` (``id``, ``num_workers``, ``seed``,
    ``dataset``); in the main process: ``None``. Use it in ``IterableDataset.__iter__`` or in a
    ``worker_init_fn`` to give each worker its own share of the data."""
    return _worker_info


class _KeyErrorMessage(str):
    """A str whose repr is itself, so a re-raised KeyError prints its traceback readably."""

    def __repr__(self):
        return self


class ExceptionWrapper:
    """An exception caught in a worker, carried to the main process as type + traceback text."""

    def __init__(self, where):
        exc_type, exc, tb = sys.exc_info()
        self.type_name = exc_type.__name__
        self.exc_msg = "".join(traceback.format_exception(exc_type, exc, tb))
        self.where = where
        try:  # NOTE: a class defined inside a function cannot be pickled; fall back to RuntimeError
            pickle.loads(pickle.dumps(exc_type))
            self.exc_type = exc_type
        except Exception:
            self.exc_type = RuntimeError

    def reraise(self):
        msg = f"Caught {self.type_name} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = _KeyErrorMessage(msg)
        try:
            exc = self.exc_type(msg)
        except Exception:  # an exception type whose constructor wants other arguments
            raise RuntimeError(msg) from None
        raise exc


class _IterableEnd:
    """Sent by a worker whose copy of an ``IterableDataset`` is exhausted."""

    def __init__(self, worker_id):
        self.worker_id = worker_id


# -- fetchers: turn an index (or a list of indices) into a collated batch --------------------------
class MapFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset, self.auto_collation, self.collate_fn = dataset, auto_collation, collate_fn

    def fetch(self, index):
        if not self.auto_collation:
            return self.collate_fn(self.dataset[index])
        getitems = getattr(self.dataset, "__getitems__", None)
        data = getitems(index) if callable(getitems) else [self.dataset[i] for i in index]
        return self.collate_fn(data)


class IterableFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.iterator = iter(dataset)
        self.auto_collation, self.collate_fn, self.drop_last = auto_collation, collate_fn, drop_last

    def fetch(self, index):
        """``index`` only says how many samples to take; raises StopIteration once the stream is done."""
        if not self.auto_collation:
            return self.collate_fn(next(self.iterator))
        data = []
        for _ in index:
            try:
                data.append(next(self.iterator))
            except StopIteration:
                break
        if not data or (self.drop_last and len(data) < len(index)):
            raise StopIteration
        return self.collate_fn(data)


def seed_worker(seed):
    """Seed ember, ``random`` and NumPy's global generator in a worker (seed = base_seed + id)."""
    import numpy as np

    import ember

    ember.manual_seed(seed)
    random.seed(seed)
    np.random.seed(seed % (1 << 32))


def worker_loop(iterable, dataset, tasks, results, auto_collation, collate_fn, drop_last, seed,
                init_fn, worker_id, num_workers):
    """The body of a worker process (see the module docstring for the protocol)."""
    global _worker_info
    parent = os.getppid()
    where = f"in DataLoader worker process {worker_id}"
    fetcher_cls = IterableFetcher if iterable else MapFetcher
    try:
        seed_worker(seed)
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
        init_error = fetcher = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = fetcher_cls(dataset, auto_collation, collate_fn, drop_last)
        except Exception:
            init_error = ExceptionWrapper(where)
        ended = False
        while True:
            # NOTE: poll with a timeout so an orphaned worker (parent killed) notices and exits.
            if not tasks.poll(1.0):
                if os.getppid() != parent:
                    break
                continue
            msg = tasks.recv()
            if msg is None:
                break
            if msg[0] == "reset":  # a new epoch of a persistent worker: start the stream over
                ended = False
                if init_error is None:
                    try:
                        fetcher = fetcher_cls(dataset, auto_collation, collate_fn, drop_last)
                    except Exception:
                        init_error = ExceptionWrapper(where)
                continue
            epoch, idx, index = msg
            if ended:
                continue  # the main process knows this stream is over and skips these tasks
            if init_error is not None:
                data = init_error
            else:
                try:
                    data = fetcher.fetch(index)
                except StopIteration:
                    data, ended = _IterableEnd(worker_id), True
                except Exception:
                    data = ExceptionWrapper(where)
            try:
                results.send((epoch, idx, data))
            except (OSError, EOFError):
                break  # the main process has gone away
            except Exception:  # the batch could not be pickled: report that instead
                results.send((epoch, idx, ExceptionWrapper(where)))
    except (KeyboardInterrupt, EOFError, OSError):
        pass  # the main process is shutting us down
    finally:
        tasks.close()
        results.close()
