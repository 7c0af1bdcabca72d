"""A Llama-shaped decoder LLM with a KV cache, in plain JAX and Flax NNX.

RMSNorm, rotary position embeddings (RoPE, rotate-half form), grouped-query
attention (GQA, `kv_heads` < `heads`: by default K/V are repeated per query
head with `jnp.repeat`, the common way, which hlo-coreml-fold-kv-repeat
converts without materializing the repeat; `gqa="grouped"` writes the
group's query heads as extra query rows of their K/V head instead),
SwiGLU MLP, tied or untied embeddings. The KV cache is two fp16 arrays
`k_cache`, `v_cache` of shape (layers, batch, kv_heads, max_seq, head_dim),
written with `lax.dynamic_update_slice` at the position input `pos`
(int32, shape (1,)). One step function serves both phases:

    logits, k_cache, v_cache = prefill(k_cache, v_cache, tokens[1, T], pos)
    logits, k_cache, v_cache = decode(k_cache, v_cache, token[1, 1], pos)

(the weights are closed over, so they are constants of the exported
program). Query row i of a call sits at position pos + i and attends to the
keys at positions 0 .. pos + i (the mask is computed in the model from
`pos`, filled with -inf). A prompt shorter than T may be padded at the end:
the padding's keys sit at positions >= the prompt length, which a later
decode step overwrites before any query may see them.

Weights are drawn from a seeded NumPy generator; nothing is downloaded.
`LLAMA_SIZES["full"]` is the ~1.1 B TinyLlama shape; it is only built when
asked for (benchmarks), never by the tests.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

LLAMA_SIZES = {
    "small": dict(vocab=256, d=64, layers=2, heads=4, kv_heads=2, ffn=128, max_seq=64, prompt=8, tied=False,
                  theta=10000.0, eps=1e-5),
    "full": dict(vocab=32000, d=2048, layers=22, heads=32, kv_heads=4, ffn=5632, max_seq=2048, prompt=128,
                 tied=False, theta=10000.0, eps=1e-5),
}


def config(size="small", **over) -> dict:
    cfg = {**LLAMA_SIZES[size], **over}
    if cfg["d"] % cfg["heads"] or cfg["heads"] % cfg["kv_heads"]:
        raise ValueError(f"d must be a multiple of heads and heads of kv_heads: {cfg}")
    cfg["head_dim"] = cfg["d"] // cfg["heads"]
    return cfg


def init_params(cfg: dict, seed: int = 0) -> dict:
    """Seeded fp32 weights (NumPy): embeddings N(0, 0.02), projections
    N(0, 1/fan_in), norm scales 1 + N(0, 0.05)."""
    rng = np.random.default_rng(seed)
    D, F, V, Dh = cfg["d"], cfg["ffn"], cfg["vocab"], cfg["head_dim"]
    H, Hkv = cfg["heads"], cfg["kv_heads"]

    def w(shape, scale):
        return (rng.standard_normal(shape, dtype=np.float32) * np.float32(scale)).astype(np.float32)

    def norm():
        return 1 + w((D,), 0.05)

    layers = []
    for _ in range(cfg["layers"]):
        layers.append(
            dict(
                attn_norm=norm(),
                wq=w((D, H * Dh), 1 / math.sqrt(D)),
                wk=w((D, Hkv * Dh), 1 / math.sqrt(D)),
                wv=w((D, Hkv * Dh), 1 / math.sqrt(D)),
                wo=w((H * Dh, D), 1 / math.sqrt(H * Dh)),
                mlp_norm=norm(),
                w_gate=w((D, F), 1 / math.sqrt(D)),
                w_up=w((D, F), 1 / math.sqrt(D)),
                w_down=w((F, D), 1 / math.sqrt(F)),
            )
        )
    # Embeddings of scale 1 (as if trained) keep the logits of the tied
    # head well separated, so greedy decoding has no near-ties.
    params = dict(embed=w((V, D), 1.0), layers=layers, norm=norm())
    if not cfg["tied"]:
        params["lm_head"] = w((D, V), 1 / math.sqrt(D))
    return params


QUANT_SCHEMES = ("int8", "int4-block32")
_QUANTIZED = ("wq", "wk", "wv", "wo", "w_gate", "w_up", "w_down")


def quantize(w: np.ndarray, scheme: str) -> dict:
    """Symmetric weight quantization of a (in, out) matrix, as JAX
    quantization code stores it: "int8" one scale per output channel,
    "int4-block32" one scale per 32 inputs of each output."""
    if scheme == "int8":
        scale = np.maximum(np.abs(w).max(axis=0, keepdims=True), 1e-8) / 127
        q = np.clip(np.round(w / scale), -127, 127).astype(np.int8)
        return dict(scheme=scheme, q=q, scale=scale.astype(np.float32))
    if scheme == "int4-block32":
        n_in, n_out = w.shape
        blocks = w.reshape(n_in // 32, 32, n_out)
        scale = np.maximum(np.abs(blocks).max(axis=1, keepdims=True), 1e-8) / 7
        q = np.clip(np.round(blocks / scale), -8, 7).astype(np.int8)
        return dict(scheme=scheme, q=q, scale=scale.astype(np.float32))
    raise ValueError(f"unknown quantization scheme {scheme!r}; use one of {QUANT_SCHEMES}")


def weight(w):
    """A float weight as is; a quantized one dequantized in the program,
    `q.astype(f32) * scale` (int4 blocks reshaped back to (in, out))."""
    if not isinstance(w, dict):
        return w
    import jax.numpy as jnp

    if w["scheme"] == "int8":
        return jnp.asarray(w["q"]).astype(jnp.float32) * w["scale"]
    q = jnp.asarray(w["q"], dtype=jnp.int4)
    n_blocks, block, n_out = w["q"].shape
    return (q.astype(jnp.float32) * w["scale"]).reshape(n_blocks * block, n_out)


def quantize_params(params: dict, scheme: str) -> dict:
    """`params` with every projection (and an untied head) quantized."""
    out = dict(params, layers=[{k: quantize(v, scheme) if k in _QUANTIZED else v for k, v in p.items()}
                               for p in params["layers"]])
    if "lm_head" in params:
        out["lm_head"] = quantize(params["lm_head"], scheme)
    return out


def dequantized_params(params: dict) -> dict:
    """Float NumPy weights equal to what the quantized program computes."""
    import jax

    def deq(w):
        return np.asarray(jax.jit(lambda: weight(w))()) if isinstance(w, dict) else w

    out = dict(params, layers=[{k: deq(v) for k, v in p.items()} for p in params["layers"]])
    if "lm_head" in params:
        out["lm_head"] = deq(params["lm_head"])
    return out


def init_cache(cfg: dict, batch: int = 1) -> tuple[np.ndarray, np.ndarray]:
    shape = (cfg["layers"], batch, cfg["kv_heads"], cfg["max_seq"], cfg["head_dim"])
    return np.zeros(shape, np.float16), np.zeros(shape, np.float16)


# -- building blocks (shared by the JAX and the NNX model) ---------------------


def rms_norm(x, w, eps):
    import jax.numpy as jnp

    return x * (1.0 / jnp.sqrt(jnp.mean(jnp.square(x), axis=-1, keepdims=True) + eps)) * w


def rope(x, positions, theta):
    """Rotate-half RoPE of x (B, T, heads, Dh) at `positions` (T,)."""
    import jax.numpy as jnp

    dh = x.shape[-1]
    inv_freq = 1.0 / (theta ** (np.arange(0, dh, 2, dtype=np.float32) / dh))
    angles = positions.astype(jnp.float32)[:, None] * inv_freq[None, :]  # (T, Dh/2)
    cos = jnp.concatenate([jnp.cos(angles)] * 2, axis=-1)[None, :, None, :]
    sin = jnp.concatenate([jnp.sin(angles)] * 2, axis=-1)[None, :, None, :]
    x1, x2 = x[..., : dh // 2], x[..., dh // 2 :]
    rotated = jnp.concatenate([-x2, x1], axis=-1)
    return x * cos + rotated * sin


def attention(q, k, v, layer, k_cache, v_cache, pos, cfg):
    """q (B, T, H, Dh), k/v (B, T, Hkv, Dh) already rotated: write k/v into
    the caches at `pos`, attend over the whole cache with the position mask.
    Returns (out (B, T, H*Dh), k_cache, v_cache)."""
    import jax
    import jax.numpy as jnp
    from jax import lax

    B, T, H, Dh = q.shape
    group = H // cfg["kv_heads"]
    zero = jnp.int32(0)
    start = (jnp.int32(layer), zero, zero, pos[0], zero)
    k_cache = lax.dynamic_update_slice(k_cache, k.transpose(0, 2, 1, 3)[None].astype(jnp.float16), start)
    v_cache = lax.dynamic_update_slice(v_cache, v.transpose(0, 2, 1, 3)[None].astype(jnp.float16), start)
    query_pos = pos[0] + jnp.arange(T, dtype=jnp.int32)
    key_pos = jnp.arange(cfg["max_seq"], dtype=jnp.int32)
    visible = key_pos[None, :] <= query_pos[:, None]  # (T, S)
    q = q.transpose(0, 2, 1, 3)  # (B, H, T, Dh); head h uses K/V head h // group
    keys, values = k_cache[layer].astype(jnp.float32), v_cache[layer].astype(jnp.float32)  # (B, Hkv, S, Dh)
    if cfg.get("gqa", "repeat") == "repeat":
        # K/V repeated for each query head of their group
        keys, values = jnp.repeat(keys, group, axis=1), jnp.repeat(values, group, axis=1)
    else:
        # the group's query heads as extra query rows of their K/V head
        # (what hlo-coreml-fold-kv-repeat makes of the repeat form)
        q = q.reshape(B, H // group, group * T, Dh)
        visible = jnp.tile(visible, (group, 1))
    scores = (q @ keys.transpose(0, 1, 3, 2)) * (1.0 / math.sqrt(Dh))
    scores = jnp.where(visible[None, None], scores, -jnp.inf)
    out = (jax.nn.softmax(scores, axis=-1) @ values).reshape(B, H, T, Dh)
    return out.transpose(0, 2, 1, 3).reshape(B, T, H * Dh), k_cache, v_cache


# -- plain JAX -------------------------------------------------------------------


def forward(params, cfg, k_cache, v_cache, tokens, pos):
    """One step over `tokens` (B, T) at position `pos` ((1,) int32): logits
    (B, T, vocab) fp32 and the updated caches."""
    import jax
    import jax.numpy as jnp

    B, T = tokens.shape
    H, Hkv, Dh, eps = cfg["heads"], cfg["kv_heads"], cfg["head_dim"], cfg["eps"]
    positions = pos[0] + jnp.arange(T, dtype=jnp.int32)
    x = jnp.asarray(params["embed"])[tokens]
    for i, p in enumerate(params["layers"]):
        h = rms_norm(x, p["attn_norm"], eps)
        q = rope((h @ weight(p["wq"])).reshape(B, T, H, Dh), positions, cfg["theta"])
        k = rope((h @ weight(p["wk"])).reshape(B, T, Hkv, Dh), positions, cfg["theta"])
        v = (h @ weight(p["wv"])).reshape(B, T, Hkv, Dh)
        y, k_cache, v_cache = attention(q, k, v, i, k_cache, v_cache, pos, cfg)
        x = x + y @ weight(p["wo"])
        h = rms_norm(x, p["mlp_norm"], eps)
        x = x + (jax.nn.silu(h @ weight(p["w_gate"])) * (h @ weight(p["w_up"]))) @ weight(p["w_down"])
    x = rms_norm(x, params["norm"], eps)
    head = params["embed"].T if cfg["tied"] else weight(params["lm_head"])
    return x @ head, k_cache, v_cache


# -- Flax NNX --------------------------------------------------------------------


def _nnx_classes():
    from flax import nnx

    class Block(nnx.Module):
        def __init__(self, cfg, rngs):
            D, F, H, Hkv, Dh = cfg["d"], cfg["ffn"], cfg["heads"], cfg["kv_heads"], cfg["head_dim"]
            lin = lambda a, b: nnx.Linear(a, b, use_bias=False, rngs=rngs)  # noqa: E731
            self.attn_norm = nnx.RMSNorm(D, epsilon=cfg["eps"], rngs=rngs)
            self.wq, self.wk, self.wv, self.wo = lin(D, H * Dh), lin(D, Hkv * Dh), lin(D, Hkv * Dh), lin(H * Dh, D)
            self.mlp_norm = nnx.RMSNorm(D, epsilon=cfg["eps"], rngs=rngs)
            self.w_gate, self.w_up, self.w_down = lin(D, F), lin(D, F), lin(F, D)

    class Llama(nnx.Module):
        def __init__(self, cfg, rngs):
            self.cfg = cfg
            self.embed = nnx.Embed(cfg["vocab"], cfg["d"], rngs=rngs)
            self.blocks = nnx.List([Block(cfg, rngs) for _ in range(cfg["layers"])]) if hasattr(nnx, "List") else [
                Block(cfg, rngs) for _ in range(cfg["layers"])
            ]
            self.norm = nnx.RMSNorm(cfg["d"], epsilon=cfg["eps"], rngs=rngs)
            if not cfg["tied"]:
                self.lm_head = nnx.Linear(cfg["d"], cfg["vocab"], use_bias=False, rngs=rngs)

        def __call__(self, k_cache, v_cache, tokens, pos):
            import jax
            import jax.numpy as jnp

            cfg = self.cfg
            B, T = tokens.shape
            H, Hkv, Dh = cfg["heads"], cfg["kv_heads"], cfg["head_dim"]
            positions = pos[0] + jnp.arange(T, dtype=jnp.int32)
            x = self.embed(tokens)
            for i, blk in enumerate(self.blocks):
                h = blk.attn_norm(x)
                q = rope(blk.wq(h).reshape(B, T, H, Dh), positions, cfg["theta"])
                k = rope(blk.wk(h).reshape(B, T, Hkv, Dh), positions, cfg["theta"])
                v = blk.wv(h).reshape(B, T, Hkv, Dh)
                y, k_cache, v_cache = attention(q, k, v, i, k_cache, v_cache, pos, cfg)
                x = x + blk.wo(y)
                h = blk.mlp_norm(x)
                x = x + blk.w_down(jax.nn.silu(blk.w_gate(h)) * blk.w_up(h))
            x = self.norm(x)
            logits = self.embed.attend(x) if cfg["tied"] else self.lm_head(x)
            return logits, k_cache, v_cache

    return Llama


def nnx_model(cfg: dict, params: dict):
    """The Flax NNX Llama with `params` (init_params) loaded into it."""
    import jax.numpy as jnp
    from flax import nnx

    model = _nnx_classes()(cfg, nnx.Rngs(0))
    model.embed.embedding.value = jnp.asarray(params["embed"])
    model.norm.scale.value = jnp.asarray(params["norm"])
    if not cfg["tied"]:
        model.lm_head.kernel.value = jnp.asarray(params["lm_head"])
    for blk, p in zip(model.blocks, params["layers"]):
        blk.attn_norm.scale.value = jnp.asarray(p["attn_norm"])
        blk.mlp_norm.scale.value = jnp.asarray(p["mlp_norm"])
        for name in ("wq", "wk", "wv", "wo", "w_gate", "w_up", "w_down"):
            getattr(blk, name).kernel.value = jnp.asarray(p[name])
    return model


# -- the model as the zoo and the tests use it ------------------------------------


@dataclasses.dataclass
class LLM:
    """A built decoder: `step(k_cache, v_cache, tokens, pos)` with the
    weights closed over, and example arguments for prefill and decode."""

    cfg: dict
    params: dict
    step: object
    framework: str

    def prefill_args(self, tokens=None):
        k, v = init_cache(self.cfg)
        if tokens is None:
            tokens = np.arange(self.cfg["prompt"], dtype=np.int32)[None] % self.cfg["vocab"]
        return k, v, np.asarray(tokens, np.int32), np.array([0], np.int32)

    def decode_args(self, token=0, pos=0):
        k, v = init_cache(self.cfg)
        return k, v, np.array([[token]], np.int32), np.array([pos], np.int32)

    def generate(self, prompt, steps: int) -> list[int]:
        """Greedy decoding in JAX (the reference): prefill the prompt padded
        to cfg['prompt'] tokens, then `steps - 1` decode steps."""
        import jax

        step = jax.jit(self.step)
        n = len(prompt)
        padded = np.zeros((1, self.cfg["prompt"]), np.int32)
        padded[0, :n] = prompt
        k, v = init_cache(self.cfg)
        logits, k, v = step(k, v, padded, np.array([0], np.int32))
        out = [int(np.argmax(logits[0, n - 1]))]
        for i in range(steps - 1):
            logits, k, v = step(k, v, np.array([[out[-1]]], np.int32), np.array([n + i], np.int32))
            out.append(int(np.argmax(logits[0, -1])))
        return out


def build_llm(size: str = "small", seed: int = 0, framework: str = "jax", quant: str | None = None, **over) -> LLM:
    """The decoder at `size`; `quant` ("int8", "int4-block32"; plain JAX
    only) stores the projections as integers dequantized in the program."""
    cfg = config(size, **over)
    params = init_params(cfg, seed)
    if quant is not None:
        if framework != "jax":
            raise ValueError("quantized weights are in the plain JAX model only")
        params = quantize_params(params, quant)
        cfg["quant"] = quant
    if framework == "jax":

        def step(k_cache, v_cache, tokens, pos):
            return forward(params, cfg, k_cache, v_cache, tokens, pos)

    elif framework == "nnx":
        model = nnx_model(cfg, params)

        def step(k_cache, v_cache, tokens, pos):
            return model(k_cache, v_cache, tokens, pos)

    else:
        raise ValueError(f"framework must be 'jax' or 'nnx', got {framework!r}")
    return LLM(cfg, params, step, framework)


def llama(size="full", seed=0, **over):
    """Zoo entry (plain JAX): the prefill step over cfg['prompt'] tokens."""
    llm = build_llm(size, seed, "jax", **over)
    return llm.step, llm.prefill_args(), llm.cfg


def llama_nnx(size="full", seed=0, **over):
    """Zoo entry (Flax NNX): the prefill step over cfg['prompt'] tokens."""
    llm = build_llm(size, seed, "nnx", **over)
    return llm.step, llm.prefill_args(), llm.cfg
