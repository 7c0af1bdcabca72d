"""Hand-checked semantics of ops without coremltools value_inference.

References are independent: PyTorch functionals, naive NumPy loops written
from the op docstrings, or the worked examples in the op docstrings
(coremltools 9.0 ``ops/defs``).
"""

import numpy as np
import pytest

ct = pytest.importorskip("coremltools")
torch = pytest.importorskip("torch")

import torch.nn.functional as F  # noqa: E402
from coremltools.converters.mil import Builder as mb  # noqa: E402
from coremltools.converters.mil.mil import types  # noqa: E402

from hlo_coreml.interpreter import Interpreter, InterpreterError, run  # noqa: E402
from helpers import mil_program  # noqa: E402

IOS15, IOS16, IOS17, IOS18 = ct.target.iOS15, ct.target.iOS16, ct.target.iOS17, ct.target.iOS18
rng = np.random.default_rng(7)


def f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def build(fn, inputs, opset=IOS17):
    """Program whose inputs are ``inputs`` (name -> array) and body ``fn(**vars)``."""
    return mil_program(fn, inputs, opset)


def run1(fn, inputs, opset=IOS17):
    """Run a single-output program; return the output array."""
    (out,) = run(build(fn, inputs, opset), inputs).values()
    return out


def t(a):
    return torch.from_numpy(np.ascontiguousarray(a))


# ----------------------------------------------------------------------------
# convolution padding variants
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("pad_type,before", [("same", 1), ("same_lower", 2)])
def test_conv_same_even_kernel(pad_type, before):
    """Even kernel, total pad 3: 'same' puts the extra pad after, 'same_lower' before."""
    x, w = f32(1, 2, 6, 6), f32(3, 2, 4, 4)
    got = run1(lambda x: mb.conv(x=x, weight=w, pad_type=pad_type), {"x": x})
    after = 3 - before
    ref = F.conv2d(F.pad(t(x), (before, after, before, after)), t(w)).numpy()
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-5)


def test_conv_same_strided_dilated():
    """'same' with stride 2 and dilation 2 gives ceil(D/s) outputs."""
    x, w = f32(1, 2, 7, 8), f32(3, 2, 3, 3)
    got = run1(lambda x: mb.conv(x=x, weight=w, pad_type="same", strides=[2, 2], dilations=[2, 2]), {"x": x})
    # k_eff = 5; total pad: H: 2*4-7+5-2 = 4, W: 2*4-8+5-2 = 3
    ref = F.conv2d(F.pad(t(x), (1, 2, 2, 2)), t(w), stride=2, dilation=2).numpy()
    assert got.shape == (1, 3, 4, 4)
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-5)


def test_conv_dynamic_weight_and_bias():
    x, w, bias = f32(2, 4, 5), f32(6, 2, 3), f32(6)
    got = run1(lambda x, w: mb.conv(x=x, weight=w, bias=bias, groups=2, pad_type="custom", pad=[2, 1]),
               {"x": x, "w": w})
    ref = F.conv1d(F.pad(t(x), (2, 1)), t(w), t(bias), groups=2).numpy()
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-5)


def test_conv_transpose_output_shape_same():
    """TF Conv2DBackpropInput semantics: output_shape with 'same' crops total//2 before."""
    x, w = f32(1, 3, 4, 4), f32(3, 2, 3, 3)
    got = run1(lambda x: mb.conv_transpose(x=x, weight=w, pad_type="same", strides=[2, 2],
                                           output_shape=[1, 2, 8, 8]), {"x": x})
    full = F.conv_transpose2d(t(x), t(w), stride=2).numpy()  # 9x9, total pad 1 -> crop 0 before
    np.testing.assert_allclose(got, full[:, :, :8, :8], rtol=1e-5, atol=1e-5)


def test_conv_transpose_output_shape_valid_larger():
    """output_shape larger than the full result: extra positions get only the bias."""
    x, w, bias = f32(1, 2, 3), f32(2, 4, 2), f32(4)
    got = run1(lambda x: mb.conv_transpose(x=x, weight=w, bias=bias, pad_type="valid", strides=[2],
                                           output_shape=[1, 4, 7]), {"x": x})
    full = F.conv_transpose1d(t(x), t(w), t(bias), stride=2).numpy()  # length 6
    ref = np.concatenate([full, np.broadcast_to(bias.reshape(1, 4, 1), (1, 4, 1))], axis=2)
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-5)


