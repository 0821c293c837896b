"""A corpus of awkward and broken image files, generated here, through the CLI.

Every kind is either handled as documented (README, "Awkward and broken
inputs") or refused with one line naming the file and the problem, exit
status 1, no traceback and no output file. The real shipped presets run on
tiny images; each model is loaded once for the module.
"""

import io
import os
import re
import struct
import subprocess
import sys
import zlib

import numpy as np
import pytest
from PIL import Image

from kerasgan import cli, zoo
from kerasgan.utils.image_io import ImageReadError, read_image, write_image

TRANSLATE, UPSCALE, GENERATE = "cyclegan_cats2dogs", "srresnet_x4", "dcgan_faces"


# --------------------------------------------------------------- the corpus
def _rgb(h, w, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims `width x height` RGB pixels and holds one tiny IDAT: 60 bytes."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr)
            + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + _png_chunk(b"IEND", b""))


def _encoded(image: Image.Image, fmt: str, **kw) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kw)
    return buffer.getvalue()


def _write(folder, name, data: bytes):
    path = folder / name
    path.write_bytes(data)
    return path


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """name -> path of each awkward input (24x32-ish images)."""
    d = tmp_path_factory.mktemp("corpus")
    rgb = Image.fromarray(_rgb(24, 32))
    files = {}
    # Refused.
    files["empty"] = _write(d, "empty.png", b"")
    jpeg, png = _encoded(rgb, "JPEG", quality=90), _encoded(rgb, "PNG")
    files["truncated_jpeg"] = _write(d, "truncated.jpg", jpeg[: len(jpeg) // 2])
    files["truncated_png"] = _write(d, "truncated.png", png[: len(png) // 2])
    files["text"] = _write(d, "notes.png", b"these are my notes, not an image\n" * 4)
    # Over 2x Image.MAX_IMAGE_PIXELS: Pillow raises; between 1x and 2x it warns.
    files["bomb"] = _write(d, "bomb.png", _png_header_only(100_000, 100_000))
    side = int((1.5 * Image.MAX_IMAGE_PIXELS) ** 0.5)
    files["bomb_warning"] = _write(d, "bomb_warning.png", _png_header_only(side, side))
    # Handled.
    files["cmyk"] = _write(d, "cmyk.jpg", _encoded(rgb.convert("CMYK"), "JPEG", quality=95))
    palette = Image.fromarray(_rgb(24, 32, 1)).quantize(16)
    palette.info["transparency"] = 0
    files["palette"] = _write(d, "palette.png", _encoded(palette, "PNG", transparency=0))
    frames = [Image.new("RGB", (32, 24), c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    files["animated"] = _write(d, "animated.gif", _encoded(
        frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0))
    ramp = (np.arange(24 * 32, dtype=np.uint16).reshape(24, 32) * 85).astype(np.uint16)
    files["16bit"] = _write(d, "sixteen.png", _encoded(Image.fromarray(ramp), "PNG"))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    files["exif"] = _write(d, "rotated.jpg", _encoded(rgb, "JPEG", exif=exif.tobytes()))
    files["1x1"] = _write(d, "dot.png", _encoded(Image.new("RGB", (1, 1), (10, 200, 30)), "PNG"))
    (d / "empty_folder").mkdir()
    files["empty_folder"] = d / "empty_folder"
    return files


REFUSED = {  # corpus name -> words of the one-line error
    "empty": "empty (0 bytes)",
    "truncated_jpeg": "truncated or corrupt",
    "truncated_png": "truncated or corrupt",
    "text": "not an image",
    "bomb": "decompression-bomb",
    "bomb_warning": "decompression-bomb",
    "empty_folder": "No images in folder",
}
HANDLED = {  # corpus name -> (h, w) of the image read
    "cmyk": (24, 32), "palette": (24, 32), "animated": (24, 32), "16bit": (24, 32),
    "exif": (32, 24), "1x1": (1, 1),
}


# ------------------------------------------------------------- read_image
def test_conversions_of_handled_kinds(corpus):
    arrays = {name: read_image(str(corpus[name])) for name in HANDLED}
    for name, shape in HANDLED.items():
        assert arrays[name].shape == shape + (3,) and arrays[name].dtype == np.uint8, name
    # CMYK: Pillow's CMYK -> RGB conversion of the same pixels.
    with Image.open(corpus["cmyk"]) as im:
        assert im.mode == "CMYK"
        np.testing.assert_array_equal(arrays["cmyk"], np.asarray(im.convert("RGB")))
    # Palette with a transparent index: transparent pixels become white, others keep colour.
    with Image.open(corpus["palette"]) as im:
        index = np.asarray(im)
        colours = np.asarray(im.convert("RGB"))
    transparent = index == 0
    assert transparent.any() and (~transparent).any()
    assert (arrays["palette"][transparent] == 255).all()
    np.testing.assert_array_equal(arrays["palette"][~transparent], colours[~transparent])
    # Animated GIF: the first frame (pure red).
    assert (arrays["animated"] == [255, 0, 0]).all()
    # 16-bit: scaled to 8 bits (v / 257), not clipped at 255.
    ramp = (np.arange(24 * 32).reshape(24, 32) * 85).astype(np.uint16)
    expected = np.round(ramp / 257.0).astype(np.uint8)
    np.testing.assert_array_equal(arrays["16bit"], np.repeat(expected[..., None], 3, axis=-1))
    # EXIF orientation 6: displayed rotated 90° clockwise.
    with Image.open(corpus["exif"]) as im:
        stored = np.asarray(im.convert("RGB"))
    np.testing.assert_array_equal(arrays["exif"], np.rot90(stored, -1))
    np.testing.assert_array_equal(arrays["1x1"], [[[10, 200, 30]]])


@pytest.mark.parametrize("name", sorted(set(REFUSED) - {"empty_folder"}))
def test_read_image_refusals_are_one_line_naming_the_file(corpus, name):
    with pytest.raises(ImageReadError) as info:
        read_image(str(corpus[name]))
    message = str(info.value)
    assert "\n" not in message and str(corpus[name]) in message and REFUSED[name] in message


def test_read_image_refuses_folders_and_missing_files(corpus, tmp_path):
    with pytest.raises(ImageReadError, match="is a folder"):
        read_image(str(corpus["empty_folder"]))
    with pytest.raises(ImageReadError, match="no such file"):
        read_image(str(tmp_path / "nope.png"))


def test_write_image_is_atomic(tmp_path):
    image = _rgb(8, 8)
    path = write_image(str(tmp_path / "a" / "b.png"), image)
    np.testing.assert_array_equal(np.asarray(Image.open(path)), image)
    assert os.listdir(tmp_path / "a") == ["b.png"]
    # A failing encoder (RGBA cannot be JPEG) leaves neither the file nor a temp file.
    with pytest.raises(OSError, match="Cannot write image .*c.jpg"):
        write_image(str(tmp_path / "a" / "c.jpg"), np.zeros((4, 4, 4), np.uint8))
    assert os.listdir(tmp_path / "a") == ["b.png"]
    # An existing file is replaced whole, never half-written.
    write_image(path, image[::-1])
    np.testing.assert_array_equal(np.asarray(Image.open(path)), image[::-1])


@pytest.mark.parametrize("shape", [(1, 1, 3), (5, 7, 3), (33, 17), (20, 31, 4), (33, 17, 1)])
def test_write_image_round_trips(tmp_path, shape):
    image = np.random.default_rng(sum(shape)).integers(0, 256, shape, dtype=np.uint8)
    path = write_image(str(tmp_path / "x.png"), image)
    with Image.open(path) as im:
        expected = image[..., 0] if image.shape[-1:] == (1,) else image  # (h, w, 1) -> gray
        np.testing.assert_array_equal(np.asarray(im), expected)


# ------------------------------------------------------------- through the CLI
@pytest.fixture(scope="module")
def models():
    return {name: zoo.load(name) for name in (TRANSLATE, UPSCALE, GENERATE)}


@pytest.fixture
def cli_env(models, tmp_path, monkeypatch):
    """The CLI with the three shipped models loaded once; cwd is an empty folder."""
    real_load = zoo.load
    monkeypatch.setattr(zoo, "load", lambda name, **kw: models[name] if name in models
                        else real_load(name, **kw))
    for var in ("KERASGAN_OFFLINE", "KERASGAN_ZOO_URL", "KERASGAN_PRESETS_PATH"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def assert_refused(code, err, *fragments):
    assert code == 1, err
    assert err.startswith("kerasgan: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, (fragment, err)


def files_in(folder):
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


@pytest.mark.parametrize("task, model", [("translate", TRANSLATE), ("upscale", UPSCALE)])
@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_inputs(cli_env, capsys, corpus, task, model, name):
    code, out, err = run(capsys, task, model, corpus[name], "--output-dir", "out")
    assert_refused(code, err, str(corpus[name]), REFUSED[name])
    assert out == "" and files_in(cli_env / "out") == []


@pytest.mark.parametrize("task, model, scale", [("translate", TRANSLATE, 1),
                                                ("upscale", UPSCALE, 4)])
def test_handled_inputs(cli_env, capsys, corpus, task, model, scale):
    names = sorted(HANDLED)
    code, out, err = run(capsys, task, model, *[corpus[n] for n in names], "--output-dir", "out")
    assert code == 0, err
    assert f"Wrote {len(names)} images" in out
    written = {os.path.splitext(os.path.basename(corpus[n]))[0] + ".png": n for n in names}
    assert files_in(cli_env / "out") == sorted(written)  # no temporary files left
    for file, name in written.items():
        h, w = HANDLED[name]
        result = np.asarray(Image.open(cli_env / "out" / file))
        assert result.shape == (h * scale, w * scale, 3), (name, result.shape)


def test_a_bad_file_among_good_ones_stops_with_complete_outputs_only(cli_env, capsys, corpus):
    code, _, err = run(capsys, "upscale", UPSCALE, corpus["1x1"], corpus["truncated_png"],
                       "--output-dir", "out")
    assert_refused(code, err, str(corpus["truncated_png"]))
    assert files_in(cli_env / "out") == ["dot.png"]
    assert np.asarray(Image.open(cli_env / "out" / "dot.png")).shape == (4, 4, 3)


def test_folder_inputs_skip_subfolders_named_like_images(cli_env, capsys, corpus, tmp_path):
    folder = tmp_path / "in"
    (folder / "looks_like.png").mkdir(parents=True)  # a folder where a file is expected
    code, _, err = run(capsys, "upscale", UPSCALE, folder, "--output-dir", "out")
    assert_refused(code, err, "No images in folder", str(folder))
    (folder / "dot.png").write_bytes(corpus["1x1"].read_bytes())
    code, out, _ = run(capsys, "upscale", UPSCALE, folder, "--output-dir", "out")
    assert code == 0 and files_in(cli_env / "out") == ["dot.png"]


# ------------------------------------------------------------- unwritable outputs
def _a_file(tmp_path):
    path = tmp_path / "a_file"
    path.write_text("not a folder")
    return path


@pytest.mark.parametrize("task, model", [("translate", TRANSLATE), ("upscale", UPSCALE)])
def test_output_folder_under_a_file_is_refused(cli_env, capsys, corpus, task, model):
    target = _a_file(cli_env) / "out"
    code, _, err = run(capsys, task, model, corpus["1x1"], "--output-dir", target)
    assert_refused(code, err, "a_file is a file, not a folder")
    code, _, err = run(capsys, task, model, corpus["1x1"], "--output-dir", cli_env / "a_file")
    assert_refused(code, err, "a_file is a file, not a folder")


def test_output_path_taken_by_a_folder_is_refused(cli_env, capsys, corpus):
    (cli_env / "out" / "dot.png").mkdir(parents=True)
    code, _, err = run(capsys, "upscale", UPSCALE, corpus["1x1"], "--output-dir", "out")
    assert_refused(code, err, os.path.join("out", "dot.png"), "is a folder")
    assert files_in(cli_env / "out") == ["dot.png"]  # still only the folder
    assert os.listdir(cli_env / "out" / "dot.png") == []


def test_generate_refuses_unwritable_outputs_before_sampling(cli_env, capsys, models,
                                                             monkeypatch):
    def no_sampling(*args, **kwargs):
        raise AssertionError("generate ran although the output cannot be written")

    monkeypatch.setattr(models[GENERATE], "generate", no_sampling)
    a_file = _a_file(cli_env)
    cases = [
        (["--output", a_file / "grid.png"], "a_file is a file, not a folder"),
        (["--output-dir", a_file / "faces"], "a_file is a file, not a folder"),
        (["--output", cli_env], "is a folder"),
        (["--output", "grid.unknown"], "unknown image file extension"),
    ]
    for output, fragment in cases:
        code, _, err = run(capsys, "generate", GENERATE, "--num", 2, *output)
        assert_refused(code, err, fragment)
    assert files_in(cli_env) == ["a_file"]


def test_generate_writes_atomically(cli_env, capsys):
    code, _, err = run(capsys, "generate", GENERATE, "--num", 2, "--seed", 0,
                       "--output-dir", "faces")
    assert code == 0, err
    assert files_in(cli_env / "faces") == ["0000.png", "0001.png"]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root writes into read-only folders; covered by the file-parent cases")
def test_read_only_output_folder_is_refused(cli_env, capsys, corpus):
    folder = cli_env / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        code, _, err = run(capsys, "upscale", UPSCALE, corpus["1x1"], "--output-dir", folder)
        assert_refused(code, err, "no permission to write", str(folder))
        code, _, err = run(capsys, "generate", GENERATE, "--num", 1,
                           "--output", folder / "g.png")
        assert_refused(code, err, "no permission to write")
        assert os.listdir(folder) == []
    finally:
        folder.chmod(0o700)


# ------------------------------------------------------------- a real process
TF_LOG_LINE = re.compile(r"^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+ +\d+ \S+:\d+\]|absl::InitializeLog"
                         r"|cpu_feature_guard|oneDNN custom operations|cuda", re.M)


def test_refusal_in_a_real_process_is_one_line_and_quiet(corpus, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    proc = subprocess.run(
        [sys.executable, "-m", "kerasgan.cli", "upscale", UPSCALE, str(corpus["truncated_png"]),
         "--output-dir", str(tmp_path / "out")],
        capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith("kerasgan: error: Cannot read image ")
    assert "truncated or corrupt" in proc.stderr and "Traceback" not in proc.stderr
    assert not TF_LOG_LINE.search(proc.stderr)
    assert not (tmp_path / "out").exists()
