"""On-device LLM: the zoo's tiny Llama decoder as one iOS18 package with
two functions (prefill, decode) sharing weights and KV-cache states,
checked like an app uses it: greedy decoding through the interpreter with
the state carried between calls, against the same model in JAX."""

from __future__ import annotations

import os
import subprocess
import sys

import coremltools as ct
import jax
import numpy as np
import pytest

pytest.importorskip("flax")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

import hlo_coreml  # noqa: E402
import hlo_coreml.interpreter  # noqa: E402
from examples.zoo.llama import build_llm, init_cache  # noqa: E402

STATES = {"k_cache": "new_k_cache", "v_cache": "new_v_cache"}
OUTPUTS = ["logits", "new_k_cache", "new_v_cache"]
PROMPTS = ([1, 2, 3], [5, 100, 7, 9, 200, 3, 4, 8], [42])
# fp16 compute: the largest per-step logit difference from JAX (fp32) seen
# on the test prompts is 0.005 (logits of magnitude ~3); the documented
# bound (docs/llm.md) is 0.02.
FP16_LOGIT_ATOL = 0.02


@pytest.fixture(scope="module")
def llm():
    return build_llm("small", 0, "jax")


def _compile(llm, path, precision, **kw):
    return hlo_coreml.compile_multifunction(
        {"prefill": (llm.step, llm.prefill_args()), "decode": (llm.step, llm.decode_args())},
        states=STATES,
        outputs=OUTPUTS,
        compute_precision=precision,
        output_path=path,
        **kw,
    )


@pytest.fixture(scope="module")
def fp32_package(llm, tmp_path_factory):
    path = str(tmp_path_factory.mktemp("llm") / "llm32.mlpackage")
    _compile(llm, path, "fp32")
    return path


def _padded(llm, prompt):
    tokens = np.zeros((1, llm.cfg["prompt"]), np.int32)
    tokens[0, : len(prompt)] = prompt
    return tokens


def _generate(package, llm, prompt, steps):
    """Greedy decoding as an app does it: one state, prefill, then decode."""
    state = hlo_coreml.make_state(package)
    n = len(prompt)
    out = hlo_coreml.run(
        package, {"tokens": _padded(llm, prompt), "pos": np.array([0], np.int32)}, function_name="prefill", state=state
    )
    tokens = [int(np.argmax(out["logits"][0, n - 1]))]
    for i in range(steps - 1):
        out = hlo_coreml.run(
            package,
            {"tokens": np.array([[tokens[-1]]], np.int32), "pos": np.array([n + i], np.int32)},
            function_name="decode",
            state=state,
        )
        tokens.append(int(np.argmax(out["logits"][0, -1])))
    return tokens


def test_package_structure(fp32_package, llm):
    spec = ct.utils.load_spec(fp32_package)
    d = spec.description
    assert d.defaultFunctionName == "prefill"
    functions = {f.name: f for f in d.functions}
    assert sorted(functions) == ["decode", "prefill"]
    for name, t in (("prefill", llm.cfg["prompt"]), ("decode", 1)):
        f = functions[name]
        assert [i.name for i in f.input] == ["tokens", "pos"]
        assert tuple(f.input[0].type.multiArrayType.shape) == (1, t)
        assert [o.name for o in f.output] == ["logits"]
        assert [s.name for s in f.state] == ["k_cache", "v_cache"]
    # attention runs as Core ML's fused op, in both functions
    program = hlo_coreml.interpreter.load_program(fp32_package)
    for name in ("prefill", "decode"):
        ops = [op.op_type for op in program.functions[name].operations]
        assert ops.count("scaled_dot_product_attention") == llm.cfg["layers"]
        assert ops.count("coreml_update_state") == 2


def test_weights_stored_once(fp32_package, llm):
    weights = sum(a.nbytes for a in jax.tree_util.tree_leaves(llm.params))
    weight_bin = os.path.getsize(os.path.join(fp32_package, "Data", "com.apple.CoreML", "weights", "weight.bin"))
    # fp32 weights once (two functions storing their own copies: 2x), plus
    # alignment and the few small constants (RoPE frequencies, ...)
    assert weights <= weight_bin < 1.05 * weights


