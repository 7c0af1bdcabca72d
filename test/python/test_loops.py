"""Loops and branches end to end: lax.scan / fori_loop / while_loop /
nnx.scan / lax.cond -> hlo_coreml.compile -> saved .mlpackage -> reference
MIL interpreter, compared with JAX on CPU.

Loops with a static trip count up to max_unroll are unrolled by
hlo-coreml-unroll-while; the others become a MIL `while_loop`, which the
interpreter runs. Every case also checks that no tensor in the saved MIL
program (nested blocks included) has rank > 5.
"""

from __future__ import annotations

import os
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

from helpers import (
    FP16_ATOL,
    FP16_RTOL,
    FP32_ATOL,
    FP32_RTOL,
    MAX_RANK,
    compile_and_save,
    jax_reference,
    max_rank_in_spec,
    mil_op_types,
    run_saved,
)

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from examples.zoo.scan_cells import CELLS  # noqa: E402


def f32(*shape, seed=0, scale=1.0):
    return (np.random.default_rng(seed).normal(size=shape) * scale).astype(np.float32)


def mil_op_types(model) -> set[str]:
    """Op types in the compiled MIL program, nested blocks included."""
    found = set()

    def visit(block):
        for op in block.operations:
            found.add(op.op_type)
            for inner in op.blocks:
                visit(inner)

    visit(model._mil_program.functions["main"])
    return found


def check(fn, *args, tmp_path, rtol=FP32_RTOL, atol=FP32_ATOL, precision="fp32", **compile_kwargs):
    """Compile `fn` (fp32 unless told), save, run the saved package with
    the interpreter and compare with JAX; assert rank <= 5 everywhere in the
    saved program. Returns the model."""
    expected = jax_reference(fn, *args)
    model, path = compile_and_save(
        fn, *args, precision=precision, path=os.path.join(os.fspath(tmp_path), "m.mlpackage"), **compile_kwargs
    )
    import coremltools as ct

    rank, where = max_rank_in_spec(ct.models.MLModel(path, skip_model_load=True).get_spec())
    assert rank <= MAX_RANK, f"tensor of rank {rank} in the saved program ({where})"
    got = run_saved(model, path, *args)
    assert len(got) == len(expected)
    for i, (out, ref) in enumerate(zip(got, expected)):
        out = out.reshape(ref.shape)
        if np.issubdtype(ref.dtype, np.floating):
            np.testing.assert_allclose(out, ref, rtol=rtol, atol=atol, err_msg=f"output {i}")
        else:
            np.testing.assert_array_equal(out, ref.astype(out.dtype), err_msg=f"output {i}")
    return model


# -- recurrent networks with lax.scan ---------------------------------------------------

H, I = 8, 4


def _cell(name, steps, seed):
    """(fn, (h0, xs)) of the scanned cell `name` (examples/zoo/scan_cells.py)
    at hidden H, features I, batch 2."""
    fn, args, _ = CELLS[name]("small", seed, steps=steps, hidden=H, features=I, batch=2)
    return fn, args


@pytest.mark.parametrize("steps", [16, 128])
def test_rnn_scan_unrolled(steps, tmp_path):
    rnn, args = _cell("rnn", steps, seed=3)
    model = check(rnn, *args, tmp_path=tmp_path)
    assert "while_loop" not in mil_op_types(model)


def test_gru_scan_16_unrolled(tmp_path):
    gru, args = _cell("gru", 16, seed=4)
    model = check(gru, *args, tmp_path=tmp_path)
    assert "while_loop" not in mil_op_types(model)


def test_gru_scan_128_as_while_loop(tmp_path):
    # Above max_unroll the scan stays a loop: MIL while_loop, indexing xs
    # with slice_by_size and writing ys with scatter.
    gru, args = _cell("gru", 128, seed=5)
    model = check(gru, *args, tmp_path=tmp_path, max_unroll=32)
    ops = mil_op_types(model)
    assert {"while_loop", "slice_by_size", "scatter"} <= ops


def test_gru_scan_while_loop_fp16(tmp_path):
    # while_loop stays fp32 under FP16ComputePrecision; the body computes in fp16.
    gru, args = _cell("gru", 24, seed=6)
    check(gru, *args, tmp_path=tmp_path, max_unroll=8, precision="fp16", rtol=FP16_RTOL, atol=FP16_ATOL)


def test_reverse_scan_counts_down(tmp_path):
    def f(c, xs):
        return lax.scan(lambda c, x: (c * 0.5 + x, c), c, xs, reverse=True)

    model = check(f, f32(3), f32(5, 3, seed=1), tmp_path=tmp_path)
    assert "while_loop" not in mil_op_types(model)


