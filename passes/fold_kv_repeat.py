"""hlo-coreml-fold-kv-repeat: grouped-query attention without materialized
K/V repeats."""

from __future__ import annotations

import math
import types
from dataclasses import dataclass
from typing import Callable, ClassVar

from hlo_coreml._mlir import ir, rewrite, stablehlo
from hlo_coreml.emit.ops_fused import SDPA
from hlo_coreml.ir_utils import i64_array

from .raise_fused_ops import erase_unused_decompositions
from .registry import ModulePass, register_pass

# how far up from a matmul / attention operand the repeat is looked for
_MAX_DEPTH = 12


@register_pass
@dataclass(frozen=True)
class FoldKVRepeatPass(ModulePass):
    """Grouped-query attention written the common way repeats each K/V head
    for its group of query heads (`jnp.repeat(k, group, axis=heads)`, or
    `broadcast_to(k[:, :, None])` + reshape): a `broadcast_in_dim` that
    inserts a group dim after the heads, then a `reshape` merging the two,
    or a `broadcast_in_dim` of a single head (multi-query attention).
    Converted as is, Core ML `tile`s the whole K/V cache `group` times per
    layer. Core ML's `scaled_dot_product_attention` requires key and value
    with the query's batch dims (its definition broadcasts only the mask),
    so the repeat is instead folded into the query: the query heads of a
    group become extra query rows of their K/V head.

    - `coreml.scaled_dot_product_attention(q [B.., H, L, E], k, v[, mask
      [B.., H, L, S]])` whose key and value are both repeats (factor G) of
      `k0`, `v0` along the last batch dim becomes
      `reshape(sdpa(reshape(q) [B.., H/G, G*L, E], k0, v0[, reshape(mask)]))`
      back to `[B.., H, L, Ev]`;
    - a canonical batched matmul `lhs [B.., H, M, K] x rhs [B.., H, K, N]`
      whose rhs is a repeat along the last batch dim (attention below
      iOS18: `q k^T` and `p v`) becomes
      `reshape(reshape(lhs) [B.., H/G, G*M, K] x rhs0)` back to `[B.., H, M, N]`.

    Both are exact (row `g*L + l` of K/V head `j` is query head `j*G + g`,
    row `l`, row-major). The repeat is recognized through the `transpose`s,
    `reshape`s (merging the repeated dim with outer dims only),
    `broadcast_in_dim`s and `convert`s between it and its user;
    `hlo-coreml-dot-general-to-matmul` and `hlo-coreml-raise-fused-ops` must
    have run (canonical matmuls, attention composites). Replays of those ops
    on the unrepeated value replace the repeated one; the repeats left
    without users are erased.

    ```mlir
    %r = stablehlo.broadcast_in_dim %k0, dims = [0, 2, 3] : (tensor<2x64x16xf32>) -> tensor<2x2x64x16xf32>
    %k = stablehlo.reshape %r : (tensor<2x2x64x16xf32>) -> tensor<4x64x16xf32>
    %o = stablehlo.composite "coreml.scaled_dot_product_attention" %q, %k, %v0rep, %m
           : (tensor<4x1x16xf32>, tensor<4x64x16xf32>, tensor<4x64x16xf32>, tensor<4x1x64xi1>) -> tensor<4x1x16xf32>
    ==>
    %q2 = stablehlo.reshape %q : (tensor<4x1x16xf32>) -> tensor<2x2x16xf32>
    %m2 = stablehlo.reshape %m : (tensor<4x1x64xi1>) -> tensor<2x2x64xi1>
    %o2 = stablehlo.composite "coreml.scaled_dot_product_attention" %q2, %k0, %v0, %m2 : ... -> tensor<2x2x16xf32>
    %o = stablehlo.reshape %o2 : (tensor<2x2x16xf32>) -> tensor<4x1x16xf32>
    ```

    Afterwards no such attention or matmul operand is a repeat of K/V; the
    only values of the repeated size are the query/mask reshapes (the
    mask, if any, is the size of the scores it masks anyway). Anything
    else (a repeat along another dim, a repeated lhs, key and value
    repeated differently, a mask that is not full-shaped) is left as it was.
    """

    name: ClassVar[str] = "hlo-coreml-fold-kv-repeat"
    summary: ClassVar[str] = "GQA: fold K/V head repeats into the query rows of attention and matmuls"

    def run(self, module, pass_) -> None:
        patterns = rewrite.RewritePatternSet()
        patterns.add(stablehlo.CompositeOp, _fold_attention)
        patterns.add(stablehlo.DotGeneralOp, _fold_matmul)
        rewrite.apply_patterns_and_fold_greedily(module, patterns.freeze())
        erase_unused_decompositions(module)