def test_greedy_tokens_fp32_match_jax(fp32_package, llm):
    for prompt in PROMPTS:
        assert _generate(fp32_package, llm, prompt, 32) == llm.generate(prompt, 32), prompt


def test_fp16_logits_within_tolerance(llm, tmp_path):
    # Teacher-forced (JAX's tokens fed to both), so one near-tie does not
    # change every later step: each step's logits stay within
    # FP16_LOGIT_ATOL, and the greedy token differs only where JAX's top
    # two logits are closer than twice that.
    path = str(tmp_path / "llm16.mlpackage")
    _compile(llm, path, "fp16")
    step = jax.jit(llm.step)
    for prompt in PROMPTS:
        ref = llm.generate(prompt, 16)
        n = len(prompt)
        state = hlo_coreml.make_state(path)
        k, v = init_cache(llm.cfg)
        feeds = [(_padded(llm, prompt), 0, n - 1, "prefill")] + [
            (np.array([[ref[i]]], np.int32), n + i, 0, "decode") for i in range(15)
        ]
        for tokens, pos, row, function in feeds:
            pos = np.array([pos], np.int32)
            out = hlo_coreml.run(path, {"tokens": tokens, "pos": pos}, function_name=function, state=state)
            expected, k, v = step(k, v, tokens, pos)
            got, expected = out["logits"][0, row], np.asarray(expected)[0, row]
            np.testing.assert_allclose(got, expected, rtol=0, atol=FP16_LOGIT_ATOL)
            if np.argmax(got) != np.argmax(expected):
                top = np.sort(expected)
                assert top[-1] - top[-2] < 2 * FP16_LOGIT_ATOL


def test_nnx_model_matches_plain_jax(llm):
    nnx_llm = build_llm("small", 0, "nnx")
    args = llm.prefill_args()
    for a, b in zip(jax.jit(llm.step)(*args), jax.jit(nnx_llm.step)(*args)):
        np.testing.assert_allclose(np.asarray(a, np.float32), np.asarray(b, np.float32), rtol=1e-5, atol=1e-5)


def test_cli_run_function_and_state(fp32_package, llm, tmp_path):
    # Two CLI runs (prefill, then one decode step) carrying the state in an
    # .npz give the logits JAX gives for the same two steps.
    prompt = [7, 8, 9]
    np.save(tmp_path / "t.npy", _padded(llm, prompt))
    np.save(tmp_path / "p.npy", np.array([0], np.int32))
    np.save(tmp_path / "t1.npy", np.array([[11]], np.int32))
    np.save(tmp_path / "p1.npy", np.array([3], np.int32))
    state = str(tmp_path / "kv.npz")
    base = [sys.executable, "-m", "hlo_coreml.cli", "run", fp32_package, "--state", state]
    for function, t, p, out in (("prefill", "t", "p", "o0"), ("decode", "t1", "p1", "o1")):
        subprocess.run(
            base + ["--function", function, "-i", f"tokens={tmp_path / t}.npy", "-i", f"pos={tmp_path / p}.npy",
                    "-o", str(tmp_path / f"{out}.npz")],
            check=True, capture_output=True,
        )
    step = jax.jit(llm.step)
    k, v = init_cache(llm.cfg)
    _, k, v = step(k, v, _padded(llm, prompt), np.array([0], np.int32))
    expected, k, v = step(k, v, np.array([[11]], np.int32), np.array([3], np.int32))
    got = np.load(tmp_path / "o1.npz")["logits"]
    np.testing.assert_allclose(got, np.asarray(expected), rtol=1e-4, atol=1e-4)
    with np.load(state) as saved:
        np.testing.assert_array_equal(saved["k_cache"], np.asarray(k))


def test_inspect_reports_functions_and_size(fp32_package):
    from hlo_coreml.inspect_model import format_text, inspect

    report = inspect(fp32_package, "decode")
    assert report.functions == ["prefill", "decode"]
    assert report.function == "decode" and [f["name"] for f in report.states] == ["k_cache", "v_cache"]
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(fp32_package) for f in fs)
    assert report.package_bytes == total and 0 < report.weight_bytes < total
    assert f"package size: {total:,} bytes" in format_text(report)


