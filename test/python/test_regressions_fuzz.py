"""Regression tests for the crashes found by random programs (issue #14,
"Known failures -- Crashes" and "Messages"): each program compiles and
matches JAX on CPU (fp32, and fp16 where it applies), or is refused with a
`CompileError` that names the user's op and its source line.

The pad lowering is also swept: every combination of low / high / interior
padding, negative and zero, ranks 1 to 5, float / int / bool, constant and
runtime pad values, against JAX. See docs/regressions.md.
"""

from __future__ import annotations

import itertools
import re

import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

import hlo_coreml
from helpers import FP16_ATOL, FP16_RTOL, check_against_jax, mil_op_types


def rng(seed=0):
    return np.random.default_rng(seed)


def f32(*shape, seed=0):
    return rng(seed).normal(size=shape).astype(np.float32)


def f16(*shape, seed=0):
    return f32(*shape, seed=seed).astype(np.float16)


def i32(*shape, seed=0):
    return rng(seed).integers(-9, 9, size=shape).astype(np.int32)


def check_both(fn, *args):
    """fp32, then fp16 compute precision, both against JAX."""
    check_against_jax(fn, *args)
    check_against_jax(fn, *args, precision="fp16")


# -- zero-element values (hlo-coreml-drop-empty-tensors) --------------------------


@pytest.mark.parametrize("widths", [(0, 2), (2, 0), (0, 0), (1, 1)])
def test_edge_pad_with_a_zero_width(widths):
    # Was: EmitterBug "All entries of reps parameter must be greater than 0"
    # (the zero-width edge is a broadcast to tensor<1x0xf32>).
    check_both(lambda x: jnp.pad(x, widths, mode="edge"), f32(4))


def test_edge_pad_2d_zero_width_on_one_axis():
    check_both(lambda x: jnp.pad(x, ((0, 2), (1, 0)), mode="edge"), f32(3, 4))


@pytest.mark.parametrize("shift", [3, 0, -3, 6])
def test_roll_of_a_concatenation_by_its_length(shift):
    # Was: "doesn't have compatible subtype" (a concat with an empty slice).
    fn = lambda x, y: jnp.roll(jnp.concatenate([x, y, x]), shift, axis=1)  # noqa: E731
    check_both(fn, f32(1, 3, 3), f32(1, 3, 3, seed=1))


def test_empty_operands_of_reductions_and_matmuls():
    def fn(x):
        empty = x[:, :0]
        return jnp.sum(empty, axis=1) + 1.0, empty @ empty.T, jnp.concatenate([empty, x], axis=1)

    check_against_jax(fn, f32(2, 3))


def test_empty_result_is_refused_at_its_line():
    with pytest.raises(hlo_coreml.CompileError) as info:
        hlo_coreml.compile(lambda x: x[:, :0] * 2.0, f32(2, 3))
    message = str(info.value)
    assert "has no elements" in message
    assert "test_regressions_fuzz.py" in message


# -- pad: negative + interior, rank 5, dtypes ------------------------------------------


def test_negative_and_interior_padding_together():
    # Was: the same EmitterBug (dim 1 is cropped to nothing, then padded).
    config = [(1, -1, 0), (-1, 1, 1), (1, 2, 0), (-1, -1, 0)]
    check_against_jax(lambda x: lax.pad(x, 3, config), i32(2, 1, 1, 4))


def test_interior_padding_of_a_rank5_value():
    # Was: expand_dims to rank 6 ("Core ML only supports tensors with rank <= 5").
    check_both(lambda x: lax.pad(x, 0.0, [(0, 0, 1), (1, 0, 2), (0, 0, 0), (0, 1, 1), (0, 0, 3)]), f32(2, 2, 3, 2, 2))


def test_f16_pad_with_interior():
    # Was: "constant_val has dtype fp32 whereas x has dtype fp16".
    check_both(lambda x: lax.pad(x, jnp.float16(0.5), [(0, 1, 2)]), f16(4))


