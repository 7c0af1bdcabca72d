"""compile(): StableHLO in, Core ML MLModel (and optionally .mlpackage) out."""

from __future__ import annotations

import contextvars
import gc
import json
import os
import re

from . import pipeline as pipelines
from . import staging
from ._mlir import ir, make_context
from .coreml import coremltools, progress_bars, resolve_precision, resolve_target
from .compression import compress as compress_weights
from .compression import resolve as resolve_compression
from .coreml_fast_paths import save_moving_temporary_package
from .coreml_patches import (
    compile_time_values_bounded,
    concat_float_symbols_removed,
    conv_bias_fusion_guarded,
    deterministic_mil_names,
    fp16_overflow_warnings_hidden,
    mil_pass_overhead_removed,
    refer_to_package,
    reshape_merges_within_blocks,
    validate_program,
)
from .diagnostics import CompileError, Diagnostic, LegalizationError, OpRefused, format_all, from_mlir_error, source_position
from .fp16_saturation import with_fp16_saturation
from .emit.program import build_program, find_main, interface_of
from .flexible import check_arguments, check_enumerated, flexible_json, tensor_types
from .flexible import resolve as resolve_flexible
from .importer import _main_of as _main_or_none
from .importer import argument_names, load
from .constants import split_constants
from .interface import IORequest, apply_io_requests, check_io_requests, image_types, io_requests, resolve_states, set_metadata

# Written into the model's user-defined metadata so `hlo-coreml run` and
# users can map Core ML features back to the StableHLO signature.
INTERFACE_METADATA_KEY = "hlo_coreml.interface"

# compile_multifunction (hlo_coreml.multifunction) converts several functions
# into one package. While it sets a callable here, compile() checks the
# options, legalizes and builds the MIL program as always, then returns
# sink(program, iface, **conversion settings) instead of converting and
# saving the function on its own.
function_sink: contextvars.ContextVar = contextvars.ContextVar("hlo_coreml_function_sink", default=None)


def legalize(
    model,
    example_args=(),
    *,
    pipeline=None,
    context=None,
    print_ir_after_all=False,
    max_unroll=None,
    target=None,
    raise_fused_ops=True,
    specialize=None,
    check_source=None,
    static_argnums=None,
    static_argnames=None,
):
    """Import `model` and run the legalization pipeline; returns (context,
    module, buffer_name). Raises LegalizationError with formatted diagnostics.

    `specialize` ({argument name or index: shape}) fixes dynamic dimensions
    of the arguments before shape refinement (see importer.load);
    `check_source(module)`, if given, runs on the imported module before
    any pass (compile() checks the requested input shapes there).

    `max_unroll` (if not None) becomes the `max-unroll` option of every
    hlo-coreml-unroll-while in the pipeline; `target` (a deployment target
    name) and `raise_fused_ops` become the `target` / `enable` options of
    hlo-coreml-raise-fused-ops."""
    context = context or make_context()
    with context, ir.Location.unknown():
        source = load(
            model,
            example_args,
            context=context,
            specialize=specialize,
            static_argnums=static_argnums,
            static_argnames=static_argnames,
        )
        if check_source is not None:
            check_source(source.module)
        elements = pipeline if pipeline is not None else [pipelines.DEFAULT_PIPELINE]
        try:
            if isinstance(elements, str):
                elements = pipelines.split_pipeline(elements)
            elif not isinstance(elements, (list, tuple)) or not all(isinstance(e, str) for e in elements):
                raise pipelines.PipelineError(
                    f"a pipeline is a textual pass pipeline or a list of its elements, got {elements!r}"
                )
        except pipelines.PipelineError as e:
            raise CompileError(f"legalize_pipeline: {e}") from None
        if max_unroll is not None:
            elements = with_max_unroll(elements, max_unroll)
        if target is not None or not raise_fused_ops:
            elements = with_raise_options(elements, target, raise_fused_ops)
        try:
            pipelines.run_pipeline(source.module, elements, print_ir_after_all=print_ir_after_all)
        except ir.MLIRError as e:
            raise LegalizationError(
                "cannot convert to Core ML", format_all(from_mlir_error(e), source.buffer_name)
            ) from None
        except pipelines.PipelineError as e:
            raise CompileError(str(e)) from None
    return context, source.module, source.buffer_name


