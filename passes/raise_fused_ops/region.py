"""Regions of hlo-coreml-raise-fused-ops: the ops between a candidate input
`x` and a root, and their evaluation in NumPy (float64) on probe inputs,
at full size or cut to a few rows."""

from __future__ import annotations

import numpy as np

from hlo_coreml._mlir import ir
from hlo_coreml.ir_utils import i64_array

from .common import (
    _BINARY,
    _COMBINE,
    _COMPARE,
    _MAX_REGION,
    _REDUCERS,
    _REGION_OPS,
    _SHAPED,
    _UNARY,
    _concrete,
    _const_array,
    _data_operands,
    _name,
    _owner,
    _shape,
    _type,
)


class _Region:
    """The ops computing `root` from `x` (and constants): `ops` in a valid
    order (producers first), `const_values` the values computed from
    constants alone."""

    def __init__(self, root, x):
        self.root = root
        self.x = x
        self.ops: list = []
        self.const_values: set = set()
        # runtime shapes (from outside) that dynamic shape ops use, in order
        self.shape_operands: list = []


def _region(root, x, escape: list | None = None) -> _Region | None:
    """The region between `x` and `root`'s result, or None when some path
    reaches another non-constant value, an op outside the allowed set, or
    the region is too big. In the first case the path (root's result first,
    the foreign value last) is stored in `escape`: no region rooted at
    `root` can have an input off that path."""
    region = _Region(root, x)
    state: dict = {}  # value -> "x" | "const" | "op"
    visited_ops: set = set()
    path: list = []

    def foreign(value) -> None:
        if escape is not None:
            escape[:] = path + [value]

    def visit(value) -> str | None:
        if value == x:
            return "x"
        if value in state:
            return state[value]
        owner = _owner(value)
        if owner is None:
            return foreign(value)
        name = owner.operation.name
        if name == "stablehlo.constant":
            state[value] = "const"
            region.const_values.add(value)
            return "const"
        if name not in _REGION_OPS or len(owner.operation.results) != 1:
            return foreign(value)
        if name == "stablehlo.reduce" and (len(owner.operation.operands) != 2 or _reducer(owner) is None):
            return foreign(value)
        kinds = []
        path.append(value)
        shape_index = _SHAPED.get(name)
        if shape_index is not None:
            shape = owner.operation.operands[shape_index]
            if shape not in region.shape_operands:
                region.shape_operands.append(shape)
        for operand in _data_operands(owner.operation):
            k = visit(operand)
            if k is None:
                return None
            kinds.append(k)
        path.pop()
        kind = "const" if all(k == "const" for k in kinds) else "op"
        state[value] = kind
        if kind == "const":
            region.const_values.add(value)
        op = owner.operation
        if op not in visited_ops:
            visited_ops.add(op)
            region.ops.append(op)
            if kind == "op" and len(visited_ops) > _MAX_REGION:
                return None
        return kind

    if visit(root.result) != "op":
        return None
    # Closed: no value that depends on x is used outside the region.
    inside = {op for op in region.ops}
    for op in region.ops:
        if op == root.operation or op.results[0] in region.const_values:
            continue
        for use in op.results[0].uses:
            if use.owner not in inside:
                return None
    return region


def region_key(region: _Region) -> tuple:
    """A hashable description of everything the evaluation of `region`
    reads: the type of x, and per op (producers first) its name, result
    types, attributes (a reduce also its combiner) and operands, each
    operand as x, an earlier op of the region, the i-th runtime shape or a
    constant's value attribute and type. MLIR uniques attributes and types
    in a context, so two regions of one module with equal keys compute the
    same function of x, whatever their size."""
    local = {region.x: 0}
    shapes = {v: i for i, v in enumerate(region.shape_operands)}
    parts: list = [region.x.type]
    for op in region.ops:
        operands = []
        for v in op.operands:
            if v in local:
                operands.append(local[v])
            elif v in shapes:
                operands.append(("shape", shapes[v]))
            elif _name(v) == "stablehlo.constant":  # where the walk stopped
                operands.append(("const", _owner(v).attributes["value"], v.type))
            else:  # not expected; the value itself keeps the key unique
                operands.append(("value", v))
        attributes = tuple((name, op.attributes[name]) for name in op.attributes)
        combiner = _reducer(op) if op.name == "stablehlo.reduce" else None
        parts.append((op.name, tuple(r.type for r in op.results), attributes, combiner, tuple(operands)))
        local[op.results[0]] = len(local)
    return tuple(parts)


