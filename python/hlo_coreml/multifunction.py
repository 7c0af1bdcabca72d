"""Several JAX functions in one .mlpackage (Core ML multifunction models,
iOS18): prefill and decode of an LLM sharing their weights and their KV
cache states.

    model = hlo_coreml.compile_multifunction(
        {"prefill": (step, prefill_args), "decode": (step, decode_args)},
        states={"k_cache": "new_k_cache", "v_cache": "new_v_cache"},
        outputs=["logits", "new_k_cache", "new_v_cache"],
        output_path="llm.mlpackage",
    )

Each function goes through `compile()`'s option handling, legalization
and emitter, and through coremltools' MIL passes as "main"; the converted
functions then join one multifunction MIL program, which is exported once
into the package (hlo_coreml.multifunction_program): no per-function
packages, no `ct.utils.save_multifunction` merge. A weight both functions
use is held once while they are converted and stored once in weight.bin.
The per-function interfaces (names, shapes, states) are recorded in the
package's metadata under `hlo_coreml.functions`, and
`hlo_coreml.run(model, inputs, function_name=...)` runs one of them.
"""

from __future__ import annotations

import gc
import json
import os

from . import staging
from .coreml import coremltools, progress_bars
from .coreml_patches import deterministic_mil_names
from .diagnostics import CompileError

FUNCTIONS_METADATA_KEY = "hlo_coreml.functions"
MULTIFUNCTION_TARGET = "iOS18"
_RESERVED = ("output_path",)
# compile()'s metadata options: given once, for the package.
_METADATA = ("author", "version", "short_description", "description", "license", "user_defined_metadata")


def compile_multifunction(
    functions: dict,
    *,
    output_path: str | os.PathLike,
    default_function: str | None = None,
    minimum_deployment_target=MULTIFUNCTION_TARGET,
    show_progress: bool = False,
    **compile_kwargs,
):
    """Compile several functions into one multifunction .mlpackage.

    functions: {name: (fn, example_args)} or {name: (fn, example_args,
        {per-function compile() options})}; `fn` and `example_args` as for
        `compile()` (a JAX callable, or an exported/serialized module with
        `()`). Names are the Core ML function names (identifiers).
    output_path: the .mlpackage to write (required: the model is
        returned as that saved package).
    default_function: the function Core ML runs when the app names none
        (default: the first).
    minimum_deployment_target: iOS18 or newer (multifunction models and
        states need it).
    compile_kwargs: options every function is compiled with (states=,
        inputs=, outputs=, compute_precision=, weight_compression=, ...);
        per-function options override them.

    Returns the merged model as a `coremltools.models.MLModel` (not
    loaded: Core ML does not run on Linux); its
    `hlo_coreml_functions` attribute maps each name to its interface.
    """
    ct = coremltools()
    from .compiler import compile as compile_one
    from .interface import _target_at_least
    from .coreml import resolve_target

    if not isinstance(functions, dict) or not functions:
        raise CompileError("functions must be a non-empty dict {name: (fn, example_args)}")
    target = resolve_target(minimum_deployment_target)
    if not _target_at_least(target, MULTIFUNCTION_TARGET):
        raise CompileError(
            f"multifunction models need minimum_deployment_target {MULTIFUNCTION_TARGET} (macOS15) or newer, "
            f"the target is {target.name}"
        )
    for key in _RESERVED:
        if key in compile_kwargs:
            raise CompileError(f"compile_multifunction: give {key} once, not per function")
    metadata = {key: compile_kwargs.pop(key) for key in _METADATA if key in compile_kwargs}
    target_path = staging.check_output_path(output_path)
    names = list(functions)
    for name in names:
        if not isinstance(name, str) or not name.isidentifier():
            raise CompileError(f"function name {name!r} is not an identifier")
    default_function = names[0] if default_function is None else default_function
    if default_function not in functions:
        raise CompileError(f"default_function '{default_function}' is not one of {', '.join(names)}")

    with staging.signals_clean_up(), deterministic_mil_names():
        folder = staging.new_staging(staging.stage_parent(target_path))
        try:
            interfaces = _compile_and_merge(
                ct, compile_one, functions, names, default_function, target, folder, target_path,
                show_progress, compile_kwargs, metadata,
            )
        finally:
            staging.remove(folder)
    model = ct.models.MLModel(target_path, skip_model_load=True)
    model.hlo_coreml_functions = interfaces
    return model


def _compile_and_merge(ct, compile_one, functions, names, default_function, target, folder, target_path,
                       show_progress, compile_kwargs, metadata) -> dict:
    """Build each function's MIL program (compile()'s option handling,
    legalization and emitter) and run coremltools' passes on it, gather
    the functions in one MIL program, export that once into `folder` with
    the package's `metadata` (compile()'s metadata options) and move the
    package to `target_path`; returns {name: interface}."""
    from .interface import set_metadata

    from .compiler import function_sink
    from .multifunction_program import FunctionGatherer, casts_shared

    gatherer = FunctionGatherer(target)
    token = function_sink.set(gatherer.add)
    try:
        with casts_shared():
            for name in names:
                fn, args, own = _unpack(name, functions[name])
                gatherer.name = name
                compile_one(fn, *args, minimum_deployment_target=target, show_progress=show_progress,
                            **{**compile_kwargs, **own})
    finally:
        function_sink.reset(token)
    interfaces = gatherer.interfaces
    with progress_bars(show_progress), staging.coremltools_temp_files(folder):
        model = gatherer.export(default_function)
        del gatherer
        # The exported MIL program holds the weights in reference cycles:
        # collect them now, not at some later full collection.
        gc.collect()
        description = metadata.get("short_description", metadata.get("description"))
        set_metadata(
            model,
            author=metadata.get("author"),
            version=metadata.get("version"),
            short_description=description,
            license=metadata.get("license"),
            user_defined_metadata=metadata.get("user_defined_metadata"),
        )
        model.user_defined_metadata[FUNCTIONS_METADATA_KEY] = json.dumps(interfaces)
        final = os.path.join(folder, "final.mlpackage")
        model.save(final)
    staging.move_into_place(final, target_path, folder)
    return interfaces


def _unpack(name, entry):
    if not isinstance(entry, (tuple, list)) or len(entry) not in (2, 3):
        raise CompileError(f"function '{name}': expected (fn, example_args) or (fn, example_args, options)")
    fn, args = entry[0], entry[1]
    own = dict(entry[2]) if len(entry) == 3 else {}
    for key in _RESERVED + _METADATA:
        if key in own:
            raise CompileError(f"function '{name}': {key} is given once for the package")
    return fn, tuple(args), own


def function_interfaces(model) -> dict:
    """{function name: interface json} recorded by compile_multifunction
    (empty for a single-function model)."""
    text = model.user_defined_metadata.get(FUNCTIONS_METADATA_KEY) if hasattr(model, "user_defined_metadata") else None
    return json.loads(text) if text else {}