_UNROLL_PASS = "hlo-coreml-unroll-while"
_RAISE_PASS = "hlo-coreml-raise-fused-ops"


def set_pass_options(elements: list[str], pass_name: str, options: dict[str, str]) -> list[str]:
    """`elements` (named pipelines expanded) with `options` set on every
    occurrence of `pass_name`, replacing values it already had."""
    try:
        expanded = pipelines.expand(list(elements))
    except pipelines.PipelineError as e:
        raise CompileError(str(e)) from None
    out = []
    for element in expanded:
        name, brace, rest = element.partition("{")
        if name.strip() != pass_name:
            out.append(element)
            continue
        kept = [o for o in re.split(r"[,\s]+", rest.rstrip("}")) if o] if brace else []
        kept = [o for o in kept if o.partition("=")[0] not in options]
        merged = kept + [f"{key}={value}" for key, value in options.items()]
        out.append(f"{pass_name}{{{','.join(merged)}}}" if merged else pass_name)
    return out


def with_max_unroll(elements: list[str], max_unroll: int) -> list[str]:
    """`elements` with `max-unroll=N` set on every hlo-coreml-unroll-while."""
    if isinstance(max_unroll, bool) or not isinstance(max_unroll, int) or max_unroll < 0:
        raise CompileError(f"max_unroll must be a non-negative integer, got {max_unroll!r}")
    return set_pass_options(elements, _UNROLL_PASS, {"max-unroll": str(max_unroll)})


def with_raise_options(elements: list[str], target: str | None, enable: bool) -> list[str]:
    """`elements` with the deployment target and on/off set on every
    hlo-coreml-raise-fused-ops."""
    options = {}
    if target is not None:
        options["target"] = target
    if not enable:
        options["enable"] = "false"
    return set_pass_options(elements, _RAISE_PASS, options)