def test_conv_transpose_custom_pad_groups_3d():
    x, w = f32(1, 4, 3, 3, 2), f32(4, 1, 2, 3, 2)
    got = run1(lambda x: mb.conv_transpose(x=x, weight=w, pad_type="custom", pad=[1, 0, 1, 1, 0, 1],
                                           strides=[2, 1, 2], groups=2), {"x": x})
    full = F.conv_transpose3d(t(x), t(w), stride=(2, 1, 2), groups=2).numpy()
    np.testing.assert_allclose(got, full[:, :, 1:, 1:-1, :-1], rtol=1e-5, atol=1e-5)


# ----------------------------------------------------------------------------
# pooling
# ----------------------------------------------------------------------------


def naive_pool(x, k, s, pads, kind, exclude_padding, out):
    """Loop reference: windows start at o*s - pad_before; padding is zero (never max)."""
    n, c, h, w = x.shape
    res = np.zeros((n, c) + tuple(out), np.float64)
    for oh in range(out[0]):
        for ow in range(out[1]):
            h0, w0 = oh * s[0] - pads[0], ow * s[1] - pads[2]
            h1, w1 = h0 + k[0], w0 + k[1]
            ph1, pw1 = min(h1, h + pads[1]), min(w1, w + pads[3])  # clip to the padded extent
            vh0, vw0, vh1, vw1 = max(h0, 0), max(w0, 0), min(h1, h), min(w1, w)
            win = x[:, :, vh0:vh1, vw0:vw1].astype(np.float64)
            if kind == "max":
                res[:, :, oh, ow] = win.max(axis=(2, 3))
            elif kind == "l2":
                res[:, :, oh, ow] = np.sqrt((win**2).sum(axis=(2, 3)))
            else:
                count = win.shape[2] * win.shape[3] if exclude_padding else (ph1 - h0) * (pw1 - w0)
                res[:, :, oh, ow] = win.sum(axis=(2, 3)) / count
    return res


@pytest.mark.parametrize("exclude", [False, True])
def test_avg_pool_same(exclude):
    """TF-style 'same' pooling; exclude_padding_from_average default False counts zeros."""
    x = f32(1, 2, 7, 6)
    got = run1(lambda x: mb.avg_pool(x=x, kernel_sizes=[3, 2], strides=[2, 2], pad_type="same",
                                     exclude_padding_from_average=exclude), {"x": x})
    # H: total = 2*4-7+3-2 = 2 -> (1, 1); W: total = 2*3-6+2-2 = 0
    ref = naive_pool(x, (3, 2), (2, 2), (1, 1, 0, 0), "avg", exclude, got.shape[2:])
    assert got.shape == (1, 2, 4, 3)
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-6)


def test_avg_pool_default_counts_padding():
    x = np.ones((1, 1, 3, 3), np.float32)
    got = run1(lambda x: mb.avg_pool(x=x, kernel_sizes=[3, 3], pad_type="custom", pad=[1, 1, 1, 1]), {"x": x})
    assert got[0, 0, 0, 0] == pytest.approx(4 / 9)


def test_max_pool_same_lower_and_ceil():
    x = f32(1, 2, 6, 7)
    got = run1(lambda x: mb.max_pool(x=x, kernel_sizes=[2, 2], strides=[2, 2], pad_type="same_lower"),
               {"x": x})
    # H: total = 2*3-6+2-2 = 0; W: total = 2*4-7+2-2 = 1 -> before 1
    ref = naive_pool(x, (2, 2), (2, 2), (0, 0, 1, 0), "max", False, got.shape[2:])
    np.testing.assert_allclose(got, ref, rtol=0, atol=0)
    got = run1(lambda x: mb.max_pool(x=x, kernel_sizes=[3, 3], strides=[2, 2], pad_type="custom",
                                     pad=[1, 1, 1, 1], ceil_mode=True), {"x": x})
    ref = F.max_pool2d(t(x), 3, 2, padding=1, ceil_mode=True).numpy()
    np.testing.assert_allclose(got, ref)


def test_l2_pool():
    x = f32(1, 3, 6, 5)
    got = run1(lambda x: mb.l2_pool(x=x, kernel_sizes=[2, 3], strides=[2, 1], pad_type="valid"), {"x": x})
    ref = F.lp_pool2d(t(x), 2, (2, 3), stride=(2, 1)).numpy()
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------------------------
# normalization / activation
# ----------------------------------------------------------------------------


