"""Presets as data: reading, validating and writing `preset.json`.

A preset is a folder holding `preset.json` (and, once published or cached,
its `.weights.h5` files):

```json
{"name": "dcgan_faces", "format_version": 1,
 "model": {"class_name": "kerasgan>DCGAN", "config": {"image_size": 64, "...": "..."}},
 "weights": {"generator": {"file": "generator.weights.h5", "sha256": "...",
                           "size": 1234, "urls": ["https://.../generator.weights.h5"]}},
 "task": "generate",
 "description": "...", "architecture": "...",
 "training_data": {"name": "...", "license": "..."},
 "metrics": [{"name": "FID", "value": 0.0, "dataset": "...", "command": "...", "notes": "..."}],
 "recipe": "zoo/dcgan_faces/train.py"}
```

`weights` maps an attribute path on the model (`"generator"`,
`"generator_ab"`, `"a.b"`) to the file loaded with that sub-model's
`load_weights`. Only what inference needs is stored.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import re
from typing import Any

from kerasgan.zoo.errors import PresetError

PRESET_FILE = "preset.json"
FORMAT_VERSION = 1
TASKS = ("generate", "translate", "upscale")
URL_SCHEMES = ("https", "http", "hf")

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
FILE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*\.weights\.h5$")
ATTR_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$")
SHA_RE = re.compile(r"^[0-9a-f]{64}$")
CLASS_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*>[A-Za-z_][A-Za-z0-9_]*$")


@dataclasses.dataclass(frozen=True)
class Preset:
    """A parsed, validated preset.

    Attributes:
        name: The preset's name (`spec["name"]`).
        directory: Absolute path of the folder holding `preset.json`.
        spec: The parsed `preset.json`.
        shipped: True for presets shipped inside the kerasgan package.
    """

    name: str
    directory: str
    spec: dict
    shipped: bool = False

    @property
    def task(self) -> str:
        return self.spec["task"]

    @property
    def weights(self) -> dict:
        """`{attribute path: {"file", "sha256", "size", "urls"}}`."""
        return self.spec["weights"]

    @property
    def class_name(self) -> str:
        return self.spec["model"]["class_name"]


def _fail(source: str, message: str):
    raise PresetError(f"Invalid preset {source}: {message}")


def validate_spec(spec: Any, source: str) -> dict:
    """Checks a parsed `preset.json` and fills optional fields.

    Args:
        spec: The parsed JSON.
        source: Where it came from, for error messages.

    Returns:
        A copy of `spec` with `urls` defaulted to `[]`.

    Raises:
        PresetError: On any missing or malformed field.
    """
    if not isinstance(spec, dict):
        _fail(source, "the top level must be a JSON object.")
    spec = copy.deepcopy(spec)
    version = spec.get("format_version")
    if not isinstance(version, int):
        _fail(source, "'format_version' must be an integer.")
    if version > FORMAT_VERSION:
        _fail(source, f"format_version {version} is newer than this kerasgan reads "
                      f"({FORMAT_VERSION}); upgrade kerasgan.")
    name = spec.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        _fail(source, f"'name' must match {NAME_RE.pattern}; received {name!r}.")
    model = spec.get("model")
    if (not isinstance(model, dict) or not isinstance(model.get("class_name"), str)
            or not isinstance(model.get("config"), dict)):
        _fail(source, "'model' must be {\"class_name\": \"package>Class\", \"config\": {...}}.")
    if not CLASS_RE.match(model["class_name"]):
        _fail(source, f"model class_name must look like 'kerasgan>DCGAN'; "
                      f"received {model['class_name']!r}.")
    task = spec.get("task")
    if task not in TASKS:
        _fail(source, f"'task' must be one of {TASKS}; received {task!r}.")
    weights = spec.get("weights")
    if not isinstance(weights, dict) or not weights:
        _fail(source, "'weights' must map attribute paths to weight files.")
    for attr, entry in weights.items():
        if not ATTR_RE.match(attr):
            _fail(source, f"weights key {attr!r} is not an attribute path like 'generator'.")
        if not isinstance(entry, dict):
            _fail(source, f"weights[{attr!r}] must be an object.")
        file = entry.get("file")
        if not isinstance(file, str) or not FILE_RE.match(file):
            _fail(source, f"weights[{attr!r}]['file'] must be a plain file name ending "
                          f"in '.weights.h5'; received {file!r}.")
        sha = entry.get("sha256")
        if not isinstance(sha, str) or not SHA_RE.match(sha):
            _fail(source, f"weights[{attr!r}]['sha256'] must be 64 lowercase hex digits.")
        size = entry.get("size")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            _fail(source, f"weights[{attr!r}]['size'] must be a non-negative integer.")
        urls = entry.setdefault("urls", [])
        if not isinstance(urls, list) or not all(isinstance(u, str) for u in urls):
            _fail(source, f"weights[{attr!r}]['urls'] must be a list of strings.")
        for url in urls:
            scheme = url.split("://", 1)[0] if "://" in url else ""
            if scheme not in URL_SCHEMES:
                _fail(source, f"URL {url!r} must start with one of "
                              f"{', '.join(s + '://' for s in URL_SCHEMES)}.")
    files = [entry["file"] for entry in weights.values()]
    if len(set(files)) != len(files):
        _fail(source, "two weights entries name the same file.")
    metrics = spec.setdefault("metrics", [])
    if not isinstance(metrics, list) or not all(isinstance(m, dict) for m in metrics):
        _fail(source, "'metrics' must be a list of objects.")
    return spec


def read_preset(path: str, shipped: bool = False) -> Preset:
    """Reads and validates a preset folder (or its `preset.json`).

    Args:
        path: The preset folder, or the path of its `preset.json`.
        shipped: Whether it comes from the package's own registry.

    Returns:
        The `Preset`.

    Raises:
        PresetError: If the file is missing, not JSON, or malformed.
    """
    path = os.path.abspath(os.path.expanduser(path))
    file = path if os.path.basename(path) == PRESET_FILE else os.path.join(path, PRESET_FILE)
    if not os.path.isfile(file):
        raise PresetError(f"No {PRESET_FILE} in {os.path.dirname(file)}.")
    try:
        with open(file, encoding="utf-8") as f:
            spec = json.load(f)
    except (OSError, ValueError) as e:
        raise PresetError(f"Could not read {file}: {e}") from e
    spec = validate_spec(spec, file)
    return Preset(name=spec["name"], directory=os.path.dirname(file), spec=spec,
                  shipped=shipped)


def resolve_attr(model, attr: str):
    """`model.a.b` for `attr="a.b"`, or None when any step is missing."""
    obj = model
    for part in attr.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            break
    return obj
