"""Programs that pass through rank 6, 7 and 8 on the way (attention with
split heads, pixel shuffles, patch embeddings, einops rearranges,
broadcasting through 6-D): hlo-coreml-cap-rank rewrites them into rank <= 5,
and the result matches JAX on CPU. `check` asserts that no tensor of the
saved MIL program has rank > 5.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from helpers import FP16_ATOL, FP16_RTOL
from test_loops import check, f32


def window_attention(q, k, v):
    # [batch, windows, tokens, heads*groups*dim] -> heads split into two dims: rank 6.
    def split(t):
        return t.reshape(t.shape[:3] + (2, 2, 8))

    q, k, v = split(q), split(k), split(v)
    s = jnp.einsum("bwthgd,bwshgd->bwhgts", q, k) / 4.0
    p = jax.nn.softmax(s, axis=-1)
    o = jnp.einsum("bwhgts,bwshgd->bwthgd", p, v)
    return o.reshape(o.shape[:3] + (-1,))


def reverse_6d(x):
    # Fuzz seed 1479: reverse of a rank-6 value (reverses of rank-3 views).
    return jnp.flip(x.reshape(2, 2, 3, 4, 5, 6), axis=(1, 3, 4)).reshape(-1)


def slice_unit_strides_6d(x):
    # Fuzz seed 5269: strides on dims of size 1 kept those dims apart.
    y = jnp.expand_dims(jnp.expand_dims(x, (1, 2)), 4)  # 5x1x1x3x1x5
    return jax.lax.slice(y, (0, 0, 0, 2, 0, 2), (2, 1, 1, 3, 1, 3), (2, 1, 3, 3, 1, 1)).reshape(-1) * 2.0


def take_along_axis_rank5(x, i):
    # Fuzz seeds 1049, 1815: the index vector concatenates iotas of rank 6
    # along a new last dim; each needed every dim apart (an iota is now a
    # broadcast of a 1-D iota).
    return jnp.take_along_axis(x, i, axis=3)


def pixel_shuffle(x, r=2):
    n, c, h, w = x.shape
    x = x.reshape(n, c // (r * r), r, r, h, w).transpose(0, 1, 4, 2, 5, 3)
    return x.reshape(n, c // (r * r), h * r, w * r)


def space_to_depth(x, r=2):
    n, h, w, c = x.shape
    x = x.reshape(n, h // r, r, w // r, r, c).transpose(0, 1, 3, 2, 4, 5)
    return x.reshape(n, h // r, w // r, r * r * c)


def pixel_shuffle_3d(x, r=2):
    # Eight dims, seven of them moving: no single rank-5 transpose exists.
    n, c, d, h, w = x.shape
    x = x.reshape(n, c // r**3, r, r, r, d, h, w).transpose(0, 1, 5, 2, 6, 3, 7, 4)
    return x.reshape(n, c // r**3, d * r, h * r, w * r)


W_PATCH = f32(24, 5, seed=7)


def patch_embed_3d(video):
    # Video [B, C, T, H, W] -> 2x2x2 tubelets via an 8-D reshape -> linear.
    b, c, t, h, w = video.shape
    p = 2
    x = video.reshape(b, c, t // p, p, h // p, p, w // p, p).transpose(0, 2, 4, 6, 1, 3, 5, 7)
    x = x.reshape(b, (t // p) * (h // p) * (w // p), c * p**3)
    return x @ W_PATCH


def unpatchify(x, h=2, w=3, p1=2, p2=2, c=3):
    # einops: "b (h w) (p1 p2 c) -> b (h p1) (w p2) c"
    b = x.shape[0]
    x = x.reshape(b, h, w, p1, p2, c).transpose(0, 1, 3, 2, 4, 5)
    return x.reshape(b, h * p1, w * p2, c)


def patchify(x, p1=2, p2=2):
    # einops: "b c (h p1) (w p2) -> b (h w) (p1 p2 c)"
    b, c, hh, ww = x.shape
    h, w = hh // p1, ww // p2
    x = x.reshape(b, c, h, p1, w, p2).transpose(0, 2, 4, 3, 5, 1)
    return x.reshape(b, h * w, p1 * p2 * c)


def broadcast_6d(a, b):
    y = a[:, None, :, None, :, None] * b[None, :, None, :, None, :]
    return y.sum(axis=(1, 3)), jnp.tanh(y).max(axis=(0, 5))


def layer_norm_heads_7d(x):
    # Normalize over two non-adjacent axes of a 7-D view, scale per axis.
    y = x.reshape(2, 3, 2, 2, 3, 2, 4)
    mu = y.mean(axis=(2, 5), keepdims=True)
    var = ((y - mu) ** 2).mean(axis=(2, 5), keepdims=True)
    scale = jnp.arange(4, dtype=jnp.float32) + 1.0
    out = (y - mu) / jnp.sqrt(var + 1e-5) * scale
    return out.reshape(x.shape)


def slice_pad_concat_6d(x):
    y = x.reshape(2, 3, 4, 5, 6, 2)
    z = jnp.concatenate([y[:, :, 1:3], y[:, :, :2] * 2], axis=2)
    z = jnp.pad(z[..., 2:5, :], ((0, 0), (0, 0), (0, 0), (1, 1), (0, 0), (0, 0)))
    return z.reshape(2, 3, 4, -1)


def iota_7d(x):
    y = x.reshape(1, 2, 3, 2, 2, 3, 2)
    ramp = jnp.arange(3, dtype=jnp.float32)[None, None, :, None, None, None, None]
    return (y * ramp + jnp.arange(2, dtype=jnp.float32)).reshape(12, 12)


def gelu_6d(x):
    # Exact GELU keeps chlo.erf as a composite; on rank 6 its decomposition is used.
    y = x.reshape(2, 2, 3, 2, 2, 3)
    return jax.nn.gelu(y, approximate=False).transpose(0, 2, 1, 3, 5, 4).reshape(12, 12)


def sort_6d(x):
    # Sorts (values and argsort) along one dim of a rank-6 view: the other
    # five collapse into two.
    y = x.reshape(2, 3, 2, 2, 3, 2)
    return jnp.sort(y, axis=3).reshape(12, 12), jnp.argsort(y, axis=1).reshape(12, 12)


def lexsort_6d(x):
    y = x.reshape(2, 3, 2, 2, 3, 2)
    return jnp.lexsort((y, jnp.floor(y)), axis=3).reshape(12, 12)


def gather_6d(x, i):
    # x[i] on a rank-6 table: the window dims collapse, the gather stays one op.
    y = x.reshape(6, 2, 2, 3, 2, 2)
    return y[i].sum(axis=1), jnp.take(y, i, axis=2).reshape(-1)


def scatter_6d(x, i, u):
    y = x.reshape(6, 2, 2, 3, 2, 2)
    return y.at[i].add(u.reshape(4, 2, 2, 3, 2, 2)).reshape(12, 24)


def gather_all_six_dims(x, i):
    # x[i0, .., i5] of a rank-6 value (indices out of range and negative
    # too): cap-rank linearizes the index vector into a gather on [720].
    y = x.reshape(2, 3, 4, 5, 2, 3)
    return y[i[:, 0], i[:, 1], i[:, 2], i[:, 3], i[:, 4], i[:, 5]]


def lax_gather_six_dims_clamped(x, i):
    # StableHLO clamps each start index component; JAX on CPU does too.
    y = x.reshape(2, 3, 4, 5, 2, 3)
    dnums = jax.lax.GatherDimensionNumbers(
        offset_dims=(), collapsed_slice_dims=(0, 1, 2, 3, 4, 5), start_index_map=(0, 1, 2, 3, 4, 5)
    )
    return jax.lax.gather(y, i, dnums, (1,) * 6, mode=jax.lax.GatherScatterMode.CLIP)


def gather_five_dims_window(x, i):
    # Five indexed dims and one window dim: operand [D, R] = [240, 3].
    y = x.reshape(2, 3, 4, 5, 2, 3)
    return y[i[:, 0], i[:, 1], i[:, 2], i[:, 3], i[:, 4]] * 2.0


def scatter_add_six_dims(x, i, u):
    # A point scatter-add indexing all six dims, repeated and out-of-range
    # indices included (JAX drops those updates).
    y = x.reshape(2, 3, 4, 5, 2, 3)
    return y.at[i[:, 0], i[:, 1], i[:, 2], i[:, 3], i[:, 4], i[:, 5]].add(u).reshape(-1)


def bitcast_6d(x):
    # bitcast_convert between types of one width is elementwise: any view.
    y = jax.lax.bitcast_convert_type(x.reshape(2, 2, 3, 4, 5, 6), jnp.int32) >> 3
    return jax.lax.bitcast_convert_type(y.transpose(0, 2, 1, 3, 4, 5) << 3, jnp.float32).reshape(-1)


INDEX6 = np.array(
    [[1, 2, 3, 4, 1, 2], [0, 0, 0, 0, 0, 0], [1, -1, 9, 2, 1, 0], [5, 1, 1, 1, 1, 1], [1, 2, 3, 4, 1, 2], [-2, 0, 1, 0, 0, -3]],
    np.int32,
)

CASES = [
    ("window_attention", window_attention, (f32(2, 3, 4, 32), f32(2, 3, 5, 32, seed=1), f32(2, 3, 5, 32, seed=2))),
    ("pixel_shuffle", pixel_shuffle, (f32(2, 12, 4, 5),)),
    ("space_to_depth", space_to_depth, (f32(2, 8, 6, 3),)),
    ("pixel_shuffle_3d", pixel_shuffle_3d, (f32(2, 16, 2, 3, 2),)),
    ("patch_embed_3d", patch_embed_3d, (f32(2, 3, 4, 4, 6),)),
    ("einops_unpatchify", unpatchify, (f32(2, 6, 12),)),
    ("einops_patchify", patchify, (f32(2, 3, 4, 6),)),
    ("broadcast_6d", broadcast_6d, (f32(2, 3, 4), f32(5, 3, 2, seed=1))),
    ("layer_norm_7d", layer_norm_heads_7d, (f32(6, 8, 12),)),
    ("slice_pad_concat_6d", slice_pad_concat_6d, (f32(6, 20, 12),)),
    ("iota_7d", iota_7d, (f32(12, 12),)),
    ("gelu_6d", gelu_6d, (f32(12, 12),)),
    ("sort_6d", sort_6d, (np.round(f32(12, 12) * 2),)),
    ("lexsort_6d", lexsort_6d, (f32(12, 12),)),
    ("gather_6d", gather_6d, (f32(12, 24), np.array([0, 5, -1, 9], np.int32))),
    ("scatter_6d", scatter_6d, (f32(12, 24), np.array([0, 5, -1, 2], np.int32), f32(4, 48, seed=3))),
    ("reverse_6d", reverse_6d, (f32(1440),)),
    ("slice_unit_strides_6d", slice_unit_strides_6d, (f32(5, 3, 5),)),
    ("bitcast_6d", bitcast_6d, (f32(1440),)),
    ("gather_all_six_dims", gather_all_six_dims, (f32(720), INDEX6)),
    ("lax_gather_six_dims_clamped", lax_gather_six_dims_clamped, (f32(720), INDEX6)),
    ("gather_five_dims_window", gather_five_dims_window, (f32(720), INDEX6[:, :5])),
    ("scatter_add_six_dims", scatter_add_six_dims, (f32(720), INDEX6, f32(6, seed=4))),
    ("take_along_axis_rank5_iota_6d", take_along_axis_rank5,
     (np.arange(120, dtype=np.int32).reshape(2, 5, 2, 2, 3), (np.arange(240) % 2).astype(np.int32).reshape(2, 5, 2, 4, 3))),
]


@pytest.mark.parametrize("name,fn,args", CASES, ids=[c[0] for c in CASES])
def test_rank_capped(name, fn, args, tmp_path):
    check(fn, *args, tmp_path=tmp_path, rtol=1e-5, atol=1e-5)


def test_rank_capped_fp16(tmp_path):
    check(window_attention, *CASES[0][2], tmp_path=tmp_path, precision="fp16", rtol=FP16_RTOL, atol=FP16_ATOL)


def _run_interface_case(fn, args, tmp_path):
    """Compile, save, run the saved package through hlo_coreml.run and the
    CLI with the program's (rank > 5) shapes; compare with JAX."""
    import subprocess
    import sys

    import coremltools as ct

    import hlo_coreml
    from helpers import jax_reference, max_rank_in_spec

    expected = jax_reference(fn, *args)
    path = str(tmp_path / "model.mlpackage")
    model = hlo_coreml.compile(fn, *args, compute_precision="fp32", output_path=path)
    rank, where = max_rank_in_spec(ct.models.MLModel(path, skip_model_load=True).get_spec())
    assert rank <= 5, where
    names = [s.name for s in model.hlo_coreml_interface.inputs]
    feeds = dict(zip(names, args))
    for got in (hlo_coreml.run(model, feeds), hlo_coreml.run(path, dict(feeds))):
        outs = list(got.values())
        assert len(outs) == len(expected)
        for out, ref in zip(outs, expected):
            assert out.shape == ref.shape
            np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)
    # The CLI: inputs from .npy files in the program's shapes, outputs back.
    files = []
    for name, a in feeds.items():
        np.save(tmp_path / f"{name}.npy", a)
        files += ["--input", f"{name}={tmp_path / f'{name}.npy'}"]
    out_path = tmp_path / "out.npz"
    subprocess.run(
        [sys.executable, "-m", "hlo_coreml.cli", "run", path, *files, "-o", str(out_path)], check=True, capture_output=True
    )
    saved = np.load(out_path)
    for name, ref in zip([s.name for s in model.hlo_coreml_interface.outputs], expected):
        np.testing.assert_allclose(saved[name], ref, rtol=1e-5, atol=1e-5)
    return model


