"""hlo-coreml-split-complex: complex tensors become (real, imaginary) pairs
of real tensors, constants, arguments and results included."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, ClassVar

import numpy as np

from hlo_coreml._mlir import func, ir, stablehlo

from .registry import ModulePass, register_pass, walk_functions
from .scatter_points import body_modes, scatter_body
from .split_complex_constants import complex_constant_parts, is_complex_type
from .split_complex_fft import FftLowering, check_fft
from .split_complex_math import ComplexMath, RealBuilder

# Argument / result attributes written on a function whose signature was
# split (emit/program.py's `interface_of` reads them to name features):
# the index of the argument or result in the original signature, and for
# the two halves of a complex one, which part it carries.
SOURCE_INDEX_ATTR = "hlo_coreml.source_index"
COMPLEX_PART_ATTR = "hlo_coreml.complex_part"

_ATAN2_MODES = ("auto", "expand", "keep")


@register_pass
@dataclass(frozen=True)
class SplitComplexPass(ModulePass):
    """Replaces every value of type `tensor<...xcomplex<T>>` by two values of
    type `tensor<...xT>`, its real and imaginary parts, walking each
    function's body in order.

    ```mlir
    func.func @main(%z: tensor<4xcomplex<f32>> loc("z"), %x: tensor<4xf32> loc("x"))
        -> tensor<4xcomplex<f32>> {
      %xc = stablehlo.convert %x : (tensor<4xf32>) -> tensor<4xcomplex<f32>>
      %0 = stablehlo.multiply %z, %xc : tensor<4xcomplex<f32>>
      return %0 : tensor<4xcomplex<f32>>
    }
    ==>
    func.func @main(%re: tensor<4xf32> {hlo_coreml.complex_part = "real", hlo_coreml.source_index = 0 : i64},
                    %im: tensor<4xf32> {hlo_coreml.complex_part = "imag", hlo_coreml.source_index = 0 : i64},
                    %x: tensor<4xf32> {hlo_coreml.source_index = 1 : i64})
        -> (tensor<4xf32> {...real...}, tensor<4xf32> {...imag...}) {
      %0 = stablehlo.multiply %re, %x : tensor<4xf32>
      %1 = stablehlo.multiply %im, %x : tensor<4xf32>
      return %0, %1 : tensor<4xf32>, tensor<4xf32>
    }
    ```

    - Constants are split at compile time into two real constants (an
      all-zero imaginary part is not materialized: it is tracked as "zero"
      and skips work downstream, e.g. for real inputs of an FFT).
    - A complex argument `x` becomes two arguments (real, imaginary) in its
      place, named `x_real` / `x_imag` by `interface_of`; complex results
      likewise. A function with no complex argument or result keeps its
      signature untouched.
    - Ops: complex, real, imag, add, subtract, multiply, divide, negate,
      abs, exponential, exponential_minus_one, log, log_plus_one, sqrt,
      rsqrt, sign, power, sine, cosine, tan, tanh, logistic, the composites
      chlo.sinh and chlo.cosh, atan2 (the
      complex one, -i log((x + iy) / sqrt(x^2 + y^2))), iota (imaginary part
      zero), compare (EQ/NE), select,
      convert, dot_general, convolution, reduce (sum, product), reshape,
      transpose, broadcast_in_dim, slice, dynamic_slice, dynamic_update_slice,
      concatenate, pad, reverse, gather, scatter (set and add: one scatter
      per part), optimization_barrier, and fft
      (FFT, IFFT, RFFT, IRFFT over 1 to 3 trailing dims) as real DFT
      matmuls (see split_complex_fft). Ops nested in the regions of real
      ops (loop bodies) are split too.
    - `atan2` (for log, power, and `angle` = atan2(imag z, real z)): with
      `atan2=auto` (default) a `stablehlo.atan2` when the emitter has one,
      else a polynomial expansion in supported ops; `expand` / `keep` force
      either.

    Afterwards no value, argument or result of a function has a complex
    type, and `real` / `imag` of a real tensor have become the tensor /
    zeros. Every op with a complex operand or result that it cannot split is
    reported (all of them, at their locations) and the module is left
    unchanged. complex<f64> yields f64 parts (hlo-coreml-narrow-types,
    which runs first, already narrows complex<f64> to complex<f32>).
    """

    name: ClassVar[str] = "hlo-coreml-split-complex"
    summary: ClassVar[str] = "Complex tensors -> (real, imag) pairs, incl. constants, args, results, FFT"

    atan2: str = "auto"

    def __post_init__(self):
        if self.atan2 not in _ATAN2_MODES:
            raise ValueError(
                f"pass '{self.name}': option 'atan2' expects one of {', '.join(_ATAN2_MODES)}, got '{self.atan2}'"
            )

    def expand_atan2(self) -> bool:
        if self.atan2 == "auto":
            from hlo_coreml.emit.registry import emitter_table

            return "stablehlo.atan2" not in emitter_table()
        return self.atan2 == "expand"

    def run(self, module, pass_) -> None:
        functions = [f for f in walk_functions(module) if len(f.regions[0].blocks) > 0]
        expand = self.expand_atan2()
        splitters = [_Splitter(f, expand) for f in functions]
        problems = sum(s.check() for s in splitters)
        if problems:
            pass_.signal_pass_failure()
            return
        for s in splitters:
            if not s.run():
                pass_.signal_pass_failure()
                return
        _drop_unused_decompositions(module, set().union(*(s.decompositions for s in splitters)))


def _drop_unused_decompositions(module, names: set[str]) -> None:
    """Erase the decomposition functions of composites split here that no
    composite or call refers to any more."""
    if not names:
        return
    used: set[str] = set()

    def collect(op):
        for key in ("decomposition", "callee"):
            if key in op.attributes:
                used.add(ir.FlatSymbolRefAttr(op.attributes[key]).value)
        return ir.WalkResult.ADVANCE

    module.operation.walk(collect)
    for f in list(walk_functions(module)):
        if ir.StringAttr(f.attributes["sym_name"]).value in names - used:
            f.operation.erase()


# -- types -------------------------------------------------------------------


def part_type(t: ir.Type) -> ir.RankedTensorType:
    """tensor<...xcomplex<T>> -> tensor<...xT>."""
    t = ir.RankedTensorType(t)
    return ir.RankedTensorType.get(t.shape, ir.ComplexType(t.element_type).element_type)


def involves_complex(op) -> bool:
    return any(is_complex_type(v.type) for v in op.operands) or any(
        is_complex_type(v.type) for v in op.results
    )


Pair = tuple  # (re: ir.Value, im: ir.Value | None)


# -- the walker --------------------------------------------------------------


class _Splitter:
    """Splits one function: first `check()` (reports, changes nothing), then
    `run()`."""

    def __init__(self, fn, expand_atan2: bool):
        self.fn = fn
        self.pairs: dict[ir.Value, Pair] = {}
        # Every value that is the real or imaginary part of a complex value
        # (to recognise angle(z) = atan2(imag z, real z)).
        self.parts: set[ir.Value] = set()
        self.dead: list = []
        self.constants: dict[ir.Value, tuple[np.ndarray, np.ndarray]] = {}
        self.b = RealBuilder()
        self.math = ComplexMath(self.b, expand_atan2)
        self.expand_atan2 = expand_atan2
        # Decompositions of the composites this splitter evaluated itself.
        self.decompositions: set[str] = set()

    # -- check ---------------------------------------------------------------

    def check(self) -> int:
        """Report every op this pass cannot split; returns how many."""
        problems = 0
        blocks = list(self.fn.regions[0].blocks)
        if len(blocks) != 1 and any(
            is_complex_type(a.type) for blk in blocks for a in blk.arguments
        ):
            self.fn.location.emit_error("functions with several blocks and complex values cannot be split")
            return 1
        for blk in blocks:
            problems += self._check_block(blk)
        return problems

    def _check_block(self, block) -> int:
        problems = 0
        for op in block.operations:
            name = op.operation.name
            if involves_complex(op):
                handler = HANDLERS.get(name)
                if handler is None:
                    op.location.emit_error(
                        f"'{name}' on complex tensors is not supported: Core ML has no complex "
                        f"type and hlo-coreml-split-complex has no real/imaginary lowering for it"
                        + (" (run hlo-coreml-inline-calls first)" if name == "func.call" else "")
                    )
                    problems += 1
                    continue
                problem = handler.check(op) if handler.check else None
                if problem:
                    op.location.emit_error(f"'{name}' on complex tensors {problem}")
                    problems += 1
                continue
            for region in op.regions:
                for blk in region.blocks:
                    if any(is_complex_type(a.type) for a in blk.arguments):
                        op.location.emit_error(
                            f"'{name}' with a complex block argument in its region is not supported "
                            "by hlo-coreml-split-complex"
                        )
                        problems += 1
                    else:
                        problems += self._check_block(blk)
        return problems

    # -- run -----------------------------------------------------------------

    def run(self) -> bool:
        consts = []

        def collect(op):
            if op.name == "stablehlo.constant" and is_complex_type(op.results[0].type):
                consts.append(op)
            return ir.WalkResult.ADVANCE

        self.fn.operation.walk(collect)
        if consts:
            try:
                values = complex_constant_parts(consts)
            except ValueError as e:
                consts[0].location.emit_error(f"'stablehlo.constant' of complex type: {e}")
                return False
            self.constants = {op.results[0]: v for op, v in zip(consts, values)}

        entry = self.fn.regions[0].blocks[0]
        signature = self._split_arguments(entry)
        self._split_block(entry)
        for op in reversed(self.dead):
            op.operation.erase()
        if signature is not None:
            self._finish_signature(entry, *signature)
        return True

    def _split_block(self, block) -> None:
        for op in list(block.operations):
            name = op.operation.name
            handler = None
            if involves_complex(op):
                handler = HANDLERS[name]
            elif name == "stablehlo.atan2" and self.expand_atan2 and all(v in self.parts for v in op.operands):
                handler = _ANGLE
            elif name in ("stablehlo.real", "stablehlo.imag"):
                handler = _REAL_PART_OF_REAL
            if handler is None:
                for region in op.regions:
                    for blk in region.blocks:
                        self._split_block(blk)
                continue
            with ir.InsertionPoint(op), op.location:
                outs = handler.lower(self, op)
            for result, out in zip(op.results, outs):
                if is_complex_type(result.type):
                    self.set_pair(result, out)
                else:
                    result.replace_all_uses_with(out)
            self.dead.append(op)

    # -- values --------------------------------------------------------------

    def set_pair(self, value, pair: Pair) -> None:
        self.pairs[value] = pair
        self.parts.update(v for v in pair if v is not None)

    def pair(self, value) -> Pair:
        """The (re, im) pair of a complex value; (value, None) for a real one."""
        if is_complex_type(value.type):
            return self.pairs[value]
        return (value, None)

    def imag(self, pair: Pair):
        return self.math.imag(pair)

    def clone_with(self, op, operands: dict[int, ir.Value]):
        """A copy of `op` before it, with `operands` replaced and every
        complex result retyped to its part type (attributes, regions and
        other operands kept)."""
        new = op.operation.clone(ip=ir.InsertionPoint(op))
        for i, v in operands.items():
            new.operands[i] = v
        for result in new.results:
            if is_complex_type(result.type):
                result.set_type(part_type(result.type))
        return new

    # -- signature -----------------------------------------------------------

    def _split_arguments(self, entry):
        ftype = ir.FunctionType(ir.TypeAttr(self.fn.attributes["function_type"]).value)
        inputs, results = list(ftype.inputs), list(ftype.results)
        if not any(is_complex_type(t) for t in inputs + results):
            return None
        arg_attrs = _attr_dicts(self.fn, "arg_attrs", len(inputs))
        res_attrs = _attr_dicts(self.fn, "res_attrs", len(results))
        old_args = list(entry.arguments)
        new_inputs, new_arg_attrs = [], []
        for i, (arg, t) in enumerate(zip(old_args, inputs)):
            base = dict(arg_attrs[i])
            base[SOURCE_INDEX_ATTR] = _i64(i)
            if is_complex_type(t):
                pt = part_type(t)
                re = entry.add_argument(pt, arg.location)
                im = entry.add_argument(pt, arg.location)
                self.set_pair(arg, (re, im))
                new_inputs += [pt, pt]
                new_arg_attrs += [_with_part(base, "real"), _with_part(base, "imag")]
            else:
                new = entry.add_argument(t, arg.location)
                arg.replace_all_uses_with(new)
                new_inputs.append(t)
                new_arg_attrs.append(base)
        new_results, new_res_attrs = [], []
        for i, t in enumerate(results):
            base = dict(res_attrs[i])
            base[SOURCE_INDEX_ATTR] = _i64(i)
            if is_complex_type(t):
                pt = part_type(t)
                new_results += [pt, pt]
                new_res_attrs += [_with_part(base, "real"), _with_part(base, "imag")]
            else:
                new_results.append(t)
                new_res_attrs.append(base)
        return len(old_args), new_inputs, new_results, new_arg_attrs, new_res_attrs

    def _finish_signature(self, entry, n_old, inputs, results, arg_attrs, res_attrs) -> None:
        for _ in range(n_old):
            entry.erase_argument(0)
        fn = self.fn
        fn.attributes["function_type"] = ir.TypeAttr.get(ir.FunctionType.get(inputs, results))
        fn.attributes["arg_attrs"] = ir.ArrayAttr.get([ir.DictAttr.get(d) for d in arg_attrs])
        fn.attributes["res_attrs"] = ir.ArrayAttr.get([ir.DictAttr.get(d) for d in res_attrs])


def _attr_dicts(fn, key: str, count: int) -> list[dict[str, ir.Attribute]]:
    out: list[dict[str, ir.Attribute]] = [{} for _ in range(count)]
    if key not in fn.attributes:
        return out
    array = ir.ArrayAttr(fn.attributes[key])
    for i in range(min(count, len(array))):
        d = ir.DictAttr(array[i])
        out[i] = {d[j].name: d[j].attr for j in range(len(d))}
    return out


def _with_part(base: dict, part: str) -> dict:
    d = dict(base)
    d[COMPLEX_PART_ATTR] = ir.StringAttr.get(part)
    return d


def _i64(value: int) -> ir.Attribute:
    return ir.IntegerAttr.get(ir.IntegerType.get_signless(64), value)


# -- handlers ------------------------------------------------------------------


@dataclass(frozen=True)
class Handler:
    # lower(splitter, op) -> one entry per result: a pair for a complex
    # result, a real ir.Value (replacing it) for a real one.
    lower: Callable
    # check(op) -> None, or what is not supported about this instance.
    check: Callable | None = None


HANDLERS: dict[str, Handler] = {}


def handles(*names: str, check=None):
    def register(fn):
        for n in names:
            HANDLERS[n] = Handler(fn, check)
        return fn

    return register


@handles("stablehlo.constant")
def _constant(s: _Splitter, op):
    re_values, im_values = s.constants[op.results[0]]
    element = part_type(op.results[0].type).element_type
    re = s.b.const(re_values, element)
    im = s.b.const(im_values, element) if np.any(im_values) else None
    return [(re, im)]


@handles("stablehlo.complex")
def _complex(s, op):
    return [(op.operands[0], op.operands[1])]


@handles("stablehlo.real")
def _real(s, op):
    return [s.pair(op.operands[0])[0]]


@handles("stablehlo.imag")
def _imag(s, op):
    return [s.imag(s.pair(op.operands[0]))]


@handles("stablehlo.add", "stablehlo.subtract")
def _add_sub(s, op):
    (a, b), (c, d) = s.pair(op.operands[0]), s.pair(op.operands[1])
    fn = s.b.add if op.operation.name == "stablehlo.add" else s.b.sub
    re = fn(a, c)
    if b is None and d is None:
        im = None
    elif d is None:
        im = b
    elif b is None:
        im = d if fn == s.b.add else s.b.neg(d)
    else:
        im = fn(b, d)
    return [(re, im)]


@handles("stablehlo.multiply")
def _multiply(s, op):
    return [s.math.mul(s.pair(op.operands[0]), s.pair(op.operands[1]))]


@handles("stablehlo.divide")
def _divide(s, op):
    return [s.math.div(s.pair(op.operands[0]), s.pair(op.operands[1]))]


@handles("stablehlo.abs")
def _abs(s, op):
    return [s.math.abs(s.pair(op.operands[0]))]


@handles("stablehlo.exponential")
def _exp(s, op):
    return [s.math.exp(s.pair(op.operands[0]))]


@handles("stablehlo.log")
def _log(s, op):
    return [s.math.log(s.pair(op.operands[0]))]


@handles("stablehlo.sqrt")
def _sqrt(s, op):
    return [s.math.sqrt(s.pair(op.operands[0]))]


@handles("stablehlo.sign")
def _sign(s, op):
    return [s.math.sign(s.pair(op.operands[0]))]


@handles("stablehlo.sine")
def _sine(s, op):
    return [s.math.sin(s.pair(op.operands[0]))]


@handles("stablehlo.cosine")
def _cosine(s, op):
    return [s.math.cos(s.pair(op.operands[0]))]


@handles("stablehlo.tan")
def _tan(s, op):
    return [s.math.tan(s.pair(op.operands[0]))]


@handles("stablehlo.tanh")
def _tanh(s, op):
    return [s.math.tanh(s.pair(op.operands[0]))]


@handles("stablehlo.exponential_minus_one")
def _expm1(s, op):
    return [s.math.expm1(s.pair(op.operands[0]))]


@handles("stablehlo.log_plus_one")
def _log1p(s, op):
    return [s.math.log1p(s.pair(op.operands[0]))]


@handles("stablehlo.logistic")
def _logistic(s, op):
    return [s.math.logistic(s.pair(op.operands[0]))]


@handles("stablehlo.rsqrt")
def _rsqrt(s, op):
    return [s.math.rsqrt(s.pair(op.operands[0]))]


@handles("stablehlo.atan2")
def _atan2(s, op):
    return [s.math.atan2_complex(s.pair(op.operands[0]), s.pair(op.operands[1]))]


# Composites split-complex evaluates itself on complex operands (their CHLO
# decompositions lose the relative accuracy near 0); hlo-coreml-inline-
# composites inlines every other composite on complex tensors.
COMPLEX_COMPOSITES = {"chlo.sinh": "sinh", "chlo.cosh": "cosh"}


def _composite_check(op):
    name = ir.StringAttr(op.attributes["name"]).value
    if name not in COMPLEX_COMPOSITES:
        return f"'{name}' is not supported (hlo-coreml-inline-composites should have inlined it)"
    return None


@handles("stablehlo.composite", check=_composite_check)
def _composite(s, op):
    s.decompositions.add(ir.FlatSymbolRefAttr(op.attributes["decomposition"]).value)
    fn = getattr(s.math, COMPLEX_COMPOSITES[ir.StringAttr(op.attributes["name"]).value])
    return [fn(s.pair(op.operands[0]))]


@handles("stablehlo.iota")
def _iota(s, op):
    """A complex iota counts in the real part; the imaginary part is zero."""
    return [(s.clone_with(op, {}).results[0], None)]


@handles("stablehlo.power")
def _power(s, op):
    return [s.math.power(s.pair(op.operands[0]), s.pair(op.operands[1]))]


def _compare_check(op):
    direction = stablehlo.ComparisonDirectionAttr(op.attributes["comparison_direction"]).value
    if direction not in ("EQ", "NE"):
        return f"with direction {direction} is not defined (complex numbers are not ordered; only EQ and NE)"
    return None


@handles("stablehlo.compare", check=_compare_check)
def _compare(s, op):
    direction = stablehlo.ComparisonDirectionAttr(op.attributes["comparison_direction"]).value
    p, q = s.pair(op.operands[0]), s.pair(op.operands[1])
    re = s.b.compare(p[0], q[0], direction)
    if p[1] is None and q[1] is None:
        return [re]
    im = s.b.compare(s.imag(p), s.imag(q), direction)
    return [s.b.and_(re, im) if direction == "EQ" else s.b.or_(re, im)]


@handles(
    "stablehlo.negate",
    "stablehlo.select",
    "stablehlo.reshape",
    "stablehlo.transpose",
    "stablehlo.broadcast_in_dim",
    "stablehlo.slice",
    "stablehlo.dynamic_slice",
    "stablehlo.dynamic_update_slice",
    "stablehlo.concatenate",
    "stablehlo.pad",
    "stablehlo.reverse",
    "stablehlo.gather",
    "stablehlo.optimization_barrier",
)
def _per_part(s, op):
    """Ops that act on the real and imaginary parts independently and the
    same way: one copy per part (a zero imaginary part stays zero when every
    complex operand's is)."""
    complex_operands = {i: s.pair(v) for i, v in enumerate(op.operands) if is_complex_type(v.type)}
    re_op = s.clone_with(op, {i: p[0] for i, p in complex_operands.items()})
    im_op = None
    if any(p[1] is not None for p in complex_operands.values()):
        im_op = s.clone_with(op, {i: s.imag(p) for i, p in complex_operands.items()})
    outs = []
    for j, result in enumerate(op.results):
        if is_complex_type(result.type):
            outs.append((re_op.results[j], im_op.results[j] if im_op is not None else None))
        else:
            outs.append(re_op.results[j])
    return outs


@handles("stablehlo.convert")
def _convert(s, op):
    target = op.results[0].type
    re, im = s.pair(op.operands[0])
    if is_complex_type(target):
        element = part_type(target).element_type
    else:
        element = ir.RankedTensorType(target).element_type

    def conv(v):
        if v is None or ir.RankedTensorType(v.type).element_type == element:
            return v
        return stablehlo.convert(ir.RankedTensorType.get(ir.RankedTensorType(v.type).shape, element), v)

    if is_complex_type(target):
        return [(conv(re), conv(im))]
    # complex -> real keeps the real part (as XLA does).
    return [conv(re)]


@handles("stablehlo.dot_general", "stablehlo.convolution")
def _bilinear(s, op):
    """(a + ib)(c + id) = (ac - bd) + i(ad + bc), each product the same
    dot_general / convolution on real operands."""
    (a, b), (c, d) = s.pair(op.operands[0]), s.pair(op.operands[1])

    def prod(x, y):
        return s.clone_with(op, {0: x, 1: y}).results[0]

    if b is None and d is None:
        return [(prod(a, c), None)]
    if b is None:
        return [(prod(a, c), prod(a, d))]
    if d is None:
        return [(prod(a, c), prod(b, c))]
    return [(s.b.sub(prod(a, c), prod(b, d)), s.b.add(prod(a, d), prod(b, c)))]


def _reduce_check(op):
    from hlo_coreml.emit.ops_reduce import body_op_name

    if len(op.operands) != 2:
        return "with several inputs is not supported (only a single-input sum or product)"
    if body_op_name(op) not in ("stablehlo.add", "stablehlo.multiply"):
        return "is only supported as a sum or a product (a body that adds or multiplies its two arguments)"
    return None


@handles("stablehlo.reduce", check=_reduce_check)
def _reduce(s, op):
    """A sum: one real sum per part. A product: a real product when both
    imaginary parts are zero (JAX's norm="ortho" scale), else in polar form,
    prod |z| (cos sum arg z + i sin sum arg z), times the init value."""
    from hlo_coreml.emit.ops_reduce import body_op_name

    x, init = s.pair(op.operands[0]), s.pair(op.operands[1])
    dims = [int(v) for v in ir.DenseI64ArrayAttr(op.attributes["dimensions"])]
    result_type = part_type(op.results[0].type)
    if body_op_name(op) == "stablehlo.add":
        re = _reduce_real(x[0], init[0], dims, result_type, stablehlo.add)
        im = None
        if x[1] is not None or init[1] is not None:
            im = _reduce_real(s.imag(x), s.imag(init), dims, result_type, stablehlo.add)
        return [(re, im)]
    if x[1] is None and init[1] is None:
        return [(_reduce_real(x[0], init[0], dims, result_type, stablehlo.multiply), None)]
    b = s.b
    one = b.splat(1.0, ir.RankedTensorType.get([], result_type.element_type))
    zero = b.splat(0.0, ir.RankedTensorType.get([], result_type.element_type))
    magnitude = _reduce_real(s.math.abs(x), one, dims, result_type, stablehlo.multiply)
    angle = _reduce_real(s.math.arg(x), zero, dims, result_type, stablehlo.add)
    product = (b.mul(magnitude, b.cos(angle)), b.mul(magnitude, b.sin(angle)))
    init_b = tuple(
        None if v is None else stablehlo.broadcast_in_dim(result_type, v, []) for v in init
    )
    return [s.math.mul(product, init_b)]


def _reduce_real(x, init, dims, result_type, combine):
    reduce = stablehlo.ReduceOp([result_type], [x], [init], dims)
    scalar = ir.RankedTensorType.get([], result_type.element_type)
    body = reduce.body.blocks.append(scalar, scalar)
    with ir.InsertionPoint(body):
        stablehlo.ReturnOp([combine(body.arguments[0], body.arguments[1])])
    return reduce.results[0]


def _scatter_check(op):
    if len(op.results) != 1:
        return "with several operands is not supported"
    modes = body_modes(op)
    if modes is None or modes[0] not in ("update", "add"):
        return (
            "is only supported with a body that returns the update (`.at[].set`) or adds it (`.at[].add`): "
            "other combiners do not act on the real and imaginary parts separately"
        )
    return None


@handles("stablehlo.scatter", check=_scatter_check)
def _scatter(s, op):
    """set / add act on the parts separately: one real scatter per part
    (none for the imaginary part when the updates have none and the body
    adds, or neither operand nor updates have one)."""
    mode = body_modes(op)[0]
    x, u = s.pair(op.operands[0]), s.pair(op.operands[2])
    t = part_type(op.results[0].type)

    def part(xp, up):
        scatter = stablehlo.ScatterOp([t], [xp], op.operands[1], [up], op.attributes["scatter_dimension_numbers"])
        scatter_body(scatter, mode, t.element_type)
        return scatter.results[0]

    re = part(x[0], u[0])
    if u[1] is None and (mode == "add" or x[1] is None):
        return [(re, x[1])]  # adding zeros / setting zeros into zeros
    return [(re, part(s.imag(x), s.imag(u)))]


@handles("stablehlo.fft", check=check_fft)
def _fft(s, op):
    operand = op.operands[0]
    value = s.pair(operand) if is_complex_type(operand.type) else operand
    return [FftLowering(s.b).lower(op, value)]


@handles("func.return")
def _return(s, op):
    flat = []
    for v in op.operands:
        if is_complex_type(v.type):
            pair = s.pair(v)
            flat += [pair[0], s.imag(pair)]
        else:
            flat.append(v)
    func.ReturnOp(flat)
    return []


def _angle(s, op):
    """atan2(imag z, real z) = angle(z), expanded for emitters without atan2."""
    return [s.b.atan2(op.operands[0], op.operands[1])]


_ANGLE = Handler(_angle)


def _real_part_of_real(s, op):
    """real(x) = x and imag(x) = 0 for a real x (StableHLO allows both on
    float tensors; narrowing f64 leaves them behind)."""
    x = op.operands[0]
    if op.operation.name == "stablehlo.real":
        return [x]
    return [s.b.zeros(x.type)]


_REAL_PART_OF_REAL = Handler(_real_part_of_real)
