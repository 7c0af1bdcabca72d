"""hlo-coreml-raise-complex-expansions: StableHLO's own expansions of complex
functions on complex<f64>, found in a program, back to the op they expand."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from hlo_coreml._mlir import ir, stablehlo

from .registry import ModulePass, register_pass, walk_functions

# Ops `stablehlo-complex-math-expander` expands, which a serialized
# jax.export artifact carries expanded (serialize_portable_artifact targets
# an older StableHLO version and runs the expander): complex<f64> ->
# their expansion's root op.
EXPANDED_OPS = ("stablehlo.log_plus_one", "stablehlo.log", "stablehlo.sqrt", "stablehlo.exponential")

# The pipeline the expansion is regenerated with: the expander, then what
# the program went through before this pass (hlo-coreml-prepare: shape
# refinement's folds, canonicalize, cse).
_REGENERATE = ["func.func(stablehlo-complex-math-expander)", "hlo-coreml-prepare"]


@register_pass
@dataclass(frozen=True)
class RaiseComplexExpansionsPass(ModulePass):
    """Replaces the expansions that `stablehlo-complex-math-expander` makes
    of `log_plus_one`, `log`, `sqrt` and `exponential` on a complex<f64>
    value `z` by the op itself (`stablehlo.log_plus_one %z`, ...).

    A serialized `jax.export` artifact (what hlo-coreml imports for a JAX
    callable) targets an older StableHLO version, and the serializer
    replaces these complex ops by their expansions: up to ~100 real f64
    ops on real(z) and imag(z) whose constants are f64's own (its largest
    finite value 1.8e308, thresholds 1e308 and 1e38, Dekker's split factor
    2^27 + 1). hlo-coreml-narrow-types cannot narrow 1.8e308 (complex128
    log1p was refused), and the narrowed rest is an f64 algorithm run in
    f32 (log's exact products split at 2^27 + 1, which f32 rounds to 2^27).
    Raised back to the op, each is narrowed to complex<f32> and lowered by
    hlo-coreml-split-complex like complex64 (log: 49 MIL ops instead of
    117, sqrt 25 instead of 90).

    ```mlir
    %re = stablehlo.real %z ... %im = stablehlo.imag %z
    ... ~90 ops on tensor<..xf64> with f64 constants ...
    %r = stablehlo.complex %87, %88 : tensor<4xcomplex<f64>>
    ==>
    %r = stablehlo.log_plus_one %z : tensor<4xcomplex<f64>>
    ```

    A candidate is a `stablehlo.complex` of f64 parts; the value `z` whose
    real / imag parts its operands are computed from is its input. The
    match is exact: the expansion of each op on `z`'s type is regenerated
    in a scratch module with the expander (and hlo-coreml-prepare, which
    the program went through) and compared op by op (names, attributes,
    result types, operand structure; constants by value; a default
    `result_accuracy` ignored), so only that expansion is replaced, never a
    computation that merely looks alike. Ops of the expansion nothing else
    uses are erased.

    Afterwards no such expansion remains; everything else is untouched.
    """

    name: ClassVar[str] = "hlo-coreml-raise-complex-expansions"
    summary: ClassVar[str] = (
        "StableHLO's expansions of complex<f64> log_plus_one / log / sqrt / exp (what jax.export serializes) "
        "-> the op itself"
    )

    def run(self, module, pass_) -> None:
        expansions: dict = {}  # (op name, complex type) -> (key, op count) or None
        for function in walk_functions(module):
            roots = []

            def collect(op):
                if op.name == "stablehlo.complex" and _f64_parts(op.results[0].type):
                    roots.append(op)
                return ir.WalkResult.ADVANCE

            function.operation.walk(collect)
            for root in roots:
                _raise(root, expansions)


def _f64_parts(t) -> bool:
    if not isinstance(t, ir.RankedTensorType):
        return False
    element = ir.RankedTensorType(t).element_type
    return isinstance(element, ir.ComplexType) and isinstance(ir.ComplexType(element).element_type, ir.F64Type)


def _raise(root, expansions: dict) -> None:
    z = _input_of(root)
    if z is None or z.type != root.results[0].type:
        return
    for name in EXPANDED_OPS:
        expected = _expansion(name, z.type, expansions)
        if expected is None:
            continue
        key, size = expected
        walk = _Keys(z, budget=size + 8)
        if walk.key(root.results[0]) != key:
            continue
        with ir.InsertionPoint(root), root.location:
            raised = ir.Operation.create(name, results=[z.type], operands=[z])
        root.results[0].replace_all_uses_with(raised.results[0])
        _erase_unused(walk.ops)
        return


def _input_of(root):
    """The complex value whose real / imag parts `root`'s operands are
    computed from (the first one a bounded walk meets), or None."""
    seen, stack = set(), list(root.operands)
    while stack and len(seen) < 512:
        v = stack.pop()
        owner = v.owner
        if isinstance(owner, ir.Block):
            continue
        op = owner.operation if hasattr(owner, "operation") else owner
        if op in seen:
            continue
        seen.add(op)
        if op.name in ("stablehlo.real", "stablehlo.imag") and _f64_parts(op.operands[0].type):
            return op.operands[0]
        stack.extend(op.operands)
    return None


class _Keys:
    """Structural keys of values: the input `z` is a leaf; an op result is
    (op name, attributes, result types, result index, operand keys).
    Attributes and types are uniqued in the context, so equal ones are
    equal objects. Gives up (key None) past `budget` ops or on regions or
    other leaves."""

    def __init__(self, z, budget: int):
        self.z, self.budget = z, budget
        self.memo: dict = {}
        self.ops: list = []

    def key(self, value):
        if value == self.z:
            return ("z",)
        if value in self.memo:
            return self.memo[value]
        owner = value.owner
        if isinstance(owner, ir.Block):
            return None
        op = owner.operation if hasattr(owner, "operation") else owner
        if len(op.regions) or len(self.ops) >= self.budget:
            return None
        if op.name == "stablehlo.constant" and isinstance(
            ir.ShapedType(op.results[0].type).element_type, ir.ComplexType
        ):
            return None  # (the bindings cannot read complex attributes; no expansion has one)
        self.ops.append(op)
        operands = []
        for v in op.operands:
            k = self.key(v)
            if k is None:
                return None
            operands.append(k)
        attributes = tuple(
            (n, op.attributes[n]) for n in sorted(op.attributes) if not _default_accuracy(n, op.attributes[n])
        )
        index = next(i for i, r in enumerate(op.results) if r == value)
        k = (op.name, attributes, tuple(r.type for r in op.results), index, tuple(operands))
        self.memo[value] = k
        return k


def _default_accuracy(name: str, attr) -> bool:
    """`result_accuracy` at its default (the expander writes it, a
    deserialized artifact leaves it out: the same op)."""
    return name == "result_accuracy" and attr == stablehlo.ResultAccuracyAttr.get(
        atol=0.0, rtol=0.0, ulps=0, mode="DEFAULT"
    )


def _expansion(name: str, t, expansions: dict):
    """(key, op count) of the expansion of `name` on a value of type `t`
    (regenerated once per pass run), or None if the expander leaves it."""
    cache_key = (name, t)
    if cache_key in expansions:
        return expansions[cache_key]
    result = None
    with ir.Location.unknown():
        scratch = ir.Module.create()
        with ir.InsertionPoint(scratch.body):
            function_type = ir.FunctionType.get([t], [t])
            f = ir.Operation.create(
                "func.func",
                attributes={"sym_name": ir.StringAttr.get("main"), "function_type": ir.TypeAttr.get(function_type)},
                regions=1,
            )
            block = f.regions[0].blocks.append(t)
            with ir.InsertionPoint(block):
                op = ir.Operation.create(name, results=[t], operands=[block.arguments[0]])
                ir.Operation.create("func.return", operands=[op.results[0]])
    from hlo_coreml.pipeline import run_pipeline

    try:
        run_pipeline(scratch, _REGENERATE)
    except ir.MLIRError:
        expansions[cache_key] = None
        return None
    f = scratch.body.operations[0]
    block = f.regions[0].blocks[0]
    ret = list(block.operations)[-1]
    value = ret.operands[0]
    owner = value.owner
    if not isinstance(owner, ir.Block) and owner.name != name:
        keys = _Keys(block.arguments[0], budget=100_000)
        key = keys.key(value)
        if key is not None:
            result = (key, len(keys.ops))
    expansions[cache_key] = result
    return result


def _erase_unused(ops) -> None:
    """Erase the ops of a replaced expansion that have no uses left (the
    expansion is a DAG: repeat until nothing more is unused)."""
    left = list(ops)
    while True:
        keep, unused = [], []
        for op in left:
            (unused if all(not list(r.uses) for r in op.results) else keep).append(op)
        if not unused:
            return
        for op in unused:
            op.erase()
        left = keep


__all__ = ["RaiseComplexExpansionsPass", "EXPANDED_OPS"]
