"""Zoo models in Flax (linen): ResNet-18, MobileNetV2, BERT encoder, U-Net.

Parameters come from `Module.init` with a fixed PRNG key; BatchNorm runs in
inference mode (running statistics, which are randomized so the folded
affine transform is not the identity).
"""

from __future__ import annotations

import functools

import numpy as np


def _init_variables(module, seed, *args, **apply_kw):
    """Seeded variables for `module` without running Flax's initializers
    (`init` is traced only for shapes, then every leaf is drawn from NumPy:
    kernels ~ N(0, 1/fan_in), biases and embeddings small, norm scales ~1,
    BatchNorm running mean ~ N(0, 0.1) and var ~ U(0.5, 1.5))."""
    import jax

    shapes = jax.eval_shape(functools.partial(module.init, **apply_kw), jax.random.PRNGKey(seed), *args)
    rng = np.random.default_rng(seed + 1)

    def draw(path, leaf):
        names = [str(getattr(k, "key", "")) for k in path]
        shape, last = leaf.shape, names[-1]
        if "batch_stats" in names and last == "mean":
            v = rng.normal(0, 0.1, shape)
        elif "batch_stats" in names and last == "var":
            v = rng.uniform(0.5, 1.5, shape)
        elif last == "kernel":
            fan_in = int(np.prod(shape[:-1])) or 1
            v = rng.normal(0, 1 / np.sqrt(fan_in), shape)
        elif last == "scale":
            v = 1 + rng.normal(0, 0.05, shape)
        elif last == "embedding":
            v = rng.normal(0, 0.02 if shape[0] > 16 else 0.1, shape)
        else:  # biases
            v = rng.normal(0, 0.02, shape)
        return v.astype(np.float32)

    return jax.tree_util.tree_map_with_path(draw, shapes)


def _bind(module, x, seed, **apply_kw):
    """`fn(x)` applying `module` with its seeded variables closed over."""
    variables = _init_variables(module, seed, x, **apply_kw)

    def fn(*inputs):
        return module.apply(variables, *inputs, **apply_kw)

    return fn


# -- ResNet-18 -----------------------------------------------------------------

RESNET_SIZES = {
    "small": dict(batch=1, image=32, width=8, classes=10),
    "full": dict(batch=1, image=32, width=64, classes=10),
    "small-224": dict(batch=1, image=64, width=8, classes=10),
    "full-224": dict(batch=1, image=224, width=64, classes=1000),
}


def _resnet_modules():
    import flax.linen as nn

    class Block(nn.Module):
        features: int
        stride: int

        @nn.compact
        def __call__(self, x):
            bn = lambda: nn.BatchNorm(use_running_average=True)  # noqa: E731
            y = nn.Conv(self.features, (3, 3), (self.stride, self.stride), padding=1, use_bias=False)(x)
            y = nn.relu(bn()(y))
            y = nn.Conv(self.features, (3, 3), padding=1, use_bias=False)(y)
            y = bn()(y)
            if self.stride != 1 or x.shape[-1] != self.features:
                x = nn.Conv(self.features, (1, 1), (self.stride, self.stride), use_bias=False)(x)
                x = bn()(x)
            return nn.relu(x + y)

    class ResNet18(nn.Module):
        width: int
        classes: int
        imagenet_stem: bool

        @nn.compact
        def __call__(self, x):
            if self.imagenet_stem:
                x = nn.Conv(self.width, (7, 7), (2, 2), padding=3, use_bias=False)(x)
                x = nn.relu(nn.BatchNorm(use_running_average=True)(x))
                x = nn.max_pool(x, (3, 3), (2, 2), padding=((1, 1), (1, 1)))
            else:
                x = nn.Conv(self.width, (3, 3), padding=1, use_bias=False)(x)
                x = nn.relu(nn.BatchNorm(use_running_average=True)(x))
            for stage, mult in enumerate((1, 2, 4, 8)):
                for i in range(2):
                    x = Block(self.width * mult, 2 if (stage > 0 and i == 0) else 1)(x)
            x = x.mean(axis=(1, 2))
            return nn.Dense(self.classes)(x)

    return ResNet18


def resnet18(size="full", seed=0, **over):
    cfg = {**RESNET_SIZES[size], **over}
    ResNet18 = _resnet_modules()
    imagenet = cfg["image"] >= 64
    module = ResNet18(cfg["width"], cfg["classes"], imagenet)
    x = np.random.default_rng(seed).standard_normal((cfg["batch"], cfg["image"], cfg["image"], 3), dtype=np.float32)
    return _bind(module, x, seed), (x,), cfg


def resnet18_224(size="full", seed=0, **over):
    return resnet18(size + "-224", seed, **over)


# -- MobileNetV2 ---------------------------------------------------------------

MOBILENET_SIZES = {
    "small": dict(batch=1, image=32, alpha=0.25, stages=((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 2, 2)), last=64, classes=10),
    "full": dict(
        batch=1, image=224, alpha=1.0,
        stages=((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)),
        last=1280, classes=1000,
    ),
}


