"""The zoo's registry: names, builders, and the StableHLO export cache."""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEFAULT_CACHE = os.path.join(REPO, ".bench-cache")

# name -> (module, builder, framework, description)
_ENTRIES = {
    "mlp": ("jax_models", "mlp", "JAX", "MLP 784-1024x3-10, GELU, log-softmax, batch 32"),
    "resnet18_32": ("flax_models", "resnet18", "Flax", "ResNet-18 (CIFAR stem), 32x32 input"),
    "resnet18_224": ("flax_models", "resnet18_224", "Flax", "ResNet-18 (ImageNet stem + max-pool), 224x224"),
    "mobilenet_v2": ("flax_models", "mobilenet_v2", "Flax", "MobileNetV2 inverted-residual stack, 224x224"),
    "vit_tiny": ("eqx_models", "vit_tiny", "Equinox", "ViT-Tiny/16 (d=192, 12 layers, 3 heads), 224x224"),
    "gpt2": ("jax_models", "gpt2", "JAX", "GPT-2-small decoder (12 layers, d=768, seq 128, vocab 50257)"),
    "bert": ("flax_models", "bert", "Flax", "BERT-base encoder (12 layers, d=768, seq 128, padding mask)"),
    "gru": ("jax_models", "gru", "JAX", "GRU, lax.scan over 128 steps (hidden 256)"),
    "unet": ("flax_models", "unet", "Flax", "U-Net (depth 3, transposed convs, GroupNorm), 128x128"),
    "fno": ("jax_models", "fno", "JAX", "FNO-2d, 4 spectral layers (rfft2/irfft2, 12 modes), 64x64"),
    "whisper_encoder": ("eqx_models", "whisper_encoder", "Equinox", "Whisper-tiny audio encoder (conv1d x2 + 4 blocks), 80x3000 mel"),
    "llama": ("llama", "llama", "JAX", "Llama decoder, TinyLlama 1.1B shape (22 layers, d=2048, GQA 32/4, SwiGLU 5632, vocab 32000), KV-cache prefill of 128 tokens"),
    "llama_nnx": ("llama", "llama_nnx", "Flax NNX", "the same Llama decoder in Flax NNX"),
}

MODELS = {name: entry[3] for name, entry in _ENTRIES.items()}


def names() -> list[str]:
    return list(_ENTRIES)


@dataclasses.dataclass
class ZooModel:
    name: str
    size: str
    fn: object  # JAX callable, weights closed over
    args: tuple  # example inputs (NumPy)
    config: dict
    framework: str
    overrides: dict = dataclasses.field(default_factory=dict)

    @property
    def key(self) -> str:
        extra = "".join(f"-{k}{v}" for k, v in sorted(self.overrides.items()))
        return f"{self.name}-{self.size}{extra}"


def build(name: str, size: str = "full", seed: int = 0, **overrides) -> ZooModel:
    """Build zoo model `name` at `size` ("small" or "full"); `overrides`
    change configuration entries (e.g. ``layers=4`` for gpt2)."""
    module, builder, framework, _ = _ENTRIES[name]
    mod = importlib.import_module(f"{__package__}.{module}")
    fn, args, cfg = getattr(mod, builder)(size, seed, **overrides)
    return ZooModel(name, size, fn, tuple(args), cfg, framework, dict(overrides))


def export_model(model: ZooModel):
    """`jax.export` the model for its example inputs' shapes (on CPU)."""
    import jax

    specs = [jax.ShapeDtypeStruct(np.shape(a), np.asarray(a).dtype) for a in model.args]
    return jax.export.export(jax.jit(model.fn), platforms=["cpu"])(*specs)


def _source_digest() -> str:
    h = hashlib.sha256()
    for f in sorted(os.listdir(HERE)):
        if f.endswith(".py"):
            with open(os.path.join(HERE, f), "rb") as fh:
                h.update(fh.read())
    return h.hexdigest()[:12]


def export_cached(name: str, size: str = "full", cache_dir: str | None = None, **overrides) -> tuple[str, str]:
    """Export zoo model `name` once and cache it. Returns (path of the
    serialized jax.export artifact, path of an .npz with its example inputs
    ``arg0, arg1, ...``). The cache key includes a digest of the zoo's
    source, so editing a model re-exports it."""
    cache_dir = cache_dir or DEFAULT_CACHE
    os.makedirs(cache_dir, exist_ok=True)
    extra = "".join(f"-{k}{v}" for k, v in sorted(overrides.items()))
    stem = os.path.join(cache_dir, f"{name}-{size}{extra}-{_source_digest()}")
    art, npz, meta = stem + ".jaxexport", stem + ".npz", stem + ".json"
    if not (os.path.exists(art) and os.path.exists(npz) and os.path.exists(meta)):
        model = build(name, size, **overrides)
        exported = export_model(model)
        blob = exported.serialize()
        for path, writer in (
            (npz, lambda p: np.savez(p, **{f"arg{i}": np.asarray(a) for i, a in enumerate(model.args)})),
            (meta, lambda p: open(p, "w").write(json.dumps({"config": _jsonable(model.config), "framework": model.framework}))),
            (art, lambda p: open(p, "wb").write(blob)),
        ):
            tmp = path + ".tmp" + (".npz" if path.endswith(".npz") else "")
            writer(tmp)
            os.replace(tmp, path)
    return art, npz


def _jsonable(cfg):
    return json.loads(json.dumps(cfg, default=str))


def load_inputs(npz_path: str) -> list[np.ndarray]:
    with np.load(npz_path) as z:
        return [z[f"arg{i}"] for i in range(len(z.files))]
