"""hlo-coreml-raise-fused-ops end to end: every fused op against JAX through
the reference interpreter, with raising on and off, and the MIL op counts
it saves on small transformer blocks."""

from __future__ import annotations

import functools

import numpy as np
import pytest

jax = pytest.importorskip("jax")
import jax.numpy as jnp  # noqa: E402

from helpers import check_against_jax, mil_op_types  # noqa: E402

import hlo_coreml  # noqa: E402

RNG = np.random.default_rng(0)
X = RNG.normal(0.3, 1.5, (2, 5, 16)).astype(np.float32)


@pytest.fixture(params=[True, False], ids=["raised", "primitive"])
def raising(request, monkeypatch):
    """Compile with hlo-coreml-raise-fused-ops on and off."""
    monkeypatch.setattr(hlo_coreml, "compile", functools.partial(hlo_coreml.compile, raise_fused_ops=request.param))
    return request.param


def _flax():
    return pytest.importorskip("flax.linen")


def _fused_ops(model) -> set[str]:
    return set(mil_op_types(model))


def _l2(a):
    return a / jnp.linalg.norm(a, axis=-1, keepdims=True)


def _swiglu(a):
    return jax.nn.silu(a) * a[..., ::-1]


def _glu(a):
    return a * jax.nn.sigmoid(a[..., ::-1])


ELEMENTWISE = {
    "softmax": (jax.nn.softmax, "softmax"),
    "softmax_axis1": (functools.partial(jax.nn.softmax, axis=1), "softmax"),
    "log_softmax": (jax.nn.log_softmax, "reduce_log_sum_exp"),
    "gelu_tanh": (functools.partial(jax.nn.gelu, approximate=True), "gelu"),
    "gelu_erf": (functools.partial(jax.nn.gelu, approximate=False), "gelu"),
    "silu": (jax.nn.silu, "silu"),
    "sigmoid": (jax.nn.sigmoid, "sigmoid"),
    "glu": (_glu, "sigmoid"),
    "swiglu": (_swiglu, "silu"),
    "l2_norm": (_l2, "reduce_sum_square"),
}


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_fused_numerics(name, raising):
    fn, mil_op = ELEMENTWISE[name]
    model = check_against_jax(fn, X)
    assert (mil_op in _fused_ops(model)) == raising


def test_flax_layer_norm(raising):
    nn = _flax()
    m = nn.LayerNorm()
    params = m.init(jax.random.PRNGKey(0), X)
    params = jax.tree_util.tree_map(lambda p: p + RNG.normal(0, 0.5, p.shape).astype(p.dtype), params)
    model = check_against_jax(lambda a: m.apply(params, a), X, rtol=1e-4, atol=1e-5)
    assert ("layer_norm" in _fused_ops(model)) == raising


def test_layer_norm_two_axes(raising):
    def ln(a):
        mean = a.mean(axis=(1, 2), keepdims=True)
        var = ((a - mean) ** 2).mean(axis=(1, 2), keepdims=True)
        return (a - mean) * jax.lax.rsqrt(var + 1e-5)

    model = check_against_jax(ln, X, rtol=1e-4, atol=1e-5)
    assert ("layer_norm" in _fused_ops(model)) == raising


def test_flax_rms_norm(raising):
    nn = _flax()
    m = nn.RMSNorm()
    params = m.init(jax.random.PRNGKey(0), X)
    params = jax.tree_util.tree_map(lambda p: p + RNG.normal(0, 0.5, p.shape).astype(p.dtype), params)
    model = check_against_jax(lambda a: m.apply(params, a), X, rtol=1e-4, atol=1e-5)
    assert ("reduce_sum_square" in _fused_ops(model)) == raising


def test_equinox_layer_norm(raising):
    eqx = pytest.importorskip("equinox")
    ln = eqx.nn.LayerNorm(16)
    model = check_against_jax(jax.vmap(jax.vmap(ln)), X, rtol=1e-4, atol=1e-5)
    assert ("layer_norm" in _fused_ops(model)) == raising


