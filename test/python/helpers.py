"""Shared test helpers: compile a JAX function, run the saved .mlpackage with
the reference MIL interpreter, and compare against JAX on CPU.

The reference is always JAX itself, evaluated on CPU, never an earlier
output of hlo-coreml.
"""

from __future__ import annotations

import contextlib
import os
import tempfile

import ml_dtypes
import numpy as np

# Tolerances. fp32: the MIL program computes in fp32 like XLA:CPU; the
# remaining differences come from transcendental implementations and
# summation order, so rtol 1e-5 with a small atol is enough.
FP32_RTOL = 1e-5
FP32_ATOL = 1e-6
# fp16 (compute_precision='fp16', the default): coremltools casts every op to
# fp16 (I/O stays fp32). One fp16 rounding is a relative error of 2**-11
# (~4.9e-4); a short chain of ops accumulates a few of those, so rtol 1e-2
# and atol 1e-2 (for values near zero) for inputs of magnitude ~1.
FP16_RTOL = 1e-2
FP16_ATOL = 1e-2

# Core ML feature dtype (ArrayFeatureType) per JAX/NumPy dtype: bool travels
# as int32, 64-bit types are narrowed to 32 bits.
_IO_NUMPY = {
    np.dtype(np.float32): np.float32,
    np.dtype(np.float64): np.float32,
    np.dtype(np.float16): np.float16,
    np.dtype(np.int32): np.int32,
    np.dtype(np.int64): np.int32,
    np.dtype(np.bool_): np.int32,
    # Integer types Core ML lacks are computed in int32 (hlo-coreml-widen-small-ints)
    # and travel as int32; uint32 as its bit pattern.
    np.dtype(np.int8): np.int32,
    np.dtype(np.int16): np.int32,
    np.dtype(np.uint8): np.int32,
    np.dtype(np.uint16): np.int32,
    np.dtype(np.uint32): np.int32,
    # bfloat16 is held in f32 (hlo-coreml-widen-bf16) and travels as fp32.
    np.dtype(ml_dtypes.bfloat16): np.float32,
}
_IO_SPEC_NAME = {np.float32: "FLOAT32", np.float16: "FLOAT16", np.int32: "INT32"}

MAX_RANK = 5


@contextlib.contextmanager
def enable_x64():
    """jax_enable_x64 on inside the block; the previous value is restored."""
    import jax

    previous = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    try:
        yield
    finally:
        jax.config.update("jax_enable_x64", previous)


def jax_reference(fn, *args):
    """`fn(*args)` evaluated by JAX on CPU, as a list of NumPy arrays in
    flattened pytree order."""
    import jax

    cpu = jax.devices("cpu")[0]
    with jax.default_device(cpu):
        out = jax.jit(fn)(*[jax.device_put(a, cpu) for a in args])
    return [np.asarray(leaf) for leaf in jax.tree_util.tree_leaves(out)]


def _before_ios16(target) -> bool:
    import coremltools as ct

    if target is None:
        return False  # hlo-coreml's default is iOS17
    if isinstance(target, str):
        target = {t.name.lower(): t for t in ct.target}[target.lower()]
    return target.value < ct.target.iOS16.value


def io_dtype(dtype, target=None) -> type:
    """NumPy dtype of the Core ML feature carrying a JAX value of `dtype`
    (fp16 features exist from iOS16 on; before that they travel as fp32)."""
    io = _IO_NUMPY[np.dtype(dtype)]
    if io is np.float16 and _before_ios16(target):
        return np.float32
    return io


def to_feature(value, target=None) -> np.ndarray:
    """A JAX argument as the interpreter receives it: narrowed dtype, bool
    as int32, rank 0 as shape (1,)."""
    a = np.asarray(value)
    a = a.astype(io_dtype(a.dtype, target))
    return a.reshape(a.shape or (1,))


