"""The fp16 precision rule: which ops stay in fp32 when compute_precision is
FLOAT16.

coremltools' FLOAT16 mode (`common::add_fp16_cast`) casts every fp32 op to
fp16. Most ops are fine in fp16 (one rounding of 2**-11 relative), but a few
break outright: they overflow fp16's range (65504) or lose the resolution of
a long sum. hlo-coreml passes `keep_fp32` as the `op_selector` of
`ct.transform.FP16ComputePrecision`, so these ops, and only these, stay in
fp32:

1. Statistics built from squares: `layer_norm`, `instance_norm`, `l2_norm`,
   `local_response_norm`, `reduce_sum_square`, `reduce_l2_norm`. A square
   overflows fp16 from |x| > 256, which activations reach routinely.
2. Sums of exponentials: `reduce_log_sum_exp`, `reduce_log_sum`, and
   `softmax` over an axis of more than LARGE_REDUCTION elements.
3. Long sums: `reduce_sum`, `reduce_mean`, `reduce_prod`, `cumsum` reducing
   more than LARGE_REDUCTION (1024) elements into each result (a sum of 1024
   values of magnitude 64 already overflows fp16, and each addition past 2048
   rounds away a whole unit).
4. `exp`, unless its argument is bounded above by 0: `sub(x, m)` with `m`
   produced by `reduce_max` of the same `x` (directly or through reshape /
   expand_dims / squeeze / tile / transpose / identity / cast; the
   stable-softmax pattern), or a non-positive constant times relu / abs /
   square / exp of something. exp overflows fp16 for arguments above
   log(65504) = 11.09, which unbounded inputs can reach.
5. Followers: a shape op (reshape, expand_dims, squeeze, transpose,
   identity, slice, gather, concat) or a `mul` / `real_div` by a constant
   whose input comes from an op kept in fp32 by rules 1-5. coremltools
   casts a kept op's result to fp16 for the next fp16 op, so without this a
   sum of 131072 would become inf right after the reduction; this way it
   reaches the output, or its scaling (sum -> mean), in fp32.

6. Exact integer arithmetic: a `conv` / `conv_transpose`, or a shape op
   (reshape, expand_dims, squeeze, transpose, slice, concat, reverse, pad,
   identity), whose non-constant input comes through shape ops from a
   `cast` of an int32 value. hlo-coreml-legalize-int-conv computes integer
   convolutions as fp32 convolutions that are exact only in fp32 (integers
   up to 2**24; fp16 holds them only up to 2048).

Limits: an fp32 result that exceeds 65504 and then meets any other op is
still cast to fp16 there; a model whose activations leave fp16's range
needs compute_precision='fp32'.

Constants computed in fp16 saturate at +-65504 instead of overflowing to inf
(hlo_coreml.fp16_saturation).

Everything else runs in fp16. The rule only keeps *fp32* ops in fp32: a model
written in fp16 (a JAX function in float16 end to end) computes in fp16
whatever the precision. Keeping an op in fp32 keeps it off the Neural Engine
(fp32 ops never run there); pass
`ct.transform.FP16ComputePrecision(op_selector=lambda op: True)` (or
compute_precision='fp16-all') for all-fp16 compute.
"""

from __future__ import annotations

import math

# More elements than this reduced into one result keep a sum in fp32.
LARGE_REDUCTION = 1024

ALWAYS_FP32 = frozenset(
    {
        "layer_norm",
        "instance_norm",
        "l2_norm",
        "local_response_norm",
        "reduce_sum_square",
        "reduce_l2_norm",
        "reduce_log_sum_exp",
        "reduce_log_sum",
    }
)
LONG_SUMS = frozenset({"reduce_sum", "reduce_mean", "reduce_prod", "cumsum", "softmax"})
_PASS_THROUGH = frozenset({"reshape", "expand_dims", "squeeze", "tile", "identity", "transpose", "cast"})
# Consumers that stay in fp32 when their input comes from an op kept in fp32
# (so a large sum reaches its scaling, or the output, without an fp16 cast).
_FOLLOWERS = frozenset(
    {"reshape", "expand_dims", "squeeze", "identity", "transpose", "slice_by_index", "slice_by_size", "gather", "concat"}
)
_SCALING = frozenset({"mul", "real_div"})


