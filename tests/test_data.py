"""ember.utils.data against torch.utils.data: datasets, samplers, collation, the DataLoader
(single process and with workers)."""
import collections
import multiprocessing
import os
import time

import numpy as np
import pytest
import torch
import torch.utils.data as tdata

import ember
import ember.utils.data as edata


def to_np(x):
    """Nested structure -> same structure with tensors (ember or torch) as NumPy arrays."""
    if isinstance(x, (ember.Tensor, torch.Tensor)):
        return ("tensor", str(x.dtype).replace("torch.", ""), x.numpy() if isinstance(x, torch.Tensor)
                else np.asarray(x._data))
    if isinstance(x, dict):
        return {k: to_np(v) for k, v in x.items()}
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return (type(x).__name__, tuple(to_np(v) for v in x))
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [to_np(v) for v in x])
    return x


def assert_same(a, b):
    """Same structure, same container types, same dtypes and values."""
    a, b = to_np(a), to_np(b)

    def cmp(x, y):
        assert type(x) is type(y), (x, y)
        if isinstance(x, dict):
            assert list(x) == list(y)
            for k in x:
                cmp(x[k], y[k])
        elif isinstance(x, tuple) and len(x) == 3 and x[0] == "tensor":
            assert x[1] == y[1], (x[1], y[1])
            np.testing.assert_array_equal(x[2], y[2])
        elif isinstance(x, (list, tuple)):
            assert len(x) == len(y)
            for u, v in zip(x, y):
                cmp(u, v)
        else:
            assert x == y
    cmp(a, b)


def tensor_datasets(n=10):
    x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n)
    return (edata.TensorDataset(ember.tensor(x), ember.tensor(y)),
            tdata.TensorDataset(torch.tensor(x), torch.tensor(y)))


# -- datasets ----------------------------------------------------------------------------------------
def test_tensor_dataset():
    e, t = tensor_datasets()
    assert len(e) == len(t) == 10
    assert_same(e[3], t[3])
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        edata.TensorDataset(ember.zeros(3), ember.zeros(4))
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        tdata.TensorDataset(torch.zeros(3), torch.zeros(4))


def test_stack_concat_subset():
    a, b = list(range(5)), list("abcde")
    for mod in (edata, tdata):
        s = mod.StackDataset(a, b)
        assert len(s) == 5 and s[2] == (2, "c")
        assert mod.StackDataset(x=a, y=b)[1] == {"x": 1, "y": "b"}
        with pytest.raises(ValueError, match="Size mismatch between datasets"):
            mod.StackDataset(a, b[:3])
        with pytest.raises(ValueError, match="both types"):
            mod.StackDataset(a, y=b)
        c = mod.ConcatDataset([a, b, [7]])
        assert len(c) == 11 and c.cumulative_sizes == [5, 10, 11]
        assert [c[i] for i in range(11)] == a + b + [7] and c[-1] == 7 and c[-11] == 0
        with pytest.raises(ValueError, match="absolute value"):
            c[-12]
        with pytest.raises(AssertionError, match="empty"):
            mod.ConcatDataset([])
        sub = mod.Subset(b, [4, 0, 2])
        assert len(sub) == 3 and [sub[i] for i in range(3)] == ["e", "a", "c"]
    assert_same(edata.StackDataset(a, b).__getitems__([0, 3]), tdata.StackDataset(a, b).__getitems__([0, 3]))


class ERange(edata.IterableDataset):
    def __init__(self, start, end):
        self.start, self.end = start, end

    def __iter__(self):
        info = edata.get_worker_info()
        if info is None:
            return iter(range(self.start, self.end))
        return iter(range(self.start + info.id, self.end, info.num_workers))

    def __len__(self):
        return self.end - self.start


def test_chain_and_add():
    chained = ERange(0, 3) + ERange(10, 12)
    assert isinstance(chained, edata.ChainDataset)
    assert list(chained) == [0, 1, 2, 10, 11] and len(chained) == 5
    e, _ = tensor_datasets(4)
    assert len(e + e) == 8


@pytest.mark.parametrize("lengths", [[3, 7], [0.3, 0.7], [0.5, 0.25, 0.25], [0.34, 0.33, 0.33], [10]])
def test_random_split(lengths):
    data = list(range(10))
    tparts = tdata.random_split(data, lengths, generator=torch.Generator().manual_seed(0))
    eparts = edata.random_split(data, lengths, generator=ember.Generator().manual_seed(0))
    assert [len(p) for p in eparts] == [len(p) for p in tparts]
    seen = [x for p in eparts for x in p]
    assert sorted(seen) == data  # disjoint and complete
    again = edata.random_split(data, lengths, generator=ember.Generator().manual_seed(0))
    assert [list(p) for p in again] == [list(p) for p in eparts]


