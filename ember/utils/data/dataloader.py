"""``DataLoader``: batches from a dataset, in one process or with worker processes.

How a batch is made:
1. the *index sampler* yields what to fetch: a list of indices per batch (a ``BatchSampler``
   over ``sampler``, or the user's ``batch_sampler``), or one index when ``batch_size=None``;
2. a *fetcher* reads those samples from the dataset (``dataset[i]``, or ``dataset.__getitems__``,
   or ``next()`` on an ``IterableDataset``'s iterator);
3. ``collate_fn`` merges them into a batch (``default_collate``: tensors stacked, numbers made
   tensors, containers kept).

With ``num_workers > 0`` steps 2-3 run in worker processes (``multiprocessing``, 'fork' where
available): the main process hands out index lists round-robin, keeps up to
``prefetch_factor * num_workers`` tasks in flight, and yields the results in sampler order.
"""
import itertools
import multiprocessing
import time
from multiprocessing.connection import wait

from . import _worker
from ._collate import default_collate, default_convert
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader"]


class _InfiniteConstantSampler(Sampler):
    """``None`` forever: the index sampler of an ``IterableDataset`` (the stream decides)."""

    def __iter__(self):
        while True:
            yield None


def _default_context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


class DataLoader:
    """Iterate over ``dataset`` in batches.

    Args: as ``torch.utils.data.DataLoader``. ``batch_size=None`` turns automatic batching off;
    ``shuffle=True`` uses a ``RandomSampler(dataset, generator=generator)``; ``pin_memory`` and
    ``pin_memory_device`` are accepted and ignored (ember tensors live in ordinary memory);
    ``in_order=False`` is accepted and batches still come in order (a valid order).

    Example::

        >>> import ember
        >>> from ember.utils.data import DataLoader, TensorDataset
        >>> ds = TensorDataset(ember.arange(5.), ember.arange(5))
        >>> [y.tolist() for x, y in DataLoader(ds, batch_size=2)]
        [[0, 1], [2, 3], [4]]
    """

    __initialized = False

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None,
                 persistent_workers=False, pin_memory_device="", in_order=True):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable "
                             "multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing.let "
                             "num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.in_order = in_order
        self.multiprocessing_context = multiprocessing_context

        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            if shuffle not in {False, None}:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle option, "
                                 f"but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler option, "
                                 f"but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified batch_sampler "
                                 f"option, but got batch_sampler={batch_sampler}")
        else:
            shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, "
                                 "sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive "
                             "with drop_last")

        if sampler is None:
            if self._iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        self.collate_fn = collate_fn or (default_collate if self._auto_collation else default_convert)
        self.persistent_workers = persistent_workers
        self._iterator = None
        self.__initialized = True

    @property
    def multiprocessing_context(self):
        return self.__multiprocessing_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, context):
        if context is not None:
            if self.num_workers == 0:
                raise ValueError(f"multiprocessing_context can only be used with multi-process loading "
                                 f"(num_workers > 0), but got num_workers={self.num_workers}")
            if isinstance(context, str):
                methods = multiprocessing.get_all_start_methods()
                if context not in methods:
                    raise ValueError(f"multiprocessing_context option should specify a valid start method "
                                     f"in {methods!r}, but got multiprocessing_context={context!r}")
                context = multiprocessing.get_context(context)
            if not isinstance(context, multiprocessing.context.BaseContext):
                raise TypeError(f"multiprocessing_context option should be a valid context object or a "
                                f"string specifying the start method, but got multiprocessing_context={context}")
        self.__multiprocessing_context = context

    def __setattr__(self, attr, val):
        if self.__initialized and attr in ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset",
                                           "persistent_workers"):
            raise ValueError(f"{attr} attribute should not be set after {self.__class__.__name__} is initialized")
        super().__setattr__(attr, val)

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def _get_iterator(self):
        if self.num_workers == 0:
            return _SingleProcessIter(self)
        return _MultiProcessIter(self)

    def __iter__(self):
        if not self.persistent_workers:
            return self._get_iterator()
        # NOTE: persistent workers outlive an epoch; a new epoch resets the same iterator.
        if self._iterator is None or self._iterator._closed:
            self._iterator = self._get_iterator()
        else:
            self._iterator._reset(self)
        return self._iterator

    def __len__(self):
        if self._iterable:
            length = len(self.dataset)  # TypeError when the stream has no length, as in PyTorch
            if self.batch_size is not None:
                div, mod = divmod(length, self.batch_size)
                length = div if self.drop_last or mod == 0 else div + 1
            return length
        return len(self._index_sampler)


class _BaseIter:
    def __init__(self, loader):
        import ember

        self._dataset = loader.dataset
        self._iterable = loader._iterable
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._collate_fn = loader.collate_fn
        # Drawn on every iterator, workers or not, so shuffled orders agree for any num_workers.
        self._base_seed = int(ember.randint(0, 1 << 62, (), generator=loader.generator))
        self._reset(loader)

    def _reset(self, loader):
        self._sampler_iter = iter(self._index_sampler)
        self._num_yielded = 0

    def __iter__(self):
        return self

    def __next__(self):
        data = self._next_data()
        self._num_yielded += 1
        return data

    def __len__(self):
        return len(self._index_sampler)


