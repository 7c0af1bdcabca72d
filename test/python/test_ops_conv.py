"""Convolution in the forms JAX emits, against JAX on CPU: layouts, strides,
asymmetric and negative padding, kernel and input dilation (transposed
convolutions), window reversal, feature and batch groups; and small real
model blocks (ResNet, MobileNet, 1-D audio front end, transposed-conv
decoder)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

from helpers import check_against_jax, mil_op_types


def f32(*shape, seed=0, lo=-1.0, hi=1.0):
    return np.random.default_rng(seed).uniform(lo, hi, size=shape).astype(np.float32)


RTOL, ATOL = 1e-4, 1e-5


def conv(x, w, **kw):
    return lax.conv_general_dilated(x, w, **kw)


CASES = [
    # name, x shape, w shape, kwargs (constant kernel unless 'dyn')
    ("1d_valid", (2, 3, 16), (4, 3, 3), dict(window_strides=(1,), padding="VALID")),
    ("1d_stride_asym", (2, 3, 17), (4, 3, 4), dict(window_strides=(2,), padding=((2, 1),))),
    ("2d_same_stride", (1, 3, 9, 10), (5, 3, 3, 3), dict(window_strides=(2, 2), padding="SAME")),
    ("2d_negative_pad", (1, 2, 9, 9), (3, 2, 3, 3), dict(window_strides=(1, 1), padding=((-1, 2), (1, -2)))),
    ("2d_rhs_dilation", (1, 2, 12, 12), (3, 2, 3, 3), dict(window_strides=(1, 1), padding="SAME", rhs_dilation=(2, 3))),
    ("2d_lhs_dilation", (1, 2, 5, 6), (3, 2, 3, 3), dict(window_strides=(1, 1), padding=((2, 2), (1, 2)), lhs_dilation=(2, 2))),
    ("2d_lhs_dilation_big_pad", (1, 2, 5, 6), (3, 2, 3, 3), dict(window_strides=(1, 1), padding=((3, 4), (0, 2)), lhs_dilation=(2, 3))),
    ("2d_lhs_dilation_strided", (1, 2, 5, 6), (3, 2, 3, 3), dict(window_strides=(2, 1), padding=((1, 1), (1, 1)), lhs_dilation=(2, 2))),
    ("2d_lhs_and_rhs_dilation", (1, 2, 5, 5), (3, 2, 2, 3), dict(window_strides=(1, 1), padding=((1, 1), (2, 2)), lhs_dilation=(3, 2), rhs_dilation=(2, 2))),
    ("3d", (1, 2, 5, 6, 7), (3, 2, 2, 3, 2), dict(window_strides=(1, 2, 1), padding="SAME")),
    ("3d_lhs_dilation", (1, 2, 3, 4, 3), (2, 2, 2, 2, 2), dict(window_strides=(1, 1, 1), padding=((1, 1),) * 3, lhs_dilation=(2, 2, 2))),
    ("grouped", (2, 4, 8, 8), (6, 2, 3, 3), dict(window_strides=(1, 1), padding="SAME", feature_group_count=2)),
    ("depthwise", (1, 4, 8, 8), (4, 1, 3, 3), dict(window_strides=(2, 2), padding="SAME", feature_group_count=4)),
    ("grouped_lhs_dilation", (1, 4, 4, 4), (6, 2, 3, 3), dict(window_strides=(1, 1), padding=((2, 2), (2, 2)), lhs_dilation=(2, 2), feature_group_count=2)),
    ("batch_groups", (4, 3, 6, 6), (4, 3, 3, 3), dict(window_strides=(1, 1), padding="VALID", batch_group_count=2)),
]


@pytest.mark.parametrize("dynamic", [False, True], ids=["const_kernel", "dyn_kernel"])
@pytest.mark.parametrize("name,xs,ws,kw", CASES, ids=[c[0] for c in CASES])
def test_conv_forms(name, xs, ws, kw, dynamic):
    x, w = f32(*xs), f32(*ws, seed=1)
    if dynamic:
        check_against_jax(lambda x, w: conv(x, w, **kw), x, w, rtol=RTOL, atol=ATOL)
    else:
        check_against_jax(lambda x: conv(x, jnp.asarray(w), **kw), x, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("dn", [("NHWC", "HWIO", "NHWC"), ("NCHW", "OIHW", "NHWC"), ("NHWC", "OHWI", "NCHW")])
def test_conv_layouts(dn):
    x = f32(1, 7, 8, 3) if dn[0] == "NHWC" else f32(1, 3, 7, 8)
    w = f32(3, 3, 3, 4, seed=1) if dn[1] == "HWIO" else (f32(4, 3, 3, 3, seed=1) if dn[1] == "OIHW" else f32(4, 3, 3, 3, seed=1))
    check_against_jax(
        lambda x, w: conv(x, w, window_strides=(1, 2), padding="SAME", dimension_numbers=dn), x, w, rtol=RTOL, atol=ATOL
    )


@pytest.mark.parametrize("transpose_kernel", [False, True])
@pytest.mark.parametrize("padding", ["SAME", "VALID", ((1, 2), (0, 1))])
def test_lax_conv_transpose(padding, transpose_kernel):
    x, w = f32(1, 5, 6, 3), f32(3, 3, 3, 4, seed=1)
    if transpose_kernel:
        from hlo_coreml.emit.registry import emitter_table

        if "stablehlo.reverse" not in emitter_table():
            pytest.skip("transpose_kernel=True flips the kernel with stablehlo.reverse (another work item)")
        w = f32(3, 3, 4, 3, seed=1)

    def f(x):
        return lax.conv_transpose(
            x, jnp.asarray(w), (2, 2), padding, dimension_numbers=("NHWC", "HWIO", "NHWC"), transpose_kernel=transpose_kernel
        )

    check_against_jax(f, x, rtol=RTOL, atol=ATOL)


def test_conv_transpose_maps_to_one_mil_op():
    x, w = f32(1, 5, 6, 3), f32(3, 3, 3, 4, seed=1)

    def f(x):
        return lax.conv_transpose(x, jnp.asarray(w), (2, 2), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))

    ops = mil_op_types(check_against_jax(f, x, rtol=RTOL, atol=ATOL))
    assert ops.count("conv_transpose") == 1 and "conv" not in ops


@pytest.mark.parametrize("groups", [1, 3])
def test_kernel_gradient(groups):
    # The gradient of a strided conv w.r.t. its kernel is a conv whose
    # "kernel" is the (dynamic) output gradient, dilated by the strides
    # (and, for grouped convs, a batch-grouped conv).
    x, w = f32(2, 3, 8, 8), f32(6, 3 // groups, 3, 3, seed=1)

    def f(x, w):
        def loss(w):
            return jnp.sum(conv(x, w, window_strides=(2, 2), padding="SAME", feature_group_count=groups) ** 2)

        return jax.grad(loss)(w)

    check_against_jax(f, x, w, rtol=1e-4, atol=1e-4)


def test_window_reversal_attribute():
    # JAX never sets window_reversal; StableHLO text can.
    import hlo_coreml

    text = """
    func.func @main(%x: tensor<1x1x6xf32>, %w: tensor<1x1x3xf32>) -> tensor<1x1x4xf32> {
      %0 = stablehlo.convolution(%x, %w) dim_numbers = [b, f, 0]x[o, i, 0]->[b, f, 0],
          window = {reverse = [true]} {batch_group_count = 1 : i64, feature_group_count = 1 : i64}
          : (tensor<1x1x6xf32>, tensor<1x1x3xf32>) -> tensor<1x1x4xf32>
      return %0 : tensor<1x1x4xf32>
    }"""
    x = np.arange(6, dtype=np.float32).reshape(1, 1, 6)
    w = np.array([1.0, 10.0, 100.0], np.float32).reshape(1, 1, 3)
    model = hlo_coreml.compile(text, compute_precision="fp32")
    import tempfile, os

    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "m.mlpackage")
        model.save(path)
        out = hlo_coreml.run(path, {"x": x, "w": w} if "x" in [i.name for i in model.get_spec().description.input] else dict(zip([i.name for i in model.get_spec().description.input], [x, w])))
    got = np.asarray(list(out.values())[0]).reshape(4)
    expected = np.array([np.dot(x[0, 0, i : i + 3], w[0, 0, ::-1]) for i in range(4)])
    np.testing.assert_allclose(got, expected)


# -- model blocks -------------------------------------------------------------


def _bn(x, mean, var, gamma, beta, eps=1e-5):
    return (x - mean) * lax.rsqrt(var + eps) * gamma + beta


def test_resnet_block_with_batch_norm_inference():
    c = 8
    p = {
        "w1": f32(3, 3, c, c, seed=1) * 0.3,
        "w2": f32(3, 3, c, c, seed=2) * 0.3,
        "mean": f32(c, seed=3),
        "var": f32(c, seed=4, lo=0.5, hi=1.5),
        "gamma": f32(c, seed=5),
        "beta": f32(c, seed=6),
    }

    def block(x):
        dn = ("NHWC", "HWIO", "NHWC")
        h = conv(x, p["w1"], window_strides=(1, 1), padding="SAME", dimension_numbers=dn)
        h = jax.nn.relu(_bn(h, p["mean"], p["var"], p["gamma"], p["beta"]))
        h = conv(h, p["w2"], window_strides=(1, 1), padding="SAME", dimension_numbers=dn)
        h = _bn(h, p["mean"], p["var"], p["gamma"], p["beta"])
        return jax.nn.relu(h + x)

    check_against_jax(block, f32(2, 8, 8, c), rtol=1e-4, atol=1e-4)


def test_mobilenet_depthwise_separable_block():
    c_in, c_out = 8, 16
    dw = f32(3, 3, 1, c_in, seed=1)
    pw = f32(1, 1, c_in, c_out, seed=2)

    def block(x):
        dn = ("NHWC", "HWIO", "NHWC")
        h = conv(x, dw, window_strides=(2, 2), padding="SAME", dimension_numbers=dn, feature_group_count=c_in)
        h = jax.nn.relu6(h)
        h = conv(h, pw, window_strides=(1, 1), padding="VALID", dimension_numbers=dn)
        return jax.nn.relu6(h)

    check_against_jax(block, f32(1, 16, 16, c_in), rtol=1e-4, atol=1e-4)


def test_audio_frontend_conv1d():
    w1, w2 = f32(10, 1, 16, seed=1) * 0.3, f32(3, 16, 16, seed=2) * 0.3

    def frontend(wave):
        dn = ("NWC", "WIO", "NWC")
        h = conv(wave[..., None], w1, window_strides=(5,), padding=((3, 3),), dimension_numbers=dn)
        h = jax.nn.gelu(h)
        h = conv(h, w2, window_strides=(2,), padding="VALID", dimension_numbers=dn)
        return jax.nn.gelu(h)

    check_against_jax(frontend, f32(2, 400), rtol=1e-4, atol=1e-4)


def test_transposed_conv_decoder():
    w1, w2 = f32(4, 4, 16, 8, seed=1) * 0.3, f32(4, 4, 8, 3, seed=2) * 0.3

    def decoder(z):
        dn = ("NHWC", "HWIO", "NHWC")
        h = jax.nn.relu(lax.conv_transpose(z, w1, (2, 2), "SAME", dimension_numbers=dn))
        return jnp.tanh(lax.conv_transpose(h, w2, (2, 2), "SAME", dimension_numbers=dn))

    check_against_jax(decoder, f32(1, 4, 4, 16), rtol=1e-4, atol=1e-4)


# -- batch_group_count (float) ------------------------------------------------

BATCH_GROUP_CASES = [
    # name, x shape, w shape, kwargs; batch N divisible by B, output features by B
    ("b2_valid", (4, 3, 6, 6), (4, 3, 3, 3), dict(window_strides=(1, 1), padding="VALID", batch_group_count=2)),
    ("b3_strided_padded", (6, 2, 7, 7), (6, 2, 3, 3), dict(window_strides=(2, 2), padding=((1, 0), (2, 1)), batch_group_count=3)),
    ("b2_rhs_dilation", (4, 2, 9, 9), (4, 2, 2, 2), dict(window_strides=(1, 1), padding="SAME", rhs_dilation=(2, 3), batch_group_count=2)),
    ("b2_lhs_dilation", (2, 2, 4, 4), (4, 2, 3, 3), dict(window_strides=(1, 1), padding=((2, 2), (2, 2)), lhs_dilation=(2, 2), batch_group_count=2)),
    ("b4_1d", (8, 3, 10), (8, 3, 3), dict(window_strides=(1,), padding="SAME", batch_group_count=4)),
    ("b2_3d", (2, 2, 4, 4, 4), (2, 2, 2, 2, 2), dict(window_strides=(1, 1, 1), padding="VALID", batch_group_count=2)),
]


@pytest.mark.parametrize("dynamic", [False, True], ids=["const_kernel", "dyn_kernel"])
@pytest.mark.parametrize("name,xs,ws,kw", BATCH_GROUP_CASES, ids=[c[0] for c in BATCH_GROUP_CASES])
def test_batch_group_count(name, xs, ws, kw, dynamic):
    x, w = f32(*xs), f32(*ws, seed=1)
    if dynamic:
        check_against_jax(lambda x, w: conv(x, w, **kw), x, w, rtol=RTOL, atol=ATOL)
    else:
        check_against_jax(lambda x: conv(x, jnp.asarray(w), **kw), x, rtol=RTOL, atol=ATOL)


def test_batch_group_count_nhwc_layout():
    x, w = f32(4, 6, 6, 3), f32(3, 3, 3, 4, seed=1)
    fn = lambda x, w: conv(x, w, window_strides=(1, 1), padding="SAME", batch_group_count=2, dimension_numbers=("NHWC", "HWIO", "NHWC"))  # noqa: E731
    check_against_jax(fn, x, w, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize(
    "xs,groups,kw",
    [
        ((2, 4, 9, 9), 4, dict(window_strides=(2, 2), padding="SAME")),  # depthwise: batch_group_count = 4
        ((3, 6, 8), 2, dict(window_strides=(1,), padding=((2, 1),), rhs_dilation=(2,))),
        ((1, 4, 5, 6, 5), 2, dict(window_strides=(1, 2, 1), padding="SAME")),
    ],
    ids=["depthwise_2d_strided", "grouped_1d_dilated", "grouped_3d"],
)
def test_kernel_gradient_shapes_jax_emits(xs, groups, kw):
    # jax.grad w.r.t. the kernel of a grouped convolution: a batch-grouped
    # convolution of the input with the output gradient; w.r.t. the input:
    # an lhs-dilated, feature-grouped one. Both compared with JAX. (3-D:
    # the batch-group re-layout stays within rank 5.)
    spatial = len(xs) - 2
    x = f32(*xs)
    w = f32(4, xs[1] // groups, *([3] * spatial), seed=1)

    def f(x, w):
        def loss(x, w):
            return jnp.sum(jnp.tanh(conv(x, w, feature_group_count=groups, **kw)))

        return jax.grad(loss, argnums=(0, 1))(x, w)

    text = jax.jit(f).lower(x, w).as_text()
    assert "batch_group_count = %d" % groups in text
    check_against_jax(f, x, w, rtol=1e-4, atol=1e-4)
