"""hlo-coreml-raise-fused-ops: subgraphs JAX expands (softmax, layer norm,
GELU, attention, ...) become one `coreml.*` composite each."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from hlo_coreml._mlir import func, inlined_func_call, ir, rewrite, stablehlo
from hlo_coreml.emit.ops_fused import (
    COMPOSITE_TARGETS,
    GELU,
    L2_NORM,
    LAYER_NORM,
    LOG_SOFTMAX,
    RMS_NORM,
    SDPA,
    SIGMOID,
    SILU,
    SOFTMAX,
    target_allows,
)
from hlo_coreml.ir_utils import i64_array

from .dot_general_to_matmul import _transpose
from .registry import ModulePass, register_pass

# Ops a raised region may contain besides constants: elementwise math,
# broadcasts/reshapes/converts JAX inserts, and reductions.
_UNARY = {
    "stablehlo.negate": np.negative,
    "stablehlo.exponential": np.exp,
    "stablehlo.exponential_minus_one": np.expm1,
    "stablehlo.log": np.log,
    "stablehlo.log_plus_one": np.log1p,
    "stablehlo.tanh": np.tanh,
    "stablehlo.logistic": lambda a: 1 / (1 + np.exp(-a)),
    "stablehlo.abs": np.abs,
    "stablehlo.sqrt": np.sqrt,
    "stablehlo.rsqrt": lambda a: 1 / np.sqrt(a),
    "stablehlo.sign": np.sign,
    "stablehlo.floor": np.floor,
    "stablehlo.ceil": np.ceil,
    "stablehlo.not": np.logical_not,
}
_BINARY = {
    "stablehlo.add": np.add,
    "stablehlo.subtract": np.subtract,
    "stablehlo.multiply": np.multiply,
    "stablehlo.divide": np.divide,
    "stablehlo.maximum": np.maximum,
    "stablehlo.minimum": np.minimum,
    "stablehlo.power": np.power,
    "stablehlo.and": np.logical_and,
    "stablehlo.or": np.logical_or,
}
_COMPARE = {"EQ": np.equal, "NE": np.not_equal, "LT": np.less, "LE": np.less_equal, "GT": np.greater, "GE": np.greater_equal}
_STRUCTURAL = {
    "stablehlo.broadcast_in_dim",
    "stablehlo.reshape",
    "stablehlo.convert",
    "stablehlo.reduce",
    "stablehlo.select",
    "stablehlo.compare",
    "stablehlo.clamp",
}
# Shape ops of a symbolic-shape export: operand #1 is the runtime result
# shape, computed outside the region (get_dimension_size of an input); it
# becomes an extra operand of the composite, passed on to the decomposition.
_SHAPED = {"stablehlo.dynamic_broadcast_in_dim": 1, "stablehlo.dynamic_reshape": 1}
_REGION_OPS = set(_UNARY) | set(_BINARY) | _STRUCTURAL | set(_SHAPED)
# A `?` dim takes this size when a region is evaluated on probes: the fused
# ops are defined for every size, and a region that only matches some sizes
# is not one of them (gamma/beta over a `?` axis are refused).
_PROBE_SIZE = 5
_REDUCERS = {"stablehlo.add": np.sum, "stablehlo.maximum": np.max, "stablehlo.minimum": np.min}
_COMBINE = {"stablehlo.add": np.add, "stablehlo.maximum": np.maximum, "stablehlo.minimum": np.minimum}
# A region (ops depending on the input) is at most this big: JAX's erf-GELU
# is ~70 ops; bigger regions are not one fused op.
_MAX_REGION = 96
_MAX_RANK = 5


@register_pass
@dataclass(frozen=True)
class RaiseFusedOpsPass(ModulePass):
    """Recognizes subgraphs that compute one of Core ML's fused ops and
    replaces each with a `stablehlo.composite "coreml.<op>"`, keeping the
    subgraph as the composite's decomposition (a private function), so the
    IR stays valid StableHLO and `hlo-coreml-inline-composites` can inline
    it back:

    - `coreml.sigmoid`, `coreml.silu`, `coreml.gelu {approximate = "tanh" |
      "none"}`: elementwise functions of one tensor (`jax.nn.sigmoid`,
      `silu`/`swish`, `gelu(approximate=True/False)`, also through a
      gated product such as GLU / SwiGLU, whose other factor stays a `multiply`);
    - `coreml.softmax {axis}`, `coreml.log_softmax {axis}` (with the max
      subtraction or without);
    - `coreml.layer_norm {axes, epsilon[, gamma][, beta]}` (any set of
      axes; gamma/beta constants, absent when 1/0 or applied outside by a
      non-constant `multiply`/`add`), `coreml.rms_norm` (same attributes),
      `coreml.l2_norm {axes, epsilon}` (`x / sqrt(sum(x^2) + eps)`);
    - `coreml.scaled_dot_product_attention` (query, key, value[, mask]) for
      `softmax(q k^T * scale [+ mask | select(mask, ., fill)]) v` on
      canonical batched matmuls (also through the reshape that merges unit
      batch dims), at `target` iOS18 or later only. A scale of exactly
      1/sqrt(E) on the query (Flax, Equinox) is dropped, any other becomes
      `query_scale`. A select mask needs fill -inf, or a fill <= -1e4 and a
      constant mask keeping a key in every row (e.g. causal): with a
      runtime padding mask a row may lose every key, where SDPA gives NaN
      and the program uniform weights, so only the softmax is raised.

    `linear` (matmul with a constant weight plus bias) is the composite
    `hlo_coreml.linear` that hlo-coreml-dot-general-to-matmul already
    creates; this pass leaves it alone.

    Values of rank > 5 are not raised (hlo-coreml-cap-rank reshapes them
    later); nor are reductions over a reshaped input (GroupNorm).

    How a region is recognized: a candidate root op (multiply, divide, add,
    subtract, convert) and an input value `x` delimit a region of
    elementwise ops, reductions, broadcasts, reshapes and converts whose
    only non-constant input is `x` and none of whose intermediate values is
    used outside it (an extra use is a near-miss: nothing changes). The
    region is then evaluated (NumPy, float64, on random inputs of its real
    shapes) and compared with each fused op's definition, with the axes of
    its reductions, and epsilon, gamma and beta taken from the region's
    constants (gamma and beta are fitted, then checked on a fresh input).
    Matching is thus by dataflow and values, whatever op sequence JAX,
    Flax or Equinox used; a different axis, epsilon placement or constant
    is a different function and is left alone. When a larger region
    including the root's only user also matches, the larger one wins.

    Attention is matched structurally on top of raised softmaxes: the
    pass runs a second greedy-driver round for it.

    Afterwards the recognized regions are single composites; everything
    else is unchanged (dead ops of a region are erased by the driver).
    `coreml.*` composites already in the module (JAX's `jax.lax.composite`)
    that the target or the emitter cannot take are replaced by their
    decomposition first. Options: `target` (deployment target name,
    default iOS17; compile() passes its own) and `enable` (false: only that
    clean-up, no raising; compile(raise_fused_ops=False)).
    """

    name: ClassVar[str] = "hlo-coreml-raise-fused-ops"
    summary: ClassVar[str] = "Raise softmax, norms, GELU/SiLU/sigmoid and attention to coreml.* composites"
    target: str = "iOS17"
    enable: bool = True

    def run(self, module, pass_) -> None:
        target = self.target
        _inline_unsupported(module, target)
        if not self.enable:
            return
        patterns = rewrite.RewritePatternSet()
        for op_class in (stablehlo.MulOp, stablehlo.DivOp, stablehlo.AddOp, stablehlo.SubtractOp, stablehlo.ConvertOp):
            patterns.add(op_class, lambda op, rewriter: _raise_region(op, rewriter, target))
        rewrite.apply_patterns_and_fold_greedily(module, patterns.freeze())
        if target_allows(target, SDPA):
            patterns = rewrite.RewritePatternSet()
            patterns.add(stablehlo.DotGeneralOp, _raise_attention)
            rewrite.apply_patterns_and_fold_greedily(module, patterns.freeze())
            _erase_unused_decompositions(module)


def _erase_unused_decompositions(module) -> None:
    """Drop our decomposition functions no composite refers to any more
    (a softmax's, once attention took the softmax in)."""
    used = set()

    def visit(op):
        if op.name == "stablehlo.composite":
            used.add(ir.FlatSymbolRefAttr(op.attributes["decomposition"]).value)
        return ir.WalkResult.ADVANCE

    module.operation.walk(visit)
    for op in list(module.regions[0].blocks[0].operations):
        if op.operation.name != "func.func" or "sym_visibility" not in op.attributes:
            continue
        name = ir.StringAttr(op.attributes["sym_name"]).value
        if name.startswith("coreml.") and ".impl" in name and name not in used:
            op.operation.erase()


def _inline_unsupported(module, target: str) -> None:
    """`coreml.*` composites (from JAX's `jax.lax.composite`) that the
    target cannot take, or whose attributes the emitter does not accept,
    are replaced by their decomposition's body."""
    from hlo_coreml.emit.registry import COMPOSITES, composite_names

    composite_names()  # loads the emitter table
    found = []

    def visit(op):
        if op.name == "stablehlo.composite":
            name = ir.StringAttr(op.attributes["name"]).value
            if name in COMPOSITE_TARGETS:
                entry = COMPOSITES[name]
                if not target_allows(target, name) or (entry.check is not None and entry.check(op.opview) is not None):
                    found.append(op)
        return ir.WalkResult.ADVANCE

    module.operation.walk(visit)
    if not found:
        return
    symbols = ir.SymbolTable(module.operation)
    for op in found:
        callee = symbols[ir.FlatSymbolRefAttr(op.attributes["decomposition"]).value]
        with ir.InsertionPoint(op), op.location:
            results = inlined_func_call(callee.operation, list(op.operands))
        for old, new in zip(op.results, results):
            old.replace_all_uses_with(new)
        op.erase()


# -- small helpers ------------------------------------------------------------------


def _owner(value):
    owner = value.owner
    return None if isinstance(owner, ir.Block) else owner


def _name(value) -> str | None:
    owner = _owner(value)
    return None if owner is None else owner.operation.name


def _type(value) -> ir.RankedTensorType:
    return ir.RankedTensorType(value.type)


def _shape(value) -> tuple[int, ...]:
    return tuple(_type(value).shape)


def _concrete(shape) -> tuple[int, ...]:
    """`shape` with each `?` dim as _PROBE_SIZE (for evaluating a region)."""
    return tuple(_PROBE_SIZE if ir.ShapedType.is_dynamic_size(d) else d for d in shape)


def _dynamic(value) -> bool:
    return not _type(value).has_static_shape


def _data_operands(op) -> list:
    """The operands of a region op that carry data (not a runtime shape)."""
    operands = list(op.operands)
    shape_index = _SHAPED.get(op.name)
    return operands if shape_index is None else [v for i, v in enumerate(operands) if i != shape_index]


def _float_kind(value) -> str | None:
    t = value.type
    if not isinstance(t, ir.RankedTensorType):
        return None
    e = t.element_type
    if isinstance(e, ir.F32Type):
        return "f32"
    if isinstance(e, ir.F16Type):
        return "f16"
    return None


def _dtype(kind: str):
    return np.float16 if kind == "f16" else np.float32


def _module_of(op):
    parent = op.operation.parent
    while parent is not None and parent.name != "builtin.module":
        parent = parent.parent
    return parent


# -- regions --------------------------------------------------------------------


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


def _const_array(value) -> np.ndarray | None:
    attr = _owner(value).attributes["value"]
    if not isinstance(attr, ir.DenseElementsAttr):
        return None
    shape = tuple(_type(value).shape)
    array = np.asarray(attr)
    if attr.is_splat:
        return np.full(shape, array.reshape(-1)[0])
    return array.reshape(shape)


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
            head = np.take(a, [0], axis=d)
            if not np.array_equal(a, np.broadcast_to(head, a.shape), equal_nan=a.dtype.kind == "f"):
                return None
            a = np.take(a, range(size), axis=d)
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


# -- the fused-op families ------------------------------------------------------------


_ERF = np.vectorize(math.erf, otypes=[np.float64])


def _gelu_erf(x):
    return 0.5 * x * (1 + _ERF(x / math.sqrt(2)))


def _gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


_ELEMENTWISE = (
    (SIGMOID, {}, _sigmoid),
    (SILU, {}, lambda x: x * _sigmoid(x)),
    (GELU, {"approximate": "tanh"}, _gelu_tanh),
    (GELU, {"approximate": "none"}, _gelu_erf),
)


def _close(a, b, kind: str) -> bool:
    if a is None or a.shape != b.shape:
        return False
    with np.errstate(all="ignore"):
        if not (np.isfinite(a).all() and np.isfinite(b).all()):
            return False
        tol = 2e-3 if kind == "f16" else 2e-5
        scale = max(1.0, float(np.max(np.abs(b))))
        return bool(np.all(np.abs(a - b) <= tol * (np.abs(b) + 1e-3 * scale)))


@dataclass
class _Match:
    name: str
    attrs: dict


def _match_region(region: _Region, kind: str) -> _Match | None:
    """Which fused op the region computes, if any."""
    x, root = region.x, region.root
    shape = _shape(x)
    if _shape(root.result) != shape or not shape:
        return None
    names = {op.name for op in region.ops if op.results[0] not in region.const_values}
    if len(names) < 2:
        return None
    reduces = [op for op in region.ops if op.name == "stablehlo.reduce" and op.results[0] not in region.const_values]
    rng = np.random.default_rng(0)
    with np.errstate(all="ignore"):
        if not reduces:
            if not names & {"stablehlo.exponential", "stablehlo.tanh", "stablehlo.logistic", "stablehlo.exponential_minus_one"}:
                return None
            probe = rng.uniform(-6.0, 6.0, 512)
            got = _evaluate(region, probe, elementwise=True)
            for name, attrs, fn in _ELEMENTWISE:
                if _close(got, fn(probe), kind):
                    return _Match(name, dict(attrs))
            return None
        if any(_shape(op.operands[0]) != shape for op in reduces):
            return None  # reductions over a reshaped x (GroupNorm): not one of ours
        axes = {tuple(sorted(i64_array(op, "dimensions"))) for op in reduces}
        if len(axes) != 1:
            return None
        (axes,) = axes
        return _match_reduction(region, kind, list(axes), rng)


def _epsilons(region: _Region) -> list[float]:
    """Small positive scalar constants of the region (epsilon candidates)."""
    out = {0.0}
    for value in region.const_values:
        if _name(value) != "stablehlo.constant":
            continue
        a = _const_array(value)
        if a is None or a.size == 0 or a.dtype.kind != "f":
            continue
        first = float(a.reshape(-1)[0])
        if 0 < first < 0.1 and (a == a.reshape(-1)[0]).all():
            out.add(first)
    return sorted(out)


def _match_reduction(region, kind, axes, rng) -> _Match | None:
    dynamic_axes = any(ir.ShapedType.is_dynamic_size(_shape(region.x)[a]) for a in axes)
    ax = tuple(axes)
    got = None
    plan = _row_plan(region, ax)
    if plan is not None:
        cut = plan[region.x]
        shape = tuple(_ROW_PROBE if c else d for c, d in zip(cut, _concrete(_shape(region.x))))
        probes, small = _reduction_probes(rng, shape)
        got = [_evaluate_rows(region, p, plan) for p in probes + [small]]
    if got is None or any(g is None for g in got):
        shape = _concrete(_shape(region.x))
        probes, small = _reduction_probes(np.random.default_rng(0), shape)
        got = [_evaluate(region, p) for p in probes + [small]]
    if any(g is None for g in got):
        return None
    if len(ax) == 1:
        axis = ax[0]
        for name, fn in (
            (SOFTMAX, lambda p: _softmax(p, axis)),
            (LOG_SOFTMAX, lambda p: np.log(_softmax(p, axis))),
        ):
            if all(_close(g, fn(p), kind) for g, p in zip(got, probes + [small])):
                return _Match(name, {"axis": axis})
    for eps in _epsilons(region):
        for name, normalize in (
            (LAYER_NORM, lambda p: _layer_norm(p, ax, eps)),
            (L2_NORM, lambda p: p / np.sqrt(np.sum(p * p, axis=ax, keepdims=True) + eps)),
            (RMS_NORM, lambda p: p / np.sqrt(np.mean(p * p, axis=ax, keepdims=True) + eps)),
        ):
            fit = _fit_affine([normalize(p) for p in probes], got[:3], shape, ax)
            if fit is None:
                continue
            gamma, beta = fit
            if not _close(got[3], normalize(small) * gamma + beta, kind):
                continue
            attrs = {"axes": list(ax), "epsilon": eps}
            norm_shape = [shape[a] for a in ax]
            if name == L2_NORM:
                if not (np.all(gamma == 1) and np.all(beta == 0)):
                    continue
                return _Match(name, attrs)
            affine = not np.allclose(gamma, 1, rtol=0, atol=1e-6) or not np.allclose(beta, 0, rtol=0, atol=1e-6)
            if affine and dynamic_axes:
                return None  # gamma/beta cannot have the size of a `?` axis
            if not np.allclose(gamma, 1, rtol=0, atol=1e-6):
                attrs["gamma"] = gamma.reshape(norm_shape)
            if not np.allclose(beta, 0, rtol=0, atol=1e-6):
                attrs["beta"] = beta.reshape(norm_shape)
            return _Match(name, attrs)
    return None


def _reduction_probes(rng, shape):
    """Rows with an offset and a scale (and one nearly constant row, so that
    epsilon matters), three of them to fit and check gamma/beta."""
    probes = [rng.normal(0.5, 2.0, shape) for _ in range(3)]
    return probes, rng.normal(0.0, 1e-3, shape)


def _softmax(p, axis):
    e = np.exp(p - np.max(p, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _layer_norm(p, ax, eps):
    mean = np.mean(p, axis=ax, keepdims=True)
    var = np.mean((p - mean) ** 2, axis=ax, keepdims=True)
    return (p - mean) / np.sqrt(var + eps)


def _fit_affine(normalized, got, shape, ax):
    """gamma, beta (over the normalized axes, broadcastable to `shape`) with
    got ~= normalized * gamma + beta for every probe; None if none fits."""
    keep = [i for i in range(len(shape)) if i not in ax]
    n0, n1 = normalized[0], normalized[1]
    g0, g1 = got[0], got[1]
    with np.errstate(all="ignore"):
        gamma_full = (g0 - g1) / (n0 - n1)
        # one value per normalized position: the median over the other axes
        gamma = np.mean(gamma_full, axis=tuple(keep), keepdims=True) if keep else gamma_full
        beta = np.mean(g0 - n0 * gamma, axis=tuple(keep), keepdims=True) if keep else g0 - n0 * gamma
    if not (np.isfinite(gamma).all() and np.isfinite(beta).all()):
        return None
    # snap to exact 1 / 0 when that is what the region holds
    gamma = np.where(np.abs(gamma - 1) < 1e-9, 1.0, gamma)
    beta = np.where(np.abs(beta) < 1e-9, 0.0, beta)
    for n, g in zip(normalized, got):
        if not _close(g, n * gamma + beta, "f32"):
            return None
    return gamma, beta


# -- the region pattern ---------------------------------------------------------


def _find(root, target: str):
    """(region, match) for the best region rooted at `root`, or None."""
    kind = _float_kind(root.result)
    if kind is None or len(_shape(root.result)) > _MAX_RANK:
        return None  # rank > 5 is hlo-coreml-cap-rank's business first
    # farthest first: the largest region that matches wins (softmax with
    # its max subtraction rather than without)
    # Every failed walk that escaped to a foreign value leaves a path from
    # root to it: an input must lie on all such paths, which prunes most
    # candidates of a deep graph (an unrolled scan) without walking them.
    on_every_escape: set | None = None
    escape: list = []
    shape = _shape(root.result)
    for x in reversed(_candidate_inputs(root)):
        if on_every_escape is not None and x not in on_every_escape:
            continue
        if _float_kind(x) != kind or _shape(x) != shape:
            continue
        escape.clear()
        region = _region(root, x, escape)
        if region is None:
            if escape:
                on_every_escape = set(escape) if on_every_escape is None else on_every_escape & set(escape)
            continue
        try:
            match = _match_region(region, kind)
        except (ValueError, TypeError, IndexError, ArithmeticError):
            match = None  # a region the evaluator cannot follow: no match
        if match is not None and target_allows(target, match.name):
            return region, match
    return None


_ROOTS = {"stablehlo.multiply", "stablehlo.divide", "stablehlo.add", "stablehlo.subtract", "stablehlo.convert"}


def _extends(op, target: str, depth: int = 0) -> bool:
    """True when the only user of `op` roots a larger matching region."""
    uses = list(op.result.uses)
    if depth >= 2 or len(uses) != 1:
        return False
    user = uses[0].owner
    if user.name not in _ROOTS:
        return False
    user = user.opview
    return _find(user, target) is not None or _extends(user, target, depth + 1)


def _in_decomposition(op) -> bool:
    """True inside a private function (a composite's decomposition, ours or
    JAX's): those keep the reference form."""
    parent = op.operation.parent
    while parent is not None and parent.name != "func.func":
        parent = parent.parent
    if parent is None or "sym_visibility" not in parent.attributes:
        return False
    return ir.StringAttr(parent.attributes["sym_visibility"]).value == "private"


def _raise_region(op, rewriter, target: str):
    if _in_decomposition(op):
        return True
    found = _find(op, target)
    if found is None or _extends(op, target):
        return True
    region, match = found
    with rewriter.ip, op.location:
        out = _composite(op, match, region)
    rewriter.replace_op(op, [out])
    return False


def _attr(value):
    if isinstance(value, bool):
        return ir.BoolAttr.get(value)
    if isinstance(value, int):
        return ir.IntegerAttr.get(ir.IntegerType.get_signless(64), value)
    if isinstance(value, float):
        return ir.FloatAttr.get(ir.F32Type.get(), value)
    if isinstance(value, str):
        return ir.StringAttr.get(value)
    if isinstance(value, list):
        return ir.DenseI64ArrayAttr.get([int(v) for v in value])
    raise TypeError(value)


def _composite(root, match: _Match, region: _Region):
    kind = _float_kind(root.result)
    attrs = {}
    for key, value in match.attrs.items():
        if isinstance(value, np.ndarray):
            array = np.ascontiguousarray(value, dtype=_dtype(kind))
            t = ir.RankedTensorType.get(list(array.shape), _type(root.result).element_type)
            attrs[key] = ir.DenseElementsAttr.get(array, type=t)
        else:
            attrs[key] = _attr(value)
    name = _decomposition(root, match.name, region)
    composite = stablehlo.CompositeOp(
        [root.result.type],
        [region.x, *region.shape_operands],
        match.name,
        name,
        composite_attributes=ir.DictAttr.get(attrs),
    )
    return composite.results[0]


def _new_function_name(module, base: str) -> str:
    table = ir.SymbolTable(module.operation)
    name, suffix = base, 0
    while name in table:
        suffix += 1
        name = f"{base}_{suffix}"
    return name


def _decomposition(root, composite_name: str, region: _Region) -> str:
    """A private function holding a copy of the region (the composite's
    reference semantics); returns its name."""
    module = _module_of(root)
    name = _new_function_name(module, f"{composite_name}.impl")
    function_type = ir.FunctionType.get([region.x.type, *(v.type for v in region.shape_operands)], [root.result.type])
    body = module.regions[0].blocks[0]
    with ir.InsertionPoint(body), ir.Location.unknown():
        fn = func.FuncOp(name, function_type, visibility="private")
        block = fn.add_entry_block()
        mapping = {region.x: block.arguments[0]}
        mapping.update(zip(region.shape_operands, list(block.arguments)[1:]))
        with ir.InsertionPoint(block):
            for op in region.ops:
                for operand in op.operands:
                    if operand not in mapping and _name(operand) == "stablehlo.constant":
                        mapping[operand] = _owner(operand).operation.clone().operation.results[0]
                clone = op.clone().operation
                for operand in list(op.operands):
                    if operand in mapping:
                        clone.replace_uses_of_with(operand, mapping[operand])
                mapping[op.results[0]] = clone.results[0]
            func.ReturnOp([mapping[root.result]])
    return name


# -- attention ------------------------------------------------------------------------


def _splat(value) -> float | None:
    """The one value of a splat constant (through broadcasts/converts)."""
    while _name(value) in ("stablehlo.broadcast_in_dim", "stablehlo.convert", "stablehlo.reshape"):
        value = _owner(value).operation.operands[0]
    if _name(value) == "stablehlo.constant":
        a = _const_array(value)
        if a is not None and a.size and a.dtype.kind == "f" and (a == a.reshape(-1)[0]).all():
            return float(a.reshape(-1)[0])
    # sqrt of a constant (Flax's 1/sqrt(depth) before folding)
    if _name(value) == "stablehlo.sqrt":
        inner = _splat(_owner(value).operation.operands[0])
        return None if inner is None or inner < 0 else math.sqrt(inner)
    return None


def _is_reshape_like(value) -> bool:
    """A reshape, or a broadcast_in_dim that only adds unit dims."""
    owner = _owner(value)
    if owner is None:
        return False
    name = owner.operation.name
    if name == "stablehlo.reshape":
        return True
    if name != "stablehlo.broadcast_in_dim":
        return False
    src, dims = _shape(owner.operation.operands[0]), i64_array(owner.operation, "broadcast_dimensions")
    out = _shape(value)
    return dims == sorted(dims) and all(out[d] == n for d, n in zip(dims, src)) and math.prod(out) == math.prod(src)


def _single_use(value) -> bool:
    return len(list(value.uses)) == 1


def _canonical_bmm(op):
    """(lhs, rhs, nb) of a canonical rank-4-or-less batched matmul
    [B.., M, K] x [B.., K, N]; else None."""
    if op.name != "stablehlo.dot_general":
        return None
    d = stablehlo.DotDimensionNumbers(op.attributes["dot_dimension_numbers"])
    lhs, rhs = op.operands[0], op.operands[1]
    lr, rr = len(_shape(lhs)), len(_shape(rhs))
    nb = len(d.lhs_batching_dimensions)
    if lr != rr or lr != nb + 2 or lr < 3:
        return None
    if list(d.lhs_batching_dimensions) != list(range(nb)) or list(d.rhs_batching_dimensions) != list(range(nb)):
        return None
    if list(d.lhs_contracting_dimensions) != [lr - 1] or list(d.rhs_contracting_dimensions) != [nb]:
        return None
    return lhs, rhs, nb


def _raise_attention(op, rewriter):
    """dot_general(softmax(scores), v) -> coreml.scaled_dot_product_attention."""
    if _in_decomposition(op):
        return True
    if any(_dynamic(v) for v in (op.lhs, op.rhs, op.result)):
        return True  # attention over `?` dims: the softmax alone is raised
    pv = _canonical_bmm(op)
    kind = _float_kind(op.result)
    if pv is None or kind is None:
        return True
    probs, v, _ = pv
    bmm_shape = _shape(probs)
    # the dot-general pass may have merged unit/leading batch dims: look
    # through a reshape that keeps the last two dims
    if _name(probs) == "stablehlo.reshape" and _single_use(probs):
        inner = _owner(probs).operation.operands[0]
        if _shape(inner)[-2:] == bmm_shape[-2:]:
            probs = inner
    soft = _owner(probs)
    if soft is None or soft.operation.name != "stablehlo.composite" or not _single_use(probs):
        return True
    if ir.StringAttr(soft.attributes["name"]).value != SOFTMAX:
        return True
    rank = len(_shape(probs))
    axis = ir.IntegerAttr(ir.DictAttr(soft.attributes["composite_attributes"])["axis"]).value
    if axis != rank - 1:
        return True
    scores = soft.operation.operands[0]
    mask, mask_kind = None, None
    if not _single_use(scores):
        return True
    owner = _owner(scores)
    if owner is not None and owner.operation.name == "stablehlo.select":
        cond, on_true, on_false = owner.operation.operands
        fill = _splat(on_false)
        # A fill of -1e4 or less (GPT-2's) is as good as -inf: exp of it
        # relative to any kept score underflows to 0 in fp16 and fp32.
        if fill is None or fill > -1e4 or not _single_use(on_true) or _shape(cond) != _shape(scores):
            return True
        if fill != -math.inf:
            # A finite fill differs from SDPA's -inf only on rows with no
            # key left (JAX: uniform weights, SDPA: NaN): raise only a
            # constant mask that keeps at least one key in every row.
            known = _constant_eval(cond)
            if known is None or not np.asarray(known, dtype=bool).any(axis=-1).all():
                return True
        mask, mask_kind, scores = cond, "bool", on_true
    elif owner is not None and owner.operation.name == "stablehlo.add":
        a, b = owner.operation.operands
        for s, m in ((a, b), (b, a)):
            if _name(s) in ("stablehlo.dot_general", "stablehlo.multiply", "stablehlo.divide") and _single_use(s):
                mask, mask_kind, scores = m, "float", s
                break
        else:
            return True
    # an optional scale on the scores
    scale = 1.0
    owner = _owner(scores)
    if owner is not None and owner.operation.name in ("stablehlo.multiply", "stablehlo.divide"):
        a, b = owner.operation.operands
        c = _splat(b)
        if c is None and owner.operation.name == "stablehlo.multiply":
            a, b = b, a
            c = _splat(b)
        if c is None or c == 0 or not _single_use(a):
            return True
        scale = c if owner.operation.name == "stablehlo.multiply" else 1 / c
        scores = a
    if _single_use(scores) and _is_reshape_like(scores) and _shape(_owner(scores).operation.operands[0]) == bmm_shape:
        scores = _owner(scores).operation.operands[0]
    qk_op = _owner(scores)
    if qk_op is None or not _single_use(scores) or _shape(scores) != bmm_shape:
        return True
    qk = _canonical_bmm(qk_op.operation)
    if qk is None:
        return True
    q, kt, nb = qk
    if len(bmm_shape) > _MAX_RANK or nb != len(_shape(v)) - 2 or _float_kind(q) != kind or _float_kind(kt) != kind or _float_kind(v) != kind:
        return True
    e = _shape(q)[-1]
    # a scale on the query: transpose(q * c) or q * c
    query_scale_op = None
    q_inner = q
    if _name(q_inner) == "stablehlo.transpose" and _single_use(q_inner):
        q_inner = _owner(q_inner).operation.operands[0]
    qs = _owner(q_inner)
    if qs is not None and qs.operation.name in ("stablehlo.multiply", "stablehlo.divide") and _single_use(q_inner):
        a, b = qs.operation.operands
        c = _splat(b)
        if c is None and qs.operation.name == "stablehlo.multiply":
            a, b = b, a
            c = _splat(b)
        if c is not None and c != 0:
            query_scale_op = (qs, a, c if qs.operation.name == "stablehlo.multiply" else 1 / c)
    if mask is not None and mask_kind == "float" and _float_kind(mask) != kind:
        return True
    with rewriter.ip, op.location:
        query, prescale = q, scale * math.sqrt(e)
        if query_scale_op is not None and abs(scale * query_scale_op[2] * math.sqrt(e) - 1) <= 1e-6:
            # the query carries exactly the 1/sqrt(E) SDPA applies: drop it
            prescale = 1.0
            query = query_scale_op[1]
            if q != q_inner:
                query = _transpose(query, i64_array(_owner(q).operation, "permutation"))
        key = _transpose(kt, list(range(nb)) + [nb + 1, nb])
        if mask is not None and _shape(mask) != bmm_shape:
            mask = stablehlo.ReshapeOp(ir.RankedTensorType.get(list(bmm_shape), _type(mask).element_type), mask).result
        operands = [query, key, v] + ([mask] if mask is not None else [])
        attrs = {}
        if abs(prescale - 1) > 1e-6:
            attrs["query_scale"] = ir.FloatAttr.get(ir.F32Type.get(), prescale)
        name = _sdpa_decomposition(op, operands, prescale, mask_kind)
        composite = stablehlo.CompositeOp(
            [op.result.type], operands, SDPA, name, composite_attributes=ir.DictAttr.get(attrs)
        )
    rewriter.replace_op(op, [composite.results[0]])
    rewriter.erase_op(soft)  # a composite is not trivially dead; the rest is
    return False


def _sdpa_decomposition(anchor, operands, prescale: float, mask_kind) -> str:
    """softmax(q k^T / sqrt(E) * prescale [+ mask]) v as a private function."""
    module = _module_of(anchor)
    name = _new_function_name(module, f"{SDPA}.impl")
    result_type = anchor.result.type
    types = [v.type for v in operands]
    function_type = ir.FunctionType.get(types, [result_type])
    body = module.regions[0].blocks[0]
    with ir.InsertionPoint(body), ir.Location.unknown():
        fn = func.FuncOp(name, function_type, visibility="private")
        block = fn.add_entry_block()
        with ir.InsertionPoint(block):
            q, k, v = block.arguments[0], block.arguments[1], block.arguments[2]
            qs, ks = _shape(q), _shape(k)
            nb = len(qs) - 2
            element = _type(q).element_type
            kt = stablehlo.TransposeOp(k, list(range(nb)) + [nb + 1, nb]).result
            s_type = ir.RankedTensorType.get(list(qs[:-1]) + [ks[-2]], element)
            dims = stablehlo.DotDimensionNumbers.get(
                lhs_batching_dimensions=list(range(nb)),
                rhs_batching_dimensions=list(range(nb)),
                lhs_contracting_dimensions=[nb + 1],
                rhs_contracting_dimensions=[nb],
            )
            s = stablehlo.DotGeneralOp(s_type, q, kt, dims).result
            factor = prescale / math.sqrt(qs[-1])
            s = stablehlo.MulOp(s, _full(s_type, factor)).result
            if mask_kind == "bool":
                s = stablehlo.SelectOp(block.arguments[3], s, _full(s_type, -math.inf)).result
            elif mask_kind == "float":
                s = stablehlo.AddOp(s, block.arguments[3]).result
            m = _reduce(s, stablehlo.MaxOp, -math.inf)
            e = stablehlo.ExpOp(stablehlo.SubtractOp(s, _bcast(m, s_type)).result).result
            total = _reduce(e, stablehlo.AddOp, 0.0)
            p = stablehlo.DivOp(e, _bcast(total, s_type)).result
            # p [B.., L, S] x v [B.., S, Ev]: the same batch and contracting dims as q x kt
            out = stablehlo.DotGeneralOp(result_type, p, v, dims).result
            func.ReturnOp([out])
    return name


def _full(t, value: float):
    scalar = ir.RankedTensorType.get([], t.element_type)
    c = stablehlo.ConstantOp(ir.DenseElementsAttr.get_splat(scalar, ir.FloatAttr.get(t.element_type, value))).result
    return stablehlo.BroadcastInDimOp(t, c, []).result


def _reduce(value, combiner, init: float):
    t = _type(value)
    element = t.element_type
    scalar = ir.RankedTensorType.get([], element)
    start = stablehlo.ConstantOp(ir.DenseElementsAttr.get_splat(scalar, ir.FloatAttr.get(element, init))).result
    out_type = ir.RankedTensorType.get(list(t.shape[:-1]), element)
    reduce = stablehlo.ReduceOp([out_type], [value], [start], [t.rank - 1])
    block = reduce.regions[0].blocks.append(scalar, scalar)
    with ir.InsertionPoint(block):
        stablehlo.ReturnOp([combiner(block.arguments[0], block.arguments[1]).result])
    return reduce.results[0]


def _bcast(value, t):
    return stablehlo.BroadcastInDimOp(t, value, list(range(t.rank - 1))).result


__all__ = ["RaiseFusedOpsPass", "COMPOSITE_TARGETS"]