def _reducer(reduce_op) -> str | None:
    """The combiner of a single-input reduce whose body is one binary op."""
    body = reduce_op.regions[0].blocks[0]
    ops = list(body.operations)
    if len(ops) != 2 or ops[0].name not in _REDUCERS or ops[1].name != "stablehlo.return":
        return None
    args = list(body.arguments)
    if set(ops[0].operands) != set(args) or ops[1].operands[0] != ops[0].results[0]:
        return None
    return ops[0].name


def _candidate_inputs(root) -> list:
    """Non-constant values reachable backwards from `root` through region
    ops (closest first), the possible `x` of a region."""
    out, seen, frontier = [], set(), [root.result]
    steps = 0
    while frontier and steps < _MAX_REGION:
        nxt = []
        for value in frontier:
            owner = _owner(value)
            if owner is None or owner.operation.name not in _REGION_OPS:
                continue
            steps += 1
            for operand in _data_operands(owner.operation):
                if operand in seen or _name(operand) == "stablehlo.constant":
                    continue
                seen.add(operand)
                out.append(operand)
                nxt.append(operand)
        frontier = nxt
    return out


def _constant_eval(value, depth: int = 0) -> np.ndarray | None:
    """The value of a tensor computed from constants alone (through region
    ops), or None."""
    owner = _owner(value)
    if owner is None or depth > 16:
        return None
    name = owner.operation.name
    if name == "stablehlo.constant":
        return _const_array(value)
    if name not in _REGION_OPS or name in _SHAPED or len(owner.operation.results) != 1:
        return None
    args = []
    for operand in owner.operation.operands:
        a = _constant_eval(operand, depth + 1)
        if a is None:
            return None
        args.append(a)
    try:
        with np.errstate(all="ignore"):
            return _apply(owner.operation, name, args)
    except (ValueError, TypeError):
        return None


def _evaluate(region: _Region, x_value: np.ndarray, elementwise: bool = False) -> np.ndarray | None:
    """The region's result for input `x_value` (float64), or None if it
    cannot be evaluated. With `elementwise` (a region without reductions)
    `x_value` is a 1-D probe: constants must be splats and are taken as
    scalars, and broadcasts/reshapes pass values through, so evaluating a
    70-op GELU costs the same whatever the tensor's size."""
    env = {region.x: x_value}
    for op in region.ops:
        result = op.results[0]
        name = op.name
        args = _operand_values(op, env, elementwise)
        if args is None:
            return None
        try:
            if elementwise and name in ("stablehlo.broadcast_in_dim", "stablehlo.reshape", *_SHAPED):
                out = args[0]
            else:
                out = _apply(op, name, args)
        except (ValueError, TypeError, FloatingPointError):
            return None
        if out is None:
            return None
        env[result] = out
    return env.get(region.root.result)


# A reduction region is probed on this many indices of each dim it does not
# reduce (when its ops treat those dims index by index): softmax over
# [1, 6, 1500, 1500] is then checked on [1, 4, 4, 1500] rows instead of 13.5M
# float64 values per probe.
_ROW_PROBE = 4
_INDEX_BY_INDEX = set(_UNARY) | set(_BINARY) | {"stablehlo.convert", "stablehlo.select", "stablehlo.compare", "stablehlo.clamp"}


def _row_plan(region: _Region, axes) -> dict | None:
    """Per non-constant value of the region, which of its dims are cut to
    _ROW_PROBE when x keeps only the first _ROW_PROBE indices of its
    non-reduced dims; None unless every op is elementwise, a reduce over
    other dims, or a broadcast_in_dim (so each index of a cut dim is
    computed from that index alone)."""
    shape = _concrete(_shape(region.x))
    cut = tuple(i not in axes and shape[i] > _ROW_PROBE for i in range(len(shape)))
    if not any(cut):
        return None
    plan = {region.x: cut}
    for op in region.ops:
        result = op.results[0]
        if result in region.const_values:
            continue
        rank = len(_shape(result))
        flags = [plan.get(v) for v in _data_operands(op)]
        if op.name == "stablehlo.reduce":
            dims = set(i64_array(op, "dimensions"))
            if flags[0] is None or any(flags[0][d] for d in dims):
                return None
            plan[result] = tuple(f for d, f in enumerate(flags[0]) if d not in dims)
        elif op.name == "stablehlo.broadcast_in_dim":
            out = [False] * rank
            for i, d in enumerate(i64_array(op, "broadcast_dimensions")):
                out[d] = flags[0][i]
            plan[result] = tuple(out)
        elif op.name in _INDEX_BY_INDEX:
            plan[result] = tuple(any(f[d] for f in flags if f is not None and len(f) == rank) for d in range(rank))
        else:
            return None
    return plan


