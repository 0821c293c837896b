"""`RecipeRun`: one training run of a recipe, from its folder to its preset."""

from __future__ import annotations

import glob
import json
import os
import shutil
import tempfile
import time
from typing import Any, Callable, Mapping, Sequence

import keras

from kerasgan.callbacks import ResumableBackup
from kerasgan.data import resolve_pipeline
from kerasgan.recipes.callbacks import Throughput, TimeLimit
from kerasgan.utils.precision import float32_copy
from kerasgan.zoo.preset import resolve_attr

#: Largest file the GPU machine brings back from `$OUT`.
GPU_FILE_LIMIT = 16 * 2 ** 20
# Files of a `keras.callbacks.BackupAndRestore` folder (runs started by older recipes).
_KERAS_BACKUP_FILES = ("training_metadata.json", "latest.weights.h5")


class RecipeRun:
    """One run of a training recipe: its folder, resume, records and preset.

    Creating it checks `--resume`, makes `--out`, writes `recipe.json` (the
    flags), seeds Python, NumPy and the backend (`--seed`) and sets the
    global dtype policy (`--precision`). Use it as a context manager: the
    folders of `scratch` are removed on exit.

    The run folder (`--out`) receives `recipe.json`, `backup/` (the training
    state: run the same command again and training continues where it
    stopped), `samples/epoch_XXXX.png` (grids the recipe's callbacks write),
    `log.csv` (epoch metrics), `timing.json` (one line per session),
    `<name>.keras` (the trained model) and `preset/<name>/` (what
    `kerasgan.zoo.load` reads). `--export DIR` copies the small part of it
    into DIR at the end (see `export`).

    Args:
        name: The preset's name (e.g. `"dcgan_faces"`), also the `.keras` file's.
        args: The flags, from `kerasgan.recipes.parse_args`.
        recipe: The script, recorded in the preset (e.g.
            `"zoo/dcgan_faces/train.py"`).

    Example:
    ```python
    with RecipeRun("dcgan_faces", args, recipe="zoo/dcgan_faces/train.py") as run:
        gan = kerasgan.models.DCGAN(image_size=64)
        gan.compile(jit_compile=run.jit_compile)
        run.fit(gan, make_stream, steps_per_epoch=156,
                callbacks=[kerasgan.callbacks.SampleGrid(run.samples_dir)])
        run.finish(gan, metadata={"description": "DCGAN 64x64 faces"})
    ```
    """

    def __init__(self, name: str, args, recipe: str | None = None):
        self.name, self.args, self.recipe = name, args, recipe
        self.out = args.out
        self.backup_dir = os.path.join(self.out, "backup")
        self.records: list[dict] = []
        self.start = time.time()
        self._scratch = None
        if args.resume and not self._has_checkpoint():
            raise SystemExit(f"--resume: no interrupted run to continue in {self.backup_dir!r}.")
        os.makedirs(self.out, exist_ok=True)
        with open(self.path("recipe.json"), "w") as f:
            json.dump(vars(args), f, indent=2)
        keras.utils.set_random_seed(args.seed)
        keras.mixed_precision.set_global_policy(args.precision)

    def __enter__(self) -> "RecipeRun":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Removes the scratch folders."""
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None

    # ------------------------------------------------------------ paths
    def path(self, *parts: str) -> str:
        """A path inside the run folder."""
        return os.path.join(self.out, *parts)

    @property
    def samples_dir(self) -> str:
        """Where the recipe's callbacks write `epoch_XXXX.png` grids."""
        return self.path("samples")

    def scratch(self, *parts: str) -> str:
        """A path in a temporary folder removed by `close` (e.g. `--smoke` data)."""
        if self._scratch is None:
            self._scratch = tempfile.TemporaryDirectory(prefix=f"kerasgan-{self.name}-")
        return os.path.join(self._scratch.name, *parts)

    # --------------------------------------------------------- settings
    @property
    def jit_compile(self):
        """`compile(jit_compile=...)`: True with `--jit`, else Keras' `"auto"`."""
        return True if self.args.jit else "auto"

    @property
    def data_options(self) -> dict:
        """`pipeline`, `workers` and `seed` keywords for `kerasgan.data` pipelines."""
        return {"pipeline": self.args.pipeline, "workers": self.args.workers,
                "seed": self.args.seed}

    # ------------------------------------------------------------ train
    def _has_keras_backup(self, folder: str | None = None) -> bool:
        folder = folder or self.backup_dir
        return any(os.path.isfile(os.path.join(folder, f)) for f in _KERAS_BACKUP_FILES)

    def _has_checkpoint(self) -> bool:
        return self._has_keras_backup() or ResumableBackup(self.backup_dir).checkpoint is not None

    def _resume(self, make_stream, backup: bool | str):
        """`(stream, initial epoch, callbacks)`; the epoch is None when Keras' backup decides."""
        folder = self.path(backup) if isinstance(backup, str) else self.backup_dir
        if not backup:
            return make_stream(), 0, []
        if self._has_keras_backup(folder):
            print(f"Continuing the keras.callbacks.BackupAndRestore backup in {folder} "
                  "(written by an older recipe) from its last epoch.")
            return make_stream(), None, [
                keras.callbacks.BackupAndRestore(folder, delete_checkpoint=False)]
        resume = ResumableBackup(folder, delete_checkpoint=False,
                                 save_freq=self.args.checkpoint_every or "epoch",
                                 keep=max(2, getattr(self.args, "average_last", 0) or 0))
        if resume.checkpoint:
            print(f"Resuming from {resume.checkpoint} (epoch {resume.initial_epoch + 1}, "
                  f"step {resume.initial_step}).")
        return resume.dataset(make_stream), resume.initial_epoch, [resume]

    def fit(self, model, make_stream: Callable[[], Any], steps_per_epoch: int,
            epochs: int | None = None, callbacks: Sequence[keras.callbacks.Callback] = (),
            backup: bool | str = True, log: str = "log.csv",
            planned_steps: int | None = None) -> dict:
        """Trains `model`, continuing the run in `--out` where it stopped.

        The state is backed up in `backup/` by `kerasgan.callbacks.ResumableBackup`
        at each epoch end (and every `--checkpoint-every` steps); the next run
        with the same `--out` continues from the last checkpoint, on the
        batches an uninterrupted run would have seen when the stream is
        deterministic. A `backup/` written by `keras.callbacks.BackupAndRestore`
        (older recipes) is continued with it, from its last epoch.

        Args:
            model: The compiled model.
            make_stream: A function returning the infinite stream of batches
                (a `kerasgan.data` pipeline built with `repeat=True`).
            steps_per_epoch: Batches per epoch.
            epochs: Total epochs (default `--epochs`).
            callbacks: The recipe's callbacks (e.g. sample grids); they run
                after the backup (and the `--time-limit`) and before the
                `log.csv` logger.
            backup: False: no backup and no resume (throughput probes); a
                string: the backup folder's name in `--out` (default `backup`).
            log: The CSV file of the epoch metrics, in `--out` (appended to).
            planned_steps: Steps of the planned full run: the record then
                estimates its hours from the measured rate.

        Returns:
            The session's record, also appended to `timing.json`.
        """
        args = self.args
        epochs = args.epochs if epochs is None else epochs
        stream, initial_epoch, before = self._resume(make_stream, backup)
        timer = Throughput(args.batch_size)
        if getattr(args, "time_limit", None):
            before.append(TimeLimit(args.time_limit, start=self.start))
        start = time.time()
        model.fit(stream, epochs=epochs, steps_per_epoch=steps_per_epoch,
                  initial_epoch=initial_epoch or 0, shuffle=False,  # the data is seeded
                  verbose=2, callbacks=[
                      *before, *callbacks, timer,
                      keras.callbacks.CSVLogger(self.path(log), append=True)])
        stopped = any(getattr(c, "stopped", False) for c in before)
        for backup_callback in before:  # a stop keeps the steps since the last checkpoint
            if stopped and isinstance(backup_callback, ResumableBackup):
                saved = backup_callback.save_now()
                if saved:
                    print(f"TimeLimit: checkpointed step {backup_callback.global_step} "
                          f"in {saved}.")
        record = {"epochs": epochs, "initial_epoch": initial_epoch,
                  "steps_per_epoch": steps_per_epoch, "batch_size": args.batch_size,
                  "precision": args.precision, "backend": keras.backend.backend(),
                  "pipeline": resolve_pipeline(args.pipeline),
                  "device": _device(), "seconds_this_session": round(time.time() - start, 2),
                  "stopped_by_time_limit": stopped,
                  **timer.summary()}
        if planned_steps and record["sec_per_step"]:
            record.update(planned_steps=planned_steps,
                          planned_hours=planned_steps * record["sec_per_step"] / 3600)
        self.records.append(record)
        with open(self.path("timing.json"), "a") as f:
            f.write(json.dumps(record) + "\n")
        print("timing:", json.dumps(record))
        return record

    # ----------------------------------------------------------- finish
    def finish(self, model, metadata: Mapping[str, Any],
               weights: Mapping[str, Any] | None = None) -> str | None:
        """Saves `<name>.keras`, writes `preset/<name>/` (unless `--no-preset`), exports.

        The preset holds float32 networks even after mixed-precision
        training; `--preset-dtype float16` stores their weight files in
        float16. `recipe`, `recipe_args` (the flags) and `training` (steps,
        epochs, batch size, precision, seconds of the last session, merged
        with `metadata["training"]`) are added to `metadata`.

        Args:
            model: The trained model.
            metadata: `kerasgan.zoo.save_preset` metadata (task, description,
                architecture, training_data, metrics, ...).
            weights: `save_preset`'s `{attribute path: network}` (default:
                the GAN's sampler as `generator`).

        Returns:
            The preset folder, or None with `--no-preset`.
        """
        from kerasgan import zoo

        averaged = self._average(model)
        model.save(self.path(f"{self.name}.keras"))
        folder = None
        if not self.args.no_preset:
            folder = self.path("preset", self.name)
            record = self.records[-1] if self.records else {}
            training = {"steps": _trained_steps(model), "epochs": record.get("epochs"),
                        "steps_per_epoch": record.get("steps_per_epoch"),
                        "batch_size": self.args.batch_size, "precision": self.args.precision,
                        "device": record.get("device"),
                        "seconds_last_session": record.get("seconds_this_session")}
            if averaged:
                training["averaged_checkpoint_steps"] = averaged
            training.update(metadata.get("training") or {})
            meta = {"name": self.name, "recipe": self.recipe, "recipe_args": vars(self.args),
                    **metadata, "training": training}
            source, weights = _float32_copy(model, weights)
            dtype = None if self.args.preset_dtype == "float32" else self.args.preset_dtype
            zoo.save_preset(source, folder, metadata=meta, weights=weights, overwrite=True,
                            weights_dtype=dtype)
            print(f"Preset written: {folder}")
        if self.args.export:
            self.export(self.args.export)
        return folder

    def _average(self, model) -> list[int] | None:
        """With `--average-last K`: the generators' mean over the K newest checkpoints.

        Returns the averaged checkpoints' steps (None when not averaging).
        Fewer than K checkpoints (a short run): the mean of those there are,
        said in one line; fewer than 2: the last weights, said too.
        """
        k = getattr(self.args, "average_last", 0) or 0
        if k < 2:
            return None
        from kerasgan.callbacks.resume.average import average_checkpoints
        from kerasgan.callbacks.resume.files import list_checkpoints

        found = list_checkpoints(self.backup_dir)[:k]
        if len(found) < 2:
            print(f"--average-last {k}: {len(found)} checkpoint(s) in {self.backup_dir}; "
                  "keeping the last weights.")
            return None
        if len(found) < k:
            print(f"--average-last {k}: only {len(found)} checkpoints; averaging those.")
        # The networks that produce images: a CycleGAN's two generators (their
        # EMA copies when it keeps them), a GAN's sampler (its EMA generator
        # when it has one), or a single network's weights.
        networks = ([n for n in ("ema_generator_ab", "ema_generator_ba") if _is_layer(model, n)]
                    or [n for n in ("generator_ab", "generator_ba") if _is_layer(model, n)])
        if not networks:
            networks = ["sampler"] if _is_layer(model, "sampler") else None
        steps = sorted(step for step, _ in found)
        average_checkpoints(model, [path for _, path in reversed(found)], networks)
        names = [getattr(model, n).name for n in networks] if networks else ["the weights"]
        print(f"Averaged {', '.join(names)} over the checkpoints of steps "
              f"{', '.join(map(str, steps))}.")
        return steps

    def export(self, directory: str) -> list[str]:
        """Copies the run's small results into `directory`.

        What the GPU machine brings back from `$OUT` (at most 8 files of
        16 MiB): `<name>/` (the preset: `preset.json` and its weight files),
        `samples.png` (the last sample grid), `log.csv` and `run.json` (the
        flags and this session's timing). Checkpoints and the `.keras` model
        stay in `--out`.

        Args:
            directory: The destination (created if needed).

        Returns:
            The files written.
        """
        os.makedirs(directory, exist_ok=True)
        preset = self.path("preset", self.name)
        if not self.args.no_preset and os.path.isdir(preset):
            shutil.copytree(preset, os.path.join(directory, self.name), dirs_exist_ok=True)
        grids = sorted(glob.glob(os.path.join(self.samples_dir, "*.png")))
        if grids:
            shutil.copyfile(grids[-1], os.path.join(directory, "samples.png"))
        if os.path.isfile(self.path("log.csv")):
            shutil.copyfile(self.path("log.csv"), os.path.join(directory, "log.csv"))
        with open(os.path.join(directory, "run.json"), "w") as f:
            json.dump({"name": self.name, "recipe": self.recipe, "recipe_args": vars(self.args),
                       "timing": self.records}, f, indent=2)
        written = sorted(os.path.join(root, f) for root, _, files in os.walk(directory)
                         for f in files)
        for path in written:
            if os.path.getsize(path) > GPU_FILE_LIMIT:
                print(f"Warning: {path} has {os.path.getsize(path) / 2 ** 20:.1f} MiB, more "
                      "than the 16 MiB a GPU-machine run brings back; pass --preset-dtype "
                      "float16 or a smaller model.")
        print(f"Exported {len(written)} files to {directory}")
        return written


def _is_layer(model, name: str) -> bool:
    return isinstance(getattr(model, name, None), keras.layers.Layer)


def _device() -> str:
    """The accelerator training ran on, as far as the backend tells cheaply."""
    if keras.backend.backend() == "jax":
        import jax

        device = jax.devices()[0]
        return f"{device.platform}: {device.device_kind}"
    return keras.backend.backend()


def _trained_steps(model) -> int | None:
    optimizer = getattr(model, "g_optimizer", None) or getattr(model, "optimizer", None)
    if optimizer is None:
        return None
    return int(keras.ops.convert_to_numpy(optimizer.iterations))


def _float32_copy(model, weights):
    """`(model, weights)` to publish: a float32 rebuild when `model` trained in mixed precision."""
    weights = dict(weights) if weights is not None else {"generator": model.sampler}
    if model.dtype_policy.name == "float32":
        return model, weights
    clone = float32_copy(model, copy_weights=False)
    copied = {}
    for attr, network in weights.items():
        network = resolve_attr(model, network) if isinstance(network, str) else network
        copied[attr] = resolve_attr(clone, attr)
        copied[attr].set_weights(network.get_weights())
    return clone, copied