def test_multifunction_errors(llm, tmp_path):
    with pytest.raises(hlo_coreml.CompileError, match="iOS18"):
        hlo_coreml.compile_multifunction(
            {"f": (llm.step, llm.decode_args())}, output_path=str(tmp_path / "m.mlpackage"),
            minimum_deployment_target="iOS17",
        )
    with pytest.raises(hlo_coreml.CompileError, match="default_function"):
        hlo_coreml.compile_multifunction(
            {"f": (llm.step, llm.decode_args())}, output_path=str(tmp_path / "m.mlpackage"), default_function="g"
        )
    with pytest.raises(hlo_coreml.CompileError, match="not an identifier"):
        hlo_coreml.compile_multifunction({"a b": (llm.step, llm.decode_args())}, output_path=str(tmp_path / "m.mlpackage"))
    assert not os.path.exists(tmp_path / "m.mlpackage")


def _float_tiles(program, function):
    from coremltools.converters.mil.mil import types

    return [op for op in program.functions[function].operations
            if op.op_type in ("tile", "repeat") and op.outputs[0].dtype in (types.fp16, types.fp32)]


def test_gqa_forms_agree(llm):
    # The zoo's default GQA (jnp.repeat of K/V heads) equals the grouped
    # form (query heads stacked per K/V head) in JAX, bit for bit.
    assert llm.cfg.get("gqa", "repeat") == "repeat"
    grouped = build_llm("small", 0, "jax", gqa="grouped")
    for args in (llm.prefill_args(), llm.decode_args(5, 3)):
        for a, b in zip(jax.jit(llm.step)(*args), jax.jit(grouped.step)(*args)):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_gqa_repeat_not_materialized(llm, fp32_package):
    # The tiny Llama repeats K/V with jnp.repeat (2 query heads per K/V
    # head); hlo-coreml-fold-kv-repeat folds the repeat into the query rows:
    # no float tile/repeat in either function, attention reads K/V of
    # kv_heads heads, and the op count equals the hand-grouped form's.
    program = hlo_coreml.interpreter.load_program(fp32_package)
    cfg = llm.cfg
    for function in ("prefill", "decode"):
        ops = program.functions[function].operations
        assert not _float_tiles(program, function), function
        sdpa = [op for op in ops if op.op_type == "scaled_dot_product_attention"]
        assert len(sdpa) == cfg["layers"]
        for op in sdpa:
            assert op.key.shape[-3:] == (cfg["kv_heads"], cfg["max_seq"], cfg["head_dim"])
    grouped = build_llm("small", 0, "jax", gqa="grouped")
    states = {"k_cache": "result_1", "v_cache": "result_2"}
    counts = []
    for model_llm in (llm, grouped):
        model = hlo_coreml.compile(model_llm.step, *model_llm.decode_args(), minimum_deployment_target="iOS18",
                                   compute_precision="fp32", states=states)
        counts.append(sum(op.op_type != "const" for op in model._mil_program.functions["main"].operations))
    assert counts[0] <= counts[1], counts