@pytest.mark.parametrize("name", ["cumprod", "cummax", "cummin", "cumsum"])
def test_f16_cumulative(name):
    # Was: the same fp32 constant next to f16 data (the scan's shifts are pads).
    fn = {"cumprod": jnp.cumprod, "cummax": lax.cummax, "cummin": lax.cummin, "cumsum": jnp.cumsum}[name]
    x = (1.0 + 0.2 * f32(3, 6)).astype(np.float16)
    # f16 data: JAX and MIL round each step in f16, in a different order.
    check_against_jax(lambda x: fn(x, axis=1), x, rtol=FP16_RTOL, atol=FP16_ATOL)
    check_against_jax(lambda x: fn(x, axis=1), x, precision="fp16")


def test_cummax_of_a_pad():
    # Was: dtype clash in coremltools' const_elimination (the pad value is a
    # convert of the integer 0; a concat with a small input got symbolic values).
    check_both(lambda x: lax.cummax(jnp.pad(x, ((2, 0), (1, 0))), axis=1), f32(4, 1))


def test_reflect_pad_of_an_interior_padded_bool():
    # Fuzz seeds 219 and 295: a bool concat (the interior pad) got symbolic
    # values like the float one above, and const_elimination clashed on them.
    fn = lambda x: jnp.pad(lax.pad(x, True, [(0, 0, 1)]), ((1, 1),), mode="reflect")
    check_both(fn, np.array([True, False], np.bool_))


@pytest.mark.parametrize("values", [[-2, 2], [70000, -40000]], ids=["negative", "beyond-int16"])
def test_int_top_k_at_fp16(values):
    # Fuzz seed 160: coremltools' add_int16_cast (fp16, iOS17+) gathered the
    # int32 values through uint16, so -2 came back as 65534; values beyond
    # int16 would wrap. The pass is skipped (compiler.SKIPPED_MIL_PASSES).
    x = np.array([values], np.int32)
    check_against_jax(lambda x: lax.top_k(x, 2), x, precision="fp16")
    check_against_jax(lambda x: jnp.sort(x, axis=-1, descending=True), x, precision="fp16")


def test_concat_value_inference_keeps_float_dtype():
    """The coremltools 9.0 bug behind test_cummax_of_a_pad, in MIL: a slice
    of the constant half of concat(const, small input) followed by a pad."""
    from coremltools.converters.mil import Builder as mb

    from hlo_coreml.compiler import convert_program
    from hlo_coreml.coreml import coremltools
    from hlo_coreml.coreml_patches import concat_float_symbols_removed

    ct = coremltools()

    def build():
        @mb.program(input_specs=[mb.TensorSpec(shape=(6, 1))], opset_version=ct.target.iOS17)
        def prog(x):
            both = mb.concat(values=[np.zeros((6, 1), np.float32), x], axis=1)
            left = mb.slice_by_index(x=both, begin=[0, 0], end=[6, 1])
            return mb.pad(x=left, pad=np.array([0, 0, 1, 0], np.int32), mode="constant", constant_val=np.float32(-1))

        return prog

    from coremltools.converters.mil.mil.ops.defs.iOS15.tensor_operation import concat

    original = concat.__dict__["value_inference"]
    with pytest.raises(ValueError, match="dtype int32"):
        convert_program(build(), ct.target.iOS17, ct.precision.FLOAT32)
    with concat_float_symbols_removed():
        program = build()
    model = convert_program(program, ct.target.iOS17, ct.precision.FLOAT32)
    assert "pad" in mil_op_types(model)
    assert concat.__dict__["value_inference"] is original  # the patch is gone afterwards


