"""hlo-coreml-decompose-reduce-window: reduce_window without a MIL op, as pad + slices + elementwise ops."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from hlo_coreml._mlir import ir, rewrite, stablehlo
from hlo_coreml.element_types import kind_of, shape_of
from hlo_coreml.emit.ops_reduce import body_op_name
from hlo_coreml.emit.ops_window import (
    cumulative_axis,
    init_is_identity_constant,
    init_padding_ambiguous,
    is_idempotent,
    window_identity,
    native_form,
    scalar_constant,
    window_config,
)
from hlo_coreml.ir_utils import constant_value

from .registry import ModulePass, register_pass

_COMBINE = {
    "stablehlo.add": stablehlo.AddOp,
    "stablehlo.multiply": stablehlo.MulOp,
    "stablehlo.maximum": stablehlo.MaxOp,
    "stablehlo.minimum": stablehlo.MinOp,
    "stablehlo.and": stablehlo.AndOp,
    "stablehlo.or": stablehlo.OrOp,
    "stablehlo.xor": stablehlo.XorOp,
}
_LOGICAL = ("stablehlo.and", "stablehlo.or", "stablehlo.xor")


@register_pass
@dataclass(frozen=True)
class DecomposeReduceWindowPass(ModulePass):
    """Rewrites every single-operand `stablehlo.reduce_window` that has no
    MIL op (anything but a cumulative add with init 0, which becomes
    `cumsum`, and an f16/f32 max (-inf) / sum (0) window without dilation
    on up to 3 dims, which becomes `max_pool` / `avg_pool`) into `pad`,
    `slice`, `broadcast_in_dim` and the body's elementwise op. The body must
    be one `add`, `multiply`, `maximum`, `minimum`, `and`, `or` or `xor` of
    its two block arguments (all commutative, so their order does not
    matter); element types f16, f32, i32 and i1.

    Padding and init values: the StableHLO spec (and its reference
    interpreter, `stablehlo.eval_module`) pads the input with the init value
    (edges from `padding`, interior `base_dilations - 1`), reduces each
    window of the padded input and combines the init value into every
    result once more. XLA (JAX on CPU) reduces only the real elements of a
    window and combines the init value once: `lax.reduce_window(x, 2.0,
    lax.add, (2, 2), (2, 2), ((1, 1), (1, 1)))` on `arange(16).reshape(4,
    4)` is [[2, 5, 5], [14, 32, 20], [14, 29, 17]] on CPU. The two differ
    only where padding meets a non-idempotent op (add, multiply, xor) with
    an init that is not its identity (`init_padding_ambiguous`). Option
    `init-semantics` picks the reading: `xla` (default; what JAX users test
    against) pads with the body's identity, `spec` with the init value;
    both then combine the init value once (skipped when it is the op's
    identity constant). For every other window the readings agree.

    Cumulative windows (`lax.cumprod` / `cummax` / `cummin`, `reverse=True`
    too: the whole length N of one dim, padded by N - 1 on one side) whose
    init is the identity, or whose op is idempotent, use a Hillis-Steele
    scan: ceil(log2 N) steps of `y = y op shift(y, 2^k)`, the shift being a
    `pad` by 2^k on one side and -2^k on the other. That is 2 ops per step
    against 2 (N - 1) for the naive N-step sum of shifts, never more.

    Every other window is reduced one dim at a time (the ops are
    associative and commutative) after one `pad`:

    ```mlir
    %0 = "stablehlo.reduce_window"(%x, %init) <{window_dimensions = array<i64: 3>,
           window_dilations = array<i64: 2>}> ({ stablehlo.maximum }) : (tensor<9xf32>, ...) -> tensor<5xf32>
    ==>
    %a = stablehlo.slice %x [0:5]
    %b = stablehlo.slice %x [2:7]
    %ab = stablehlo.maximum %a, %b
    %c = stablehlo.slice %x [4:9]
    %0 = stablehlo.maximum %ab, %c
    ```

    A window of w (dilation d, stride s) is either w strided slices of the
    input combined (naive), or built by doubling: T_2m[i] = T_m[i] op
    T_m[i + m d] for m = 1, 2, 4, .. up to the largest power of two p <= w,
    then for idempotent ops two overlapping windows T_p[i] op T_p[i + (w -
    p) d], for add/multiply/xor the windows of w's binary decomposition
    side by side; the stride is applied by the last (strided) slices. The
    pass counts the ops of both and takes the fewer (naive for w <= 3).

    A body that is not one of those ops but computes elementwise (JAX's
    `logaddexp` in `lax.cumlogsumexp`) is applied as a whole to tensors
    (`_decompose_general_body`, XLA's reading only): cumulative windows by
    a masked scan, windows without padding or base dilation by the plan
    above, the init value combined once at the end.

    Afterwards no reduce_window remains except the ones the emitter maps
    onto `cumsum` / `max_pool` / `avg_pool`, several-operand windows,
    windows with another body that are padded (not cumulatively) or use
    `init-semantics=spec`, and zero-sized shapes, which verify-legal
    reports.
    """

    name: ClassVar[str] = "hlo-coreml-decompose-reduce-window"
    summary: ClassVar[str] = "reduce_window without a MIL op (cumprod/cummax, dilations, int, min) into pad, slices, elementwise ops"
    # How padding combines with a non-identity init value: 'xla' (padded
    # elements are skipped, as JAX on CPU) or 'spec' (padded with the init
    # value, as the StableHLO spec and stablehlo.eval_module).
    init_semantics: str = "xla"

    def __post_init__(self):
        if self.init_semantics not in INIT_SEMANTICS:
            raise ValueError(
                f"pass '{self.name}': option 'init-semantics' expects one of {', '.join(INIT_SEMANTICS)}, "
                f"got '{self.init_semantics}'"
            )

    def run(self, module, pass_) -> None:
        patterns = rewrite.RewritePatternSet()
        spec = self.init_semantics == "spec"
        patterns.add(stablehlo.ReduceWindowOp, _SPEC_PATTERN if spec else decompose_reduce_window)
        rewrite.apply_patterns_and_fold_greedily(module, patterns.freeze())


INIT_SEMANTICS = ("xla", "spec")


def _decomposable(op) -> str | None:
    """The body op name if this pass rewrites `op`, else None."""
    if len(op.operands) != 2 or native_form(op) is not None:
        return None
    body = body_op_name(op)
    if body not in _COMBINE:
        return None
    x, init, result = op.operands[0], op.operands[1], op.results[0]
    types = [ir.RankedTensorType(v.type) for v in (x, init, result)]
    if not all(t.has_static_shape for t in types) or not (types[0].element_type == types[1].element_type == types[2].element_type):
        return None
    kind = kind_of(x)
    if kind not in ("f16", "f32", "i32", "i1") or (body in _LOGICAL and kind not in ("i32", "i1")):
        return None
    if 0 in shape_of(x) or 0 in shape_of(result):
        return None
    return body


def decompose_reduce_window(op, rewriter, spec: bool = False):
    """The pattern (XLA's reading of padding with a non-identity init;
    `spec=True`: StableHLO's)."""
    body = _decomposable(op)
    if body is None:
        return True if spec else _decompose_general_body(op, rewriter)
    kind = kind_of(op.operands[0])
    idempotent = is_idempotent(body, kind)
    init_is_identity = init_is_identity_constant(op)
    cumulative = cumulative_axis(op)
    with rewriter.ip, op.location:
        init = _direct_constant(op.operands[1])
        # What padding holds: the init value, except where the readings
        # differ and XLA's is asked for (then the identity: padded elements
        # change nothing, as if skipped).
        fill = init
        if not spec and init_padding_ambiguous(op):
            fill = _identity_constant(body, op.operands[1])
        if cumulative is not None and (init_is_identity or idempotent or fill is not init):
            out = _scan(op.operands[0], fill, body, *cumulative)
        else:
            out = _windows(op, fill, body, idempotent)
        if not init_is_identity:
            # StableHLO combines the init value into every window once.
            out = _COMBINE[body](out, _splat(init, shape_of(op.results[0]))).result
    rewriter.replace_op(op, [out])
    return False


def _decompose_spec(op, rewriter):
    return decompose_reduce_window(op, rewriter, spec=True)


_SPEC_PATTERN = _decompose_spec


# -- building blocks ---------------------------------------------------------------------------


def _identity_constant(body: str, like):
    """A rank-0 constant of `like`'s type holding the identity of `body`."""
    t = ir.RankedTensorType(like.type)
    element = t.element_type
    value = window_identity(body, kind_of(like))
    if isinstance(element, ir.IntegerType):
        attr = ir.IntegerAttr.get(element, int(value))
    else:
        attr = ir.FloatAttr.get(element, float(value))
    return stablehlo.ConstantOp(ir.DenseElementsAttr.get_splat(t, attr)).result



def _direct_constant(init):
    """`init` itself, or a `stablehlo.constant` of it when it is a constant
    behind no-op broadcasts / reshapes (the emitter's `pad` then uses MIL
    `pad` instead of concatenated blocks)."""
    if constant_value(init) is not None:
        return init
    value = scalar_constant(init)
    if value is None:
        return init
    t = ir.RankedTensorType(init.type)
    element = t.element_type
    scalar = value.reshape(())
    if isinstance(element, ir.IntegerType):
        attr = ir.DenseElementsAttr.get_splat(t, ir.IntegerAttr.get(element, int(scalar)))
    else:
        attr = ir.DenseElementsAttr.get_splat(t, ir.FloatAttr.get(element, float(scalar)))
    return stablehlo.ConstantOp(attr).result


def _splat(scalar, shape):
    element = ir.RankedTensorType(scalar.type).element_type
    return stablehlo.BroadcastInDimOp(ir.RankedTensorType.get(list(shape), element), scalar, []).result


def _slice(value, axis: int, start: int, limit: int, stride: int):
    shape = list(shape_of(value))
    if start == 0 and limit == shape[axis] and stride == 1:
        return value
    begin, end, steps = [0] * len(shape), list(shape), [1] * len(shape)
    begin[axis], end[axis], steps[axis] = start, limit, stride
    return stablehlo.SliceOp(value, begin, end, steps).result


def _pad(value, fill, low, high, interior):
    if not any(low) and not any(high) and not any(interior):
        return value
    return stablehlo.PadOp(value, fill, low, high, interior).result


# -- cumulative windows: Hillis-Steele scan -----------------------------------------------------


def scan_steps(length: int) -> int:
    """Steps of the log-step scan over `length` elements: ceil(log2(length))."""
    return max(0, int(length - 1).bit_length())


def _scan(x, fill, body: str, axis: int, reverse: bool):
    """Inclusive scan of `x` along `axis` (from the end if `reverse`); values
    shifted in from outside are `fill` (the identity, or init for an
    idempotent op)."""
    rank = len(shape_of(x))
    length = shape_of(x)[axis]
    y = x
    for k in range(scan_steps(length)):
        shift = 1 << k
        low, high = [0] * rank, [0] * rank
        low[axis], high[axis] = (-shift, shift) if reverse else (shift, -shift)
        y = _COMBINE[body](y, _pad(y, fill, low, high, [0] * rank)).result
    return y


# -- general windows: per-dim naive or doubling ------------------------------------------------


@dataclass(frozen=True)
class WindowPlan:
    """How one dim's window is reduced: `levels` doubling steps (T_1 = the
    input, T_2m from two slices of T_m), then the result is the op over
    `terms`, each (level, offset): T_(2^level) sliced from offset * dilation
    with the window stride."""

    levels: int
    terms: tuple[tuple[int, int], ...]
    ops: int


def plan_window(length: int, window: int, dilation: int, stride: int, out: int, idempotent: bool) -> WindowPlan:
    """The cheaper of the naive and the doubling plan for a window of
    `window` elements over `length` (StableHLO ops counted: slices that
    take everything are free)."""

    def cost(levels, terms):
        slices = 0
        for level, offset in terms:
            span = length - ((1 << level) - 1) * dilation  # length of T_(2^level)
            identity_slice = offset == 0 and stride == 1 and out == span
            slices += 0 if identity_slice else 1
        return WindowPlan(levels, tuple(terms), 3 * levels + slices + len(terms) - 1)

    naive = cost(0, [(0, k) for k in range(window)])
    top = window.bit_length() - 1
    if top == 0:
        return naive
    if idempotent:
        terms = [(top, 0)] + ([(top, window - (1 << top))] if window != 1 << top else [])
    else:
        terms, offset = [], 0
        for level in range(top, -1, -1):
            if window & (1 << level):
                terms.append((level, offset))
                offset += 1 << level
    doubling = cost(top, terms)
    return doubling if doubling.ops < naive.ops else naive


def _windows(op, init, body: str, idempotent: bool, combine=None):
    """Every window reduced with `combine(a, b)` (default: the body op),
    which is applied with a's elements before b's."""
    x = op.operands[0]
    window, strides, base, wdil, padding = window_config(op)
    rank = len(window)
    x = _pad(x, init, [lo for lo, _ in padding], [hi for _, hi in padding], [b - 1 for b in base])
    out_shape = shape_of(op.results[0])
    if combine is None:
        op_class = _COMBINE[body]

        def combine(a, b):
            return op_class(a, b)
    for d in range(rank):
        if window[d] == 1 and strides[d] == 1:
            continue
        length = shape_of(x)[d]
        plan = plan_window(length, window[d], wdil[d], strides[d], out_shape[d], idempotent)
        powers = [x]
        for level in range(1, plan.levels + 1):
            prev = powers[-1]
            step = (1 << (level - 1)) * wdil[d]
            n = shape_of(prev)[d]
            powers.append(_result(combine(_slice(prev, d, 0, n - step, 1), _slice(prev, d, step, n, 1))))
        acc = None
        for level, offset in plan.terms:
            start = offset * wdil[d]
            part = _slice(powers[level], d, start, start + (out_shape[d] - 1) * strides[d] + 1, strides[d])
            acc = part if acc is None else _result(combine(acc, part))
        x = acc
    return x


def _result(value):
    return value.result if hasattr(value, "result") else value


# -- other elementwise bodies (lax.cumlogsumexp) ------------------------------------------------


def _decompose_general_body(op, rewriter):
    """A single-operand window whose body is not one binary op but computes
    elementwise (`elementwise_regions.region_problem` is None; JAX's
    `logaddexp` in `lax.cumlogsumexp`), in XLA's reading: the real elements
    of each window are combined, the init value once, before them.

    - cumulative windows: a Hillis-Steele scan whose shifted-in positions
      are masked (`select` on an iota), so no identity of the body is
      needed: step k combines y[i - 2^k] (y[i + 2^k] when reversed) into
      y[i] where that index exists;
    - windows without padding or base dilation: the naive / doubling plan
      of the other bodies (no padding is ever combined);
    - then body(init, window) for every result.

    The body's arguments keep their order: earlier elements (and the init)
    on the left. The body is taken to be associative (logaddexp is), as
    StableHLO leaves the order of a window's reduction open; a single
    binary op other than the associative ones above (subtract, divide)
    is left alone. Other windows stay (verify-legal reports them)."""
    from .elementwise_regions import apply_region, region_problem

    if len(op.operands) != 2 or native_form(op) is not None or body_op_name(op) is not None:
        return True  # one binary op that is not associative-commutative (subtract, divide, ...) stays
    x, init, result = op.operands[0], op.operands[1], op.results[0]
    types = [ir.RankedTensorType(v.type) for v in (x, init, result)]
    if not all(t.has_static_shape for t in types) or 0 in shape_of(x) or 0 in shape_of(result):
        return True
    if not types[0].element_type == types[1].element_type == types[2].element_type:
        return True
    block = op.regions[0].blocks[0]
    if len(block.arguments) != 2 or region_problem(block) is not None:
        return True
    cumulative = cumulative_axis(op)
    _, _, base, _, padding = window_config(op)
    if cumulative is None and (any(b != 1 for b in base) or any(p != (0, 0) for p in padding)):
        return True

    def combine(a, b):
        return apply_region(block, [a, b], shape_of(a))[0]

    with rewriter.ip, op.location:
        if cumulative is not None:
            out = _masked_scan(x, combine, *cumulative)
        else:
            out = _windows(op, init, "", False, combine)
        out = combine(_splat(init, shape_of(result)), out)
    rewriter.replace_op(op, [out])
    return False


def _masked_scan(x, combine, axis: int, reverse: bool):
    shape = shape_of(x)
    rank, length = len(shape), shape[axis]
    i32 = ir.IntegerType.get_signless(32)
    index = stablehlo.IotaOp(ir.RankedTensorType.get(list(shape), i32), axis).result
    element = ir.RankedTensorType(x.type).element_type
    zero = ir.IntegerAttr.get(element, 0) if isinstance(element, ir.IntegerType) else ir.FloatAttr.get(element, 0.0)
    # What shifted-in positions hold does not matter: they are masked below.
    filler = stablehlo.ConstantOp(ir.DenseElementsAttr.get_splat(ir.RankedTensorType.get([], element), zero)).result
    y = x
    for k in range(scan_steps(length)):
        shift = 1 << k
        low, high = [0] * rank, [0] * rank
        low[axis], high[axis] = (-shift, shift) if reverse else (shift, -shift)
        moved = _pad(y, filler, low, high, [0] * rank)
        combined = combine(y, moved) if reverse else combine(moved, y)
        bound = ir.DenseElementsAttr.get_splat(
            ir.RankedTensorType.get(list(shape), i32), ir.IntegerAttr.get(i32, length - shift if reverse else shift)
        )
        direction = "LT" if reverse else "GE"
        has = stablehlo.CompareOp(index, stablehlo.ConstantOp(bound).result,
                                  stablehlo.ComparisonDirectionAttr.get(direction)).result
        y = stablehlo.SelectOp(has, combined, y).result
    return y


__all__ = ["DecomposeReduceWindowPass", "decompose_reduce_window", "plan_window", "scan_steps"]
