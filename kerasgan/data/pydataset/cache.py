"""`ImageCache`: decoded uint8 images held in memory, in a disk file, or decoded on access."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Sequence

import numpy as np

logger = logging.getLogger("kerasgan")

FORMAT = "kerasgan.ImageCache"
FORMAT_VERSION = 1


def cache_key(files: Sequence[str], **params) -> str:
    """A digest of the files (paths, sizes, mtimes) and the decode parameters."""
    digest = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode())
    for f in files:
        st = os.stat(f)
        digest.update(f"{f}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


class ImageCache:
    """Indexable decoded images: `cache[i]` is uint8 `(h, w, c)`.

    Args:
        items: What `load` decodes (file paths).
        load: `item -> uint8 (h, w, c)`, deterministic.
        cache: True (decode every item now into memory), a path prefix
            (decode into `<prefix>.npy`, described by `<prefix>.json`; a later
            run with the same files and parameters memory-maps it instead of
            decoding), or False (decode on each access).
        shapes: Every item's decoded shape: one tuple when all share it,
            else a list (needed for a disk cache of variable-size images).
        workers: Threads that decode while the cache is built.
        key: Digest of the items and parameters (see `cache_key`), checked
            before a disk cache is reused.

    Items that fail to decode while the cache is built are skipped with a
    warning; `len(cache)` counts the others and `cache.items` lists them.
    """

    def __init__(self, items: Sequence, load: Callable[[object], np.ndarray], cache=True,
                 shapes=None, workers: int = 1, key: str = ""):
        self.items = list(items)
        self.load = load
        self.mode = "disk" if isinstance(cache, (str, os.PathLike)) else (
            "memory" if cache else "none")
        self.path = os.fspath(cache) if self.mode == "disk" else None
        if isinstance(shapes, tuple):
            self._fixed = tuple(int(s) for s in shapes)
            self._shapes = None
        else:
            self._fixed = None
            self._shapes = None if shapes is None else [tuple(int(v) for v in s) for s in shapes]
        if self.mode == "disk" and self._fixed is None and self._shapes is None:
            raise ValueError("A disk ImageCache of variable-size images needs their shapes.")
        self.workers = max(1, int(workers))
        self.key = key
        self._data = None      # ndarray (n, *shape), flat ndarray, or list of arrays
        self._offsets = None   # flat disk layout: start of item i
        self._valid = None     # indices of items that decoded
        if self.mode == "memory":
            self._build_memory()
        elif self.mode == "disk":
            if not self._open_disk():
                self._build_disk()
                if not self._open_disk():  # pragma: no cover - just written
                    raise OSError(f"Could not read back the image cache {self.path}.npy.")

    # ---------------------------------------------------------------- access
    def __len__(self) -> int:
        return len(self.items) if self._valid is None else len(self._valid)

    def __getitem__(self, i: int) -> np.ndarray:
        j = int(i) if self._valid is None else self._valid[int(i)]
        if self.mode == "none":
            return self._decode(j)
        if self._offsets is not None:
            start = self._offsets[j]
            shape = self._shapes[j]
            return self._data[start:start + int(np.prod(shape))].reshape(shape)
        return self._data[j]

    def _decode(self, j: int) -> np.ndarray:
        image = self.load(self.items[j])
        expected = self._fixed or (self._shapes[j] if self._shapes else None)
        if expected is not None and tuple(image.shape) != expected:
            raise ValueError(f"{self.items[j]} decoded to shape {tuple(image.shape)}; "
                             f"expected {expected}.")
        return image

    def _try(self, j: int):
        try:
            return self._decode(j)
        except Exception as err:  # noqa: BLE001 - any decoder error skips the item
            return err

    def _skipped(self, failures: dict) -> None:
        if failures:
            logger.warning(
                "Skipping %d image(s) that could not be decoded: %s", len(failures),
                "; ".join(f"{self.items[j]} ({type(e).__name__}: {e})"
                          for j, e in list(failures.items())[:5])
                + (" ..." if len(failures) > 5 else ""))
            self._valid = [j for j in range(len(self.items)) if j not in failures]
            if not self._valid:
                raise ValueError("None of the images could be decoded.")

    def _decode_all(self, store: Callable[[int, np.ndarray], None]) -> dict:
        start = time.monotonic()
        failures = {}
        with ThreadPoolExecutor(self.workers) as pool:
            for j, result in enumerate(pool.map(self._try, range(len(self.items)))):
                if isinstance(result, Exception):
                    failures[j] = result
                else:
                    store(j, result)
        logger.info("ImageCache: decoded %d image(s) in %.1f s%s.", len(self.items),
                    time.monotonic() - start, f" into {self.path}.npy" if self.path else "")
        return failures

    # ---------------------------------------------------------------- memory
    def _build_memory(self) -> None:
        n = len(self.items)
        if self._fixed is not None:
            self._data = np.zeros((n,) + self._fixed, np.uint8)

            def store(j, image):
                self._data[j] = image
        else:
            self._data = [None] * n

            def store(j, image):
                self._data[j] = image
        self._skipped(self._decode_all(store))

    # ------------------------------------------------------------------ disk
    def _meta(self) -> dict:
        meta = {"format": FORMAT, "version": FORMAT_VERSION, "key": self.key,
                "count": len(self.items)}
        if self._fixed is not None:
            meta["shape"] = list(self._fixed)
        else:
            meta["shapes"] = [list(s) for s in self._shapes]
        return meta

    def _open_disk(self) -> bool:
        try:
            with open(f"{self.path}.json", encoding="utf-8") as f:
                meta = json.load(f)
        except (OSError, ValueError):
            return False
        valid = meta.pop("valid", None)
        if meta != self._meta():
            logger.warning("ImageCache: %s.json was made from other files or parameters; "
                           "rebuilding it.", self.path)
            return False
        try:
            data = np.load(f"{self.path}.npy", mmap_mode="r")
        except (OSError, ValueError) as err:
            logger.warning("ImageCache: %s.npy is unreadable (%s); rebuilding it.", self.path, err)
            return False
        if self._fixed is not None:
            expected = (len(self.items),) + self._fixed
        else:
            sizes = [int(np.prod(s)) for s in self._shapes]
            self._offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
            expected = (int(sum(sizes)),)
        if data.shape != expected or data.dtype != np.uint8:
            logger.warning("ImageCache: %s.npy holds %s %s, expected uint8 %s; rebuilding it.",
                           self.path, data.dtype, data.shape, expected)
            self._offsets = None
            return False
        self._data = data
        self._valid = valid
        return True

    def _build_disk(self) -> None:
        directory = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(directory, exist_ok=True)
        tmp = f"{self.path}.tmp-{os.getpid()}"
        if self._fixed is not None:
            shape = (len(self.items),) + self._fixed
            offsets = None
        else:
            sizes = [int(np.prod(s)) for s in self._shapes]
            offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
            shape = (int(sum(sizes)),)
        data = np.lib.format.open_memmap(f"{tmp}.npy", mode="w+", dtype=np.uint8, shape=shape)

        def store(j, image):
            if offsets is None:
                data[j] = image
            else:
                data[offsets[j]:offsets[j] + image.size] = image.reshape(-1)

        failures = self._decode_all(store)
        data.flush()
        del data
        self._skipped(failures)
        meta = self._meta()
        if self._valid is not None:
            meta["valid"] = self._valid
        with open(f"{tmp}.json", "w", encoding="utf-8") as f:
            json.dump(meta, f)
        # The .json names a complete .npy: replace the data first.
        os.replace(f"{tmp}.npy", f"{self.path}.npy")
        os.replace(f"{tmp}.json", f"{self.path}.json")
        self._valid = None  # re-read by _open_disk

    # --------------------------------------------------------------- pickling
    def __getstate__(self):
        state = dict(self.__dict__)
        if self.mode == "disk":
            state["_data"] = None  # workers memory-map the file again
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        if self.mode == "disk" and self._data is None:
            self._data = np.load(f"{self.path}.npy", mmap_mode="r")


__all__ = ["ImageCache", "cache_key"]
