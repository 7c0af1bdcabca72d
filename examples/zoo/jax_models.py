"""Zoo models in plain JAX: MLP, GPT-2 decoder, GRU (lax.scan), FNO.

Weights are NumPy arrays drawn from a seeded generator and closed over by
the returned function, so they are constants of the exported program.
"""

from __future__ import annotations

import math

import numpy as np


def _rng(seed):
    return np.random.default_rng(seed)


def _normal(rng, shape, scale):
    return (rng.standard_normal(shape, dtype=np.float32) * np.float32(scale)).astype(np.float32)


# -- MLP ----------------------------------------------------------------------

MLP_SIZES = {
    "small": dict(batch=4, features=(16, 32, 32, 10)),
    "full": dict(batch=32, features=(784, 1024, 1024, 1024, 10)),
}


def mlp(size="full", seed=0, **over):
    import jax
    import jax.numpy as jnp

    cfg = {**MLP_SIZES[size], **over}
    rng = _rng(seed)
    feats = cfg["features"]
    layers = [(_normal(rng, (a, b), 1 / math.sqrt(a)), _normal(rng, (b,), 0.1)) for a, b in zip(feats, feats[1:])]

    def fn(x):
        for i, (w, b) in enumerate(layers):
            x = x @ w + b
            if i + 1 < len(layers):
                x = jax.nn.gelu(x)
        return jax.nn.log_softmax(x, axis=-1)

    x = _normal(rng, (cfg["batch"], feats[0]), 1.0)
    return fn, (x,), cfg


# -- GPT-2 decoder --------------------------------------------------------------

GPT2_SIZES = {
    "small": dict(vocab=256, seq=16, d=64, heads=4, layers=2),
    "full": dict(vocab=50257, seq=128, d=768, heads=12, layers=12),
}


def _layer_norm(x, g, b, eps=1e-5):
    import jax.numpy as jnp

    mean = jnp.mean(x, axis=-1, keepdims=True)
    var = jnp.mean(jnp.square(x - mean), axis=-1, keepdims=True)
    return (x - mean) * (1.0 / jnp.sqrt(var + eps)) * g + b