def _feature_type(feature):
    """(dtype name, shape) of a Core ML model feature description."""
    from coremltools.proto import FeatureTypes_pb2 as ft

    array = feature.type.multiArrayType
    return ft.ArrayFeatureType.ArrayDataType.Name(array.dataType), tuple(array.shape)


def max_rank_in_spec(spec) -> tuple[int, str]:
    """The largest tensor rank of any value in the saved ML program (inputs,
    every op output, nested blocks included), and where it occurs."""
    program = spec.mlProgram
    best = (0, "")

    def value_type_rank(vtype) -> int:
        kind = vtype.WhichOneof("type")
        if kind == "tensorType":
            return int(vtype.tensorType.rank)
        if kind == "listType":
            return value_type_rank(vtype.listType.type) + 1
        return 0

    def visit_block(block):
        nonlocal best
        for op in block.operations:
            for out in op.outputs:
                rank = value_type_rank(out.type)
                if rank > best[0]:
                    best = (rank, f"{op.type} -> {out.name}")
            for nested in op.blocks:
                visit_block(nested)

    for fname, function in program.functions.items():
        for inp in function.inputs:
            rank = value_type_rank(inp.type)
            if rank > best[0]:
                best = (rank, f"input {inp.name} of {fname}")
        for block in function.block_specializations.values():
            visit_block(block)
    return best


def compile_and_save(fn, *args, path, precision="fp32", target=None, **kwargs):
    """Compile `fn` for `args`, saving the package at `path`; returns
    (model, path)."""
    import hlo_coreml

    model = hlo_coreml.compile(
        fn,
        *args,
        compute_precision=precision,
        minimum_deployment_target=target,
        output_path=path,
        **kwargs,
    )
    assert os.path.isdir(path), f"compile() did not write {path}"
    return model, path


def run_saved(model, path, *args, target=None, strict=True) -> list[np.ndarray]:
    """Run the package saved at `path` with the reference interpreter,
    feeding `args` under the model's input names (argument order); returns
    the outputs in the model's output order. `strict` (the default) fails
    when an output depends on behaviour the Core ML op documentation leaves
    open (interpreter/readings.py)."""
    import hlo_coreml

    spec = model.get_spec()
    names = [i.name for i in spec.description.input]
    assert len(names) == len(args), f"model has inputs {names}, test passes {len(args)} arguments"
    outputs = hlo_coreml.run(path, {n: to_feature(a, target) for n, a in zip(names, args)}, strict=strict)
    order = [o.name for o in spec.description.output]
    assert sorted(outputs) == sorted(order), (list(outputs), order)
    return [np.asarray(outputs[n]) for n in order]


def check_against_jax(
    fn, *args, rtol=None, atol=None, precision="fp32", target=None, tmp_path=None, strict=True
):
    """Compile `fn`, save it, run the saved package with the interpreter, and
    compare every output (flattened pytree order) with JAX on CPU.

    Also checks, in the saved model: no tensor of rank > 5; inputs and
    outputs carry the Core ML dtype expected for the JAX dtypes (f64 -> f32,
    i64/bool -> i32) and the JAX shapes (rank 0 -> (1,)).

    Floats are compared with assert_allclose(rtol, atol) (defaults by
    precision); integers and booleans must match exactly. The package is
    written under `tmp_path` if given, else to a temporary directory that is
    removed afterwards. Returns the compiled model.

    The interpreter runs in strict mode unless `strict=False`: the outputs
    must not depend on any behaviour the Core ML op documentation leaves
    open. Pass `strict=False` only for a documented known limit
    (docs/semantics.md), with a comment saying which.
    """
    if tmp_path is not None:
        return _check_against_jax(fn, args, rtol, atol, precision, target, os.fspath(tmp_path), strict)
    with tempfile.TemporaryDirectory(prefix="hlo-coreml-test-") as tmp:
        return _check_against_jax(fn, args, rtol, atol, precision, target, tmp, strict)


