"""Input pipelines as `keras.utils.PyDataset`s: NumPy and Pillow, no TensorFlow.

Each is the twin of a tf.data pipeline of `kerasgan.data` (same images, crops,
resizes and augmentations), with batches that are pure functions of
`(seed, epoch, index)`.
"""

from kerasgan.data.pydataset.base import SeededPyDataset
from kerasgan.data.pydataset.cache import ImageCache
from kerasgan.data.pydataset.image_folder import ImageFolderPyDataset
from kerasgan.data.pydataset.super_resolution import SuperResolutionPyDataset
from kerasgan.data.pydataset.unpaired import UnpairedPyDataset

__all__ = ["ImageCache", "ImageFolderPyDataset", "SeededPyDataset", "SuperResolutionPyDataset",
           "UnpairedPyDataset"]