def test_local_response_norm():
    x = f32(2, 6, 3, 3)
    got = run1(lambda x: mb.local_response_norm(x=x, size=5, alpha=1e-2, beta=0.6, k=1.5), {"x": x})
    ref = F.local_response_norm(t(x), 5, alpha=1e-2, beta=0.6, k=1.5).numpy()
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-6)


def test_instance_norm_batch_norm():
    x, g, bt = f32(2, 3, 4, 5), f32(3), f32(3)
    got = run1(lambda x: mb.instance_norm(x=x, gamma=g, beta=bt, epsilon=1e-3), {"x": x})
    ref = F.instance_norm(t(x), weight=t(g), bias=t(bt), eps=1e-3).numpy()
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-5)
    mean, var = f32(3), np.abs(f32(3)) + 0.5
    got = run1(lambda x: mb.batch_norm(x=x, mean=mean, variance=var, gamma=g, beta=bt), {"x": x})
    ref = F.batch_norm(t(x), t(mean), t(var), t(g), t(bt), eps=1e-5).numpy()
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-5)


def test_silu_prelu():
    x, a = f32(2, 3, 4, 2), np.array([0.1, 0.2, 0.3], np.float32)
    np.testing.assert_allclose(run1(lambda x: mb.silu(x=x), {"x": x}), F.silu(t(x)).numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(run1(lambda x: mb.prelu(x=x, alpha=a), {"x": x}), F.prelu(t(x), t(a)).numpy())


# ----------------------------------------------------------------------------
# resizing
# ----------------------------------------------------------------------------

DOC_GRIDS = {  # iOS15/image_resizing.py resize_bilinear docstring, Xin = 2
    ("UNALIGN_CORNERS", 5): [0.0, 0.1, 0.5, 0.9, 1.0],
    ("STRICT_ALIGN_CORNERS", 5): [0.0, 0.25, 0.5, 0.75, 1.0],
    ("ALIGN_CORNERS", 5): [0.0, 0.25, 0.5, 0.75, 1.0],
    ("DEFAULT", 5): [0.0, 0.4, 0.8, 1.0, 1.0],
    ("OFFSET_CORNERS", 5): [0.1, 0.3, 0.5, 0.7, 0.9],
    ("UNALIGN_CORNERS", 6): [0.0, 0.0, 0.33, 0.67, 1.0, 1.0],
    ("STRICT_ALIGN_CORNERS", 6): [0.0, 0.2, 0.4, 0.6, 0.8, 1.0],
    ("DEFAULT", 6): [0.0, 0.33, 0.67, 1.0, 1.0, 1.0],
    ("OFFSET_CORNERS", 6): [0.08, 0.25, 0.42, 0.58, 0.75, 0.92],
}


@pytest.mark.parametrize("mode,xout", list(DOC_GRIDS), ids=[f"{m}-{n}" for m, n in DOC_GRIDS])
def test_resize_bilinear_docstring_grids(mode, xout):
    """Interpolating [0, 1] returns the sampling grid, which must match the docstring table."""
    x = np.array([[[0.0, 1.0]]], np.float32)
    got = run1(lambda x: mb.resize_bilinear(x=x, target_size_height=1, target_size_width=xout,
                                            sampling_mode=mode), {"x": x})
    np.testing.assert_allclose(got[0, 0], DOC_GRIDS[(mode, xout)], atol=5e-3)


@pytest.mark.parametrize("mode,align", [("UNALIGN_CORNERS", False), ("STRICT_ALIGN_CORNERS", True)])
def test_resize_bilinear_vs_torch(mode, align):
    x = f32(1, 2, 4, 5)
    got = run1(lambda x: mb.resize_bilinear(x=x, target_size_height=7, target_size_width=3,
                                            sampling_mode=mode), {"x": x})
    ref = F.interpolate(t(x), size=(7, 3), mode="bilinear", align_corners=align).numpy()
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-6)


def test_upsample_bilinear_no_half_pixel_ios16():
    """align_corners=False, half_pixel_centers=False samples at i * in / out (TF legacy)."""
    x = np.array([[[0.0, 1.0]]], np.float32)
    got = run1(lambda x: mb.upsample_bilinear(x=x, scale_factor_height=1.0, scale_factor_width=2.5,
                                              align_corners=False, half_pixel_centers=False), {"x": x}, IOS16)
    np.testing.assert_allclose(got[0, 0], DOC_GRIDS[("DEFAULT", 5)], atol=1e-6)


