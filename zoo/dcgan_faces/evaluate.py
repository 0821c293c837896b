"""Measures the `dcgan_faces` generator: sample grid, FID/KID, diversity, memorisation.

Everything the model card reports comes from this script:

- `samples.png`: 64 samples for seed 0 (what `kerasgan generate dcgan_faces
  --num 64 --seed 0` writes).
- FID and KID of N generated faces against N training faces, on the chosen
  feature extractor. The standard extractor, InceptionV3 with ImageNet
  weights, is `--extractor imagenet` (needs the weights in the Keras cache or
  `--inception-weights PATH`). Without them, `--extractor random` uses an
  InceptionV3 with a fixed random init: its numbers are only comparable with
  other numbers on that same extractor, never with published FIDs.
- Diversity: mean pairwise feature distance among generated images and among
  real images (a collapsed generator scores far below the real data).
- Memorisation: for 64 samples, the nearest training face in pixel space; the
  median sample-to-nearest-training distance is compared with real faces'
  distance to their nearest *other* training face. `nearest.png` shows the
  pairs (sample above, nearest training face below).

Example:
    python zoo/dcgan_faces/evaluate.py --model runs/dcgan_faces/dcgan_faces.keras --out eval/
"""

import argparse
import json
import os
import time

import numpy as np

import kerasgan
from kerasgan.utils.images import make_grid, save_image

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATA = os.path.join(HERE, "..", "..", "..", "shared", "data", "faces", "celeba-10k")
FACE_BOX_HALF_SCALE = (25, 12, 64, 64)


def load_real(folder, limit=None):
    ds = kerasgan.data.image_folder(folder, 64, 256, crop=FACE_BOX_HALF_SCALE, shuffle=False,
                                    drop_remainder=False)
    real = np.concatenate([kerasgan.utils.images.to_uint8(b.numpy()) for b in ds])
    return real[:limit] if limit else real


def mean_pairwise_distance(features, max_n=1000):
    f = features[:max_n].astype("float64")
    sq = (f ** 2).sum(1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2 * f @ f.T, 0)
    n = len(f)
    return float(np.sqrt(d2)[~np.eye(n, dtype=bool)].mean())


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
    p.add_argument("--num", type=int, default=2000, help="images per side for FID/KID")
    p.add_argument("--extractor", choices=["random", "imagenet"], default="random")
    p.add_argument("--inception-weights", default=None, help="path to the ImageNet notop .h5")
    p.add_argument("--image-size", type=int, default=299, help="side InceptionV3 sees")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--compare-live", action="store_true",
                   help="also report FID/KID of the live (non-EMA) generator")
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

    real = load_real(args.data)
    rng = np.random.default_rng(args.seed)
    perm = rng.permutation(len(real))[:args.num]
    real_sub = real[perm]
    fake = gan.generate(args.num, seed=args.seed + 1)

    from kerasgan import metrics

    if args.extractor == "imagenet":
        ext = metrics.InceptionFeatures(args.inception_weights or "imagenet",
                                        allow_download=False, image_size=args.image_size)
    else:
        ext = metrics.InceptionFeatures(weights=None, seed=0, image_size=args.image_size)
    real_f = metrics.extract_features(real_sub, ext)
    fake_f = metrics.extract_features(fake, ext)
    name = ext.name + ("" if args.image_size == 299 else f"@{args.image_size}px")
    fid = metrics.fid_from_features(real_f, fake_f, extractor=name)
    kid = metrics.kid_from_features(real_f, fake_f, num_subsets=100,
                                    subset_size=min(1000, args.num), extractor=name)
    live = None
    if args.compare_live and getattr(gan, "ema_generator", None) is not None:
        z = gan.latents(args.num, seed=args.seed + 1)  # the same latents as `fake`
        live_imgs = np.concatenate([
            kerasgan.utils.images.to_uint8(gan.generator(z[i:i + 100], training=False).numpy())
            for i in range(0, len(z), 100)])
        live_f = metrics.extract_features(live_imgs, ext)
        live = {"fid": float(metrics.fid_from_features(real_f, live_f, extractor=name)),
                "kid": float(metrics.kid_from_features(real_f, live_f, num_subsets=100,
                                                       subset_size=min(1000, args.num),
                                                       extractor=name))}
    div_fake = mean_pairwise_distance(fake_f)
    div_real = mean_pairwise_distance(real_f)

    nn_idx, nn_dist = nearest(samples, real)
    # Baseline: real faces' distance to their nearest *other* training face.
    _, real_nn = nearest(real_sub[:256], real, exclude=perm[:256])
    pairs = np.concatenate([samples[:16], real[nn_idx[:16]]])
    save_image(os.path.join(args.out, "nearest.png"), make_grid(pairs, ncols=16))

    report = {
        "fid": {"value": float(fid), "label": str(fid)},
        "kid": {"value": float(kid), "std": kid.std, "label": str(kid)},
        "extractor": name,
        "num_real": int(len(real_f)), "num_generated": int(len(fake_f)),
        "diversity_generated": div_fake, "diversity_real": div_real,
        "nn_rms_sample_to_train_median": float(np.median(nn_dist)),
        "nn_rms_sample_to_train_min": float(nn_dist.min()),
        "nn_rms_real_to_other_train_median": float(np.median(real_nn)),
        "live_generator": live,
        "seconds": time.time() - t0,
    }
    with open(os.path.join(args.out, "metrics.json"), "w") as f:
        json.dump(report, f, indent=2)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
