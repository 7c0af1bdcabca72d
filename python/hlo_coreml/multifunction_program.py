"""Several functions in one MIL program, exported once (compile_multifunction).

coremltools 9 gives Core ML's I/O rules (`adjust_io_to_supported_types`,
`sanitize_input_output_names`, image preprocessing, the back end's name
sanitizer, optional inputs) only to a function named "main"; that is why its
own `save_multifunction` converts each function on its own and merges the
saved packages. Here each function still runs coremltools' pass pipelines as
"main" (`convert_program(convert_to="milinternal")`: the same passes as
compile(), nothing serialized), then joins one multifunction `Program`
under its own name, and that program is exported once, straight into the
package: no per-function package, no reload, no merge.

Weights are shared as they are made. With `constants=`, both functions'
weight consts hold the caller's very arrays; coremltools' fp16 precision
pass casts each to a new fp16 array (`cast`'s value, computed as the op is
built). While the functions are converted (`casts_shared`), a cast of an
array that an earlier function already cast returns that function's fp16
array instead of a new copy, so the second function never holds a second
set of weights. Then every constant of a new function that
equals one of an earlier function (same dtype, shape and bytes) is
rebound to the earlier function's array, so the new function's copy is
freed at once and the program holds each weight once; at export, constants
holding the same array get one `weight_id`, which coremltools' blob writer
stores once in weight.bin (as `save_multifunction`'s deduplication does).
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import weakref

import numpy as np

from .coreml import coremltools


class FunctionGatherer:
    """Collects converted functions (`add`, the compile() function sink) and
    exports them as one multifunction model (`export`)."""

    def __init__(self, target):
        ct = coremltools()
        from coremltools.converters.mil.mil import Program

        self.target = target
        self.program = Program()
        self.name = None  # the name the next added function gets
        self.interfaces: dict[str, dict] = {}
        self.complex_features: dict[str, list] = {}
        # (dtype, shape, digest of the leading bytes) -> arrays of earlier functions
        self._arrays: dict[tuple, list[np.ndarray]] = {}
        self._ct = ct

    def add(self, program, iface, *, target, precision, pass_pipeline, inputs, show_progress, compression):
        """compile()'s sink: run coremltools' passes on `program` (its one
        function "main"), compress its weights if asked, and add the
        function under `self.name`."""
        from .compiler import convert_program, interface_json

        program = convert_program(program, target, precision, pass_pipeline=pass_pipeline, inputs=inputs,
                                  show_progress=show_progress, convert_to="milinternal")
        if compression is not None:
            from .compression import compress_program

            compress_program(program, compression, show_progress)
        function = program.functions.pop("main")
        del program
        self._share_constants(function)
        # The duplicates dropped (and the passes' intermediate values) sit in
        # reference cycles: free them before the next function's passes.
        gc.collect()
        self.program.add_function(self.name, function)
        self.interfaces[self.name] = json.loads(interface_json(iface))
        self.complex_features[self.name] = [
            (spec.name, spec.complex_of, spec.complex_part, kind)
            for kind, specs in (("input", iface.inputs), ("output", iface.outputs))
            for spec in specs
            if spec.complex_part is not None
        ]

    def _share_constants(self, function) -> None:
        """Rebind each constant of `function` equal to an earlier function's
        to that function's array (the duplicate is dropped)."""
        from coremltools.converters.mil import Builder as mb
        from coremltools.converters.mil.mil import ListVar

        for block, op in _const_ops(function):
            var = op.outputs[0]
            if isinstance(var, ListVar) or not isinstance(var.val, np.ndarray) or var.val.size == 0:
                continue
            value = var.val
            key = (value.dtype.str, value.shape, hashlib.sha1(np.ascontiguousarray(value.reshape(-1)[:64])).hexdigest())
            earlier = self._arrays.setdefault(key, [])
            same = next((a for a in earlier if a is value or np.array_equal(a, value)), None)
            if same is None:
                earlier.append(value)
                continue
            if same is value:
                continue
            with block:
                shared = mb.const(val=same, name=op.name + "_shared", before_op=op)
            block.replace_uses_of_var_after_op(anchor_op=op, old_var=var, new_var=shared, force_replace=True)
            block.remove_ops([op])
            shared.op.name = op.name
            shared.name = var.name

    def export(self, default_function: str):
        """The multifunction MLModel (a temporary package, not loaded)."""
        ct = self._ct
        from coremltools.converters.mil.converter import mil_convert

        program = self.program
        program.default_function_name = default_function
        _set_weight_ids(program)
        program.skip_all_passes = True
        program.export_as_multifunction = True
        model = mil_convert(
            program,
            convert_from="milinternal",
            convert_to="mlprogram",
            specification_version=self.target.value,
            compute_units=ct.ComputeUnit.ALL,
            skip_model_load=True,
        )
        model._mil_program = None  # the weights go as soon as the caller drops `program`
        self.program = None
        self._arrays.clear()
        _describe_complex_features(model, self.complex_features)
        return model


