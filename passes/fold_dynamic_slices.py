"""hlo-coreml-unroll-while-folds: index arithmetic on constants is folded,
dynamic slices at constant offsets become static ones, and a buffer written
row by row becomes a concatenation.

This is the clean-up half of hlo-coreml-unroll-while (which runs these
patterns after every unrolling round); it is registered on its own so the
folds can be tested and used separately.

The module also holds the small NumPy evaluator of StableHLO ops that the
unroller uses to compute trip counts (`evaluate_op`, `static_value`) and the
IR-building helpers shared by the loop and rank passes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from hlo_coreml._mlir import ir, rewrite, stablehlo

from .registry import ModulePass, register_pass

# Folding creates constants; keep them small (index arithmetic, predicates).
MAX_FOLD_ELEMENTS = 64
# static_value follows at most this many producers (iota -> slice -> reshape).
_MAX_DEPTH = 24


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
    for name in _FOLDABLE:
        if name not in ("stablehlo.slice", "stablehlo.reshape"):  # folded by their own patterns
            patterns.add(name, _fold_to_constant)
    patterns.add("stablehlo.reshape", _fold_reshape)
    patterns.add("stablehlo.dynamic_slice", _dynamic_slice_to_slice)
    patterns.add("stablehlo.dynamic_update_slice", _dynamic_update_slice_to_concat)
    patterns.add("stablehlo.slice", _fold_slice)
    return patterns.freeze()


def apply_folds(op) -> None:
    rewrite.apply_patterns_and_fold_greedily(op, fold_patterns())


# -- types and constants -----------------------------------------------------------


def tensor_type(value_or_type) -> ir.RankedTensorType:
    t = value_or_type if isinstance(value_or_type, ir.Type) else value_or_type.type
    return ir.RankedTensorType(t)


def shape_of(value) -> list[int]:
    return list(tensor_type(value).shape)


def element_of(value) -> ir.Type:
    return tensor_type(value).element_type


def numpy_dtype(element: ir.Type):
    """The NumPy dtype for an MLIR element type, or None (bf16, complex, ...)."""
    if isinstance(element, ir.IntegerType):
        if element.width == 1:
            return np.dtype(np.bool_)
        if element.width in (8, 16, 32, 64):
            kind = "u" if element.is_unsigned else "i"
            return np.dtype(f"{kind}{element.width // 8}")
        return None
    if isinstance(element, ir.F32Type):
        return np.dtype(np.float32)
    if isinstance(element, ir.F16Type):
        return np.dtype(np.float16)
    if isinstance(element, ir.F64Type):
        return np.dtype(np.float64)
    return None


def is_integer_like(element: ir.Type) -> bool:
    return isinstance(element, ir.IntegerType)


def attr_array(attr, shape) -> np.ndarray | None:
    """The full-shape value of a dense elements attribute."""
    if not isinstance(attr, ir.DenseElementsAttr):
        return None
    values = np.asarray(attr)
    if attr.is_splat:
        return np.full(shape, values.reshape(-1)[0], dtype=values.dtype)
    return values.reshape(shape)


def make_constant(array, result_type: ir.RankedTensorType) -> ir.Value:
    """A `stablehlo.constant` of `result_type` holding `array` (at the
    current insertion point and location)."""
    dtype = numpy_dtype(result_type.element_type)
    a = np.asarray(array).astype(dtype, copy=False).reshape(result_type.shape)
    flat = a.reshape(-1)
    if flat.size and (flat == flat[0]).all() and flat.size > 1:
        element = result_type.element_type
        if isinstance(element, ir.IntegerType):
            attr = ir.DenseElementsAttr.get_splat(result_type, ir.IntegerAttr.get(element, int(flat[0])))
        else:
            attr = ir.DenseElementsAttr.get_splat(result_type, ir.FloatAttr.get(element, float(flat[0])))
    else:
        attr = ir.DenseElementsAttr.get(np.ascontiguousarray(a), type=result_type)
    return stablehlo.ConstantOp(attr).result


def ranked(shape, element) -> ir.RankedTensorType:
    return ir.RankedTensorType.get(list(shape), element)


def reshape(value: ir.Value, shape) -> ir.Value:
    """`value` reshaped to `shape` (no op when the shape already matches)."""
    shape = [int(d) for d in shape]
    if shape_of(value) == shape:
        return value
    return stablehlo.ReshapeOp(ranked(shape, element_of(value)), value).result


def transpose(value: ir.Value, perm) -> ir.Value:
    perm = [int(p) for p in perm]
    if perm == sorted(perm):
        return value
    return stablehlo.TransposeOp(value, perm).result


def slice_(value: ir.Value, start, limit, strides=None) -> ir.Value:
    shape = shape_of(value)
    strides = list(strides) if strides is not None else [1] * len(shape)
    if list(start) == [0] * len(shape) and list(limit) == shape and all(s == 1 for s in strides):
        return value
    return stablehlo.SliceOp(value, list(start), list(limit), strides).result


def concatenate(values, dim: int) -> ir.Value:
    values = list(values)
    if len(values) == 1:
        return values[0]
    return stablehlo.ConcatenateOp(values, dim).result


# -- the evaluator -------------------------------------------------------------------


def _direction(op) -> str:
    return stablehlo.ComparisonDirectionAttr(op.attributes["comparison_direction"]).value


def _i64s(op, name) -> list[int]:
    attr = op.attributes[name]
    if isinstance(attr, ir.DenseI64ArrayAttr):
        return list(attr)
    return [int(x) for x in np.asarray(attr).reshape(-1)]


def _int_div(x, y):
    q = np.abs(x) // np.abs(y)
    return np.where((x < 0) != (y < 0), -q, q).astype(x.dtype)


def _binary(name, x, y, dtype):
    boolean = dtype == np.bool_
    if name == "stablehlo.add":
        return np.logical_or(x, y) if boolean else x + y
    if name == "stablehlo.subtract":
        return None if boolean else x - y
    if name == "stablehlo.multiply":
        return np.logical_and(x, y) if boolean else x * y
    if name in ("stablehlo.divide", "stablehlo.remainder"):
        if boolean:
            return None
        if np.issubdtype(dtype, np.integer):
            if (y == 0).any():
                return None  # StableHLO defines it, but rarely on purpose: leave it
            q = _int_div(x, y)
            return q if name == "stablehlo.divide" else (x - q * y).astype(dtype)
        return x / y if name == "stablehlo.divide" else np.fmod(x, y)
    if name == "stablehlo.maximum":
        return np.maximum(x, y)
    if name == "stablehlo.minimum":
        return np.minimum(x, y)
    if name == "stablehlo.and":
        return np.logical_and(x, y) if boolean else np.bitwise_and(x, y)
    if name == "stablehlo.or":
        return np.logical_or(x, y) if boolean else np.bitwise_or(x, y)
    if name == "stablehlo.xor":
        return np.logical_xor(x, y) if boolean else np.bitwise_xor(x, y)
    return None


_BINARY_OPS = {
    "stablehlo.add",
    "stablehlo.subtract",
    "stablehlo.multiply",
    "stablehlo.divide",
    "stablehlo.remainder",
    "stablehlo.maximum",
    "stablehlo.minimum",
    "stablehlo.and",
    "stablehlo.or",
    "stablehlo.xor",
}
_COMPARE = {
    "EQ": np.equal,
    "NE": np.not_equal,
    "LT": np.less,
    "LE": np.less_equal,
    "GT": np.greater,
    "GE": np.greater_equal,
}
# Ops the fold pattern turns into constants (when integer or boolean).
_FOLDABLE = sorted(
    _BINARY_OPS
    | {
        "stablehlo.negate",
        "stablehlo.abs",
        "stablehlo.not",
        "stablehlo.compare",
        "stablehlo.select",
        "stablehlo.clamp",
        "stablehlo.convert",
        "stablehlo.slice",
        "stablehlo.reshape",
        "stablehlo.concatenate",
    }
)
# Ops static_value looks through without folding them (they stay in the IR
# unless a folded op consumed them).
EVALUABLE = set(_FOLDABLE) | {
    "stablehlo.constant",
    "stablehlo.iota",
    "stablehlo.broadcast_in_dim",
    "stablehlo.transpose",
}


def evaluate_op(op, args: list[np.ndarray]) -> list[np.ndarray] | None:
    """The results of `op` applied to NumPy `args` (StableHLO semantics), or
    None for ops and types this evaluator does not cover."""
    name = op.operation.name
    if len(op.results) != 1:
        return None
    result_type = op.results[0].type
    if not isinstance(result_type, ir.RankedTensorType) or not result_type.has_static_shape:
        return None
    out_shape = list(result_type.shape)
    dtype = numpy_dtype(result_type.element_type)
    if dtype is None:
        return None
    with np.errstate(all="ignore"):
        out = _evaluate(op, name, args, out_shape, dtype)
    if out is None:
        return None
    out = np.asarray(out)
    if out.dtype != dtype:
        out = out.astype(dtype)
    if list(out.shape) != out_shape:
        if out.size != math.prod(out_shape):
            return None
        out = out.reshape(out_shape)
    return [out]


def _evaluate(op, name, args, out_shape, dtype):
    if name == "stablehlo.constant":
        return attr_array(op.attributes["value"], out_shape)
    if name == "stablehlo.iota":
        dim = ir.IntegerAttr(op.attributes["iota_dimension"]).value
        axis = [1] * len(out_shape)
        axis[dim] = out_shape[dim]
        return np.broadcast_to(np.arange(out_shape[dim]).astype(dtype).reshape(axis), out_shape)
    if name in _BINARY_OPS:
        return _binary(name, args[0], args[1], dtype)
    if name == "stablehlo.negate":
        return None if dtype == np.bool_ else -args[0]
    if name == "stablehlo.abs":
        return np.abs(args[0])
    if name == "stablehlo.not":
        return np.logical_not(args[0]) if dtype == np.bool_ else np.invert(args[0])
    if name == "stablehlo.compare":
        x, y = args
        if "compare_type" in op.attributes and x.dtype.kind == "i":
            if stablehlo.ComparisonTypeAttr(op.attributes["compare_type"]).value == "UNSIGNED":
                x, y = x.view(x.dtype.str.replace("i", "u")), y.view(y.dtype.str.replace("i", "u"))
        return _COMPARE[_direction(op)](x, y)
    if name == "stablehlo.select":
        return np.where(args[0], args[1], args[2])
    if name == "stablehlo.clamp":
        return np.minimum(np.maximum(args[1], args[0]), args[2])
    if name == "stablehlo.convert":
        src = args[0]
        if np.issubdtype(src.dtype, np.floating) and not np.issubdtype(dtype, np.floating):
            if dtype == np.bool_:
                return src != 0
            info = np.iinfo(dtype)
            if not np.isfinite(src).all() or (src < info.min).any() or (src > info.max).any():
                return None
            return np.trunc(src).astype(dtype)
        if dtype == np.bool_:
            return src != 0
        return src.astype(dtype)
    if name == "stablehlo.reshape":
        return args[0].reshape(out_shape)
    if name == "stablehlo.broadcast_in_dim":
        dims = _i64s(op, "broadcast_dimensions")
        x = args[0]
        order = np.argsort(dims)
        x = np.transpose(x, order) if x.ndim else x
        expanded = [1] * len(out_shape)
        for i, d in enumerate(sorted(dims)):
            expanded[d] = x.shape[i]
        return np.broadcast_to(x.reshape(expanded), out_shape)
    if name == "stablehlo.transpose":
        return np.transpose(args[0], _i64s(op, "permutation"))
    if name == "stablehlo.slice":
        start, limit, strides = _i64s(op, "start_indices"), _i64s(op, "limit_indices"), _i64s(op, "strides")
        return args[0][tuple(slice(b, e, s) for b, e, s in zip(start, limit, strides))]
    if name == "stablehlo.concatenate":
        return np.concatenate(args, axis=ir.IntegerAttr(op.attributes["dimension"]).value)
    return None


def static_value(value: ir.Value, env: dict | None = None, _depth: int = 0, _memo=None) -> np.ndarray | None:
    """The value of `value` if it follows from constants (and the block
    arguments bound in `env`) through ops the evaluator covers, with at most
    MAX_FOLD_ELEMENTS elements along the way; else None."""
    if env is not None and value in env:
        return env[value]
    if _memo is None:
        _memo = {}  # one per top-level query: shared operands are evaluated once
    if value in _memo:
        return _memo[value]
    owner = value.owner
    if isinstance(owner, ir.Block) or _depth > _MAX_DEPTH:
        return None
    name = owner.operation.name
    if name not in EVALUABLE or len(owner.results) != 1:
        return None
    t = value.type
    if not isinstance(t, ir.RankedTensorType) or not t.has_static_shape:
        return None
    if math.prod(t.shape) > MAX_FOLD_ELEMENTS and not (
        name == "stablehlo.constant" and isinstance(owner.attributes["value"], ir.DenseElementsAttr) and owner.attributes["value"].is_splat
    ):
        return None
    args = []
    for operand in owner.operands:
        a = static_value(operand, env, _depth + 1, _memo)
        if a is None:
            return None
        args.append(a)
    out = evaluate_op(owner, args)
    result = None if out is None else out[0]
    if _memo is not None:
        _memo[value] = result
    return result


def static_int(value: ir.Value) -> int | None:
    a = static_value(value)
    if a is None or a.size != 1 or not np.issubdtype(a.dtype, np.integer):
        return None
    return int(a.reshape(()))


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
    sizes = _i64s(op, "slice_sizes")
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
    start, limit, strides = _i64s(op, "start_indices"), _i64s(op, "limit_indices"), _i64s(op, "strides")
    return array[tuple(slice(b, e, st) for b, e, st in zip(start, limit, strides))]


def _fold_slice(op, rewriter):
    operand = op.operands[0]
    start, limit, strides = _i64s(op, "start_indices"), _i64s(op, "limit_indices"), _i64s(op, "strides")
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
    if owner.operation.name == "stablehlo.slice" and all(st == 1 for st in strides + _i64s(owner, "strides")):
        outer = _i64s(owner, "start_indices")
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