def test_rank6_to_8_inputs_and_outputs(tmp_path):
    # Rank 6, 7 and 8 arguments and results: Core ML features of rank 5
    # (leading dims merged), the interface records the program's shapes.
    x = f32(2, 3, 4, 5, 6, 7)
    y = f32(1, 2, 1, 3, 2, 1, 2, seed=1)
    z = f32(3, 5, 7)

    def fn(x, y, z):
        t = jnp.tanh(x) + z.sum()
        return t, jnp.exp(y).reshape(1, 2, 1, 3, 2, 1, 2, 1), x.sum(axis=(0, 5))

    model = _run_interface_case(fn, (x, y, z), tmp_path)
    iface = model.hlo_coreml_interface
    assert [s.shape for s in iface.inputs] == [(6, 4, 5, 6, 7), (2, 3, 2, 1, 2), (3, 5, 7)]
    assert [s.original_shape for s in iface.inputs] == [(2, 3, 4, 5, 6, 7), (1, 2, 1, 3, 2, 1, 2), None]
    assert [s.original_shape for s in iface.outputs] == [(2, 3, 4, 5, 6, 7), (1, 2, 1, 3, 2, 1, 2, 1), None]
    import json

    recorded = json.loads(model.user_defined_metadata["hlo_coreml.interface"])
    assert recorded["inputs"][0]["original_shape"] == [2, 3, 4, 5, 6, 7]
    assert recorded["inputs"][0]["shape"] == [6, 4, 5, 6, 7]