def compile(  # noqa: A001 - the public name mirrors ct.convert's role
    model,
    *example_args,
    minimum_deployment_target=None,
    compute_precision=None,
    output_path: str | os.PathLike | None = None,
    inputs: list | None = None,
    outputs: list | None = None,
    states: dict[str, str] | None = None,
    specialize: dict | None = None,
    flexible: dict | None = None,
    pass_pipeline=None,
    legalize_pipeline: str | list[str] | None = None,
    show_progress: bool = False,
    max_unroll: int | None = None,
    raise_fused_ops: bool = True,
    static_argnums: int | tuple[int, ...] | None = None,
    static_argnames: str | tuple[str, ...] | None = None,
    author: str | None = None,
    version: str | None = None,
    short_description: str | None = None,
    description: str | None = None,
    license: str | None = None,  # noqa: A002 - the MLModel attribute's name
    user_defined_metadata: dict[str, str] | None = None,
    weight_compression=None,
    constants=None,
):
    """Compile a StableHLO program to a Core ML ML program.

    model: a path (.mlir, .mlirbc, serialized jax.export), MLIR text or
        bytes, an `ir.Module`, a `jax.export.Exported`, or a JAX callable
        (then `example_args` give shapes and dtypes, as for jax.export:
        arrays or `jax.ShapeDtypeStruct`s, or pytrees of them).
    static_argnums / static_argnames: as in `jax.jit`: those example
        arguments are Python values fixed at compile time (they are not
        model inputs). A `jax.jit`-wrapped function's own static arguments
        count too. Pass their values positionally in `example_args`.
    minimum_deployment_target: `ct.target` member or name (iOS15 / macOS12
        up to the newest coremltools knows); default iOS17.
    compute_precision: as in ct.convert: `ct.precision.FLOAT16` (default;
        with hlo-coreml's precision rule, which keeps overflow-prone ops in
        fp32: see hlo_coreml.precision), `FLOAT32`, or an
        `FP16ComputePrecision(op_selector=...)`; or 'fp16' / 'fp32' /
        'fp16-all' (every op in fp16, no rule).
    output_path: if given, the .mlpackage is written there atomically: a
        failed or interrupted compile leaves nothing behind, and an existing
        package is only replaced by a complete new one. Anything at that
        path other than a Core ML package (a file, a folder without
        Manifest.json, a symbolic link) is refused, never replaced. The
        returned model then refers to the saved package.
    inputs / outputs: one entry per argument / result, in order (a shorter
        list leaves the rest at their defaults): a feature name, None, a
        `ct.TensorType(name=, dtype=, shape=)` (dtype np.float16 / float32
        for fp16 / fp32 I/O, cast inside; fp16 I/O needs iOS16+; a static
        shape specializes a dynamic argument), or for inputs a
        `ct.ImageType`. Default names come from the source (JAX argument
        names and pytree paths, `jax.result_info`, argument locations).
    states: {input name: output name}: the input becomes a Core ML state
        (iOS18+, fp16 only) and the output its update, instead of an
        input/output pair (a KV cache, a running statistic).
    specialize: {argument name or index: shape}: fix the symbolic
        dimensions of a jax.export with shape polymorphism.
    flexible: {argument name or index: shape}: keep them flexible instead;
        a shape is a tuple of ints and `ct.RangeDim`s, or a
        `ct.EnumeratedShapes` (the same as `inputs=[ct.TensorType(name=,
        shape=...)]`, keyed like `specialize`). Only the export's symbolic
        (`?`) dims may vary; see README "Shapes" for the ops that accept them.
    author, version, short_description (or description), license,
        user_defined_metadata: model metadata, as on `MLModel`.

    Complex arguments and results: Core ML has no complex type, so a
    complex argument `x` becomes two float inputs, `x_real` and `x_imag`,
    in its place (a complex result likewise two outputs); `inputs` /
    `outputs` name the original arguments / results and get the same
    suffixes. The mapping is recorded in the interface metadata
    (`complex_of`, `complex_part` on each such feature, also in
    `model.hlo_coreml_interface`) and in the features' descriptions.
    Complex values used only inside the program change nothing.
    pass_pipeline: a `ct.PassPipeline` for coremltools' MIL passes (the
        fp16 constant saturation passes are added around its
        `common::add_fp16_cast`; see hlo_coreml.fp16_saturation).
    legalize_pipeline: our MLIR pipeline (elements or a textual pipeline);
        default `hlo-coreml-legalize-pipeline`.
    show_progress: show coremltools' per-pipeline progress bars.
    max_unroll: loops (lax.scan, fori_loop, nnx.scan) with a static trip
        count up to this are unrolled (default 256); longer ones, and loops
        whose trip count is not static, become a MIL `while_loop`.
    weight_compression: "int8", "int4-block32" (iOS18+), "palettize4" or a
        `ct.optimize.coreml.OptimizationConfig`: compress the float weights
        at conversion with coremltools' configs (see
        hlo_coreml.compression); weights quantized in JAX are stored as
        small integers without it (hlo-coreml-fold-dequantize).
    raise_fused_ops: recognize softmax, layer/RMS/L2 norm, GELU, SiLU,
        sigmoid and (iOS18+) attention and emit Core ML's fused ops for
        them (default); False keeps the primitive ops (for debugging and
        comparing numerics).

    constants: for a JAX function, the example argument holding the model's
        weights (the object itself, as in `compile(fn, params, x,
        constants=params)`, or its position, or a list of positions): a
        pytree (dict of arrays, Flax variables, `nnx.split` state,
        `eqx.partition` arrays). Its arrays become constants of the Core
        ML model straight from the caller's memory, never copied into the
        StableHLO module; the model's inputs are the other arguments
        (`inputs=` names those). See hlo_coreml.constants.

    Returns a `coremltools.models.MLModel`. Every problem with the model or
    the options raises a `CompileError` (`LegalizationError` lists every
    problem with its source location); see docs/errors.md.
    """
    target = resolve_target(minimum_deployment_target)
    precision = resolve_precision(compute_precision)
    # Refused before any work if writing there could lose user data.
    path = staging.check_output_path(output_path) if output_path is not None else None
    in_requests = io_requests(inputs, "inputs")
    out_requests = io_requests(outputs, "outputs")
    check_io_requests(in_requests + out_requests, states, target)
    compression = resolve_compression(weight_compression, target)
    bound = None
    arg_requests = in_requests
    if constants is not None:
        example_args, bound = split_constants(model, example_args, constants)
        # Requests by @main argument: the constants' arguments get none.
        pending = iter(in_requests)
        arg_requests = [
            IORequest() if i in bound.arrays else next(pending, IORequest()) for i in range(bound.leaves)
        ]
    specialize = dict(specialize or {})
    for index, request in enumerate(arg_requests):
        if request.static_shape is not None:
            specialize.setdefault(index, request.static_shape)

    def check_shapes(module):
        main = _main_or_none(module)
        if main is not None:
            names = argument_names(main)
            if bound is not None and len(names) != bound.leaves:
                raise CompileError(
                    f"constants=: the export has {len(names)} arguments for {bound.leaves} argument leaves"
                )
            resolve_flexible(dict(flexible or {}), names, arg_requests)
            check_enumerated(arg_requests, target)
            check_arguments(main, names, arg_requests, set(specialize))

    with staging.signals_clean_up(), deterministic_mil_names():
        # Every file this compile makes (coremltools' included) goes into one
        # staging folder: next to the output, or in the system temp folder.
        folder = staging.new_staging(staging.stage_parent(path) if path is not None else None)
        keep = False
        try:
            mlmodel = _compile_in(
                folder,
                model,
                example_args,
                target=target,
                precision=precision,
                in_requests=in_requests,
                arg_requests=arg_requests,
                bound=bound,
                out_requests=out_requests,
                check_shapes=check_shapes,
                states=states,
                specialize=specialize,
                static_argnums=static_argnums,
                static_argnames=static_argnames,
                pass_pipeline=pass_pipeline,
                legalize_pipeline=legalize_pipeline,
                show_progress=show_progress,
                max_unroll=max_unroll,
                raise_fused_ops=raise_fused_ops,
                compression=compression,
            )
            if function_sink.get() is not None:
                return mlmodel  # compile_multifunction converts and saves
            set_metadata(
                mlmodel,
                author=author,
                version=version,
                short_description=short_description if short_description is not None else description,
                license=license,
                user_defined_metadata=user_defined_metadata,
            )
            if path is not None:
                save_atomically(mlmodel, path, folder)
            else:
                # The returned model's package lives in the staging folder
                # until the model is garbage collected (or the process exits).
                keep = True
                staging.remove_with(mlmodel, folder)
        finally:
            if not keep:
                staging.remove(folder)
    return mlmodel


