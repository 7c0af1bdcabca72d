"""Conversion-time replacements of coremltools internals that cost time or
print noise without changing the converted model, or that bound its memory
(compile_time_values_bounded). Each is installed only for the duration of
`ct.convert` or of building the MIL program, and restored after.

coremltools 9.0 is pinned (pyproject); these are checked by
test/python/test_mil_pass_overhead.py against its behaviour."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import warnings

import numpy as np

from . import fast_paths
from .coreml import coremltools

# Largest finite fp16 value.
FP16_MAX = 65504.0


def _fast_fp16_overflow(original):
    """coremltools' `FP16ComputePrecision.fp16_overflow(op)` (does an fp32
    const input hold a finite value beyond fp16's range?) takes |x|, the
    indices of |x| < 1e38 and a gather of them, for every use of every
    constant: 4 s of GPT-2-small's conversion. When each fp32 const input
    lies within +-65504 (one min and one max, no temporaries) the answer is
    False; otherwise the original decides. Same answer, always."""

    def fp16_overflow(op) -> bool:
        for inputs in op.inputs.values():
            for var in inputs if isinstance(inputs, (list, tuple)) else [inputs]:
                if var.op is not None and var.op.op_type == "const" and var.is_tensor_or_scalar_of(dtype="fp32"):
                    value = np.asarray(var.op.val.val)
                    if value.size and not (value.max() <= FP16_MAX and value.min() >= -FP16_MAX):
                        return original(op)
        return False

    return staticmethod(fp16_overflow)


def _fast_propagate_nonreplaceable_vars(original):
    """coremltools' `Block._propagate_nonreplaceable_vars` runs at every
    block exit (each graph pass opens the block again) and recomputes, for
    every var of the whole program, the set of `constexpr_*` vars upstream
    of it: a set union per op output, ~100 times per conversion (27% of an
    unrolled scan's conversion, 16 of 29 s for an unrolled 32x32 LU). Those
    sets can only be non-empty downstream of a `constexpr_*` op. One cheap
    walk finds whether the program has such an op or a var that still
    carries a non-empty set; only then does the original run. Otherwise
    every set is empty before and after: the same result, always."""

    def needs_propagation(block) -> bool:
        # type(op).__name__ and _output_vars are what the op_type and
        # outputs properties return, without the property calls (this walk
        # runs ~100 times over every op).
        for op in block.operations:
            if type(op).__name__.startswith("constexpr_"):
                return True
            for inner in op.blocks:
                if needs_propagation(inner):
                    return True
            for var in op._output_vars or ():
                if var._nonreplaceable_vars_upstream:
                    return True
        return False

    def propagate(self):
        if needs_propagation(self):
            original(self)

    return propagate


def _concat_without_float_symbols(original):
    """coremltools 9.0's `concat.value_inference` stands a fresh symbol in
    for each element of a small (<= 10 elements) non-constant input, to
    track shape arithmetic. On float tensors that symbolic value leaks:
    a `slice_by_index` that keeps only the constant part of such a concat
    gets an object-dtype value, `const_elimination` turns it into an int32
    constant, and the next op fails ("constant_val has dtype fp32 whereas x
    has dtype int32"). The same happens to bool concats (a bool pad, then
    a reflect pad: fuzz seeds 219, 295). Only integers carry shapes: on
    floats and bools concat only has a value when every input has one."""
    from coremltools.converters.mil.mil import types

    def value_inference(self):
        dtype = self.values[0].dtype
        if not types.is_int(dtype) and any(v.sym_val is None for v in self.values):
            return None
        return original(self)

    return value_inference


def _concat_class():
    from coremltools.converters.mil.mil.ops.defs.iOS15.tensor_operation import concat

    return concat


@contextlib.contextmanager
def concat_float_symbols_removed():
    """While MIL is built and converted, float and bool `concat`s get no symbolic
    value (see `_concat_without_float_symbols`)."""
    coremltools()
    concat = _concat_class()
    original = concat.__dict__["value_inference"]
    concat.value_inference = _concat_without_float_symbols(original)
    try:
        yield
    finally:
        concat.value_inference = original


def _conv_bias_fusion_with_const_weight(original):
    """coremltools 9.0's `fuse_conv_bias` pattern conv -> transpose ->
    add/sub(const) reads `conv.weight.val` without checking that the weight
    is a constant; with the kernel as a model input (NWC convolutions with a
    bias, `conv_general_dilated(x, w, ...) + b`) it raises AttributeError.
    A conv whose weight is not a constant is left unfused."""

    def try_to_transform_transpose_pattern(conv_op, block):
        if conv_op.op_type in ("conv", "conv_transpose") and conv_op.weight.val is None:
            return False
        return original(conv_op, block)

    return staticmethod(try_to_transform_transpose_pattern)


@contextlib.contextmanager
def conv_bias_fusion_guarded():
    """For the duration, `fuse_conv_bias` skips convs whose weight is not a
    constant (see `_conv_bias_fusion_with_const_weight`)."""
    coremltools()
    from coremltools.converters.mil.mil.passes.defs.optimize_conv import fuse_conv_bias

    name = "_try_to_transform_transpose_pattern"
    original = fuse_conv_bias.__dict__[name]
    setattr(fuse_conv_bias, name, _conv_bias_fusion_with_const_weight(original.__func__))
    try:
        yield
    finally:
        setattr(fuse_conv_bias, name, original)


class _NumpyExactFirst:
    """numpy, except that `allclose` first tries exact equality.

    coremltools' `const_deduplication` pass compares every pair of
    constants whose shape, dtype and leading elements agree with
    `np.allclose(a, b, rtol=0, atol=...)`: |a - b|, two more temporaries and
    a reduction per pair, 1.6 s of GPT-2-small's conversion for a few
    copies of the (50257, 768) embedding table, which are exact copies
    (one fp16 cast of the same weight per use). `np.array_equal` answers
    those in one pass. Equal arrays contain no NaN (NaN != NaN) and have
    |a - b| = 0 <= atol everywhere, so allclose would say True too; when
    they are not exactly equal, allclose decides. Same answer, always."""

    def __getattr__(self, name):
        return getattr(np, name)

    @staticmethod
    def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape == b.shape and a.dtype == b.dtype and rtol >= 0 and atol >= 0 and np.array_equal(a, b):
            return True
        return np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


def _find_constants_hashing_heads():
    """coremltools' `const_deduplication.find_constants` groups the large
    constants by (dtype, shape, sha1 of their first LENGTH_OF_HASHKEY
    elements in C order), taken as `value.reshape(-1)[:n]`. For a
    transposed view (hlo_coreml's linear weights, see emit/ops_linalg.py)
    that reshape copies the whole array to read 100 elements: 49 copies of
    GPT-2's weights in the pass run before the fp16 casts. This version
    reads the same elements as `value.flat[:n]` (n elements copied) and
    otherwise does what coremltools does, in the same order: constants
    below the pass's size threshold and list values are skipped, a
    `weight_key` joins the key, and a constant with a key seen before is a
    duplicate of the first earlier one that `allclose` (rtol 0, the dtype's
    atol; `_NumpyExactFirst`) finds equal, else a new unique constant.
    The same groups, always."""
    import hashlib

    from coremltools.converters.mil.mil import ListVar

    dedup = _const_deduplication_class()

    def find_constants(blocks):
        unique2duplicates: dict = {}
        by_key: dict = {}
        for block in blocks:
            for op in list(block.operations):
                if op.op_type != "const":
                    continue
                var = op.outputs[0]
                if isinstance(var, ListVar) or not dedup.should_be_deduplicated(var.val):
                    continue
                value = var.val
                head = np.ascontiguousarray(value.flat[: dedup.LENGTH_OF_HASHKEY])
                key = (var.dtype, var.shape, hashlib.sha1(head).hexdigest())
                if hasattr(op, "weight_key"):
                    key = (op.weight_key, *key)
                seen = by_key.setdefault(key, [])
                atol = dedup.DTYPE2ATOL.get(var.dtype, 1e-12)
                first = next((u for u in seen if _NumpyExactFirst.allclose(value, u.val, rtol=0.0, atol=atol)), None)
                if first is None:
                    seen.append(var)
                    unique2duplicates[var] = []
                else:
                    unique2duplicates[first].append(var)
        return unique2duplicates

    return staticmethod(find_constants)


def _is_tensor_replacements() -> list:
    """`_memoized_is_tensor` at each place coremltools looks `is_tensor` up:
    the `types` package, `type_mapping` itself and `type_tensor`."""
    from coremltools.converters.mil.mil import types
    from coremltools.converters.mil.mil.types import type_mapping, type_tensor

    memoized = _memoized_is_tensor(type_mapping.is_tensor)
    return [(module, "is_tensor", memoized) for module in (types, type_mapping, type_tensor)]


def _transpose_optimization_class():
    from coremltools.converters.mil.mil.passes.defs.optimize_repeat_ops import _TransposeOptimization

    return _TransposeOptimization


def _const_deduplication_class():
    import importlib

    module = importlib.import_module("coremltools.converters.mil.mil.passes.defs.cleanup.const_deduplication")
    return module.const_deduplication


def _tensor_values_in_bulk(original):
    """coremltools' `create_tensor_value(array)` (the MIL proto value of a
    constant kept inline: bool and int32 tensors of any size, and small
    float ones) appends the elements one Python call at a time: 0.5 s for
    GPT-2-small's twelve 128x128 causal masks. For a non-empty bool,
    int32/int64 or fp32/fp64 array this extends the same repeated field
    (coremltools' own choice of field) with `tolist()`, which gives the same
    Python values `np_val_to_py_type` gives element by element (bool, int,
    float); anything else goes to the original. The same message,
    always."""
    from coremltools.converters.mil.backend.mil import helper
    from coremltools.converters.mil.mil import types
    from coremltools.proto import MIL_pb2

    bulk = {np.dtype(np.bool_), np.dtype(np.int32), np.dtype(np.int64), np.dtype(np.float32), np.dtype(np.float64)}

    def create_tensor_value(np_tensor):
        if not (isinstance(np_tensor, np.ndarray) and np_tensor.dtype in bulk and np_tensor.size):
            return original(np_tensor)
        builtin = types.numpy_type_to_builtin_type(np_tensor.dtype)
        value_type = helper.create_valuetype_tensor(np_tensor.shape, helper.types_to_proto_primitive(builtin))
        value = MIL_pb2.Value(type=value_type)
        helper._tensor_field_by_type(value.immediateValue.tensor, builtin).extend(np_tensor.reshape(-1).tolist())
        return value

    return create_tensor_value


def _transpose_removal_without_idle_inference(original):
    """coremltools' `reduce_transposes` (`_TransposeOptimization.
    apply_transform`) decides which transposes cancel, removes them, drops
    the identity ops it put on the block outputs, and then re-runs type and
    value inference on every op of the block, whether or not it removed
    anything: 0.8 s of GPT-2-small's conversion, where none of its three
    runs finds a transpose to cancel. This version takes the same steps in
    the same order (minus the debug log lines), and skips only that
    inference when nothing was cancelled: the graph afterwards is then the
    graph before (the same ops, inputs and outputs), so inference would
    give every op the types and values it has. With debug output requested
    the original runs."""
    import logging as _logging

    from coremltools.converters.mil.mil.passes.defs import optimize_repeat_ops

    def apply_transform(self):
        if self._DEBUG or optimize_repeat_ops.logger.isEnabledFor(_logging.DEBUG):
            return original(self)
        self._verify_cancellable_transposes()
        for transpose_op in self.transpose_op_to_cancel_ops:
            self._remove_transpose_ops(transpose_op)
        self.block.set_outputs([sink_op.x for sink_op in self.output_sink_ops])
        self.block.remove_ops(list(self.output_sink_ops))
        if self.transpose_op_to_cancel_ops:
            for op in self.block.operations:
                op.type_value_inference(overwrite_output=True)

    return apply_transform


def _is_tensor_replacements() -> list:
    """`_memoized_is_tensor` at each place coremltools looks `is_tensor` up:
    the `types` package, `type_mapping` itself and `type_tensor`."""
    from coremltools.converters.mil.mil import types
    from coremltools.converters.mil.mil.types import type_mapping, type_tensor

    memoized = _memoized_is_tensor(type_mapping.is_tensor)
    return [(module, "is_tensor", memoized) for module in (types, type_mapping, type_tensor)]


def _transpose_optimization_class():
    from coremltools.converters.mil.mil.passes.defs.optimize_repeat_ops import _TransposeOptimization

    return _TransposeOptimization


def _const_deduplication_class():
    import importlib

    module = importlib.import_module("coremltools.converters.mil.mil.passes.defs.cleanup.const_deduplication")
    return module.const_deduplication


def _tensor_values_in_bulk(original):
    """coremltools' `create_tensor_value(array)` (the MIL proto value of a
    constant kept inline: bool and int32 tensors of any size, and small
    float ones) appends the elements one Python call at a time: 0.5 s for
    GPT-2-small's twelve 128x128 causal masks. For a non-empty bool,
    int32/int64 or fp32/fp64 array this extends the same repeated field
    (coremltools' own choice of field) with `tolist()`, which gives the same
    Python values `np_val_to_py_type` gives element by element (bool, int,
    float); anything else goes to the original. The same message,
    always."""
    from coremltools.converters.mil.backend.mil import helper
    from coremltools.converters.mil.mil import types
    from coremltools.proto import MIL_pb2

    bulk = {np.dtype(np.bool_), np.dtype(np.int32), np.dtype(np.int64), np.dtype(np.float32), np.dtype(np.float64)}

    def create_tensor_value(np_tensor):
        if not (isinstance(np_tensor, np.ndarray) and np_tensor.dtype in bulk and np_tensor.size):
            return original(np_tensor)
        builtin = types.numpy_type_to_builtin_type(np_tensor.dtype)
        value_type = helper.create_valuetype_tensor(np_tensor.shape, helper.types_to_proto_primitive(builtin))
        value = MIL_pb2.Value(type=value_type)
        helper._tensor_field_by_type(value.immediateValue.tensor, builtin).extend(np_tensor.reshape(-1).tolist())
        return value

    return create_tensor_value


def _transpose_removal_without_idle_inference(original):
    """coremltools' `reduce_transposes` (`_TransposeOptimization.
    apply_transform`) decides which transposes cancel, removes them, drops
    the identity ops it put on the block outputs, and then re-runs type and
    value inference on every op of the block, whether or not it removed
    anything: 0.8 s of GPT-2-small's conversion, where none of its three
    runs finds a transpose to cancel. When nothing is cancelled, the graph
    afterwards is the graph before (the same ops, inputs and outputs), so
    inference gives every op the types and values it has; it is skipped
    then. Anything cancelled, or debug output requested, takes the
    original."""
    import logging as _logging

    from coremltools.converters.mil.mil.passes.defs import optimize_repeat_ops

    log = optimize_repeat_ops.logger

    def apply_transform(self):
        if self._DEBUG or log.isEnabledFor(_logging.DEBUG):
            return original(self)
        self._verify_cancellable_transposes()
        if self.transpose_op_to_cancel_ops:
            # The original verifies again; the verification is not known to be
            # idempotent, so the removal steps are taken here, then inference.
            for transpose_op in self.transpose_op_to_cancel_ops:
                self._remove_transpose_ops(transpose_op)
        self.block.set_outputs([sink_op.x for sink_op in self.output_sink_ops])
        self.block.remove_ops(list(self.output_sink_ops))
        if self.transpose_op_to_cancel_ops:
            for op in self.block.operations:
                op.type_value_inference(overwrite_output=True)

    return apply_transform


def _memoized_is_tensor(original):
    """coremltools' `types.is_tensor(t)` builds a fresh `Type` description
    of `t` (`get_type_info`, recursively for the element type) to read its
    name: ~500k calls and a tenth of an unrolled scan's conversion (input
    validation and dtype lookups of every op it builds). Its answer depends
    only on the class `t` (a MIL type is a class; tensor classes are
    memoized per element type and shape), so it is remembered per class
    for the duration of one conversion; anything that is not a class goes
    to the original. The same answer, always."""
    known: dict = {}

    def is_tensor(tensor_type):
        if not isinstance(tensor_type, type):
            return original(tensor_type)
        answer = known.get(tensor_type)
        if answer is None:
            answer = known[tensor_type] = original(tensor_type)
        return answer

    return is_tensor


def _c_order_cast_value(original):
    """coremltools' `cast.get_cast_value` (the value of a `cast` of a
    constant, which const_elimination then makes a const) is
    `x.astype(dtype)`, which keeps the memory order of `x`. A transposed
    weight (hlo_coreml's linear weights are transposed views of the MLIR
    constants, see emit/ops_linalg.py) would give a transposed fp16 array,
    and every later `reshape(-1)` / `flatten()` of it in coremltools
    (const_deduplication's hash on each run, the weight file) would copy
    it. Casting into C order gives the same values laid out as coremltools
    reads them anyway."""
    from coremltools.converters.mil.mil.types.type_mapping import string_to_nptype

    def get_cast_value(cls, input_var, dtype_val):
        value = input_var.val
        if isinstance(value, np.ndarray) and not value.flags.c_contiguous and dtype_val in cls.supported_dtypes():
            return value.astype(string_to_nptype(dtype_val), order="C")
        return original.__func__(cls, input_var, dtype_val)

    return classmethod(get_cast_value)


def _sized_underflow_check(original):
    """coremltools' `_check_underflow_to_zero(new_var, var)` (fp16 casts of
    small constants: values that become 0 are nudged to fp16's smallest
    subnormal) starts with `len(var.val.flatten()) < 400`: a full copy of
    every weight it is asked about, to learn its size. At 400 elements or
    more it does nothing, so that case returns at once. Same result,
    always."""

    def check(self, new_var, var):
        value = var.val
        if value is not None and np.size(value) >= 400:
            return None
        return original(self, new_var, var)

    return check


def _weight_writer_without_copies(original):
    """coremltools' `_get_offset_by_writing_data(var, blob_writer)` writes
    a const's value to weight.bin; for fp16 it takes `val.flatten()`, then
    `.tobytes()`, then `np.frombuffer` of that: two full copies of every
    weight (fp32: one, `flatten`). For a float16 / float32 array the same
    bytes in the same (C) order are a view of the array itself, which is
    what is handed to the writer here; any other value goes to the
    original. Same file, always."""
    from coremltools.converters.mil.mil import types

    def write(output_var, blob_writer):
        value = output_var.val
        if isinstance(value, np.ndarray):
            if output_var.dtype == types.fp16 and value.dtype == np.float16:
                return blob_writer.write_fp16_data(np.ascontiguousarray(value).reshape(-1).view(np.uint16))
            if output_var.dtype == types.fp32 and value.dtype == np.float32:
                return blob_writer.write_float_data(np.ascontiguousarray(value).reshape(-1))
        return original(output_var, blob_writer)

    return write


@contextlib.contextmanager
def mil_pass_overhead_removed():
    """coremltools re-validates the whole MIL program after each of its ~100
    graph passes (`Program.validate`: var visibility and use counts, O(ops)
    each time), recomputes every var's set of upstream `constexpr_*` vars
    at each block exit (`_fast_propagate_nonreplaceable_vars`), and formats whole programs and blocks for debug log lines
    (around each pass pipeline, inside reduce_transposes and the norm
    fusions) even when debug logging is off. On an unrolled scan of ~3000
    ops that is 40% of ct.convert's CPU time (see `tools/bench_scan.py`).
    For the duration both are skipped; the caller validates the converted
    program once (`validate_program`). The fp16 overflow check of
    constants gets a fast path (`_fast_fp16_overflow`).

    HLO_COREML_MIL_VALIDATE=each keeps coremltools' per-pass validation (to
    find the coremltools pass that breaks a program); printing stays on
    when coremltools' MIL pass loggers are enabled for DEBUG. The patch is
    process-wide while it lasts: do not run ct.convert on another thread
    at the same time."""
    coremltools()
    from coremltools.converters.mil.mil import Block, Function, Program
    from coremltools.converters.mil.mil.passes.defs.quantization import FP16ComputePrecision

    import importlib

    dedup_module = importlib.import_module("coremltools.converters.mil.mil.passes.defs.cleanup.const_deduplication")

    replacements = [
        (FP16ComputePrecision, "fp16_overflow", _fast_fp16_overflow(FP16ComputePrecision.fp16_overflow)),
        (Block, "_propagate_nonreplaceable_vars", _fast_propagate_nonreplaceable_vars(Block._propagate_nonreplaceable_vars)),
    ]
    if fast_paths.enabled():
        from coremltools.converters.mil.mil.ops.defs.iOS15.elementwise_unary import cast

        from coremltools.converters.mil.backend.mil import helper as backend_helper

        replacements += [
            (dedup_module, "np", _NumpyExactFirst()),
            (
                backend_helper,
                "_get_offset_by_writing_data",
                _weight_writer_without_copies(backend_helper._get_offset_by_writing_data),
            ),
            (cast, "get_cast_value", _c_order_cast_value(cast.__dict__["get_cast_value"])),
            (_const_deduplication_class(), "find_constants", _find_constants_hashing_heads()),
            *_is_tensor_replacements(),
            (
                _transpose_optimization_class(),
                "apply_transform",
                _transpose_removal_without_idle_inference(_transpose_optimization_class().apply_transform),
            ),
            (backend_helper, "create_tensor_value", _tensor_values_in_bulk(backend_helper.create_tensor_value)),
            (
                FP16ComputePrecision,
                "_check_underflow_to_zero",
                _sized_underflow_check(FP16ComputePrecision._check_underflow_to_zero),
            ),
        ]
    if os.environ.get("HLO_COREML_MIL_VALIDATE") != "each":
        replacements.append((Program, "validate", lambda self, check_essential_scope=False: None))
    if not logging.getLogger("coremltools.converters.mil.mil.passes").isEnabledFor(logging.DEBUG):
        for cls in (Program, Function, Block):
            replacements.append((cls, "__str__", lambda self, *args, **kwargs: "<MIL (not printed: debug logging is off)>"))
    originals = [(cls, name, cls.__dict__.get(name)) for cls, name, _ in replacements]
    for cls, name, replacement in replacements:
        setattr(cls, name, replacement)
    try:
        yield
    finally:
        for cls, name, original in originals:
            if original is None:
                delattr(cls, name)
            else:
                setattr(cls, name, original)


@contextlib.contextmanager
def fp16_overflow_warnings_hidden():
    """coremltools' value inference casts fp32 constants to fp16 with NumPy
    while it builds `cast` ops, and NumPy warns when a value overflows
    ("overflow encountered in cast"). Those casts either become saturated
    constants (hlo_coreml.fp16_saturation) or are the program's own casts,
    whose overflow to inf is StableHLO's semantics: the warning tells the
    user nothing, so it is hidden for the duration."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="overflow encountered in cast", category=RuntimeWarning)
        yield


def validate_program(program) -> None:
    """coremltools' own consistency check of a MIL program, once."""
    program.validate(check_essential_scope=True)


def refer_to_package(mlmodel, path: str) -> None:
    """Make `mlmodel` (converted into a temporary package) refer to the saved
    package at `path` instead, so its temporary package can be removed at
    once: `save`, `weights_dir` and hlo_coreml.run keep working. Uses
    MLModel's attributes `package_path`, `is_temp_package` and
    `_weights_dir` (coremltools 9.0)."""
    from coremltools.models.utils import _try_get_weights_dir_path

    mlmodel.package_path = path
    mlmodel.is_temp_package = False
    mlmodel._weights_dir = _try_get_weights_dir_path(path)


_bounded_lock = threading.Lock()
_bounded_depth = 0
_original_auto_val = None


@contextlib.contextmanager
def compile_time_values_bounded():
    """coremltools computes the value of every MIL op whose inputs are all
    constants as the op is built (`Operation._auto_val`, then
    `const_elimination` stores it as a new constant), whatever its size:
    `jnp.arange(2**14)[:, None] * jnp.arange(2**14)` cost 1 GB, and larger
    products all the memory there is. Inside the block an op whose output
    (a tensor of static shape) is past hlo_coreml.limits keeps no value and
    is computed by the model at run time. `const` and `constexpr_*` ops are
    unaffected. Nestable and thread-safe (one patch while any block is
    active)."""
    from coremltools.converters.mil.mil import types
    from coremltools.converters.mil.mil.operation import Operation

    from . import limits

    global _bounded_depth, _original_auto_val
    with _bounded_lock:
        if _bounded_depth == 0:
            original = Operation._auto_val

            def _auto_val(self, output_types):
                if self.op_type != "const" and not self.op_type.startswith("constexpr"):
                    for t in output_types:
                        if types.is_tensor(t):
                            shape = t.get_shape()
                            if all(isinstance(d, (int, np.integer)) for d in shape) and limits.too_large(shape):
                                return tuple(None for _ in output_types)
                return original(self, output_types)

            _original_auto_val = original
            Operation._auto_val = _auto_val
        _bounded_depth += 1
    try:
        yield
    finally:
        with _bounded_lock:
            _bounded_depth -= 1
            if _bounded_depth == 0:
                Operation._auto_val = _original_auto_val
                _original_auto_val = None
