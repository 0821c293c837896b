"""The kerasgan zoo: pretrained models as data, fetched, verified, cached, loaded.

A preset is a folder with a `preset.json` (model class and config, weight
files with size and sha256 and URLs, training data and licence, measured
metrics) and, when shipped or cached, its `.weights.h5` files. Only
`.weights.h5` files of registered kerasgan classes are ever loaded: never
pickles, never code.

Example:
```python
from kerasgan import zoo
zoo.list_models()               # names of the installed presets
zoo.info("dcgan_faces")         # the model card as a dict
gan = zoo.load("dcgan_faces")   # a ready DCGAN
faces = gan.generate(16, seed=0)
```

Environment variables: `KERASGAN_HOME` (cache root, default
`~/.keras/kerasgan`), `KERASGAN_OFFLINE=1` (never download),
`KERASGAN_ZOO_URL` (mirror: files come from `<url>/<name>/<file>`),
`KERASGAN_PRESETS_PATH` (extra preset folders, `os.pathsep`-separated).
"""

from kerasgan.zoo.checksum import sha256_file
from kerasgan.zoo.errors import (
    ChecksumError,
    DownloadError,
    PresetError,
    TaskNotSupportedError,
    UnknownModelError,
    WeightsNotFoundError,
    ZooError,
)
from kerasgan.zoo.loader import fetch, info, load
from kerasgan.zoo.preset import Preset, read_preset
from kerasgan.zoo.publish import save_preset
from kerasgan.zoo.registry import add_presets_dir, find_preset, list_models, remove_presets_dir
from kerasgan.zoo.weights import kerasgan_home, weights_file

__all__ = [
    "ChecksumError", "DownloadError", "PresetError", "Preset", "TaskNotSupportedError",
    "UnknownModelError", "WeightsNotFoundError", "ZooError", "add_presets_dir",
    "fetch", "find_preset", "info", "kerasgan_home", "list_models", "load", "read_preset",
    "remove_presets_dir", "save_preset", "sha256_file", "weights_file",
]
