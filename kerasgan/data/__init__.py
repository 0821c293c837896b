"""Input pipelines that yield batches of images scaled to [-1, 1]."""

from kerasgan.data.image_folder import IMAGE_EXTENSIONS, image_folder, list_images
from kerasgan.data.super_resolution import (SRPair, sr_benchmark, super_resolution,
                                             super_resolution_tfds)
from kerasgan.data.tfds_images import tfds_images
from kerasgan.data.unpaired import unpaired

__all__ = ["image_folder", "list_images", "tfds_images", "IMAGE_EXTENSIONS", "SRPair",
           "sr_benchmark", "super_resolution", "super_resolution_tfds", "unpaired"]
