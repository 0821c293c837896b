"""The resumable stream of a PyDataset: global step `n` -> its batch, made ahead by workers.

Keras' PyDataset adapter cannot carry on after an epoch that a callback ended
early (its `on_epoch_begin` then raises), and `ResumableBackup` ends the
resumed epoch early. So the stream is a Python generator, which `fit`
iterates across epochs, with its own ordered read-ahead on the source's
`workers` threads (or processes with `use_multiprocessing`).
"""

from __future__ import annotations

import collections
import concurrent.futures
from typing import Any, Iterator

import keras
import numpy as np


class StepBatches:
    """`StepBatches(source)(n)`: the batch global step `n` trains on.

    Args:
        source: A PyDataset with `get_batch(epoch, index)` (every
            `kerasgan.data.SeededPyDataset`): step `n` is batch `n % spe` of
            epoch `n // spe`. Or an infinite PyDataset (`num_batches` None)
            whose item `n` is deterministic: step `n` is `source[n]`.
        steps_per_epoch: `spe` above (at most `len(source)`); None:
            `len(source)`.
    """

    def __init__(self, source: keras.utils.PyDataset, steps_per_epoch: int | None = None):
        self.source = source
        if callable(getattr(source, "get_batch", None)):
            available = len(source)
            spe = available if steps_per_epoch is None else int(steps_per_epoch)
            if spe > available:
                raise ValueError(
                    f"steps_per_epoch={spe} is more than the {available} batches of each "
                    f"epoch of {source!r}; pass at most {available}.")
            self.steps_per_epoch = spe
        elif source.num_batches is None:
            self.steps_per_epoch = None
        else:
            raise TypeError(
                f"resumable_dataset cannot position {type(source).__name__}, a finite PyDataset "
                "without get_batch(epoch, index): which batch comes at a global step depends "
                "on how often on_epoch_end was called. Subclass "
                "kerasgan.data.SeededPyDataset, or make it infinite (num_batches None) with "
                "item n a deterministic function of n.")

    def __call__(self, n: int) -> Any:
        if self.steps_per_epoch is None:
            return self.source[n]
        return self.source.get_batch(*divmod(n, self.steps_per_epoch))


_WORKER_BATCHES = None


def _init_worker(batches: StepBatches) -> None:
    global _WORKER_BATCHES
    _WORKER_BATCHES = batches


def _worker_batch(n: int):
    return _WORKER_BATCHES(n)


def _as_fit_input(batch):
    if isinstance(batch, np.ndarray):
        return (batch,)
    if isinstance(batch, list):
        return tuple(batch)
    return batch


def pydataset_stream(source: keras.utils.PyDataset, start_step: int = 0,
                     steps_per_epoch: int | None = None) -> Iterator:
    """An infinite generator of the batches of global steps `start_step`, `start_step + 1`, ...

    Made ahead (at most `source.max_queue_size`) by `source.workers` threads,
    or processes with `source.use_multiprocessing`, and yielded in order.

    Args:
        source: See `StepBatches`.
        start_step: First global step.
        steps_per_epoch: See `StepBatches`.

    Returns:
        A generator of batch tuples, for `fit(..., steps_per_epoch=...)`.
    """
    batches = StepBatches(source, steps_per_epoch)
    workers = int(getattr(source, "workers", 1) or 1)
    processes = bool(getattr(source, "use_multiprocessing", False))
    depth = max(1, int(getattr(source, "max_queue_size", 10) or 10))
    return _generate(batches, int(start_step), workers, processes, depth)


def _generate(batches, start, workers, processes, depth):
    if workers <= 1 and not processes:
        n = start
        while True:
            yield _as_fit_input(batches(n))
            n += 1
    if processes:
        pool = concurrent.futures.ProcessPoolExecutor(workers, initializer=_init_worker,
                                                      initargs=(batches,))

        def submit(n):
            return pool.submit(_worker_batch, n)
    else:
        pool = concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="kerasgan-data")

        def submit(n):
            return pool.submit(batches, n)
    pending = collections.deque()
    following = start
    try:
        while True:
            while len(pending) < depth:
                pending.append(submit(following))
                following += 1
            yield _as_fit_input(pending.popleft().result())
    finally:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=False, cancel_futures=True)


__all__ = ["StepBatches", "pydataset_stream"]