# The pad sweep: per-axis (low, high, interior) configurations, chosen so
# that every result dim is positive for an axis of size 3.
AXIS_CONFIGS = [
    (0, 0, 0),
    (2, 0, 0),
    (0, 2, 0),
    (-1, 0, 0),
    (0, -2, 0),
    (1, -1, 0),
    (-1, 1, 0),
    (0, 0, 1),
    (1, 2, 2),
    (-1, -1, 1),
    (-2, 1, 1),
    (-3, 2, 0),  # cropped to nothing, then padded: every element is padding
    (2, -4, 0),  # the same from the high side
    (-4, 3, 1),  # dilated to 5, cropped past its end
]
SWEEP_DTYPES = {
    "f32": (f32, 0.5),
    "f16": (f16, np.float16(-1.5)),
    "i32": (i32, 7),
    "bool": (lambda *s, seed=0: i32(*s, seed=seed) > 0, True),
}


def _padded_size(n, config):
    low, high, interior = config
    return low + high + (n - 1) * (interior + 1) + 1


def _sweep_cases():
    cases = []
    draw = rng(14)
    for rank, dtype, runtime_value in itertools.product(range(1, 6), SWEEP_DTYPES, (False, True)):
        picks = draw.choice(len(AXIS_CONFIGS), size=rank)
        cases.append((rank, dtype, runtime_value, tuple(AXIS_CONFIGS[i] for i in picks)))
    # Every configuration at least once on its own, in 1-D and as the
    # middle axis of a rank-3 value.
    for config in AXIS_CONFIGS:
        cases.append((1, "f32", False, (config,)))
        cases.append((3, "i32", False, ((0, 0, 0), config, (1, 0, 0))))
    return cases


@pytest.mark.parametrize(
    "rank,dtype,runtime_value,config",
    _sweep_cases(),
    ids=lambda v: str(v).replace(" ", "") if isinstance(v, tuple) else str(v),
)
def test_pad_sweep(rank, dtype, runtime_value, config):
    make, value = SWEEP_DTYPES[dtype]
    shape = (3,) * rank if rank < 5 else (3, 2, 3, 2, 3)
    # On the axes of size 2 a configuration that leaves nothing is dropped.
    config = [c if _padded_size(n, c) > 0 else (0, 0, c[2]) for n, c in zip(shape, config)]
    x = make(*shape, seed=rank)
    pad_value = np.asarray(value, dtype=x.dtype)
    if runtime_value:
        check_against_jax(lambda x, v: lax.pad(x, v, config), x, pad_value)
    else:
        check_against_jax(lambda x: lax.pad(x, pad_value, config), x)


def test_pad_sweep_covers_everything():
    cases = _sweep_cases()
    assert {c[0] for c in cases} == {1, 2, 3, 4, 5}
    assert {c[1] for c in cases} == set(SWEEP_DTYPES)
    seen = {config for case in cases for config in case[3]}
    assert seen >= set(AXIS_CONFIGS)


# -- convolution ----------------------------------------------------------------------


@pytest.mark.parametrize("op", ["add", "sub", "transpose"])
def test_nwc_conv_with_input_kernel_plus_bias(op):
    # Was: AttributeError in coremltools' fuse_conv_bias (conv -> transpose ->
    # add(const) with a non-constant weight); see coreml_patches.
    def fn(x, w):
        if op == "transpose":
            y = lax.conv_transpose(x, w, (2,), "SAME", dimension_numbers=("NWC", "WIO", "NWC"))
        else:
            y = lax.conv_general_dilated(x, w, (1,), "SAME", dimension_numbers=("NWC", "WIO", "NWC"))
        return y - jnp.arange(3.0) if op == "sub" else y + jnp.arange(3.0)

    check_both(fn, f32(1, 5, 2), f32(3, 2, 3, seed=1))


def test_conv_bias_fusion_guard_is_restored():
    from coremltools.converters.mil.mil.passes.defs.optimize_conv import fuse_conv_bias

    from hlo_coreml.coreml_patches import conv_bias_fusion_guarded

    original = fuse_conv_bias.__dict__["_try_to_transform_transpose_pattern"]
    with conv_bias_fusion_guarded():
        assert fuse_conv_bias.__dict__["_try_to_transform_transpose_pattern"] is not original
    assert fuse_conv_bias.__dict__["_try_to_transform_transpose_pattern"] is original


