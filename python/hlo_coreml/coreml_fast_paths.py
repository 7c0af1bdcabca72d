"""The result-preserving replacements of coremltools internals that
`compile()` installs during `ct.convert` when the fast paths are on
(hlo_coreml.fast_paths): each gives the same MIL program and weight file
as coremltools' own code, at less time or memory. test/python/
test_fast_paths.py checks each against coremltools' function and every zoo
architecture end to end with the fast paths on and off.
`fast_path_replacements()` lists them as (owner, attribute, replacement)
for `coreml_patches.mil_pass_overhead_removed`."""

from __future__ import annotations

import os
import shutil

import numpy as np

from . import fast_paths


def fast_path_replacements() -> list:
    """(owner, attribute name, replacement) of every fast path."""
    from coremltools.converters.mil.backend.mil import helper as backend_helper
    from coremltools.converters.mil.mil.ops.defs.iOS15.elementwise_unary import cast
    from coremltools.converters.mil.mil.passes.defs.quantization import FP16ComputePrecision

    import importlib

    from coremltools.models import model as model_module

    dedup_module = importlib.import_module("coremltools.converters.mil.mil.passes.defs.cleanup.const_deduplication")
    transposes = _transpose_optimization_class()
    return [
        (model_module, "_create_mlpackage", _package_linking_weights(model_module._create_mlpackage)),
        (dedup_module, "np", _NumpyExactFirst()),
        (_const_deduplication_class(), "find_constants", _find_constants_hashing_heads()),
        (backend_helper, "_get_offset_by_writing_data", _weight_writer_without_copies(backend_helper._get_offset_by_writing_data)),
        (backend_helper, "create_tensor_value", _tensor_values_in_bulk(backend_helper.create_tensor_value)),
        (cast, "get_cast_value", _c_order_cast_value(cast.__dict__["get_cast_value"])),
        (transposes, "apply_transform", _transpose_removal_with_local_inference(transposes.apply_transform)),
        (FP16ComputePrecision, "_check_underflow_to_zero", _sized_underflow_check(FP16ComputePrecision._check_underflow_to_zero)),
        *_is_tensor_replacements(),
    ]


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


def _const_deduplication_class():
    import importlib

    module = importlib.import_module("coremltools.converters.mil.mil.passes.defs.cleanup.const_deduplication")
    return module.const_deduplication


def _transpose_optimization_class():
    from coremltools.converters.mil.mil.passes.defs.optimize_repeat_ops import _TransposeOptimization

    return _TransposeOptimization


def _transpose_removal_with_local_inference(original):
    """coremltools' `reduce_transposes` (`_TransposeOptimization.
    apply_transform`) decides which transposes cancel, removes them (and
    materializes transposes where the cancelled ones must survive, updates
    the axes of the ops in between), drops the identity ops it put on the
    block outputs, and then re-runs type and value inference on every op of
    the block: 0.7 s of BERT-base's conversion, where each of its three
    runs "cancels" the two transposes feeding each attention score matmul
    and materializes them again in front of it (the same graph with new
    transpose names), and 0.8 s of GPT-2-small's, where nothing cancels.

    This version takes the same steps in the same order (minus the debug
    log lines) and re-infers only the ops whose inference can give another
    answer: in block order, an op that is new, rewired (its inputs are not
    the vars they were), axis-updated, or that reads a var whose type,
    value or set of upstream `constexpr_*` vars the re-inference changed.
    Every other op reads the vars it read before, with the types and values
    they had, and inference is a function of those, so it would get what
    it has. Types compare by identity (MIL tensor types are memoized) and
    values exactly; anything else (symbols, lists, objects) counts as
    changed. A block with a symbolic shape gets the full re-inference
    (inference can mint fresh symbols), as does a run with debug output
    requested (the original runs)."""
    import logging as _logging

    from coremltools.converters.mil.mil.passes.defs import optimize_repeat_ops

    def apply_transform(self):
        if self._DEBUG or optimize_repeat_ops.logger.isEnabledFor(_logging.DEBUG):
            return original(self)
        self._verify_cancellable_transposes()
        wiring = {op: tuple(op.get_flattened_inputs()) for op in self.block.operations}
        for transpose_op in self.transpose_op_to_cancel_ops:
            self._remove_transpose_ops(transpose_op)
        self.block.set_outputs([sink_op.x for sink_op in self.output_sink_ops])
        self.block.remove_ops(list(self.output_sink_ops))
        reinfer_changed_ops(self.block, wiring, self.ops_updated)

    return apply_transform