def test_random_split_errors_and_default_generator():
    with pytest.raises(ValueError, match="Sum of input lengths"):
        edata.random_split(range(10), [3, 3])
    ember.manual_seed(5)
    a = [list(p) for p in edata.random_split(range(10), [5, 5])]
    ember.manual_seed(5)
    assert [list(p) for p in edata.random_split(range(10), [5, 5])] == a


# -- samplers -----------------------------------------------------------------------------------------
def test_samplers_lengths_and_errors():
    data = list(range(7))
    assert list(edata.SequentialSampler(data)) == list(tdata.SequentialSampler(data))
    for args in [(3, False), (3, True), (2, True)]:
        eb = edata.BatchSampler(edata.SequentialSampler(data), *args)
        tb = tdata.BatchSampler(tdata.SequentialSampler(data), *args)
        assert list(eb) == list(tb) and len(eb) == len(tb)
    with pytest.raises(ValueError, match="batch_size should be a positive integer value, but got batch_size=0"):
        edata.BatchSampler(data, 0, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean"):
        edata.BatchSampler(data, 2, 1)
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        edata.RandomSampler(data, num_samples=0)
    with pytest.raises(TypeError, match="replacement should be a boolean"):
        edata.RandomSampler(data, replacement=1)
    with pytest.raises(ValueError, match="weights should be a 1d sequence"):
        edata.WeightedRandomSampler([[1.0]], 2)


def test_random_samplers():
    data = list(range(7))
    g = lambda: ember.Generator().manual_seed(3)  # noqa: E731
    perm = list(edata.RandomSampler(data, generator=g()))
    assert sorted(perm) == data and perm == list(edata.RandomSampler(data, generator=g()))
    long = list(edata.RandomSampler(data, num_samples=17, generator=g()))
    assert len(long) == 17 and sorted(long[:7]) == data and sorted(long[7:14]) == data
    rep = list(edata.RandomSampler(data, replacement=True, num_samples=20, generator=g()))
    assert len(rep) == 20 and all(0 <= i < 7 for i in rep)
    sub = list(edata.SubsetRandomSampler([10, 20, 30], generator=g()))
    assert sorted(sub) == [10, 20, 30]
    w = list(edata.WeightedRandomSampler([0.0, 1.0, 0.0, 2.0], 50, generator=g()))
    assert len(w) == 50 and set(w) <= {1, 3}
    w = list(edata.WeightedRandomSampler([1.0, 1.0, 0.0, 1.0], 3, replacement=False, generator=g()))
    assert sorted(w) == [0, 1, 3]


# -- collation ------------------------------------------------------------------------------------------
Point = collections.namedtuple("Point", "x y")


def _sample(mod, i):
    return {"t": mod.tensor([i, i + 1.0]), "n": np.full(2, i, dtype=np.int32), "f": i / 2, "i": i, "b": i % 2 == 0,
            "s": f"s{i}", "np_scalar": np.float32(i), "tuple": (i, [i * 1.5]), "pt": Point(i, mod.tensor(i))}


def test_default_collate_nested():
    batch_e = edata.default_collate([_sample(ember, i) for i in range(3)])
    batch_t = tdata.default_collate([_sample(torch, i) for i in range(3)])
    assert_same(batch_e, batch_t)
    assert batch_e["f"].dtype == ember.float64 and batch_e["b"].dtype == ember.bool


def test_default_collate_errors_and_convert():
    for mod in (edata, tdata):
        with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
            mod.default_collate([[1, 2], [3]])
        with pytest.raises(TypeError, match="default_collate: batch must contain"):
            mod.default_collate([object()])
        with pytest.raises(TypeError, match="default_collate: batch must contain"):
            mod.default_collate([np.array(["a"])])
    sample = {"a": np.arange(3), "b": (np.float64(2.0), "x"), "c": [np.ones(2)], "p": Point(np.zeros(1), 1)}
    assert_same(edata.default_convert(sample), tdata.default_convert(sample))


# -- DataLoader -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kw", [{}, {"batch_size": 3}, {"batch_size": 3, "drop_last": True}, {"batch_size": 5},
                                {"batch_size": None}, {"batch_size": 4, "collate_fn": lambda b: b}])
def test_sequential_batches_match_torch(kw):
    e, t = tensor_datasets(10)
    el, tl = edata.DataLoader(e, **kw), tdata.DataLoader(t, **kw)
    assert len(el) == len(tl)
    eb, tb = list(el), list(tl)
    assert len(eb) == len(tb)
    for a, b in zip(eb, tb):
        assert_same(a, b)