# -- control flow -------------------------------------------------------------------------


def test_loop_body_reshape_of_a_loop_invariant_reshape():
    # Was: KeyError in coremltools' merge_consecutive_reshapes, which merged a
    # reshape in the loop body with the reshape outside it that it reads, and
    # inserted the result into the wrong block (see coreml_patches).
    def fn(x, n):
        y = jnp.tanh(x).reshape(4, 3, 5)

        def body(c):
            return c[0] + 1, c[1] * 0.5 + (y.reshape(12, 5) * c[1][0]).sum(0)

        return lax.while_loop(lambda c: c[0] < n, body, (jnp.int32(0), jnp.ones(5)))[1]

    check_both(fn, f32(60), np.int32(3))


def test_reshape_merge_guard_keeps_one_block_runs_and_is_restored():
    from coremltools.converters.mil import Builder as mb
    from coremltools.converters.mil.mil.passes.defs.optimize_repeat_ops import merge_consecutive_reshapes
    from coremltools.converters.mil.mil.passes.pass_registry import PASS_REGISTRY

    from hlo_coreml.coreml_patches import reshape_merges_within_blocks

    @mb.program(input_specs=[mb.TensorSpec(shape=(4, 15))])
    def prog(x):
        chain = mb.reshape(x=mb.reshape(x=mb.reshape(x=x, shape=[6, 10]), shape=[3, 20]), shape=[60])
        return mb.mul(x=chain, y=2.0)

    original = merge_consecutive_reshapes.__dict__["_match_pattern"]
    with reshape_merges_within_blocks():
        assert merge_consecutive_reshapes.__dict__["_match_pattern"] is not original
        PASS_REGISTRY["common::merge_consecutive_reshapes"](prog)
    assert merge_consecutive_reshapes.__dict__["_match_pattern"] is original
    # Three reshapes in one block still merge into one.
    assert [op.op_type for op in prog.functions["main"].operations].count("reshape") == 1


def test_while_loop_with_a_reduced_rank0_carry():
    # Was: EmitterBug "loop_vars ... changes in the body of while_loop" (a
    # reduction is a MIL scalar, arithmetic on a rank-0 const a rank-0 tensor).
    def fn(x):
        def cond(c):
            return (c[0] < 5) & (c[1] < 100.0)

        def body(c):
            return c[0] + 1, c[1] * 1.5 + jnp.sum(jnp.abs(x))

        return lax.while_loop(cond, body, (jnp.int32(0), jnp.sum(jnp.abs(x))))

    check_both(fn, f32(3))


def test_while_loop_max_carry_and_cond_branches_of_both_kinds():
    def loop(x):
        return lax.while_loop(lambda c: c[1] < 50.0, lambda c: (c[0] + 1, c[1] * 2.0 + 1.0), (jnp.int32(0), jnp.max(x) + 1.5))

    def branches(x):
        return lax.cond(x[0] > 0, lambda: jnp.sum(x), lambda: x[1] * 3.0)

    check_both(loop, np.abs(f32(3)))
    check_both(branches, f32(3))
    check_both(branches, -np.abs(f32(3)))


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(window_strides=(1, 1, 1), padding="VALID", rhs_dilation=(1, 2, 2)),
        dict(window_strides=(2, 1, 1), padding=[(0, 0), (1, 0), (0, 0)], lhs_dilation=(2, 1, 2)),
        dict(window_strides=(1, 1, 1), padding=[(1, 0), (0, 1), (2, -1)], lhs_dilation=(1, 2, 1), rhs_dilation=(2, 1, 2)),
    ],
    ids=["rhs_dilation", "lhs_dilation", "both"],
)
@pytest.mark.parametrize("kernel", ["input", "constant"])
def test_3d_conv_dilations_stay_within_rank5(kwargs, kernel):
    # Was: rank 6 (zeros inserted into the rank-5 kernel / input through
    # expand_dims); check_against_jax asserts rank <= 5 in the saved model.
    x, w = f32(1, 2, 4, 6, 5), f32(3, 2, 2, 2, 2, seed=1)
    if kernel == "input":
        check_both(lambda x, w: lax.conv_general_dilated(x, w, **kwargs), x, w)
    else:
        check_both(lambda x: lax.conv_general_dilated(x, w, **kwargs), x)


