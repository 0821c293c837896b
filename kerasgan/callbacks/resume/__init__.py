"""`ResumableBackup`: kill-safe, mid-epoch, full-state resume of `fit`.

Interrupt `fit` at any point -- Ctrl-C, a pre-empted VM, `kill -9` -- start
the same script again, and training continues from the last checkpoint as if
it had never stopped: same weights, both optimizers' state (moments, iteration
counts, a `LossScaleOptimizer`'s scale), EMA generator, BatchNorm statistics,
seed-generator state, the running epoch metrics, the epoch and step counters
and Python's and NumPy's global random generators -- *and* the data stream
continues at the batch after the last one the checkpoint had trained on.

What Keras' own `BackupAndRestore` does not give, and this module does:

- **Atomic checkpoints.** Each checkpoint is a directory `ckpt-<step>` holding
  the weights (`model.save_weights`), the state `save_weights` leaves out
  (metric accumulators, seed-generator states) and a metadata file with the
  files' sha256. It is written under a temporary name and committed with one
  `os.replace`; a kill mid-write leaves only a temporary directory, which is
  ignored (and removed on the next start). The `keep` newest checkpoints are
  kept; a checkpoint that fails its checksum on restore is skipped, with a
  warning, in favour of the previous one.
- **Mid-epoch resume without re-training batches.** Keras restarts an
  interrupted epoch from its first batch. Here the data is one infinite,
  deterministic stream of batches, the batch at position `n` being the one
  global step `n` trains on; `ResumableBackup.dataset` starts that stream at
  the checkpoint's step, and the callback ends the resumed epoch after its
  remaining batches, so every epoch and step counter lines up with an
  uninterrupted run.
- **A check that the checkpoint belongs to this model** (class, dtype policy,
  every variable's shape and dtype, steps per epoch), with an error naming the
  first difference.

Modules: `files` (checkpoint directories: atomic commits, checksums),
`state` (what is saved of the model and how it is restored and checked),
`stream` and `pydataset_stream` (the data stream started at a global step,
from tf.data or a Keras PyDataset), `callback` (`ResumableBackup` itself),
`average` (a network's mean weights over kept checkpoints), `errors`.
"""

from kerasgan.callbacks.resume.average import average_checkpoints, newest_checkpoints
from kerasgan.callbacks.resume.callback import ResumableBackup
from kerasgan.callbacks.resume.errors import CheckpointMismatchError, CorruptCheckpointError
from kerasgan.callbacks.resume.files import (FORMAT, FORMAT_VERSION, METADATA_FILE, STATE_FILE,
                                             WEIGHTS_FILE)
from kerasgan.callbacks.resume.stream import resumable_dataset

__all__ = ["CheckpointMismatchError", "CorruptCheckpointError", "FORMAT", "FORMAT_VERSION",
           "METADATA_FILE", "ResumableBackup", "STATE_FILE", "WEIGHTS_FILE",
           "average_checkpoints", "newest_checkpoints", "resumable_dataset"]