def test_rank6_complex_input(tmp_path):
    # split-complex's two features per complex argument keep the original
    # shape each.
    import hlo_coreml

    z = (f32(2, 1, 3, 2, 2, 3) + 1j * f32(2, 1, 3, 2, 2, 3, seed=2)).astype(np.complex64)
    fn = lambda z: jnp.abs(z) * 2  # noqa: E731
    model = hlo_coreml.compile(fn, z, compute_precision="fp32")
    assert [s.original_shape for s in model.hlo_coreml_interface.inputs] == [(2, 1, 3, 2, 2, 3)] * 2
    [name] = [s.name for s in model.hlo_coreml_interface.outputs]
    got = hlo_coreml.run(model, {"z_real": z.real, "z_imag": z.imag})[name]
    np.testing.assert_allclose(got, np.abs(z) * 2, rtol=1e-5)


def test_rank6_reverse(tmp_path):
    # Flip over dims 1, 2 and 4 of a rank-6 value (two runs of reversed dims).
    def f(x):
        y = x.reshape(2, 2, 3, 4, 5, 6)
        return (jnp.flip(y, axis=(1, 2, 4)) * y).reshape(-1)

    check(f, f32(1440), tmp_path=tmp_path)


def test_rank6_dynamic_slices(tmp_path):
    # dynamic_slice / dynamic_update_slice on rank 6 (dims taken whole join
    # the block before them); starts out of range clamp as in JAX.
    def f(x, i, j):
        y = x.reshape(4, 2, 3, 2, 5, 3)
        s = jax.lax.dynamic_slice(y, (i, 0, j, 0, 0, 0), (2, 2, 2, 2, 5, 3))
        u = jax.lax.dynamic_update_slice(y, s * 10, (j, 0, i, 0, 0, 0))
        return s.reshape(-1), u.reshape(-1)

    x = f32(720)
    for i, j in ((1, 0), (3, 2), (-5, 9)):
        check(f, x, np.int32(i), np.int32(j), tmp_path=tmp_path, rtol=1e-6, atol=1e-6)