def reinfer_changed_ops(block, wiring: dict, updated) -> int:
    """Type and value inference (overwriting) of the ops of the flat `block`
    whose answer can differ from what their outputs hold: ops not in
    `wiring` (op -> its flattened inputs before the change), ops in
    `updated`, ops whose inputs are not the vars `wiring` lists, and ops
    reading a var changed by an earlier re-inference. The same result as
    re-inferring every op (see `_transpose_removal_with_local_inference`);
    a block with symbolic shapes or nested blocks is re-inferred whole.
    Returns the number of ops re-inferred."""
    operations = list(block.operations)
    if any(op.blocks or _symbolic_outputs(op) for op in operations):
        for op in operations:
            op.type_value_inference(overwrite_output=True)
        return len(operations)
    changed: set = set()
    count = 0
    for op in operations:
        inputs = tuple(op.get_flattened_inputs())
        before = wiring.get(op)
        if (
            before is not None
            and op not in updated
            and len(before) == len(inputs)
            and all(a is b for a, b in zip(before, inputs))
            and not any(v in changed for v in inputs)
        ):
            continue
        old = [(v._sym_type, v._sym_val, set(v._nonreplaceable_vars_upstream)) for v in op.outputs]
        op.type_value_inference(overwrite_output=True)
        count += 1
        for var, (sym_type, sym_val, upstream) in zip(op.outputs, old):
            if (
                var._sym_type is not sym_type
                or not _same_value(var._sym_val, sym_val)
                or set(var._nonreplaceable_vars_upstream) != upstream
            ):
                changed.add(var)
    return count


def _symbolic_outputs(op) -> bool:
    from coremltools.converters.mil.mil import types

    for var in op.outputs:
        if types.is_tensor(var.sym_type) and not all(isinstance(d, (int, np.integer)) for d in var.sym_type.get_shape()):
            return True
    return False


def _same_value(new, old) -> bool:
    """Are two MIL sym_vals (builtin value holders or None) equal for sure?"""
    if new is None or old is None:
        return new is None and old is None
    a, b = new.val, old.val
    if a is b:
        return True
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        return a.dtype == b.dtype and a.dtype != object and a.shape == b.shape and bool(np.array_equal(a, b))
    if isinstance(a, (np.generic, bool, int, float)) and type(a) is type(b):
        return bool(a == b)
    return False


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


def _is_tensor_replacements() -> list:
    """`_memoized_is_tensor` at each place coremltools looks `is_tensor` up:
    the `types` package, `type_mapping` itself and `type_tensor`."""
    from coremltools.converters.mil.mil import types
    from coremltools.converters.mil.mil.types import type_mapping, type_tensor

    memoized = _memoized_is_tensor(type_mapping.is_tensor)
    return [(module, "is_tensor", memoized) for module in (types, type_mapping, type_tensor)]


def _c_order_cast_value(original):
    """coremltools' `cast.get_cast_value` (the value of a `cast` of a
    constant, which const_elimination then makes a const) is
    `x.astype(dtype)`, which keeps the memory order of `x`. A transposed
    weight (hlo_coreml's linear weights are transposed views of the MLIR
    constants, see emit/ops_linalg.py) would give a transposed fp16 array,
    and every later `reshape(-1)` / `flatten()` of it in coremltools
    (const_deduplication's hash on each run, the weight file) would copy
    it. Casting into C order gives the same values laid out as coremltools
    reads them anyway. A large transposed float matrix is cast tile by tile
    (`cast_in_c_order`): NumPy's cast into C order reads a transposed view
    a column at a time, three times slower than a contiguous cast (0.6 s of
    BERT-base's conversion for its 24 transposed MLP weights)."""
    from coremltools.converters.mil.mil.types.type_mapping import string_to_nptype

    def get_cast_value(cls, input_var, dtype_val):
        value = input_var.val
        if isinstance(value, np.ndarray) and not value.flags.c_contiguous and dtype_val in cls.supported_dtypes():
            return cast_in_c_order(value, np.dtype(string_to_nptype(dtype_val)))
        return original.__func__(cls, input_var, dtype_val)

    return classmethod(get_cast_value)


# Tile edge of `cast_in_c_order`: a 256x256 fp32 tile and its fp16 copy
# fit in a core's L2 cache.
_CAST_TILE = 256


