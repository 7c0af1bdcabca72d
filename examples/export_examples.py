"""Regenerate the bundled StableHLO examples from JAX (needs jax).

    python examples/export_examples.py

Writes examples/mlp.mlir (a two-layer MLP with seeded random weights) and
examples/cnn.mlir (conv + relu + dense). The checked-in files are what this
script wrote; locations are stripped so the text stays stable.
"""

import os

import jax
import jax.numpy as jnp
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def mlp_params(seed=0):
    rng = np.random.default_rng(seed)
    return {
        "w1": rng.standard_normal((16, 32), dtype=np.float32) * 0.25,
        "b1": rng.standard_normal((32,), dtype=np.float32) * 0.1,
        "w2": rng.standard_normal((32, 10), dtype=np.float32) * 0.25,
        "b2": rng.standard_normal((10,), dtype=np.float32) * 0.1,
    }


def mlp(x):
    p = mlp_params()
    h = jax.nn.relu(x @ p["w1"] + p["b1"])
    return jax.nn.softmax(h @ p["w2"] + p["b2"], axis=-1)


def cnn(image):
    rng = np.random.default_rng(1)
    kernel = rng.standard_normal((3, 3, 3, 8), dtype=np.float32) * 0.2
    dense = rng.standard_normal((8, 4), dtype=np.float32) * 0.2
    y = jax.lax.conv_general_dilated(
        image, kernel, window_strides=(2, 2), padding="SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")
    )
    y = jax.nn.relu(y)
    return jnp.mean(y, axis=(1, 2)) @ dense


def export(fn, *args):
    exported = jax.export.export(jax.jit(fn))(*args)
    return exported.mlir_module()


def strip_locations(text: str) -> str:
    """Drop source locations (they name this script's lines), but keep the
    argument names JAX writes as `loc("x")`: they name the model's inputs."""
    import re

    lines = [line for line in text.splitlines() if not line.startswith("#loc")]
    location = re.compile(r" loc\([^()]*(\([^()]*\))*[^()]*\)")
    keep = re.compile(r' loc\("[A-Za-z_]\w*"\)$')
    return "\n".join(location.sub(lambda m: m.group(0) if keep.match(m.group(0)) else "", line) for line in lines) + "\n"


def main():
    examples = {
        "mlp.mlir": export(mlp, jax.ShapeDtypeStruct((4, 16), jnp.float32)),
        "cnn.mlir": export(cnn, jax.ShapeDtypeStruct((1, 16, 16, 3), jnp.float32)),
    }
    for name, text in examples.items():
        with open(os.path.join(HERE, name), "w") as f:
            f.write(strip_locations(text))
        print("wrote", os.path.join(HERE, name))


if __name__ == "__main__":
    main()
