"""Presets as data: save_preset/load round trip, info, the registry, what is refused."""

import json
import os

import keras
import numpy as np
import pytest

import kerasgan
from kerasgan import zoo
from kerasgan.zoo import registry
from zoo_testing import assert_same_images

FILE = "generator.weights.h5"


def read_spec(folder):
    with open(os.path.join(folder, "preset.json")) as f:
        return json.load(f)


def write_spec(folder, spec):
    with open(os.path.join(folder, "preset.json"), "w") as f:
        json.dump(spec, f)


def test_save_preset_writes_config_weights_and_checksums(tiny_preset):
    folder, _ = tiny_preset
    spec = read_spec(folder)
    assert spec["name"] == "tiny" and spec["format_version"] == 1
    assert spec["task"] == "generate"
    assert spec["model"]["class_name"] == "kerasgan>DCGAN"
    config = spec["model"]["config"]
    assert (config["image_size"], config["latent_dim"], config["generator_width"]) == (16, 8, 4)
    assert config["ema_decay"] is None  # EMA weights are stored as the generator's
    entry = spec["weights"]["generator"]
    path = os.path.join(folder, entry["file"])
    assert entry["file"] == FILE and entry["size"] == os.path.getsize(path)
    assert entry["sha256"] == zoo.sha256_file(path)
    assert entry["urls"] == ["http://127.0.0.1:9/unreachable/tiny/" + FILE]
    assert sorted(os.listdir(folder)) == [FILE, "preset.json"]


def test_loaded_model_generates_the_same_images_as_the_original(tiny_preset):
    folder, expected = tiny_preset
    model = zoo.load(folder, offline=True)
    assert isinstance(model, kerasgan.models.DCGAN)
    assert model.ema_generator is None
    assert_same_images(model, expected)
    assert zoo.load(os.path.join(folder, "preset.json"), offline=True).latent_dim == 8


def test_save_preset_refuses_to_overwrite_and_needs_weights_for_non_gans(tmp_path, tiny_preset):
    folder, _ = tiny_preset
    gan = kerasgan.models.DCGAN(image_size=16, latent_dim=8, generator_width=4,
                                discriminator_width=4)
    with pytest.raises(FileExistsError, match="overwrite=True"):
        zoo.save_preset(gan, folder)
    zoo.save_preset(gan, folder, overwrite=True, metadata={"name": "tiny"})
    np.testing.assert_array_equal(zoo.load(folder).generate(2, seed=0), gan.generate(2, seed=0))
    with pytest.raises(ValueError, match="weights="):
        zoo.save_preset(keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]),
                        str(tmp_path / "seq"))
    with pytest.raises(ValueError, match="no attribute path"):
        zoo.save_preset(gan, str(tmp_path / "bad"), weights={"nope": gan.generator})