def _compile_in(folder, model, example_args, *, target, precision, in_requests, arg_requests, bound, out_requests, check_shapes,
                states, specialize, static_argnums, static_argnames, pass_pipeline, legalize_pipeline,
                show_progress, max_unroll, raise_fused_ops, compression):
    """compile()'s work once the options are checked: legalize, emit,
    ct.convert (and weight compression) with coremltools' temporary files in
    `folder`. `arg_requests` are the input requests by @main argument (none
    for the arguments `bound` binds as constants)."""
    context, module, buffer_name = legalize(
        model,
        example_args,
        pipeline=legalize_pipeline,
        max_unroll=max_unroll,
        target=target.name,
        raise_fused_ops=raise_fused_ops,
        specialize=specialize,
        check_source=check_shapes,
        static_argnums=static_argnums,
        static_argnames=static_argnames,
    )
    with context, ir.Location.unknown():
        iface = interface_of(find_main(module), [r.name for r in arg_requests], [r.name for r in out_requests])
        apply_io_requests(iface, arg_requests, out_requests, target)
        state_map = resolve_states(iface, states)
        try:
            program, iface = build_program(
                module, target, iface, states=state_map, constants=bound.arrays if bound is not None else None
            )
        except OpRefused as e:
            diagnostic = Diagnostic("error", str(e), source_position(e.location))
            raise LegalizationError("cannot convert to Core ML", diagnostic.format(buffer_name)) from None
    # The MIL program now holds the weights (views of the MLIR constants,
    # which keep their storage alive as long as a const op uses them); the
    # module and context go as soon as coremltools drops those consts (its
    # fp16 casts replace them), not when compile() returns.
    del module, context
    sink = function_sink.get()
    if sink is not None:
        with staging.coremltools_temp_files(folder):
            return sink(program, iface, target=target, precision=precision, pass_pipeline=pass_pipeline,
                        inputs=image_types(iface, in_requests) + tensor_types(iface), show_progress=show_progress,
                        compression=compression)
    with staging.coremltools_temp_files(folder):
        mlmodel = convert_program(
            program,
            target,
            precision,
            pass_pipeline=pass_pipeline,
            inputs=image_types(iface, in_requests) + tensor_types(iface),
            show_progress=show_progress,
        )
        if compression is not None:
            with progress_bars(show_progress):
                mlmodel = compress_weights(mlmodel, compression, show_progress)
    mlmodel.user_defined_metadata[INTERFACE_METADATA_KEY] = interface_json(iface)
    mlmodel.hlo_coreml_interface = iface
    _describe_complex_features(mlmodel, iface)
    return mlmodel