class _SingleProcessIter(_BaseIter):
    def __init__(self, loader):
        super().__init__(loader)
        fetcher = _worker.IterableFetcher if self._iterable else _worker.MapFetcher
        self._fetcher = fetcher(self._dataset, self._auto_collation, self._collate_fn, self._drop_last)

    def _next_data(self):
        return self._fetcher.fetch(next(self._sampler_iter))  # either may raise StopIteration


class _MultiProcessIter(_BaseIter):
    """Worker processes fed round-robin; results are put back in sampler order (``_rcvd_idx``)."""

    def __init__(self, loader):
        self._closed = True  # so __del__ is safe if starting the workers fails
        self._num_workers = loader.num_workers
        self._prefetch = max(loader.prefetch_factor, 1)  # NOTE: 0 would never fetch anything
        self._timeout = loader.timeout
        self._persistent = loader.persistent_workers
        self._epoch = 0
        self._first = True
        super().__init__(loader)
        ctx = loader.multiprocessing_context or _default_context()
        self._workers, self._task_conns, self._result_conns = [], [], []
        self._closed = False
        for wid in range(self._num_workers):
            task_r, task_w = ctx.Pipe(duplex=False)
            res_r, res_w = ctx.Pipe(duplex=False)
            p = ctx.Process(target=_worker.worker_loop, daemon=True,
                            args=(self._iterable, self._dataset, task_r, res_w, self._auto_collation,
                                  self._collate_fn, self._drop_last, self._base_seed + wid,
                                  loader.worker_init_fn, wid, self._num_workers))
            p.start()
            task_r.close()  # the worker's ends; keeping them open would hide a dead worker
            res_w.close()
            self._workers.append(p)
            self._task_conns.append(task_w)
            self._result_conns.append(res_r)
        self._first = False
        self._start_epoch()

    def _reset(self, loader):
        super()._reset(loader)
        if not self._first:
            self._start_epoch()

    def _start_epoch(self):
        self._epoch += 1
        self._send_idx = self._rcvd_idx = 0
        self._tasks = {}  # send_idx -> [worker_id] while in flight, [worker_id, batch] once arrived
        self._active = [True] * self._num_workers
        self._cycle = itertools.cycle(range(self._num_workers))
        if self._iterable and self._epoch > 1:
            for conn in self._task_conns:
                conn.send(("reset", self._epoch))
        for _ in range(self._prefetch * self._num_workers):
            self._put_task()

    def _put_task(self):
        for _ in range(self._num_workers):
            wid = next(self._cycle)
            if self._active[wid]:
                break
        else:
            return  # every worker's stream has ended
        try:
            index = next(self._sampler_iter)
        except StopIteration:
            return
        self._task_conns[wid].send((self._epoch, self._send_idx, index))
        self._tasks[self._send_idx] = [wid]
        self._send_idx += 1

    def _receive(self):
        """The next message from any worker; raises on timeout or a worker that died."""
        ready = wait(self._result_conns, timeout=self._timeout if self._timeout > 0 else None)
        if not ready:
            self._shutdown(wait=0)  # a stuck worker will not listen: end it at once
            raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")
        try:
            return ready[0].recv()
        except (EOFError, OSError):
            wid = self._result_conns.index(ready[0])
            pid = self._workers[wid].pid
            self._shutdown()
            raise RuntimeError(f"DataLoader worker (pid(s) {pid}) exited unexpectedly") from None

    def _next_data(self):
        if self._closed:
            raise StopIteration
        while True:
            # Skip tasks of workers whose stream ended: they will never be answered.
            while self._rcvd_idx < self._send_idx:
                task = self._tasks[self._rcvd_idx]
                if len(task) == 2 or self._active[task[0]]:
                    break
                del self._tasks[self._rcvd_idx]
                self._rcvd_idx += 1
            else:
                if not self._persistent:
                    self._shutdown()
                raise StopIteration
            task = self._tasks[self._rcvd_idx]
            if len(task) == 2:  # arrived earlier, out of order
                del self._tasks[self._rcvd_idx]
                self._rcvd_idx += 1
                self._put_task()
                return self._process(task[1])
            epoch, idx, data = self._receive()
            if epoch != self._epoch:
                continue  # left over from an epoch that was abandoned early
            if isinstance(data, _worker._IterableEnd):
                self._active[data.worker_id] = False  # its pending tasks are skipped above
                continue
            self._tasks[idx].append(data)

    def _process(self, data):
        if isinstance(data, _worker.ExceptionWrapper):
            self._shutdown()  # NOTE: no worker outlives an error
            data.reraise()
        return data

    def _shutdown(self, wait=1.0):
        """Stop the workers: ask politely, wait up to ``wait`` seconds, then terminate."""
        if self._closed:
            return
        self._closed = True
        for conn in self._task_conns:
            try:
                conn.send(None)
            except OSError:
                pass
        for conn in self._result_conns:  # unblocks a worker stuck sending a batch nobody will read
            conn.close()
        deadline = time.monotonic() + wait
        for p in self._workers:
            p.join(timeout=max(deadline - time.monotonic(), 0))
            if p.is_alive():
                p.terminate()
                p.join()
        for conn in self._task_conns:
            conn.close()

    def __del__(self):
        try:
            self._shutdown()
        except Exception:  # at interpreter exit, modules may already be gone
            pass