def test_resize_nearest_neighbor_half_pixel():
    x = f32(1, 2, 6, 5)
    got = run1(lambda x: mb.resize_nearest_neighbor(x=x, target_size_height=4, target_size_width=8), {"x": x})
    ref = F.interpolate(t(x), size=(4, 8), mode="nearest-exact").numpy()
    np.testing.assert_array_equal(got, ref)


def test_upsample_nearest_fractional_scale():
    x = f32(1, 2, 4, 4)
    got = run1(lambda x: mb.upsample_nearest_neighbor(x=x, scale_factor_height=1.5, scale_factor_width=2.0),
               {"x": x})
    ref = F.interpolate(t(x), scale_factor=(1.5, 2.0), mode="nearest").numpy()
    np.testing.assert_array_equal(got, ref)


def test_crop():
    x = f32(1, 2, 5, 6)
    got = run1(lambda x: mb.crop(x=x, crop_height=[1, 2], crop_width=[0, 3]), {"x": x})
    np.testing.assert_array_equal(got, x[:, :, 1:3, 0:3])


# ----------------------------------------------------------------------------
# rearrangement
# ----------------------------------------------------------------------------


def test_depth_to_space_space_to_depth():
    """TF (DCR) order: out[n, c, h*b+i, w*b+j] = x[n, (i*b+j)*C_out + c, h, w]."""
    x = f32(2, 8, 3, 2)
    got = run1(lambda x: mb.depth_to_space(x=x, block_size=2), {"x": x})
    ref = np.zeros((2, 2, 6, 4), np.float32)
    for i in range(2):
        for j in range(2):
            for c in range(2):
                ref[:, c, i::2, j::2] = x[:, (i * 2 + j) * 2 + c]
    np.testing.assert_array_equal(got, ref)
    back = run1(lambda x: mb.space_to_depth(x=x, block_size=2), {"x": got})
    np.testing.assert_array_equal(back, x)


def test_sliding_windows():
    x = f32(2, 9, 3)
    got = run1(lambda x: mb.sliding_windows(x=x, axis=1, size=4, stride=2), {"x": x})
    ref = np.stack([x[:, s:s + 4] for s in range(0, 6, 2)], axis=1)
    np.testing.assert_array_equal(got, ref)


def test_reshape_like_docstring_example():
    x, r0, r1 = f32(180), f32(2, 3, 4), f32(1, 5, 6)
    got = run1(lambda x, r0, r1: mb.reshape_like(x=x, ref_tensors=(r0, r1), begins=(0, 1), ends=(2, 0),
                                                 end_masks=(False, True)), {"x": x, "r0": r0, "r1": r1})
    np.testing.assert_array_equal(got, x.reshape(2, 3, 5, 6))


def test_reverse_sequence():
    x = np.arange(2 * 5 * 3, dtype=np.float32).reshape(2, 5, 3)
    lengths = np.array([3, 5, 0], np.int32)
    got = run1(lambda x, lengths: mb.reverse_sequence(x=x, lengths=lengths, seq_axis=1, batch_axis=2),
               {"x": x, "lengths": lengths})
    ref = x.copy()
    for bidx, n in enumerate(lengths):
        ref[:, :n, bidx] = x[:, :n, bidx][:, ::-1]
    np.testing.assert_array_equal(got, ref)


def test_concat_interleave_docstring_example():
    a = np.array([[1, 2], [3, 4], [5, 6]], np.float32)
    c = np.array([[7, 8], [9, 10], [11, 12]], np.float32)
    got = run1(lambda a, c: mb.concat(values=(a, c), axis=0, interleave=True), {"a": a, "c": c})
    np.testing.assert_array_equal(got, [[1, 2], [7, 8], [3, 4], [9, 10], [5, 6], [11, 12]])


def test_cumsum_exclusive():
    x = f32(3, 4)
    got = run1(lambda x: mb.cumsum(x=x, axis=1, exclusive=True), {"x": x})
    np.testing.assert_allclose(got, np.concatenate([np.zeros((3, 1)), np.cumsum(x, 1)[:, :-1]], 1), rtol=1e-6)
    got = run1(lambda x: mb.cumsum(x=x, axis=0, exclusive=True, reverse=True), {"x": x})
    ref = np.flip(np.concatenate([np.zeros((1, 4)), np.cumsum(np.flip(x, 0), 0)[:-1]], 0), 0)
    np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-7)