def test_scan_unroll_parameter(tmp_path):
    # lax.scan(unroll=3) puts three steps in each trip (and a remainder loop).
    def f(c, xs):
        return lax.scan(lambda c, x: (jnp.sin(c) + x, c * 2), c, xs, unroll=3)

    check(f, f32(4), f32(10, 4, seed=1), tmp_path=tmp_path)


# -- fori_loop and hand-written counters --------------------------------------------------


def test_fori_loop_accumulations(tmp_path):
    def f(x):
        a = lax.fori_loop(0, 10, lambda i, a: a + jnp.tanh(a) * 0.1 * i, x)
        s = lax.fori_loop(3, 9, lambda i, s: s + i * i, 0)
        p = lax.fori_loop(1, 6, lambda i, p: p * i.astype(jnp.float32), jnp.float32(1))
        return a, s, p

    model = check(f, f32(4), tmp_path=tmp_path)
    assert "while_loop" not in mil_op_types(model)


def test_while_counting_down_by_two(tmp_path):
    def f(x):
        return lax.while_loop(lambda c: c[0] > 0, lambda c: (c[0] - 2, c[1] * 1.5 + c[0].astype(jnp.float32)), (11, x))

    model = check(f, f32(3), tmp_path=tmp_path)
    assert "while_loop" not in mil_op_types(model)


@pytest.mark.parametrize("trips", [0, 1])
def test_trip_count_zero_and_one(trips, tmp_path):
    def f(x):
        return lax.fori_loop(0, trips, lambda i, a: a * 3.0 + 1.0, x)

    model = check(f, f32(2, 2), tmp_path=tmp_path)
    assert "while_loop" not in mil_op_types(model)


# -- stacked outputs and rank ---------------------------------------------------------------


def test_scan_stacking_rank4_outputs(tmp_path):
    # Per-step rank-4 outputs stack into a rank-5 buffer, filled row by row:
    # after unrolling it is one concatenation.
    def f(c, xs):
        def step(c, x):
            c = jnp.tanh(c + x)
            return c, c * 2

        return lax.scan(step, c, xs)

    model = check(f, f32(2, 3, 4, 5), f32(6, 2, 3, 4, 5, seed=1), tmp_path=tmp_path)
    ops = mil_op_types(model)
    assert "while_loop" not in ops and "scatter" not in ops


def test_scan_stacking_rank5_outputs(tmp_path):
    # Rank-5 per-step outputs: the stacked buffer has rank 6. Unrolled, it
    # is a concatenation that hlo-coreml-cap-rank collapses together with
    # the reduction, reshape and transpose reading it.
    def f(c, xs):
        def step(c, x):
            c = jnp.tanh(c * 0.9 + x)
            return c, c

        c, ys = lax.scan(step, c, xs.reshape(4, 1, 2, 3, 2, 2))
        return c, ys.mean(axis=0), ys.reshape(4, 2, -1).sum(axis=1), jnp.swapaxes(ys, 0, 3).reshape(3, -1)

    model = check(f, f32(1, 2, 3, 2, 2), f32(4, 2, 3, 2, 2, seed=1), tmp_path=tmp_path)
    assert "while_loop" not in mil_op_types(model)


def test_kept_loop_with_rank6_inside(tmp_path):
    # A rank-6 value that lives within one iteration of a kept loop is
    # capped inside the loop body.
    def f(x):
        def body(c):
            i, v = c
            v6 = v.reshape(2, 2, 3, 2, 2, 2).transpose(0, 1, 3, 2, 4, 5)
            return i + 1, jnp.sin(v6).reshape(v.shape) + 1.5 * v

        return lax.while_loop(lambda c: jnp.sum(jnp.abs(c[1])) < 500.0, body, (0, x))

    model = check(f, f32(8, 12) + 1.0, tmp_path=tmp_path)
    assert "while_loop" in mil_op_types(model)


def _nested(x, xs):
    def outer(c, xo):
        def inner(ci, xi):
            ci = jnp.sin(ci) * 0.5 + xi
            return ci, ci  # rank-4 ys: a rank-5 buffer

        return lax.scan(inner, c, xo)  # stacked again: a rank-6 buffer

    c, yss = lax.scan(outer, x, xs.reshape(3, 5, 2, 3, 4, 2))
    return c, yss.sum(axis=(0, 1)), yss.reshape(-1, *yss.shape[3:])


def test_nested_scans_rank6_buffer(tmp_path):
    model = check(_nested, f32(2, 3, 4, 2), f32(15, 2, 3, 4, 2, seed=1), tmp_path=tmp_path)
    assert "while_loop" not in mil_op_types(model)


def test_nested_scans_inner_kept(tmp_path):
    # The inner scan (5 trips) is kept as a while_loop; the outer one (3)
    # is unrolled, so the rank-6 buffer never exists.
    model = check(_nested, f32(2, 3, 4, 2), f32(15, 2, 3, 4, 2, seed=1), tmp_path=tmp_path, max_unroll=4)
    assert "while_loop" in mil_op_types(model)


