"""Linear algebra, convolution, pooling, normalization, resizing and attention.

Semantics follow coremltools 9.0 ``ops/defs/iOS15/linear.py``, ``conv.py``,
``pool.py``, ``normalization.py``, ``image_resizing.py``, ``_utils.py``
(padding and output-size formulas) and ``iOS18/transformers.py``. fp16
inputs are accumulated in fp32; the core casts results back to the declared
output dtype.
"""

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .core import _IOS16, InterpreterError, acc, arg, ilist, opset, register, scalar
from .readings import underspecified


def _x(op, env, name="x"):
    return np.asarray(arg(op, env, name))


def _fl(a):
    """Float working copy: fp16 -> fp32, ints -> fp32."""
    a = acc(np.asarray(a))
    if not np.issubdtype(a.dtype, np.floating):
        a = a.astype(np.float32)
    return a


# ----------------------------------------------------------------------------
# matmul / linear / einsum
# ----------------------------------------------------------------------------


@register("matmul")
def matmul(op, env):
    """Batched matmul with NumPy broadcasting; transpose_x/y swap the last two dims."""
    x, y = acc(_x(op, env)), acc(_x(op, env, "y"))
    if scalar(arg(op, env, "transpose_x"), False):
        x = np.swapaxes(x, -1, -2)
    if scalar(arg(op, env, "transpose_y"), False):
        y = np.swapaxes(y, -1, -2)
    if x.dtype != y.dtype:
        x, y = _fl(x), _fl(y)
    return np.matmul(x, y)


@register("linear")
def linear(op, env):
    """x @ weight.T + bias (weight [D_out, D_in])."""
    x = acc(_x(op, env))
    w = acc(_x(op, env, "weight"))
    if x.dtype != w.dtype:
        x, w = _fl(x), _fl(w)
    out = np.matmul(x, w.T)
    bias = arg(op, env, "bias")
    if bias is not None:
        out = out + acc(np.asarray(bias)).astype(out.dtype)
    return out


@register("einsum")
def einsum(op, env):
    """np.einsum for the two supported equations, broadcasting the batch dims."""
    a, b = (acc(np.asarray(v)) for v in arg(op, env, "values"))
    eq = arg(op, env, "equation")
    if a.ndim == 4:
        n, h = max(a.shape[0], b.shape[0]), max(a.shape[2], b.shape[2])
        a = np.broadcast_to(a, (n, a.shape[1], h, a.shape[3]))
        b = np.broadcast_to(b, (n, b.shape[1], h, b.shape[3]))
    elif a.ndim == 3:
        h = max(a.shape[1], b.shape[1])
        a = np.broadcast_to(a, (a.shape[0], h, a.shape[2]))
        b = np.broadcast_to(b, (b.shape[0], h, b.shape[2]))
    else:
        raise InterpreterError(f"einsum {op.name!r}: inputs must have rank 3 or 4")
    return np.einsum(eq, a, b)


# ----------------------------------------------------------------------------
# convolution
# ----------------------------------------------------------------------------


def _same_pads(pad_type, in_sp, keff, strides):
    pads = []
    for i, k, s in zip(in_sp, keff, strides):
        total = int(max(0, s * math.ceil(i / s) - i + k - s))
        small = total // 2
        pads.append((small, total - small) if pad_type == "same" else (total - small, small))
    return pads


def _pads(op, pad_type, pad, in_sp, keff, strides):
    """Per-dim (before, after) pads for valid/custom/same/same_lower (_utils.aggregated_pad)."""
    n = len(in_sp)
    if pad_type == "valid":
        return [(0, 0)] * n
    if pad_type == "custom":
        p = ilist(pad, [0] * 2 * n)
        return [(p[2 * i], p[2 * i + 1]) for i in range(n)]
    if pad_type in ("same", "same_lower"):
        return _same_pads(pad_type, in_sp, keff, strides)
    raise InterpreterError(f"{op.op_type} {op.name!r}: unknown pad_type {pad_type!r}")