# -- rank 6 through composites ---------------------------------------------------------------

RANK6 = (1, 2, 1, 2, 1, 3)
UNARY_COMPOSITES = {
    "asin": (lambda x: jnp.arcsin(0.5 * x), "asin"),
    "acos": (lambda x: jnp.arccos(0.5 * x), "acos"),
    "cosh": (jnp.cosh, "cosh"),
    "sinh": (jnp.sinh, "sinh"),
    "atanh": (lambda x: jnp.arctanh(0.3 * x), "atanh"),
    "erf": (lax.erf, "erf"),
}


@pytest.mark.parametrize("name", sorted(UNARY_COMPOSITES))
def test_rank6_elementwise_composite_keeps_its_mil_op(name):
    # Was: refused, blaming "the model's interface" of @chlo.<op>.impl.
    fn, mil_op = UNARY_COMPOSITES[name]
    x = np.clip(f32(2, 2, 3), -1.5, 1.5)
    model = check_against_jax(lambda x: fn(x.reshape(RANK6)).reshape(x.shape), x)
    assert mil_op in mil_op_types(model)
    check_against_jax(lambda x: fn(x.reshape(RANK6)).reshape(x.shape), x, precision="fp16")


def test_rank6_top_k_is_one_topk():
    # A rank-6 top_k is one top_k at rank <= 5; over a short last dim that is
    # a stable sort (MIL topk's tie order is undocumented, docs/semantics.md).
    fn = lambda x: lax.top_k(x.reshape(RANK6), 2)  # noqa: E731
    model = check_against_jax(lambda x: [v.reshape(2, 2, 2) for v in fn(x)], f32(2, 2, 3))
    ops = mil_op_types(model)
    assert "topk" not in ops and ops.count("argsort") == 2, ops


def test_rank6_composite_at_the_interface():
    # Was refused naming "@chlo.asin.impl"; rank-6 inputs and outputs now
    # travel with their leading dims merged, and asin keeps its MIL op.
    x = 0.5 * f32(*RANK6)
    model = hlo_coreml.compile(jnp.arcsin, x, compute_precision="fp32")
    (got,) = hlo_coreml.run(model, {"x": x}, strict=True).values()
    assert got.shape == x.shape
    np.testing.assert_allclose(got, np.asarray(jnp.arcsin(x)), rtol=1e-5, atol=1e-6)
    assert "asin" in mil_op_types(model)


def test_empty_input_is_refused_naming_the_argument():
    with pytest.raises(hlo_coreml.CompileError) as info:
        hlo_coreml.compile(lambda x, y: jnp.concatenate([x, y]), np.zeros((0, 3), np.float32), f32(2, 3))
    assert "argument #0 of @main has no elements" in str(info.value)


# -- f16 data: no fp32 constant next to it --------------------------------------------------


def h16(*shape, seed=0):
    return f16(*shape, seed=seed)


