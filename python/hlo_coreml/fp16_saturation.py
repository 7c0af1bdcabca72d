"""Saturating fp16 constants: finite constants beyond fp16's range become
+-65504 where coremltools computes them in fp16, not +-inf.

In FLOAT16 mode coremltools' `common::add_fp16_cast` puts a `cast(fp16)` in
front of every fp32 input of an op it computes in fp16, constants included;
`const_elimination` then folds the cast with NumPy's `astype(float16)`, which
overflows every finite value beyond 65504 to +-inf. coremltools keeps an op
in fp32 when a constant input lies in (65504, 1e38), but treats |x| >= 1e38
as "meant to be infinite" and casts it: `jnp.finfo(float32).min`, Flax's
attention-mask bias, becomes -inf, a fully masked row of attention logits is
then all -inf, and softmax returns NaN where JAX (fp32) returns a uniform
row.

The rule hlo-coreml applies instead: where a constant (or a value computed
from constants only, which coremltools' value inference knows) is cast to
fp16 by the fp16 precision pass, finite values beyond +-65504 saturate to
+-65504 (fp16's largest finite value); +-inf stays +-inf, NaN stays NaN,
everything else is cast as before (including coremltools' guard that turns
tiny nonzero values into the smallest fp16 subnormal). Casts that the
program itself contains (a StableHLO `convert` to f16 in the source) keep
their overflow-to-inf semantics, as in JAX.

Two MIL passes implement this around `common::add_fp16_cast`:
`hlo_coreml::mark_source_casts` (before it) marks the casts the program
already has, and `hlo_coreml::saturate_fp16_constants` (after it, before the
next `const_elimination`) replaces every other fp32 -> fp16 cast of a known
value by the saturated fp16 constant. `with_fp16_saturation(pipeline)`
inserts them around every `common::add_fp16_cast` of a pass pipeline.
"""

from __future__ import annotations

import numpy as np

FP16_MAX = float(np.finfo(np.float16).max)  # 65504

MARK_PASS = "hlo_coreml::mark_source_casts"
SATURATE_PASS = "hlo_coreml::saturate_fp16_constants"
FP16_CAST_PASS = "common::add_fp16_cast"

# Attribute set on the Python objects of the cast ops that exist before
# add_fp16_cast runs (the program's own casts).
_SOURCE_CAST = "_hlo_coreml_source_cast"


def saturate_to_fp16(source: np.ndarray, cast: np.ndarray) -> np.ndarray:
    """`cast` (the fp16 value coremltools computed for the fp32 `source`) with
    every finite source value beyond +-65504 replaced by +-65504."""
    source = np.asarray(source, dtype=np.float32)
    out = np.array(cast, dtype=np.float16)
    over = np.isfinite(source) & (np.abs(source) > FP16_MAX)
    if over.any():
        out[over] = np.copysign(np.float16(FP16_MAX), source[over]).astype(np.float16)
    return out


def _walk(block, visit) -> None:
    for op in list(block.operations):
        for nested in op.blocks:
            _walk(nested, visit)
        visit(block, op)


def _is_fp16_cast(op) -> bool:
    return op.op_type == "cast" and op.inputs["dtype"].val == "fp16"


def _mark(block, op) -> None:
    if _is_fp16_cast(op):
        setattr(op, _SOURCE_CAST, True)


def _saturate(block, op) -> None:
    from coremltools.converters.mil import Builder as mb
    from coremltools.converters.mil.mil import types

    if not _is_fp16_cast(op) or getattr(op, _SOURCE_CAST, False):
        return
    x = op.inputs["x"]
    out = op.outputs[0]
    if x.val is None or x.dtype != types.fp32 or out.val is None:
        return
    from .coreml_patches import within_fp16_range

    source = np.asarray(x.val, dtype=np.float32)
    if source.size and within_fp16_range(source):
        return  # all within range (NaN fails both tests and takes the full check)
    over = np.isfinite(source) & (np.abs(source) > FP16_MAX)
    if not over.any():
        return
    value = saturate_to_fp16(source, out.val)
    with block:
        const = mb.const(val=value if value.ndim else np.float16(value), name=f"{op.name}_saturated", before_op=op)
    block.replace_uses_of_var_after_op(anchor_op=op, old_var=out, new_var=const, force_replace=True)
    block.remove_ops([op])


_registered = False


def register_passes() -> None:
    """Register the two MIL passes with coremltools (once)."""
    global _registered
    if _registered:
        return
    from coremltools.converters.mil.mil.passes.graph_pass import AbstractGraphPass
    from coremltools.converters.mil.mil.passes.pass_registry import PASS_REGISTRY, register_pass

    if MARK_PASS not in PASS_REGISTRY:

        @register_pass(namespace="hlo_coreml")
        class mark_source_casts(AbstractGraphPass):  # noqa: N801 - coremltools names passes in snake case
            """Mark the program's own fp16 casts (before common::add_fp16_cast)."""

            def apply(self, prog):
                for function in prog.functions.values():
                    _walk(function, _mark)

    if SATURATE_PASS not in PASS_REGISTRY:

        @register_pass(namespace="hlo_coreml")
        class saturate_fp16_constants(AbstractGraphPass):  # noqa: N801
            """Fold add_fp16_cast's casts of constants with saturation."""

            def apply(self, prog):
                for function in prog.functions.values():
                    _walk(function, _saturate)

    _registered = True


def with_fp16_saturation(pipeline):
    """A copy of the coremltools `pipeline` with the saturation passes around
    every `common::add_fp16_cast` (the pipeline itself if it has none or
    already has them)."""
    import coremltools as ct

    names = list(pipeline.passes)
    if FP16_CAST_PASS not in names or SATURATE_PASS in names:
        return pipeline
    register_passes()
    out = []
    for name in names:
        if name == FP16_CAST_PASS:
            out += [MARK_PASS, name, SATURATE_PASS]
        else:
            out.append(name)
    copy = ct.PassPipeline(pass_names=out, pipeline_name=pipeline.pipeline_name)
    copy.set_options_by_another_pipeline(pipeline)
    return copy
