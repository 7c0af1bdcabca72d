"""stablehlo.select_and_scatter (hlo-coreml-decompose-select-and-scatter):
the gradient of max pooling in exported training steps, against `jax.grad`
on CPU (XLA picks the first maximum of a window: `GE` select), including
ties, overlapping windows, SAME padding, 1-D and 3-D pooling, f16; windows
with padding inside the op and other comparators against
`stablehlo.eval_module`."""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

import hlo_coreml
from helpers import check_against_jax, mil_op_types, run_saved


def f32(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype(np.float32)


# Few distinct values: many ties inside windows.
TIES = np.round(f32(2, 6, 7, 3, seed=1)).astype(np.float32)


def pooled_loss(window, strides, padding):
    def loss(x):
        y = nn.max_pool(x, window, strides=strides, padding=padding)
        return jnp.sum(jnp.sin(y) * jnp.arange(y.size, dtype=y.dtype).reshape(y.shape))

    return loss


@pytest.mark.parametrize(
    "window,strides,padding",
    [((2, 2), (2, 2), "VALID"), ((2, 2), (2, 2), "SAME"), ((3, 3), (1, 1), "SAME"), ((3, 2), (2, 1), "VALID")],
    ids=["2x2s2", "2x2s2_same", "3x3s1_same_overlapping", "3x2_s21"],
)
@pytest.mark.parametrize("x", [f32(2, 6, 7, 3), TIES], ids=["random", "ties"])
def test_max_pool_gradient(window, strides, padding, x):
    model = check_against_jax(jax.grad(pooled_loss(window, strides, padding)), x)
    assert "scatter_nd" in mil_op_types(model)


def test_max_pool_gradient_1d_and_3d():
    x1 = np.round(f32(2, 9, 2, seed=3))
    check_against_jax(jax.grad(pooled_loss((3,), (2,), "SAME")), x1)
    x3 = np.round(f32(1, 4, 5, 4, 2, seed=4))
    check_against_jax(jax.grad(pooled_loss((2, 2, 2), (2, 2, 2), "VALID")), x3)


def test_reduce_window_max_vjp_with_cotangent():
    # The VJP of lax.reduce_window max with a given cotangent: pure select_and_scatter_add.
    x = TIES[0]
    g = f32(5, 3, 3, seed=5)

    def vjp(x, g):
        _, pullback = jax.vjp(lambda x: lax.reduce_window(x, -jnp.inf, lax.max, (2, 3, 1), (1, 2, 1), "VALID"), x)
        return pullback(g)[0]

    check_against_jax(vjp, x, g)


def test_training_step_cnn():
    # One SGD step of a small CNN with max pooling: conv, relu, pool, dense.
    def forward(w, v, x):
        y = lax.conv_general_dilated(x, w, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))
        y = nn.max_pool(jax.nn.relu(y), (2, 2), strides=(2, 2))
        return y.reshape(y.shape[0], -1) @ v

    def step(w, v, x):
        loss = lambda w, v: jnp.mean(forward(w, v, x) ** 2)  # noqa: E731
        gw, gv = jax.grad(loss, argnums=(0, 1))(w, v)
        return w - 0.1 * gw, v - 0.1 * gv

    w, v, x = f32(3, 3, 1, 4, seed=6), f32(64, 3, seed=7), f32(2, 8, 8, 1, seed=8)
    check_against_jax(step, w, v, x, rtol=1e-4, atol=1e-5)


def test_f16_precision():
    check_against_jax(jax.grad(pooled_loss((2, 2), (2, 2), "VALID")), f32(1, 4, 6, 2, seed=7), precision="fp16")


@pytest.mark.parametrize(
    "select,scatter,padding,stride",
    [
        (lax.ge, lax.add, (2, 2), 2),
        (lax.ge, lax.add, (3, 0), 3),
        (lax.gt, lax.add, (1, 0), 1),
        (lax.le, lax.max, (2, 1), 3),
        (lax.ge, lax.mul, (0, 0), 1),
    ],
    ids=["ge_add_padded", "window_of_padding_only", "gt_add_last_max", "le_max_min_select", "ge_mul_overlapping"],
)
def test_padding_comparators_and_init(select, scatter, padding, stride):
    # Padding inside the op, comparators other than GE, other scatter bodies
    # and a non-identity init, against XLA through JAX's internal
    # select_and_scatter (which jax.grad uses with GE, add and init 0):
    # padded positions are never selected; the result is init combined with
    # every source value selecting a position.
    from jax._src.lax.windowed_reductions import _select_and_scatter

    x = np.array([[3, 1, 3, 2, 2, 5, 5], [-3, -1, -2, -2, -5, -1, -9]], np.float32)
    n = (7 + sum(padding) - 3) // stride + 1
    s = (1 + np.arange(2 * n, dtype=np.float32).reshape(2, n)) / 4

    def fn(x, s):
        return _select_and_scatter(x, select, (1, 3), (1, stride), ((0, 0), padding), s, np.float32(0.5), scatter)

    check_against_jax(fn, x, s)


SAS = """func.func @main(%x: tensor<2x7xf32>, %s: tensor<2x3xf32>) -> tensor<2x7xf32> {{
  %init = stablehlo.constant dense<{init}> : tensor<f32>
  %1 = "stablehlo.select_and_scatter"(%x, %s, %init) <{{padding = dense<[[0, 0], [2, 0]]> : tensor<2x2xi64>,
      window_dimensions = array<i64: 1, 3>, window_strides = array<i64: 1, 3>}}> ({{
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %3 = stablehlo.compare GE, %a, %b, FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>
    stablehlo.return %3 : tensor<i1>
  }}, {{
  ^bb0(%a: tensor<f32>, %b: tensor<f32>):
    %3 = stablehlo.{combine} %a, %b : tensor<f32>
    stablehlo.return %3 : tensor<f32>
  }}) : (tensor<2x7xf32>, tensor<2x3xf32>, tensor<f32>) -> tensor<2x7xf32>
  return %1 : tensor<2x7xf32>
}}"""


def test_identity_init_against_eval_module(tmp_path):
    # With the scatter body's identity as init, StableHLO's reference
    # interpreter agrees. (With another init it combines init into each
    # selected position twice -- [0.5, 11, 101, 0.5] for init 0.5, source
    # [10, 100] -- where XLA gives [0.5, 10.5, 100.5, 0.5]; we follow XLA.)
    from hlo_coreml._mlir import ir, make_context, stablehlo

    text = SAS.format(init="0.0", combine="add")
    x = np.array([[3, 1, 3, 2, 2, 5, 5], [-3, -1, -2, -2, -5, -1, -9]], np.float32)
    s = np.array([[1, 2, 3], [4, 5, 6]], np.float32)
    with make_context():
        module = ir.Module.parse(text)
        (out,) = stablehlo.eval_module(module, [ir.DenseElementsAttr.get(x), ir.DenseElementsAttr.get(s)])
        expected = np.asarray(ir.DenseElementsAttr(out)).reshape(2, 7)
    path = str(tmp_path / "m.mlpackage")
    model = hlo_coreml.compile(text, compute_precision="fp32", output_path=path)
    (got,) = run_saved(model, path, x, s)
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_unsupported_scatter_region_refused():
    text = SAS.format(init="0.0", combine="subtract")
    with pytest.raises(hlo_coreml.LegalizationError) as info:
        hlo_coreml.compile(text)
    message = str(info.value)
    assert "'stablehlo.select_and_scatter' is not supported by Core ML" in message
    assert "(here: its scatter region is not one add / multiply / maximum / minimum of its arguments)" in message