def test_nested_fori_triangular(tmp_path):
    # The inner trip count depends on the outer counter: static only after
    # the outer loop is unrolled.
    def f(x):
        def outer(i, acc):
            return lax.fori_loop(0, i, lambda j, a: a + jnp.cos(a) * 0.1, acc)

        return lax.fori_loop(0, 4, outer, x)

    model = check(f, f32(3), tmp_path=tmp_path)
    assert "while_loop" not in mil_op_types(model)


# -- nnx.scan over a stack of layers ----------------------------------------------------------


def test_nnx_scan_over_layers(tmp_path):
    nnx = pytest.importorskip("flax.nnx")

    class Block(nnx.Module):
        def __init__(self, rngs):
            self.linear = nnx.Linear(8, 8, rngs=rngs)

        def __call__(self, x):
            return jnp.tanh(self.linear(x))

    @nnx.vmap(in_axes=0, out_axes=0)
    def make(key):
        return Block(nnx.Rngs(key))

    @nnx.scan(in_axes=(0, nnx.Carry), out_axes=nnx.Carry)
    def forward(block, x):
        return block(x)

    graphdef, state = nnx.split(make(jax.random.split(jax.random.key(0), 6)))
    leaves, treedef = jax.tree.flatten(state)
    leaves = [np.asarray(leaf) for leaf in leaves]

    def f(x):  # the weights are constants of the program
        return forward(nnx.merge(graphdef, jax.tree.unflatten(treedef, [jnp.asarray(v) for v in leaves])), x)

    x = f32(3, 8)
    model = check(f, x, tmp_path=tmp_path)
    ops = mil_op_types(model)
    assert "while_loop" not in ops and "linear" in ops  # per-layer weights are constants again
    check(f, x, tmp_path=tmp_path / "kept", max_unroll=2)


# -- while_loop with a data-dependent trip count --------------------------------------------


def test_while_loop_data_dependent(tmp_path):
    def f(x):
        return lax.while_loop(lambda c: c[1].sum() < 100.0, lambda c: (c[0] + 1, c[1] * 1.7 + 0.1), (0, x))

    model = check(f, np.abs(f32(3, 4)), tmp_path=tmp_path)
    assert "while_loop" in mil_op_types(model)


def test_while_loop_newton_sqrt(tmp_path):
    # Converges after an input-dependent number of iterations.
    def f(a):
        def body(c):
            x, _ = c
            return 0.5 * (x + a / x), x

        return lax.while_loop(lambda c: jnp.max(jnp.abs(c[0] - c[1])) > 1e-6, body, (a, a + 1.0))[0]

    model = check(f, np.abs(f32(5)) + 1.0, tmp_path=tmp_path)
    assert "while_loop" in mil_op_types(model)


# -- branches --------------------------------------------------------------------------------


def test_cond_small_branches_become_select(tmp_path):
    def f(p, x):
        return lax.cond(p > 0, lambda x: x * 2, jnp.sin, x)

    for p in (1.0, -1.0):
        model = check(f, np.float32(p), f32(2, 3), tmp_path=tmp_path / str(p))
    assert "cond" not in mil_op_types(model) and "select" in mil_op_types(model)


def test_switch_large_branches_become_mil_cond(tmp_path):
    def chain(fn, n):
        def g(x):
            for _ in range(n):
                x = fn(x) * 0.9 + 0.1
            return x

        return g

    def f(i, x):
        return lax.switch(i, [chain(jnp.sin, 8), chain(jnp.cos, 8), chain(jnp.tanh, 8)], x)

    for i in (0, 1, 2, 7, -3):
        model = check(f, np.int32(i), f32(4), tmp_path=tmp_path / str(i))
    assert "cond" in mil_op_types(model)


def test_cond_in_scan_resolved_per_step(tmp_path):
    # The predicate depends on the step only: each unrolled step takes its branch.
    def f(c0):
        def step(c, t):
            c = lax.cond(t % 2 == 0, lambda: c + 1.0, lambda: c * 2.0)
            return c, c

        return lax.scan(step, c0, jnp.arange(6))

    model = check(f, f32(3), tmp_path=tmp_path)
    ops = mil_op_types(model)
    assert not {"cond", "select", "while_loop"} & ops


# -- options and diagnostics -------------------------------------------------------------------


def test_max_unroll_reaches_the_pass(tmp_path):
    from hlo_coreml.compiler import with_max_unroll

    assert with_max_unroll(["hlo-coreml-unroll-while{max-select-ops=3}"], 7) == [
        "hlo-coreml-unroll-while{max-select-ops=3,max-unroll=7}"
    ]
    rnn, args = _cell("rnn", 5, seed=3)
    model = check(rnn, *args, tmp_path=tmp_path, max_unroll=4)
    assert "while_loop" in mil_op_types(model)