F16_PROGRAMS = {
    "clamp": (lambda x: jnp.clip(x, -0.5, 0.5), (h16(3, 4),)),
    "where_scalar": (lambda x: jnp.where(x > 0, x, 0.25), (h16(3, 4),)),
    "atan2": (jnp.arctan2, (h16(3, 4), h16(3, 4, seed=1))),
    "pow": (lambda x: jnp.abs(x) ** 1.5, (h16(3, 4),)),
    "softmax": (lambda x: jnp.exp(x) / jnp.sum(jnp.exp(x), axis=-1, keepdims=True), (h16(3, 4),)),
    "padded_max_window": (
        lambda x: lax.reduce_window(x, -jnp.inf, lax.max, (1, 3), (1, 2), ((0, 0), (1, 1))),
        (h16(3, 5),),
    ),
    "padded_sum_window": (lambda x: lax.reduce_window(x, 0.0, lax.add, (1, 3), (1, 1), ((0, 0), (1, 1))), (h16(3, 4),)),
    "edge_and_reflect": (lambda x: (jnp.pad(x, ((0, 1), (2, 0)), mode="edge"), jnp.pad(x, 1, mode="reflect")), (h16(3, 4),)),
    "runtime_interior_pad": (lambda x, v: lax.pad(x, v, [(1, 0, 1), (0, 2, 1)]), (h16(2, 3), np.float16(0.5))),
    "while_carry": (
        lambda x: lax.while_loop(
            lambda c: c[1] < 10.0, lambda c: (c[0] * 1.5, c[1] + jnp.sum(jnp.abs(c[0]))), (x, jnp.float16(0))
        )[0],
        (h16(3),),
    ),
    "scatter_add": (lambda x, i: x.at[i].add(1.5), (h16(5, 3), np.array([0, 4, 2], np.int32))),
}


@pytest.mark.parametrize("name", sorted(F16_PROGRAMS))
def test_f16_data_programs(name):
    fn, args = F16_PROGRAMS[name]
    check_against_jax(fn, *args, rtol=FP16_RTOL, atol=FP16_ATOL)


# -- bf16 held in f32: a cancellation that amplifies JAX's bf16 roundings (fuzz seed 1579) --


def _layer_norm_axis0(v):
    # The fuzz program adds 1e-5; 2**-17 is the same in bf16 and f32, so
    # the f32 program below is exactly what the compiler computes.
    return (v - jnp.mean(v, axis=0, keepdims=True)) * lax.rsqrt(jnp.var(v, axis=0, keepdims=True) + 2.0**-17)


@pytest.mark.parametrize("precision", ["fp32", "fp16"])
def test_bf16_layer_norm_of_nearly_equal_values_is_the_f32_program(precision, tmp_path):
    # Fuzz seed 1579 (minimized). JAX rounds the mean 1.00390625 to the bf16
    # 1.0, so x - mean is [0, 0, 0, 1/64] and the result [0, 0, 0, 2.09375];
    # hlo-coreml-widen-bf16 computes in f32 (docs/precision.md), where
    # x - mean is [-1/256, .., 3/256] and the result [-0.52, .., 1.57]. No
    # MIL lowering is involved: the compiled program is JAX's program read
    # in f32, and must agree with JAX on exactly that.
    import jax

    from helpers import FP32_ATOL, FP32_RTOL, compile_and_save, run_saved

    x = np.array([[1.0], [1.0], [1.0], [1.015625]], dtype=jnp.bfloat16)
    model, path = compile_and_save(_layer_norm_axis0, x, path=str(tmp_path / "m.mlpackage"), precision=precision)
    (got,) = run_saved(model, path, x)
    want = jax.jit(_layer_norm_axis0)(x.astype(np.float32))
    rtol, atol = (FP32_RTOL, FP32_ATOL) if precision == "fp32" else (FP16_RTOL, FP16_ATOL)
    np.testing.assert_allclose(got.reshape(4, 1), np.asarray(want), rtol=rtol, atol=atol)
    # The bf16 reference really is out of reach (this is the cancellation case).
    bf16 = np.asarray(jax.jit(_layer_norm_axis0)(x), np.float32)
    assert np.abs(bf16 - np.asarray(want)).max() > 0.5


# -- rank 6: a gather result sliced on every dim (fuzz seed 9590) ----------------------------


