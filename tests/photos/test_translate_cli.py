"""`kerasgan translate --crop ...`: whole photos framed, translated and blended back."""

import numpy as np
import pytest
from PIL import Image

import kerasgan
from kerasgan import cli, zoo


@pytest.fixture(scope="module")
def preset(tmp_path_factory):
    """A tiny cats <-> dogs CycleGAN preset that frames photos around cat faces."""
    model = kerasgan.models.CycleGAN(image_size=16, generator_width=4, num_residual_blocks=1,
                                     discriminator_width=4, discriminator_layers=2, seed=0,
                                     domains=("cat", "dog"), crop="face")
    path = str(tmp_path_factory.mktemp("presets") / "tiny_cats2dogs")
    zoo.save_preset(model, path, metadata={"name": "tiny_cats2dogs", "task": "translate"},
                    weights={"generator_ab": model.generator_ab,
                             "generator_ba": model.generator_ba})
    return path


@pytest.fixture
def photo(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "cat.png"
    Image.fromarray(rng.integers(0, 256, (70, 100, 3), dtype=np.uint8)).save(path)
    return path


@pytest.mark.parametrize("crop, note", [(None, True), ("face", True), ("center", False),
                                        ("whole", False), ("none", False)])
def test_translate_frames_whole_photos(preset, photo, tmp_path, capsys, crop, note):
    out = tmp_path / f"out_{crop}"
    args = ["translate", preset, str(photo), "--output-dir", str(out), "--offline"]
    code = cli.main(args + (["--crop", crop] if crop else []))
    err = capsys.readouterr().err
    assert code == 0, err
    with Image.open(out / "cat.png") as im:
        assert im.size == (100, 70) and im.mode == "RGB"
    # A noise "photo" has no cat face: one line says the centre square was used.
    assert (f"{photo}: " in err and "translated the centre square" in err) == note


def test_translate_blend_option(preset, photo, tmp_path):
    images = {}
    for blend in ("seamless", "poisson", "feather"):
        out = tmp_path / blend
        assert cli.main(["translate", preset, str(photo), "--output-dir", str(out), "--offline",
                         "--crop", "center", "--blend", blend]) == 0
        with Image.open(out / "cat.png") as im:
            images[blend] = np.asarray(im).astype(int)
    source = np.asarray(Image.open(photo)).astype(int)
    # Centre square of the 70x100 photo: columns 15..84. Seamless and poisson keep the
    # photo on its border; the three modes give three different photos.
    for blend in ("seamless", "poisson"):
        assert np.abs(images[blend][:, 15] - source[:, 15]).max() == 0
    for a, b in (("seamless", "feather"), ("seamless", "poisson"), ("poisson", "feather")):
        assert np.abs(images[a] - images[b]).max() > 0
    with pytest.raises(SystemExit):
        cli.main(["translate", preset, str(photo), "--output-dir", str(tmp_path), "--blend", "x"])


def test_cli_blend_choices_are_the_library_modes():
    # The CLI spells them out (it does not import the library to build its parser).
    from kerasgan.photos import BLEND_MODES

    parser = cli.build_parser()
    translate = parser._subparsers._group_actions[0].choices["translate"]
    (blend,) = [a for a in translate._actions if a.dest == "blend"]
    assert tuple(blend.choices) == BLEND_MODES and blend.default == BLEND_MODES[0]