# -- recognizing a repeat --------------------------------------------------------


@dataclass(frozen=True)
class Repeat:
    """`value` = `unrepeated()` repeated `factor` times (each slice in turn,
    `jnp.repeat`) along `axis`; `unrepeated()` builds that value at the
    current insertion point."""

    axis: int
    factor: int
    unrepeated: Callable[[], ir.Value]


def _shape(value) -> list[int]:
    return list(ir.RankedTensorType(value.type).shape)


def _element(value) -> ir.Type:
    return ir.RankedTensorType(value.type).element_type


def _tensor(shape, element) -> ir.RankedTensorType:
    return ir.RankedTensorType.get(list(shape), element)


def _owner(value):
    return value.owner if isinstance(value, ir.OpResult) else None


def _static(value) -> bool:
    t = value.type
    return isinstance(t, ir.RankedTensorType) and t.has_static_shape


def _reshape(value, shape) -> ir.Value:
    """`value` reshaped (nothing when it has that shape; a reshape of a
    reshape's input instead of a second reshape)."""
    if _shape(value) == list(shape):
        return value
    owner = _owner(value)
    if owner is not None and owner.operation.name == "stablehlo.reshape":
        return _reshape(owner.operation.operands[0], shape)
    return stablehlo.ReshapeOp(_tensor(shape, _element(value)), value).result


def _broadcast(value, shape, dims) -> ir.Value:
    """broadcast_in_dim, or a reshape when it only adds unit dims."""
    if math.prod(shape) == math.prod(_shape(value)) and list(dims) == sorted(dims):
        return _reshape(value, shape)
    return stablehlo.BroadcastInDimOp(_tensor(shape, _element(value)), value, dims).result


def _divided(shape, axis: int, factor: int) -> list[int]:
    out = list(shape)
    out[axis] //= factor
    return out


def find_repeat(value, depth: int = 0) -> Repeat | None:
    """How `value` repeats a smaller value along one axis, if it does."""
    owner = _owner(value)
    if owner is None or depth > _MAX_DEPTH or not _static(value):
        return None
    op = owner.operation
    name = op.name
    if name == "stablehlo.reshape":
        x = op.operands[0]
        if not _static(x):
            return None
        found = _merged_broadcast(x, value)
        if found is not None:
            found, in_shape = found
        else:
            found, in_shape = find_repeat(x, depth + 1), _shape(x)
        if found is None:
            return None
        b = _merged_axis(in_shape, _shape(value), found.axis)
        if b is None:
            return None
        shape, inner = _divided(_shape(value), b, found.factor), found

        def unrepeated():
            return _reshape(inner.unrepeated(), shape)

        return Repeat(b, found.factor, unrepeated)
    if name == "stablehlo.transpose":
        found = find_repeat(op.operands[0], depth + 1)
        if found is None:
            return None
        perm = i64_array(op, "permutation")
        axis = perm.index(found.axis)
        inner = found

        def unrepeated():
            return stablehlo.TransposeOp(inner.unrepeated(), perm).result

        return Repeat(axis, found.factor, unrepeated)
    if name == "stablehlo.convert":
        found = find_repeat(op.operands[0], depth + 1)
        if found is None:
            return None
        shape, inner = _divided(_shape(value), found.axis, found.factor), found

        def unrepeated():
            return stablehlo.ConvertOp(_tensor(shape, _element(value)), inner.unrepeated()).result

        return Repeat(found.axis, found.factor, unrepeated)
    if name == "stablehlo.broadcast_in_dim":
        return _broadcast_repeat(op, value, depth)
    return None


