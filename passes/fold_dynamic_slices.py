"""hlo-coreml-unroll-while-folds: index arithmetic on constants is folded,
dynamic slices at constant offsets become static ones, and a buffer written
row by row becomes a concatenation.

This is the clean-up half of hlo-coreml-unroll-while (which runs these
patterns after every unrolling round); it is registered on its own so the
folds can be tested and used separately.

The constant evaluator lives in `static_eval`, the IR-building helpers in
`ir_build`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from hlo_coreml._mlir import ir, rewrite, stablehlo

from .ir_build import attr_array, concatenate, is_integer_like, make_constant, shape_of, slice_, tensor_type
from .registry import ModulePass, register_pass
from .static_eval import FOLDABLE, MAX_FOLD_ELEMENTS, attr_ints, evaluate_op, static_int, static_value


@register_pass
@dataclass(frozen=True)
class UnrollWhileFoldsPass(ModulePass):
    """Local folds, applied with one greedy-driver run:

    - integer and boolean elementwise ops (add, subtract, multiply, divide,
      remainder, min/max, negate, compare, select, clamp, convert, and/or/
      xor/not) whose operands are constants, small iotas or broadcasts of
      constants, and whose result has at most 64 elements, become constants;
    - `dynamic_slice` with constant start indices becomes `slice` (indices
      clamped as StableHLO specifies);
    - `dynamic_update_slice` with constant start indices becomes a
      `concatenate` of the update and slices of the old buffer; a chain of
      them that writes a buffer row by row (what `lax.scan` does with its
      stacked outputs once unrolled) becomes one `concatenate` of the rows,
      without the buffer when every row is overwritten;
    - a `slice` that lies within one operand of a `concatenate` slices that
      operand; a `slice` of a `slice` is one `slice`; a `slice` that takes
      everything is dropped;
    - a constant that is only ever sliced (the stacked layer weights of an
      unrolled `nnx.scan`) becomes one constant per slice (reshaped when a
      reshape follows), so later passes see constant weights; a `reshape`
      of a splat or of a constant of at most 64 elements becomes a constant.

    ```mlir
    %z = stablehlo.constant dense<0.0> : tensor<2x3xf32>
    %i0 = stablehlo.constant dense<0> : tensor<i32>
    %i1 = stablehlo.constant dense<1> : tensor<i32>
    %0 = stablehlo.dynamic_update_slice %z, %r0, %i0, %c0 : (tensor<2x3xf32>, tensor<1x3xf32>, ...) -> tensor<2x3xf32>
    %1 = stablehlo.dynamic_update_slice %0, %r1, %i1, %c0 : (tensor<2x3xf32>, tensor<1x3xf32>, ...) -> tensor<2x3xf32>
    ==>
    %1 = stablehlo.concatenate %r0, %r1, dim = 0 : (tensor<1x3xf32>, tensor<1x3xf32>) -> tensor<2x3xf32>
    ```

    Afterwards no `dynamic_slice` or `dynamic_update_slice` with constant
    indices remains. Float arithmetic is never folded (the emitter and
    Core ML see the arithmetic the user wrote); constants are only cut and
    reshaped, never duplicated.
    """

    name: ClassVar[str] = "hlo-coreml-unroll-while-folds"
    summary: ClassVar[str] = "Fold constant index arithmetic; static dynamic slices/updates become slices/concatenations"

    def run(self, module, pass_) -> None:
        apply_folds(module)


def fold_patterns():
    """The frozen pattern set. Built per use: a frozen set belongs to the
    MLIR context it was built in, and every compile has its own context."""
    patterns = rewrite.RewritePatternSet()
    for name in FOLDABLE:
        if name not in ("stablehlo.slice", "stablehlo.reshape"):  # folded by their own patterns
            patterns.add(name, _fold_to_constant)
    patterns.add("stablehlo.reshape", _fold_reshape)
    patterns.add("stablehlo.dynamic_slice", _dynamic_slice_to_slice)
    patterns.add("stablehlo.dynamic_update_slice", _dynamic_update_slice_to_concat)
    patterns.add("stablehlo.slice", _fold_slice)
    return patterns.freeze()


def apply_folds(op) -> None:
    rewrite.apply_patterns_and_fold_greedily(op, fold_patterns())


# -- patterns -------------------------------------------------------------------------


def _fold_to_constant(op, rewriter):
    if len(op.results) != 1:
        return True
    t = op.results[0].type
    if not isinstance(t, ir.RankedTensorType) or not t.has_static_shape:
        return True
    if not is_integer_like(t.element_type) or math.prod(t.shape) > MAX_FOLD_ELEMENTS:
        return True
    if not all(isinstance(o.type, ir.RankedTensorType) and is_integer_like(o.type.element_type) for o in op.operands):
        return True
    args = []
    for operand in op.operands:
        a = static_value(operand)
        if a is None:
            return True
        args.append(a)
    out = evaluate_op(op, args)
    if out is None:
        return True
    with rewriter.ip, op.location:
        value = make_constant(out[0], tensor_type(t))
    rewriter.replace_op(op, [value])
    return False


def clamped_starts(op, operand_shape, sizes) -> list[int] | None:
    """Constant start indices of a dynamic_slice / dynamic_update_slice,
    clamped into range as StableHLO specifies; None if not all constant."""
    first = 1 if op.operation.name == "stablehlo.dynamic_slice" else 2
    starts = []
    for i, v in enumerate(list(op.operands)[first:]):
        s = static_int(v)
        if s is None:
            return None
        starts.append(min(max(s, 0), operand_shape[i] - sizes[i]))
    return starts


def _dynamic_slice_to_slice(op, rewriter):
    operand = op.operands[0]
    if not tensor_type(operand).has_static_shape:
        return True
    shape = shape_of(operand)
    sizes = attr_ints(op, "slice_sizes")
    starts = clamped_starts(op, shape, sizes)
    if starts is None:
        return True
    with rewriter.ip, op.location:
        value = stablehlo.SliceOp(operand, starts, [b + s for b, s in zip(starts, sizes)], [1] * len(shape)).result
    rewriter.replace_op(op, [value])
    return False


def _update_dims(op) -> list[int]:
    buf, upd = shape_of(op.operands[0]), shape_of(op.operands[1])
    return [d for d in range(len(buf)) if buf[d] != upd[d]]


def _static_update(op):
    """(starts, dims written partially) of a dynamic_update_slice with
    constant start indices, or None."""
    if not tensor_type(op.operands[0]).has_static_shape:
        return None
    buf, upd = shape_of(op.operands[0]), shape_of(op.operands[1])
    starts = clamped_starts(op, buf, upd)
    if starts is None:
        return None
    return starts, _update_dims(op)


def _chainable(op, dim: int) -> bool:
    """`op` is a dynamic_update_slice with constant starts writing along `dim` only."""
    if op.operation.name != "stablehlo.dynamic_update_slice":
        return False
    info = _static_update(op)
    return info is not None and info[1] == [dim]


def _single_user(value):
    uses = list(value.uses)
    return uses[0].owner if len(uses) == 1 else None


def _dynamic_update_slice_to_concat(op, rewriter):
    info = _static_update(op)
    if info is None:
        return True
    starts, dims = info
    buf = op.operands[0]
    if not dims:
        rewriter.replace_op(op, [op.operands[1]])  # the update covers the whole buffer
        return False
    if len(dims) > 1:
        with rewriter.ip, op.location:
            value = _update_as_concat(buf, op.operands[1], starts, dims)
        rewriter.replace_op(op, [value])
        return False
    dim = dims[0]
    user = _single_user(op.results[0])
    if user is not None and _chainable(user, dim) and user.operands[0] == op.results[0]:
        return True  # not the end of a chain: the last write rewrites the whole chain
    # Walk back along the chain of row writes, latest first.
    writes = [(starts[dim], op.operands[1])]
    base = buf
    while not isinstance(base.owner, ir.Block) and _chainable(base.owner, dim) and _single_user(base) is not None:
        prev = base.owner
        prev_starts, _ = _static_update(prev)
        writes.append((prev_starts[dim], prev.operands[1]))
        base = prev.operands[0]
    writes.reverse()
    with rewriter.ip, op.location:
        value = _rows_as_concat(base, writes, dim)
    rewriter.replace_op(op, [value])
    return False


def _rows_as_concat(base, writes, dim: int) -> ir.Value:
    """`base` with `writes` [(start, update)] applied in order along `dim`,
    as one concatenate of update rows and untouched base rows."""
    size = shape_of(base)[dim]
    # owner[i] = (source value, row in source) for each row i of the result.
    owner: list[tuple[object, int]] = [(base, i) for i in range(size)]
    for start, update in writes:
        for k in range(shape_of(update)[dim]):
            owner[start + k] = (update, k)
    pieces = []
    i = 0
    while i < size:
        source, row = owner[i]
        j = i + 1
        while j < size and owner[j][0] is source and owner[j][1] == row + (j - i):
            j += 1
        pieces.append((source, row, row + (j - i)))
        i = j
    values = []
    for source, lo, hi in pieces:
        shape = shape_of(source)
        start = [0] * len(shape)
        limit = list(shape)
        start[dim], limit[dim] = lo, hi
        values.append(slice_(source, start, limit))
    return concatenate(values, dim)


def _update_as_concat(buf, update, starts, dims) -> ir.Value:
    """dynamic_update_slice at constant `starts`, writing partially along
    several `dims`: nested concatenations, outermost dim first."""
    d, rest = dims[0], dims[1:]
    shape = shape_of(buf)
    usize = shape_of(update)[d]
    lo, hi = starts[d], starts[d] + usize
    start = [0] * len(shape)
    limit = list(shape)
    start[d], limit[d] = lo, hi
    middle = slice_(buf, start, limit)
    if rest:
        inner_starts = list(starts)
        inner_starts[d] = 0
        middle = _update_as_concat(middle, update, inner_starts, rest)
    else:
        middle = update
    parts = []
    if lo > 0:
        s, l = [0] * len(shape), list(shape)
        l[d] = lo
        parts.append(slice_(buf, s, l))
    parts.append(middle)
    if hi < shape[d]:
        s, l = [0] * len(shape), list(shape)
        s[d] = hi
        parts.append(slice_(buf, s, l))
    return concatenate(parts, d)


def _only_sliced(value) -> bool:
    return all(use.owner.operation.name == "stablehlo.slice" for use in value.uses)


def _fold_reshape(op, rewriter):
    """reshape of a splat or small constant -> a constant; reshape of a
    piece of a constant that is only ever sliced -> that piece, reshaped
    (copied once)."""
    operand = op.operands[0]
    owner = operand.owner
    if isinstance(owner, ir.Block):
        return _fold_to_constant(op, rewriter)
    t = tensor_type(op.results[0].type)
    if owner.operation.name == "stablehlo.slice" and len(list(operand.uses)) == 1:
        array = _sliced_constant(owner)
        if array is None:
            return _fold_to_constant(op, rewriter)
        with rewriter.ip, op.location:
            value = make_constant(array.reshape(t.shape), t)
        rewriter.replace_op(op, [value])
        return False
    if owner.operation.name != "stablehlo.constant":
        return _fold_to_constant(op, rewriter)
    attr = owner.attributes["value"]
    if not isinstance(attr, ir.DenseElementsAttr) or not (attr.is_splat or math.prod(t.shape) <= MAX_FOLD_ELEMENTS):
        return _fold_to_constant(op, rewriter)
    if attr.is_splat:
        new = ir.DenseElementsAttr.get_splat(t, attr.get_splat_value())
    else:
        new = ir.DenseElementsAttr.get(np.ascontiguousarray(attr_array(attr, shape_of(operand)).reshape(t.shape)), type=t)
    with rewriter.ip, op.location:
        value = stablehlo.ConstantOp(new).result
    rewriter.replace_op(op, [value])
    return False


def _sliced_constant(op) -> np.ndarray | None:
    """The value of `op` (a slice) if it slices a dense constant that only
    slices read."""
    operand = op.operands[0]
    owner = operand.owner
    if isinstance(owner, ir.Block) or owner.operation.name != "stablehlo.constant" or not _only_sliced(operand):
        return None
    array = attr_array(owner.attributes["value"], shape_of(operand))
    if array is None:
        return None
    start, limit, strides = attr_ints(op, "start_indices"), attr_ints(op, "limit_indices"), attr_ints(op, "strides")
    return array[tuple(slice(b, e, st) for b, e, st in zip(start, limit, strides))]


def _fold_slice(op, rewriter):
    operand = op.operands[0]
    start, limit, strides = attr_ints(op, "start_indices"), attr_ints(op, "limit_indices"), attr_ints(op, "strides")
    shape = shape_of(operand)
    if start == [0] * len(shape) and limit == shape and all(s == 1 for s in strides):
        rewriter.replace_op(op, [operand])
        return False
    owner = operand.owner
    if isinstance(owner, ir.Block):
        return _fold_to_constant(op, rewriter)
    user = _single_user(op.results[0])
    reshaped = user is not None and user.operation.name == "stablehlo.reshape"
    piece = None if reshaped else _sliced_constant(op)
    if piece is not None:
        # A constant read piecewise (the stacked layer weights of nnx.scan,
        # once unrolled): each piece becomes its own constant, so later
        # passes see constant operands (e.g. a `linear` weight).
        with rewriter.ip, op.location:
            value = make_constant(piece, tensor_type(op.results[0].type))
        rewriter.replace_op(op, [value])
        return False
    if owner.operation.name == "stablehlo.slice" and all(st == 1 for st in strides + attr_ints(owner, "strides")):
        outer = attr_ints(owner, "start_indices")
        with rewriter.ip, op.location:
            value = slice_(owner.operands[0], [a + b for a, b in zip(outer, start)], [a + b for a, b in zip(outer, limit)])
        rewriter.replace_op(op, [value])
        return False
    if owner.operation.name == "stablehlo.concatenate":
        dim = ir.IntegerAttr(owner.attributes["dimension"]).value
        offset = 0
        for piece in owner.operands:
            size = shape_of(piece)[dim]
            if offset <= start[dim] and limit[dim] <= offset + size:
                new_start, new_limit = list(start), list(limit)
                new_start[dim] -= offset
                new_limit[dim] -= offset
                with rewriter.ip, op.location:
                    value = slice_(piece, new_start, new_limit, strides)
                rewriter.replace_op(op, [value])
                return False
            offset += size
    return _fold_to_constant(op, rewriter)