def _check_against_jax(fn, args, rtol, atol, precision, target, directory, strict=True):
    fp16 = precision in ("fp16", "float16")
    if rtol is None:
        rtol = FP16_RTOL if fp16 else FP32_RTOL
    if atol is None:
        atol = FP16_ATOL if fp16 else FP32_ATOL

    expected = jax_reference(fn, *args)
    path = os.path.join(directory, "model.mlpackage")
    model, path = compile_and_save(fn, *args, precision=precision, target=target, path=path)

    # -- the saved interface ----------------------------------------------
    import coremltools as ct

    saved = ct.models.MLModel(path, skip_model_load=True)
    spec = saved.get_spec()
    assert spec.WhichOneof("Type") == "mlProgram"
    rank, where = max_rank_in_spec(spec)
    assert rank <= MAX_RANK, f"tensor of rank {rank} in the saved program ({where})"
    inputs = list(spec.description.input)
    assert len(inputs) == len(args)
    for feature, arg in zip(inputs, args):
        arg = np.asarray(arg)
        dtype, shape = _feature_type(feature)
        want = _IO_SPEC_NAME[io_dtype(arg.dtype, target)]
        assert dtype == want, f"input {feature.name}: dtype {dtype}, expected {want} for {arg.dtype}"
        assert shape == (arg.shape or (1,)), f"input {feature.name}: shape {shape} for {arg.shape}"
    outputs = list(spec.description.output)
    assert len(outputs) == len(expected), f"{len(outputs)} outputs, JAX returns {len(expected)}"
    for feature, ref in zip(outputs, expected):
        dtype, shape = _feature_type(feature)
        want = _IO_SPEC_NAME[io_dtype(ref.dtype, target)]
        assert dtype == want, f"output {feature.name}: dtype {dtype}, expected {want} for {ref.dtype}"
        assert shape == (ref.shape or (1,)), f"output {feature.name}: shape {shape} for {ref.shape}"

    # -- numerics ---------------------------------------------------------------
    got = run_saved(saved, path, *args, target=target, strict=strict)
    for feature, ref, out in zip(outputs, expected, got):
        assert out.dtype == io_dtype(ref.dtype, target), f"output {feature.name}: interpreter gave {out.dtype}"
        assert out.size == ref.size, f"output {feature.name}: {out.shape} vs JAX {ref.shape}"
        out = out.reshape(ref.shape)
        msg = f"output {feature.name}"
        if np.issubdtype(ref.dtype, np.floating) or ref.dtype == ml_dtypes.bfloat16:
            np.testing.assert_allclose(out, ref.astype(out.dtype), rtol=rtol, atol=atol, err_msg=msg)
        else:
            np.testing.assert_array_equal(out, ref.astype(out.dtype), err_msg=msg)
    return model


def mil_op_types(model) -> list[str]:
    """The op types of the compiled program's main function, in order."""
    prog = model._mil_program
    return [op.op_type for op in prog.functions["main"].operations]


def mil_program(fn, inputs, opset=None):
    """A one-function MIL program (coremltools' builder) whose inputs are
    `inputs` (name -> array, for shapes and dtypes) and whose outputs are
    `fn(**input vars)` (one var or a list). For interpreter tests."""
    import coremltools as ct
    from coremltools.converters.mil import Builder as mb
    from coremltools.converters.mil.mil import Function, Program
    from coremltools.converters.mil.mil.types.type_mapping import numpy_type_to_builtin_type

    specs = {n: mb.TensorSpec(shape=a.shape, dtype=numpy_type_to_builtin_type(a.dtype)) for n, a in inputs.items()}
    with Function(specs, opset_version=opset or ct.target.iOS17) as func:
        out = fn(**{n: func.inputs[n] for n in inputs})
        func.set_outputs(list(out) if isinstance(out, (list, tuple)) else [out])
    program = Program()
    program.add_function("main", func)
    return program
