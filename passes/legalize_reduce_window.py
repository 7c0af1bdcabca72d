"""hlo-coreml-legalize-reduce-window: pooling windows in MIL's [N, C, D...] layout."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from hlo_coreml._mlir import ir, rewrite, stablehlo
from hlo_coreml.emit.ops_reduce import body_op_name
from hlo_coreml.emit.ops_window import native_form, pool_layout_ok, touched_dims, window_config

from .registry import ModulePass, register_pass

_BODIES = {"stablehlo.maximum": stablehlo.MaxOp, "stablehlo.add": stablehlo.AddOp}


@register_pass
@dataclass(frozen=True)
class LegalizeReduceWindowPass(ModulePass):
    """Rewrites each single-operand `stablehlo.reduce_window` whose body is
    one `maximum` or `add` into MIL's pooling layout: the dims the window
    touches (window or stride > 1, or padding) are moved last (at most 3 of
    them), the untouched dims in front are merged into two, [N, C] (a dim of
    1 is added when there are fewer), so the emitter maps it onto one
    `max_pool` / `avg_pool`:

    ```mlir
    %0 = "stablehlo.reduce_window"(%x, %init) <{window_dimensions = array<i64: 1, 2, 2, 1>, ...}>
           : (tensor<1x8x8x3xf32>, tensor<f32>) -> tensor<1x4x4x3xf32>
    ==>
    %t = stablehlo.transpose %x, dims = [0, 3, 1, 2] : (...) -> tensor<1x3x8x8xf32>
    %1 = "stablehlo.reduce_window"(%t, %init) <{window_dimensions = array<i64: 1, 1, 2, 2>, ...}>
    %2 = stablehlo.transpose %1, dims = [0, 2, 3, 1] : (...) -> tensor<1x4x4x3xf32>
    ```

    Only windows that map onto MIL pooling are touched (`native_form`:
    max with init -inf, sum with init 0, f16/f32, no dilation, 1 to 3
    windowed dims). Cumulative windows (jnp.cumsum) are left for the
    emitter's `cumsum`; every other window is rewritten beforehand by
    hlo-coreml-decompose-reduce-window, or left for verify-legal to report. Semantics are unchanged (only transposes and
    reshapes are added); afterwards every such pooling window has the
    layout `pool_layout_ok` checks. With a dynamic (`?`) dim, only windows
    that do not touch it and leave exactly two untouched dims (NHWC, NCHW,
    NWC pooling over a flexible batch) are rewritten, by transposes alone.
    """

    name: ClassVar[str] = "hlo-coreml-legalize-reduce-window"
    summary: ClassVar[str] = "Pooling reduce_window into MIL's [N, C, D1..D3] layout (transposes, reshapes)"

    def run(self, module, pass_) -> None:
        patterns = rewrite.RewritePatternSet()
        patterns.add(stablehlo.ReduceWindowOp, legalize_reduce_window)
        rewrite.apply_patterns_and_fold_greedily(module, patterns.freeze())


def _shape(value) -> list[int]:
    return list(ir.RankedTensorType(value.type).shape)


def _element(value):
    return ir.RankedTensorType(value.type).element_type


def _tensor(shape, element):
    return ir.RankedTensorType.get([int(d) for d in shape], element)


def _transpose(value, perm):
    if list(perm) == list(range(len(perm))):
        return value
    shape = _shape(value)
    return stablehlo.TransposeOp(value, list(perm), results=[_tensor([shape[p] for p in perm], _element(value))]).result


def _reshape(value, shape):
    if _shape(value) == list(shape):
        return value
    return stablehlo.ReshapeOp(_tensor(shape, _element(value)), value).result


def legalize_reduce_window(op, rewriter):
    if native_form(op) != "pool" or pool_layout_ok(op):
        return True
    shape = _shape(op.operands[0])
    rank = len(shape)
    window, strides, base, wdil, padding = window_config(op)
    touched = touched_dims(op)
    kept = [d for d in range(rank) if d not in touched]
    kept_sizes = [shape[d] for d in kept]
    if any(ir.ShapedType.is_dynamic_size(d) for d in kept_sizes) and len(kept) != 2:
        # A `?` dim can only stay as it is ([N, C] needs no merging or unit
        # dims, which a static reshape cannot express); verify-legal reports
        # the window.
        return True
    lead = [math.prod(kept_sizes[:-1]), kept_sizes[-1]] if len(kept) >= 2 else [1] * (2 - len(kept)) + kept_sizes
    out_shape = _shape(op.results[0])
    element = _element(op.results[0])
    perm = kept + touched
    with rewriter.ip, op.location:
        x = _transpose(op.operands[0], perm)
        x = _reshape(x, lead + [shape[d] for d in touched])
        pick = lambda values, fill: [fill, fill] + [values[d] for d in touched]  # noqa: E731
        pad_pairs = pick(padding, (0, 0))
        pad_attr = ir.DenseElementsAttr.get(
            np.array(pad_pairs, dtype=np.int64), type=_tensor([len(pad_pairs), 2], ir.IntegerType.get_signless(64))
        )
        new_shape = lead + [out_shape[d] for d in touched]
        new = stablehlo.ReduceWindowOp(
            [_tensor(new_shape, element)],
            [x],
            [op.operands[1]],
            pick(window, 1),
            window_strides=pick(strides, 1),
            base_dilations=pick(base, 1),
            window_dilations=pick(wdil, 1),
            padding=pad_attr,
        )
        scalar = _tensor([], element)
        block = new.regions[0].blocks.append(scalar, scalar)
        with ir.InsertionPoint(block):
            stablehlo.ReturnOp([_BODIES[body_op_name(op)](block.arguments[0], block.arguments[1]).result])
        out = _reshape(new.results[0], [out_shape[d] for d in kept] + [out_shape[d] for d in touched])
        inverse = [perm.index(i) for i in range(rank)]
        out = _transpose(out, inverse)
    rewriter.replace_op(op, [out])
    return False


__all__ = ["LegalizeReduceWindowPass", "legalize_reduce_window"]
