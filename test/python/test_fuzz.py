"""The differential fuzzer (tools/fuzz.py, hlo_coreml.fuzz): generator,
classifier, minimizer, and the CI seed budget (docs/fuzzing.md)."""

from __future__ import annotations

import collections
import os

import jax
import numpy as np
import pytest

from hlo_coreml.fuzz import generator, minimize, runner
from hlo_coreml.fuzz.pool import run_task
from hlo_coreml.fuzz.program import Input, Op, Program

# -- generator ------------------------------------------------------------------


def _same_program(p: Program, q: Program) -> bool:
    if p.function_source() != q.function_source() or p.outputs != q.outputs or p.x64 != q.x64:
        return False
    return all(a.name == b.name and a.data.dtype == b.data.dtype and np.array_equal(a.data, b.data, equal_nan=True)
               for a, b in zip(p.inputs, q.inputs, strict=True))  # fmt: skip


@pytest.mark.parametrize("seed", [0, 7, 123, 4567])
def test_generator_is_deterministic_per_seed(seed):
    assert _same_program(generator.generate(seed), generator.generate(seed))
    assert not _same_program(generator.generate(seed), generator.generate(seed + 1))


def test_generator_covers_families_dtypes_and_ranks():
    families, dtypes, ranks, ops = collections.Counter(), set(), set(), []
    x64 = False
    for seed in range(150):
        p = generator.generate(seed)
        assert 3 <= len(p.ops) <= 15, (seed, len(p.ops))
        x64 |= p.x64
        for op in p.ops:
            families[op.family] += 1
            dtypes.add(op.dtype)
            ranks.add(len(op.shape))
            ops.append(op.op)
        for i in p.inputs:
            dtypes.add(i.dtype)
            ranks.add(i.data.ndim)
            assert i.data.ndim <= 5
    assert set(generator.REPORTED_FAMILIES) <= set(families), set(generator.REPORTED_FAMILIES) - set(families)
    want = {"float32", "float16", "bfloat16", "int8", "uint8", "int16", "uint16", "int32", "uint32", "bool",
            "int64", "float64"}  # fmt: skip
    assert want <= dtypes, want - dtypes
    assert set(range(7)) <= ranks
    assert x64
    for name in ("while_loop", "switch", "conv_kernel_input", "conv_kernel_const", "pad", "pad_edge", "top_k",
                 "dynamic_update_slice", "popcount", "scan", "argsort", "solve"):  # fmt: skip
        assert name in ops, name


@pytest.mark.parametrize("seed", [3, 11, 29])
def test_printed_source_reexecutes_to_the_same_program(seed):
    program = generator.generate(seed)
    namespace: dict = {}
    previous = jax.config.jax_enable_x64
    try:
        exec(program.to_repro(), namespace)  # noqa: S102 - the fuzzer's own output
        with jax.enable_x64(program.x64):
            args = [namespace[i.name] for i in program.inputs]
            for arg, inp in zip(args, program.inputs):
                assert arg.dtype == inp.data.dtype and np.array_equal(arg, inp.data)
            printed = str(jax.make_jaxpr(namespace["f"])(*args))
            built = str(jax.make_jaxpr(program.build())(*program.args()))
    finally:
        jax.config.update("jax_enable_x64", previous)
    assert printed == built


# -- classifier -------------------------------------------------------------------


def _tiny(expr="jnp.sin({0})", dtype=np.float32) -> Program:
    x = Input("a0", np.array([0.5, -1.25, 2.0], dtype=dtype))
    return Program(0, [x], [Op("v0", "elementwise_float", "sin", expr, ("a0",), (3,), np.dtype(dtype).name)], ["v0"])


def test_classifier_pass():
    assert runner.check(_tiny(), "fp32").cls == "pass"


def test_classifier_known_mismatch_from_a_wrong_reference():
    def wrong(fn, args):
        return [x + 1 for x in runner.jax_reference(fn, args)]

    result = runner.check(_tiny(), "fp32", reference=wrong)
    assert result.cls == "mismatch"
    assert "floats differ" in result.message


def test_classifier_known_refusal():
    # A LAPACK custom call (jnp.linalg.qr on CPU) has no Core ML counterpart.
    x = Input("a0", np.eye(3, dtype=np.float32) + 0.5)
    p = Program(0, [x], [Op("v0", "linalg", "qr", "jnp.linalg.qr({0})[0]", ("a0",), (3, 3), "float32")], ["v0"])
    result = runner.check(p, "fp32")
    assert result.cls == "refusal", result.message
    assert "fuzz_seed0.py:" in result.message and "'stablehlo.custom_call'" in result.message