def _broadcast_repeat(op, value, depth: int) -> Repeat | None:
    """A broadcast of a repeated value (the repeated dim kept), or one that
    broadcasts a single slice `factor` times (multi-query attention)."""
    x = op.operands[0]
    if not _static(x):
        return None
    dims = i64_array(op, "broadcast_dimensions")
    xs, out = _shape(x), _shape(value)
    found = find_repeat(x, depth + 1)
    if found is not None and out[dims[found.axis]] == xs[found.axis]:
        axis, inner = dims[found.axis], found
        shape = _divided(out, axis, found.factor)

        def unrepeated():
            return _broadcast(inner.unrepeated(), shape, dims)

        return Repeat(axis, found.factor, unrepeated)
    # one operand dim of size 1 broadcast to G > 1: a repeat of that slice
    widened = [j for j, n in enumerate(xs) if n == 1 and out[dims[j]] > 1]
    if len(widened) != 1:
        return None
    axis = dims[widened[0]]
    shape = _divided(out, axis, out[axis])

    def unrepeated():
        return _broadcast(x, shape, dims)

    return Repeat(axis, out[axis], unrepeated)


def _merged_broadcast(x, value) -> tuple[Repeat, list[int]] | None:
    """`value = reshape(broadcast_in_dim(x0))` where the broadcast inserts a
    new dim g right after x0's dim g-1 and the reshape merges g-1 and g
    (`jnp.repeat`): a repeat along the merged axis. Returns the repeat as
    seen on the broadcast's shape with dims g-1 and g merged (its axis is
    g-1; the unrepeated value is the broadcast without dim g) and that
    merged shape, which the reshape's result is a reshape of."""
    owner = _owner(x)
    if owner is None or owner.operation.name != "stablehlo.broadcast_in_dim":
        return None
    op = owner.operation
    x0 = op.operands[0]
    if not _static(x0):
        return None
    dims = i64_array(op, "broadcast_dimensions")
    bs, x0s = _shape(x), _shape(x0)
    if any(bs[d] != n for d, n in zip(dims, x0s)):
        return None  # the broadcast also widens a dim of x0
    out = _shape(value)
    for g in range(1, len(bs)):
        if g in dims or g - 1 not in dims or bs[g] < 2:
            continue
        # the reshape merges g-1 and g (and possibly outer dims) into one axis
        merged = bs[: g - 1] + [bs[g - 1] * bs[g]] + bs[g + 1 :]
        if _merged_axis(merged, out, g - 1) is None:
            continue
        factor = bs[g]
        shape = bs[:g] + bs[g + 1 :]
        new_dims = [d if d < g else d - 1 for d in dims]

        def unrepeated(shape=shape, new_dims=new_dims):
            return _broadcast(x0, shape, new_dims)

        return Repeat(g - 1, factor, unrepeated), merged
    return None


def _merged_axis(in_shape, out_shape, axis: int) -> int | None:
    """The axis of `out_shape` that `reshape` maps `in_shape`'s `axis` into
    when that keeps a repeat along it: the axis may absorb outer dims
    (index i*n + j repeats j's repeat), never inner ones."""
    suffix = math.prod(in_shape[axis + 1 :])
    for b in range(len(out_shape)):
        if math.prod(out_shape[b + 1 :]) != suffix:
            continue
        for c in range(axis + 1):
            if out_shape[b] == math.prod(in_shape[c : axis + 1]) and math.prod(out_shape[:b]) == math.prod(in_shape[:c]):
                return b
    return None


# -- the rewrites ----------------------------------------------------------------


def _canonical_bmm(op):
    """(lhs, rhs, nb) of a canonical batched matmul [B.., M, K] x [B.., K, N]."""
    d = stablehlo.DotDimensionNumbers(op.attributes["dot_dimension_numbers"])
    lhs, rhs = op.operands[0], op.operands[1]
    if not (_static(lhs) and _static(rhs)):
        return None
    lr, rr, nb = len(_shape(lhs)), len(_shape(rhs)), len(d.lhs_batching_dimensions)
    if nb == 0 or lr != rr or lr != nb + 2:
        return None
    if list(d.lhs_batching_dimensions) != list(range(nb)) or list(d.rhs_batching_dimensions) != list(range(nb)):
        return None
    if list(d.lhs_contracting_dimensions) != [nb + 1] or list(d.rhs_contracting_dimensions) != [nb]:
        return None
    return lhs, rhs, nb


