"""Precision: fp16 models convert with consistent dtypes at every target and
precision, bf16 is held in f32, and the fp16 precision rule keeps
overflow-prone ops in fp32 (hlo_coreml.precision)."""

import warnings

import jax
import jax.numpy as jnp
import ml_dtypes
import numpy as np
import pytest
from helpers import FP16_ATOL, FP16_RTOL, check_against_jax, jax_reference

import hlo_coreml
from hlo_coreml.precision import LARGE_REDUCTION

RNG = np.random.default_rng(0)
W = (RNG.standard_normal((8, 3, 3, 3)) * 0.3).astype(np.float32)
ALPHA = RNG.uniform(0.1, 0.3, 8).astype(np.float32)
MEAN = (RNG.standard_normal(8) * 0.1).astype(np.float32)
VAR = RNG.uniform(0.5, 1.5, 8).astype(np.float32)
GAMMA = RNG.uniform(0.5, 1.5, 8).astype(np.float32)
BETA = (RNG.standard_normal(8) * 0.1).astype(np.float32)


def _net(dtype):
    """conv -> leaky_relu -> PReLU (per-channel alpha) -> batch norm
    (inference statistics, epsilon) -> elu -> batch statistics -> gelu ->
    softmax, with every parameter in `dtype`."""
    c = lambda a: jnp.asarray(a, dtype)[None, :, None, None]  # noqa: E731

    def f(x):
        y = jax.lax.conv_general_dilated(x, W.astype(dtype), (1, 1), "SAME", dimension_numbers=("NCHW", "OIHW", "NCHW"))
        y = jax.nn.leaky_relu(y, 0.1)
        y = jnp.where(y > 0, y, c(ALPHA) * y)
        y = (y - c(MEAN)) * jax.lax.rsqrt(c(VAR) + jnp.asarray(1e-5, dtype)) * c(GAMMA) + c(BETA)
        y = jax.nn.elu(y, 0.5)
        m = y.mean(axis=(0, 2, 3), keepdims=True)
        v = ((y - m) ** 2).mean(axis=(0, 2, 3), keepdims=True)
        y = (y - m) * jax.lax.rsqrt(v + 1e-5)
        return jax.nn.softmax(jax.nn.gelu(y), axis=-1)

    return f


X = RNG.standard_normal((2, 3, 6, 6)).astype(np.float32)


@pytest.mark.parametrize("target", ["iOS15", "iOS16", "iOS17", "iOS18"])
@pytest.mark.parametrize("precision", ["fp16", "fp32"])
def test_float16_model(target, precision):
    # The whole JAX model in float16: no dtype-mismatch error at any target
    # (iOS15/16 tie activation and norm params to x's dtype), fp16 I/O from
    # iOS16 (fp32 features before), results within fp16 tolerance.
    check_against_jax(_net(jnp.float16), X.astype(np.float16), precision=precision, target=target, rtol=FP16_RTOL, atol=FP16_ATOL)


@pytest.mark.parametrize("target", ["iOS15", "iOS17"])
def test_float32_model_at_fp16_precision(target):
    check_against_jax(_net(jnp.float32), X, precision="fp16", target=target)


@pytest.mark.parametrize("precision", ["fp16", "fp32"])
def test_bfloat16_model(precision):
    # bf16 is held in f32 (hlo-coreml-widen-bf16): fp32 features, and results
    # within bf16's resolution of JAX's bf16 computation.
    x = X.astype(ml_dtypes.bfloat16)
    model = check_against_jax(_net(jnp.bfloat16), x, precision=precision, rtol=3e-2, atol=3e-2)
    assert model.hlo_coreml_interface.inputs[0].element == "f32"


def _dtypes_by_op(model) -> dict[str, set[str]]:
    """{op type: output dtypes} of the converted program."""
    from coremltools.converters.mil.mil import types

    out: dict[str, set[str]] = {}
    for op in model._mil_program.functions["main"].operations:
        for v in op.outputs:
            if types.is_tensor(v.sym_type) or types.is_scalar(v.sym_type):
                out.setdefault(op.op_type, set()).add(types.builtin_to_string(v.dtype))
    return out


