"""Compressed weights at conversion (`weight_compression=`), on the tiny
Llama's prefill/decode package: the package stores the small integers
(size within 10 % of the compressed weight bytes plus the program), the
interpreter evaluates every constexpr_* op as coremltools defines it, and
the logits equal JAX's for the model with the *dequantized* weights."""

from __future__ import annotations

import os
import sys

import jax
import numpy as np
import pytest

pytest.importorskip("flax")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

import hlo_coreml  # noqa: E402
import hlo_coreml.interpreter as interp  # noqa: E402
from hlo_coreml.interpreter.core import OP_TABLE, Env  # noqa: E402
from examples.zoo.llama import build_llm, forward, init_cache  # noqa: E402

STATES = {"k_cache": "new_k_cache", "v_cache": "new_v_cache"}
THRESHOLD = 2048  # ct.optimize.coreml's default weight_threshold
# bits per stored element and bytes of scale per block, per scheme (fp32 program)
SCHEMES = {
    "int8": dict(bits=8, per_scale=lambda shape: shape[0] * 4),
    "int4-block32": dict(bits=4, per_scale=lambda shape: shape[0] * (shape[1] // 32) * 4),
    "palettize4-uniform": dict(bits=4, per_scale=lambda shape: 16 * 4),
}


@pytest.fixture(scope="module")
def llm():
    return build_llm("small", 0, "jax")


def _package(llm, path, scheme):
    hlo_coreml.compile_multifunction(
        {"prefill": (llm.step, llm.prefill_args()), "decode": (llm.step, llm.decode_args())},
        states=STATES,
        outputs=["logits", "new_k_cache", "new_v_cache"],
        compute_precision="fp32",
        weight_compression=scheme,
        output_path=path,
    )


def _dequantized(program, function):
    """{op name: (our value, coremltools' materialized value)} of every
    constexpr op of `function`."""
    env = Env(interp.Interpreter(program, function))
    out = {}
    for op in program.functions[function].operations:
        if op.op_type.startswith("constexpr_"):
            out[op.name] = (np.asarray(OP_TABLE[op.op_type](op, env)), np.asarray(op.materialized_val_inference()))
    return out


def _params_with(params, values):
    """`params` with each weight matrix replaced by the dequantized value
    closest to it (Core ML stores linear weights transposed)."""
    used = set()

    def swap(leaf):
        leaf = np.asarray(leaf)
        if leaf.size <= THRESHOLD:
            return leaf
        best = None
        for name, v in values.items():
            for cand in (v, v.T):
                if cand.shape == leaf.shape and name not in used:
                    err = np.abs(cand - leaf).max()
                    if best is None or err < best[0]:
                        best = (err, name, cand)
        assert best is not None, f"no compressed weight of shape {leaf.shape}"
        used.add(best[1])
        return best[2].astype(np.float32)

    swapped = jax.tree_util.tree_map(swap, params)
    assert used == set(values), "a compressed constant matched no weight"
    return swapped


@pytest.mark.parametrize("scheme", list(SCHEMES))
def test_compressed_package(llm, scheme, tmp_path):
    path = str(tmp_path / "llm.mlpackage")
    _package(llm, path, scheme)
    program = interp.load_program(path)
    values = {}
    for function in ("prefill", "decode"):
        for name, (ours, reference) in _dequantized(program, function).items():
            np.testing.assert_array_equal(ours, reference)
            values[name] = ours
    # compressed: wq, wo, w_gate, w_up, w_down of each layer, embed, lm_head
    # (wk, wv have 2048 elements, not more than the threshold)
    # size: the compressed weights once (both functions share them), the
    # uncompressed small ones, and the program
    leaves = [np.asarray(a) for a in jax.tree_util.tree_leaves(llm.params)]
    big = [a for a in leaves if a.size > THRESHOLD]
    s = SCHEMES[scheme]
    # Core ML stores a linear weight as (out, in), the embedding as it is
    embed = np.asarray(llm.params["embed"])
    compressed = sum(a.size * s["bits"] // 8 + s["per_scale"](a.shape if a is embed or np.shares_memory(a, embed) else a.T.shape)
                     for a in big)
    small = sum(a.nbytes for a in leaves if a.size <= THRESHOLD)
    program_bytes = os.path.getsize(os.path.join(path, "Data", "com.apple.CoreML", "model.mlmodel"))
    expected = compressed + small + program_bytes
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)
    assert abs(total - expected) <= 0.1 * expected, (total, expected)
    # inspect's account of them: every compressed weight, its stored bytes
    from hlo_coreml.inspect_model import inspect

    cw = inspect(path, "decode").compressed_weights
    assert cw["ops"] == len(big) and cw["weights"] == sum(a.size for a in big)
    assert cw["stored_bytes"] == compressed
    # logits: the package against JAX running the dequantized weights
    params = _params_with(llm.params, values)
    step = jax.jit(lambda k, v, t, p: forward(params, llm.cfg, k, v, t, p))
    state = hlo_coreml.make_state(path)
    k, v = init_cache(llm.cfg)
    prompt = np.array([[5, 100, 7, 9, 200, 3, 4, 8]], np.int32)
    feeds = [("prefill", prompt, 0), ("decode", np.array([[17]], np.int32), 8), ("decode", np.array([[3]], np.int32), 9)]
    for function, tokens, pos in feeds:
        pos = np.array([pos], np.int32)
        out = hlo_coreml.run(path, {"tokens": tokens, "pos": pos}, function_name=function, state=state)
        expected_logits, k, v = step(k, v, tokens, pos)
        # fp32 compute, but K/V pass through the fp16 cache: an fp32
        # difference of 1e-7 can flip an fp16 rounding (1 ulp = 2^-11
        # relative), which moves the logits by up to ~2e-4 (seen: int8 1.4e-4)
        np.testing.assert_allclose(out["logits"], np.asarray(expected_logits), rtol=1e-4, atol=5e-4)


def test_compression_errors(llm):
    with pytest.raises(hlo_coreml.CompileError, match="unknown weight_compression 'int3'"):
        hlo_coreml.compile(lambda x: x * 2, np.ones(3, np.float32), weight_compression="int3")
    with pytest.raises(hlo_coreml.CompileError, match="int4-block32.*iOS18"):
        hlo_coreml.compile(lambda x: x * 2, np.ones(3, np.float32), weight_compression="int4-block32")


# -- weights quantized in JAX (hlo-coreml-fold-dequantize) ---------------------


@pytest.mark.parametrize("quant", ["int8", "int4-block32"])
def test_jax_quantized_llm(quant, tmp_path):
    # The decoder's projections and head stored as int8 per channel / int4
    # in blocks of 32 and dequantized in the program (q.astype(f32) * scale):
    # the package keeps the integers (constexpr_blockwise_shift_scale), its
    # size is the integer bytes + fp32 scales + the float weights + program
    # (within 10 %), and its logits are JAX's for the same program.
    from examples.zoo.llama import _QUANTIZED

    qllm = build_llm("small", 0, "jax", quant=quant)
    path = str(tmp_path / "q.mlpackage")
    hlo_coreml.compile_multifunction(
        {"prefill": (qllm.step, qllm.prefill_args()), "decode": (qllm.step, qllm.decode_args())},
        states=STATES,
        outputs=["logits", "new_k_cache", "new_v_cache"],
        compute_precision="fp32",
        output_path=path,
    )
    program = interp.load_program(path)
    n_quantized = len(_QUANTIZED) * qllm.cfg["layers"] + 1
    for function in ("prefill", "decode"):
        ops = [op.op_type for op in program.functions[function].operations]
        assert ops.count("constexpr_blockwise_shift_scale") == n_quantized
    bits = 8 if quant == "int8" else 4
    quantized = [p[k] for p in qllm.params["layers"] for k in _QUANTIZED] + [qllm.params["lm_head"]]
    expected = sum(w["q"].size * bits // 8 + w["scale"].nbytes for w in quantized)
    expected += qllm.params["embed"].nbytes + sum(p[k].nbytes for p in qllm.params["layers"] for k in ("attn_norm", "mlp_norm"))
    expected += qllm.params["norm"].nbytes
    expected += os.path.getsize(os.path.join(path, "Data", "com.apple.CoreML", "model.mlmodel"))
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)
    assert abs(total - expected) <= 0.1 * expected, (total, expected)
    step = jax.jit(qllm.step)
    state = hlo_coreml.make_state(path)
    k, v = init_cache(qllm.cfg)
    prompt = np.array([[5, 100, 7, 9, 200, 3, 4, 8]], np.int32)
    for function, tokens, pos in (("prefill", prompt, 0), ("decode", np.array([[17]], np.int32), 8)):
        pos = np.array([pos], np.int32)
        out = hlo_coreml.run(path, {"tokens": tokens, "pos": pos}, function_name=function, state=state)
        expected_logits, k, v = step(k, v, tokens, pos)
        np.testing.assert_allclose(out["logits"], np.asarray(expected_logits), rtol=1e-4, atol=5e-4)


@pytest.mark.parametrize("target, op_type", [("iOS17", "constexpr_affine_dequantize"), ("iOS15", None)])
def test_jax_int8_below_ios18(target, op_type, tmp_path):
    # int8 per channel below iOS18: constexpr_affine_dequantize (iOS16+), or
    # the float constant on iOS15; the values are JAX's either way.
    import jax.numpy as jnp

    from examples.zoo.llama import quantize

    rng = np.random.default_rng(1)
    w = quantize(rng.standard_normal((96, 80)).astype(np.float32), "int8")
    x = rng.standard_normal((2, 96)).astype(np.float32)

    def f(x):
        return x @ (jnp.asarray(w["q"]).astype(jnp.float32) * w["scale"])

    path = str(tmp_path / "m.mlpackage")
    hlo_coreml.compile(f, x, minimum_deployment_target=target, compute_precision="fp32", output_path=path)
    ops = [op.op_type for op in interp.load_program(path).functions["main"].operations]
    if op_type:
        assert ops.count(op_type) == 1
    else:
        assert not any(t.startswith("constexpr") for t in ops)
    np.testing.assert_allclose(hlo_coreml.run(path, {"x": x})["result"], np.asarray(jax.jit(f)(x)), rtol=1e-5, atol=1e-5)