def cast_in_c_order(value: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """`value.astype(dtype, order="C")`: the same values (the same
    element-wise conversion, which does not depend on the order elements
    are visited in) in a new C-ordered array. A float matrix larger than a
    tile is converted one square tile at a time, so that the transposed
    reads of a transposed view stay in cache."""
    if not (value.ndim == 2 and min(value.shape) > _CAST_TILE and value.dtype.kind == "f" and dtype.kind == "f"):
        return value.astype(dtype, order="C")
    out = np.empty(value.shape, dtype)
    rows, cols = value.shape
    for i in range(0, rows, _CAST_TILE):
        for j in range(0, cols, _CAST_TILE):
            out[i : i + _CAST_TILE, j : j + _CAST_TILE] = value[i : i + _CAST_TILE, j : j + _CAST_TILE]
    return out


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


def _package_linking_weights(original):
    """coremltools' `_create_mlpackage(spec, weights_dir, package_path)`
    (the end of `ct.convert`) writes the package and copies the weight
    folder into it (`ModelPackage.addItem`): a second write of every weight
    byte, 0.2-0.3 s CPU (0.8 s wall) for BERT-base's 209 MB. This version
    lets coremltools create the package with an empty weight folder of the
    same permissions (the same manifest entry: name, author, description,
    path) and then hard-links the files of `weights_dir` into that folder
    (copies them where the file system has no hard links). The files keep
    their names, permissions and bytes, and `weights_dir` is left as it
    was. A weight folder holding anything but regular files (addItem skips
    subfolders) goes to the original. Same package, always."""

    def create(proto_spec, weights_dir=None, package_path=None):
        import stat
        import tempfile

        from coremltools.libmodelpackage import ModelPackage
        from coremltools.models import utils

        if weights_dir is None or not os.path.isdir(weights_dir):
            return original(proto_spec, weights_dir, package_path)
        with os.scandir(weights_dir) as entries:
            files = [e.name for e in entries]
        if not all(os.path.isfile(os.path.join(weights_dir, n)) and not os.path.islink(os.path.join(weights_dir, n)) for n in files):
            return original(proto_spec, weights_dir, package_path)
        empty = tempfile.mkdtemp()
        try:
            os.chmod(empty, stat.S_IMODE(os.stat(weights_dir).st_mode))
            path = original(proto_spec, empty, package_path)
        finally:
            shutil.rmtree(empty, ignore_errors=True)
        target = ModelPackage(path).findItemByNameAuthor(utils._WEIGHTS_DIR_NAME, utils._MLPACKAGE_AUTHOR_NAME).path()
        for name in files:
            source = os.path.join(weights_dir, name)
            try:
                os.link(source, os.path.join(target, name))
            except OSError:
                shutil.copy2(source, os.path.join(target, name))
        return path

    return create


class _ShutilMovingPackage:
    """shutil, except that `copytree(package, dst)` of one given package
    folder renames it to `dst` (a copy if the rename fails)."""

    def __init__(self, package: str):
        self._package = os.path.abspath(package)

    def __getattr__(self, name):
        return getattr(shutil, name)

    def copytree(self, src, dst, *args, **kwargs):
        if os.path.abspath(src) == self._package and not args and not kwargs:
            try:
                os.rename(src, dst)
                return dst
            except OSError:
                pass
        return shutil.copytree(src, dst, *args, **kwargs)


def save_moving_temporary_package(mlmodel, path: str) -> None:
    """`mlmodel.save(path)`, for a converted model about to be referred to
    the saved package (hlo_coreml.coreml_patches.refer_to_package): its
    temporary package is renamed to `path` instead of copied (0.1-0.3 s CPU,
    0.8 s wall for BERT-base's 209 MB of weights); `MLModel.save` does
    everything else as usual (the spec with the current metadata is
    written into the package at `path`). Afterwards the model's
    `package_path` no longer exists until the caller refers the model to
    `path`. The same files, always. Without the fast paths, or for a model
    whose package is not temporary, this is `mlmodel.save(path)`."""
    from coremltools.models import model as model_module

    package = getattr(mlmodel, "package_path", None)
    if not (fast_paths.enabled() and getattr(mlmodel, "is_temp_package", False) and package and os.path.isdir(package)):
        mlmodel.save(path)
        return
    saved = model_module._shutil
    model_module._shutil = _ShutilMovingPackage(package)
    try:
        mlmodel.save(path)
    finally:
        model_module._shutil = saved