def test_cli_max_unroll(tmp_path):
    from hlo_coreml.cli import main

    src = tmp_path / "rnn.bin"
    rnn, args = _cell("rnn", 6, seed=0)
    src.write_bytes(jax.export.export(jax.jit(rnn))(*args).serialize())
    out = tmp_path / "rnn.mlpackage"
    assert main(["compile", str(src), "-o", str(out), "--precision", "fp32", "--max-unroll", "2"]) == 0
    import coremltools as ct

    from hlo_coreml.interpreter import load_program

    program = load_program(ct.models.MLModel(str(out), skip_model_load=True))
    assert any(op.op_type == "while_loop" for op in program.functions["main"].operations)


def test_kept_loop_stacking_rank6_ys_names_the_update():
    # A kept loop (12 steps > max_unroll=8) whose stacked ys buffer has rank
    # 6: the carry itself is capped (leading dims merged), but the
    # per-step dynamic_update_slice on the rank-6 buffer has no rewrite yet.
    from hlo_coreml import compile as compile_model
    from hlo_coreml.diagnostics import LegalizationError

    def f(c):
        def step(c, _):
            c = jnp.tanh(c * 1.3 + 0.1)
            return c, c

        _, ys = lax.scan(step, c, None, length=12)
        return ys.sum(axis=0)

    with pytest.raises(LegalizationError) as info:
        compile_model(f, f32(1, 2, 2, 2, 2), compute_precision="fp32", max_unroll=8)
    message = str(info.value)
    assert "test_loops.py" in message
    assert "'stablehlo.dynamic_update_slice' has a value of rank 6" in message


def test_kept_loop_with_rank6_state(tmp_path):
    # fori_loop over a rank-6 state (e.g. [batch, heads, groups, q, k, d]).
    x = f32(2, 1, 3, 2, 2, 3)

    def f(x):
        return lax.fori_loop(0, 20, lambda i, c: jnp.tanh(c * 1.1 + x.sum(axis=5, keepdims=True)), x)

    model = check(f, x, tmp_path=tmp_path, max_unroll=8, rtol=1e-5, atol=1e-5)
    assert "while_loop" in mil_op_types(model)


# -- kept loops with dynamic slices; stablehlo.if -----------------------------------------


def test_kept_loop_dynamic_slices_clamp_and_patch(tmp_path):
    # In a kept loop the indices stay dynamic: slice_by_size with clamped
    # starts, and a 2-D patch written with two nested scatters.
    def f(buf, x):
        def body(i, carry):
            b, acc = carry
            window = lax.dynamic_slice(x, (i - 2,), (3,))  # clamped at both ends
            b = lax.dynamic_update_slice(b, window[None, :2] * (i + 1.0), (i, i))
            return b, acc + window.sum()

        return lax.fori_loop(0, 6, body, (buf, jnp.float32(0)))

    model = check(f, f32(6, 7), f32(8, seed=1), tmp_path=tmp_path, max_unroll=0)
    assert {"while_loop", "slice_by_size", "scatter"} <= mil_op_types(model)


_IF_PROGRAM = """
func.func @main(%p: tensor<i1>, %x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "stablehlo.if"(%p) ({
    %1 = stablehlo.sine %x : tensor<4xf32>
    %2 = stablehlo.multiply %1, %x : tensor<4xf32>
    stablehlo.return %2 : tensor<4xf32>
  }, {
    %1 = stablehlo.cosine %x : tensor<4xf32>
    stablehlo.return %1 : tensor<4xf32>
  }) : (tensor<i1>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
"""


def test_stablehlo_if_as_mil_cond(tmp_path):
    import hlo_coreml
    from hlo_coreml.pipeline import LEGALIZE_PASSES, PREPARE_PIPELINE

    pipeline = [
        "hlo-coreml-unroll-while{max-select-ops=0}" if e == "hlo-coreml-unroll-while" else e
        for e in PREPARE_PIPELINE + LEGALIZE_PASSES
    ]
    path = os.path.join(os.fspath(tmp_path), "if.mlpackage")
    model = hlo_coreml.compile(_IF_PROGRAM, compute_precision="fp32", legalize_pipeline=pipeline, output_path=path)
    assert "cond" in mil_op_types(model)
    x = f32(4)
    names = [i.name for i in model.get_spec().description.input]
    for p, want in ((1, np.sin(x) * x), (0, np.cos(x))):
        out = hlo_coreml.run(path, {names[0]: np.array([p], np.int32), names[1]: x})
        np.testing.assert_allclose(list(out.values())[0], want, rtol=1e-6, atol=1e-6)
