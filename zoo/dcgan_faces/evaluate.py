"""Measures the `dcgan_faces` generator: grid, FID/KID, precision/recall, diversity, faces.

Everything the model card reports comes from this script:

- `samples.png`: 64 samples for seed 0 (what `kerasgan generate dcgan_faces
  --num 64 --seed 0` writes).
- FID and KID of N generated faces against N real faces, on the chosen
  feature extractor. The real faces come from `--real-range` of the sorted
  data folder: `--real-range 9000:10000` is the range `train.py --holdout
  1000` keeps out of training. The shipped preset was trained on all 10k
  images, so for it no range is held out (`real_overlaps_training` in the
  report says so); for a model retrained with `--holdout 1000` that range
  is. The standard extractor, InceptionV3 with ImageNet weights, is
  `--extractor imagenet` (needs the weights in the Keras cache or
  `--inception-weights PATH`). Without them, `--extractor random` uses an
  InceptionV3 with a fixed random init: its numbers are only comparable with
  other numbers on that same extractor, never with published FIDs.
- Precision and recall (Kynkäänniemi et al. 2019, k = 3) on the same
  features and on grey 16x16 thumbnails, with equal sample counts: precision
  is how many samples look real, recall how much of the data the samples
  cover (partial mode collapse lowers recall).
- Diversity: mean pairwise feature distance among generated images and among
  real images (a collapsed generator scores far below the real data), and the
  same on grey 16x16 thumbnails (`kerasgan.metrics.thumbnail_diversity`),
  whose generated/real ratio needs no network.
- Face rate: the share of images in which OpenCV's frontal-face cascade finds
  a face at least half the image wide, after a bicubic upsampling to 192 px,
  for samples and real faces (`kerasgan.metrics.face_detection_rate`; needs
  `pip install "kerasgan[faces]"`, else it is reported as skipped).
- Memorisation: for 64 samples, the nearest training face in pixel space; the
  median sample-to-nearest-training distance is compared with real faces'
  distance to their nearest *other* training face. `nearest.png` shows the
  pairs (sample above, nearest training face below).

- Memorisation: against `--train-range`, the images the model was trained on.
- `--real-baseline`: the same measures between the real faces and as many
  other real faces (from the data outside `--real-range`): what a perfect
  generator would score at these sample counts (precision and recall of one
  finite sample against another stay below 1).

Example:
    python zoo/dcgan_faces/evaluate.py --model runs/dcgan_faces/dcgan_faces.keras --out eval/ \
        --real-range 9000:10000 --train-range :9000
"""

import argparse
import json
import os
import time

import numpy as np

import kerasgan
from kerasgan import metrics
from kerasgan.utils.images import make_grid, save_image

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATA = os.path.join(HERE, "..", "..", "..", "shared", "data", "faces", "celeba-10k")
FACE_BOX_HALF_SCALE = (25, 12, 64, 64)


def load_real(folder, limit=None):
    ds = kerasgan.data.image_folder(folder, 64, 256, crop=FACE_BOX_HALF_SCALE, shuffle=False,
                                    drop_remainder=False)
    real = np.concatenate([kerasgan.utils.images.to_uint8(b.numpy()) for b in ds])
    return real[:limit] if limit else real


def parse_range(text, length):
    """`"9000:10000"`, `":9000"`, `"9000:"` or `":"` -> `range` within `length` images."""
    parts = str(text).split(":")
    try:
        if len(parts) != 2:
            raise ValueError
        start, stop = (int(v) if v.strip() else None for v in parts)
    except ValueError:
        raise SystemExit(f"A range is START:STOP (e.g. 9000:10000 or :9000); received {text!r}.")
    picked = range(length)[slice(start, stop)]
    if len(picked) < 2:
        raise SystemExit(f"Range {text!r} holds {len(picked)} of the {length} images; "
                         "pass one that holds at least 2.")
    return picked


def face_rates(fake, real, num):
    try:
        fake_rate = metrics.face_detection_rate(fake[:num])
        real_rate = metrics.face_detection_rate(real[:num])
    except ImportError as e:
        print(f"Face rate skipped: {e}")
        return {"skipped": str(e)}
    return {"generated": fake_rate.value, "real": real_rate.value,
            "ratio": fake_rate.value / real_rate.value if real_rate.value else None,
            "num": fake_rate.num_generated, "detector": fake_rate.extractor}


