"""The `kerasgan` command line, run in-process on tiny presets made here."""

import json
import os
import platform
import re
import subprocess
import sys

import keras
import numpy as np
import pytest
from PIL import Image

import kerasgan
from kerasgan import cli, zoo


# Test-only models with the translate/upscale contract of the CLI. They are
# registered under "kerasgan" (with names no real model uses) because the CLI
# loads only kerasgan classes.
def _pointwise(name):
    return keras.Sequential([keras.Input((None, None, 3)), keras.layers.Conv2D(3, 1)],
                            name=name)


@keras.saving.register_keras_serializable(package="kerasgan", name="ZooTestTranslator")
class ZooTestTranslator(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.generator_ab = _pointwise("generator_ab")
        self.generator_ba = _pointwise("generator_ba")

    def translate(self, images, direction="a2b"):
        if direction not in ("a2b", "b2a"):
            raise ValueError(f"direction must be a2b or b2a; received {direction!r}")
        net = self.generator_ab if direction == "a2b" else self.generator_ba
        x = np.asarray(images, "float32") / 127.5 - 1.0
        return kerasgan.utils.images.to_uint8(keras.ops.convert_to_numpy(net(x)))


@keras.saving.register_keras_serializable(package="kerasgan", name="ZooTestUpscaler")
class ZooTestUpscaler(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.generator = _pointwise("generator")

    def upscale(self, image, tile=None):
        x = np.asarray(image, "float32")[None] / 127.5 - 1.0
        y = kerasgan.utils.images.to_uint8(keras.ops.convert_to_numpy(self.generator(x)))[0]
        return y.repeat(2, axis=0).repeat(2, axis=1)


def _set_pointwise(net, sign):
    net.set_weights([sign * np.eye(3, dtype="float32").reshape(1, 1, 3, 3),
                     np.zeros(3, "float32")])


@pytest.fixture(scope="module")
def presets_root(tmp_path_factory):
    """tiny_gan (generate), tiny_translate (a2b inverts colours, b2a keeps them), tiny_up (x2)."""
    root = tmp_path_factory.mktemp("cli_presets")
    gan = kerasgan.models.DCGAN(image_size=16, latent_dim=8, generator_width=4,
                                discriminator_width=4)
    zoo.save_preset(gan, str(root / "tiny_gan"), metadata={
        "description": "tiny DCGAN", "metrics": [
            {"name": "FID", "value": 321.0, "dataset": "noise", "command": "make fid"}]})
    translator = ZooTestTranslator()
    _set_pointwise(translator.generator_ab, -1.0)
    _set_pointwise(translator.generator_ba, 1.0)
    zoo.save_preset(translator, str(root / "tiny_translate"),
                    weights={"generator_ab": "generator_ab", "generator_ba": "generator_ba"})
    upscaler = ZooTestUpscaler()
    _set_pointwise(upscaler.generator, 1.0)
    zoo.save_preset(upscaler, str(root / "tiny_up"), weights={"generator": "generator"})
    return root


@pytest.fixture
def env(presets_root, tmp_path, monkeypatch):
    for name in ("KERASGAN_OFFLINE", "KERASGAN_ZOO_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KERASGAN_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("KERASGAN_PRESETS_PATH", str(presets_root))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def photos(tmp_path):
    """cat1.jpg, cat2.png, photo.png (random pixels) and bad.jpg (not an image)."""
    rng = np.random.default_rng(0)
    folder = tmp_path / "photos"
    folder.mkdir()
    arrays = {}
    for name, size in [("cat1.jpg", (12, 10)), ("cat2.png", (8, 6)), ("photo.png", (5, 7))]:
        array = rng.integers(0, 256, size + (3,), dtype="uint8")
        Image.fromarray(array).save(folder / name)
        arrays[name] = np.asarray(Image.open(folder / name).convert("RGB"))
    (folder / "bad.jpg").write_text("this is not an image")
    return folder, arrays


def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def assert_clean_error(code, err, *fragments):
    assert code == 1
    assert err.startswith("kerasgan: error: ")
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["--version"])
    assert info.value.code == 0
    assert kerasgan.__version__ in capsys.readouterr().out
    assert cli.main([]) == 0
    out = capsys.readouterr().out
    assert "usage: kerasgan" in out
    for command in ("list", "info", "generate", "translate", "upscale"):
        assert command in out


@pytest.mark.parametrize("command, fragment", [
    ("list", "--json"), ("info", "NAME"), ("generate", "--output-dir"),
    ("translate", "--direction"), ("upscale", "IMG"),
])
def test_each_command_has_help(capsys, command, fragment):
    with pytest.raises(SystemExit) as info:
        cli.main([command, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: kerasgan {command}") and fragment in out


SHIPPED = zoo.list_models()  # presets shipped in the package (e.g. dcgan_faces)


def test_list(env, capsys):
    code, out, _ = run(capsys, "list")
    assert code == 0
    lines = {line.split()[0]: line for line in out.splitlines()}
    expected = sorted(set(SHIPPED) | {"tiny_gan", "tiny_translate", "tiny_up"})
    assert sorted(lines) == expected
    assert "generate" in lines["tiny_gan"] and "tiny DCGAN" in lines["tiny_gan"]
    assert "translate" in lines["tiny_translate"] and "upscale" in lines["tiny_up"]
    code, out, _ = run(capsys, "list", "--json")
    assert json.loads(out) == expected


def test_list_with_no_models(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("KERASGAN_PRESETS_PATH", str(tmp_path / "nothing"))
    monkeypatch.setattr(zoo.registry, "SHIPPED_DIR", str(tmp_path / "nothing"))
    code, out, err = run(capsys, "list")
    assert code == 0 and out == "" and "No pretrained models" in err


def test_info_shows_metrics_and_files(env, capsys):
    code, out, _ = run(capsys, "info", "tiny_gan")
    assert code == 0
    card = zoo.info("tiny_gan")
    sha = card["weights"]["generator"]["sha256"]
    assert "FID = 321.0 on noise" in out and "measured with: make fid" in out
    assert "kerasgan>DCGAN" in out and "image_size=16" in out
    assert sha in out and "local:" in out
    code, out, _ = run(capsys, "info", "tiny_gan", "--json")
    import json
    assert json.loads(out)["metrics"][0]["value"] == 321.0


def test_unknown_model_lists_known_ones(env, capsys):
    code, _, err = run(capsys, "info", "tiny_gn")
    assert_clean_error(code, err, "Unknown model 'tiny_gn'", "Did you mean 'tiny_gan'?",
                       "tiny_translate", "tiny_up")
    code, _, err = run(capsys, "generate", "nope", "--output", "g.png")
    known = ", ".join(sorted(set(SHIPPED) | {"tiny_gan", "tiny_translate", "tiny_up"}))
    assert_clean_error(code, err, f"Known models: {known}")


def test_generate_grid(env, capsys):
    code, out, _ = run(capsys, "generate", "tiny_gan", "--num", 4, "--seed", 0,
                       "--output", "grid.png")
    assert code == 0 and "grid.png" in out
    grid = np.asarray(Image.open(env / "grid.png"))
    assert grid.shape == (2 * 18 + 2, 2 * 18 + 2, 3)  # 2x2 tiles of 16 px, 2 px padding
    expected = zoo.load("tiny_gan").generate(4, seed=0)
    np.testing.assert_array_equal(grid[2:18, 20:36], expected[1])


def test_generate_one_file_per_image(env, capsys):
    code, _, _ = run(capsys, "generate", "tiny_gan", "--num", 3, "--seed", 7,
                     "--output-dir", "faces")
    assert code == 0
    assert sorted(os.listdir(env / "faces")) == ["0000.png", "0001.png", "0002.png"]
    expected = zoo.load("tiny_gan").generate(3, seed=7)
    for i in range(3):
        np.testing.assert_array_equal(np.asarray(Image.open(env / "faces" / f"{i:04d}.png")),
                                      expected[i])


def test_generate_argument_errors(env, capsys):
    with pytest.raises(SystemExit) as info:  # --output or --output-dir is required
        cli.main(["generate", "tiny_gan"])
    assert info.value.code == 2
    capsys.readouterr()
    code, _, err = run(capsys, "generate", "tiny_gan", "--num", 0, "--output", "g.png")
    assert_clean_error(code, err, "--num must be at least 1")
    code, _, err = run(capsys, "generate", "tiny_translate", "--output", "g.png")
    assert_clean_error(code, err, "cannot generate", "kerasgan translate", "tiny_gan")


def test_generate_offline_with_missing_weights_is_actionable(env, capsys, tmp_path,
                                                             presets_root):
    import shutil
    copy = tmp_path / "copy" / "tiny_gan"
    shutil.copytree(presets_root / "tiny_gan", copy)
    os.remove(copy / "generator.weights.h5")
    code, _, err = run(capsys, "generate", copy, "--offline", "--output", "g.png")
    assert_clean_error(code, err, "generator.weights.h5", "Put it at:",
                       str(env / "home" / "presets" / "tiny_gan" / "generator.weights.h5"))
    assert not (env / "g.png").exists()


def test_translate_both_directions(env, capsys, photos):
    folder, arrays = photos
    code, out, _ = run(capsys, "translate", "tiny_translate", folder / "cat1.jpg",
                       folder / "cat2.png", "--output-dir", "out")
    assert code == 0 and "Wrote 2 images" in out
    assert sorted(os.listdir(env / "out")) == ["cat1.png", "cat2.png"]
    for name in ("cat1", "cat2"):
        source = arrays[name + (".jpg" if name == "cat1" else ".png")]
        result = np.asarray(Image.open(env / "out" / f"{name}.png"))
        assert result.shape == source.shape
        # a2b inverts colours (up to float rounding)
        np.testing.assert_allclose(result.astype(int), 255 - source.astype(int), atol=1)
    code, _, _ = run(capsys, "translate", "tiny_translate", folder / "cat2.png",
                     "--direction", "b2a", "--output-dir", "back")
    assert code == 0
    np.testing.assert_allclose(np.asarray(Image.open(env / "back" / "cat2.png")).astype(int),
                               arrays["cat2.png"].astype(int), atol=1)


def test_translate_errors(env, capsys, photos):
    folder, _ = photos
    code, _, err = run(capsys, "translate", "tiny_translate", folder / "missing.jpg",
                       "--output-dir", "out")
    assert_clean_error(code, err, "No such file", "missing.jpg")
    code, _, err = run(capsys, "translate", "tiny_translate", folder / "bad.jpg",
                       "--output-dir", "out")
    assert_clean_error(code, err, "Cannot read image", "bad.jpg")
    assert not (env / "out" / "bad.png").exists()
    with pytest.raises(SystemExit) as info:
        cli.main(["translate", "tiny_translate", str(folder / "cat2.png"),
                  "--direction", "sideways", "--output-dir", "out"])
    assert info.value.code == 2
    assert "invalid choice: 'sideways'" in capsys.readouterr().err
    code, _, err = run(capsys, "translate", "tiny_gan", folder / "cat2.png",
                       "--output-dir", "out")
    assert_clean_error(code, err, "tiny_gan is a 'generate' model and cannot translate",
                       "tiny_translate")
    (folder / "cat2.jpg").write_bytes((folder / "cat1.jpg").read_bytes())
    code, _, err = run(capsys, "translate", "tiny_translate", folder / "cat2.png",
                       folder / "cat2.jpg", "--output-dir", "out")
    assert_clean_error(code, err, "would both be written to")


def test_upscale(env, capsys, photos):
    folder, arrays = photos
    code, _, _ = run(capsys, "upscale", "tiny_up", folder / "photo.png", "--output-dir", "out")
    assert code == 0
    assert os.listdir(env / "out") == ["photo.png"]
    result = np.asarray(Image.open(env / "out" / "photo.png"))
    assert result.shape == (10, 14, 3)
    np.testing.assert_allclose(result[::2, ::2].astype(int),
                               arrays["photo.png"].astype(int), atol=1)


def test_upscale_a_folder_and_unsupported_models(env, capsys, photos):
    folder, _ = photos
    os.remove(folder / "bad.jpg")
    code, out, _ = run(capsys, "upscale", "tiny_up", folder, "--output-dir", "out")
    assert code == 0 and "Wrote 3 images" in out
    assert sorted(os.listdir(env / "out")) == ["cat1.png", "cat2.png", "photo.png"]
    code, _, err = run(capsys, "upscale", "tiny_gan", folder / "photo.png",
                       "--output-dir", "out")
    assert_clean_error(code, err, "cannot upscale", "tiny_up")


def test_console_module_help():
    out = subprocess.run([sys.executable, "-m", "kerasgan.cli", "--help"],
                         capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("usage: kerasgan")
    for command in ("list", "info", "generate", "translate", "upscale"):
        assert command in out.stdout


def test_save_preset_command_round_trip(tmp_path, capsys):
    import json

    import numpy as np

    from kerasgan import zoo

    gan = kerasgan.models.DCGAN(image_size=16, latent_dim=8, generator_width=4,
                                discriminator_width=4, ema_decay=0.9)
    gan.save(str(tmp_path / "m.keras"))
    meta = tmp_path / "meta.json"
    meta.write_text(json.dumps({"description": "tiny", "metrics": [
        {"name": "FID", "value": 1.5, "dataset": "none", "command": "echo"}]}))
    out = tmp_path / "preset"
    assert cli.main(["save-preset", str(tmp_path / "m.keras"), str(out),
                     "--metadata", str(meta), "--weights-dtype", "float16"]) == 0
    assert (out / "preset.json").exists()
    loaded = zoo.load(str(out))
    np.testing.assert_allclose(loaded.generate(2, seed=0).astype(int),
                               gan.generate(2, seed=0).astype(int), atol=2)
    assert zoo.info(str(out))["metrics"][0]["value"] == 1.5
    # Errors: missing file, wrong suffix, existing preset without --overwrite.
    assert cli.main(["save-preset", str(tmp_path / "nope.keras"), str(out)]) == 1
    assert "model file not found" in capsys.readouterr().err
    assert cli.main(["save-preset", str(meta), str(out)]) == 1
    assert "expected a .keras file" in capsys.readouterr().err
    assert cli.main(["save-preset", str(tmp_path / "m.keras"), str(out)]) == 1
    assert "overwrite" in capsys.readouterr().err


def test_evaluate_sr_prints_one_table_matching_evaluate_sr(env, capsys):
    from kerasgan.sr import evaluate_sr

    rng = np.random.default_rng(3)
    bench = env / "Tiny"
    (bench / "HR").mkdir(parents=True)
    (bench / "LR_bicubic_x2").mkdir()
    for name in ("a.png", "b.png"):
        hr = rng.integers(0, 256, (24, 28, 3), dtype="uint8")
        Image.fromarray(hr).save(bench / "HR" / name)
        Image.fromarray(hr).resize((14, 12), Image.BICUBIC).save(bench / "LR_bicubic_x2" / name)
    code, out, _ = run(capsys, "evaluate-sr", "tiny_up", bench, "--scale", "2")
    assert code == 0
    assert out.count("Bicubic PSNR") == 1, out
    expected = evaluate_sr("tiny_up", str(bench), scale=2, progress=False, verbose=False)
    mean_row = [line for line in out.splitlines() if line.startswith("mean")][0].split()
    assert float(mean_row[3]) == pytest.approx(expected["mean"]["psnr"], abs=0.006)
    code, _, err = run(capsys, "evaluate-sr", "tiny_up", env / "nowhere")
    assert_clean_error(code, err, "benchmark folder not found")


# --------------------------------------------------------------- quiet start-up
TF_LOG_LINE = re.compile(r"^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+ +\d+ \S+:\d+\]|absl::InitializeLog"
                         r"|cpu_feature_guard|oneDNN custom operations|cudart_stub", re.M)
FAKE_CLI = """
import importlib.util, os, sys
spec = importlib.util.spec_from_file_location("cli_startup", sys.argv[1])
startup = importlib.util.module_from_spec(spec)
spec.loader.exec_module(startup)
sys.argv = sys.argv[2:]
try:
    with startup.quiet_cli_startup():  # stands for `import tensorflow`
        os.write(2, b"I0000 00:00:1.5 42 port.cc:153] oneDNN custom operations are on\\n")
        if "--fail" in sys.argv:
            raise ImportError("no backend")
except ImportError:
    pass
os.write(2, b"after the import\\n")
print(os.environ.get("TF_CPP_MIN_LOG_LEVEL"))
"""


@pytest.mark.parametrize("argv, level, shown, level_after", [
    (["kerasgan", "list"], None, False, "3"),             # the command: quiet
    (["kerasgan", "--verbose", "list"], None, True, None),
    (["kerasgan", "list", "--verbose"], None, True, None),
    (["kerasgan", "list"], "1", False, "1"),              # the user's level is kept
    (["kerasgan", "list"], "0", True, "0"),               # the user asked for every line
    (["my_script.py"], None, True, None),                 # a library import: untouched
    (["kerasgan", "list", "--fail"], None, True, "3"),    # a failed import shows its log
])
def test_cli_startup_hides_native_log_lines(tmp_path, argv, level, shown, level_after):
    import kerasgan.utils.cli_startup as startup

    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    if level is not None:
        env["TF_CPP_MIN_LOG_LEVEL"] = level
    script = tmp_path / "fake_cli.py"
    script.write_text(FAKE_CLI)
    out = subprocess.run([sys.executable, str(script), startup.__file__, *argv],
                         capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    assert ("oneDNN custom operations" in out.stderr) == shown, out.stderr
    assert "after the import" in out.stderr  # stderr works again afterwards
    assert out.stdout.strip() == str(level_after)


def test_kerasgan_list_prints_no_tensorflow_log_lines():
    script = os.path.join(os.path.dirname(sys.executable), "kerasgan")
    command = [script] if os.path.isfile(script) else [sys.executable, "-m", "kerasgan.cli"]
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    quiet = subprocess.run(command + ["list"], capture_output=True, text=True, env=env,
                           timeout=300)
    assert quiet.returncode == 0, quiet.stderr
    assert not TF_LOG_LINE.search(quiet.stdout + quiet.stderr), quiet.stderr
    assert "srresnet_x4" in quiet.stdout and quiet.stderr == ""
    verbose = subprocess.run(command + ["--verbose", "list"], capture_output=True, text=True,
                             env=env, timeout=300)
    assert verbose.returncode == 0 and verbose.stdout == quiet.stdout
    if (keras.backend.backend() == "tensorflow" and sys.platform == "linux"
            and platform.machine() == "x86_64"):
        # TensorFlow's Linux x86 wheels announce oneDNN at import: --verbose shows it.
        assert TF_LOG_LINE.search(verbose.stderr), verbose.stderr
