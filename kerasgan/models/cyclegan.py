"""`CycleGAN` (Zhu et al. 2017): unpaired image-to-image translation.

Two generators, `generator_ab` (G: A -> B) and `generator_ba` (F: B -> A),
and two PatchGAN discriminators, `discriminator_a` (real A vs F(b)) and
`discriminator_b` (real B vs G(a)), trained by the shared adversarial core
(`kerasgan.core.AdversarialModel`): one discriminator update of both Ds, then
one generator update of both Gs, per batch `(images_a, images_b)`.

Generator objective (section 3 of the paper):

    L = L_adv(G, D_B) + L_adv(F, D_A)
        + cycle_weight * (|F(G(a)) - a|_1 + |G(F(b)) - b|_1)
        + identity_weight * cycle_weight * (|G(b) - b|_1 + |F(a) - a|_1)

Discriminators see generated images through a history pool of `pool_size`
images per domain (`kerasgan.core.image_pool.ImagePool`), queried before D's
gradient tape.
"""

from __future__ import annotations

import logging
import math

import numpy as np
import keras
from keras import ops

from kerasgan import backend as kg_backend
from kerasgan import schedules as _schedules  # noqa: F401  (registers LinearDecay)
from kerasgan.core import AdversarialModel
from kerasgan.core.ema import check_ema_decay, ema_copy, update_ema
from kerasgan.core.image_pool import ImagePool
from kerasgan.networks.cyclegan import (
    patch_discriminator,
    patch_output_size,
    resnet_generator,
)
from kerasgan.photos import BLEND_MODES, CROP_MODES, translate_photo
from kerasgan.utils.images import require_float_images, to_uint8

DIRECTIONS = ("a2b", "b2a")
logger = logging.getLogger("kerasgan")