def _evaluate_rows(region: _Region, x_value: np.ndarray, plan: dict) -> np.ndarray | None:
    """`_evaluate` on a cut x (see `_row_plan`): operands not cut along a
    cut dim of their op are cut too, which is exact only when they are
    uniform along it (a broadcast); None when one is not (the caller then
    evaluates at full size)."""
    env = {region.x: x_value}
    for op in region.ops:
        result = op.results[0]
        args = _operand_values(op, env, False)
        if args is None:
            return None
        cut = plan.get(result)
        shape = None
        if cut is not None:
            full = _concrete(_shape(result))
            shape = tuple(_ROW_PROBE if c else d for c, d in zip(cut, full))
            if op.name in _INDEX_BY_INDEX:
                args = [_cut(np.asarray(a), shape) for a in args]
                if any(a is None for a in args):
                    return None
        try:
            out = _apply(op, op.name, args, shape)
        except (ValueError, TypeError, FloatingPointError):
            return None
        if out is None:
            return None
        env[result] = out
    return env.get(region.root.result)


def _cut(a: np.ndarray, shape) -> np.ndarray | None:
    """`a` cut to `shape` along dims where it is longer; None unless it is
    the same at every index it drops (so the cut loses nothing)."""
    if a.ndim != len(shape):
        return a
    for d, size in enumerate(shape):
        if a.shape[d] > size:
            # A stride of 0 (a broadcast view) is the same at every index.
            if a.strides[d] != 0:
                head = np.take(a, [0], axis=d)
                if not np.array_equal(a, np.broadcast_to(head, a.shape), equal_nan=a.dtype.kind == "f"):
                    return None
            a = a[(slice(None),) * d + (slice(0, size),)]
    return a


def _operand_values(op, env: dict, scalar: bool) -> list | None:
    """The values of `op`'s data operands: from `env`, or constants (added
    to `env`; splats as one scalar when `scalar`); None if one has none."""
    args = []
    for v in _data_operands(op):
        a = env.get(v)
        if a is None:
            if _name(v) != "stablehlo.constant":
                return None
            a = _constant_operand(v, scalar)
            if a is None:
                return None
            env[v] = a
        args.append(a)
    return args


def _constant_operand(value, scalar: bool):
    """A constant operand as float64 (bools stay bools); a splat's one value
    when `scalar` (None if it is not a splat)."""
    attr = _owner(value).attributes["value"]
    if not isinstance(attr, ir.DenseElementsAttr):
        return None
    if scalar:
        if not attr.is_splat:
            return None
        one = np.asarray(attr).reshape(-1)[0]
        return np.float64(one) if np.asarray(one).dtype.kind == "f" else one
    a = _const_array(value)
    if a is None:
        return None
    return a.astype(np.float64) if a.dtype.kind == "f" else a


def _apply(op, name, args, shape=None):
    shape = shape if shape is not None else _concrete(_shape(op.results[0]))
    if name in _UNARY:
        return _UNARY[name](args[0])
    if name in _BINARY:
        return _BINARY[name](args[0], args[1])
    if name == "stablehlo.compare":
        direction = str(op.attributes["comparison_direction"]).split()[-1].rstrip(">")
        fn = _COMPARE.get(direction)
        return None if fn is None else fn(args[0], args[1])
    if name == "stablehlo.select":
        return np.where(args[0], args[1], args[2])
    if name == "stablehlo.clamp":
        return np.clip(args[1], args[0], args[2])
    if name == "stablehlo.convert":
        e = _type(op.results[0]).element_type
        if isinstance(e, ir.FloatType):
            return np.asarray(args[0], dtype=np.float64)
        if isinstance(e, ir.IntegerType) and e.width == 1:
            return np.asarray(args[0]) != 0
        return np.trunc(np.asarray(args[0], dtype=np.float64))
    if name in ("stablehlo.reshape", "stablehlo.dynamic_reshape"):
        return np.reshape(args[0], shape)
    if name in ("stablehlo.broadcast_in_dim", "stablehlo.dynamic_broadcast_in_dim"):
        dims = i64_array(op, "broadcast_dimensions")
        src = np.asarray(args[0])
        expanded = [1] * len(shape)
        for i, d in enumerate(dims):
            expanded[d] = src.shape[i]
        order = sorted(range(len(dims)), key=lambda i: dims[i])
        return np.broadcast_to(np.transpose(src, order).reshape(expanded), shape)
    if name == "stablehlo.reduce":
        reducer = _reducer(op)
        dims = tuple(i64_array(op, "dimensions"))
        out = _REDUCERS[reducer](np.asarray(args[0], dtype=np.float64), axis=dims)
        return _COMBINE[reducer](out, args[1])
    return None
