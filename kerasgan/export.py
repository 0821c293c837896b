"""Export generators to TensorFlow SavedModel and TFLite for serving.

The exported function takes what a service receives and returns what it sends:

- a latent-to-image generator (DCGAN): float32 latents `(batch, latent_dim)` in,
  uint8 images `(batch, h, w, c)` out;
- an image-to-image network (a CycleGAN direction, an SRGAN generator): uint8
  images `(batch, h, w, 3)` in, uint8 images out. Fully convolutional
  networks that need sides divisible by `pad_multiple` get their input
  reflect-padded in the graph and the output cropped back.

Both formats compute the same numbers as the Keras model (a test checks it).
TensorFlow is required.

Example:
```python
gan = kerasgan.zoo.load("dcgan_faces")
kerasgan.export.export_generator(gan, "dcgan_faces_savedmodel")
kerasgan.export.export_generator(gan, "dcgan_faces.tflite", format="tflite")
```
"""

from __future__ import annotations

import os
import shutil
import tempfile

import keras

from kerasgan.utils.optional import require_tensorflow

FORMATS = ("saved_model", "tflite")


def _require_tensorflow():
    tf = require_tensorflow("Exporting to SavedModel/TFLite")
    if keras.backend.backend() != "tensorflow":  # pragma: no cover
        raise RuntimeError(
            "SavedModel/TFLite export runs on the TensorFlow backend; set "
            f"KERAS_BACKEND=tensorflow (current: {keras.backend.backend()})."
        )
    return tf


def _network_and_kind(model, direction: str | None):
    if hasattr(model, "sampler") and hasattr(model, "latent_dim"):
        return model.sampler, "latent"
    if hasattr(model, "translate"):
        direction = direction or "a2b"
        network = getattr(model, "translators", {}).get(direction)  # EMA ones if kept
        if network is None:
            raise ValueError(f"direction must be 'a2b' or 'b2a'; received {direction!r}.")
        return network, "image"
    if hasattr(model, "upscale") and hasattr(model, "generator"):
        return model.generator, "image"
    if isinstance(model, keras.Model):
        kind = "latent" if len(model.inputs[0].shape) == 2 else "image"
        return model, kind
    raise TypeError(
        f"Cannot export {type(model).__name__}: expected a kerasgan GAN, CycleGAN, "
        "SRGAN or a Keras generator network."
    )


def serving_function(network: keras.Model, kind: str, pad_multiple: int = 1):
    """The uint8-out (and for images uint8-in) function that gets exported."""
    tf = _require_tensorflow()

    def to_uint8(x):
        x = tf.cast(x, tf.float32)
        return tf.cast(tf.clip_by_value(tf.round((x + 1.0) * 127.5), 0.0, 255.0), tf.uint8)

    if kind == "latent":
        def serve(latents):
            return to_uint8(network(latents, training=False))

        spec = [tf.TensorSpec((None, network.inputs[0].shape[-1]), tf.float32, name="latents")]
        return serve, spec

    channels = network.inputs[0].shape[-1]

    def serve(images):
        x = tf.cast(images, tf.float32) / 127.5 - 1.0
        h, w = tf.shape(x)[1], tf.shape(x)[2]
        if pad_multiple > 1:
            ph = (-h) % pad_multiple
            pw = (-w) % pad_multiple
            x = tf.pad(x, [[0, 0], [0, ph], [0, pw], [0, 0]], mode="REFLECT")
        y = network(x, training=False)
        scale_h = tf.shape(y)[1] // tf.shape(x)[1]
        scale_w = tf.shape(y)[2] // tf.shape(x)[2]
        y = y[:, : h * scale_h, : w * scale_w]
        return to_uint8(y)

    spec = [tf.TensorSpec((None, None, None, channels), tf.uint8, name="images")]
    return serve, spec


def export_generator(model, path: str, format: str = "saved_model",
                     direction: str | None = None, pad_multiple: int | None = None,
                     verbose: bool = False) -> str:
    """Exports a model's generator with a uint8 serving signature.

    Args:
        model: A kerasgan GAN (exports its sampler), CycleGAN (one direction),
            SRGAN/SRResNet (its generator), or a Keras generator network.
        path: Output folder (SavedModel) or `.tflite` file.
        format: `"saved_model"` or `"tflite"`.
        direction: CycleGAN direction, `"a2b"` (default) or `"b2a"`.
        pad_multiple: For image inputs, reflect-pad sides to a multiple of
            this (default: 4 for CycleGAN generators, 1 otherwise).
        verbose: Print the export summary.

    Returns:
        `path`.
    """
    tf = _require_tensorflow()
    if format not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}; received {format!r}.")
    network, kind = _network_and_kind(model, direction)
    if pad_multiple is None:
        pad_multiple = 4 if hasattr(model, "translate") else 1
    serve, spec = serving_function(network, kind, pad_multiple)
    archive = keras.export.ExportArchive()
    archive.track(network)
    archive.add_endpoint(name="serve", fn=serve, input_signature=spec)

    if format == "saved_model":
        archive.write_out(path, verbose=verbose)
        return path
    tmp = tempfile.mkdtemp(prefix="kerasgan_export_")
    try:
        archive.write_out(tmp, verbose=verbose)
        converter = tf.lite.TFLiteConverter.from_saved_model(tmp, signature_keys=["serve"])
        flatbuffer = converter.convert()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    parent = os.path.dirname(os.path.abspath(path))
    os.makedirs(parent, exist_ok=True)
    with open(path, "wb") as f:
        f.write(flatbuffer)
    return path


def run_tflite(path: str, inputs):
    """Runs an exported `.tflite` file on one input array (for checks and demos)."""
    tf = _require_tensorflow()
    import numpy as np

    interpreter = tf.lite.Interpreter(model_path=path)
    runner = interpreter.get_signature_runner("serve")
    (name,) = runner.get_input_details().keys()
    outputs = runner(**{name: np.asarray(inputs)})
    return next(iter(outputs.values()))
