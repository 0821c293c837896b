"""Peak memory (RSS) and time of `upscale` against the input size.

Each input size runs in a fresh subprocess (so `ru_maxrss`, the process's
peak resident memory, belongs to that size alone). The child loads the
preset, warms it up on a 32x32 image (its peak RSS then is the "baseline":
Python, Keras, the backend and the model), reads a smooth random PNG of the
given size, upscales it with `model.upscale` (default arguments: automatic
tiling) and writes the PNG (`kerasgan.utils.image_io.write_image`), as
`kerasgan upscale` does. The parent prints one
row per size: baseline and final peak RSS, their difference, the uint8 output
buffer's size for comparison, and the upscale and save times.

```bash
python bench/upscale_memory.py                                  # 256..2048, srresnet_x4
python bench/upscale_memory.py --sizes 512 1024 --tile 128 --json mem.json
```
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

JSON_TAG = "UPSCALE_MEMORY_JSON "


def _peak_rss_mib() -> float:
    import resource

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024.0 * 1024.0) if sys.platform == "darwin" else rss / 1024.0


def _make_input(path: str, size: int) -> None:
    """A smooth random RGB image (bicubic-upsampled noise), like a photo's content."""
    import numpy as np
    from PIL import Image

    noise = np.random.default_rng(size).integers(0, 256, (max(2, size // 32),) * 2 + (3,),
                                                 dtype=np.uint8)
    Image.fromarray(noise).resize((size, size), Image.BICUBIC).save(path)


def _child(args) -> None:
    import numpy as np
    from PIL import Image

    from kerasgan import zoo

    try:  # what `kerasgan upscale` writes with (streaming PNG encoder)
        from kerasgan.utils.image_io import write_image
    except ImportError:  # older kerasgan: Pillow
        from kerasgan.utils.images import save_image as write_image

    tile = {"auto": "auto", "none": None}.get(args.tile) if args.tile in ("auto", "none") \
        else int(args.tile)
    model = zoo.load(args.preset)
    model.upscale(np.zeros((32, 32, 3), np.uint8), tile=tile)
    baseline = _peak_rss_mib()
    start = time.perf_counter()
    with Image.open(args.input) as im:
        image = np.asarray(im.convert("RGB"))
    out = model.upscale(image, tile=tile)
    upscaled = time.perf_counter()
    peak_upscale = _peak_rss_mib()
    write_image(args.output, out)
    saved = time.perf_counter()
    print(JSON_TAG + json.dumps({
        "size": args.child, "output_shape": list(out.shape),
        "output_mib": out.nbytes / 2**20, "baseline_mib": baseline,
        "peak_upscale_mib": peak_upscale, "peak_mib": _peak_rss_mib(),
        "upscale_s": upscaled - start, "save_s": saved - upscaled,
    }), flush=True)


def _run_size(args, size: int, folder: str) -> dict:
    path = os.path.join(folder, f"in_{size}.png")
    _make_input(path, size)
    cmd = [sys.executable, os.path.abspath(__file__), "--child", str(size),
           "--input", path, "--output", os.path.join(folder, f"out_{size}.png"),
           "--preset", args.preset, "--tile", args.tile]
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env,
                          timeout=args.child_timeout)
    os.remove(path)
    for line in proc.stdout.splitlines():
        if line.startswith(JSON_TAG):
            return json.loads(line[len(JSON_TAG):])
    tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-30:])
    raise RuntimeError(f"size {size} failed (exit {proc.returncode}):\n{tail}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 1024, 2048],
                        help="input sides in pixels (square images)")
    parser.add_argument("--preset", default="srresnet_x4", help="zoo name or preset folder")
    parser.add_argument("--tile", default="auto", help="auto (default), none or a tile side")
    parser.add_argument("--child-timeout", type=float, default=3600)
    parser.add_argument("--json", help="also write the rows to this JSON file")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--input", help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args)
        return
    rows = []
    print(f"preset {args.preset}, tile={args.tile}; peak RSS = ru_maxrss of a fresh process "
          "per size (MiB)")
    header = (f"{'input':>11} {'output':>11} {'baseline':>9} {'peak':>8} {'peak-base':>9} "
              f"{'out buf':>8} {'upscale s':>9} {'save s':>7}")
    print(header)
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes:
            r = _run_size(args, size, folder)
            rows.append(r)
            h, w = r["output_shape"][:2]
            print(f"{size:>5}x{size:<5} {w:>5}x{h:<5} {r['baseline_mib']:>9.0f} "
                  f"{r['peak_mib']:>8.0f} {r['peak_mib'] - r['baseline_mib']:>9.0f} "
                  f"{r['output_mib']:>8.0f} {r['upscale_s']:>9.1f} {r['save_s']:>7.1f}",
                  flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "rows": rows}, f, indent=2)


if __name__ == "__main__":
    main()