def _conv(x, w, strides, dilations, pads, groups):
    """N-D grouped cross-correlation of x [N, C, *D] with w [O, C/groups, *K]."""
    nsp = x.ndim - 2
    x = np.pad(x, [(0, 0), (0, 0)] + [tuple(p) for p in pads])
    k = w.shape[2:]
    keff = tuple((kk - 1) * d + 1 for kk, d in zip(k, dilations))
    win = sliding_window_view(x, keff, axis=tuple(range(2, 2 + nsp)))
    sl = (slice(None), slice(None))
    sl += tuple(slice(None, None, s) for s in strides) + tuple(slice(None, None, d) for d in dilations)
    win = win[sl]
    n, c = x.shape[:2]
    o, g = w.shape[0], groups
    win = win.reshape((n, g, c // g) + win.shape[2:])
    wg = w.reshape((g, o // g, c // g) + tuple(k))
    sp, kk = "xyz"[:nsp], "uvw"[:nsp]
    out = np.einsum(f"ngc{sp}{kk},gmc{kk}->ngm{sp}", win, wg, optimize=True)
    return out.reshape((n, o) + out.shape[3:])


def _conv_params(op, env, nsp):
    strides = ilist(arg(op, env, "strides"), [1] * nsp)
    dilations = ilist(arg(op, env, "dilations"), [1] * nsp)
    groups = int(scalar(arg(op, env, "groups"), 1))
    return strides, dilations, groups


def _bias(out, bias):
    if bias is None:
        return out
    b = _fl(bias)
    return out + b.reshape((1, -1) + (1,) * (out.ndim - 2))


@register("conv")
def conv(op, env):
    """N-D convolution; weight [C_out, C_in/groups, *K]; pad_type valid (default)/custom/same/same_lower."""
    x, w = _fl(_x(op, env)), _fl(_x(op, env, "weight"))
    nsp = x.ndim - 2
    strides, dilations, groups = _conv_params(op, env, nsp)
    keff = [(k - 1) * d + 1 for k, d in zip(w.shape[2:], dilations)]
    pads = _pads(op, arg(op, env, "pad_type", "valid"), arg(op, env, "pad"), x.shape[2:], keff, strides)
    return _bias(_conv(x, w, strides, dilations, pads, groups), arg(op, env, "bias"))


@register("conv_transpose")
def conv_transpose(op, env):
    """N-D transposed convolution; weight [C_in, C_out/groups, *K]; optional output_shape."""
    x, w = _fl(_x(op, env)), _fl(_x(op, env, "weight"))
    nsp = x.ndim - 2
    strides, dilations, g = _conv_params(op, env, nsp)
    cin, coutg, k = w.shape[0], w.shape[1], w.shape[2:]
    keff = [(kk - 1) * d + 1 for kk, d in zip(k, dilations)]
    in_sp = x.shape[2:]
    # full (uncropped) result: dilate x by the strides, pad keff-1, correlate with the flipped kernel
    dil = np.zeros(x.shape[:2] + tuple((i - 1) * s + 1 for i, s in zip(in_sp, strides)), x.dtype)
    dil[(slice(None), slice(None)) + tuple(slice(None, None, s) for s in strides)] = x
    wf = np.flip(w, axis=tuple(range(2, 2 + nsp)))
    wf = wf.reshape((g, cin // g, coutg) + k).swapaxes(1, 2).reshape((g * coutg, cin // g) + k)
    full = _conv(dil, wf, [1] * nsp, dilations, [(e - 1, e - 1) for e in keff], g)
    lengths = [(i - 1) * s + e for i, s, e in zip(in_sp, strides, keff)]
    pad_type = arg(op, env, "pad_type", "valid")
    out_shape = arg(op, env, "output_shape")
    p = ilist(arg(op, env, "pad"), [0] * 2 * nsp)
    begins, sizes = [], []
    for i in range(nsp):
        if out_shape is not None:
            size = ilist(out_shape)[2 + i]
        elif pad_type == "same":
            size = in_sp[i] * strides[i]
        elif pad_type == "custom":
            size = lengths[i] - p[2 * i] - p[2 * i + 1]
        elif pad_type == "valid":
            size = lengths[i]
        else:
            raise InterpreterError(f"conv_transpose {op.name!r}: unsupported pad_type {pad_type!r}")
        if pad_type == "custom":
            begin = p[2 * i]
        elif pad_type == "same":
            begin = max(lengths[i] - size, 0) // 2
        else:
            begin = 0
        begins.append(begin)
        sizes.append(size)
    out = np.zeros(full.shape[:2] + tuple(sizes), full.dtype)
    src, dst = [slice(None)] * 2, [slice(None)] * 2
    for b, size, length in zip(begins, sizes, lengths):
        n = max(0, min(size, length - b))
        src.append(slice(b, b + n))
        dst.append(slice(0, n))
    out[tuple(dst)] = full[tuple(src)]
    return _bias(out, arg(op, env, "bias"))


# ----------------------------------------------------------------------------
# pooling
# ----------------------------------------------------------------------------


def _pool_setup(op, env):
    """Padded geometry shared by the pooling ops."""
    x = _fl(_x(op, env))
    nsp = x.ndim - 2
    ks = ilist(arg(op, env, "kernel_sizes"))
    strides = ilist(arg(op, env, "strides"), [1] * nsp)
    pad_type = str(arg(op, env, "pad_type", "valid")).lower()
    pads = _pads(op, pad_type, arg(op, env, "pad"), x.shape[2:], ks, strides)
    ceil_mode = bool(scalar(arg(op, env, "ceil_mode"), False))
    extra = []
    for i, k, s, (b, a) in zip(x.shape[2:], ks, strides, pads):
        tot = b + a
        if ceil_mode:
            out = (i + tot - k + s - 1) // s + 1
            if (out - 1) * s >= i + tot / 2 and tot > 0:
                out -= 1
        else:
            out = (i + tot - k) // s + 1
        extra.append(max(0, (out - 1) * s + k - (i + tot)))
    return x, ks, strides, pads, extra


def _windows(a, ks, strides):
    nsp = len(ks)
    win = sliding_window_view(a, ks, axis=tuple(range(a.ndim - nsp, a.ndim)))
    sl = (slice(None),) * (a.ndim - nsp) + tuple(slice(None, None, s) for s in strides)
    return win[sl]


def _pad_sp(a, pads, extra, value=0.0):
    lead = [(0, 0)] * (a.ndim - len(pads))
    return np.pad(a, lead + [(b, e + x) for (b, e), x in zip(pads, extra)], constant_values=value)


def _win_axes(nsp):
    return tuple(range(-nsp, 0))


def _input_count(x, ks, strides, pads, extra):
    """Number of input (not padding) elements in each window."""
    ones = np.ones(x.shape[2:], np.float64)
    return np.sum(_windows(_pad_sp(ones, pads, extra), ks, strides), axis=_win_axes(len(ks)))


def _empty_windows_nan(out, x, ks, strides, pads, extra):
    """`out` with NaN in the windows that hold no input element."""
    empty = _input_count(x, ks, strides, pads, extra) == 0
    return np.where(empty, np.asarray(np.nan, out.dtype), out)


@register("max_pool")
def max_pool(op, env):
    """Max over windows. The padding value is not documented: -inf (padding
    never wins) by default, NaN in strict mode's other reading."""
    x, ks, strides, pads, extra = _pool_setup(op, env)

    def compute(choice):
        xp = _pad_sp(x, pads, extra, -np.inf if choice == "ignore" else np.nan)
        return np.max(_windows(xp, ks, strides), axis=_win_axes(len(ks)))

    return underspecified(op, env, "window", compute)


@register("avg_pool")
def avg_pool(op, env):
    """Mean over windows; padding counts unless exclude_padding_from_average
    (default False). A window without input elements is 0 by default, NaN
    in strict mode's other reading (not documented)."""
    x, ks, strides, pads, extra = _pool_setup(op, env)
    nsp = len(ks)
    total = np.sum(_windows(_pad_sp(x, pads, extra), ks, strides), axis=_win_axes(nsp))
    ones = np.ones(x.shape[2:], x.dtype)
    if bool(scalar(arg(op, env, "exclude_padding_from_average"), False)):
        mask = _pad_sp(ones, pads, extra)
    else:  # explicit padding counts, the extra ceil_mode overhang does not
        mask = _pad_sp(np.pad(ones, pads, constant_values=1.0), [(0, 0)] * nsp, extra)
    count = np.sum(_windows(mask, ks, strides), axis=_win_axes(nsp))
    mean = np.where(count > 0, total / np.maximum(count, 1), np.zeros((), total.dtype))

    def compute(choice):
        return mean if choice == "ignore" else _empty_windows_nan(mean, x, ks, strides, pads, extra)

    return underspecified(op, env, "window", compute)


@register("l2_pool")
def l2_pool(op, env):
    """sqrt(sum(x^2)) over windows (zero padding); a window without input
    elements is 0 by default, NaN in strict mode's other reading."""
    x, ks, strides, pads, extra = _pool_setup(op, env)
    out = np.sqrt(np.sum(_windows(_pad_sp(x * x, pads, extra), ks, strides), axis=_win_axes(len(ks))))

    def compute(choice):
        return out if choice == "ignore" else _empty_windows_nan(out, x, ks, strides, pads, extra)

    return underspecified(op, env, "window", compute)


def _chan(p, rank, default):
    if p is None:
        return default
    return _fl(p).reshape((1, -1) + (1,) * (rank - 2))


@register("batch_norm")
def batch_norm(op, env):
    """gamma * (x - mean) / sqrt(variance + epsilon) + beta along axis 1."""
    x = _fl(_x(op, env))
    r = x.ndim
    mean, var = _chan(arg(op, env, "mean"), r, 0), _chan(arg(op, env, "variance"), r, 1)
    eps = _fl(arg(op, env, "epsilon", 1e-5))
    y = (x - mean) / np.sqrt(var + eps)
    return y * _chan(arg(op, env, "gamma"), r, 1) + _chan(arg(op, env, "beta"), r, 0)


@register("instance_norm")
def instance_norm(op, env):
    """Normalize each (n, c) over the spatial dims, then per-channel gamma/beta."""
    x = _fl(_x(op, env))
    axes = tuple(range(2, x.ndim))
    eps = _fl(arg(op, env, "epsilon", 1e-5))
    mean = np.mean(x, axis=axes, keepdims=True)
    var = np.mean(np.square(x - mean), axis=axes, keepdims=True)
    y = (x - mean) / np.sqrt(var + eps)
    return y * _chan(arg(op, env, "gamma"), x.ndim, 1) + _chan(arg(op, env, "beta"), x.ndim, 0)


@register("layer_norm")
def layer_norm(op, env):
    """Normalize over ``axes`` (default all); gamma/beta have shape x.shape[axes]."""
    x = _fl(_x(op, env))
    r = x.ndim
    axes = ilist(arg(op, env, "axes"), list(range(r)))
    axes = sorted(a + r if a < 0 else a for a in axes)
    norm_shape = [x.shape[i] if i in axes else 1 for i in range(r)]
    eps = _fl(arg(op, env, "epsilon", 1e-5))
    mean = np.mean(x, axis=tuple(axes), keepdims=True)
    var = np.mean(np.square(x - mean), axis=tuple(axes), keepdims=True)
    y = (x - mean) / np.sqrt(var + eps)
    gamma, beta = arg(op, env, "gamma"), arg(op, env, "beta")
    if gamma is not None:
        y = y * _fl(gamma).reshape(norm_shape)
    if beta is not None:
        y = y + _fl(beta).reshape(norm_shape)
    return y


@register("l2_norm")
def l2_norm(op, env):
    """x / sqrt(sum(x^2) + epsilon) over the last three dims (leading dims are batch)."""
    x = _fl(_x(op, env))
    eps = _fl(arg(op, env, "epsilon", 1e-6))
    flat = x.reshape(x.shape[: x.ndim - 3] + (-1,))
    ss = np.sum(flat * flat, axis=-1, keepdims=True)
    return (flat / np.sqrt(ss + eps)).reshape(x.shape)


@register("local_response_norm")
def local_response_norm(op, env):
    """x / (k + alpha/size * sum of x^2 over a channel window)^beta."""
    x = _fl(_x(op, env))
    size = int(scalar(arg(op, env, "size")))
    alpha = _fl(arg(op, env, "alpha", 1e-4))
    beta = _fl(arg(op, env, "beta", 0.75))
    k = _fl(arg(op, env, "k", 1.0))
    before = (size - 1) // 2
    after = size - 1 - before
    sq = np.pad(np.square(x), [(0, 0), (before, after)] + [(0, 0)] * (x.ndim - 2))
    c = np.cumsum(sq, axis=1)
    c = np.concatenate([np.zeros_like(c[:, :1]), c], axis=1)
    window = c[:, size:] - c[:, : c.shape[1] - size]
    return x / np.power(k + alpha / size * window, beta)


# ----------------------------------------------------------------------------
# resizing (iOS15/image_resizing.py, iOS16/image_resizing.py)
# ----------------------------------------------------------------------------


def _linear_axis(x, axis, grid):
    """Linear interpolation of x along ``axis`` at positions ``grid``."""
    n = x.shape[axis]
    grid = np.clip(np.asarray(grid, np.float64), 0, n - 1)
    i0 = np.floor(grid).astype(np.int64)
    i1 = np.minimum(i0 + 1, n - 1)
    w = (grid - i0).astype(x.dtype)
    shape = [1] * x.ndim
    shape[axis] = -1
    w = w.reshape(shape)
    return np.take(x, i0, axis=axis) * (1 - w) + np.take(x, i1, axis=axis) * w


def _grid(mode, n_in, n_out):
    """Source coordinates for the resize_bilinear sampling modes."""
    i = np.arange(n_out, dtype=np.float64)
    if mode in ("STRICT_ALIGN_CORNERS", "ALIGN_CORNERS"):
        if n_out == 1:
            return np.array([(n_in - 1) / 2 if mode == "ALIGN_CORNERS" else 0.0])
        return i * (n_in - 1) / (n_out - 1)
    if mode == "DEFAULT":
        return i * n_in / n_out
    if mode == "OFFSET_CORNERS":
        delta = max(1, n_in - 1) / n_out
        return 0.5 * delta + i * delta
    if mode == "UNALIGN_CORNERS":
        return (i + 0.5) * n_in / n_out - 0.5
    raise InterpreterError(f"resize_bilinear: unknown sampling_mode {mode!r}")


def _bilinear(x, h_out, w_out, mode):
    y = _linear_axis(x, x.ndim - 2, _grid(mode, x.shape[-2], h_out))
    return _linear_axis(y, x.ndim - 1, _grid(mode, x.shape[-1], w_out))


@register("resize_bilinear")
def resize_bilinear(op, env):
    """Bilinear resize of the last two dims to target sizes; sampling_mode default 'DEFAULT'."""
    x = _fl(_x(op, env))
    h = int(scalar(arg(op, env, "target_size_height"), 1))
    w = int(scalar(arg(op, env, "target_size_width"), 1))
    return _bilinear(x, h, w, arg(op, env, "sampling_mode", "DEFAULT"))


@register("upsample_bilinear")
def upsample_bilinear(op, env):
    """Bilinear upsample by scale factors; align_corners default True, half_pixel_centers default !align_corners."""
    x = _fl(_x(op, env))
    sh = float(scalar(arg(op, env, "scale_factor_height"), 1))
    sw = float(scalar(arg(op, env, "scale_factor_width"), 1))
    align = bool(scalar(arg(op, env, "align_corners"), True))
    half = scalar(arg(op, env, "half_pixel_centers"), None) if opset(op) >= _IOS16 else None
    half = (not align) if half is None else bool(half)
    h, w = int(math.floor(x.shape[-2] * sh)), int(math.floor(x.shape[-1] * sw))
    mode = "STRICT_ALIGN_CORNERS" if align else ("UNALIGN_CORNERS" if half else "DEFAULT")
    return _bilinear(x, h, w, mode)


def _nearest(x, h_out, w_out, src_h, src_w):
    y = np.take(x, np.minimum(src_h, x.shape[-2] - 1), axis=x.ndim - 2)
    return np.take(y, np.minimum(src_w, x.shape[-1] - 1), axis=x.ndim - 1)


@register("upsample_nearest_neighbor")
def upsample_nearest_neighbor(op, env):
    """Nearest upsample: out[i] = x[floor(i / scale)], out size floor(in * scale)."""
    x = _x(op, env)
    sh = float(scalar(arg(op, env, "scale_factor_height"), 1))
    sw = float(scalar(arg(op, env, "scale_factor_width"), 1))
    h, w = int(math.floor(x.shape[-2] * sh)), int(math.floor(x.shape[-1] * sw))
    src_h = np.floor(np.arange(h) / sh).astype(np.int64)
    src_w = np.floor(np.arange(w) / sw).astype(np.int64)
    return _nearest(x, h, w, src_h, src_w)


@register("resize_nearest_neighbor")
def resize_nearest_neighbor(op, env):
    """Nearest resize to target sizes with half-pixel centers: x[floor((i + 0.5) * in / out)]."""
    x = _x(op, env)
    h = int(scalar(arg(op, env, "target_size_height")))
    w = int(scalar(arg(op, env, "target_size_width")))
    src_h = np.floor((np.arange(h) + 0.5) * x.shape[-2] / h).astype(np.int64)
    src_w = np.floor((np.arange(w) + 0.5) * x.shape[-1] / w).astype(np.int64)
    return _nearest(x, h, w, src_h, src_w)


@register("crop")
def crop(op, env):
    """Remove crop_height [top, bottom] and crop_width [left, right] from the last two dims."""
    x = _x(op, env)
    t, bo = ilist(arg(op, env, "crop_height"))
    le, r = ilist(arg(op, env, "crop_width"))
    return x[..., t:x.shape[-2] - bo, le:x.shape[-1] - r]


# ----------------------------------------------------------------------------
# attention (iOS18/transformers.py)
# ----------------------------------------------------------------------------


@register("scaled_dot_product_attention")
def scaled_dot_product_attention(op, env):
    """softmax(q @ k^T / sqrt(E) + mask) @ v; a bool mask adds -inf where False."""
    q, k, v = (_fl(_x(op, env, n)) for n in ("query", "key", "value"))
    s = np.matmul(q, np.swapaxes(k, -1, -2)) / np.sqrt(np.asarray(q.shape[-1], q.dtype))
    mask = arg(op, env, "attn_mask")
    if mask is not None:
        mask = np.asarray(mask)
        s = s + (np.where(mask, 0, -np.inf).astype(s.dtype) if mask.dtype == np.bool_ else _fl(mask))
    e = np.exp(s - np.max(s, axis=-1, keepdims=True))
    return np.matmul(e / np.sum(e, axis=-1, keepdims=True), v)
