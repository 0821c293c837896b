"""kerasgan.recipes: flags and --smoke settings, synthetic data, callbacks, run folder."""

import argparse
import json
import os
import time

import keras
import numpy as np
import pytest
from PIL import Image

import kerasgan
from kerasgan import recipes, zoo


def parser():
    p = recipes.recipe_parser("doc", out="runs/x", epochs=10, batch_size=8, data="data/")
    p.add_argument("--width", type=int, default=64)
    return p


SMOKE = {"epochs": 1, "batch_size": 2, "width": 8}


def args_for(tmp_path, *argv):
    return recipes.parse_args(parser(), ["--out", str(tmp_path / "run"), *argv], smoke=SMOKE)


def test_parse_args_keeps_defaults_without_smoke():
    args = recipes.parse_args(parser(), ["--no-preset"], smoke=SMOKE)
    assert (args.epochs, args.batch_size, args.width, args.no_preset) == (10, 8, 64, True)
    assert (args.precision, args.pipeline, args.jit, args.export) == ("float32", "auto",
                                                                      False, None)


def test_smoke_settings_replace_the_command_line_sizes():
    args = recipes.parse_args(parser(), ["--epochs", "3", "--width=16", "--seed", "5",
                                         "--precision", "mixed_bfloat16", "--no-preset",
                                         "--smoke"], smoke=SMOKE)
    assert (args.epochs, args.batch_size, args.width) == (1, 2, 8)
    assert (args.seed, args.precision) == (5, "mixed_bfloat16")  # not smoke settings: kept
    assert args.no_preset is False  # a smoke run always exports the preset


def test_smoke_settings_must_name_flags():
    with pytest.raises(ValueError, match="unknown flags.*'widht'"):
        recipes.parse_args(parser(), ["--smoke"], smoke={"widht": 8})


def test_bad_precision_is_refused(capsys):
    with pytest.raises(SystemExit):
        recipes.parse_args(parser(), ["--precision", "float16"])
    assert "mixed_bfloat16" in capsys.readouterr().err


def test_synthetic_images_are_seeded(tmp_path):
    a = recipes.synthetic_images(str(tmp_path / "a"), 3, (20, 12), seed=1)
    b = recipes.synthetic_images(str(tmp_path / "b"), 3, (20, 12), seed=1)
    c = recipes.synthetic_images(str(tmp_path / "c"), 3, (20, 12), seed=1, hue=0.9)
    files = kerasgan.data.list_images(a)
    assert len(files) == 3
    load = lambda folder: np.stack([np.asarray(Image.open(f)) for f in  # noqa: E731
                                    kerasgan.data.list_images(folder)])
    assert load(a).shape == (3, 20, 12, 3) and load(a).std() > 0
    np.testing.assert_array_equal(load(a), load(b))
    assert np.abs(load(a).astype(int) - load(c)).mean() > 1


def test_synthetic_sr_benchmark_reads_back(tmp_path):
    folder = recipes.synthetic_sr_benchmark(str(tmp_path / "Set5"), count=2, size=32)
    pairs = kerasgan.data.sr_benchmark(folder, scale=4)
    assert [(p.lr.shape, p.hr.shape) for p in pairs] == [((8, 8, 3), (32, 32, 3))] * 2


def test_throughput_leaves_out_the_first_step():
    timer = recipes.Throughput(batch_size=4)
    assert timer.summary()["images_per_s"] is None
    for _ in range(3):
        timer.on_train_batch_begin(0)
        timer.on_train_batch_end(0)
    summary = timer.summary()
    assert summary["steps"] == 3
    np.testing.assert_allclose(summary["sec_per_step"], np.mean(timer.times[1:]))
    np.testing.assert_allclose(summary["images_per_s"], 4 / summary["sec_per_step"])


class Swap(keras.Model):
    """A stand-in translator: a2b inverts the image, b2a keeps it."""

    def translate(self, images, direction="a2b"):
        return 255 - images if direction == "a2b" else images


def test_translation_grid_from_folders(tmp_path):
    cats = recipes.synthetic_images(str(tmp_path / "cat"), 3, 24)
    grid = recipes.TranslationGrid.from_folders(str(tmp_path / "samples"), cats,
                                                str(tmp_path / "missing"), 16, count=2)
    assert grid.images_a.shape == (2, 16, 16, 3) and grid.images_a.dtype == np.uint8
    assert grid.images_b.shape == (0, 16, 16, 3)
    grid.set_model(Swap())
    grid.on_epoch_end(0)
    image = np.asarray(Image.open(tmp_path / "samples" / "epoch_0001.png"))
    assert image.shape == (2 + 2 * 18, 2 + 2 * 18, 3)  # rows: cats, their translations
    top, bottom = image[2:18, 2:18].astype(int), image[20:36, 2:18].astype(int)
    np.testing.assert_array_equal(top + bottom, np.full_like(top, 255))
    with pytest.raises(ValueError, match="at least one domain"):
        recipes.TranslationGrid("x", np.zeros((0, 8, 8, 3)), np.zeros((0, 8, 8, 3)))