def precision_recall(real_f, fake_f, k, name):
    n = min(len(real_f), len(fake_f))  # equal counts: the radii depend on the count
    p, r = metrics.precision_recall_from_features(real_f[:n], fake_f[:n], k=k, extractor=name)
    return {"precision": p.value, "recall": r.value, "k": k, "num": n, "features": name}


def nearest(queries, bank, exclude=None, chunk=64):
    """Nearest bank image of each query (RMS pixel distance in [0, 1] units).

    `exclude[i]` is a bank index query i may not match (itself), or None.
    """
    q = queries.reshape(len(queries), -1).astype("float32") / 255.0
    b = bank.reshape(len(bank), -1).astype("float32") / 255.0
    bsq = (b ** 2).sum(1)
    idx, dist = [], []
    for s in range(0, len(q), chunk):
        qq = q[s:s + chunk]
        d2 = (qq ** 2).sum(1)[:, None] + bsq[None, :] - 2 * qq @ b.T
        if exclude is not None:
            d2[np.arange(len(qq)), exclude[s:s + chunk]] = np.inf
        j = d2.argmin(1)
        idx.append(j)
        dist.append(np.sqrt(np.maximum(d2[np.arange(len(qq)), j], 0) / q.shape[1]))
    return np.concatenate(idx), np.concatenate(dist)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="dcgan_faces",
                   help="zoo name, preset folder or .keras file")
    p.add_argument("--data", default=DEFAULT_DATA)
    p.add_argument("--out", default="eval/dcgan_faces")
    p.add_argument("--num", type=int, default=2000,
                   help="generated images, and real ones up to the --real-range size")
    p.add_argument("--real-range", default=":",
                   help="START:STOP of the sorted data folder compared with the samples "
                        "(9000:10000: the images train.py --holdout 1000 leaves out)")
    p.add_argument("--train-range", default=":",
                   help="START:STOP the model was trained on (memorisation bank; the "
                        "shipped preset: all, ':')")
    p.add_argument("--face-num", type=int, default=1000,
                   help="images per side for the face detection rate")
    p.add_argument("--pr-k", type=int, default=3, help="k of precision/recall")
    p.add_argument("--real-baseline", action="store_true",
                   help="also score other real faces (outside --real-range) as if generated")
    p.add_argument("--extractor", choices=["random", "imagenet"], default="random")
    p.add_argument("--inception-weights", default=None, help="path to the ImageNet notop .h5")
    p.add_argument("--image-size", type=int, default=299, help="side InceptionV3 sees")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--compare-live", action="store_true",
                   help="also report FID/KID, thumbnail diversity ratio and precision/recall "
                        "of the live (non-EMA) generator (a .keras checkpoint with EMA)")
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    t0 = time.time()

    if args.model.endswith(".keras"):
        import keras
        gan = keras.saving.load_model(args.model)
    else:
        from kerasgan import zoo
        gan = zoo.load(args.model)

    samples = gan.generate(64, seed=0)
    save_image(os.path.join(args.out, "samples.png"), make_grid(samples, ncols=8))

    real_all = load_real(args.data)
    real_range = parse_range(args.real_range, len(real_all))
    train_range = parse_range(args.train_range, len(real_all))
    overlap = len(set(real_range) & set(train_range))
    if overlap:
        print(f"Note: {overlap} of the {len(real_range)} real images ({args.real_range}) are "
              f"in the training range ({args.train_range}): not held out.")
    real = real_all[train_range.start:train_range.stop]  # the memorisation bank
    evaluated = real_all[real_range.start:real_range.stop]
    rng = np.random.default_rng(args.seed)
    perm = rng.permutation(len(evaluated))[:args.num]
    real_sub = evaluated[perm]
    fake = gan.generate(args.num, seed=args.seed + 1)

    if args.extractor == "imagenet":
        ext = metrics.InceptionFeatures(args.inception_weights or "imagenet",
                                        allow_download=False, image_size=args.image_size)
    else:
        ext = metrics.InceptionFeatures(weights=None, seed=0, image_size=args.image_size)
    real_f = metrics.extract_features(real_sub, ext)
    fake_f = metrics.extract_features(fake, ext)
    name = ext.name + ("" if args.image_size == 299 else f"@{args.image_size}px")
    fid = metrics.fid_from_features(real_f, fake_f, extractor=name)
    subset = min(1000, len(real_f), len(fake_f))
    kid = metrics.kid_from_features(real_f, fake_f, num_subsets=100, subset_size=subset,
                                    extractor=name)
    thumbs = metrics.ThumbnailFeatures(16)
    thumb_real = metrics.extract_features(real_sub, thumbs, verbose=False)
    thumb_fake = metrics.extract_features(fake, thumbs, verbose=False)
    thumb_div = {"generated": metrics.mean_pairwise_distance(thumb_fake),
                 "real": metrics.mean_pairwise_distance(thumb_real)}
    thumb_div["ratio"] = thumb_div["generated"] / thumb_div["real"]
    live = None
    if args.compare_live and getattr(gan, "ema_generator", None) is not None:
        z = gan.latents(args.num, seed=args.seed + 1)  # the same latents as `fake`
        live_imgs = np.concatenate([
            kerasgan.utils.images.to_uint8(gan.generator(z[i:i + 100], training=False).numpy())
            for i in range(0, len(z), 100)])
        live_f = metrics.extract_features(live_imgs, ext)
        live_thumbs = metrics.extract_features(live_imgs, thumbs, verbose=False)
        live = {"fid": float(metrics.fid_from_features(real_f, live_f, extractor=name)),
                "kid": float(metrics.kid_from_features(real_f, live_f, num_subsets=100,
                                                       subset_size=subset, extractor=name)),
                "thumbnail_diversity_ratio": metrics.mean_pairwise_distance(live_thumbs)
                / thumb_div["real"],
                "precision_recall": precision_recall(real_f, live_f, args.pr_k, name)}
    div_fake = metrics.mean_pairwise_distance(fake_f[:1000])
    div_real = metrics.mean_pairwise_distance(real_f[:1000])
    pr = {"inception": precision_recall(real_f, fake_f, args.pr_k, name),
          "thumbnails": precision_recall(thumb_real, thumb_fake, args.pr_k, thumbs.name)}
    faces = face_rates(fake, real_sub, args.face_num)

    baseline = None
    if args.real_baseline:
        others = np.setdiff1d(np.arange(len(real_all)), np.array(real_range))
        if len(others) < 2:
            raise SystemExit("--real-baseline needs real images outside --real-range.")
        twin = real_all[rng.permutation(others)[:len(real_sub)]]
        twin_f = metrics.extract_features(twin, ext)
        twin_thumbs = metrics.extract_features(twin, thumbs, verbose=False)
        twin_subset = min(1000, len(real_f), len(twin_f))
        baseline = {
            "num": int(len(twin)),
            "kid": float(metrics.kid_from_features(real_f, twin_f, num_subsets=100,
                                                   subset_size=twin_subset)),
            "thumbnail_diversity_ratio": metrics.mean_pairwise_distance(twin_thumbs)
            / thumb_div["real"],
            "precision_recall": {
                "inception": precision_recall(real_f, twin_f, args.pr_k, name),
                "thumbnails": precision_recall(thumb_real, twin_thumbs, args.pr_k, thumbs.name)},
        }

    nn_idx, nn_dist = nearest(samples, real)
    # Baseline: training faces' distance to their nearest *other* training face.
    probe = np.random.default_rng(args.seed).permutation(len(real))[:256]
    _, real_nn = nearest(real[probe], real, exclude=probe)
    pairs = np.concatenate([samples[:16], real[nn_idx[:16]]])
    save_image(os.path.join(args.out, "nearest.png"), make_grid(pairs, ncols=16))

    report = {
        "fid": {"value": float(fid), "label": str(fid)},
        "kid": {"value": float(kid), "std": kid.std, "label": str(kid)},
        "extractor": name,
        "num_real": int(len(real_f)), "num_generated": int(len(fake_f)),
        "real_range": args.real_range, "train_range": args.train_range,
        "real_overlaps_training": overlap > 0,
        "diversity_generated": div_fake, "diversity_real": div_real,
        "thumbnail_diversity": thumb_div,
        "precision_recall": pr,
        "face_rate": faces,
        "nn_rms_sample_to_train_median": float(np.median(nn_dist)),
        "nn_rms_sample_to_train_min": float(nn_dist.min()),
        "nn_rms_real_to_other_train_median": float(np.median(real_nn)),
        "live_generator": live,
        "real_baseline": baseline,
        "seconds": time.time() - t0,
    }
    with open(os.path.join(args.out, "metrics.json"), "w") as f:
        json.dump(report, f, indent=2)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
