"""Publishing: `save_preset` writes a preset folder from a trained model."""

from __future__ import annotations

import json
import os
from typing import Any, Mapping, Sequence

from kerasgan.zoo.errors import PresetError
from kerasgan.zoo.preset import (
    ATTR_RE,
    FORMAT_VERSION,
    PRESET_FILE,
    TASKS,
    resolve_attr,
    validate_spec,
)


def _infer_task(model) -> str:
    for task in TASKS:
        if callable(getattr(model, task, None)):
            return task
    raise PresetError(
        f"Cannot tell the task of {type(model).__name__} (it has no generate, "
        "translate or upscale method); pass metadata={'task': ...}."
    )


def _cast_weights_file(path: str, dtype: str) -> None:
    """Rewrites the float32 arrays of a `.weights.h5` file as `dtype` (e.g. float16).

    `load_weights` casts them back to the variables' dtype on loading.
    """
    import h5py
    import numpy as np

    tmp = path + ".cast.tmp"

    def copy(src, dst):
        dst.attrs.update(dict(src.attrs))
        for key, item in src.items():
            if isinstance(item, h5py.Group):
                copy(item, dst.create_group(key))
            else:
                data = item[()]
                if getattr(data, "dtype", None) == np.float32:
                    data = data.astype(dtype)
                dst.create_dataset(key, data=data)
                dst[key].attrs.update(dict(item.attrs))

    try:
        with h5py.File(path, "r") as src, h5py.File(tmp, "w") as dst:
            copy(src, dst)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def save_preset(model, directory: str, metadata: Mapping[str, Any] | None = None,
                weights: Mapping[str, Any] | None = None,
                base_urls: Sequence[str] = (), overwrite: bool = False,
                weights_dtype: str | None = None) -> str:
    """Writes a preset folder that `kerasgan.zoo.load(directory)` reads back.

    The folder receives `preset.json` (class, config, metadata, and for each
    weight file its size and sha256) and one `<attr>.weights.h5` per entry of
    `weights`.

    For a GAN the default stores only the sampling network (the EMA generator
    when there is one) as `generator`, and records `ema_decay=None` in the
    config: the loaded model then samples from exactly the weights saved. The
    same holds whenever `weights` stores no `ema_*` network (e.g. a CycleGAN's
    EMA generators stored as `generator_ab` / `generator_ba`).

    Args:
        model: A registered kerasgan model (e.g. a trained `DCGAN`).
        directory: Folder to write (created if needed).
        metadata: Extra fields: `name` (default: the folder's name), `task`
            (default: inferred from the model's `generate`/`translate`/
            `upscale` method), `description`, `architecture`,
            `training_data`, `metrics`, `recipe`, ...
        weights: `{attribute path on the loaded model: network}`; the network
            may also be given as an attribute path string on `model`.
            Default for GANs: `{"generator": model.sampler}`.
        base_urls: Zoo base URLs the files will be published under; each
            file's `urls` become `<base>/<name>/<file>` (also for `hf://org/repo`).
        overwrite: Replace an existing `preset.json`.
        weights_dtype: Store float32 arrays as this dtype, e.g. `"float16"`
            to halve the files (check the model's metrics afterwards); they
            are cast back to the model's dtype on loading.

    Returns:
        The path of the written `preset.json`.

    Example:
    ```python
    zoo.save_preset(gan, "zoo_out/dcgan_faces", metadata={
        "description": "DCGAN 64x64 on CelebA", "recipe": "zoo/dcgan_faces/train.py",
        "training_data": {"name": "CelebA", "license": "non-commercial research"},
        "metrics": [{"name": "FID", "value": 30.1, "dataset": "CelebA 10k",
                     "command": "python zoo/dcgan_faces/evaluate.py"}]},
        base_urls=["https://example.org/kerasgan-zoo"])
    model = zoo.load("zoo_out/dcgan_faces")
    ```
    """
    import keras

    from kerasgan.zoo.checksum import sha256_file

    metadata = dict(metadata or {})
    directory = os.path.abspath(os.path.expanduser(directory))
    name = metadata.pop("name", os.path.basename(directory.rstrip(os.sep)))
    preset_file = os.path.join(directory, PRESET_FILE)
    if os.path.exists(preset_file) and not overwrite:
        raise FileExistsError(f"{preset_file} exists; pass overwrite=True to replace it.")
    for reserved in ("model", "weights", "format_version"):
        if reserved in metadata:
            raise ValueError(f"metadata may not set {reserved!r}: save_preset writes it.")

    class_name = keras.saving.get_registered_name(type(model))
    config = model.get_config()
    if weights is None:
        sampler = getattr(model, "sampler", None)
        if not isinstance(sampler, keras.Model) or not hasattr(model, "generator"):
            raise ValueError(
                f"Pass weights={{attribute path: network}} for {type(model).__name__}: "
                "only GANs with a `sampler` have a default."
            )
        weights = {"generator": sampler}
    if config.get("ema_decay") is not None and not any(a.startswith("ema_") for a in weights):
        # No EMA weights are stored: the loaded model must sample from the
        # stored generator(s), not from a fresh (random) EMA copy.
        config["ema_decay"] = None
    os.makedirs(directory, exist_ok=True)

    entries = {}
    for attr, network in weights.items():
        if not ATTR_RE.match(attr) or resolve_attr(model, attr) is None:
            raise ValueError(f"{type(model).__name__} has no attribute path {attr!r}.")
        if isinstance(network, str):
            network = resolve_attr(model, network)
        if not isinstance(network, keras.Model):
            raise ValueError(f"weights[{attr!r}] must be a keras.Model; "
                             f"received {type(network).__name__}.")
        file = attr.replace(".", "_") + ".weights.h5"
        path = os.path.join(directory, file)
        network.save_weights(path)
        if weights_dtype is not None:
            _cast_weights_file(path, weights_dtype)
        entries[attr] = {
            "file": file,
            "sha256": sha256_file(path),
            "size": os.path.getsize(path),
            "urls": [f"{b.rstrip('/')}/{name}/{file}" for b in base_urls],
        }
        if weights_dtype is not None:
            entries[attr]["dtype"] = weights_dtype

    spec = {
        "name": name,
        "format_version": FORMAT_VERSION,
        "model": {"class_name": class_name, "config": config},
        "weights": entries,
        "task": metadata.pop("task", None) or _infer_task(model),
        **metadata,
    }
    spec = validate_spec(json.loads(json.dumps(spec)), preset_file)
    tmp = preset_file + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(spec, f, indent=2, sort_keys=False)
        f.write("\n")
    os.replace(tmp, preset_file)
    return preset_file