def test_classifier_known_crash(monkeypatch):
    import hlo_coreml

    def broken(*args, **kwargs):
        raise AttributeError("'NoneType' object has no attribute 'op'")

    monkeypatch.setattr(hlo_coreml, "compile", broken)
    result = runner.check(_tiny(), "fp32")
    assert result.cls == "crash"
    assert result.key.startswith("compile AttributeError")


def test_classifier_compile_error_without_location_is_a_crash(monkeypatch):
    import hlo_coreml

    def unlocated(*args, **kwargs):
        raise hlo_coreml.CompileError("<unknown>: error: something is wrong")

    monkeypatch.setattr(hlo_coreml, "compile", unlocated)
    assert runner.check(_tiny(), "fp32").cls == "crash"


def test_located_refusal_rule():
    ok = "fuzz_seed3.py:7:9: error: 'stablehlo.rng' is not supported by Core ML"
    assert runner.is_located_refusal(ok)
    assert not runner.is_located_refusal("<unknown>: error: 'stablehlo.rng' is not supported")
    assert not runner.is_located_refusal("fuzz_seed3.py:7:9: error: argument #0 of @chlo.asin.impl has rank 6")
    assert not runner.is_located_refusal(ok + "\n<unknown>: error: result #0 of @main has rank 6")


def test_compare_rules():
    f = np.array([1.0, np.nan, np.inf], np.float32)
    assert runner.compare(f, f.copy(), 1e-4, "fp32") is None
    assert runner.compare(f, np.array([1.0, 0.0, np.inf], np.float32), 1e-4, "fp32")  # NaN position
    assert runner.compare(f, np.array([1.0, np.nan, -np.inf], np.float32), 1e-4, "fp32")  # inf sign
    assert runner.compare(f, np.array([1.001, np.nan, np.inf], np.float32), 1e-4, "fp32")
    assert runner.compare(np.array([240], np.uint8), np.array([-16], np.int32), 0, "fp32")  # ints exactly
    assert runner.compare(np.array([240], np.uint8), np.array([240], np.int32), 0, "fp32") is None


def test_fp16_tolerance_derives_from_fp16_rounding():
    p = _tiny()
    assert runner.tolerance(p, "fp32") == 1e-4
    assert runner.tolerance(p, "fp16") == pytest.approx(8 * 2.0**-11 * 2)


def test_widened_program_reads_bf16_as_f32():
    import ml_dtypes

    x = Input("a0", np.array([1.0, 1.015625], dtype=ml_dtypes.bfloat16))
    op = Op("v0", "elementwise_float", "add", "{0} + jnp.bfloat16(0.1) + lax.broadcasted_iota(jnp.bfloat16, (2,), 0)",
            ("a0",), (2,), "bfloat16")  # fmt: skip
    p = Program(0, [x], [op], ["v0"])
    w = p.widened()
    assert p.uses_bfloat16() and not w.uses_bfloat16()
    assert w.inputs[0].data.dtype == np.float32 and w.ops[0].dtype == "float32"
    # the literal keeps its bf16 value: 0.1 rounds to 0.10009765625
    assert w.ops[0].expr == "{0} + jnp.float32(0.10009765625) + lax.broadcasted_iota(jnp.float32, (2,), 0)"
    assert p.inputs[0].data.dtype == ml_dtypes.bfloat16  # the original is unchanged


def test_bf16_cancellation_is_checked_against_the_program_read_in_f32(monkeypatch):
    # Fuzz seed 1579, minimized: JAX's bf16 rounding of the mean makes the
    # layer norm [0, 0, 0, 2.09]; the compiler computes bf16 in f32
    # (docs/precision.md) and gets [-0.52, .., 1.57], which is JAX's answer
    # for the program read in f32. A wrong answer still fails both.
    import ml_dtypes

    expr = "({0} - jnp.mean({0}, axis=0, keepdims=True)) * lax.rsqrt(jnp.var({0}, axis=0, keepdims=True) + 1e-5)"
    x = Input("v0", np.array([[1.0], [1.0], [1.0], [1.015625]], dtype=ml_dtypes.bfloat16))
    p = Program(1579, [x], [Op("v3", "fused", "layer_norm", expr, ("v0",), (4, 1), "bfloat16")], ["v3"])
    result = runner.check(p, "fp32")
    assert (result.cls, result.widened) == ("pass", 1), result.message

    run = runner._run_interpreter
    monkeypatch.setattr(runner, "_run_interpreter", lambda *a: {k: v + 0.25 for k, v in run(*a).items()})
    result = runner.check(p, "fp32")
    assert result.cls == "mismatch" and "bf16 read as f32" in result.message, result.message