def test_resume_needs_a_checkpoint(tmp_path):
    with pytest.raises(SystemExit, match="no interrupted run to continue"):
        recipes.RecipeRun("x", args_for(tmp_path, "--resume"))


def test_run_folder_settings_and_scratch(tmp_path):
    args = args_for(tmp_path, "--precision", "mixed_bfloat16", "--seed", "3")
    with recipes.RecipeRun("x", args) as run:
        assert json.loads((tmp_path / "run" / "recipe.json").read_text())["seed"] == 3
        assert keras.mixed_precision.global_policy().name == "mixed_bfloat16"
        assert run.jit_compile == "auto"
        assert run.data_options == {"pipeline": "auto", "workers": None, "seed": 3}
        scratch = run.scratch("data")
        os.makedirs(scratch)
    assert not os.path.exists(scratch)


def test_keras_backup_of_older_recipes_is_continued(tmp_path):
    run = recipes.RecipeRun("x", args_for(tmp_path))
    os.makedirs(run.backup_dir)
    open(os.path.join(run.backup_dir, "training_metadata.json"), "w").write("{}")
    stream, epoch, callbacks = run._resume(lambda: "stream", backup=True)
    assert (stream, epoch) == ("stream", None)
    assert isinstance(callbacks[0], keras.callbacks.BackupAndRestore)
    assert run._resume(lambda: "stream", backup=False) == ("stream", 0, [])


def test_finish_publishes_float32_networks_after_mixed_precision(tmp_path):
    args = args_for(tmp_path, "--precision", "mixed_bfloat16", "--export",
                    str(tmp_path / "export"))
    run = recipes.RecipeRun("tiny", args, recipe="zoo/tiny/train.py")
    gan = kerasgan.models.DCGAN(image_size=16, latent_dim=4, generator_width=4,
                                discriminator_width=4, ema_decay=0.9, seed=0)
    assert gan.generator.dtype_policy.name == "mixed_bfloat16"
    os.makedirs(run.samples_dir)
    Image.new("RGB", (8, 8)).save(os.path.join(run.samples_dir, "epoch_0001.png"))
    folder = run.finish(gan, metadata={"description": "tiny"})
    keras.mixed_precision.set_global_policy("float32")
    spec = zoo.info(folder)
    assert spec["model"]["config"]["dtype"]["config"]["name"] == "float32"
    assert spec["recipe_args"]["precision"] == "mixed_bfloat16"
    loaded = zoo.load(folder, offline=True)
    assert loaded.generator.dtype_policy.name == "float32"
    for mine, theirs in zip(gan.sampler.get_weights(), loaded.generator.get_weights()):
        np.testing.assert_allclose(mine, theirs, rtol=1e-7)
    assert os.path.isfile(tmp_path / "run" / "tiny.keras")
    exported = sorted(os.path.relpath(p, tmp_path / "export") for p in
                      run.export(str(tmp_path / "export")))
    assert exported == ["run.json", "samples.png", "tiny/generator.weights.h5",
                        "tiny/preset.json"]


def test_export_warns_about_files_the_gpu_machine_keeps(tmp_path, capsys):
    run = recipes.RecipeRun("big", args_for(tmp_path, "--no-preset"))
    with open(run.path("log.csv"), "wb") as f:
        f.truncate(recipes.run.GPU_FILE_LIMIT + 1)
    run.export(str(tmp_path / "export"))
    assert "more than the 16 MiB" in capsys.readouterr().out
    assert sorted(os.listdir(tmp_path / "export")) == ["log.csv", "run.json"]


def test_recipe_parser_without_data_or_epochs():
    p = recipes.recipe_parser("doc", out="o", epochs=None, batch_size=1)
    dests = {a.dest for a in p._actions}
    assert "data" not in dests and "epochs" not in dests and "smoke" in dests
    assert isinstance(p, argparse.ArgumentParser)


class Stoppable(keras.Model):
    stop_training = False


def limited(seconds, start):
    limit = recipes.TimeLimit(seconds, start=start)
    limit.set_model(Stoppable())
    limit.on_epoch_begin(0)
    return limit


def test_time_limit_stops_mid_epoch_when_the_budget_is_spent():
    limit = limited(60, start=time.time() - 61)
    limit.on_train_batch_end(0)
    assert limit.stopped and limit.model.stop_training
    fresh = limited(3600, start=time.time())
    fresh.on_train_batch_end(0)
    fresh.on_epoch_end(0)
    assert not fresh.stopped and not fresh.model.stop_training
    with pytest.raises(ValueError, match="positive"):
        recipes.TimeLimit(0)