def _sensitive(x, big, s):
    h = jnp.tanh(x)  # ordinary op: fp16
    ln = (h - h.mean(-1, keepdims=True)) / jnp.sqrt(h.var(-1, keepdims=True) + 1e-5)  # layer_norm
    small = jax.nn.softmax(h, axis=-1)  # softmax over 16 elements: fp16
    large = jax.nn.softmax(big, axis=-1)  # softmax over > LARGE_REDUCTION: fp32
    total = s.sum()  # long sum: fp32
    e = jnp.exp(x)  # unbounded exp: fp32
    return ln, small, large, total, e


def _sensitive_args():
    return (
        RNG.standard_normal((4, 16)).astype(np.float32),
        RNG.standard_normal((2, 2 * LARGE_REDUCTION)).astype(np.float32),
        RNG.standard_normal((4 * LARGE_REDUCTION,)).astype(np.float32),
    )


def test_precision_rule_keeps_sensitive_ops_in_fp32():
    model = hlo_coreml.compile(_sensitive, *_sensitive_args())
    dtypes = _dtypes_by_op(model)
    assert dtypes["tanh"] == {"fp16"}
    assert dtypes["layer_norm"] == {"fp32"}
    assert dtypes["softmax"] == {"fp16", "fp32"}  # the short one fp16, the long one fp32
    assert dtypes["reduce_sum"] == {"fp32"}
    assert dtypes["exp"] == {"fp32"}


def test_precision_rule_details():
    from coremltools.converters.mil.mil import types

    model = hlo_coreml.compile(_sensitive, *_sensitive_args())
    softmax = [op for op in model._mil_program.functions["main"].operations if op.op_type == "softmax"]
    by_axis = {op.x.shape[-1]: types.builtin_to_string(op.outputs[0].dtype) for op in softmax}
    assert by_axis == {16: "fp16", 2 * LARGE_REDUCTION: "fp32"}


def test_fp16_all_and_fp32_precision():
    args = _sensitive_args()
    everything = _dtypes_by_op(hlo_coreml.compile(_sensitive, *args, compute_precision="fp16-all"))
    for op in ("layer_norm", "softmax", "reduce_sum", "exp"):
        assert everything[op] == {"fp16"}, op
    fp32 = _dtypes_by_op(hlo_coreml.compile(_sensitive, *args, compute_precision="fp32"))
    for op in ("tanh", "layer_norm", "softmax", "reduce_sum", "exp"):
        assert fp32[op] == {"fp32"}, op


def test_stable_softmax_exp_runs_in_fp16():
    # exp(x - max(x)) is bounded by 1: the rule leaves it in fp16.
    x = RNG.standard_normal((4, 16)).astype(np.float32)
    model = hlo_coreml.compile(lambda x: jnp.exp(x - x.max(-1, keepdims=True)), x)
    assert _dtypes_by_op(model)["exp"] == {"fp16"}


def test_user_op_selector_is_used_as_given():
    import coremltools as ct

    x = RNG.standard_normal((4, 16)).astype(np.float32)
    selector = ct.transform.FP16ComputePrecision(op_selector=lambda op: op.op_type != "tanh")
    dtypes = _dtypes_by_op(hlo_coreml.compile(lambda x: jnp.tanh(x) * 2, x, compute_precision=selector))
    assert dtypes["tanh"] == {"fp32"} and dtypes["mul"] == {"fp16"}


def test_exp_of_large_values_is_right_at_fp16():
    # exp(11.1) > 65504: in fp16 this would be inf.
    x = np.linspace(0, 20, 32, dtype=np.float32).reshape(4, 8)
    check_against_jax(jnp.exp, x, precision="fp16", rtol=1e-3, atol=0)


def test_long_sum_is_right_at_fp16():
    # 4096 values of ~32 sum to ~131072, beyond fp16's 65504.
    s = np.full((4 * LARGE_REDUCTION,), 32.0, np.float32) + RNG.uniform(0, 1, 4 * LARGE_REDUCTION).astype(np.float32)
    check_against_jax(lambda s: s.sum(), s, precision="fp16", rtol=1e-3, atol=0)


def test_unknown_precision_refused():
    with pytest.raises(hlo_coreml.CompileError, match="fp16, fp32 or fp16-all"):
        hlo_coreml.compile(jnp.tanh, X, compute_precision="int8")


# -- fp16 constant saturation (hlo_coreml.fp16_saturation) ------------------


