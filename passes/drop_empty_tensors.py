"""hlo-coreml-drop-empty-tensors: values with no elements disappear.

Core ML has no zero-element tensors (MIL `tile` refuses a zero `reps`,
`slice_by_index` and `concat` mis-infer types around them), yet JAX
produces them routinely: `jnp.pad(x, (0, 2), mode="edge")` broadcasts a
zero-width edge, `jnp.roll` by a multiple of the size concatenates an
empty slice. Every such value is removed before any other legalization.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from hlo_coreml._mlir import ir, stablehlo

from .ir_build import make_constant, shape_of, tensor_type
from .registry import ModulePass, register_pass, walk_functions


def is_empty(value: ir.Value) -> bool:
    """A statically shaped ranked tensor with a zero dim (a `?` dim is
    negative in the bindings, so it never counts)."""
    if not isinstance(value.type, ir.RankedTensorType):
        return False
    return any(d == 0 for d in tensor_type(value).shape)


@register_pass
@dataclass(frozen=True)
class DropEmptyTensorsPass(ModulePass):
    """Rewrites every use of a zero-element tensor, then erases the ops that
    produce them:

    - `concatenate` drops its empty operands (one operand left: the op goes);
    - `pad` of an empty operand is its padding value broadcast to the result;
    - `reduce` over an empty dim gives its init values, broadcast;
    - `dot_general` with an empty contracting dim gives zeros;
    - `dynamic_update_slice` and `scatter` with empty updates return their
      operand unchanged.

    ```mlir
    %e = stablehlo.slice %x [0:3, 0:0] : (tensor<3x3xf32>) -> tensor<3x0xf32>
    %0 = stablehlo.concatenate %x, %e, dim = 1 : (tensor<3x3xf32>, tensor<3x0xf32>) -> tensor<3x3xf32>
    ==>  uses of %0 become %x; the slice is erased
    ```

    Afterwards no op has an operand or a result with a zero dim. Where that
    cannot be done (a function returns an empty tensor, or an op not listed
    above consumes one) the op is reported at its location; so is an empty
    argument of a public function (the model's interface).
    """

    name: ClassVar[str] = "hlo-coreml-drop-empty-tensors"
    summary: ClassVar[str] = "Remove zero-element tensors (empty concat operands, pads/reductions of empty values)"

    def run(self, module, pass_) -> None:
        # Only ops touching an empty value are kept: a handle to an op
        # nested in an op erased below (a reduce body) is never used.
        ops = []

        def visit(op):
            if any(is_empty(v) for v in op.operands) or any(is_empty(r) for r in op.results):
                ops.append(op.operation)
            return ir.WalkResult.ADVANCE

        module.walk(visit)
        erased = set()
        for index, op in enumerate(ops):
            if any(is_empty(r) for r in op.results):
                continue
            rewrite = _REWRITES.get(op.name)
            if rewrite is None:
                continue  # reported below if still there
            with ir.InsertionPoint(op), op.location:
                replacements = rewrite(op)
            for result, new in zip(op.results, replacements):
                result.replace_all_uses_with(new)
            op.erase()
            erased.add(index)
        # Consumers come after producers in `ops` (post-order walk): erase
        # backwards so a chain of dead empty values goes at once. Ops with
        # regions that hold such values themselves (loops) are not erased.
        alive = []
        for index in reversed(range(len(ops))):
            op = ops[index]
            if index in erased:
                continue
            dead = any(is_empty(r) for r in op.results) and all(not list(r.uses) for r in op.results)
            if dead and not (len(op.regions) and op.name not in _REWRITES):
                op.erase()
            else:
                alive.append(op)
        failed = False
        for function in walk_functions(module):
            private = "sym_visibility" in function.attributes and (
                ir.StringAttr(function.attributes["sym_visibility"]).value == "private"
            )
            if not len(function.regions[0].blocks) or private:
                continue  # only public functions (@main) have a model interface
            for index, arg in enumerate(function.regions[0].blocks[0].arguments):
                if is_empty(arg):
                    arg.location.emit_error(
                        f"argument #{index} of @{ir.StringAttr(function.attributes['sym_name']).value} "
                        f"has no elements ({arg.type}); Core ML model inputs cannot be empty"
                    )
                    failed = True
        for op in reversed(alive):
            problem = _problem(op)
            if problem:
                op.location.emit_error(problem)
                failed = True
        if failed:
            pass_.signal_pass_failure()


def _problem(op) -> str | None:
    if op.name == "func.return":
        for index, value in enumerate(op.operands):
            if is_empty(value):
                return (
                    f"result #{index} of the function has no elements ({value.type}); "
                    "Core ML tensors cannot be empty"
                )
        return None
    for value in op.operands:
        if is_empty(value):
            return (
                f"'{op.name}' has an operand with no elements ({value.type}); "
                "Core ML tensors cannot be empty and this op has no rewrite for it"
            )
    return None


def _broadcast(value: ir.Value, result_type) -> ir.Value:
    return stablehlo.BroadcastInDimOp(result_type, value, []).result


def _concatenate(op):
    dim = ir.IntegerAttr(op.attributes["dimension"]).value
    kept = [v for v in op.operands if not is_empty(v)]
    if len(kept) == 1:
        return [kept[0]]
    return [stablehlo.ConcatenateOp(kept, dim).result]


def _pad(op):
    return [_broadcast(op.operands[1], op.results[0].type)]


def _reduce(op):
    n = len(op.results)
    inits = list(op.operands)[n:]
    return [_broadcast(init, r.type) for init, r in zip(inits, op.results)]


def _zeros(op):
    result_type = tensor_type(op.results[0])
    return [make_constant(np.zeros(shape_of(op.results[0])), result_type)]


def _dynamic_update_slice(op):
    return [op.operands[0]]


def _scatter(op):
    n = len(op.results)
    return list(op.operands)[:n]


_REWRITES = {
    "stablehlo.concatenate": _concatenate,
    "stablehlo.pad": _pad,
    "stablehlo.reduce": _reduce,
    "stablehlo.dot_general": _zeros,
    "stablehlo.dot": _zeros,
    "stablehlo.dynamic_update_slice": _dynamic_update_slice,
    "stablehlo.scatter": _scatter,
}