@pytest.mark.parametrize("causal", [False, True], ids=["plain", "causal"])
@pytest.mark.parametrize("target", ["iOS17", "iOS18"])
def test_flax_attention(causal, target, raising):
    nn = _flax()
    m = nn.MultiHeadDotProductAttention(num_heads=2, qkv_features=16)
    params = m.init(jax.random.PRNGKey(0), X)
    mask = nn.make_causal_mask(np.zeros(X.shape[:2])) if causal else None
    model = check_against_jax(lambda a: m.apply(params, a, mask=mask), X, target=target, rtol=1e-4, atol=1e-5)
    ops = _fused_ops(model)
    assert ("scaled_dot_product_attention" in ops) == (raising and target == "iOS18")
    assert ("softmax" in ops) == (raising and target == "iOS17")


def test_equinox_attention(raising):
    eqx = pytest.importorskip("equinox")
    mha = eqx.nn.MultiheadAttention(num_heads=2, query_size=16, key=jax.random.PRNGKey(1))
    fn = jax.vmap(lambda a: mha(a, a, a))
    model = check_against_jax(fn, X, target="iOS18", rtol=1e-4, atol=1e-5)
    assert ("scaled_dot_product_attention" in _fused_ops(model)) == raising


def test_fp16_constants_match_the_tensor_dtype():
    """An fp16 program: epsilon, gamma and beta are fp16 consts."""
    nn = _flax()
    m = nn.LayerNorm()
    x16 = X.astype(np.float16)
    params = m.init(jax.random.PRNGKey(0), X)
    params = jax.tree_util.tree_map(lambda p: (p + 0.5).astype(np.float16), params)
    check_against_jax(lambda a: jax.nn.gelu(m.apply(params, a)), x16, precision="fp16", rtol=2e-2, atol=2e-2)


# -- op counts ----------------------------------------------------------------------


def _block(dim=16, heads=2, causal=True):
    nn = _flax()

    class Block(nn.Module):
        @nn.compact
        def __call__(self, x):
            h = nn.LayerNorm()(x)
            mask = nn.make_causal_mask(jnp.zeros(x.shape[:2])) if causal else None
            x = x + nn.MultiHeadDotProductAttention(num_heads=heads)(h, mask=mask)
            h = nn.LayerNorm()(x)
            h = nn.Dense(4 * dim)(h)
            h = nn.gelu(h)
            return x + nn.Dense(dim)(h)

    block = Block()
    params = block.init(jax.random.PRNGKey(0), X)
    return lambda a: block.apply(params, a)


@pytest.mark.parametrize("target", ["iOS17", "iOS18"])
def test_transformer_block_op_count(target):
    fn = _block()
    on = hlo_coreml.compile(fn, X, minimum_deployment_target=target, compute_precision="fp32")
    off = hlo_coreml.compile(fn, X, minimum_deployment_target=target, compute_precision="fp32", raise_fused_ops=False)
    n_on, n_off = len(mil_op_types(on)), len(mil_op_types(off))
    assert n_on < n_off, (n_on, n_off)
    ops = set(mil_op_types(on))
    assert {"layer_norm", "gelu"} <= ops
    assert ("scaled_dot_product_attention" if target == "iOS18" else "softmax") in ops


def test_cli_flag(tmp_path):
    from hlo_coreml.cli import build_parser

    args = build_parser().parse_args(["compile", "m.mlir", "-o", str(tmp_path / "m.mlpackage"), "--no-raise-fused-ops"])
    assert args.no_raise_fused_ops


def test_jax_composite_is_honoured():
    """A `jax.lax.composite` named coreml.softmax becomes MIL softmax even
    with raising off."""
    softmax = jax.lax.composite(lambda a, axis: jax.nn.softmax(a, axis=axis), name="coreml.softmax")
    fn = lambda a: softmax(a, axis=-1) * 2.0  # noqa: E731
    on = check_against_jax(fn, X)
    assert "softmax" in _fused_ops(on)
    off = hlo_coreml.compile(fn, X, compute_precision="fp32", raise_fused_ops=False)
    assert "softmax" in _fused_ops(off)