@pytest.mark.parametrize("target", ["iOS18", "iOS17"])
@pytest.mark.parametrize("kv_heads", [2, 1])
def test_gqa_repeat_numerics(target, kv_heads):
    # GQA (2 K/V heads for 4 query heads) and multi-query attention (1),
    # as SDPA (iOS18) and as two matmuls (iOS17), on a random cache: equal
    # to JAX, with no float tile in the program.
    llm = build_llm("small", 0, "jax", kv_heads=kv_heads)
    rng = np.random.default_rng(kv_heads)
    for k, v, tokens, pos in (llm.prefill_args(), llm.decode_args(5, 3)):
        k = rng.standard_normal(k.shape).astype(np.float16)
        v = rng.standard_normal(v.shape).astype(np.float16)
        ref = [np.asarray(a) for a in jax.jit(llm.step)(k, v, tokens, pos)]
        if target == "iOS18":
            model = hlo_coreml.compile(llm.step, k, v, tokens, pos, minimum_deployment_target=target,
                                       compute_precision="fp32", states={"k_cache": "result_1", "v_cache": "result_2"})
            state = {"k_cache": k.copy(), "v_cache": v.copy()}
            out = hlo_coreml.run(model, {"tokens": tokens, "pos": pos}, state=state)
            got = [next(iter(out.values())), state["k_cache"], state["v_cache"]]
        else:
            model = hlo_coreml.compile(llm.step, k, v, tokens, pos, minimum_deployment_target=target,
                                       compute_precision="fp32")
            got = list(hlo_coreml.run(model, {"k_cache": k, "v_cache": v, "tokens": tokens, "pos": pos}).values())
        np.testing.assert_allclose(got[0], ref[0], rtol=1e-5, atol=1e-5)
        # the caches hold fp16 roundings of fp32 keys/values that may differ
        # from JAX's in the last fp32 bits: at most one fp16 step apart
        for a, b in zip(got[1:], ref[1:]):
            np.testing.assert_allclose(a.astype(np.float32), b.astype(np.float32), rtol=1e-3, atol=1e-6)
        assert not _float_tiles(model._mil_program, "main")
        ops = [op.op_type for op in model._mil_program.functions["main"].operations]
        if target == "iOS18":
            assert ops.count("scaled_dot_product_attention") == llm.cfg["layers"]
        else:
            assert ops.count("matmul") == 2 * llm.cfg["layers"]


def _flexible_step_export(llm):
    """The step exported with a symbolic number of tokens t <= max_seq."""
    import jax.numpy as jnp

    t = jax.export.symbolic_shape("t", constraints=[f"t <= {llm.cfg['max_seq']}"])[0]
    k, v = init_cache(llm.cfg)
    return jax.export.export(jax.jit(llm.step))(
        jax.ShapeDtypeStruct(k.shape, k.dtype), jax.ShapeDtypeStruct(v.shape, v.dtype),
        jax.ShapeDtypeStruct((1, t), jnp.int32), jax.ShapeDtypeStruct((1,), jnp.int32))


def test_flexible_t_one_function_generates_jax_tokens(llm, tmp_path):
    # The fallback to two functions: one function whose token input has a
    # RangeDim length serves prefill (the unpadded prompt) and decode (one
    # token), the KV cache as states. Greedy decoding equals JAX's.
    path = str(tmp_path / "flex.mlpackage")
    model = hlo_coreml.compile(
        _flexible_step_export(llm), flexible={"tokens": (1, ct.RangeDim(1, llm.cfg["max_seq"], default=8))},
        minimum_deployment_target="iOS18", compute_precision="fp32", output_path=path,
        states={"k_cache": "result_1", "v_cache": "result_2"},
    )
    ranges = ct.utils.load_spec(path).description.input[0].type.multiArrayType.shapeRange.sizeRanges
    assert [(r.lowerBound, r.upperBound) for r in ranges] == [(1, 1), (1, llm.cfg["max_seq"])]
    assert [s.name for s in model.get_spec().description.state] == ["k_cache", "v_cache"]
    for prompt in PROMPTS:
        state = hlo_coreml.make_state(path)
        out = hlo_coreml.run(path, {"tokens": np.array([prompt], np.int32), "pos": np.array([0], np.int32)}, state=state)
        assert out["result_0"].shape == (1, len(prompt), llm.cfg["vocab"])
        tokens = [int(np.argmax(out["result_0"][0, -1]))]
        for i in range(31):
            out = hlo_coreml.run(path, {"tokens": np.array([[tokens[-1]]], np.int32),
                                        "pos": np.array([len(prompt) + i], np.int32)}, state=state)
            tokens.append(int(np.argmax(out["result_0"][0, -1])))
        assert tokens == llm.generate(prompt, 32), prompt


