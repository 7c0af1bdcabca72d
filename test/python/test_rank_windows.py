"""Windows (`lax.reduce_window`, pooling, cumulative ops) on rank-6 and
rank-7 values, e.g. vmap of a 3-D pooling or a cumsum along one dim of a
6-D view: hlo-coreml-cap-rank keeps the touched dims apart and collapses
the others (passes/cap_rank/windows.py). Every result is compared with JAX
on CPU, and `check` asserts that no tensor of the saved MIL program has
rank > 5.

The same windows also run with cap-rank placed *before*
decompose-reduce-window and legalize-reduce-window ("early"), so that
each rank-6 window reaches cap-rank's reduce_window rule (or its
fallback) as one op rather than as the pool / slices those passes make.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

from helpers import FP16_ATOL, FP16_RTOL
from test_loops import check, f32

X6 = f32(2, 3, 4, 5, 2, 3)
I6 = np.random.default_rng(1).integers(-50, 50, size=(2, 3, 4, 5, 2, 3)).astype(np.int32)
INT_MIN = np.int32(np.iinfo(np.int32).min)
INT_MAX = np.int32(np.iinfo(np.int32).max)


def window(op, init, dims, strides=None, padding=None, base=None, dilation=None):
    def f(x):
        rank = x.ndim
        return lax.reduce_window(
            x,
            init,
            op,
            dims,
            strides or (1,) * rank,
            padding or [(0, 0)] * rank,
            base_dilation=base,
            window_dilation=dilation,
        )

    return f


def max_pool_3d(x):
    # NCDHW max pooling 2x2x2, stride 2, padding on W.
    return lax.reduce_window(x, -jnp.inf, lax.max, (1, 1, 2, 2, 2), (1, 1, 2, 2, 2), [(0, 0)] * 4 + [(1, 0)])


def avg_pool_3d(x):
    s = lax.reduce_window(x, 0.0, lax.add, (1, 1, 2, 1, 3), (1, 1, 1, 1, 2), [(0, 0), (0, 0), (1, 1), (0, 0), (1, 1)])
    return s / 6.0


CASES = [
    # Cumulative windows (MIL cumsum, or a scan of pads and maxima).
    ("cumsum_f32", lambda x: jnp.cumsum(x, axis=3), (X6,)),
    ("cumsum_i32_reverse", lambda x: lax.cumsum(x, axis=1, reverse=True), (I6,)),
    ("cummax", lambda x: lax.cummax(x, axis=2), (X6,)),
    ("cummin_i32", lambda x: lax.cummin(x, axis=5), (I6,)),
    ("cumsum_rank7", lambda x: jnp.cumsum(x.reshape(2, 3, 2, 2, 5, 2, 3), axis=4), (X6,)),
    # Pooling of a batch of volumes (vmap of a 5-D pooling): rank 6.
    ("vmap_max_pool_3d", jax.vmap(max_pool_3d), (f32(2, 1, 3, 4, 4, 5),)),
    ("vmap_avg_pool_3d", jax.vmap(avg_pool_3d), (f32(2, 2, 2, 3, 4, 5),)),
    ("vmap_vmap_max_pool_3d_rank7", jax.vmap(jax.vmap(max_pool_3d)), (f32(2, 2, 1, 2, 4, 4, 4),)),
    # Any window: sum / max / min, padding, strides, dilations, ints.
    ("sum_pad_strides", window(lax.add, 0.0, (1, 2, 2, 1, 1, 1), (1, 1, 2, 1, 1, 1), [(0, 0), (1, 0), (1, 1), (0, 0), (0, 0), (0, 0)]), (X6,)),
    ("max_alternating", window(lax.max, -jnp.inf, (2, 1, 2, 1, 2, 1), (1, 1, 2, 1, 1, 1)), (X6,)),
    ("min_window_dilation", window(lax.min, jnp.inf, (1, 1, 2, 1, 2, 1), dilation=(1, 1, 2, 1, 1, 1)), (X6,)),
    ("max_i32", window(lax.max, INT_MIN, (2, 1, 2, 1, 1, 2)), (I6,)),
    ("min_i32_strided_padded", window(lax.min, INT_MAX, (1, 2, 1, 3, 1, 1), (1, 2, 1, 2, 1, 1), [(0, 0), (0, 1), (0, 0), (1, 1), (0, 0), (0, 0)]), (I6,)),
    ("sum_base_dilation", window(lax.add, 0.0, (1, 1, 2, 1, 1, 1), base=(1, 1, 2, 1, 1, 1)), (X6,)),
    ("sum_i32_base_and_window_dilation", window(lax.add, np.int32(0), (1, 1, 1, 2, 1, 1), (1, 1, 1, 2, 1, 1), [(0, 0)] * 3 + [(0, 1)] + [(0, 0)] * 2, base=(1, 1, 1, 2, 1, 1), dilation=(1, 1, 1, 3, 1, 1)), (I6,)),
    ("sum_all_six_dims", window(lax.add, 0.0, (2, 2, 2, 2, 2, 2)), (X6,)),
]

# Windows that touch more than four dims have no rank-5 form as one op;
# the default pipeline decomposes them into slices first (above).
EARLY_REFUSED = {"sum_all_six_dims"}


def _early_pipeline():
    from hlo_coreml import pipeline

    elements = []
    for e in pipeline.expand(["hlo-coreml-legalize-pipeline"]):
        if e == "hlo-coreml-decompose-reduce-window":
            elements.append("hlo-coreml-cap-rank")
        elements.append(e)
    assert "hlo-coreml-cap-rank" in elements[: elements.index("hlo-coreml-decompose-reduce-window")]
    return elements


@pytest.mark.parametrize("name,fn,args", CASES, ids=[c[0] for c in CASES])
def test_rank6_window(name, fn, args, tmp_path):
    check(fn, *args, tmp_path=tmp_path, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "name,fn,args", [c for c in CASES if c[0] not in EARLY_REFUSED], ids=[c[0] for c in CASES if c[0] not in EARLY_REFUSED]
)
def test_rank6_window_capped_as_one_op(name, fn, args, tmp_path):
    check(fn, *args, tmp_path=tmp_path, rtol=1e-5, atol=1e-5, legalize_pipeline=_early_pipeline())


def test_rank6_cumsum_fp16(tmp_path):
    check(lambda x: jnp.cumsum(x, axis=2) * 0.5, X6, tmp_path=tmp_path, precision="fp16", rtol=FP16_RTOL, atol=FP16_ATOL)


def test_window_touching_six_dims_is_refused_with_its_location():
    from hlo_coreml import compile as compile_model
    from hlo_coreml.diagnostics import CompileError

    fn = dict((c[0], c[1]) for c in CASES)["sum_all_six_dims"]
    with pytest.raises(CompileError) as info:
        compile_model(fn, X6, compute_precision="fp32", legalize_pipeline=_early_pipeline())
    message = str(info.value)
    assert "test_rank_windows.py" in message
    assert "'stablehlo.reduce_window' on a value of rank 6 (tensor<2x3x4x5x2x3xf32>) touches 6 dims" in message