@keras.saving.register_keras_serializable(package="kerasgan")
class CycleGAN(AdversarialModel):
    """Unpaired image-to-image translation between domains A and B.

    Args:
        image_size: Side of the square training crops (a multiple of 4). The
            generators are fully convolutional: `translate` takes any size.
        channels: Image channels (both domains).
        generator_width: ngf, channels of the generators' first convolution.
        num_residual_blocks: Residual blocks per generator (9 in the paper at
            256x256, 6 at 128x128).
        discriminator_width: ndf, channels of the PatchGANs' first convolution.
        discriminator_layers: Stride-2 layers of the PatchGANs (3: 70x70
            patches). Images must be large enough (at least 24 px for 3 layers,
            12 px for 2).
        cycle_weight: lambda, weight of the cycle-consistency L1 losses (10).
        identity_weight: Weight of the identity L1 losses as a fraction of
            `cycle_weight` (0.5 in the paper, i.e. 0.5 * lambda); 0 disables
            them (and their two extra generator passes).
        pool_size: Generated images kept per domain for D's updates (50);
            0 shows D only the newest ones.
        d_steps: Discriminator updates per generator update (1 in the paper).
        upsampling: How the generators upsample: `"transpose"` (the paper's
            transposed convolutions) or `"resize"` (nearest-neighbour resize
            then convolution, free of the checkerboard texture transposed
            convolutions can leave).
        domains: Names of the two domains' subjects, e.g. `("cat", "dog")`:
            `translate(..., crop="face")` looks for that animal's face.
        crop: How `translate` frames its inputs by default: `"none"` (each
            image as it is, at its own size), `"whole"`, `"center"` or
            `"face"` (see `translate`). Models trained on framed subjects
            (aligned faces) set `"face"`.
        ema_decay: If set (e.g. 0.999), keep an exponential moving average
            of each generator's weights (`ema_generator_ab`,
            `ema_generator_ba`) and translate with those; training uses the
            live generators. See `kerasgan.core.ema.update_ema` for the
            warm-up.
        seed: Seed of the model's random draws (history pool, instance noise).
        **kwargs: `keras.Model` arguments (`name`, `dtype`).

    Metrics: `d_loss`, `g_loss`, `da_real`, `da_fake`, `db_real`, `db_fake`
    (mean score of D_A / D_B on real and generated images of their domain),
    `cycle_loss` (mean absolute reconstruction error |F(G(a)) - a| and
    |G(F(b)) - b|, averaged over both directions, unweighted, in the [-1, 1]
    pixel scale), `identity_loss` (same for |G(b) - b| and |F(a) - a|; only
    when identity_weight > 0) and `da_penalty`/`db_penalty` with a gradient
    penalty.

    Example:
    ```python
    ds = kerasgan.data.unpaired("horse2zebra/", image_size=256, batch_size=1)
    model = kerasgan.models.CycleGAN(image_size=256)
    lr = kerasgan.schedules.LinearDecay.from_epochs(2e-4, 100, 100, int(ds.cardinality()))
    model.compile(g_optimizer=keras.optimizers.Adam(lr, beta_1=0.5),
                  d_optimizer=keras.optimizers.Adam(lr, beta_1=0.5))   # loss="lsgan"
    model.fit(ds, epochs=200)
    zebras = model.translate(horse_uint8, direction="a2b")   # same size, uint8
    ```
    """

    def __init__(self, image_size: int = 256, channels: int = 3, generator_width: int = 64,
                 num_residual_blocks: int = 9, discriminator_width: int = 64,
                 discriminator_layers: int = 3, cycle_weight: float = 10.0,
                 identity_weight: float = 0.5, pool_size: int = 50, d_steps: int = 1,
                 upsampling: str = "transpose", domains=None, crop: str = "none",
                 ema_decay: float | None = None, seed: int | None = None, **kwargs):
        super().__init__(d_steps=d_steps, seed=seed, **kwargs)
        if not isinstance(image_size, int) or image_size < 8 or image_size % 4:
            raise ValueError(
                f"image_size must be a multiple of 4 and at least 8 (the generator "
                f"downsamples twice); received {image_size!r}."
            )
        if channels not in (1, 3):
            raise ValueError(f"channels must be 1 or 3; received {channels!r}.")
        if float(cycle_weight) < 0 or float(identity_weight) < 0:
            raise ValueError(
                "cycle_weight and identity_weight must be >= 0; received "
                f"{cycle_weight} and {identity_weight}."
            )
        if patch_output_size(image_size, discriminator_layers) < 1:
            patch_discriminator(channels, discriminator_width, discriminator_layers,
                                image_size=image_size)  # raises with the minimum size
        if crop not in CROP_MODES:
            raise ValueError(f"crop must be one of {CROP_MODES}; received {crop!r}.")
        if domains is not None:
            if (not isinstance(domains, (tuple, list)) or len(domains) != 2
                    or not all(isinstance(d, str) and d for d in domains)):
                raise ValueError("domains must be two names, e.g. ('cat', 'dog'); "
                                 f"received {domains!r}.")
            domains = tuple(domains)
        self.domains = domains
        self.crop = crop
        self.image_size = image_size
        self.channels = channels
        self.generator_width = generator_width
        self.num_residual_blocks = num_residual_blocks
        self.discriminator_width = discriminator_width
        self.discriminator_layers = discriminator_layers
        self.cycle_weight = float(cycle_weight)
        self.identity_weight = float(identity_weight)
        self.pool_size = pool_size
        self.upsampling = upsampling

        self.generator_ab = resnet_generator(channels, generator_width, num_residual_blocks,
                                             name="generator_ab", upsampling=upsampling)
        self.generator_ba = resnet_generator(channels, generator_width, num_residual_blocks,
                                             name="generator_ba", upsampling=upsampling)
        self.ema_decay = check_ema_decay(ema_decay)
        self.ema_generator_ab = self.ema_generator_ba = None
        if self.ema_decay is not None:
            self.ema_generator_ab = ema_copy(self.generator_ab, "ema_generator_ab")
            self.ema_generator_ba = ema_copy(self.generator_ba, "ema_generator_ba")
        self.discriminator_a = patch_discriminator(channels, discriminator_width,
                                                   discriminator_layers, image_size,
                                                   name="discriminator_a")
        self.discriminator_b = patch_discriminator(channels, discriminator_width,
                                                   discriminator_layers, image_size,
                                                   name="discriminator_b")
        shape = (image_size, image_size, channels)
        self.pool_a = ImagePool(pool_size, shape, name="pool_a")
        self.pool_b = ImagePool(pool_size, shape, name="pool_b")
        self.built = True

    # ------------------------------------------------------------ compile
    def compile(self, g_optimizer=None, d_optimizer=None, loss="lsgan", **kwargs):
        """Configures training; the paper's settings by default.

        Args:
            g_optimizer: Optimizer of both generators (default
                Adam(2e-4, beta_1=0.5); use `kerasgan.schedules.LinearDecay`
                as its learning rate for the paper's decay).
            d_optimizer: Optimizer of both discriminators (same default).
            loss: Adversarial loss, `"lsgan"` (the paper's least-squares loss)
                by default; any name or loss of `kerasgan.losses`.
            **kwargs: `penalty`, `instance_noise`, `jit_compile`, ... as in
                `AdversarialModel.compile`.
        """
        super().compile(g_optimizer=g_optimizer, d_optimizer=d_optimizer, loss=loss, **kwargs)

    # ---------------------------------------------------------- the game
    @property
    def generator_trainable_variables(self):
        return self.generator_ab.trainable_variables + self.generator_ba.trainable_variables

    @property
    def discriminator_trainable_variables(self):
        return (self.discriminator_a.trainable_variables
                + self.discriminator_b.trainable_variables)

    @property
    def discriminator_networks(self):
        return [self.discriminator_a, self.discriminator_b]

    def objective_metric_names(self):
        names = ["da_real", "da_fake", "db_real", "db_fake"]
        if self.penalty is not None:
            names += ["da_penalty", "db_penalty"]
        names.append("cycle_loss")
        if self.identity_weight > 0:
            names.append("identity_loss")
        return names

    def unpack_batch(self, data):
        """Checks and returns the `(images_a, images_b)` pair of a batch."""
        if isinstance(data, dict) and {"a", "b"} <= set(data):
            data = (data["a"], data["b"])
        if (isinstance(data, (tuple, list)) and len(data) == 1
                and isinstance(data[0], (tuple, list))):
            data = data[0]
        if not isinstance(data, (tuple, list)) or len(data) != 2:
            got = (f"a {type(data).__name__} of {len(data)} elements"
                   if isinstance(data, (tuple, list)) else f"one {type(data).__name__}")
            raise ValueError(
                "CycleGAN trains on batches (images_a, images_b) of the two "
                f"domains; received {got}. Use kerasgan.data.unpaired(...) or "
                "fit(x=images_a, y=images_b)."
            )
        checked = []
        for name, images in zip("ab", data):
            shape = tuple(images.shape)
            if len(shape) != 4:
                raise ValueError(
                    f"Domain {name.upper()} images must have shape (batch, height, "
                    f"width, channels); received {shape}."
                )
            if shape[-1] is not None and shape[-1] != self.channels:
                raise ValueError(
                    f"CycleGAN(channels={self.channels}) received domain "
                    f"{name.upper()} images with {shape[-1]} channels; convert them "
                    "(kerasgan.data.unpaired converts grayscale/RGBA to RGB)."
                )
            for side in shape[1:3]:
                if side is not None and side != self.image_size:
                    raise ValueError(
                        f"CycleGAN(image_size={self.image_size}) trains on "
                        f"{self.image_size}x{self.image_size} crops; received domain "
                        f"{name.upper()} images of shape {shape}."
                    )
            require_float_images(images, "kerasgan.data.unpaired", what=f"domain {name.upper()}")
            checked.append(images)
        return tuple(checked)

    def _pool(self, pool, fake):
        draws = self.sample_uniform((ops.shape(fake)[0], 2))
        return pool.query(fake, draws)

    def prepare_discriminator_step(self, batch, training=True):
        real_a, real_b = batch
        fake_b = self.generator_ab(real_a, training=training)
        fake_a = self.generator_ba(real_b, training=training)
        if training and self.pool_size > 0:
            fake_a = self._pool(self.pool_a, fake_a)
            fake_b = self._pool(self.pool_b, fake_b)
        return real_a, real_b, fake_a, fake_b

    def discriminator_objective(self, inputs, training=True):
        real_a, real_b, fake_a, fake_b = inputs
        loss_a, logs_a = self.discriminator_terms(self.discriminator_a, real_a, fake_a,
                                                  training, prefix="da")
        loss_b, logs_b = self.discriminator_terms(self.discriminator_b, real_b, fake_b,
                                                  training, prefix="db")
        return loss_a + loss_b, {**logs_a, **logs_b}

    @staticmethod
    def _l1(x, y):
        # Per-replica mean, scaled so the sum over replicas is the global mean.
        diff = ops.abs(ops.cast(x, "float32") - ops.cast(y, "float32"))
        return kg_backend.scale_for_replicas(ops.mean(diff))

    def generator_objective(self, batch, training=True):
        real_a, real_b = batch
        fake_b = self.generator_ab(real_a, training=training)
        fake_a = self.generator_ba(real_b, training=training)
        adversarial = (self.generator_adversarial_loss(self.discriminator_b, fake_b, training)
                       + self.generator_adversarial_loss(self.discriminator_a, fake_a, training))
        cycle = (self._l1(self.generator_ba(fake_b, training=training), real_a)
                 + self._l1(self.generator_ab(fake_a, training=training), real_b))
        loss = adversarial + self.cycle_weight * cycle
        logs = {"cycle_loss": 0.5 * kg_backend.unscale_for_replicas(cycle)}
        if self.identity_weight > 0:
            identity = (self._l1(self.generator_ab(real_b, training=training), real_b)
                        + self._l1(self.generator_ba(real_a, training=training), real_a))
            loss = loss + self.identity_weight * self.cycle_weight * identity
            logs["identity_loss"] = 0.5 * kg_backend.unscale_for_replicas(identity)
        return loss, logs

    def after_generator_step(self):
        if self.ema_decay is not None:
            for ema, live in ((self.ema_generator_ab, self.generator_ab),
                              (self.ema_generator_ba, self.generator_ba)):
                update_ema(ema, live, self.ema_decay, self.g_optimizer.iterations)

    # -------------------------------------------------------- inference
    @property
    def translators(self) -> dict:
        """`{"a2b": network, "b2a": network}` that `translate` uses: the EMA
        generators when the model keeps them, else the live ones."""
        if self.ema_decay is not None:
            return {"a2b": self.ema_generator_ab, "b2a": self.ema_generator_ba}
        return {"a2b": self.generator_ab, "b2a": self.generator_ba}

    def call(self, images, training=False):
        """Translates float images in [-1, 1] from domain A to domain B."""
        return self.generator_ab(images, training=training)

    def _generator(self, direction):
        if direction not in DIRECTIONS:
            raise ValueError(
                f"Unknown direction {direction!r}; valid directions are "
                f"{', '.join(repr(d) for d in DIRECTIONS)} (A to B with generator_ab, "
                "B to A with generator_ba)."
            )
        return self.translators[direction]

    def _as_uint8_array(self, image):
        if not isinstance(image, np.ndarray) and hasattr(image, "convert") and hasattr(image, "mode"):
            image = np.asarray(image.convert("RGB" if self.channels == 3 else "L"))
        image = np.asarray(image)
        if image.dtype != np.uint8:
            raise ValueError(
                f"translate takes uint8 images (0-255) or PIL images; received dtype "
                f"{image.dtype}. For float images in [-1, 1] call "
                "model.generator_ab / model.generator_ba directly."
            )
        if image.ndim == 2 and self.channels == 1:
            image = image[..., None]
        if image.ndim not in (3, 4):
            raise ValueError(
                "translate takes images of shape (height, width, channels) or "
                f"(num, height, width, channels); received shape {image.shape}."
            )
        if image.shape[-1] != self.channels:
            hint = (" Convert grayscale or RGBA images to RGB (e.g. PIL's "
                    "image.convert('RGB'))." if self.channels == 3 else "")
            raise ValueError(
                f"This CycleGAN translates images with {self.channels} channels; "
                f"received shape {image.shape}.{hint}"
            )
        if min(image.shape[-3:-1]) < 1:
            raise ValueError(f"Cannot translate an empty image of shape {image.shape}.")
        return image

    def _translate_batch(self, net, images, batch_size):
        n, h, w, _ = images.shape
        # The generator needs sides that are multiples of 4 (two stride-2
        # stages), at least 8: reflect-pad, translate, crop back.
        ph = max(8, int(math.ceil(h / 4)) * 4)
        pw = max(8, int(math.ceil(w / 4)) * 4)
        top, left = (ph - h) // 2, (pw - w) // 2
        padded = np.pad(images, ((0, 0), (top, ph - h - top), (left, pw - w - left), (0, 0)),
                        mode="reflect" if min(h, w) > 1 else "edge")
        out = []
        for start in range(0, n, batch_size):
            x = padded[start:start + batch_size].astype("float32") / 127.5 - 1.0
            y = ops.convert_to_numpy(net(x, training=False))
            out.append(to_uint8(y[:, top:top + h, left:left + w]))
        return np.concatenate(out, axis=0)

    def translate(self, images, direction: str = "a2b", batch_size: int = 8,
                  crop: str | None = None, blend: str = "seamless", finder=None):
        """Translates uint8 images of any size between the two domains.

        Args:
            images: A uint8 array `(h, w, c)` or `(n, h, w, c)`, a PIL image,
                or a list of those (sizes may differ).
            direction: `"a2b"` (with `generator_ab`) or `"b2a"`.
            batch_size: Images per forward pass.
            crop: How each image is framed (default: the model's `crop`):
                - `"none"`: translated as it is, at its own size;
                - `"whole"`: rescaled so its shorter side is `image_size`,
                  translated, scaled back (inputs that already are face crops);
                - `"center"`: the centre square, translated at `image_size`
                  and blended back into the photo;
                - `"face"`: as `"center"`, around the face of the source
                  domain's animal (`domains`): for cats OpenCV's cat-face
                  detector, from `pip install "kerasgan[faces]"`, upright or
                  tilted (a face found only in the photo turned by
                  `photos.FACE_TILTS` is translated upright and turned back);
                  for dogs, and for cats the cascade misses, the learned
                  finder `photos.find_face_square`. Where no face is found or
                  no detector can run, the centre square, with one warning
                  line.
            blend: How `"center"` and `"face"` squares go back into the photo:
                `"seamless"` (gradient domain, no visible square: the face
                keeps the translation's colours, its surroundings meet the
                photo's), `"poisson"` (the face, too, takes on the photo's
                colours) or `"feather"` (the translation's own colours, faded
                in).
            finder: For `"face"`: the learned face finder (None: the shipped
                one, `photos.load_face_finder()`; a Keras model with the same
                inputs and outputs; False: none, so dogs get the centre square).

        Returns:
            uint8 images of the same shape as the input (a list for a list).
            Images whose sides are not multiples of 4 are reflect-padded for
            the generator and cropped back.

        Example:
        ```python
        model = kerasgan.zoo.load("cyclegan_cats2dogs")          # crop="face"
        dog = model.translate(np.asarray(PIL.Image.open("cat.jpg")), "a2b")
        ```
        """
        net = self._generator(direction)
        crop = self.crop if crop is None else crop
        if crop not in CROP_MODES:
            raise ValueError(f"crop must be one of {CROP_MODES} or None (the model's "
                             f"default, {self.crop!r}); received {crop!r}.")
        if blend not in BLEND_MODES:
            raise ValueError(f"blend must be one of {BLEND_MODES}; received {blend!r}.")
        if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer; received {batch_size!r}.")
        if isinstance(images, (list, tuple)):
            return [self.translate(image, direction, batch_size, crop, blend, finder)
                    for image in images]
        array = self._as_uint8_array(images)
        if crop != "none":
            batch = array[None] if array.ndim == 3 else array
            out = [self.translate_photo(image, direction, crop, blend=blend, finder=finder).image
                   for image in batch]
            out = np.stack(out) if out else batch.copy()
            return out[0] if array.ndim == 3 else out
        if array.ndim == 3:
            return self._translate_batch(net, array[None], batch_size)[0]
        if len(array) == 0:
            return array.copy()
        return self._translate_batch(net, array, batch_size)

    def translate_photo(self, photo, direction: str = "a2b", crop: str | None = None,
                        warn: bool = True, blend: str = "seamless", finder=None):
        """Translates one photo and says how it was framed.

        Args:
            photo: uint8 `(h, w, c)` or a PIL image.
            direction: `"a2b"` or `"b2a"`.
            crop: As in `translate` (default: the model's `crop`).
            warn: Log `.note` as a warning.
            blend: As in `translate`.
            finder: As in `translate`.

        Returns:
            A `kerasgan.photos.PhotoTranslation`: the translated photo
            (`.image`), the framing used (`.crop`, `.square`) and, when a face
            was asked for but not used, why (`.note`).
        """
        net = self._generator(direction)
        photo = self._as_uint8_array(photo)
        if photo.ndim != 3:
            raise ValueError(f"translate_photo takes one image (h, w, c); received shape "
                             f"{photo.shape}.")
        subject = None
        if self.domains is not None:
            subject = self.domains[0 if direction == "a2b" else 1]
        result = translate_photo(lambda x: self._translate_batch(net, x, 1), photo,
                                 self.image_size, self.crop if crop is None else crop, subject,
                                 blend, finder)
        if result.note and warn:
            logger.warning("%s.", result.note[:1].upper() + result.note[1:])
        return result

    # ----------------------------------------------------- serialization
    def get_config(self):
        config = super().get_config()
        config.update({
            "image_size": self.image_size,
            "channels": self.channels,
            "generator_width": self.generator_width,
            "num_residual_blocks": self.num_residual_blocks,
            "discriminator_width": self.discriminator_width,
            "discriminator_layers": self.discriminator_layers,
            "cycle_weight": self.cycle_weight,
            "identity_weight": self.identity_weight,
            "pool_size": self.pool_size,
            "upsampling": self.upsampling,
            "domains": None if self.domains is None else list(self.domains),
            "crop": self.crop,
            "ema_decay": self.ema_decay,
        })
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)
