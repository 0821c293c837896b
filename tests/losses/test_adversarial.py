"""Adversarial losses match their formulas."""

import numpy as np
import pytest

import kerasgan
from kerasgan import losses

REAL = np.array([[2.0], [-1.0], [0.5]], dtype="float32")
FAKE = np.array([[-0.5], [1.5], [0.0]], dtype="float32")


def sig(x):
    return 1 / (1 + np.exp(-x))


def f(x):
    return float(np.asarray(x))


def test_non_saturating():
    loss = losses.get("non_saturating")
    d = -np.log(sig(REAL)).mean() - np.log(1 - sig(FAKE)).mean()
    g = -np.log(sig(FAKE)).mean()
    assert f(loss.discriminator_loss(REAL, FAKE)) == pytest.approx(d, rel=1e-5)
    assert f(loss.generator_loss(FAKE)) == pytest.approx(g, rel=1e-5)


def test_minimax_generator_is_saturating_form():
    loss = losses.get("minimax")
    g = np.log(1 - sig(FAKE)).mean()  # G minimises log(1 - D(G(z)))
    assert f(loss.generator_loss(FAKE)) == pytest.approx(g, rel=1e-5)
    d = -np.log(sig(REAL)).mean() - np.log(1 - sig(FAKE)).mean()
    assert f(loss.discriminator_loss(REAL, FAKE)) == pytest.approx(d, rel=1e-5)


def test_lsgan():
    loss = losses.get("lsgan")
    d = 0.5 * (((REAL - 1) ** 2).mean() + (FAKE ** 2).mean())
    assert f(loss.discriminator_loss(REAL, FAKE)) == pytest.approx(d, rel=1e-5)
    assert f(loss.generator_loss(FAKE)) == pytest.approx(((FAKE - 1) ** 2).mean(), rel=1e-5)


def test_hinge():
    loss = losses.get("hinge")
    d = np.maximum(0, 1 - REAL).mean() + np.maximum(0, 1 + FAKE).mean()
    assert f(loss.discriminator_loss(REAL, FAKE)) == pytest.approx(d, rel=1e-5)
    assert f(loss.generator_loss(FAKE)) == pytest.approx(-FAKE.mean(), rel=1e-5)


def test_wasserstein():
    loss = losses.get("wasserstein")
    assert f(loss.discriminator_loss(REAL, FAKE)) == pytest.approx(FAKE.mean() - REAL.mean(), rel=1e-5)
    assert f(loss.generator_loss(FAKE)) == pytest.approx(-FAKE.mean(), rel=1e-5)


def test_label_smoothing_is_one_sided():
    loss = losses.NonSaturating(label_smoothing=0.1)
    t = 0.9
    d = (-(t * np.log(sig(REAL)) + (1 - t) * np.log(1 - sig(REAL)))).mean() - np.log(1 - sig(FAKE)).mean()
    assert f(loss.discriminator_loss(REAL, FAKE)) == pytest.approx(d, rel=1e-5)
    # The generator's target is untouched.
    assert f(loss.generator_loss(FAKE)) == pytest.approx(-np.log(sig(FAKE)).mean(), rel=1e-5)


def test_label_smoothing_rejected_where_meaningless():
    with pytest.raises(ValueError, match="no targets to smooth"):
        losses.Wasserstein(label_smoothing=0.1)
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        losses.NonSaturating(label_smoothing=1.5)


def test_unknown_names_list_valid_ones():
    with pytest.raises(ValueError, match="non_saturating.*lsgan.*hinge.*wasserstein"):
        losses.get("nonsense")
    with pytest.raises(ValueError, match="gradient_penalty, r1"):
        losses.get_penalty("l2")
    with pytest.raises(TypeError, match="adversarial loss"):
        losses.get(3)


def test_gradient_penalty_and_r1_values():
    g = np.zeros((2, 2, 2, 1), dtype="float32")
    g[0, 0, 0, 0] = 3.0  # norm 3
    g[1] = 0.75          # norm sqrt(4 * 0.5625) = 1.5
    gp = losses.GradientPenalty(weight=10.0)
    expected = 10.0 * np.mean([(3 - 1) ** 2, (1.5 - 1) ** 2])
    assert f(gp(np.zeros(2), g)) == pytest.approx(expected, rel=1e-5)
    r1 = losses.R1Penalty(weight=4.0)
    assert f(r1(np.zeros(2), g)) == pytest.approx(0.5 * 4.0 * np.mean([9.0, 2.25]), rel=1e-5)


@pytest.mark.parametrize("name", list(kerasgan.losses.LOSS_NAMES))
def test_losses_serialize(name):
    import keras

    loss = losses.get(name)
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(loss))
    assert type(restored) is type(loss)
    assert f(restored.discriminator_loss(REAL, FAKE)) == pytest.approx(f(loss.discriminator_loss(REAL, FAKE)))
