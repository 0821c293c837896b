"""Where presets are found: the package's own, and folders users add.

Search order for a name: each folder of `$KERASGAN_PRESETS_PATH` (separated
by `os.pathsep`, like `PATH`), then folders added with `add_presets_dir`,
then the presets shipped in `kerasgan/zoo/presets/`. Each folder holds one
sub-folder per preset, `<folder>/<name>/preset.json`. A name found earlier
shadows the same name later, so a retrained model can replace a shipped one.
"""

from __future__ import annotations

import difflib
import os

from kerasgan.zoo.errors import PresetError, UnknownModelError
from kerasgan.zoo.preset import PRESET_FILE, Preset, read_preset

SHIPPED_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "presets")
PRESETS_PATH_ENV = "KERASGAN_PRESETS_PATH"

_added_dirs: list[str] = []


def add_presets_dir(directory: str) -> None:
    """Registers a folder of presets (`<directory>/<name>/preset.json`) for this process.

    Args:
        directory: The folder; searched before the shipped presets.
    """
    directory = os.path.abspath(os.path.expanduser(directory))
    if directory not in _added_dirs:
        _added_dirs.append(directory)


def remove_presets_dir(directory: str) -> None:
    """Undoes `add_presets_dir`."""
    directory = os.path.abspath(os.path.expanduser(directory))
    if directory in _added_dirs:
        _added_dirs.remove(directory)


def presets_dirs() -> list[tuple[str, bool]]:
    """The folders searched, in order, as `(path, shipped)` pairs."""
    env = [p for p in os.environ.get(PRESETS_PATH_ENV, "").split(os.pathsep) if p]
    dirs = [os.path.abspath(os.path.expanduser(p)) for p in env] + list(_added_dirs)
    return [(d, False) for d in dirs] + [(SHIPPED_DIR, True)]


def _candidates() -> dict[str, tuple[str, bool]]:
    found: dict[str, tuple[str, bool]] = {}
    for directory, shipped in presets_dirs():
        if not os.path.isdir(directory):
            continue
        for entry in sorted(os.listdir(directory)):
            if os.path.isfile(os.path.join(directory, entry, PRESET_FILE)):
                found.setdefault(entry, (os.path.join(directory, entry), shipped))
    return found


def list_models() -> list[str]:
    """Names of the registered presets, sorted.

    Returns:
        e.g. `['cyclegan_cats2dogs', 'dcgan_faces', 'srgan_x4', 'srresnet_x4']`
        once those models are published; presets of `$KERASGAN_PRESETS_PATH`
        and `add_presets_dir` folders are included.

    Example:
    ```python
    from kerasgan import zoo
    for name in zoo.list_models():
        print(name, zoo.info(name)["description"])
    ```
    """
    return sorted(_candidates())


def unknown_model_message(name: str) -> str:
    """'Unknown model ...' with the known names and the closest one."""
    known = list_models()
    message = f"Unknown model {name!r}."
    close = difflib.get_close_matches(name, known, n=1)
    if close:
        message += f" Did you mean {close[0]!r}?"
    if known:
        message += f" Known models: {', '.join(known)}."
    else:
        message += " No pretrained models are installed."
    return message + (" (A preset folder path also works: a folder holding "
                      f"{PRESET_FILE}.)")


def find_preset(name_or_path: str) -> Preset:
    """The preset of a registered name, or of a folder/`preset.json` path.

    Args:
        name_or_path: A name from `list_models()`, or a path to a preset folder
            or its `preset.json`.

    Returns:
        The validated `Preset`.

    Raises:
        UnknownModelError: Neither a registered name nor a preset path; the
            message lists the known names and suggests the closest.
        PresetError: The preset is malformed.
    """
    name_or_path = os.fspath(name_or_path)
    candidates = _candidates()
    if name_or_path in candidates:
        directory, shipped = candidates[name_or_path]
        preset = read_preset(directory, shipped=shipped)
        if preset.name != name_or_path:
            raise PresetError(
                f"{os.path.join(directory, PRESET_FILE)} is named {preset.name!r} but "
                f"sits in a folder named {name_or_path!r}; they must match."
            )
        return preset
    path = os.path.expanduser(name_or_path)
    if os.path.isfile(os.path.join(path, PRESET_FILE)) or (
            os.path.basename(path) == PRESET_FILE and os.path.isfile(path)):
        return read_preset(path)
    raise UnknownModelError(unknown_model_message(name_or_path))