def _const_ops(function):
    """(block, op) of every const op of `function`, nested blocks included."""
    out = []

    def walk(block):
        for op in list(block.operations):
            for nested in op.blocks:
                walk(nested)
            if op.op_type == "const":
                out.append((block, op))

    walk(function)
    return out


def _set_weight_ids(program) -> None:
    """Constants of different functions holding the same array get one
    weight_id (stored once in weight.bin)."""
    holders: dict[int, list] = {}
    arrays = {}
    for function in program.functions.values():
        for _, op in _const_ops(function):
            value = op.outputs[0].val
            if isinstance(value, np.ndarray) and value.size:
                holders.setdefault(id(value), []).append(op)
                arrays[id(value)] = value
    for index, ops in enumerate(ops for ops in holders.values() if len(ops) > 1):
        for op in ops:
            op.weight_id = f"shared_{index}"


def _describe_complex_features(model, complex_features) -> None:
    """Feature descriptions of the halves of complex inputs and outputs, in
    each function's description (as compile() writes them)."""
    spec = model.get_spec()
    changed = False
    for function in spec.description.functions:
        for name, of, part, kind in complex_features.get(function.name, []):
            features = function.input if kind == "input" else function.output
            for feature in features:
                if feature.name == name:
                    feature.shortDescription = f"{'real' if part == 'real' else 'imaginary'} part of complex {kind} '{of}'"
                    changed = True
    if changed:
        model._spec = spec


# Casts of arrays with fewer elements are not worth remembering.
_SHARED_CAST_MIN_SIZE = 1024


@contextlib.contextmanager
def casts_shared():
    """Inside the block, coremltools' `cast` of a constant array that an
    earlier cast in the block already converted to the same dtype returns
    that earlier result (the same object) instead of a new array, as long
    as both arrays are still alive. Nothing is kept alive by it (weak
    references). The patch is process-wide while it lasts (as
    coreml_patches' are)."""
    coremltools()
    from coremltools.converters.mil.mil.ops.defs.iOS15.elementwise_unary import cast

    original = cast.__dict__["get_cast_value"]
    done: dict[tuple, tuple] = {}

    def get_cast_value(cls, input_var, dtype_val):
        source = input_var.val
        if not isinstance(source, np.ndarray) or source.size < _SHARED_CAST_MIN_SIZE:
            return original.__func__(cls, input_var, dtype_val)
        key = (id(source), dtype_val)
        hit = done.get(key)
        if hit is not None:
            source_ref, result_ref = hit
            result = result_ref()
            if source_ref() is source and result is not None:
                return result
        result = original.__func__(cls, input_var, dtype_val)
        if isinstance(result, np.ndarray):
            done[key] = (weakref.ref(source), weakref.ref(result))
        return result

    cast.get_cast_value = classmethod(get_cast_value)
    try:
        yield
    finally:
        cast.get_cast_value = original