def keep_fp32(op) -> bool:
    """Whether `op` must stay in fp32 (see the module docstring)."""
    kind = op.op_type
    if kind in ALWAYS_FP32:
        return True
    if kind in LONG_SUMS:
        return _reduced_count(op) > LARGE_REDUCTION
    if kind == "exp":
        return not _bounded_above_by_zero(op.inputs["x"])
    if (kind in _CONVS or kind in _INT_PATH) and _from_int_cast(op):
        return True
    if kind in _FOLLOWERS or kind in _SCALING:
        return _follows_fp32(op)
    return False


_CONVS = frozenset({"conv", "conv_transpose"})
# Shape ops between an int32 -> fp32 cast and an exact integer conv.
_INT_PATH = frozenset(
    {"reshape", "expand_dims", "squeeze", "transpose", "slice_by_index", "slice_by_size", "concat", "reverse", "pad", "identity"}
)


def _from_int_cast(op, depth: int = 0) -> bool:
    """A non-constant input of `op` comes, through shape ops, from a cast of
    an int32 value (rule 6)."""
    from coremltools.converters.mil.mil import types

    if depth > 16:
        return False
    for v in _input_vars(op):
        if v.val is not None or v.op is None:
            continue
        producer = v.op
        if producer.op_type == "cast":
            if types.is_int(producer.inputs["x"].dtype):
                return True
        elif producer.op_type in _INT_PATH and _from_int_cast(producer, depth + 1):
            return True
    return False


def _follows_fp32(op) -> bool:
    """A shape op, or a scaling by a constant, fed by an op kept in fp32."""
    dynamic = [v for v in _input_vars(op) if v.val is None]
    if op.op_type in _SCALING and len(dynamic) != 1:
        return False
    return any(v.op is not None and v.op.op_type != "cast" and keep_fp32(v.op) for v in dynamic)


def _input_vars(op):
    for v in op.inputs.values():
        if isinstance(v, (list, tuple)):
            yield from v
        else:
            yield v


def fp16_op_selector(op) -> bool:
    """The `op_selector` for FP16ComputePrecision: True = compute in fp16."""
    return not keep_fp32(op)


def _dim(d) -> float:
    return d if isinstance(d, int) else math.inf  # a symbolic dim may be large


def _reduced_count(op) -> float:
    x = op.inputs.get("x")
    if x is None or x.shape is None:
        return math.inf
    shape = [_dim(d) for d in x.shape]
    rank = len(shape)
    if op.op_type in ("softmax", "cumsum"):
        axis_var = op.inputs.get("axis")
        axis = int(axis_var.val) if axis_var is not None and axis_var.val is not None else (-1 if op.op_type == "softmax" else 0)
        return shape[axis % rank] if rank else 1
    axes_var = op.inputs.get("axes")
    if axes_var is None or axes_var.val is None:
        axes = range(rank)
    else:
        axes = [int(a) % rank for a in axes_var.val.reshape(-1)] if rank else []
    count = 1
    for a in axes:
        count *= shape[a]
    return count


def _bounded_above_by_zero(var) -> bool:
    producer = _through(var.op)
    if producer is None:
        return False
    if producer.op_type == "sub":
        m = _through(producer.inputs["y"].op)
        return m is not None and m.op_type == "reduce_max" and _root(producer.inputs["x"]) is _root(m.inputs["x"])
    if producer.op_type == "mul":
        # -(non-negative): mul(relu/abs/square(x), c < 0)
        for a, b in (("x", "y"), ("y", "x")):
            c = producer.inputs[b].val
            src = _through(producer.inputs[a].op)
            if c is not None and src is not None and src.op_type in ("relu", "abs", "square", "exp") and (c <= 0).all():
                return True
    return False


def _through(op):
    while op is not None and op.op_type in _PASS_THROUGH:
        op = op.inputs["x"].op
    return op


def _root(var):
    """`var` with pass-through ops (reshape, cast, ...) looked through."""
    while var.op is not None and var.op.op_type in _PASS_THROUGH:
        var = var.op.inputs["x"]
    return var
