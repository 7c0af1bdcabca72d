"""Indexing, sorting and window ops, end to end against JAX on CPU:
gather / scatter (jnp indexing, take, take_along_axis, .at[] updates,
embedding lookups, out-of-bounds indices), sort / argsort / top_k,
argmax / argmin, reduce_window (pooling, cumsum: the windows with one MIL op;
the decomposed ones, cumprod / cummax / dilations, are in test_ops_window.py),
reverse and iota; and the refusals for what has no MIL mapping.

Every case runs at compute_precision fp32 with rtol 1e-5 (helpers.FP32_RTOL)
unless it says otherwise.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

import hlo_coreml
from helpers import check_against_jax, mil_op_types


def rng(seed=0):
    return np.random.default_rng(seed)


def f32(*shape, seed=0):
    return rng(seed).normal(size=shape).astype(np.float32)


def i32(*shape, lo=-3, hi=3, seed=0):
    return rng(seed).integers(lo, hi, size=shape).astype(np.int32)


X = f32(5, 4)
# Repeated values: ties for sort / argmax (+ 0.0 turns -0.0 into 0.0: XLA's
# top_k orders -0.0 below 0.0, Core ML compares them equal).
TIES = np.round(f32(5, 6, seed=1) * 2).astype(np.float32) + np.float32(0.0)
# In range, negative (jnp wraps them) and out of range (clamped / skipped).
IDX = np.array([1, 3, -1, 7, -9], np.int32)


# -- gather --------------------------------------------------------------------


GATHERS = [
    ("getitem", lambda x, i: x[i], X, IDX),
    ("getitem_2d_indices", lambda x, i: x[i], X, np.array([[0, 4], [2, -2]], np.int32)),
    ("take_axis1_clip", lambda x, i: jnp.take(x, i, axis=1, mode="clip"), X, IDX),
    ("take_axis1_fill", lambda x, i: jnp.take(x, i, axis=1, mode="fill", fill_value=-1.0), X, IDX),
    ("take_along_axis", lambda x, i: jnp.take_along_axis(x, i, axis=1), X, i32(5, 3, lo=0, hi=4)),
    ("take_along_axis0", lambda x, i: jnp.take_along_axis(x, i, axis=0), X, i32(2, 4, lo=0, hi=5)),
    ("two_index_arrays", lambda x, i: x[i, i[::-1]], X, np.array([1, 3, -1, 2, -4], np.int32)),
    ("index_then_slice", lambda x, i: x[i, 1:3], X, IDX),
    ("index_then_slice_rank3", lambda x, i: x[1:3, i, 1:], f32(4, 5, 3), IDX),
    ("rank3_middle", lambda x, i: x[:, i], f32(2, 5, 3), IDX),
    ("int_data", lambda x, i: x[i], i32(5, 4, lo=-50, hi=50), IDX),
    ("bool_data", lambda x, i: x[i], i32(5, 4, lo=0, hi=2).astype(bool), IDX),
]


@pytest.mark.parametrize("name,fn,x,i", GATHERS, ids=[g[0] for g in GATHERS])
def test_gather(name, fn, x, i):
    check_against_jax(fn, x, i)


def test_gather_window_along_indexed_dim():
    # A window of 2 along an indexed dim, starts clamped to [0, D - 2].
    def f(x, i):
        dims = lax.GatherDimensionNumbers(offset_dims=(1, 2), collapsed_slice_dims=(), start_index_map=(0,))
        return lax.gather(x, i[:, None], dims, slice_sizes=(2, 4), mode=lax.GatherScatterMode.CLIP)

    check_against_jax(f, X, np.array([0, 3, 4, -2, 9], np.int32))


def test_gather_constant_indices():
    check_against_jax(lambda x: x[jnp.array([4, 0, 2])] + jnp.take(x, jnp.array([3, 1]), axis=1).sum(), X)


def test_gather_is_one_mil_gather():
    model = check_against_jax(lambda x, i: x[i], X, IDX)
    ops = mil_op_types(model)
    assert ops.count("gather") == 1 and "gather_nd" not in ops, ops


def test_embedding_model():
    table = f32(50, 16, seed=2)
    w = f32(16, 4, seed=3)

    def model(tokens):
        emb = jnp.asarray(table)[tokens]  # [batch, seq, 16]
        pooled = emb.mean(axis=1)
        return jax.nn.softmax(pooled @ jnp.asarray(w), axis=-1)

    check_against_jax(model, rng(4).integers(0, 50, size=(3, 7)).astype(np.int32))


def test_one_hot_lookup():
    table = f32(10, 8, seed=5)

    def model(tokens):
        return jax.nn.one_hot(tokens, 10) @ jnp.asarray(table), jnp.asarray(table)[tokens]

    check_against_jax(model, np.array([0, 9, 3, 3], np.int32))


# -- scatter -------------------------------------------------------------------


U = f32(5, 4, seed=7)
SCATTERS = [
    ("set", lambda x, i, u: x.at[i].set(u)),
    ("add", lambda x, i, u: x.at[i].add(u)),
    ("mul", lambda x, i, u: x.at[i].multiply(u)),
    ("min", lambda x, i, u: x.at[i].min(u)),
    ("max", lambda x, i, u: x.at[i].max(u)),
    ("set_scalar", lambda x, i, u: x.at[i].set(2.5)),
    ("add_columns", lambda x, i, u: x.at[:, i[:3]].add(u[:, :3])),
]


@pytest.mark.parametrize("name,fn", SCATTERS, ids=[s[0] for s in SCATTERS])
def test_scatter_out_of_bounds_skipped(name, fn):
    # IDX holds 7 and -9: out of bounds after jnp's wrapping, so StableHLO
    # (and JAX) skip those updates.
    check_against_jax(fn, X, IDX, U)


def test_scatter_add_duplicates():
    check_against_jax(lambda x, i, u: x.at[i].add(u), X, np.array([1, 1, 3, 1, 0], np.int32), U)


def test_scatter_two_index_arrays():
    i = np.array([0, 4, 2, 9], np.int32)
    j = np.array([3, 0, 1, 1], np.int32)
    check_against_jax(lambda x, i, j: x.at[i, j].set(jnp.arange(4.0)), X, i, j)


def test_scatter_constant_indices():
    model = check_against_jax(lambda x: x.at[jnp.array([0, 3])].add(1.0), X)
    assert "pad" not in mil_op_types(model)


def test_scatter_int():
    check_against_jax(lambda x, i: x.at[i].add(5), i32(5, 4, lo=-9, hi=9), IDX)


# Update windows other than "1 along indexed dims, whole along the others":
# point scatters (hlo-coreml-legalize-gather-scatter); a window partly out of
# bounds is skipped whole, as XLA (and JAX's mode='drop' /
# 'promise_in_bounds') does; mode='clip' clamps the start indices in JAX.
_DN_WINDOW = lax.ScatterDimensionNumbers(
    update_window_dims=(1,), inserted_window_dims=(0,), scatter_dims_to_operand_dims=(0, 1)
)
# Starts (row, column) for windows of 3 columns: in bounds, partly out
# (column 2), negative, row out of range.
_WINDOW_STARTS = np.array([[0, 2], [1, 1], [3, 0], [-1, 0], [4, 1], [2, -1]], np.int32)
WINDOW_SCATTERS = [
    ("row_slice_set", lambda x, i, u: x.at[i[:, 0], 1:3].set(u[:, :2])),
    ("row_tail_add", lambda x, i, u: x.at[i[:, 0], 2:].add(u[:, :2])),
    ("columns_slice_mul", lambda x, i, u: x.at[1:4, i[3:, 1]].multiply(u[:3, :3])),
    ("lax_drop", lambda x, i, u: lax.scatter_add(x, i, u, _DN_WINDOW, mode="drop")),
    ("lax_promise", lambda x, i, u: lax.scatter(x, i, u, _DN_WINDOW, mode="promise_in_bounds")),
    ("lax_clip", lambda x, i, u: lax.scatter_max(x, i, u, _DN_WINDOW, mode="clip")),
    ("lax_min_drop", lambda x, i, u: lax.scatter_min(x, i, u, _DN_WINDOW, mode="drop")),
]


@pytest.mark.parametrize("name,fn", WINDOW_SCATTERS, ids=[s[0] for s in WINDOW_SCATTERS])
def test_scatter_windows(name, fn):
    # row_slice_set writes rows -1 and 4 (the same row) twice: which write
    # wins is unspecified for JAX's .set and for MIL scatter "update" alike
    # (strict mode flags it), so that case runs non-strict.
    check_against_jax(fn, X, _WINDOW_STARTS, f32(6, 3, seed=3), strict=name != "row_slice_set")


def test_scatter_window_along_batch_and_rank3():
    # A window of 2 x whole along the two trailing dims of a rank-3 operand,
    # indexed along dim 0 and a static column start.
    def f(x, i, u):
        return x.at[i, 1:3, :].add(u)

    check_against_jax(f, f32(4, 5, 3), np.array([0, 3, -1, 5], np.int32), f32(4, 2, 3, seed=2))


def test_scatter_window_with_batching_dims():
    # Batching dims (operand dim 0 <-> indices dim 0) plus a window of 2
    # along the second indexed dim; start 3 on a dim of 4 drops the window.
    dn = lax.ScatterDimensionNumbers(
        update_window_dims=(1,),
        inserted_window_dims=(1,),
        scatter_dims_to_operand_dims=(1, 2),
        operand_batching_dims=(0,),
        scatter_indices_batching_dims=(0,),
    )
    idx = np.array([[0, 1], [4, 2], [2, 3]], np.int32)
    check_against_jax(lambda x, i, u: lax.scatter_add(x, i, u, dn, mode="drop"), f32(3, 5, 4), idx, f32(3, 2, seed=5))


def test_put_along_axis():
    i = np.array([[0], [3], [1], [2], [3]], np.int32)
    check_against_jax(lambda x, i, u: jnp.put_along_axis(x, i, u, axis=1, inplace=False), X, i, f32(5, 1, seed=2))


def test_scatter_window_constant_starts():
    check_against_jax(lambda x, u: x.at[jnp.array([1, 3]), 1:3].set(u), X, f32(2, 2, seed=4))


def test_scatter_bool():
    b = X > 0
    check_against_jax(
        lambda x, i, u: (x.at[i].set(True), x.at[i].max(u), x.at[i].min(u), x.at[i, 1:3].set(u[:, :2])),
        b, IDX, X[::-1] > 0,
    )


# -- sort / argsort / top_k ----------------------------------------------------------


SORTS = [
    ("sort", lambda x: jnp.sort(x, axis=1)),
    ("sort_axis0", lambda x: jnp.sort(x, axis=0)),
    ("sort_descending", lambda x: jnp.sort(x, axis=1, descending=True)),
    ("argsort_stable_ties", lambda x: jnp.argsort(x, axis=1)),
    ("argsort_descending_ties", lambda x: jnp.argsort(x, axis=0, descending=True)),
    ("lax_sort_two_operands", lambda x: lax.sort((x, -2 * x), dimension=1, num_keys=1)),
    ("sort_key_second_operand", lambda x: lax.sort_key_val(x[:, ::-1], x, dimension=1)),
    ("top_k", lambda x: lax.top_k(x, 3)),
]


@pytest.mark.parametrize("name,fn", SORTS, ids=[s[0] for s in SORTS])
def test_sort(name, fn):
    check_against_jax(fn, TIES)


LEXSORTS = [
    ("lax_sort_two_keys", lambda x, y: lax.sort((x, y), dimension=1, num_keys=2)),
    ("lax_sort_two_keys_payload", lambda x, y: lax.sort((x, -y, x + y), dimension=0, num_keys=2)),
    ("lexsort", lambda x, y: jnp.lexsort((y[0], x[0]))),
    ("lexsort_axis0", lambda x, y: jnp.lexsort((y, x), axis=0)),
    ("lexsort_three_keys", lambda x, y: jnp.lexsort((x, y, jnp.floor(x / 2)), axis=1)),
    ("int_key_then_float", lambda x, y: lax.sort((x.astype(jnp.int32), y), dimension=1, num_keys=2)),
    ("argsort_of_negation", lambda x, y: jnp.argsort(-x, axis=1)),
]


@pytest.mark.parametrize("name,fn", LEXSORTS, ids=[s[0] for s in LEXSORTS])
def test_sort_several_keys(name, fn):
    # TIES and its row-reversed copy: plenty of ties in the first key.
    check_against_jax(fn, TIES, TIES[::-1] * 1.0)


def test_sort_nan_last():
    # NaN sorts after every number (first, descending), as in JAX's total
    # order; -0.0 and 0.0 tie. (NaN next to +inf is not covered: they tie.)
    # The reference interpreter's argsort already puts NaN where NumPy does;
    # on device MIL leaves it undefined, hence the +inf key that
    # legalize_sort.mlir pins.
    x = TIES.copy()
    x[0, 1] = x[2, 4] = x[2, 0] = np.nan
    x[1, 2] = -0.0
    check_against_jax(
        lambda x: (
            jnp.sort(x, axis=1),
            jnp.argsort(x, axis=1),
            jnp.sort(x, axis=0, descending=True),
            jnp.argsort(x, axis=1, descending=True),
            jnp.lexsort((x, jnp.floor(x / 2)), axis=1),
        ),
        x,
    )


def test_sort_int_and_bool_payload():
    check_against_jax(lambda x: lax.sort((x, x > 0), dimension=1, num_keys=1), i32(4, 6, lo=-4, hi=4))
    check_against_jax(lambda x: lax.top_k(x, 2), i32(4, 6, lo=-4, hi=4))


def test_top_k_ties_lower_index_first_whatever_mil_tie_order():
    # MIL topk does not document the order of equal values: a stable sort
    # (argsort, then argsort of (run, index)) takes its place; strict mode
    # checks both tie orders.
    model = check_against_jax(lambda x: lax.top_k(x, 2), TIES)
    ops = mil_op_types(model)
    assert "topk" not in ops and ops.count("argsort") == 2, ops


def test_top_k_over_a_long_dim_is_one_mil_topk():
    # Beyond 4096 elements top_k stays one MIL topk (distinct values here).
    x = np.random.default_rng(3).permutation(5000).astype(np.float32).reshape(1, 5000)
    model = check_against_jax(lambda x: lax.top_k(x, 3), x)
    assert mil_op_types(model).count("topk") == 1


def test_top_k_argsort_model():
    w = f32(6, 10, seed=8)

    def model(x):
        logits = x @ jnp.asarray(w)
        probs = jax.nn.softmax(logits, axis=-1)
        values, indices = lax.top_k(probs, 3)
        ranks = jnp.argsort(-logits, axis=-1)
        return values, indices, ranks[:, :5], jnp.argmax(logits, axis=-1)

    check_against_jax(model, f32(4, 6, seed=9))


# -- argmax / argmin ------------------------------------------------------------------


ARGS = [
    ("argmax", lambda x: jnp.argmax(x, axis=1)),
    ("argmin_axis0", lambda x: jnp.argmin(x, axis=0)),
    ("argmax_flat", lambda x: jnp.argmax(x)),
    ("max_and_argmax", lambda x: (jnp.max(x, axis=1), jnp.argmax(x, axis=1))),
    ("argmax_keepdims", lambda x: jnp.argmax(x, axis=-1, keepdims=True)),
]


@pytest.mark.parametrize("name,fn", ARGS, ids=[a[0] for a in ARGS])
def test_argmax(name, fn):
    check_against_jax(fn, TIES)


def test_argmax_int():
    check_against_jax(lambda x: (jnp.argmax(x, axis=1), jnp.argmin(x, axis=0)), i32(5, 6))


def test_argmax_nan_counts_as_largest():
    x = TIES.copy()
    x[1, 4] = np.nan
    check_against_jax(lambda x: jnp.argmax(x, axis=1), x)


# -- reduce_window: cumulative, pooling ---------------------------------------------


CUMULATIVE = [
    ("cumsum", lambda x: jnp.cumsum(x, axis=1)),
    ("cumsum_axis0", lambda x: jnp.cumsum(x, axis=0)),
    ("cumsum_reverse", lambda x: lax.cumsum(x, axis=1, reverse=True)),
    ("cumsum_flat", lambda x: jnp.cumsum(x)),
]


@pytest.mark.parametrize("name,fn", CUMULATIVE, ids=[c[0] for c in CUMULATIVE])
def test_cumsum(name, fn):
    check_against_jax(fn, X)


def test_cumsum_int():
    check_against_jax(lambda x: jnp.cumsum(x, axis=1), i32(5, 4, lo=-9, hi=9))


def test_cumsum_model():
    def model(logits):
        probs = jax.nn.softmax(logits, axis=-1)
        cdf = jnp.cumsum(probs, axis=-1)
        return cdf, jnp.sum(cdf < 0.5, axis=-1)  # nucleus-style cutoff

    check_against_jax(model, f32(3, 8, seed=10))


IMG = f32(2, 8, 8, 3, seed=11)


def _avg(x, window, strides, padding, count_include_pad=True):
    """flax.linen.avg_pool's definition (sum window / count)."""
    dims = (1, *window, 1)
    st = (1, *strides, 1)
    total = lax.reduce_window(x, 0.0, lax.add, dims, st, padding)
    if count_include_pad:
        return total / np.prod(window)
    count = lax.reduce_window(jnp.ones_like(x), 0.0, lax.add, dims, st, padding)
    return total / count


