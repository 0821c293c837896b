"""`AdversarialModel`: the one adversarial `train_step` of kerasgan.

The loop of Goodfellow et al. 2014 (Algorithm 1): `d_steps` discriminator
updates, then one generator update, each with its own optimizer. Subclasses
declare their networks and two objectives; they never write a training loop.

A subclass implements:

- `generator_trainable_variables` / `discriminator_trainable_variables`
  (properties): what each optimizer updates.
- optionally `prepare_discriminator_step(batch, training)`: work done
  outside D's gradient tape, such as generating the fakes.
- `discriminator_objective(inputs, training)` and
  `generator_objective(batch, training)`: each returns `(loss, logs)`, where
  `loss` is the replica-scaled scalar to minimise and `logs` maps metric names
  (declared in `objective_metric_names()`) to values.
- optionally `unpack_batch(data)`, `after_generator_step()`.

Everything else -- optimizers and loss scaling, the adversarial loss and
gradient penalty, instance noise, metrics, distribution, compile serialization
-- lives here once.
"""

from __future__ import annotations

import threading
import warnings

import keras
from keras import ops

from kerasgan import backend as kg_backend
from kerasgan import losses as kg_losses


class StepSeedGenerator(keras.random.SeedGenerator):
    """A `SeedGenerator` whose seeds are a function of the training step.

    Each draw inside a step gets the seed `(seed, step * 4096 + k)` for the
    k-th draw, with `step` the generator optimizer's iteration count. No
    variable is written while drawing, so randomness costs no cross-replica
    synchronisation under `tf.distribute` (where writing a seed variable from
    every replica would force a merge step that lets replicas issue their
    collectives in different orders), and a restored checkpoint continues with
    exactly the noise an uninterrupted run would have drawn.
    """

    def __init__(self, seed=None, name=None, **kwargs):
        super().__init__(seed=seed, name=name, **kwargs)
        # MirroredStrategy traces each replica's step in its own thread: the
        # per-step counters must not be shared between them.
        self._local = threading.local()

    def start_step(self, step):
        """Sets the step counter; draws restart at k = 0."""
        self._local.step = step
        self._local.draws = 0

    def next(self, ordered=True):
        step = getattr(self._local, "step", None)
        if step is None:
            return super().next(ordered)
        dtype = self.state.dtype
        base = ops.cast(self.state.value[0], dtype)
        counter = ops.cast(step, dtype) * 4096 + self._local.draws
        self._local.draws += 1
        return ops.stack([base, ops.cast(counter, dtype)])


def _default_optimizer():
    # The DCGAN paper's setting (Radford et al. 2016, section 4).
    return keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5)