def test_gather_then_slice_of_every_rank6_dim():
    # Fuzz seed 9590 (verbatim): a0[a1] makes a rank-6 value that a slice
    # cuts on five dims; with the gather's batch / window split that needed
    # all six dims apart. cap-rank's slice fallback now slices one dim at a
    # time on rank-3 views (passes/cap_rank/windows.py).
    def f(a0, a1):
        v0 = a0[a1]
        v1 = a1 * jnp.arange(2, dtype=jnp.int32)
        v2 = v0[2::2, 1::1, :, 2::1, 1::2, -2:5:]
        v3 = jnp.ravel(v2)
        return (v1, v3)

    a0 = rng(9590).integers(-20, 20, size=(1, 2, 3, 2, 5)).astype(np.int32)
    a1 = np.array([[-1, 0], [0, 0], [0, -1], [-1, -1]], dtype=np.int32)
    check_both(f, a0, a1)


# -- nested dynamic slices: XLA on CPU disagrees with the spec (fuzz seed 11093) -------------


def test_nested_dynamic_slices_follow_the_stablehlo_spec():
    # Fuzz seed 11093 (minimized): the inner start 3 is clamped to 2 (5 - 3),
    # the outer one, -2 (wrapped by JAX to 1), picks column 2 + 1 = 3 of the
    # row: True. StableHLO's reference interpreter and eager JAX say True;
    # jax.jit on CPU says False (XLA merges the two slices and clamps only
    # the sum, 3 + 1 = 4). We follow the spec, so the reference here is
    # `stablehlo.eval_module`, not jax.jit.
    import jax

    from hlo_coreml._mlir import ir, make_context, stablehlo

    def g(a0, a1, a2):
        return lax.dynamic_slice(lax.dynamic_slice(a0, (2, a1), (1, 3)), (-1, a2), (1, 1))

    a0 = np.array([[0, 0, 1, 0, 1], [0, 0, 0, 0, 0], [1, 0, 1, 1, 0]], bool)
    a1, a2 = np.int32(3), np.int32(-2)
    with make_context(), ir.Location.unknown():
        module = ir.Module.parse(jax.jit(g).lower(a0, a1, a2).as_text())
        i32 = ir.IntegerType.get_signless(32)

        def scalar(v):
            return ir.DenseElementsAttr.get_splat(ir.RankedTensorType.get([], i32), ir.IntegerAttr.get(i32, int(v)))

        [expected] = [np.array(o) for o in stablehlo.eval_module(module, [ir.DenseElementsAttr.get(a0), scalar(a1), scalar(a2)])]
    assert expected.tolist() == [[True]]
    assert np.asarray(g(a0, a1, a2)).tolist() == [[True]]  # eager JAX agrees with the spec
    for precision in ("fp32", "fp16"):
        model = hlo_coreml.compile(g, a0, a1, a2, compute_precision=precision)
        names = [s.name for s in model.hlo_coreml_interface.inputs]
        [got] = hlo_coreml.run(model, dict(zip(names, (a0, a1.reshape(1), a2.reshape(1))))).values()
        np.testing.assert_array_equal(np.asarray(got).reshape(1, 1).astype(bool), expected)


def test_op_names_do_not_depend_on_earlier_compiles():
    # Was: coremltools' process-wide name counter gave a model compiled
    # after others other op names (and docs/llm.md's package size changed
    # with the tests that ran before it); see coreml_patches.deterministic_mil_names.
    from coremltools.converters.mil.mil import Builder

    def fn(x):
        return jnp.sort(jnp.tanh(x) @ x.T, axis=0)[::-1].reshape(-1)

    def program_text():
        # Blocks are numbered by another process-wide counter; their names
        # are not in the package.
        return re.sub(r"\bblock\d+\(", "block(", str(hlo_coreml.compile(fn, f32(3, 4))._mil_program))

    first = program_text()
    Builder.name_count["cast"] += 1000  # as if many models had been built
    for _ in range(2):
        hlo_coreml.compile(lambda x: jnp.exp(x) + 1.0, f32(5))
    assert program_text() == first
    assert Builder.name_count["cast"] >= 1000  # the process's counter is left as it was
