"""`ImagePool`: a history of generated images for discriminator updates.

Shrivastava et al. 2017 (section 3.2) and CycleGAN (Zhu et al. 2017,
section 4) update the discriminator with a mix of the newest generated images
and older ones, which keeps D from forgetting earlier generator modes and
damps oscillation. The buffer holds `pool_size` images (50 in CycleGAN):

- until it is full, each incoming image is stored and returned unchanged;
- once full, each image is, with probability 0.5, swapped with a random stored
  image (the image is stored and the old one returned); otherwise it is
  returned unchanged.

Images of a batch are processed one after the other, exactly as in the
reference implementation (pytorch-CycleGAN-and-pix2pix `ImagePool.query`).

The pool is a Keras layer with two non-trainable variables (the buffer and the
fill count). They are created with `synchronization="on_read"` and
`aggregation="only_first_replica"`: under `tf.distribute` every replica keeps
and updates its own pool with purely local writes -- no cross-replica
synchronisation, nothing that could reorder the replicas' collectives -- and a
checkpoint stores the first replica's pool. On one device they are ordinary
variables. The pool is part of the model's weights, so a resumed run continues
with the history it had.
"""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kerasgan")
class ImagePool(keras.layers.Layer):
    """A per-replica history buffer of generated images.

    Args:
        pool_size: Number of stored images (50 in CycleGAN). 0 disables the
            pool: `query` returns its input.
        image_shape: `(height, width, channels)` of the images; the buffer is
            created from it (or from the first input's shape when None).
        swap_probability: Probability that an image is swapped with a stored
            one once the pool is full (0.5 in the papers).
        seed: Seed of the pool's own random draws, used only when `query` is
            not given `draws` (models pass step-derived noise instead).
        **kwargs: `keras.layers.Layer` arguments (`name`, ...).

    Example:
    ```python
    pool = kerasgan.core.ImagePool(50, image_shape=(128, 128, 3))
    fakes_for_d = pool.query(fakes)   # inside a train_step, outside D's tape
    ```
    """

    def __init__(self, pool_size: int = 50, image_shape=None,
                 swap_probability: float = 0.5, seed: int | None = None, **kwargs):
        kwargs.setdefault("dtype", "float32")
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        if not isinstance(pool_size, int) or isinstance(pool_size, bool) or pool_size < 0:
            raise ValueError(f"pool_size must be a non-negative integer; received {pool_size!r}.")
        if not 0.0 <= float(swap_probability) <= 1.0:
            raise ValueError(f"swap_probability must be in [0, 1]; received {swap_probability}.")
        self.pool_size = pool_size
        self.image_shape = None if image_shape is None else tuple(int(d) for d in image_shape)
        self.swap_probability = float(swap_probability)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed, name="pool_seed")
        self.buffer = None
        self.count = None
        if self.image_shape is not None:
            self.build((None,) + self.image_shape)

    def build(self, input_shape):
        if self.image_shape is None:
            self.image_shape = tuple(int(d) for d in input_shape[1:])
        if any(d is None for d in self.image_shape):
            raise ValueError(
                f"ImagePool needs fully defined image shapes; received {input_shape}."
            )
        # Keras's add_weight takes no `synchronization`: create the variables
        # directly (the layer tracks them as non-trainable weights).
        self.buffer = keras.Variable(
            ops.zeros((max(self.pool_size, 1),) + self.image_shape, "float32"),
            dtype="float32", trainable=False, name="buffer",
            synchronization="on_read", aggregation="only_first_replica",
        )
        self.count = keras.Variable(
            ops.zeros((), "int32"), dtype="int32", trainable=False, name="count",
            synchronization="on_read", aggregation="only_first_replica",
        )
        self.built = True

    @property
    def num_stored(self) -> int:
        """Images currently stored (as a Python int)."""
        return 0 if self.count is None else int(ops.convert_to_numpy(self.count.value))

    def reset(self):
        """Empties the pool."""
        if self.count is not None:
            self.count.assign(ops.zeros((), "int32"))
            self.buffer.assign(ops.zeros_like(self.buffer.value))

    def call(self, images, draws=None, training: bool = True):
        if not training or self.pool_size == 0:
            return images
        return self.query(images, draws)

    def query(self, images, draws=None):
        """Returns images for the discriminator and updates the pool.

        Args:
            images: Float tensor `(batch, height, width, channels)` of newly
                generated images.
            draws: Optional uniform [0, 1) noise of shape `(batch, 2)`: column
                0 decides the swap, column 1 picks the slot. Models pass noise
                derived from the training step (`sample_uniform`), so no seed
                variable is written from replica context; when None, the
                pool's own seed generator draws it (fine on one device).

        Returns:
            A tensor like `images`: a mix of them and stored older images.
        """
        if self.pool_size == 0:
            return images
        if not self.built:
            self.build(tuple(images.shape))
        shape = tuple(images.shape[1:])
        if len(shape) != len(self.image_shape) or any(
            s is not None and s != t for s, t in zip(shape, self.image_shape)
        ):
            raise ValueError(
                f"ImagePool holds images of shape {self.image_shape}; received "
                f"a batch of shape {tuple(images.shape)}."
            )
        dtype = images.dtype
        images = ops.cast(images, "float32")
        n = ops.shape(images)[0]
        if draws is None:
            draws = keras.random.uniform((n, 2), seed=self.seed_generator)
        draws = ops.cast(draws, "float32")
        size = self.pool_size
        slots = ops.arange(size, dtype="int32")
        expand = (-1,) + (1,) * len(self.image_shape)

        def body(i, state):
            buffer, count, out = state
            image = ops.take(images, i, axis=0)
            draw = ops.take(draws, i, axis=0)
            filling = count < size
            swap = ops.logical_and(ops.logical_not(filling),
                                   draw[0] < self.swap_probability)
            random_slot = ops.minimum(
                ops.cast(ops.floor(draw[1] * size), "int32"), size - 1
            )
            slot = ops.where(filling, count, random_slot)
            write = ops.logical_or(filling, swap)
            slot_mask = ops.reshape(ops.equal(slots, slot), expand)
            stored = ops.sum(ops.where(slot_mask, buffer, 0.0), axis=0)
            returned = ops.where(swap, stored, image)
            buffer = ops.where(ops.logical_and(slot_mask, write), image[None], buffer)
            out_mask = ops.reshape(ops.equal(ops.arange(n, dtype="int32"), i), expand)
            out = ops.where(out_mask, returned[None], out)
            count = count + ops.cast(filling, "int32")
            return buffer, count, out

        buffer, count, out = ops.fori_loop(
            0, n, body,
            (self.buffer.value[:size], ops.convert_to_tensor(self.count.value), images),
        )
        self.buffer.assign(buffer)
        self.count.assign(count)
        return ops.cast(out, dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({
            "pool_size": self.pool_size,
            "image_shape": self.image_shape,
            "swap_probability": self.swap_probability,
            "seed": self.seed,
        })
        return config