def interface_json(iface) -> str:
    """The interface metadata (INTERFACE_METADATA_KEY) of `iface`."""
    return json.dumps(
        {
            "inputs": [_spec_json(s) for s in iface.inputs],
            "outputs": [_spec_json(s) for s in iface.outputs],
        }
    )


def convert_program(program, target, precision, *, pass_pipeline=None, inputs=(), show_progress=False,
                    convert_to="mlprogram"):
    """`ct.convert` of a MIL program the way compile() runs it: the default
    MIL pass pipeline (SKIPPED_MIL_PASSES removed) or `pass_pipeline`, with
    the fp16 saturation passes; coremltools' conversion-time overheads
    removed (coreml_patches); the result validated once. Returns the
    MLModel (not loaded); with convert_to="milinternal", the MIL program
    after the same passes and coremltools' ML program back-end passes,
    ready to export (nothing serialized)."""
    ct = coremltools()
    convert_kwargs = dict(
        source="milinternal",
        convert_to=convert_to,
        minimum_deployment_target=target,
        compute_precision=precision,
        skip_model_load=True,
    )
    if pass_pipeline is None:
        pass_pipeline = default_pass_pipeline(ct)
    # Constants cast to fp16 saturate at +-65504 instead of overflowing to
    # inf (hlo_coreml.fp16_saturation); FLOAT32 removes add_fp16_cast and
    # with it the reason for these passes.
    convert_kwargs["pass_pipeline"] = with_fp16_saturation(pass_pipeline)
    if convert_to == "milinternal":
        convert_kwargs["pass_pipeline"] = with_backend_passes(convert_kwargs["pass_pipeline"])
    if inputs:
        convert_kwargs["inputs"] = list(inputs)
    # ct.convert calls gc.collect() several times; with jax (and torch)
    # loaded each full collection costs ~0.1 s. Freezing the objects that
    # exist now makes those collections cheap without changing behaviour.
    gc.freeze()
    try:
        with (
            progress_bars(show_progress),
            mil_pass_overhead_removed(),
            fp16_overflow_warnings_hidden(),
            concat_float_symbols_removed(),
            conv_bias_fusion_guarded(),
            reshape_merges_within_blocks(),
            compile_time_values_bounded(),
        ):
            mlmodel = ct.convert(program, **convert_kwargs)
    finally:
        gc.unfreeze()
    validate_program(mlmodel if convert_to == "milinternal" else mlmodel._mil_program)
    return mlmodel