def test_one_hot_axis_and_values():
    idx = np.array([[0, 2], [3, -1]], np.int32)
    got = run1(lambda i: mb.one_hot(indices=i, one_hot_vector_size=4, axis=0, on_value=5.0, off_value=-1.0),
               {"i": idx})
    ref = np.where(np.arange(4)[:, None, None] == idx[None], 5.0, -1.0)
    np.testing.assert_array_equal(got, ref)


# ----------------------------------------------------------------------------
# gather / scatter
# ----------------------------------------------------------------------------


def test_gather_nd():
    x = f32(3, 4, 5)
    idx = np.array([[[0, 1], [2, 3]], [[1, 0], [2, 2]]], np.int32)
    got = run1(lambda x, i: mb.gather_nd(x=x, indices=i), {"x": x, "i": idx})
    ref = np.array([[x[tuple(p)] for p in row] for row in idx])
    np.testing.assert_array_equal(got, ref)
    idx = np.array([[[1], [3]], [[0], [0]], [[2], [1]]], np.int32)  # batch_dims=1
    got = run1(lambda x, i: mb.gather_nd(x=x, indices=i, batch_dims=1), {"x": x, "i": idx})
    ref = np.stack([x[b][idx[b, :, 0]] for b in range(3)])
    np.testing.assert_array_equal(got, ref)


def test_gather_negative_index_is_out_of_bounds_from_ios17():
    x = f32(5, 2)
    with pytest.raises(InterpreterError, match="out of bounds"):
        run1(lambda x, i: mb.gather(x=x, indices=i), {"x": x, "i": np.array([-1], np.int32)}, IOS17)
    got = run1(lambda x, i: mb.gather(x=x, indices=i), {"x": x, "i": np.array([-1], np.int32)}, IOS16)
    np.testing.assert_array_equal(got, x[[-1]])


def test_scatter_docstring_example_default_mode_add():
    data = np.array([[1, 2, 3], [4, 5, 6]], np.float32)
    updates = np.array([[5, 6, 7], [8, 9, 10]], np.float32)
    got = run1(lambda d, u: mb.scatter(data=d, indices=np.array([1, 0], np.int32), updates=u),
               {"d": data, "u": updates})
    np.testing.assert_array_equal(got, [[9, 11, 13], [9, 11, 13]])


_MODES = {"update": lambda a, b: b, "add": np.add, "sub": np.subtract, "mul": np.multiply,
          "div": np.divide, "max": np.maximum, "min": np.minimum}


@pytest.mark.parametrize("mode", list(_MODES))
def test_scatter_modes(mode):
    """Sequential loop reference, with a repeated index."""
    data = f32(3, 4)
    updates = f32(3, 3)
    idx = np.array([2, 0, 2], np.int32)
    got = run1(lambda d, u: mb.scatter(data=d, indices=idx, updates=u, axis=1, mode=mode), {"d": data, "u": updates})
    ref = data.astype(np.float64).copy()
    for i, k in enumerate(idx):
        ref[:, k] = _MODES[mode](ref[:, k], updates[:, i])
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("mode", list(_MODES))
def test_scatter_nd_modes(mode):
    data, updates = f32(3, 4, 2), f32(3, 2)
    idx = np.array([[0, 1], [2, 3], [0, 1]], np.int32)
    got = run1(lambda d, u: mb.scatter_nd(data=d, indices=idx, updates=u, mode=mode), {"d": data, "u": updates})
    ref = data.astype(np.float64).copy()
    for i, (a, c) in enumerate(idx):
        ref[a, c] = _MODES[mode](ref[a, c], updates[i])
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("mode", ["add", "mul", "max"])
def test_scatter_along_axis_modes(mode):
    """The default mode is 'add' (coremltools' value_inference ignores mode and always updates)."""
    data, updates = f32(3, 4), f32(3, 2)
    idx = np.array([[0, 0], [3, 1], [2, 2]], np.int32)
    kw = {} if mode == "add" else {"mode": mode}
    got = run1(lambda d, u: mb.scatter_along_axis(data=d, indices=idx, updates=u, axis=1, **kw),
               {"d": data, "u": updates})
    ref = data.astype(np.float64).copy()
    for r in range(3):
        for j in range(2):
            ref[r, idx[r, j]] = _MODES[mode](ref[r, idx[r, j]], updates[r, j])
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------------------------
# dtypes
# ----------------------------------------------------------------------------


