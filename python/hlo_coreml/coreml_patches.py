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
import weakref

import numpy as np

from . import fast_paths
from .coreml import coremltools

# Largest finite fp16 value.
FP16_MAX = 65504.0


# id(array) -> (weak reference to it, within_fp16_range answer), for the
# read-only constants checked during one ct.convert (see within_fp16_range).
_range_memo: dict = {}


def _immutable(value: np.ndarray) -> bool:
    """True when nothing can write to `value`'s elements through NumPy: it
    is read-only and so is every array it is a view of (hlo_coreml's
    weights are read-only views of MLIR's constant storage)."""
    while isinstance(value, np.ndarray):
        if value.flags.writeable:
            return False
        value = value.base
    return True


def within_fp16_range(value: np.ndarray) -> bool:
    """`value.max() <= 65504 and value.min() >= -65504` for a non-empty
    array (False when it holds a NaN). coremltools' fp16 overflow check
    (`_fast_fp16_overflow`) and hlo_coreml's saturation pass both ask it of
    every fp32 weight, a min and a max over all its elements each time
    (0.15 s of BERT-base's conversion); with the fast paths on, the answer
    for an immutable array is remembered while the array lives, for the
    duration of `mil_pass_overhead_removed` (an immutable array keeps its
    values, so the answer cannot change)."""
    memo = fast_paths.enabled() and _immutable(value)
    if memo:
        known = _range_memo.get(id(value))
        if known is not None and known[0]() is value:
            return known[1]
    answer = bool(value.max() <= FP16_MAX and value.min() >= -FP16_MAX)
    if memo:
        _range_memo[id(value)] = (weakref.ref(value), answer)
    return answer


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
                    if value.size and not within_fp16_range(value):
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


def _reshape_runs_within_one_block(original):
    """coremltools' `merge_consecutive_reshapes` follows a run of reshapes
    into a nested block (a reshape in a loop body of a loop-invariant
    reshape outside it) and then inserts the merged reshape before an op of
    the other block, from the first block's context: KeyError. Here a run
    ends before its first op in another block; runs within one block merge
    as before."""

    def match_pattern(reshape_op):
        run = original(reshape_op)
        for i, op in enumerate(run):
            if op.enclosing_block is not reshape_op.enclosing_block:
                return run[:i]
        return run

    return staticmethod(match_pattern)


@contextlib.contextmanager
def reshape_merges_within_blocks():
    """For the duration, `merge_consecutive_reshapes` merges only reshapes
    of one block (see `_reshape_runs_within_one_block`)."""
    coremltools()
    from coremltools.converters.mil.mil.passes.defs.optimize_repeat_ops import merge_consecutive_reshapes

    original = merge_consecutive_reshapes.__dict__["_match_pattern"]
    merge_consecutive_reshapes._match_pattern = _reshape_runs_within_one_block(original.__func__)
    try:
        yield
    finally:
        merge_consecutive_reshapes._match_pattern = original


_fresh_names_depth = 0


@contextlib.contextmanager
def deterministic_mil_names():
    """coremltools names an op built without a name `<op type>_<n>`, n from
    a process-wide counter (`Builder.name_count`): the same model compiled
    after other models got other op names, and a package of another size.
    For the duration of the outermost call the counter starts from zero, so
    a compile gives the same names in any process; it is restored after.
    Names stay unique within the call (a multifunction compile is one
    call)."""
    global _fresh_names_depth
    coremltools()
    from coremltools.converters.mil.mil import Builder

    if _fresh_names_depth:
        yield
        return
    saved = Builder.name_count
    Builder.name_count = type(saved)(int)
    _fresh_names_depth += 1
    try:
        yield
    finally:
        _fresh_names_depth -= 1
        Builder.name_count = saved


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

    replacements = [
        (FP16ComputePrecision, "fp16_overflow", _fast_fp16_overflow(FP16ComputePrecision.fp16_overflow)),
        (Block, "_propagate_nonreplaceable_vars", _fast_propagate_nonreplaceable_vars(Block._propagate_nonreplaceable_vars)),
    ]
    if fast_paths.enabled():
        from .coreml_fast_paths import fast_path_replacements

        replacements += fast_path_replacements()
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
        _range_memo.clear()
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