def test_float16_weights_halve_the_arrays_and_still_load(tmp_path):
    import h5py

    gan = kerasgan.models.DCGAN(image_size=16, latent_dim=8, generator_width=8,
                                discriminator_width=4)
    zoo.save_preset(gan, str(tmp_path / "full"))
    zoo.save_preset(gan, str(tmp_path / "half"), weights_dtype="float16")
    assert read_spec(tmp_path / "half")["weights"]["generator"]["dtype"] == "float16"

    def arrays(folder):
        found = {}
        with h5py.File(tmp_path / folder / FILE) as f:
            f.visititems(lambda n, o: found.update({n: o[()]})
                         if isinstance(o, h5py.Dataset) else None)
        return found

    full_arrays, half_arrays = arrays("full"), arrays("half")
    assert sorted(full_arrays) == sorted(half_arrays)
    assert {a.dtype for a in half_arrays.values()} == {np.dtype("float16")}
    assert (sum(a.nbytes for a in half_arrays.values())
            == sum(a.nbytes for a in full_arrays.values()) // 2)
    assert os.path.getsize(tmp_path / "half" / FILE) < os.path.getsize(tmp_path / "full" / FILE)
    model = zoo.load(str(tmp_path / "half"))
    assert model.generator.weights[0].dtype == "float32"
    diff = model.generate(4, seed=0).astype(int) - gan.generate(4, seed=0).astype(int)
    assert np.abs(diff).max() <= 2


def test_info_has_the_card_metrics_and_file_status(tiny_preset, isolated_zoo):
    folder, _ = tiny_preset
    card = zoo.info(folder)
    assert card["metrics"] == [{"name": "FID", "value": 123.4, "dataset": "nothing",
                                "command": "python zoo/tiny/evaluate.py",
                                "notes": "untrained"}]
    assert card["training_data"]["license"] == "CC0-1.0"
    assert card["model"]["config"]["image_size"] == 16
    w = card["weights"]["generator"]
    assert w["status"] == "local" and w["path"] == os.path.join(folder, FILE)
    assert w["cache_path"] == str(isolated_zoo / "presets" / "tiny" / FILE)
    assert card["total_size"] == w["size"] == os.path.getsize(w["path"])
    os.remove(w["path"])
    assert zoo.info(folder)["weights"]["generator"]["status"] == "missing"


def test_registry_lists_presets_from_env_and_added_dirs(tiny_preset, monkeypatch):
    folder, expected = tiny_preset
    parent = os.path.dirname(folder)
    assert "tiny" not in zoo.list_models()
    monkeypatch.setenv("KERASGAN_PRESETS_PATH", parent)
    assert "tiny" in zoo.list_models()
    assert_same_images(zoo.load("tiny"), expected)
    assert zoo.info("tiny")["preset_dir"] == folder
    monkeypatch.delenv("KERASGAN_PRESETS_PATH")
    zoo.add_presets_dir(parent)
    try:
        assert zoo.list_models().count("tiny") == 1
    finally:
        zoo.remove_presets_dir(parent)
    assert "tiny" not in zoo.list_models()


def test_unknown_name_lists_known_names_and_suggests_the_closest(tiny_preset, monkeypatch):
    monkeypatch.setenv("KERASGAN_PRESETS_PATH", os.path.dirname(tiny_preset[0]))
    with pytest.raises(zoo.UnknownModelError) as info:
        zoo.load("tinyy")
    message = str(info.value)
    assert "'tinyy'" in message and "Did you mean 'tiny'?" in message
    assert "Known models:" in message and "tiny" in message.split("Known models:")[1]
    assert isinstance(info.value, ValueError)
    with pytest.raises(zoo.UnknownModelError):
        zoo.info("no_such_model")


def test_folder_name_must_match_preset_name(tiny_preset, monkeypatch):
    folder, _ = tiny_preset
    os.rename(folder, folder + "2")
    monkeypatch.setenv("KERASGAN_PRESETS_PATH", os.path.dirname(folder))
    with pytest.raises(zoo.PresetError, match="must match"):
        zoo.load("tiny2")


@pytest.mark.parametrize("class_name", ["evilpkg>Payload", "keras>Sequential"])
def test_classes_outside_kerasgan_are_refused(tiny_preset, class_name):
    folder, _ = tiny_preset
    spec = read_spec(folder)
    spec["model"]["class_name"] = class_name
    write_spec(folder, spec)
    with pytest.raises(zoo.PresetError, match="only registered classes of 'kerasgan'"):
        zoo.load(folder)


def test_unregistered_kerasgan_name_is_refused(tiny_preset):
    folder, _ = tiny_preset
    spec = read_spec(folder)
    spec["model"]["class_name"] = "kerasgan>NoSuchModel"
    write_spec(folder, spec)
    with pytest.raises(zoo.PresetError, match="not a registered keras.Model"):
        zoo.load(folder)


@keras.saving.register_keras_serializable(package="kerasgan_test")
class DoubleNet(keras.Model):
    """A test-only model outside the kerasgan package."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.net = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])

    def call(self, x):
        return self.net(x)

    def generate(self, num, seed=None):
        return self.net(np.ones((num, 3), "float32"))


def test_trusted_packages_extends_the_allowed_classes(tmp_path):
    model = DoubleNet()
    model.net.set_weights([np.full((3, 2), 0.5, "float32"), np.zeros(2, "float32")])
    folder = str(tmp_path / "double")
    zoo.save_preset(model, folder, weights={"net": "net"})
    assert read_spec(folder)["model"]["class_name"] == "kerasgan_test>DoubleNet"
    with pytest.raises(zoo.PresetError, match="only registered classes"):
        zoo.load(folder)
    loaded = zoo.load(folder, trusted_packages=("kerasgan", "kerasgan_test"))
    np.testing.assert_allclose(np.asarray(loaded.generate(1)), [[1.5, 1.5]])


@pytest.mark.parametrize("edit, match", [
    (lambda s: s["weights"]["generator"].update(file="../../evil.weights.h5"), "plain file name"),
    (lambda s: s["weights"]["generator"].update(file="generator.pkl"), "weights.h5"),
    (lambda s: s["weights"]["generator"].update(urls=["file:///etc/passwd"]), "must start with"),
    (lambda s: s["weights"]["generator"].update(sha256="abc"), "64 lowercase hex"),
    (lambda s: s.update(format_version=99), "upgrade kerasgan"),
    (lambda s: s.update(task="dance"), "'task' must be one of"),
    (lambda s: s.update(weights={"__class__": s["weights"]["generator"]}), "attribute path"),
])
def test_malformed_presets_are_refused(tiny_preset, edit, match):
    folder, _ = tiny_preset
    spec = read_spec(folder)
    edit(spec)
    write_spec(folder, spec)
    with pytest.raises(zoo.PresetError, match=match):
        zoo.load(folder)


def test_a_preset_folder_without_json_is_unknown(tmp_path):
    with pytest.raises(zoo.UnknownModelError):
        zoo.load(str(tmp_path))
    (tmp_path / "preset.json").write_text("{not json")
    with pytest.raises(zoo.PresetError, match="Could not read"):
        zoo.load(str(tmp_path))


def test_shipped_presets_dir_is_the_package_data_folder():
    assert registry.SHIPPED_DIR == os.path.join(os.path.dirname(zoo.__file__), "presets")


def test_explicit_generator_weights_of_an_ema_gan_sample_correctly(tmp_path):
    import numpy as np

    import kerasgan
    from kerasgan import zoo

    gan = kerasgan.models.DCGAN(image_size=16, latent_dim=8, generator_width=4,
                                discriminator_width=4, ema_decay=0.9)
    gan.ema_generator.set_weights([w * 1.5 for w in gan.generator.get_weights()])
    zoo.save_preset(gan, str(tmp_path / "p"), weights={"generator": gan.sampler})
    loaded = zoo.load(str(tmp_path / "p"))
    assert loaded.ema_generator is None
    np.testing.assert_array_equal(loaded.generate(3, seed=0), gan.generate(3, seed=0))
