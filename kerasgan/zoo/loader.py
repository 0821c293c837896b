"""`load` and `info`: a ready model, or everything known about a preset."""

from __future__ import annotations

import copy
from typing import Sequence

from kerasgan.zoo.errors import PresetError
from kerasgan.zoo.preset import Preset, resolve_attr
from kerasgan.zoo.registry import find_preset
from kerasgan.zoo.weights import cache_path, download_urls, locate, weights_file

TRUSTED_PACKAGES = ("kerasgan",)


def model_class(preset: Preset, trusted_packages: Sequence[str] = TRUSTED_PACKAGES):
    """The registered Keras model class a preset names.

    Only classes registered with `keras.saving.register_keras_serializable`
    under a trusted package (default: kerasgan's own) are accepted: a preset
    can choose among classes already imported, never bring code.

    Raises:
        PresetError: The class is outside the trusted packages, unregistered,
            or not a `keras.Model`.
    """
    import keras

    class_name = preset.class_name
    package = class_name.split(">", 1)[0]
    if package not in trusted_packages:
        raise PresetError(
            f"Preset {preset.name!r} names the class {class_name!r}; only registered "
            f"classes of {', '.join(repr(p) for p in trusted_packages)} are loaded "
            "(e.g. 'kerasgan>DCGAN')."
        )
    cls = keras.saving.get_registered_object(class_name)
    if not isinstance(cls, type) or not issubclass(cls, keras.Model):
        raise PresetError(
            f"Preset {preset.name!r} names {class_name!r}, which is not a registered "
            "keras.Model class in this kerasgan version (upgrade kerasgan, or import "
            "the module that registers it)."
        )
    return cls


def load(name_or_path: str, weights_dir: str | None = None, offline: bool | None = None,
         cache_dir: str | None = None, progress: bool | None = None,
         trusted_packages: Sequence[str] = TRUSTED_PACKAGES):
    """Builds a pretrained model and loads its weights.

    The model is built from the preset's config (no code is loaded from
    anywhere), then each weight file, found and sha256-checked as described in
    `kerasgan.zoo.weights`, is loaded with the matching sub-model's
    `load_weights`.

    Args:
        name_or_path: A name from `list_models()`, or a preset folder (or its
            `preset.json`) as written by `save_preset`.
        weights_dir: A folder with the weight files (or, for a one-file preset,
            the file); when given, nothing else is searched.
        offline: Never use the network. Default: `$KERASGAN_OFFLINE`.
        cache_dir: Cache root; default `$KERASGAN_HOME` (`~/.keras/kerasgan`).
        progress: Download progress bar; default when stderr is a terminal.
        trusted_packages: Registered-class packages a preset may name; extend it
            only with packages whose classes you have imported yourself.

    Returns:
        The model (e.g. a `kerasgan.models.DCGAN`), ready for inference.

    Raises:
        UnknownModelError: Unknown name (the message lists the known ones).
        PresetError: Malformed preset, or an untrusted class.
        ChecksumError, WeightsNotFoundError, DownloadError: see
            `kerasgan.zoo.weights.weights_file`.

    Example:
    ```python
    from kerasgan import zoo
    gan = zoo.load("dcgan_faces")
    faces = gan.generate(16, seed=0)   # uint8 (16, 64, 64, 3)
    ```
    """
    preset = find_preset(name_or_path)
    cls = model_class(preset, trusted_packages)
    paths = {attr: weights_file(preset, attr, weights_dir=weights_dir, offline=offline,
                                cache_dir=cache_dir, progress=progress)
             for attr in preset.weights}
    try:
        model = cls.from_config(copy.deepcopy(preset.spec["model"]["config"]))
    except Exception as e:
        raise PresetError(f"Could not build {preset.class_name} from the config of preset "
                          f"{preset.name!r}: {e}") from e
    import keras

    for attr, path in paths.items():
        target = resolve_attr(model, attr)
        if not isinstance(target, keras.Model):
            raise PresetError(f"Preset {preset.name!r} stores weights for {attr!r}, which "
                              f"is not a sub-model of {type(model).__name__}.")
        try:
            target.load_weights(path)
        except Exception as e:
            raise PresetError(f"Could not load {path} into {type(model).__name__}.{attr}: "
                              f"{e}") from e
    return model


def fetch(name_or_path: str, offline: bool | None = None, cache_dir: str | None = None,
          progress: bool | None = None) -> dict:
    """Makes a preset's weight files available locally, without building the model.

    Run it on a machine with network to fill the cache (then copy
    `$KERASGAN_HOME` to an offline machine), or to check a preset's files.

    Args:
        name_or_path: A registered name or a preset folder.
        offline: Never use the network. Default: `$KERASGAN_OFFLINE`.
        cache_dir: Cache root; default `$KERASGAN_HOME`.
        progress: Download progress bar; default when stderr is a terminal.

    Returns:
        `{attribute path: verified local path}`.

    Example:
    ```python
    zoo.fetch("srgan_x4")   # downloads into ~/.keras/kerasgan/presets/srgan_x4/
    ```
    """
    preset = find_preset(name_or_path)
    return {attr: weights_file(preset, attr, offline=offline, cache_dir=cache_dir,
                               progress=progress)
            for attr in preset.weights}


def info(name_or_path: str, cache_dir: str | None = None) -> dict:
    """Everything known about a preset, without loading or downloading it.

    Args:
        name_or_path: A registered name or a preset folder.
        cache_dir: Cache root (default `$KERASGAN_HOME`).

    Returns:
        The content of `preset.json` (`name`, `task`, `model` with
        `class_name` and `config`, `description`, `architecture`,
        `training_data`, `metrics`, `recipe`, ...) plus `preset_dir`,
        `shipped`, `total_size` (bytes), and for each `weights` entry its
        `status` (`"cache"`, `"shipped"`, `"local"` or `"missing"`), `path`
        (where it is now, or None), `cache_path` and `download_urls`.

    Example:
    ```python
    card = zoo.info("srgan_x4")
    for m in card["metrics"]:
        print(m["name"], m["value"], m["dataset"])
    ```
    """
    preset = find_preset(name_or_path)
    card = copy.deepcopy(preset.spec)
    card["preset_dir"] = preset.directory
    card["shipped"] = preset.shipped
    card["total_size"] = sum(e["size"] for e in preset.weights.values())
    for attr, entry in card["weights"].items():
        status, path = locate(preset, attr, cache_dir)
        entry["status"] = status
        entry["path"] = path
        entry["cache_path"] = cache_path(preset, attr, cache_dir)
        entry["download_urls"] = download_urls(preset, attr)
    return card