def test_argsort_of_values_tied_up_to_rounding(monkeypatch):
    # Fuzz seed 10128, reduced: a layer norm over a dim of 2 gives +-1 up
    # to an ulp, so the argsort of its rows is decided by rounding. A
    # permutation that sorts JAX's values within the tolerance passes (as a
    # near tie); the same permutation of well-separated values fails.
    def reversed_first_row(run):
        def fake(*a):
            out = {}
            for k, v in run(*a).items():
                v = np.array(v)
                v[0] = v[0][::-1]
                out[k] = v
            return out

        return fake

    norm = "({0} - jnp.mean({0}, axis=0, keepdims=True)) * lax.rsqrt(jnp.var({0}, axis=0, keepdims=True) + 1e-5)"
    x = Input("v0", np.array([[1.0, 2.0, 3.0, 4.0, 5.0], [0.0] * 5], dtype=np.float32))
    sort = Op("v2", "sort", "argsort", "jnp.argsort({0}, axis=1)", ("v1",), (2, 5), "int32", True)
    tied = Program(10128, [x], [Op("v1", "fused", "layer_norm", norm, ("v0",), (2, 5), "float32"), sort], ["v2"])
    separated = Program(10128, [x], [Op("v1", "elementwise_float", "mul", "{0} * 2.0", ("v0",), (2, 5), "float32"), sort], ["v2"])
    assert runner.check(tied, "fp32").cls == "pass"

    monkeypatch.setattr(runner, "_run_interpreter", reversed_first_row(runner._run_interpreter))
    result = runner.check(tied, "fp32")
    assert (result.cls, result.near_ties) == ("pass", 1), result.message
    result = runner.check(separated, "fp32")
    assert result.cls == "mismatch", result.message


def test_jax_departing_from_the_spec_is_checked_against_eval_module(monkeypatch):
    # Fuzz seed 11093, minimized: jax.jit on CPU clamps nested dynamic
    # slices only once (gives False), StableHLO's reference interpreter and
    # the compiled model give True. The output passes as `spec_agrees`; a
    # wrong answer on another output still fails, naming eval_module.
    a0 = np.array([[0, 0, 1, 0, 1], [0, 0, 0, 0, 0], [1, 0, 1, 1, 0]], bool)
    inputs = [Input("v0", a0), Input("v1", np.array(3, np.int32)), Input("v2", np.array(-2, np.int32)),
              Input("v3", np.linspace(-1, 1, 6, dtype=np.float32))]  # fmt: skip
    nested = "lax.dynamic_slice(lax.dynamic_slice({0}, (2, {1}), (1, 3)), (-1, {2}), (1, 1))"
    ops = [
        Op("v4", "slice_pad", "dynamic_slice", nested, ("v0", "v1", "v2"), (1, 1), "bool"),
        Op("v5", "elementwise_float", "mul", "{0} * 2.0", ("v3",), (6,), "float32"),
    ]
    p = Program(11093, inputs, ops, ["v4", "v5"])
    assert np.asarray(runner.jax_reference(p.build(), p.args())[0]).tolist() == [[False]]  # XLA's answer
    result = runner.check(p, "fp32")
    assert (result.cls, result.spec_agrees) == ("pass", 1), result.message

    run = runner._run_interpreter
    monkeypatch.setattr(
        runner, "_run_interpreter", lambda *a: {k: (v + 0.25 if v.dtype.kind == "f" else v) for k, v in run(*a).items()}
    )
    result = runner.check(p, "fp32")
    assert result.cls == "mismatch" and "output 1 (v5)" in result.message and "eval_module" in result.message, result.message


def test_pool_replaces_a_worker_past_its_memory_limit():
    # A worker past the limit is replaced between tasks (fresh process),
    # and every task still reports. Limit 0: replaced after every task.
    from hlo_coreml.fuzz import pool

    p = pool.Pool(1, rss_limit=0)
    started = []
    start = p._start

    def counting_start():
        started.append(start())
        return started[-1]

    p._start = counting_start
    tasks = [{"seed": s, "precisions": ["fp32"], "timeout": 60, "families": ["elementwise_float"]} for s in (0, 1)]
    results = p.run(tasks, lambda task: 120)
    assert sorted(r["seed"] for r in results) == [0, 1]
    assert len(started) == 2  # the first worker, and one after the first task (none after the last)
    assert all(not proc.is_alive() for proc, _ in started)
    assert pool.rss_bytes(os.getpid()) > 0