def mobilenet_v2(size="full", seed=0, **over):
    """MobileNetV2: inverted residual blocks (1x1 expand, 3x3 depthwise,
    1x1 linear projection, residual when shapes match), ReLU6."""
    import flax.linen as nn

    cfg = {**MOBILENET_SIZES[size], **over}

    def ch(c):
        return max(8, int(c * cfg["alpha"] + 4) // 8 * 8)

    class Inverted(nn.Module):
        expand: int
        out: int
        stride: int

        @nn.compact
        def __call__(self, x):
            bn = lambda: nn.BatchNorm(use_running_average=True)  # noqa: E731
            cin = x.shape[-1]
            y = x
            if self.expand != 1:
                y = nn.relu6(bn()(nn.Conv(cin * self.expand, (1, 1), use_bias=False)(y)))
            hidden = y.shape[-1]
            y = nn.Conv(hidden, (3, 3), (self.stride, self.stride), padding=1, feature_group_count=hidden, use_bias=False)(y)
            y = nn.relu6(bn()(y))
            y = bn()(nn.Conv(self.out, (1, 1), use_bias=False)(y))
            return x + y if (self.stride == 1 and cin == self.out) else y

    class MobileNetV2(nn.Module):
        @nn.compact
        def __call__(self, x):
            x = nn.relu6(nn.BatchNorm(use_running_average=True)(nn.Conv(ch(32), (3, 3), (2, 2), padding=1, use_bias=False)(x)))
            for t, c, n, s in cfg["stages"]:
                for i in range(n):
                    x = Inverted(t, ch(c), s if i == 0 else 1)(x)
            x = nn.relu6(nn.BatchNorm(use_running_average=True)(nn.Conv(cfg["last"], (1, 1), use_bias=False)(x)))
            return nn.Dense(cfg["classes"])(x.mean(axis=(1, 2)))

    x = np.random.default_rng(seed).standard_normal((cfg["batch"], cfg["image"], cfg["image"], 3), dtype=np.float32)
    return _bind(MobileNetV2(), x, seed), (x,), cfg


# -- BERT-base-sized encoder ----------------------------------------------------

BERT_SIZES = {
    "small": dict(vocab=128, seq=16, d=32, heads=2, layers=2, ff=64),
    "full": dict(vocab=30522, seq=128, d=768, heads=12, layers=12, ff=3072),
}


def bert(size="full", seed=0, **over):
    """BERT encoder: word + position + segment embeddings, post-LN blocks
    with padding-masked attention (flax MultiHeadDotProductAttention),
    exact GELU; returns the sequence output and the tanh pooler."""
    import flax.linen as nn
    import jax.numpy as jnp

    cfg = {**BERT_SIZES[size], **over}

    class Layer(nn.Module):
        @nn.compact
        def __call__(self, x, mask):
            a = nn.MultiHeadDotProductAttention(num_heads=cfg["heads"])(x, x, mask=mask)
            x = nn.LayerNorm(epsilon=1e-12)(x + a)
            h = nn.gelu(nn.Dense(cfg["ff"])(x), approximate=False)
            return nn.LayerNorm(epsilon=1e-12)(x + nn.Dense(cfg["d"])(h))

    class Bert(nn.Module):
        @nn.compact
        def __call__(self, input_ids, attention_mask):
            T = input_ids.shape[1]
            x = nn.Embed(cfg["vocab"], cfg["d"])(input_ids)
            x = x + nn.Embed(512, cfg["d"])(jnp.arange(T)[None])
            x = x + nn.Embed(2, cfg["d"])(jnp.zeros_like(input_ids))
            x = nn.LayerNorm(epsilon=1e-12)(x)
            mask = nn.make_attention_mask(attention_mask > 0, attention_mask > 0)
            for _ in range(cfg["layers"]):
                x = Layer()(x, mask)
            pooled = jnp.tanh(nn.Dense(cfg["d"])(x[:, 0]))
            return x, pooled

    rng = np.random.default_rng(seed)
    ids = rng.integers(0, cfg["vocab"], size=(1, cfg["seq"]), dtype=np.int32)
    mask = np.ones((1, cfg["seq"]), np.int32)
    mask[:, cfg["seq"] * 3 // 4:] = 0  # padded tail
    module = Bert()
    variables = _init_variables(module, seed, ids, mask)

    def fn(input_ids, attention_mask):
        return module.apply(variables, input_ids, attention_mask)

    return fn, (ids, mask), cfg


# -- U-Net with transposed convolutions ------------------------------------------

UNET_SIZES = {
    "small": dict(batch=1, image=32, base=4, depth=2, out=2),
    "full": dict(batch=1, image=128, base=32, depth=3, out=2),
}


def unet(size="full", seed=0, **over):
    """U-Net: double 3x3 conv blocks, 2x2 max-pool down, 2x2 stride-2
    transposed convolutions up, skip concatenations, 1x1 head."""
    import flax.linen as nn
    import jax.numpy as jnp

    cfg = {**UNET_SIZES[size], **over}

    class Double(nn.Module):
        features: int

        @nn.compact
        def __call__(self, x):
            for _ in range(2):
                x = nn.relu(nn.GroupNorm(num_groups=min(4, self.features))(nn.Conv(self.features, (3, 3), padding=1)(x)))
            return x

    class UNet(nn.Module):
        @nn.compact
        def __call__(self, x):
            skips = []
            f = cfg["base"]
            for i in range(cfg["depth"]):
                x = Double(f * 2**i)(x)
                skips.append(x)
                x = nn.max_pool(x, (2, 2), (2, 2))
            x = Double(f * 2 ** cfg["depth"])(x)
            for i in reversed(range(cfg["depth"])):
                x = nn.ConvTranspose(f * 2**i, (2, 2), strides=(2, 2))(x)
                x = Double(f * 2**i)(jnp.concatenate([x, skips[i]], axis=-1))
            return nn.Conv(cfg["out"], (1, 1))(x)

    x = np.random.default_rng(seed).standard_normal((cfg["batch"], cfg["image"], cfg["image"], 3), dtype=np.float32)
    return _bind(UNet(), x, seed), (x,), cfg