def test_fp16_rounds_every_op():
    """x*x overflows fp16 (max 65504) before the division, as on a device computing in fp16."""
    x = np.array([300.0, 2.0], np.float16)
    got = run1(lambda x: mb.real_div(x=mb.mul(x=x, y=x), y=x), {"x": x})
    assert got.dtype == np.float16
    assert np.isinf(got[0]) and got[1] == 2


def test_int32_wraparound_and_cast_truncation():
    x = np.array([2**31 - 1, -5], np.int32)
    got = run1(lambda x: mb.add(x=x, y=np.int32(1)), {"x": x})
    np.testing.assert_array_equal(got, [-(2**31), -4])
    y = np.array([-2.7, 2.7, -0.5], np.float32)
    np.testing.assert_array_equal(run1(lambda y: mb.cast(x=y, dtype="int32"), {"y": y}), [-2, 2, 0])


def test_reshape_zero_semantics_by_version():
    x = f32(2, 3, 4)
    assert run1(lambda x: mb.reshape(x=x, shape=[0, -1]), {"x": x}, IOS17).shape == (3, 8)  # from the right
    assert run1(lambda x: mb.reshape(x=x, shape=[0, 0, -1]), {"x": x}, IOS15).shape == (2, 3, 4)
    assert run1(lambda x: mb.reshape(x=x, shape=[1, 0, -1]), {"x": x}, IOS17).shape == (1, 3, 8)


def test_topk_without_indices_ios16():
    x = f32(2, 6)
    got = run1(lambda x: mb.topk(x=x, k=3, return_indices=False), {"x": x}, IOS16)
    np.testing.assert_array_equal(got, -np.sort(-x, axis=-1)[:, :3])


# ----------------------------------------------------------------------------
# control flow and state
# ----------------------------------------------------------------------------


def test_while_loop_and_cond():
    def body_fn(x, n):
        def cond(i, acc):
            return mb.less(x=i, y=n)

        def body(i, acc):
            return mb.add(x=i, y=np.int32(1)), mb.add(x=acc, y=x)  # reads outer var x

        i, acc = mb.while_loop(_cond=cond, _body=body, loop_vars=(np.array([0], np.int32), mb.mul(x=x, y=0.0)))
        big = mb.greater(x=mb.reduce_sum(x=acc), y=np.float32(0))
        out = mb.cond(pred=big, _true_fn=lambda: mb.sqrt(x=mb.abs(x=acc)),
                      _false_fn=lambda: mb.mul(x=acc, y=np.float32(-1.0)))
        return out, i

    x = np.array([1.0, 4.0], np.float32)
    prog = build(body_fn, {"x": x, "n": np.array([3], np.int32)})
    out, i = run(prog, {"x": x, "n": np.array([3], np.int32)}).values()
    np.testing.assert_allclose(out, np.sqrt(3 * x))
    np.testing.assert_array_equal(i, [3])
    out, i = run(prog, {"x": -x, "n": np.array([2], np.int32)}).values()
    np.testing.assert_allclose(out, 2 * x)
    np.testing.assert_array_equal(i, [2])


def test_state_read_update_roundtrip_through_serialization():
    @mb.program(input_specs=[mb.TensorSpec(shape=(2, 3), dtype=types.fp16),
                             mb.StateTensorSpec(shape=(2, 3), dtype=types.fp16)], opset_version=IOS18)
    def prog(x, acc):
        total = mb.add(x=mb.read_state(input=acc), y=x)
        mb.coreml_update_state(state=acc, value=total)
        return mb.mul(x=total, y=np.float16(2), name="out")

    mlmodel = ct.convert(prog, source="milinternal", convert_to="mlprogram", minimum_deployment_target=IOS18,
                         compute_precision=ct.precision.FLOAT32)
    op_types = {op.type for op in mlmodel.get_spec().mlProgram.functions["main"].block_specializations[
        "CoreML8"].operations}
    assert {"read_state", "write_state"} <= op_types  # coreml_update_state is serialized as write+read
    interp = Interpreter(mlmodel)
    state = np.zeros((2, 3), np.float16)
    x = np.ones((2, 3), np.float16)
    for step in range(1, 4):
        final = {}
        out = interp.run({"x": x, "acc": state}, state_out=final)["out"]
        np.testing.assert_array_equal(state, np.full((2, 3), step))  # updated in place
        np.testing.assert_array_equal(final["acc"], state)
        np.testing.assert_array_equal(out, np.full((2, 3), 2 * step))