def _rows(value, nb: int, factor: int):
    """[B.., H, M, X] -> [B.., H/G, G*M, X]"""
    s = _shape(value)
    return _reshape(value, s[: nb - 1] + [s[nb - 1] // factor, factor * s[nb], s[nb + 1]])


def _fold_matmul(op, rewriter):
    found = _canonical_bmm(op)
    if found is None:
        return True
    lhs, rhs, nb = found
    rep = find_repeat(rhs)
    if rep is None or rep.axis != nb - 1 or rep.factor < 2:
        return True
    result = op.result
    out = _shape(result)
    with rewriter.ip, op.location:
        new_lhs = _rows(lhs, nb, rep.factor)
        new_rhs = rep.unrepeated()
        shape = out[: nb - 1] + [out[nb - 1] // rep.factor, rep.factor * out[nb], out[nb + 1]]
        # the same dimension numbers, precision config and algorithm
        attrs = {name: op.attributes[name] for name in ("dot_dimension_numbers", "precision_config", "algorithm")
                 if name in op.attributes}
        dot = stablehlo.DotGeneralOp(_tensor(shape, _element(result)), new_lhs, new_rhs, **attrs)
        back = _reshape(dot.result, out)
    rewriter.replace_op(op, [back])
    return False


def _fold_attention(op, rewriter):
    if ir.StringAttr(op.attributes["name"]).value != SDPA:
        return True
    operands = list(op.operation.operands)
    if len(operands) not in (3, 4) or not all(_static(v) for v in operands):
        return True
    q, k, v = operands[:3]
    nb = len(_shape(q)) - 2
    if nb < 1:
        return True
    rk, rv = find_repeat(k), find_repeat(v)
    if rk is None or rv is None or rk.axis != nb - 1 or rv.axis != nb - 1 or rk.factor != rv.factor or rk.factor < 2:
        return True
    factor = rk.factor
    mask = operands[3] if len(operands) == 4 else None
    scores = _shape(q)[:-1] + [_shape(k)[-2]]
    if mask is not None and _shape(mask) != scores:
        return True
    result = op.operation.results[0]
    out = _shape(result)
    attrs = ir.DictAttr(op.attributes["composite_attributes"]) if "composite_attributes" in op.attributes else ir.DictAttr.get({})
    prescale = ir.FloatAttr(attrs["query_scale"]).value if "query_scale" in attrs else 1.0
    with rewriter.ip, op.location:
        new_operands = [_rows(q, nb, factor), rk.unrepeated(), rv.unrepeated()]
        if mask is not None:
            new_operands.append(_rows(mask, nb, factor))
        new_type = _tensor(out[: nb - 1] + [out[nb - 1] // factor, factor * out[nb], out[nb + 1]], _element(result))
        mask_kind = None if mask is None else ("bool" if isinstance(_element(mask), ir.IntegerType) else "float")
        name = _decomposition(op, new_type, new_operands, prescale, mask_kind)
        composite = stablehlo.CompositeOp([new_type], new_operands, SDPA, name, composite_attributes=attrs)
        back = _reshape(composite.results[0], out)
    rewriter.replace_op(op, [back])
    return False


def _decomposition(op, result_type, operands, prescale, mask_kind) -> str:
    """A new decomposition for the regrouped shapes (raise-fused-ops' own
    builder: the same reference semantics as every other SDPA composite)."""
    from .raise_fused_ops.attention import sdpa_decomposition

    anchor = types.SimpleNamespace(result=types.SimpleNamespace(type=result_type), operation=op.operation)
    return sdpa_decomposition(anchor, operands, prescale, mask_kind)



__all__ = ["FoldKVRepeatPass", "find_repeat", "Repeat"]
