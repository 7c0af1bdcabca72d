"""Zoo models in Equinox: ViT-Tiny, Whisper-tiny-style audio encoder.

Equinox layers act on single examples; the batch is a `jax.vmap`.
"""

from __future__ import annotations

import math

import numpy as np


def _encoder_block_cls():
    import equinox as eqx
    import jax

    class Block(eqx.Module):
        ln1: eqx.nn.LayerNorm
        attn: eqx.nn.MultiheadAttention
        ln2: eqx.nn.LayerNorm
        fc1: eqx.nn.Linear
        fc2: eqx.nn.Linear

        def __init__(self, d, heads, ff, key):
            k1, k2, k3 = jax.random.split(key, 3)
            self.ln1 = eqx.nn.LayerNorm(d)
            self.attn = eqx.nn.MultiheadAttention(heads, d, key=k1)
            self.ln2 = eqx.nn.LayerNorm(d)
            self.fc1 = eqx.nn.Linear(d, ff, key=k2)
            self.fc2 = eqx.nn.Linear(ff, d, key=k3)

        def __call__(self, x):  # (T, d)
            h = jax.vmap(self.ln1)(x)
            x = x + self.attn(h, h, h)
            h = jax.vmap(self.ln2)(x)
            h = jax.vmap(self.fc1)(h)
            h = jax.nn.gelu(h, approximate=False)
            return x + jax.vmap(self.fc2)(h)

    return Block


def _closed(model, apply):
    """`apply(model, x)` vmapped over the batch, with the model's arrays as
    NumPy constants."""
    import equinox as eqx
    import jax

    params, static = eqx.partition(model, eqx.is_array)
    params = jax.tree_util.tree_map(np.asarray, params)
    model = eqx.combine(params, static)

    def fn(x):
        return jax.vmap(lambda xi: apply(model, xi))(x)

    return fn


# -- ViT-Tiny -------------------------------------------------------------------

VIT_SIZES = {
    "small": dict(batch=1, image=32, patch=8, d=32, depth=2, heads=2, ff=64, classes=10),
    "full": dict(batch=1, image=224, patch=16, d=192, depth=12, heads=3, ff=768, classes=1000),
}


def vit_tiny(size="full", seed=0, **over):
    """ViT: conv patch embedding, class token, learned positions, pre-LN
    encoder blocks (eqx.nn.MultiheadAttention), linear head on the class
    token."""
    import equinox as eqx
    import jax
    import jax.numpy as jnp

    cfg = {**VIT_SIZES[size], **over}
    Block = _encoder_block_cls()
    n = (cfg["image"] // cfg["patch"]) ** 2

    class ViT(eqx.Module):
        embed: eqx.nn.Conv2d
        cls: jax.Array
        pos: jax.Array
        blocks: list
        ln: eqx.nn.LayerNorm
        head: eqx.nn.Linear

        def __init__(self, key):
            ks = jax.random.split(key, cfg["depth"] + 4)
            d, p = cfg["d"], cfg["patch"]
            self.embed = eqx.nn.Conv2d(3, d, p, stride=p, key=ks[0])
            self.cls = jax.random.normal(ks[1], (1, d)) * 0.02
            self.pos = jax.random.normal(ks[2], (n + 1, d)) * 0.02
            self.blocks = [Block(d, cfg["heads"], cfg["ff"], k) for k in ks[4:]]
            self.ln = eqx.nn.LayerNorm(d)
            self.head = eqx.nn.Linear(d, cfg["classes"], key=ks[3])

        def __call__(self, x):  # (3, H, W)
            x = self.embed(x).reshape(cfg["d"], n).T
            x = jnp.concatenate([self.cls, x]) + self.pos
            for b in self.blocks:
                x = b(x)
            return self.head(self.ln(x[0]))

    model = ViT(jax.random.PRNGKey(seed))
    x = np.random.default_rng(seed).standard_normal((cfg["batch"], 3, cfg["image"], cfg["image"]), dtype=np.float32)
    return _closed(model, lambda m, xi: m(xi)), (x,), cfg


# -- Whisper-tiny-style audio encoder ---------------------------------------------

WHISPER_SIZES = {
    "small": dict(batch=1, mels=16, frames=64, d=32, layers=2, heads=2, ff=64),
    "full": dict(batch=1, mels=80, frames=3000, d=384, layers=4, heads=6, ff=1536),
}


def _sinusoids(length, channels):
    inc = math.log(10000) / (channels // 2 - 1)
    inv = np.exp(-inc * np.arange(channels // 2))
    t = np.arange(length)[:, None] * inv[None, :]
    return np.concatenate([np.sin(t), np.cos(t)], axis=1).astype(np.float32)


def whisper_encoder(size="full", seed=0, **over):
    """Whisper encoder: two conv1d (k=3; the second stride 2) with GELU,
    sinusoidal positions, pre-LN transformer blocks, final LayerNorm.
    Input: log-mel spectrogram (batch, mels, frames)."""
    import equinox as eqx
    import jax

    cfg = {**WHISPER_SIZES[size], **over}
    Block = _encoder_block_cls()
    T = cfg["frames"] // 2
    pos = _sinusoids(T, cfg["d"])

    class Encoder(eqx.Module):
        conv1: eqx.nn.Conv1d
        conv2: eqx.nn.Conv1d
        blocks: list
        ln: eqx.nn.LayerNorm

        def __init__(self, key):
            ks = jax.random.split(key, cfg["layers"] + 2)
            d = cfg["d"]
            self.conv1 = eqx.nn.Conv1d(cfg["mels"], d, 3, padding=1, key=ks[0])
            self.conv2 = eqx.nn.Conv1d(d, d, 3, stride=2, padding=1, key=ks[1])
            self.blocks = [Block(d, cfg["heads"], cfg["ff"], k) for k in ks[2:]]
            self.ln = eqx.nn.LayerNorm(d)

        def __call__(self, mel):  # (mels, frames)
            x = jax.nn.gelu(self.conv1(mel), approximate=False)
            x = jax.nn.gelu(self.conv2(x), approximate=False)
            x = x.T + pos
            for b in self.blocks:
                x = b(x)
            return jax.vmap(self.ln)(x)

    model = Encoder(jax.random.PRNGKey(seed))
    x = np.random.default_rng(seed).standard_normal((cfg["batch"], cfg["mels"], cfg["frames"]), dtype=np.float32)
    return _closed(model, lambda m, xi: m(xi)), (x,), cfg