def test_fp16_cos_of_a_large_computed_value_is_not_compared():
    # Fuzz seed 5504 at fp16: cos(det(...)) with det = 15773.87. At fp16
    # the argument's rounding (spacing 8 there) is worth many periods, so
    # the output has no significant digits; it is counted as unchecked.
    # The same cos of a small computed value, and at fp32, is compared.
    x = Input("a0", np.array([15773.8701171875, 2.5], dtype=np.float32))

    def program(scale):
        ops = [Op("v0", "elementwise_float", "mul", f"{{0}} * {scale}", ("a0",), (2,), "float32"),
               Op("v1", "elementwise_float", "cos", "jnp.cos({0})", ("v0",), (2,), "float32")]  # fmt: skip
        return Program(5504, [x], ops, ["v1"])

    result = runner.check(program(1.0), "fp16")
    assert (result.cls, result.unchecked) == ("pass", 1), result.message
    assert runner._lost_periodic_outputs(program(1.0), "fp16") == {"v1"}
    assert runner._lost_periodic_outputs(program(0.001), "fp16") == set()
    assert runner._lost_periodic_outputs(program(1.0), "fp32") == set()
    assert runner.check(program(1.0), "fp32").cls == "pass"


# -- minimizer ---------------------------------------------------------------


def test_minimizer_keeps_the_failing_record_and_shrinks_inputs():
    program = generator.generate(5, families=["elementwise_float", "shape", "reduce"])
    target = program.ops[len(program.ops) // 2].op

    def checker(p, precision):
        fails = any(op.op == target for op in p.ops)
        return runner.Result(p.seed, precision, "crash" if fails else "pass", key="compile ValueError @x: boom")

    failure = checker(program, "fp32")
    small = minimize.minimize(program, "fp32", failure, checker=checker)
    assert [op.op for op in small.ops] == [target]
    assert sum(i.data.size for i in small.inputs) <= sum(i.data.size for i in program.inputs)
    assert "def f(" in small.to_repro()


def test_minimizer_on_a_real_compile_and_run():
    # Every program "mismatches" against a wrong reference; the minimum is one record.
    def wrong(fn, args):
        return [np.asarray(x) + 1 for x in runner.jax_reference(fn, args)]

    def checker(p, precision):
        return runner.check(p, precision, reference=wrong)

    program = generator.generate(2, families=["elementwise_float", "reduce"], max_ops=5)
    failure = checker(program, "fp32")
    assert failure.cls == "mismatch"
    small = minimize.minimize(program, "fp32", failure, checker=checker, deadline_s=120)
    assert len(small.ops) == 1
    assert all(i.data.size <= 1 or i.data.size < max(j.data.size for j in program.inputs) for i in small.inputs)


# -- CI budget ------------------------------------------------------------------
#
# Seeds 0..CI_SEEDS-1 at fp32, and every FP16_EVERY-th of them at fp16, must
# give no crash, mismatch, timeout or invalid program. KNOWN_FAILURES may list
# a seed that fails because of a bug being fixed, with the failure it must
# show; such a seed passes the test if it passes or fails with exactly that
# failure, so nothing new hides behind it.
CI_SEEDS = 200
FP16_EVERY = 4
CHUNK = 10
# Empty: every failure the fuzzer found in the CI range is fixed and has a
# regression test (test_regressions_fuzz.py). Add an entry only for a bug
# that is reported and being fixed, with the failure key it must show.
KNOWN_FAILURES: dict = {}


@pytest.mark.parametrize("start", range(0, CI_SEEDS, CHUNK))
def test_ci_seed_budget(start):
    unexpected = []
    for seed in range(start, start + CHUNK):
        precisions = ["fp32", "fp16"] if seed % FP16_EVERY == 0 else ["fp32"]
        for r in run_task({"seed": seed, "precisions": precisions, "timeout": 120}):
            if r["cls"] not in runner.FAILURES:
                continue
            known = KNOWN_FAILURES.get((seed, r["precision"]))
            if known is not None and known in r["key"]:
                continue
            unexpected.append(f"seed {seed} [{r['precision']}] {r['cls']}: {r['key']}\n{r['message'][-600:]}\n{r['repro']}")
    assert not unexpected, "\n\n".join(unexpected)
