"""TensorFlow implementations of the backend-specific operations."""

import tensorflow as tf


def gradient_step(loss_fn, variables, optimizer, after=()):
    # `after`: tensors this step must wait for. Under tf.distribute every
    # replica must issue its collectives (all-reduces of gradients and of
    # synchronized BatchNorm statistics) in the same order; chaining the
    # discriminator and generator steps keeps them from interleaving.
    with tf.control_dependencies([t for t in after if t is not None]):
        with tf.GradientTape() as tape:
            loss, logs = loss_fn()
            scaled = optimizer.scale_loss(loss)
        grads = tape.gradient(scaled, variables)
        optimizer.apply_gradients(zip(grads, variables))
    with tf.control_dependencies(grads):
        done = tf.identity(optimizer.iterations)
    return loss, logs, done


def input_gradients(fn, inputs):
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        outputs = fn(inputs)
        total = tf.reduce_sum(tf.cast(outputs, tf.float32))
    return tape.gradient(total, inputs)


def num_replicas() -> int:
    return tf.distribute.get_strategy().num_replicas_in_sync


def replica_id():
    ctx = tf.distribute.get_replica_context()
    if ctx is None:  # cross-replica context
        return 0
    return ctx.replica_id_in_sync_group


def step_logs(logs):
    # Keras reduces a multi-worker step's logs with a mean over axis 0, which
    # scalars do not have. The values are results of metrics tf.distribute
    # already aggregated, identical everywhere: give them that axis.
    strategy = tf.distribute.get_strategy()
    if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) and (
        strategy.extended._in_multi_worker_mode()
    ):
        return {k: tf.reshape(v, [1]) for k, v in logs.items()}
    return logs