def test_functions_share_weights_in_one_program(llm, tmp_path, monkeypatch):
    # compile_multifunction exports one multifunction MIL program (no
    # per-function packages, no save_multifunction merge): by the time it is
    # exported, every weight is held by one array that both functions'
    # consts share (one weight_id), so it is in memory and in weight.bin once.
    from hlo_coreml import multifunction_program

    def no_merge(*args, **kwargs):
        raise AssertionError("save_multifunction called")

    monkeypatch.setattr(ct.utils, "save_multifunction", no_merge)
    seen = {}
    export = multifunction_program.FunctionGatherer.export

    def spy(self, default_function):
        for name, function in self.program.functions.items():
            seen[name] = {
                id(op.outputs[0].val): (op.outputs[0].val.size, op)
                for _, op in multifunction_program._const_ops(function)
                if isinstance(op.outputs[0].val, np.ndarray) and op.outputs[0].val.size >= 1024
            }
        return export(self, default_function)  # sets the weight_ids

    monkeypatch.setattr(multifunction_program.FunctionGatherer, "export", spy)
    path = str(tmp_path / "shared.mlpackage")
    _compile(llm, path, "fp16")
    weights = [a for a in jax.tree_util.tree_leaves(llm.params) if a.size >= 1024]
    assert set(seen) == {"prefill", "decode"}
    for name in seen:  # each weight matrix once per function
        assert sorted(size for size, _ in seen[name].values()) == sorted(a.size for a in weights)
    assert seen["prefill"].keys() == seen["decode"].keys()  # the same arrays
    for key, (_, op) in seen["prefill"].items():
        assert op.weight_id is not None and op.weight_id == seen["decode"][key][1].weight_id
    weight_bin = os.path.getsize(os.path.join(path, "Data", "com.apple.CoreML", "weights", "weight.bin"))
    assert sum(a.size * 2 for a in weights) <= weight_bin < 1.05 * sum(a.nbytes for a in jax.tree_util.tree_leaves(llm.params)) / 2 + 8192


def test_share_constants_rebinds_only_equal_values():
    # Equal arrays in a later function (a copy, an equal value computed
    # another way) are rebound to the earlier function's array; an array
    # that differs in one element keeps its own.
    from coremltools.converters.mil import Builder as mb
    from coremltools.converters.mil.mil import Function, types

    from hlo_coreml.coreml import resolve_target
    from hlo_coreml.multifunction_program import FunctionGatherer, _const_ops

    rng = np.random.default_rng(0)
    w = rng.standard_normal((64, 32)).astype(np.float16)
    other = w.copy()
    other[3, 4] += 1

    def function(*values):
        with Function({"x": mb.placeholder(shape=(2, 64), dtype=types.fp16)}, opset_version=ct.target.iOS18) as f:
            outs = [mb.matmul(x=f.inputs["x"], y=v) for v in values]
            f.set_outputs(outs)
        return f

    gatherer = FunctionGatherer(resolve_target("iOS18"))
    first = function(w)
    gatherer._share_constants(first)
    second = function(w.copy(), other, w.astype(np.float32).astype(np.float16).copy())
    gatherer._share_constants(second)
    first_arrays = [op.outputs[0].val for _, op in _const_ops(first) if np.size(op.outputs[0].val) > 1]
    vals = [op.outputs[0].val for _, op in _const_ops(second) if np.size(op.outputs[0].val) > 1]
    assert len(first_arrays) == 1 and len(vals) == 3
    shared = [v for v in vals if v is first_arrays[0]]
    assert len(shared) == 2  # the copy and the identical round trip
    assert any(v is not first_arrays[0] and np.array_equal(v, other) for v in vals)


def test_casts_shared_returns_the_earlier_cast_while_it_lives():
    # Inside casts_shared, a second fp16 cast of the same array returns the
    # first cast's array (the second function's weights are not cast again);
    # outside it, or once that result is gone, a cast makes a new array.
    import gc

    from coremltools.converters.mil import Builder as mb
    from coremltools.converters.mil.mil import Function, types

    from hlo_coreml.multifunction_program import casts_shared

    w = np.random.default_rng(0).standard_normal((64, 32)).astype(np.float32)

    def cast_value():
        with Function({"x": mb.placeholder(shape=(2,), dtype=types.fp32)}, opset_version=ct.target.iOS18):
            return mb.cast(x=w, dtype="fp16").val

    with casts_shared():
        first = cast_value()
        assert cast_value() is first
        np.testing.assert_array_equal(first, w.astype(np.float16))
        del first
        gc.collect()
        again = cast_value()  # the first result is gone: cast anew
        np.testing.assert_array_equal(again, w.astype(np.float16))
        assert cast_value() is again
    assert cast_value() is not again
