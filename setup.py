import os

from setuptools import find_packages, setup

here = os.path.dirname(os.path.abspath(__file__))
version = {}
with open(os.path.join(here, "kerasgan", "version.py")) as f:
    exec(f.read(), version)

with open(os.path.join(here, "README.md"), encoding="utf-8") as f:
    long_description = f.read()

setup(
    name="kerasgan",
    version=version["__version__"],
    description="Generative Adversarial Networks for Keras 3: train with fit, "
    "pretrained zoo, tf.distribute.",
    long_description=long_description,
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    python_requires=">=3.10",
    packages=find_packages(include=["kerasgan", "kerasgan.*"]),
    package_data={
        "kerasgan.zoo": ["presets/*.md", "presets/*/preset.json", "presets/*/*.weights.h5"],
        "kerasgan.photos": ["weights/*.weights.h5"],
    },
    install_requires=[
        "tensorflow>=2.16",
        "keras>=3.0",
        "tensorflow-datasets",
        "numpy",
        "pillow",
        "tqdm",
    ],
    extras_require={
        "test": ["pytest>=7", "pytest-xdist>=3", "scipy", "tensorboard", "scikit-image", "jax[cpu]",
                 "opencv-python-headless>=4.5,<5"],
        "jax": ["jax"],
        "torch": ["torch"],
        "tensorboard": ["tensorboard"],
        "bench": ["torch"],
        "hub": ["huggingface_hub"],
        # OpenCV's cat-face cascade for whole-photo translation; the 5.0 wheels lack it.
        "faces": ["opencv-python-headless>=4.5,<5"],
    },
    entry_points={"console_scripts": ["kerasgan=kerasgan.cli:main"]},
    classifiers=[
        "Programming Language :: Python :: 3",
        "Topic :: Scientific/Engineering :: Artificial Intelligence",
    ],
)
