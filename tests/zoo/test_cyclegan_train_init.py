"""zoo/cyclegan_cats2dogs/train.py --init: all four networks from a .keras file or from a
preset written with --keep-discriminators; from a preset of generators alone, the
discriminators start afresh (of any depth), or come from --init-discriminators."""

import numpy as np
import pytest

import kerasgan
from kerasgan import zoo
from zoo_testing import load_script


@pytest.fixture(scope="module")
def train():
    return load_script("cyclegan_cats2dogs", "train")


def tiny(seed, discriminator_layers=2):
    return kerasgan.models.CycleGAN(image_size=16, generator_width=4, num_residual_blocks=1,
                                    discriminator_width=4,
                                    discriminator_layers=discriminator_layers, seed=seed,
                                    domains=("cat", "dog"), crop="face")


def weights(network):
    return [np.asarray(w) for w in network.get_weights()]


def assert_same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_allclose(x, y, rtol=0, atol=1e-6)


def assert_differ(a, b):
    assert any(x.shape != y.shape or not np.allclose(x, y) for x, y in zip(a, b))


def test_preset_gives_the_generators_and_keeps_fresh_discriminators(train, tmp_path, capsys):
    source = tiny(seed=1)
    path = str(tmp_path / "tiny_cats2dogs")
    zoo.save_preset(source, path, metadata={"name": "tiny_cats2dogs", "task": "translate"},
                    weights={"generator_ab": source.generator_ab,
                             "generator_ba": source.generator_ba})
    model = tiny(seed=2, discriminator_layers=1)  # another depth than the source's
    fresh = weights(model.discriminator_a)
    train.init_from(model, path)
    assert_same(weights(model.generator_ab), weights(source.generator_ab))
    assert_same(weights(model.generator_ba), weights(source.generator_ba))
    assert_same(weights(model.discriminator_a), fresh)
    assert "the discriminators start afresh" in capsys.readouterr().out


def test_preset_with_discriminators_gives_all_four(train, tmp_path, capsys):
    source = tiny(seed=1)
    path = str(tmp_path / "tiny_cats2dogs")
    zoo.save_preset(source, path, metadata={"name": "tiny_cats2dogs", "task": "translate"},
                    weights={name: getattr(source, name) for name in train.NETWORKS},
                    weights_dtype="float16")
    model = tiny(seed=2)
    train.init_from(model, path)
    for name in train.NETWORKS:  # float16 files: agreement to float16's resolution
        for x, y in zip(weights(getattr(model, name)), weights(getattr(source, name))):
            np.testing.assert_allclose(x, y, rtol=2e-3, atol=1e-4)
    assert "afresh" not in capsys.readouterr().out


def test_keras_file_gives_all_four_networks(train, tmp_path):
    source = tiny(seed=1)
    path = str(tmp_path / "source.keras")
    source.save(path)
    model = tiny(seed=2)
    assert_differ(weights(model.discriminator_b), weights(source.discriminator_b))
    train.init_from(model, path)
    for name in train.NETWORKS:
        assert_same(weights(getattr(model, name)), weights(getattr(source, name)))


def test_negative_generator_delay_is_refused_before_any_work(train, tmp_path, capsys,
                                                             monkeypatch):
    monkeypatch.setattr("sys.argv", ["train.py", "--smoke", "--out", str(tmp_path / "run"),
                                     "--generator-delay-steps", "-1"])
    with pytest.raises(SystemExit) as stop:
        train.main()
    assert stop.value.code == 2
    assert "--generator-delay-steps: must be 0 or more; received -1" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_keras_file_with_other_discriminators_names_the_flag(train, tmp_path):
    source = tiny(seed=1)
    path = str(tmp_path / "source.keras")
    source.save(path)
    with pytest.raises(SystemExit, match="--discriminator-layers"):
        train.init_from(tiny(seed=2, discriminator_layers=1), path)


def test_discriminators_from_another_source_with_generators_from_a_preset(train, tmp_path,
                                                                          capsys):
    generators, critics = tiny(seed=1), tiny(seed=3)
    g_path, d_path = str(tmp_path / "generators"), str(tmp_path / "critics.keras")
    zoo.save_preset(generators, g_path, metadata={"name": "generators", "task": "translate"},
                    weights={"generator_ab": generators.generator_ab,
                             "generator_ba": generators.generator_ba})
    critics.save(d_path)
    model = tiny(seed=2)
    train.init_from(model, g_path, only=train.NETWORKS[:2])
    train.init_from(model, d_path, only=train.NETWORKS[2:], flag="--init-discriminators")
    for name in ("generator_ab", "generator_ba"):
        assert_same(weights(getattr(model, name)), weights(getattr(generators, name)))
    for name in ("discriminator_a", "discriminator_b"):
        assert_same(weights(getattr(model, name)), weights(getattr(critics, name)))
    out = capsys.readouterr().out
    assert "afresh" not in out and "discriminator_a, discriminator_b from" in out


def test_discriminators_from_a_preset_without_them_is_refused(train, tmp_path):
    source = tiny(seed=1)
    path = str(tmp_path / "generators_only")
    zoo.save_preset(source, path, metadata={"name": "generators_only", "task": "translate"},
                    weights={"generator_ab": source.generator_ab,
                             "generator_ba": source.generator_ba})
    with pytest.raises(SystemExit, match="--init-discriminators .*--keep-discriminators"):
        train.init_from(tiny(seed=2), path, only=train.NETWORKS[2:],
                        flag="--init-discriminators")


@pytest.mark.parametrize("bad", ["1", "1.5", "-0.1"])
def test_ema_outside_zero_to_one_is_refused_before_any_work(train, tmp_path, capsys,
                                                            monkeypatch, bad):
    monkeypatch.setattr("sys.argv", ["train.py", "--smoke", "--out", str(tmp_path / "run"),
                                     "--ema", bad])
    with pytest.raises(SystemExit) as stop:
        train.main()
    assert stop.value.code == 2
    assert f"--ema: must be 0 (no EMA) or a decay between 0 and 1, e.g. 0.999; received {bad}" \
        in capsys.readouterr().err
    assert not (tmp_path / "run").exists()
