"""`SeededPyDataset`: a PyDataset whose batches are pure functions of (seed, epoch, index)."""

from __future__ import annotations

import os
import threading
from typing import Any

import keras
import numpy as np

# Purposes of the random streams derived from the seed (see `SeededPyDataset.rng`).
ORDER = 0
AUGMENT = 1


def default_workers() -> int:
    """Worker threads used when `workers=None`: `min(8, os.cpu_count())`."""
    return max(1, min(8, os.cpu_count() or 1))


def check_seed(seed) -> int:
    """A non-negative int seed; None draws one from the OS."""
    if seed is None:
        return int(np.random.SeedSequence().generate_state(1, np.uint32)[0])
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer or None; received {seed!r}.")
    return int(seed)


class SeededPyDataset(keras.utils.PyDataset):
    """Base of kerasgan's PyDatasets: batch `index` of epoch `epoch` from those and the seed.

    Subclasses implement `get_batch(epoch, index)` with randomness drawn only
    from `self.rng(...)` and `self.permutation(...)`, so that a batch does not
    depend on which worker makes it, when, or what was made before: runs with
    the same seed give the same batches whatever `workers` and
    `use_multiprocessing`, and `kerasgan.callbacks.resumable_dataset` can
    start the stream at any global step.

    `len(ds)` is the number of batches per epoch. When `fit` iterates the
    dataset, `ds[index]` is batch `index` of epoch `ds.epoch`, and Keras'
    `on_epoch_end` advances `ds.epoch` (after each epoch that began). With
    `repeat=True` the dataset is infinite (`num_batches` is None) and
    `ds[n]` is batch `n % len(ds)` of epoch `n // len(ds)`: pass
    `steps_per_epoch` to `fit`.

    Keras' `fit(shuffle=True)` (its default) permutes the order in which it
    asks for a finite PyDataset's batches with Python's `random` module; the
    batches of each epoch are the same. Pass `shuffle=False` to `fit` for an
    order that depends on the seed only.

    Args:
        steps_per_epoch: Batches per epoch (>= 1).
        seed: Non-negative int; None draws one (then runs differ).
        repeat: Infinite: epochs follow each other in one index range.
        workers: Threads (or processes) that make batches ahead of `fit`;
            None: `min(8, os.cpu_count())`.
        use_multiprocessing: Processes instead of threads.
        max_queue_size: Batches made ahead.
    """

    def __init__(self, steps_per_epoch: int, seed: int | None = None, repeat: bool = False,
                 workers: int | None = None, use_multiprocessing: bool = False,
                 max_queue_size: int = 10):
        workers = default_workers() if workers is None else workers
        if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
            raise ValueError(f"workers must be a positive integer or None; received {workers!r}.")
        if isinstance(max_queue_size, bool) or not isinstance(max_queue_size, (int, np.integer)) \
                or max_queue_size < 1:
            raise ValueError(
                f"max_queue_size must be a positive integer; received {max_queue_size!r}.")
        super().__init__(workers=int(workers), use_multiprocessing=bool(use_multiprocessing),
                         max_queue_size=int(max_queue_size))
        if isinstance(steps_per_epoch, bool) or not isinstance(steps_per_epoch, (int, np.integer)) \
                or steps_per_epoch < 1:
            raise ValueError(
                f"steps_per_epoch must be a positive integer; received {steps_per_epoch!r}.")
        self.steps_per_epoch = int(steps_per_epoch)
        self.seed = check_seed(seed)
        self.repeat = bool(repeat)
        self.epoch = 0
        self._epoch_began = False
        self._orders: dict = {}
        self._orders_lock = threading.Lock()

    # ------------------------------------------------------------ to implement
    def get_batch(self, epoch: int, index: int) -> Any:
        """Batch `index` (0 <= index < len(self)) of epoch `epoch`."""
        raise NotImplementedError

    # ------------------------------------------------------------- randomness
    def rng(self, *key: int) -> np.random.Generator:
        """A numpy Generator seeded by `(seed, *key)`, e.g. `rng(AUGMENT, epoch, index)`."""
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=key))

    def permutation(self, n: int, *key: int) -> np.ndarray:
        """A permutation of `range(n)` seeded by `(seed, ORDER, *key)` (cached)."""
        key = (int(n),) + tuple(int(k) for k in key)
        with self._orders_lock:
            order = self._orders.get(key)
        if order is None:
            order = self.rng(ORDER, *key).permutation(n)
            with self._orders_lock:
                if len(self._orders) >= 16:
                    self._orders.clear()
                self._orders[key] = order
        return order

    def samples(self, n: int, epoch: int, start: int, stop: int, shuffle: bool,
                *salt: int) -> np.ndarray:
        """Which of `n` samples sit at positions `start..stop-1` of epoch `epoch`.

        Position `p` is sample `p % n` of pass `p // n` over the samples, each
        pass in its own order (seeded by `salt`, `epoch` and the pass) when
        `shuffle`, else in order. One pass per epoch, unless a batch needs
        more samples than there are.
        """
        passes, within = np.divmod(np.arange(start, stop), n)
        if not shuffle:
            return within
        return np.array([self.permutation(n, *salt, epoch, p)[w]
                         for p, w in zip(passes, within)], dtype=np.int64)

    # ------------------------------------------------------------ PyDataset API
    def __len__(self) -> int:
        return self.steps_per_epoch

    @property
    def num_batches(self) -> int | None:
        return None if self.repeat else self.steps_per_epoch

    def __getitem__(self, index: int):
        index = int(index)
        if self.repeat:
            if index < 0:
                raise IndexError(f"Batch index {index} of an infinite dataset must be >= 0.")
            epoch, index = divmod(index, self.steps_per_epoch)
            return self.get_batch(epoch, index)
        if not 0 <= index < self.steps_per_epoch:
            raise IndexError(f"Batch index {index} is out of range: this dataset has "
                             f"{self.steps_per_epoch} batches per epoch.")
        return self.get_batch(self.epoch, index)

    def on_epoch_begin(self) -> None:
        self._epoch_began = True

    def on_epoch_end(self) -> None:
        # Keras also calls on_epoch_end once before the first epoch (when fit
        # resets its iterator): only an epoch that began counts.
        if self._epoch_began and not self.repeat:
            self.epoch += 1
        self._epoch_began = False

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_orders_lock", None)
        state["_orders"] = {}
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._orders_lock = threading.Lock()

    def get_config(self) -> dict[str, Any]:
        return {"seed": self.seed, "repeat": self.repeat, "workers": self.workers,
                "use_multiprocessing": self.use_multiprocessing,
                "max_queue_size": self.max_queue_size}

    def __repr__(self) -> str:
        return (f"<{type(self).__name__}: {self.steps_per_epoch} batches per epoch"
                f"{', repeated' if self.repeat else ''}, seed={self.seed}, epoch={self.epoch}>")


__all__ = ["SeededPyDataset", "AUGMENT", "ORDER", "check_seed", "default_workers"]
