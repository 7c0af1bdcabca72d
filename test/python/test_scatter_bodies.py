"""Scatter bodies beyond set/add/multiply/max/min, end to end against JAX on
CPU: `.at[i].subtract` (with duplicate and out-of-bounds indices, float and
int), `.at[i].divide` / `.power` (JAX emits a multiply scatter), and general
elementwise bodies (`.at[i].apply(f)`, `lax.scatter_apply`, `lax.scatter`
with a custom combiner) through gather -> body -> scatter-set when the
indices are provably unique; the refusal when they are not."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

import hlo_coreml
from helpers import check_against_jax, mil_op_types


def f32(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype(np.float32)


X = f32(7, 3)
U = f32(5, 3, seed=1)
# Duplicates (2 twice, -1 == 6 and 6) and an out-of-bounds index (9, dropped).
DUP = np.array([2, 0, 2, -1, 6], np.int32)
DUP_OOB = np.array([2, 0, 2, 9, 6], np.int32)
# Unique (after wrapping negatives) and in bounds.
UNIQUE = np.array([2, 0, 5, -1, 3], np.int32)


@pytest.mark.parametrize("indices", [DUP, DUP_OOB], ids=["duplicates", "out_of_bounds"])
def test_subtract_with_duplicates(indices):
    model = check_against_jax(lambda x, i, u: x.at[i].subtract(u, mode="drop"), X, indices, U)
    assert "scatter_nd" in mil_op_types(model)


def test_subtract_int_wraps():
    x = np.array([0, 5, -7, 2**31 - 1], np.int32)
    u = np.array([3, -2**31, 1, -1, 4], np.int32)
    i = np.array([0, 3, 1, 3, 0], np.int32)
    check_against_jax(lambda x, i, u: x.at[i].subtract(u), x, i, u)


def test_subtract_windows_and_2d_indices():
    x = f32(4, 5, 3)
    i = np.array([[0, 1], [3, 4], [0, 1]], np.int32)
    check_against_jax(lambda x, i, u: x.at[i[:, 0], i[:, 1]].subtract(u), x, i, f32(3, 3, seed=2))
    # A window wider than 1 along an indexed dim (point scatter).
    check_against_jax(lambda x, u: x.at[1:3, 2].subtract(u), x, f32(2, 3, seed=3))


@pytest.mark.parametrize("method", ["divide", "power", "multiply", "min", "max", "add"])
def test_other_at_methods_with_duplicates(method):
    x = (1.0 + np.abs(X)).astype(np.float32)
    u = (0.5 + 0.5 * np.abs(U)).astype(np.float32)
    check_against_jax(lambda x, i, u: getattr(x.at[i], method)(u), x, DUP, u, rtol=1e-4)


def test_apply_with_unique_indices_flag():
    # unique_indices=True: JAX's promise; the body runs on the gathered values.
    model = check_against_jax(lambda x, i: x.at[i].apply(jnp.sin, unique_indices=True), X, UNIQUE)
    types = mil_op_types(model)
    assert "sin" in types and "scatter_nd" in types


def test_apply_with_constant_unique_indices():
    check_against_jax(lambda x: x.at[jnp.array([1, 3, 4])].apply(lambda v: v * v + 1), X)
    # Out-of-bounds windows are skipped (mode='drop'): they may repeat.
    check_against_jax(lambda x: x.at[jnp.array([1, 3, 9, 9])].apply(jnp.exp, mode="drop"), X)


def test_general_body_of_old_and_update():
    # lax.scatter with a combiner of both values (not a MIL mode).
    dn = lax.ScatterDimensionNumbers(update_window_dims=(1,), inserted_window_dims=(0,), scatter_dims_to_operand_dims=(0,))

    def fn(x, i, u):
        return lax.scatter_apply(x, i[:, None], lambda v: v * 0.5 - 1, dn, update_shape=(5, 3), unique_indices=True), lax.scatter(
            x, i[:, None], u, dn, unique_indices=True
        )

    check_against_jax(fn, X, UNIQUE, U)


COMBINER = """func.func @main(%x: tensor<7x3xf32>, %i: tensor<3x1xi32>, %u: tensor<3x3xf32>) -> tensor<7x3xf32> {
  %0 = "stablehlo.scatter"(%x, %i, %u) <{scatter_dimension_numbers = #stablehlo.scatter<update_window_dims = [1],
      inserted_window_dims = [0], scatter_dims_to_operand_dims = [0], index_vector_dim = 1>, unique_indices = true}> ({
  ^bb0(%old: tensor<f32>, %new: tensor<f32>):
    %gt = stablehlo.compare GT, %old, %new : (tensor<f32>, tensor<f32>) -> tensor<i1>
    %d = stablehlo.subtract %old, %new : tensor<f32>
    %s = stablehlo.multiply %new, %new : tensor<f32>
    %r = stablehlo.select %gt, %d, %s : tensor<i1>, tensor<f32>
    stablehlo.return %r : tensor<f32>
  }) : (tensor<7x3xf32>, tensor<3x1xi32>, tensor<3x3xf32>) -> tensor<7x3xf32>
  return %0 : tensor<7x3xf32>
}"""


def test_general_combiner_of_old_and_update(tmp_path):
    # A combiner of both values JAX has no .at[] method for, written as
    # StableHLO; the reference is StableHLO's interpreter. Indices out of
    # bounds (7, -1) are skipped.
    from hlo_coreml._mlir import ir, make_context, stablehlo

    from helpers import run_saved

    i = np.array([[2], [7], [-1]], np.int32)
    u = f32(3, 3, seed=4)
    with make_context():
        module = ir.Module.parse(COMBINER)
        args = [ir.DenseElementsAttr.get(np.ascontiguousarray(a)) for a in (X, i, u)]
        (out,) = stablehlo.eval_module(module, args)
        expected = np.asarray(ir.DenseElementsAttr(out)).reshape(X.shape)
    path = str(tmp_path / "m.mlpackage")
    model = hlo_coreml.compile(COMBINER, compute_precision="fp32", output_path=path)
    (got,) = run_saved(model, path, X, i, u)
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    assert not np.array_equal(expected, X)


def test_int_apply_with_unique_indices():
    x = np.arange(12, dtype=np.int32).reshape(6, 2)
    i = np.array([4, 1, 0], np.int32)
    check_against_jax(lambda x, i: x.at[i].apply(lambda v: (v * 3) ^ 5, unique_indices=True), x, i)


def test_apply_with_duplicate_indices():
    # XLA applies f once per update reaching an element: f(f(x)) at a
    # duplicated index (a count of updates per element, f repeated).
    model = check_against_jax(lambda x, i: x.at[i].apply(lambda v: v * 1.5 + 0.25), X, DUP)
    assert mil_op_types(model).count("scatter_nd") == 1  # the count
    check_against_jax(lambda x, i: x.at[i].apply(jnp.sin, mode="drop"), X, DUP_OOB)
    # Windows (rows) and 2-D indices.
    x = f32(4, 5, 3, seed=5)
    i = np.array([[0, 1], [3, 4], [0, 1], [3, 4]], np.int32)
    check_against_jax(lambda x, i: x.at[i[:, 0], i[:, 1]].apply(jnp.exp), x, i)


def test_apply_with_too_many_duplicate_updates_refused():
    idx = np.arange(17, dtype=np.int32) % 7
    with pytest.raises(hlo_coreml.LegalizationError) as info:
        hlo_coreml.compile(lambda x, i: x.at[i].apply(jnp.sin), X, idx, compute_precision="fp32")
    message = str(info.value)
    assert "'stablehlo.scatter' with this body (not set/add/subtract/multiply/min/max) needs indices known to be unique" in message
    assert "depends on that order" in message and "unique_indices=True" in message


def test_combiner_with_indices_not_known_unique_refused():
    # The combiner of old and update from above, without unique_indices.
    text = COMBINER.replace(", unique_indices = true", "")
    with pytest.raises(hlo_coreml.LegalizationError) as info:
        hlo_coreml.compile(text, compute_precision="fp32")
    assert "needs indices known to be unique" in str(info.value)