def _masked_softmax(x, mask):
    # Flax's attention-mask bias: finfo(float32).min where masked.
    bias = jnp.where(mask, 0.0, jnp.finfo(jnp.float32).min)
    return jax.nn.softmax(x + bias, axis=-1)


def _mask():
    mask = np.ones((4, 8), bool)
    mask[0, 5:] = False  # partly masked
    mask[2, :] = False  # fully masked: JAX gives a uniform row
    return mask


@pytest.mark.parametrize("precision", ["fp16", "fp16-all"])
def test_finfo_min_mask_bias_saturates_at_fp16(precision):
    # Without saturation the bias becomes -inf in fp16 and the fully masked
    # row is NaN; JAX (fp32) gives 1/8 everywhere in it.
    x = RNG.standard_normal((4, 8)).astype(np.float32)
    model = check_against_jax(
        _masked_softmax, x, _mask(), precision=precision, target="iOS18", rtol=FP16_RTOL, atol=FP16_ATOL
    )
    consts = [
        op.val.val
        for op in model._mil_program.functions["main"].operations
        if op.op_type == "const" and op.val.val is not None and np.asarray(op.val.val).dtype == np.float16
    ]
    assert any((np.asarray(c) == -65504).any() for c in consts)
    assert not any(np.isinf(np.asarray(c)).any() for c in consts)


def test_infinite_constants_stay_infinite_at_fp16():
    # -inf is not saturated: a fully masked row is NaN in JAX and here.
    x = RNG.standard_normal((4, 8)).astype(np.float32)

    def f(x, mask):
        return jax.nn.softmax(jnp.where(mask, x, -jnp.inf), axis=-1)

    (expected,) = jax_reference(f, x, _mask())
    assert np.isnan(expected[2]).all() and not np.isnan(expected[[0, 1, 3]]).any()
    check_against_jax(f, x, _mask(), precision="fp16")


def test_finfo_max_constant_saturates_at_fp16():
    # where(mask, x, finfo.max) * 0: JAX gives 0 where masked; a constant
    # overflowed to inf would give inf * 0 = NaN.
    x = RNG.standard_normal((4, 8)).astype(np.float32)

    def f(x, mask):
        return jnp.where(mask, x, jnp.finfo(jnp.float32).max) * 0.0 + x

    check_against_jax(f, x, _mask(), precision="fp16")


def test_saturate_to_fp16_values():
    from hlo_coreml.fp16_saturation import saturate_to_fp16

    source = np.array([3.4e38, -3.4e38, 7e4, -65504, 65519, np.inf, -np.inf, np.nan, 1.5, -0.0], np.float32)
    with np.errstate(over="ignore"):
        cast = source.astype(np.float16)
    out = saturate_to_fp16(source, cast)
    assert out.dtype == np.float16
    np.testing.assert_array_equal(out[:4], np.array([65504, -65504, 65504, -65504], np.float16))
    assert out[4] == np.float16(65504)  # 65519 rounds to 65504 anyway
    assert out[5] == np.inf and out[6] == -np.inf and np.isnan(out[7])
    assert out[8] == 1.5 and out[9] == 0 and np.signbit(out[9])


def test_saturation_passes_wrap_add_fp16_cast_in_user_pipelines():
    import coremltools as ct

    from hlo_coreml.fp16_saturation import MARK_PASS, SATURATE_PASS, with_fp16_saturation

    pipeline = ct.PassPipeline.DEFAULT
    pipeline.set_options("common::const_elimination", {"skip_const_by_size": "100000"})
    wrapped = with_fp16_saturation(pipeline)
    names = list(wrapped.passes)
    i = names.index("common::add_fp16_cast")
    assert names[i - 1 : i + 2] == [MARK_PASS, "common::add_fp16_cast", SATURATE_PASS]
    assert SATURATE_PASS not in pipeline.passes  # the caller's pipeline is not changed
    assert wrapped.get_options("common::const_elimination") is not None
    assert with_fp16_saturation(ct.PassPipeline.EMPTY).passes == []


def test_no_numpy_overflow_warning_from_fp16_constants():
    # coremltools' value inference overflows while casting finfo.min to fp16;
    # the constant ends up saturated, so the NumPy warning is noise.
    x = RNG.standard_normal((4, 8)).astype(np.float32)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        hlo_coreml.compile(_masked_softmax, x, _mask(), compute_precision="fp16")
    assert not [w for w in caught if "overflow encountered in cast" in str(w.message)]