def with_backend_passes(pipeline):
    """A copy of `pipeline` followed by coremltools' ML program back-end
    passes (as ct.convert to "mlprogram" runs them after it: options taken
    from `pipeline`, passes it skips skipped there too)."""
    ct = coremltools()
    from coremltools.converters.mil.converter import _construct_other_pipelines

    _, backend = _construct_other_pipelines(pipeline, "milinternal", "mlprogram")
    copy = ct.PassPipeline(pass_names=list(pipeline.passes) + list(backend.passes), pipeline_name=pipeline.pipeline_name)
    copy.set_options_by_another_pipeline(pipeline)
    copy.set_options_by_another_pipeline(backend)
    return copy


# coremltools 9.0 passes that break programs, skipped:
# - fuse_elementwise_to_batchnorm makes fp32 mean/variance next to fp16 x and
#   gamma, which every target rejects ("the named input `mean` must have the
#   same data type as the named input `x`");
# - add_int16_cast (fp16 compute, iOS17+) casts the int32 data and indices of
#   gather/gather_along_axis/gather_nd/squeeze/topk to int16 or uint16. For a
#   value that is not a constant it does not check the range, and it keeps
#   the last constant's choice of uint16: -2 gathered as uint16 came back as
#   65534 (fuzz seed 160: `lax.top_k(x_i32, 2)` at fp16), and any int32 above
#   32767 would wrap. Only a Neural Engine preference, never a correctness need.
SKIPPED_MIL_PASSES = ("common::fuse_elementwise_to_batchnorm", "common::add_int16_cast")


def default_pass_pipeline(ct):
    """ct.PassPipeline.DEFAULT without SKIPPED_MIL_PASSES."""
    pipeline = ct.PassPipeline.DEFAULT
    pipeline.remove_passes(SKIPPED_MIL_PASSES)
    return pipeline


def _spec_json(spec) -> dict:
    out = {"name": spec.name, "shape": spec.shape_json(), "element": spec.element, "io_dtype": spec.io_dtype}
    if spec.flexible is not None:
        out["flexible"] = flexible_json(spec.flexible)
    if spec.complex_part is not None:
        # One half of a complex argument/result split by hlo-coreml-split-complex.
        out["complex_of"] = spec.complex_of
        out["complex_part"] = spec.complex_part
    if spec.state is not None:
        # A Core ML state (input) or the output that updates it.
        out["state"] = spec.state
    if spec.original_shape is not None:
        # A rank > 5 argument / result whose leading dims travel merged
        # (`shape`); hlo_coreml.run accepts and returns this shape.
        out["original_shape"] = list(spec.original_shape)
    return out


def _describe_complex_features(mlmodel, iface) -> None:
    """Feature descriptions for the halves of complex inputs and outputs."""
    for kind, specs, descriptions in (
        ("input", iface.inputs, mlmodel.input_description),
        ("output", iface.outputs, mlmodel.output_description),
    ):
        for spec in specs:
            if spec.complex_part is not None:
                part = "real" if spec.complex_part == "real" else "imaginary"
                descriptions[spec.name] = f"{part} part of complex {kind} '{spec.complex_of}'"


def save_atomically(mlmodel, path: str, folder: str) -> None:
    """Save into the staging folder `folder`, then rename into place (see
    hlo_coreml.staging); the model then refers to the saved package, and its
    temporary package (inside `folder`) goes with the folder."""
    staged = os.path.join(folder, os.path.basename(path))
    with staging.coremltools_temp_files(folder):
        try:
            save_moving_temporary_package(mlmodel, staged)
        except OSError as e:
            raise CompileError(f"cannot write {path}: {e.strerror or e}") from None
    staging.move_into_place(staged, path, folder)
    refer_to_package(mlmodel, path)