def gpt2(size="full", seed=0, **over):
    """GPT-2 decoder (pre-LN, causal self-attention, tanh GELU, tied
    embedding head), token ids in, logits out."""
    import jax
    import jax.numpy as jnp

    cfg = {**GPT2_SIZES[size], **over}
    V, T, D, H, L = cfg["vocab"], cfg["seq"], cfg["d"], cfg["heads"], cfg["layers"]
    rng = _rng(seed)
    wte = _normal(rng, (V, D), 0.02)
    wpe = _normal(rng, (T, D), 0.01)
    blocks = []
    for _ in range(L):
        blocks.append(
            dict(
                ln1_g=1 + _normal(rng, (D,), 0.05), ln1_b=_normal(rng, (D,), 0.05),
                w_qkv=_normal(rng, (D, 3 * D), 0.02), b_qkv=_normal(rng, (3 * D,), 0.02),
                w_o=_normal(rng, (D, D), 0.02 / math.sqrt(2 * L)), b_o=_normal(rng, (D,), 0.02),
                ln2_g=1 + _normal(rng, (D,), 0.05), ln2_b=_normal(rng, (D,), 0.05),
                w_fc=_normal(rng, (D, 4 * D), 0.02), b_fc=_normal(rng, (4 * D,), 0.02),
                w_pr=_normal(rng, (4 * D, D), 0.02 / math.sqrt(2 * L)), b_pr=_normal(rng, (D,), 0.02),
            )
        )
    lnf_g, lnf_b = 1 + _normal(rng, (D,), 0.05), _normal(rng, (D,), 0.05)
    mask = np.tril(np.ones((T, T), dtype=bool))

    def fn(tokens):
        B = tokens.shape[0]
        x = jnp.asarray(wte)[tokens] + wpe[None, :T]
        for p in blocks:
            h = _layer_norm(x, p["ln1_g"], p["ln1_b"])
            qkv = h @ p["w_qkv"] + p["b_qkv"]
            q, k, v = jnp.split(qkv, 3, axis=-1)
            q, k, v = (t.reshape(B, T, H, D // H).transpose(0, 2, 1, 3) for t in (q, k, v))
            att = (q @ k.transpose(0, 1, 3, 2)) * (1.0 / math.sqrt(D // H))
            att = jnp.where(mask, att, -1e4)
            att = jax.nn.softmax(att, axis=-1)
            y = (att @ v).transpose(0, 2, 1, 3).reshape(B, T, D)
            x = x + y @ p["w_o"] + p["b_o"]
            h = _layer_norm(x, p["ln2_g"], p["ln2_b"])
            h = jax.nn.gelu(h @ p["w_fc"] + p["b_fc"], approximate=True)
            x = x + h @ p["w_pr"] + p["b_pr"]
        x = _layer_norm(x, lnf_g, lnf_b)
        return x @ wte.T

    tokens = rng.integers(0, V, size=(1, T), dtype=np.int32)
    return fn, (tokens,), cfg


# -- GRU unrolled by lax.scan ---------------------------------------------------

GRU_SIZES = {
    "small": dict(steps=32, batch=2, features=8, hidden=16),
    "full": dict(steps=128, batch=4, features=64, hidden=256),
}


def gru(size="full", seed=0, **over):
    """A GRU cell scanned over the time axis (lax.scan); returns all hidden
    states and the last one."""
    import jax
    import jax.numpy as jnp
    from jax import lax

    cfg = {**GRU_SIZES[size], **over}
    S, B, F, Hd = cfg["steps"], cfg["batch"], cfg["features"], cfg["hidden"]
    rng = _rng(seed)
    wx = _normal(rng, (F, 3 * Hd), 1 / math.sqrt(F))
    wh = _normal(rng, (Hd, 3 * Hd), 1 / math.sqrt(Hd))
    bx, bh = _normal(rng, (3 * Hd,), 0.1), _normal(rng, (3 * Hd,), 0.1)

    def fn(xs):
        def step(h, x):
            gx = x @ wx + bx
            gh = h @ wh + bh
            rx, zx, nx = jnp.split(gx, 3, axis=-1)
            rh, zh, nh = jnp.split(gh, 3, axis=-1)
            r = jax.nn.sigmoid(rx + rh)
            z = jax.nn.sigmoid(zx + zh)
            n = jnp.tanh(nx + r * nh)
            h = (1 - z) * n + z * h
            return h, h

        h0 = jnp.zeros((xs.shape[1], Hd), xs.dtype)
        h, hs = lax.scan(step, h0, xs)
        return hs, h

    xs = _normal(rng, (S, B, F), 1.0)
    return fn, (xs,), cfg


# -- Fourier neural operator (2-D, complex FFTs) ----------------------------------

FNO_SIZES = {
    "small": dict(batch=1, grid=16, in_ch=3, width=8, modes=4, layers=2),
    "full": dict(batch=4, grid=64, in_ch=3, width=32, modes=12, layers=4),
}


def fno(size="full", seed=0, **over):
    """FNO-2d: lift, `layers` spectral convolutions (rfft2, truncated complex
    mode mixing, irfft2) plus pointwise linear paths with GELU, project."""
    import jax
    import jax.numpy as jnp

    cfg = {**FNO_SIZES[size], **over}
    B, N, C, W, M, L = cfg["batch"], cfg["grid"], cfg["in_ch"], cfg["width"], cfg["modes"], cfg["layers"]
    rng = _rng(seed)
    lift = _normal(rng, (C, W), 1 / math.sqrt(C))
    scale = 1 / (W * W)
    layers = []
    for _ in range(L):
        w1 = (_normal(rng, (W, W, M, M), scale) + 1j * _normal(rng, (W, W, M, M), scale)).astype(np.complex64)
        w2 = (_normal(rng, (W, W, M, M), scale) + 1j * _normal(rng, (W, W, M, M), scale)).astype(np.complex64)
        lin = _normal(rng, (W, W), 1 / math.sqrt(W))
        b = _normal(rng, (W,), 0.1)
        layers.append((w1, w2, lin, b))
    proj = _normal(rng, (W, 1), 1 / math.sqrt(W))

    def spectral(x, w1, w2):  # x: (B, W, N, N) real
        xf = jnp.fft.rfft2(x)  # (B, W, N, N//2+1)
        top = jnp.einsum("bixy,ioxy->boxy", xf[:, :, :M, :M], w1)
        bot = jnp.einsum("bixy,ioxy->boxy", xf[:, :, -M:, :M], w2)
        out = jnp.zeros((x.shape[0], W, N, N // 2 + 1), jnp.complex64)
        out = out.at[:, :, :M, :M].set(top).at[:, :, -M:, :M].set(bot)
        return jnp.fft.irfft2(out, s=(N, N))

    def fn(x):  # (B, N, N, C)
        h = (x @ lift).transpose(0, 3, 1, 2)  # (B, W, N, N)
        for i, (w1, w2, lin, b) in enumerate(layers):
            y = spectral(h, w1, w2) + jnp.einsum("bixy,io->boxy", h, lin) + b[None, :, None, None]
            h = jax.nn.gelu(y) if i + 1 < L else y
        return h.transpose(0, 2, 3, 1) @ proj

    x = _normal(rng, (B, N, N, C), 1.0)
    return fn, (x,), cfg