def test_iota_fallback_through_a_broadcast(tmp_path):
    # cap-rank's iota fallback when even the iota of a collapsed view would
    # be too high: a 1-D iota broadcast through a 2-D view. At max-rank 5
    # this needs rank 7+; max-rank=2 reaches it with rank 3.
    from hlo_coreml import pipeline

    elements = [
        "hlo-coreml-cap-rank{max-rank=2}" if e == "hlo-coreml-cap-rank" else e
        for e in pipeline.expand(["hlo-coreml-legalize-pipeline"])
    ]

    def f(x, y):
        s = x.reshape(2, 3, 4) + jax.lax.broadcasted_iota(jnp.float32, (2, 3, 4), 1)
        return jnp.concatenate([s, y.reshape(2, 3, 2)], axis=2).reshape(6, 6)

    check(f, f32(6, 4), f32(6, 2, seed=1), tmp_path=tmp_path, legalize_pipeline=elements)


def test_gather_six_dims_clamps_before_linearizing(tmp_path):
    # cap-rank before legalize-gather-scatter: the gather still has indices
    # out of range (no hlo_coreml.in_bounds), so the linearized index is
    # built from components clamped as StableHLO specifies.
    from hlo_coreml import pipeline

    elements = []
    for e in pipeline.expand(["hlo-coreml-legalize-pipeline"]):
        if e == "hlo-coreml-legalize-gather-scatter":
            elements.append("hlo-coreml-cap-rank")
        elements.append(e)
    check(lax_gather_six_dims_clamped, f32(720), INDEX6, tmp_path=tmp_path, legalize_pipeline=elements)
