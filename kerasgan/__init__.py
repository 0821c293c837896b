"""kerasgan: Generative Adversarial Networks for Keras 3.

Train GANs with `model.fit` on one device or many, with the losses,
penalties and diagnostics that keep the adversarial game healthy.
"""

from kerasgan.version import __version__
from kerasgan.utils.cli_startup import quiet_cli_startup as _quiet_cli_startup

with _quiet_cli_startup():  # the `kerasgan` command hides TensorFlow's start-up log
    from kerasgan import backend, callbacks, core, data, export, losses, metrics, models, networks, photos, schedules, sr, utils, zoo

__all__ = [
    "__version__", "backend", "callbacks", "core", "data", "export", "losses", "metrics", "models",
    "networks", "photos", "schedules", "sr", "utils", "zoo",
]
