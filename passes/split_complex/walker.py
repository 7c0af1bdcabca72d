"""The walk of hlo-coreml-split-complex over one function: every complex
value gets a (real, imaginary) pair, each op is lowered by its handler
(handlers.py), and a signature with complex arguments or results is split."""

from __future__ import annotations

import numpy as np

from hlo_coreml._mlir import ir

from ..signature_rewrite import function_signature, set_signature, signature_attributes
from .complex_math import ComplexMath, RealBuilder
from .constants import complex_constant_parts, is_complex_type
from .handlers import HANDLERS, SPECIAL

# Argument / result attributes written on a function whose signature was
# split (emit/program.py's `interface_of` reads them to name features):
# the index of the argument or result in the original signature, and for
# the two halves of a complex one, which part it carries.
SOURCE_INDEX_ATTR = "hlo_coreml.source_index"
COMPLEX_PART_ATTR = "hlo_coreml.complex_part"


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
                handler = SPECIAL["angle"]
            elif name in ("stablehlo.real", "stablehlo.imag"):
                handler = SPECIAL["real_of_real"]
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
        inputs, results = function_signature(self.fn)
        if not any(is_complex_type(t) for t in inputs + results):
            return None
        arg_attrs, res_attrs = signature_attributes(self.fn)
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
        set_signature(self.fn, inputs, results, arg_attrs, res_attrs)


def _with_part(base: dict, part: str) -> dict:
    d = dict(base)
    d[COMPLEX_PART_ATTR] = ir.StringAttr.get(part)
    return d


def _i64(value: int) -> ir.Attribute:
    return ir.IntegerAttr.get(ir.IntegerType.get_signless(64), value)