def test_batch_sampler_and_sampler_options():
    e, t = tensor_datasets(10)
    bs = [[0, 5], [9], [1, 2, 3]]
    for a, b in zip(edata.DataLoader(e, batch_sampler=bs), tdata.DataLoader(t, batch_sampler=bs)):
        assert_same(a, b)
    order = [9, 8, 7, 1]
    ea = list(edata.DataLoader(e, sampler=order, batch_size=2))
    tb = list(tdata.DataLoader(t, sampler=order, batch_size=2))
    for a, b in zip(ea, tb):
        assert_same(a, b)


@pytest.mark.parametrize("kw, match", [
    ({"batch_size": 0}, "batch_size should be a positive integer value, but got batch_size=0"),
    ({"batch_size": -1}, "batch_size should be a positive integer value, but got batch_size=-1"),
    ({"shuffle": True, "sampler": [0, 1]}, "sampler option is mutually exclusive with shuffle"),
    ({"batch_sampler": [[0]], "batch_size": 2}, "batch_sampler option is mutually exclusive"),
    ({"batch_sampler": [[0]], "drop_last": True}, "batch_sampler option is mutually exclusive"),
    ({"batch_sampler": [[0]], "sampler": [0]}, "batch_sampler option is mutually exclusive"),
    ({"batch_size": None, "drop_last": True}, "disables auto-batching"),
    ({"num_workers": -1}, "num_workers option should be non-negative"),
    ({"timeout": -1}, "timeout option should be non-negative"),
    ({"prefetch_factor": 2}, "prefetch_factor option could only be specified"),
    ({"persistent_workers": True}, "persistent_workers option needs num_workers > 0"),
])
def test_loader_errors(kw, match):
    e, t = tensor_datasets(4)
    with pytest.raises(ValueError, match=match):
        tdata.DataLoader(t, **kw)
    with pytest.raises(ValueError, match=match):
        edata.DataLoader(e, **kw)


def test_loader_misc_errors():
    e, _ = tensor_datasets(4)
    loader = edata.DataLoader(e)
    with pytest.raises(ValueError, match="batch_size attribute should not be set"):
        loader.batch_size = 3
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        edata.DataLoader(ERange(0, 3), shuffle=True)
    with pytest.raises(ValueError, match="expected unspecified sampler option"):
        edata.DataLoader(ERange(0, 3), sampler=[0])


def _ys(loader):
    return [y.tolist() for _, y in loader]


def test_shuffle_reproducible():
    e, _ = tensor_datasets(20)
    a = _ys(edata.DataLoader(e, batch_size=4, shuffle=True, generator=ember.Generator().manual_seed(7)))
    b = _ys(edata.DataLoader(e, batch_size=4, shuffle=True, generator=ember.Generator().manual_seed(7)))
    c = _ys(edata.DataLoader(e, batch_size=4, shuffle=True, generator=ember.Generator().manual_seed(8)))
    assert a == b and a != c and sorted(sum(a, [])) == list(range(20))
    ember.manual_seed(1)
    d = _ys(edata.DataLoader(e, batch_size=4, shuffle=True))
    ember.manual_seed(1)
    assert _ys(edata.DataLoader(e, batch_size=4, shuffle=True)) == d
    loader = edata.DataLoader(e, batch_size=4, shuffle=True, generator=ember.Generator().manual_seed(7))
    assert _ys(loader) != _ys(loader)  # a new order every epoch


@pytest.mark.parametrize("kw", [{}, {"batch_size": 2}, {"batch_size": 2, "drop_last": True}, {"batch_size": None}])
def test_iterable_dataset_single_process(kw):
    class TRange(tdata.IterableDataset):
        def __iter__(self):
            return iter(range(5))

        def __len__(self):
            return 5
    el, tl = edata.DataLoader(ERange(0, 5), **kw), tdata.DataLoader(TRange(), **kw)
    assert len(el) == len(tl)
    for a, b in zip(list(el), list(tl), strict=True):
        assert_same(a, b)


# -- workers ----------------------------------------------------------------------------------------------
@pytest.fixture
def no_leftover_workers():
    yield
    deadline = time.time() + 5
    while multiprocessing.active_children() and time.time() < deadline:
        time.sleep(0.01)
    assert multiprocessing.active_children() == []


def test_workers_same_batches(no_leftover_workers):
    e, _ = tensor_datasets(23)
    for kw in [{"batch_size": 3}, {"batch_size": 4, "drop_last": True}, {"batch_size": 5, "shuffle": True}]:
        gen = lambda: ember.Generator().manual_seed(0)  # noqa: E731
        ref = list(edata.DataLoader(e, generator=gen(), **kw))
        got = list(edata.DataLoader(e, num_workers=2, generator=gen(), prefetch_factor=1, **kw))
        assert len(ref) == len(got)
        for a, b in zip(ref, got):
            assert_same(a, b)


