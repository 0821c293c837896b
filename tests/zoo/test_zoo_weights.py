"""Weight resolution order: explicit folder, cache, shipped copy; integrity of each."""

import os
import shutil

import pytest

from kerasgan import zoo
from kerasgan.zoo import registry
from zoo_testing import assert_same_images

FILE = "generator.weights.h5"


@pytest.fixture
def shipped(tiny_preset, tmp_path, monkeypatch):
    """The tiny preset installed as if shipped inside the package."""
    folder, expected = tiny_preset
    package_presets = tmp_path / "package_presets"
    shutil.copytree(folder, package_presets / "tiny")
    monkeypatch.setattr(registry, "SHIPPED_DIR", str(package_presets))
    return str(package_presets / "tiny"), expected


def test_shipped_copy_loads_offline_and_is_reported_as_shipped(shipped, isolated_zoo):
    folder, expected = shipped
    assert zoo.list_models() == ["tiny"]
    card = zoo.info("tiny")
    assert card["shipped"] is True
    assert card["weights"]["generator"]["status"] == "shipped"
    assert card["weights"]["generator"]["path"] == os.path.join(folder, FILE)
    assert_same_images(zoo.load("tiny", offline=True), expected)
    assert not isolated_zoo.exists(), "a shipped file is used in place, not copied"


def test_shipped_copy_with_wrong_sha_is_detected(shipped):
    folder, _ = shipped
    with open(os.path.join(folder, FILE), "r+b") as f:
        f.seek(100)
        byte = f.read(1)
        f.seek(100)
        f.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(zoo.ChecksumError) as info:
        zoo.load("tiny", offline=True)
    message = str(info.value)
    assert "shipped with kerasgan" in message and "reinstall" in message
    assert os.path.join(folder, FILE) in message
    assert info.value.expected in message and info.value.actual in message


def test_cache_comes_before_the_shipped_copy(shipped, isolated_zoo):
    folder, expected = shipped
    cached = isolated_zoo / "presets" / "tiny" / FILE
    cached.parent.mkdir(parents=True)
    shutil.copy(os.path.join(folder, FILE), cached)
    assert zoo.info("tiny")["weights"]["generator"]["status"] == "cache"
    os.remove(os.path.join(folder, FILE))
    assert_same_images(zoo.load("tiny", offline=True), expected)


def test_weights_dir_comes_first_and_is_verified(shipped, tmp_path):
    folder, expected = shipped
    mine = tmp_path / "mine"
    mine.mkdir()
    shutil.move(os.path.join(folder, FILE), mine / FILE)
    assert_same_images(zoo.load("tiny", weights_dir=str(mine), offline=True), expected)
    assert_same_images(zoo.load("tiny", weights_dir=str(mine / FILE), offline=True), expected)

    data = bytearray((mine / FILE).read_bytes())
    data[-1] ^= 0xFF
    (mine / FILE).write_bytes(bytes(data))
    with pytest.raises(zoo.ChecksumError, match="weights_dir"):
        zoo.load("tiny", weights_dir=str(mine))
    with pytest.raises(zoo.WeightsNotFoundError, match="not in the weights_dir"):
        zoo.load("tiny", weights_dir=str(tmp_path / "empty_dir_that_is_missing"))


def test_offline_env_values(monkeypatch):
    from kerasgan.zoo.weights import is_offline

    for value, expected in [("1", True), ("true", True), ("YES", True), ("0", False),
                            ("", False)]:
        monkeypatch.setenv("KERASGAN_OFFLINE", value)
        assert is_offline() is expected
    assert is_offline(False) is False


def test_home_defaults(monkeypatch):
    monkeypatch.delenv("KERASGAN_HOME")
    monkeypatch.setenv("KERAS_HOME", "/somewhere/keras")
    assert zoo.kerasgan_home() == "/somewhere/keras/kerasgan"
    monkeypatch.delenv("KERAS_HOME")
    assert zoo.kerasgan_home() == os.path.expanduser("~/.keras/kerasgan")
