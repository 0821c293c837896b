"""Input pipelines that yield batches of images scaled to [-1, 1].

`image_folder`, `unpaired` and `super_resolution` build a tf.data pipeline
where TensorFlow is installed and a `keras.utils.PyDataset` (the
`kerasgan.data.pydataset` classes) where it is not, or as `pipeline=` asks.
"""

from kerasgan.data.image_folder import IMAGE_EXTENSIONS, image_folder, list_images
from kerasgan.data.pipeline import PIPELINES, resolve_pipeline, steps_per_epoch
from kerasgan.data.pydataset import (ImageFolderPyDataset, SeededPyDataset,
                                     SuperResolutionPyDataset, UnpairedPyDataset)
from kerasgan.data.super_resolution import (SRPair, sr_benchmark, super_resolution,
                                             super_resolution_tfds)
from kerasgan.data.tfds_images import tfds_images
from kerasgan.data.unpaired import unpaired

__all__ = ["image_folder", "list_images", "tfds_images", "IMAGE_EXTENSIONS", "SRPair",
           "sr_benchmark", "super_resolution", "super_resolution_tfds", "unpaired",
           "PIPELINES", "resolve_pipeline", "steps_per_epoch", "SeededPyDataset",
           "ImageFolderPyDataset", "UnpairedPyDataset", "SuperResolutionPyDataset"]