def _init_fn(worker_id):
    os.environ["EMBER_TEST_WORKER"] = str(worker_id)


class InfoDataset(edata.Dataset):
    def __len__(self):
        return 6

    def __getitem__(self, i):
        info = edata.get_worker_info()
        return {"i": i, "id": info.id, "n": info.num_workers, "seed": info.seed, "env": os.environ["EMBER_TEST_WORKER"],
                "same": info.dataset is not None}


def test_worker_info_and_init_fn(no_leftover_workers):
    assert edata.get_worker_info() is None
    loader = edata.DataLoader(InfoDataset(), batch_size=2, num_workers=2, worker_init_fn=_init_fn)
    batches = list(loader)
    assert [b["i"].tolist() for b in batches] == [[0, 1], [2, 3], [4, 5]]
    assert [b["id"].tolist() for b in batches] == [[0, 0], [1, 1], [0, 0]]  # round-robin
    assert all(b["n"].tolist() == [2, 2] for b in batches)
    assert [b["env"] for b in batches] == [["0", "0"], ["1", "1"], ["0", "0"]]
    seeds = [b["seed"][0].item() for b in batches]
    assert seeds[1] == seeds[0] + 1


def test_iterable_dataset_workers(no_leftover_workers):
    out = list(edata.DataLoader(ERange(0, 7), batch_size=2, num_workers=2))
    # worker 0 streams 0,2,4,6 and worker 1 streams 1,3,5; batches alternate between them
    assert [b.tolist() for b in out] == [[0, 2], [1, 3], [4, 6], [5]]
    out = list(edata.DataLoader(ERange(0, 7), batch_size=None, num_workers=3))
    assert sorted(int(x) for x in out) == list(range(7))


class Faulty(edata.Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == 5:
            raise KeyError(f"bad index {i}")
        return i


def test_worker_exception_propagates(no_leftover_workers):
    loader = edata.DataLoader(Faulty(), batch_size=2, num_workers=2)
    it = iter(loader)
    assert next(it).tolist() == [0, 1]
    assert next(it).tolist() == [2, 3]
    with pytest.raises(KeyError) as info:
        next(it)
    msg = str(info.value)
    assert "Caught KeyError in DataLoader worker process 0" in msg and "bad index 5" in msg
    assert "Traceback" in msg and "__getitem__" in msg
    with pytest.raises(StopIteration):
        next(it)


class Slow(edata.Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        time.sleep(0.5 if i == 2 else 0)
        return i


def test_timeout_and_gc(no_leftover_workers):
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.2 seconds"):
        list(edata.DataLoader(Slow(), num_workers=1, timeout=0.2))
    it = iter(edata.DataLoader(Slow(), num_workers=2, batch_size=1))
    assert next(it).tolist() == [0]
    assert len(multiprocessing.active_children()) == 2
    del it  # garbage collection shuts the workers down


def test_persistent_workers(no_leftover_workers):
    e, _ = tensor_datasets(10)
    loader = edata.DataLoader(e, batch_size=3, num_workers=2, persistent_workers=True)
    first = _ys(loader)
    pids = {p.pid for p in multiprocessing.active_children()}
    assert len(pids) == 2
    it = iter(loader)
    next(it)  # abandon an epoch half-way
    assert _ys(loader) == first == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert {p.pid for p in multiprocessing.active_children()} == pids
    stream = edata.DataLoader(ERange(0, 5), batch_size=2, num_workers=2, persistent_workers=True)
    assert [b.tolist() for b in stream] == [b.tolist() for b in stream] == [[0, 2], [1, 3], [4]]
    loader._iterator._shutdown()
    stream._iterator._shutdown()


class Dies(edata.Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        if i == 2:
            os._exit(1)
        return i


def _bad_init(worker_id):
    raise ZeroDivisionError("init failed")


def test_worker_death_init_error_and_spawn(no_leftover_workers):
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited unexpectedly"):
        list(edata.DataLoader(Dies(), num_workers=2))
    with pytest.raises(ZeroDivisionError, match="Caught ZeroDivisionError in DataLoader worker process"):
        list(edata.DataLoader(Dies(), num_workers=1, worker_init_fn=_bad_init))
    # NOTE: a dataset made of ember classes only, so the spawned workers need not import torch
    ds = edata.TensorDataset(ember.arange(5))
    out = edata.DataLoader(ds, batch_size=2, num_workers=2, multiprocessing_context="spawn")
    assert [b[0].tolist() for b in out] == [[0, 1], [2, 3], [4]]


def test_lazy_import():
    import subprocess
    import sys
    code = ("import sys, ember; assert 'ember.utils.data' not in sys.modules; "
            "import ember.utils; assert ember.utils.data.DataLoader is not None")
    subprocess.run([sys.executable, "-c", code], check=True)
