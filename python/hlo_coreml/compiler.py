"""compile(): StableHLO in, Core ML MLModel (and optionally .mlpackage) out."""

from __future__ import annotations

import json
import os
import shutil
import tempfile

from . import pipeline as pipelines
from ._mlir import ir, make_context
from .coreml import coremltools, progress_bars, resolve_precision, resolve_target
from .diagnostics import CompileError, LegalizationError, format_all, from_mlir_error
from .emit.program import build_program, find_main, interface_of
from .importer import load

# Written into the model's user-defined metadata so `hlo-coreml run` and
# users can map Core ML features back to the StableHLO signature.
INTERFACE_METADATA_KEY = "hlo_coreml.interface"


def legalize(model, example_args=(), *, pipeline=None, context=None, print_ir_after_all=False):
    """Import `model` and run the legalization pipeline; returns (context,
    module, buffer_name). Raises LegalizationError with formatted diagnostics."""
    context = context or make_context()
    with context, ir.Location.unknown():
        source = load(model, example_args, context=context)
        elements = pipeline if pipeline is not None else [pipelines.DEFAULT_PIPELINE]
        if isinstance(elements, str):
            elements = pipelines.split_pipeline(elements)
        try:
            pipelines.run_pipeline(source.module, elements, print_ir_after_all=print_ir_after_all)
        except ir.MLIRError as e:
            raise LegalizationError(
                "cannot convert to Core ML", format_all(from_mlir_error(e), source.buffer_name)
            ) from None
        except pipelines.PipelineError as e:
            raise CompileError(str(e)) from None
    return context, source.module, source.buffer_name


def compile(  # noqa: A001 - the public name mirrors ct.convert's role
    model,
    *example_args,
    minimum_deployment_target=None,
    compute_precision=None,
    output_path: str | os.PathLike | None = None,
    inputs: list[str] | None = None,
    outputs: list[str] | None = None,
    pass_pipeline=None,
    legalize_pipeline: str | list[str] | None = None,
    show_progress: bool = False,
):
    """Compile a StableHLO program to a Core ML ML program.

    model: a path (.mlir, .mlirbc, serialized jax.export), MLIR text or
        bytes, an `ir.Module`, a `jax.export.Exported`, or a JAX callable
        (then `example_args` give shapes and dtypes, as for jax.export).
    minimum_deployment_target: `ct.target` member or name; default iOS17.
    compute_precision: as in ct.convert (`ct.precision.FLOAT16` default,
        `FLOAT32`, an `FP16ComputePrecision`), or 'fp16' / 'fp32'.
    output_path: if given, the .mlpackage is written there atomically: a
        failed compile leaves nothing behind, and an existing package is
        only replaced by a complete new one.
    inputs / outputs: feature names, in argument / result order; default
        names come from the source (JAX argument names, result paths).
    pass_pipeline: a `ct.PassPipeline` for coremltools' MIL passes.
    legalize_pipeline: our MLIR pipeline (elements or a textual pipeline);
        default `hlo-coreml-legalize-pipeline`.
    show_progress: show coremltools' per-pipeline progress bars.

    Returns a `coremltools.models.MLModel`. Raises `LegalizationError` (a
    `CompileError`) listing every problem with its source location.
    """
    ct = coremltools()
    target = resolve_target(minimum_deployment_target)
    precision = resolve_precision(compute_precision)
    if output_path is not None and not os.fspath(output_path).endswith(".mlpackage"):
        raise CompileError(f"output path must end in .mlpackage: {os.fspath(output_path)}")
    context, module, _ = legalize(model, example_args, pipeline=legalize_pipeline)
    with context, ir.Location.unknown():
        iface = interface_of(find_main(module), inputs, outputs)
        program, iface = build_program(module, target, iface)
    convert_kwargs = dict(
        source="milinternal",
        convert_to="mlprogram",
        minimum_deployment_target=target,
        compute_precision=precision,
        skip_model_load=True,
    )
    if pass_pipeline is not None:
        convert_kwargs["pass_pipeline"] = pass_pipeline
    with progress_bars(show_progress):
        mlmodel = ct.convert(program, **convert_kwargs)
    mlmodel.user_defined_metadata[INTERFACE_METADATA_KEY] = json.dumps(
        {
            "inputs": [_spec_json(s) for s in iface.inputs],
            "outputs": [_spec_json(s) for s in iface.outputs],
        }
    )
    mlmodel.hlo_coreml_interface = iface
    if output_path is not None:
        save_atomically(mlmodel, os.fspath(output_path))
    return mlmodel


def _spec_json(spec) -> dict:
    return {"name": spec.name, "shape": list(spec.shape), "element": spec.element, "io_dtype": spec.io_dtype}


def save_atomically(mlmodel, path: str) -> None:
    """Save to a temporary sibling, then move it into place."""
    path = os.path.abspath(path)
    parent = os.path.dirname(path)
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".hlo-coreml-", dir=parent)
    try:
        staged = os.path.join(staging, os.path.basename(path))
        mlmodel.save(staged)
        if os.path.exists(path):
            old = os.path.join(staging, "previous.mlpackage")
            os.replace(path, old)
        os.replace(staged, path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