class AdversarialModel(keras.Model):
    """Base class of kerasgan's GANs: the alternating adversarial game.

    Args:
        d_steps: Discriminator updates per generator update (k in Goodfellow
            et al. 2014; 5 is usual for WGAN-GP). Each of them sees the
            batch's real images with freshly sampled generated ones.
        seed: Seed of the model's `keras.random.SeedGenerator` (latent noise,
            instance noise, interpolation weights).
        **kwargs: Passed to `keras.Model`.
    """

    def __init__(self, d_steps: int = 1, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(d_steps, int) or d_steps < 1:
            raise ValueError(f"d_steps must be a positive integer; received {d_steps!r}.")
        self.d_steps = d_steps
        self.seed = seed
        self.seed_generator = StepSeedGenerator(seed, name="adversarial_seed")
        self.g_optimizer = None
        self.d_optimizer = None
        self.adversarial_loss = None
        self.penalty = None
        self.instance_noise = 0.0
        self.instance_noise_decay_steps = None
        self._trackers = {}

    # ------------------------------------------------------------------ API
    @property
    def generator_trainable_variables(self) -> list:
        raise NotImplementedError

    @property
    def discriminator_trainable_variables(self) -> list:
        raise NotImplementedError

    @property
    def discriminator_networks(self) -> list:
        """The discriminator networks (for checks on their layers)."""
        return []

    def discriminator_objective(self, batch, training: bool = True):
        raise NotImplementedError

    def generator_objective(self, batch, training: bool = True):
        raise NotImplementedError

    def objective_metric_names(self) -> list[str]:
        """Names of the values the objectives log, besides d_loss and g_loss."""
        names = ["d_real", "d_fake"]
        if self.penalty is not None:
            names.append("d_penalty")
        return names

    def unpack_batch(self, data):
        """Turns what the dataset yields into the objectives' `batch`."""
        if isinstance(data, (tuple, list)):
            data = data[0]
        return data

    def prepare_discriminator_step(self, batch, training: bool = True):
        """Work done before D's gradient tape (e.g. generating fakes).

        Whatever it returns is passed to `discriminator_objective`. Generated
        images need no gradient in D's step, so producing them here saves
        recording the generator's forward pass.
        """
        return batch

    def after_generator_step(self):
        """Hook called after each generator update (e.g. EMA of weights)."""

    # -------------------------------------------------------------- compile
    def compile(
        self,
        g_optimizer=None,
        d_optimizer=None,
        loss="non_saturating",
        penalty=None,
        instance_noise: float = 0.0,
        instance_noise_decay_steps: int | None = None,
        auto_scale_loss: bool = True,
        **kwargs,
    ):
        """Configures the adversarial game.

        Args:
            g_optimizer: Generator optimizer (default Adam(2e-4, beta_1=0.5)).
            d_optimizer: Discriminator optimizer (same default). Two
                time-scale update rules (Heusel et al. 2017) are two learning
                rates here.
            loss: Adversarial loss: a name from `kerasgan.losses.LOSS_NAMES`
                or a `kerasgan.losses.AdversarialLoss` (e.g.
                `NonSaturating(label_smoothing=0.1)`).
            penalty: Gradient penalty on D: `"gradient_penalty"` (WGAN-GP),
                `"r1"`, a `kerasgan.losses.GradientPenaltyBase`, or None.
            instance_noise: Std of Gaussian noise added to every image D sees
                (Sønderby et al. 2017), in the [-1, 1] pixel scale. A remedy
                when D outruns G.
            instance_noise_decay_steps: If set, the noise decays linearly to
                zero over this many generator steps.
            auto_scale_loss: Wrap both optimizers in a `LossScaleOptimizer`
                under the `mixed_float16` policy.
            **kwargs: `keras.Model.compile` arguments that apply to a GAN:
                `jit_compile`, `run_eagerly`, `steps_per_execution`.

        Example:
        ```python
        gan.compile(g_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.5),
                    d_optimizer=keras.optimizers.Adam(4e-4, beta_1=0.5),
                    loss="hinge")
        ```
        """
        for bad in ("optimizer", "metrics", "loss_weights", "weighted_metrics"):
            if bad in kwargs:
                raise TypeError(
                    f"{type(self).__name__}.compile() does not take {bad!r}: a "
                    "GAN has two optimizers (g_optimizer, d_optimizer) and "
                    "reports its own metrics."
                )
        super().compile(optimizer=None, loss=None, auto_scale_loss=False, **kwargs)
        self.g_optimizer = self._prepare_optimizer(g_optimizer, auto_scale_loss, "g")
        self.d_optimizer = self._prepare_optimizer(d_optimizer, auto_scale_loss, "d")
        self.adversarial_loss = kg_losses.get(loss)
        self.penalty = kg_losses.get_penalty(penalty)
        if self.penalty is not None:
            self._check_penalty_compatible()
        instance_noise = float(instance_noise)
        if instance_noise < 0:
            raise ValueError(f"instance_noise must be >= 0; received {instance_noise}.")
        self.instance_noise = instance_noise
        self.instance_noise_decay_steps = instance_noise_decay_steps
        self._auto_scale_loss = auto_scale_loss
        self._extra_compile_kwargs = {
            k: v for k, v in kwargs.items() if k in ("jit_compile", "steps_per_execution")
        }
        names = ["d_loss", "g_loss"] + self.objective_metric_names()
        self._trackers = {name: keras.metrics.Mean(name=name) for name in names}
        if self.built:
            self._build_optimizers()
        # On JAX the trainer threads `model.optimizer.variables` through its
        # pure train_step: give it both optimizers' (None elsewhere).
        self.optimizer = kg_backend.trainer_optimizer(self)

    def _check_penalty_compatible(self):
        for net in self.discriminator_networks:
            if any(isinstance(l, keras.layers.BatchNormalization)
                   for l in net._flatten_layers()):
                warnings.warn(
                    f"The discriminator {net.name!r} uses BatchNormalization with "
                    "a gradient penalty; the penalty is per sample, and BatchNorm "
                    "mixes samples (Gulrajani et al. 2017 use LayerNorm). Consider "
                    "discriminator_norm='layer'.",
                    stacklevel=3,
                )

    def _prepare_optimizer(self, optimizer, auto_scale_loss, which):
        if optimizer is None:
            optimizer = _default_optimizer()
        elif isinstance(optimizer, (str, dict)):
            optimizer = keras.optimizers.get(optimizer)
        if not isinstance(optimizer, keras.optimizers.Optimizer):
            raise TypeError(
                f"{which}_optimizer must be a keras.optimizers.Optimizer, a name "
                f"or a config; received {optimizer!r}."
            )
        if (
            auto_scale_loss
            and self.dtype_policy.name == "mixed_float16"
            and not isinstance(optimizer, keras.optimizers.LossScaleOptimizer)
        ):
            optimizer = keras.optimizers.LossScaleOptimizer(
                optimizer, name=f"{which}_loss_scale_optimizer"
            )
        return optimizer

    def _build_optimizers(self):
        if self.g_optimizer is not None and not self.g_optimizer.built:
            self.g_optimizer.build(self.generator_trainable_variables)
        if self.d_optimizer is not None and not self.d_optimizer.built:
            self.d_optimizer.build(self.discriminator_trainable_variables)

    @staticmethod
    def _unwrap(optimizer):
        if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
            return optimizer.inner_optimizer
        return optimizer

    def get_compile_config(self):
        if self.g_optimizer is None:
            return None
        ser = keras.saving.serialize_keras_object
        return {
            "g_optimizer": ser(self._unwrap(self.g_optimizer)),
            "d_optimizer": ser(self._unwrap(self.d_optimizer)),
            "loss": ser(self.adversarial_loss),
            "penalty": ser(self.penalty) if self.penalty is not None else None,
            "instance_noise": self.instance_noise,
            "instance_noise_decay_steps": self.instance_noise_decay_steps,
            "auto_scale_loss": self._auto_scale_loss,
            **self._extra_compile_kwargs,
        }

    def compile_from_config(self, config):
        de = keras.saving.deserialize_keras_object
        config = dict(config)
        config["g_optimizer"] = de(config["g_optimizer"])
        config["d_optimizer"] = de(config["d_optimizer"])
        config["loss"] = de(config["loss"])
        if config.get("penalty") is not None:
            config["penalty"] = de(config["penalty"])
        self.compile(**config)
        self._build_optimizers()

    # -------------------------------------------------------------- metrics
    @property
    def metrics(self):
        return list(self._trackers.values())

    def _report(self, logs):
        for name, value in logs.items():
            self._trackers[name].update_state(value)
        return kg_backend.step_logs(
            {name: tracker.result() for name, tracker in self._trackers.items()}
        )

    # ------------------------------------------------------------ the loop
    def train_step(self, *args):
        """One adversarial step: `d_steps` D updates, then one G update.

        Called by `fit` as `train_step(data)` (TensorFlow, PyTorch) or
        `train_step(state, data)` (JAX, where the same body runs as a pure
        function of the variables' values; see `kerasgan.backend.run_step`).
        """
        return kg_backend.run_step(self, self._train_step, args)

    def test_step(self, *args):
        """Evaluates both objectives on a batch without updating weights."""
        return kg_backend.run_step(self, self._test_step, args)

    def _purge_model_variables(self, *args, **kwargs):
        # Keras's JAX trainer drops the variables' values while its jitted
        # steps run and reattaches them only after steps succeeded, so a step
        # that raises (a batch of the wrong shape or dtype) would leave the
        # model without weights. Keep them: the step donates their buffers, so
        # this holds no second copy. (Called by the JAX trainer only.)
        del args, kwargs

    def _train_step(self, data):
        if self.g_optimizer is None:
            raise RuntimeError(
                f"{type(self).__name__} must be compiled before training: call "
                "model.compile(g_optimizer=..., d_optimizer=..., loss=...)."
            )
        batch = self.unpack_batch(data)
        self.seed_generator.start_step(self.g_optimizer.iterations)
        d_vars = self.discriminator_trainable_variables
        g_vars = self.generator_trainable_variables
        done = ()
        for _ in range(self.d_steps):
            d_inputs = self.prepare_discriminator_step(batch, training=True)
            d_loss, d_logs, d_done = kg_backend.gradient_step(
                lambda: self.discriminator_objective(d_inputs, training=True),
                d_vars,
                self.d_optimizer,
                after=done,
            )
            done = (d_done,)
        g_loss, g_logs, _ = kg_backend.gradient_step(
            lambda: self.generator_objective(batch, training=True),
            g_vars,
            self.g_optimizer,
            after=done,
        )
        self.after_generator_step()
        logs = {
            "d_loss": kg_backend.unscale_for_replicas(d_loss),
            "g_loss": kg_backend.unscale_for_replicas(g_loss),
            **d_logs,
            **g_logs,
        }
        return self._report(logs)

    def _test_step(self, data):
        batch = self.unpack_batch(data)
        self.seed_generator.start_step(self.g_optimizer.iterations)
        d_inputs = self.prepare_discriminator_step(batch, training=False)
        d_loss, d_logs = self.discriminator_objective(d_inputs, training=False)
        g_loss, g_logs = self.generator_objective(batch, training=False)
        logs = {
            "d_loss": kg_backend.unscale_for_replicas(d_loss),
            "g_loss": kg_backend.unscale_for_replicas(g_loss),
            **d_logs,
            **g_logs,
        }
        return self._report(logs)

    # ----------------------------------------------- shared building blocks
    def _per_replica(self, sampler, shape):
        # Under tf.distribute every replica draws the noise of the *global*
        # batch from the shared seed and keeps its own slice: replicas never
        # share noise, and training on N replicas sees exactly the numbers one
        # device would see for the global batch.
        n = kg_backend.num_replicas()
        if n == 1:
            return sampler(tuple(shape))
        noise = sampler((n,) + tuple(shape))
        return ops.take(noise, kg_backend.replica_id(), axis=0)

    def sample_normal(self, shape):
        """Standard normal noise from the model's seed generator."""
        return self._per_replica(
            lambda s: keras.random.normal(s, seed=self.seed_generator), shape
        )

    def sample_uniform(self, shape):
        """Uniform [0, 1) noise from the model's seed generator."""
        return self._per_replica(
            lambda s: keras.random.uniform(s, seed=self.seed_generator), shape
        )

    def _current_instance_noise(self):
        sigma = ops.convert_to_tensor(self.instance_noise, "float32")
        if self.instance_noise_decay_steps:
            step = ops.cast(self.g_optimizer.iterations, "float32")
            frac = 1.0 - step / float(self.instance_noise_decay_steps)
            sigma = sigma * ops.clip(frac, 0.0, 1.0)
        return sigma

    def add_instance_noise(self, images):
        """Adds the configured instance noise to images D sees (if any)."""
        if not self.instance_noise:
            return images
        sigma = ops.cast(self._current_instance_noise(), images.dtype)
        noise = ops.cast(self.sample_normal(ops.shape(images)), images.dtype)
        return images + sigma * noise

    def discriminator_terms(self, discriminator, real, fake, training=True, prefix="d"):
        """D's adversarial loss (+ penalty) on one real and one fake batch.

        Applies instance noise, the compiled adversarial loss and gradient
        penalty, and returns `(loss, logs)` with `<prefix>_real`,
        `<prefix>_fake` (mean D score) and `<prefix>_penalty`.
        """
        fake = ops.stop_gradient(fake)
        real_in = self.add_instance_noise(real)
        fake_in = self.add_instance_noise(fake)
        real_out = discriminator(real_in, training=training)
        fake_out = discriminator(fake_in, training=training)
        loss = self.adversarial_loss.discriminator_loss(real_out, fake_out)
        logs = {
            f"{prefix}_real": ops.mean(self.adversarial_loss.score(real_out)),
            f"{prefix}_fake": ops.mean(self.adversarial_loss.score(fake_out)),
        }
        if self.penalty is not None:
            penalty = self._penalty(discriminator, real, fake, training)
            loss = loss + penalty
            logs[f"{prefix}_penalty"] = kg_backend.unscale_for_replicas(penalty)
        return loss, logs

    def _penalty(self, discriminator, real, fake, training):
        real = ops.cast(real, "float32")
        if self.penalty.points == "interpolates":
            fake = ops.cast(fake, "float32")
            n = ops.shape(real)[0]
            alpha_shape = (n,) + (1,) * (len(real.shape) - 1)
            alpha = self.sample_uniform(alpha_shape)
            points = real + alpha * (fake - real)
        else:
            points = real
        grads = kg_backend.input_gradients(
            lambda x: discriminator(x, training=training), points
        )
        return self.penalty(ops.zeros((ops.shape(points)[0],)), grads)

    def generator_adversarial_loss(self, discriminator, fake, training=True):
        """G's adversarial loss against `discriminator` on generated images."""
        fake_out = discriminator(self.add_instance_noise(fake), training=training)
        return self.adversarial_loss.generator_loss(fake_out)

    def get_config(self):
        config = super().get_config()
        config.update({"d_steps": self.d_steps, "seed": self.seed})
        return config