POOLS = [
    ("max_valid", lambda x: lax.reduce_window(x, -jnp.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")),
    ("max_same", lambda x: lax.reduce_window(x, -jnp.inf, lax.max, (1, 3, 3, 1), (1, 2, 2, 1), "SAME")),
    ("avg_valid", lambda x: _avg(x, (2, 2), (2, 2), "VALID")),
    ("avg_same_counts_pad", lambda x: _avg(x, (3, 3), (1, 1), "SAME")),
    ("avg_same_excludes_pad", lambda x: _avg(x, (3, 3), (1, 1), "SAME", count_include_pad=False)),
    ("sum_1d_window", lambda x: lax.reduce_window(x, 0.0, lax.add, (1, 1, 3, 1), (1, 1, 1, 1), "VALID")),
    ("max_asymmetric_pad", lambda x: lax.reduce_window(x, -jnp.inf, lax.max, (1, 2, 1, 1), (1, 1, 1, 1), ((0, 0), (1, 0), (0, 0), (0, 0)))),
]


@pytest.mark.parametrize("name,fn", POOLS, ids=[p[0] for p in POOLS])
def test_pooling(name, fn):
    check_against_jax(fn, IMG)


def test_pooling_rank2_window():
    check_against_jax(lambda x: lax.reduce_window(x, 0.0, lax.add, (1, 3), (1, 1), "VALID"), X)


def test_cnn_with_pooling():
    k1 = f32(3, 3, 3, 4, seed=12) * 0.3
    k2 = f32(3, 3, 4, 6, seed=13) * 0.3
    dense = f32(6, 5, seed=14)

    def conv(x, k):
        return lax.conv_general_dilated(x, jnp.asarray(k), (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))

    def model(x):
        h = jax.nn.relu(conv(x, k1))
        h = lax.reduce_window(h, -jnp.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
        h = jax.nn.relu(conv(h, k2))
        h = _avg(h, (2, 2), (2, 2), "VALID")
        return h.mean(axis=(1, 2)) @ jnp.asarray(dense)

    check_against_jax(model, IMG, rtol=1e-4, atol=1e-5)


def test_pooling_fp16():
    check_against_jax(lambda x: _avg(x, (2, 2), (2, 2), "VALID"), IMG, precision="fp16")


# -- reverse, iota -------------------------------------------------------------------


def test_reverse():
    check_against_jax(lambda x: (x[::-1], x[:, ::-1], jnp.flip(x)), X)


def test_iota_any_dim():
    def f(x):
        return x + lax.broadcasted_iota(jnp.float32, (5, 4), 1) * lax.broadcasted_iota(jnp.float32, (5, 4), 0)

    check_against_jax(f, X)


# -- refusals -----------------------------------------------------------------------


def refusal(fn, *args) -> str:
    with pytest.raises(hlo_coreml.LegalizationError) as info:
        hlo_coreml.compile(fn, *args, compute_precision="fp32")
    return str(info.value)


SORT_NOT_LEXICOGRAPHIC = """
func.func @main(%x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  %0:2 = "stablehlo.sort"(%x, %y) <{dimension = 0 : i64, is_stable = true}> ({
  ^bb0(%a0: tensor<f32>, %b0: tensor<f32>, %a1: tensor<f32>, %b1: tensor<f32>):
    %c = stablehlo.compare LT, %a0, %b1 : (tensor<f32>, tensor<f32>) -> tensor<i1>
    stablehlo.return %c : tensor<i1>
  }) : (tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %0#0 : tensor<4xf32>
}
"""


def test_sort_comparator_mixing_operands_refused():
    # Compares operand 0's lhs with operand 1's rhs: not an order on either.
    with pytest.raises(hlo_coreml.LegalizationError) as info:
        hlo_coreml.compile(SORT_NOT_LEXICOGRAPHIC, compute_precision="fp32")
    message = str(info.value)
    assert "'stablehlo.sort' with this comparator is not supported" in message
    assert "lexicographic comparator" in message


def test_scatter_apply_too_many_repeats_refused():
    # x.at[i].apply(sin) with runtime indices that may repeat is f applied
    # once per update (test_scatter_bodies.py); past 16 updates it is refused.
    idx = np.arange(17, dtype=np.int32) % 5
    message = refusal(lambda x, i: x.at[i].apply(jnp.sin), X, idx)
    assert "'stablehlo.scatter' with this body (not set/add/subtract/multiply/min/max) needs indices known to be unique" in message


# -- older deployment targets, fp16 ---------------------------------------------------


@pytest.mark.parametrize("target", ["iOS15", "iOS16"])
def test_older_targets(target):
    def f(x, i):
        values, indices = lax.top_k(x, 2)
        return (
            x[i],
            x.at[i].add(1.0),
            jnp.take_along_axis(x, jnp.argsort(x, axis=1), axis=1),
            values,
            indices,
            jnp.cumsum(x, axis=0),
            jnp.argmax(x, axis=1),
        )

    check_against_jax(f, TIES, IDX, target=target)


def test_indexing_fp16():
    def f(x, i):
        return x[i] * 2.0, x.at[i].set(0.5), jnp.sort(x, axis=1), jnp.cumsum(x, axis=1)

    check_against_jax(f, TIES, IDX, precision="fp16")
