"""The history pool of generated images (Shrivastava et al. 2017, CycleGAN)."""

import numpy as np
import pytest
import tensorflow as tf

from kerasgan.core.image_pool import ImagePool


def _batch(values, shape=(2, 2, 1)):
    values = np.asarray(values, "float32")
    return values[:, None, None, None] * np.ones((len(values),) + shape, "float32")


def _ids(images):
    return np.asarray(images)[:, 0, 0, 0].tolist()


def test_returns_current_images_and_stores_them_until_full():
    pool = ImagePool(5, image_shape=(2, 2, 1), seed=0)
    out = pool.query(_batch([1, 2, 3]))
    assert _ids(out) == [1, 2, 3]
    assert pool.num_stored == 3
    # Filling continues image by image: 4 and 5 fill the pool, 6 arrives when
    # it is full and may already be swapped.
    out = pool.query(_batch([4, 5, 6]), draws=np.array([[0.9, 0.0]] * 3, "float32"))
    assert _ids(out) == [4, 5, 6]          # draw 0.9 >= 0.5: never swapped
    assert pool.num_stored == 5
    assert _ids(pool.buffer.numpy()) == [1, 2, 3, 4, 5]


def test_full_pool_swaps_with_the_drawn_slot():
    pool = ImagePool(4, image_shape=(2, 2, 1))
    pool.query(_batch([1, 2, 3, 4]))
    # draw[0] < 0.5 swaps; draw[1] picks slot floor(draw[1] * 4).
    draws = np.array([[0.1, 0.0], [0.7, 0.3], [0.2, 0.99], [0.4, 0.0]], "float32")
    out = pool.query(_batch([10, 20, 30, 40]), draws=draws)
    # 10 takes slot 0 (returns 1); 20 passes; 30 takes slot 3 (returns 4);
    # 40 takes slot 0 again and gets 10 back: images are processed in order.
    assert _ids(out) == [1, 20, 4, 10]
    assert _ids(pool.buffer.numpy()) == [40, 2, 3, 30]
    assert pool.num_stored == 4


def test_full_pool_mixes_about_half_from_history():
    pool = ImagePool(50, image_shape=(1, 1, 1), seed=1)
    pool.query(_batch(np.arange(50), (1, 1, 1)))
    new = np.arange(1000, 1400)
    out = np.concatenate([_ids(pool.query(_batch(new[i:i + 40], (1, 1, 1))))
                          for i in range(0, 400, 40)])
    from_pool = np.mean(out != new)
    assert 0.4 < from_pool < 0.6
    # Old images come back, and swapped-in new ones come back later.
    assert np.any(out < 50) and np.any((out >= 1000) & (out != new))


def test_pool_size_zero_and_inference_pass_through():
    x = _batch([1, 2])
    assert _ids(ImagePool(0, image_shape=(2, 2, 1)).query(x)) == [1, 2]
    pool = ImagePool(3, image_shape=(2, 2, 1))
    assert _ids(pool(x, training=False)) == [1, 2]
    assert pool.num_stored == 0


def test_shape_errors_and_config():
    pool = ImagePool(3, image_shape=(2, 2, 1), name="p")
    with pytest.raises(ValueError, match=r"holds images of shape \(2, 2, 1\)"):
        pool.query(np.zeros((1, 3, 3, 1), "float32"))
    with pytest.raises(ValueError, match="pool_size"):
        ImagePool(-1)
    clone = ImagePool.from_config(pool.get_config())
    assert clone.pool_size == 3 and clone.image_shape == (2, 2, 1)


def test_works_in_tf_function_and_restores_from_weights():
    pool = ImagePool(2, image_shape=(2, 2, 1))
    query = tf.function(lambda x, d: pool.query(x, d))
    query(_batch([1, 2, 3]), tf.constant([[0.9, 0.0]] * 3))
    assert pool.num_stored == 2
    out = query(_batch([7]), tf.constant([[0.0, 0.6]]))
    assert _ids(out) == [2]
    copy = ImagePool(2, image_shape=(2, 2, 1))
    copy.set_weights(pool.get_weights())
    assert _ids(copy.buffer.numpy()) == [1, 7] and copy.num_stored == 2
    pool.reset()
    assert pool.num_stored == 0


def test_each_replica_keeps_its_own_pool_under_mirrored_strategy(strategy):
    with strategy.scope():
        pool = ImagePool(2, image_shape=(2, 2, 1))

    @tf.function
    def step(x, d):
        return strategy.run(lambda x, d: pool.query(x, d), (x, d))

    draws = tf.constant([[0.0, 0.0]] * 4)
    for s in range(3):
        ds = tf.data.Dataset.from_tensor_slices((_batch(np.arange(4) + 10 * s), draws)).batch(4)
        for x, d in strategy.experimental_distribute_dataset(ds):
            out = [_ids(v) for v in strategy.experimental_local_results(step(x, d))]
    # Replica 0 saw images 0-1, 10-11, 20-21; replica 1 saw 2-3, 12-13, 22-23.
    # Step 1 fills each pool; later images are all swapped into slot 0, so
    # step 3 returns what that replica stored in step 2, then its own image.
    assert out == [[11, 20], [13, 22]]
    locals_ = [_ids(v.numpy()) for v in pool.buffer.value.values]
    assert locals_ == [[21, 1], [23, 3]]
    counts = [int(v.numpy()) for v in pool.count.value.values]
    assert counts == [2, 2]
    # Cross-replica reads (checkpoints, get_weights) see the first replica.
    assert _ids(pool.buffer.numpy()) == [21, 1]