def test_time_limit_stops_at_epoch_end_when_another_epoch_would_not_fit():
    limit = limited(100, start=time.time() - 60)
    limit._epoch_start = time.time() - 50  # a 50-s epoch: the next would end at ~160 s
    limit.on_train_batch_end(0)
    assert not limit.stopped
    limit.on_epoch_end(0)
    assert limit.stopped and limit.model.stop_training


def test_average_last_keeps_and_averages_the_sampler(tmp_path, capsys):
    args = args_for(tmp_path, "--average-last", "3", "--checkpoint-every", "1")
    run = recipes.RecipeRun("tiny", args, recipe="zoo/tiny/train.py")
    tf = pytest.importorskip("tensorflow")
    stream = lambda: tf.data.Dataset.from_tensor_slices(np.zeros((4, 2), "float32")).repeat()
    _, _, callbacks = run._resume(stream, backup=True)
    assert callbacks[0].keep == 3  # enough checkpoints are kept to average
    gan = kerasgan.models.DCGAN(image_size=16, latent_dim=4, generator_width=4,
                                discriminator_width=4, ema_decay=0.5, seed=0)
    gan.compile()
    seen = []
    record = keras.callbacks.LambdaCallback(on_train_batch_end=lambda *_, **__: seen.append(
        [np.array(w) for w in gan.ema_generator.get_weights()]))
    images = np.random.default_rng(0).uniform(-1, 1, (8, 16, 16, 3)).astype("float32")
    gan.fit(images, batch_size=2, epochs=1, steps_per_epoch=4, shuffle=False, verbose=0,
            callbacks=[kerasgan.callbacks.ResumableBackup(run.backup_dir, save_freq=1, keep=3,
                                                          delete_checkpoint=False), record])
    folder = run.finish(gan, metadata={"description": "tiny"})
    assert "Averaged ema_generator over the checkpoints of steps 2, 3, 4." in capsys.readouterr().out
    for got, *steps in zip(gan.ema_generator.get_weights(), *seen[1:]):
        np.testing.assert_allclose(got, np.mean(np.float64(steps), axis=0), rtol=1e-5, atol=1e-6)
    assert zoo.info(folder)["training"]["averaged_checkpoint_steps"] == [2, 3, 4]


def test_average_last_with_too_few_checkpoints_keeps_the_last_weights(tmp_path, capsys):
    run = recipes.RecipeRun("tiny", args_for(tmp_path, "--average-last", "4", "--no-preset"))
    gan = kerasgan.models.DCGAN(image_size=16, latent_dim=4, generator_width=4,
                                discriminator_width=4, seed=0)
    before = [np.array(w) for w in gan.generator.get_weights()]
    run.finish(gan, metadata={})
    assert "0 checkpoint(s)" in capsys.readouterr().out
    for a, b in zip(before, gan.generator.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_negative_average_last_is_refused(capsys):
    with pytest.raises(SystemExit):
        recipes.parse_args(parser(), ["--average-last", "-1"])
    assert "--average-last: must be 0 or more; received -1" in capsys.readouterr().err


def test_a_time_limit_stop_keeps_the_steps_since_the_last_checkpoint(tmp_path, capsys):
    tf = pytest.importorskip("tensorflow")
    images = np.random.default_rng(0).uniform(-1, 1, (8, 16, 16, 3)).astype("float32")

    def stream():
        return tf.data.Dataset.from_tensor_slices(images).batch(2).repeat()

    def tiny_gan():
        gan = kerasgan.models.DCGAN(image_size=16, latent_dim=4, generator_width=4,
                                    discriminator_width=4, seed=0)
        gan.compile()
        return gan

    args = args_for(tmp_path, "--epochs", "2", "--checkpoint-every", "100",
                    "--time-limit", "60")
    run = recipes.RecipeRun("tiny", args, recipe="zoo/tiny/train.py")
    run.start = time.time() - 61  # the budget is spent: the first step ends training
    record = run.fit(tiny_gan(), stream, steps_per_epoch=4)
    assert record["stopped_by_time_limit"] is True
    assert "TimeLimit: checkpointed step 1" in capsys.readouterr().out
    backup = kerasgan.callbacks.ResumableBackup(run.backup_dir)
    assert backup.initial_step == 1 and backup.initial_epoch == 0
    assert backup.initial_batch == 1  # mid-epoch: the next run starts at the second batch

    # The next sitting continues from there and ends the run; nothing is saved twice.
    again = recipes.RecipeRun("tiny", args_for(tmp_path, "--epochs", "2", "--checkpoint-every",
                                               "100", "--resume"), recipe="zoo/tiny/train.py")
    record = again.fit(tiny_gan(), stream, steps_per_epoch=4)
    assert record["stopped_by_time_limit"] is False
    assert kerasgan.callbacks.ResumableBackup(run.backup_dir).initial_step == 8
    assert "TimeLimit: checkpointed" not in capsys.readouterr().out
