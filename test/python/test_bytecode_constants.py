"""The lean parse of a StableHLO portable artifact (hlo_coreml.bytecode_constants):
large constants are elided from the bytes the MLIR parser sees and copied
into the parsed module afterwards. The module must be the one a plain parse
of the same artifact gives (compared as bytecode, the plain parse done in
the same test), and anything the lean path does not understand must fall
back to the plain parse."""

import io

import jax
import jax.numpy as jnp
import ml_dtypes
import numpy as np
import pytest

from hlo_coreml import bytecode_constants, importer
from hlo_coreml._mlir import ir, make_context, stablehlo

SHAPE = (128, 160)  # 20,480 elements: above MIN_ELIDED_BYTES at 4 bytes, below at 1 and 2


def _artifact(fn, *args) -> bytes:
    return jax.export.export(jax.jit(fn))(*args).mlir_module_serialized


def _bytecode(module) -> bytes:
    buffer = io.BytesIO()
    module.operation.write_bytecode(buffer)
    return buffer.getvalue()


def _lean_and_plain(data: bytes):
    lean = importer._parse_lean(data, 0, len(data), "<test>", make_context())
    plain = importer._parse_bytecode(data, "<test>", make_context(), lean=False)
    return lean, plain


def _weights(dtype, shape=SHAPE, seed=0):
    rng = np.random.default_rng(seed)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return rng.integers(max(info.min, -1000), min(info.max, 1000), size=shape, endpoint=True).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


_DTYPES = [np.float32, np.float16, ml_dtypes.bfloat16, np.int8, np.uint8, np.int32, np.uint32, np.int16]


@pytest.mark.parametrize("dtype", _DTYPES, ids=lambda d: np.dtype(d).name)
def test_lean_parse_gives_the_plain_module(dtype):
    # Large enough for every width: 64 x 1024 elements.
    w1, w2 = _weights(dtype, (64, 1024), 1), _weights(dtype, (64, 1024), 2)

    def fn(x):
        return (x + w1) * w2, x - w1  # w1 used twice: one attribute

    data = _artifact(fn, jnp.zeros((64, 1024), dtype))
    elided = bytecode_constants.elide_large_constants(data)
    assert elided is not None
    slim, constants = elided
    assert len(constants) == 2 and len(slim) < len(data) - 2 * w1.nbytes
    lean, plain = _lean_and_plain(data)
    assert lean is not None
    assert _bytecode(lean) == _bytecode(plain)


def test_lean_parse_of_64_bit_constants():
    with jax.enable_x64(True):
        w = np.linspace(-3, 3, 16384, dtype=np.float64)
        i = np.arange(16384, dtype=np.int64) - 5

        def fn(x, y):
            return x * w, y + i

        data = _artifact(fn, jnp.zeros(16384, jnp.float64), jnp.zeros(16384, jnp.int64))
    _, constants = bytecode_constants.elide_large_constants(data)
    assert sorted(c.element for c in constants) == ["f64", "i64"]
    lean, plain = _lean_and_plain(data)
    assert lean is not None and _bytecode(lean) == _bytecode(plain)


def test_placeholders_avoid_values_other_constants_start_with():
    # Each weight starts with the bit pattern a placeholder would take first
    # (1, then 2): a placeholder equal to a constant would be the same
    # attribute after parsing, and the restore would overwrite both.
    first, second = _weights(np.float32, seed=3), _weights(np.float32, seed=4)
    first.view(np.uint32)[0, 0] = 1
    second.view(np.uint32)[0, 0] = 2
    small = np.full(SHAPE, np.uint32(3).view(np.float32))  # a splat: stays, but its value is taken

    def fn(x):
        return x * first + second - small

    data = _artifact(fn, jnp.zeros(SHAPE, jnp.float32))
    _, constants = bytecode_constants.elide_large_constants(data)
    assert sorted(int.from_bytes(c.placeholder, "little") for c in constants) == [4, 5]
    lean, plain = _lean_and_plain(data)
    assert lean is not None and _bytecode(lean) == _bytecode(plain)


def test_constants_in_loop_bodies_and_private_functions():
    w = _weights(np.float32, seed=5)
    v = _weights(np.float32, seed=6)

    @jax.jit
    def inner(x):
        return jnp.tanh(x @ v.T @ w)

    def fn(x):
        x = jax.lax.fori_loop(0, 3, lambda _, c: c * w + 1.0, x)
        return inner(x)

    data = _artifact(fn, jnp.zeros(SHAPE, jnp.float32))
    lean, plain = _lean_and_plain(data)
    assert lean is not None and _bytecode(lean) == _bytecode(plain)


def test_bool_complex_and_small_constants_are_parsed_as_they_are():
    flags = _weights(np.int32, seed=7) > 0
    z = (_weights(np.float32, seed=8) + 1j * _weights(np.float32, seed=9)).astype(np.complex64)
    small = _weights(np.float32, (8, 8), seed=10)
    big = _weights(np.float32, seed=11)

    def fn(x):
        return jnp.where(flags, x * z, 0), small @ small, x + big

    data = _artifact(fn, jnp.zeros(SHAPE, jnp.complex64))
    _, constants = bytecode_constants.elide_large_constants(data)
    assert [c.element for c in constants] == ["f32"]
    lean, plain = _lean_and_plain(data)
    assert lean is not None and _bytecode(lean) == _bytecode(plain)


_STRAY = """
func.func @main(%x: tensor<128x160xf32>) -> tensor<128x160xf32> {
  %w = stablehlo.constant dense<WEIGHTS> : tensor<128x160xf32>
  %y = stablehlo.custom_call @target(%x, %w) {api_version = 4 : i32,
      backend_config = {table = dense<WEIGHTS> : tensor<128x160xf32>}} : (tensor<128x160xf32>, tensor<128x160xf32>) -> tensor<128x160xf32>
  return %y : tensor<128x160xf32>
}
"""


def test_a_constant_also_used_as_an_attribute_falls_back_to_the_plain_parse():
    w = _weights(np.float32, seed=12)
    text = _STRAY.replace("WEIGHTS", '"0x' + w.tobytes().hex().upper() + '"')
    with make_context() as context:
        module = ir.Module.parse(text)
        data = stablehlo.serialize_portable_artifact(module, stablehlo.get_current_version())
    assert bytecode_constants.elide_large_constants(data) is not None
    lean, plain = _lean_and_plain(data)
    assert lean is None  # restore refused: the placeholder is also in backend_config
    via_importer = importer._parse_bytecode(data, "<test>", make_context())
    assert _bytecode(via_importer) == _bytecode(plain)
    del context


def test_file_load_is_lean_and_gives_the_plain_module(tmp_path, monkeypatch):
    w = _weights(np.float32, seed=13)
    exported = jax.export.export(jax.jit(lambda x: x @ w))(jnp.zeros((4, 128), jnp.float32))
    path = tmp_path / "model.jaxexport"
    path.write_bytes(exported.serialize())
    bytecode_path = tmp_path / "model.mlirbc"
    bytecode_path.write_bytes(exported.mlir_module_serialized)
    calls = []
    real = bytecode_constants.restore
    monkeypatch.setattr(bytecode_constants, "restore", lambda *a: calls.append(a) or real(*a))
    plain = importer._parse_bytecode(exported.mlir_module_serialized, "<test>", make_context(), lean=False)
    for source in (path, bytecode_path):
        module = importer.load(str(source), context=make_context()).module
        assert _bytecode(module) == _bytecode(plain)
    assert len(calls) == 2


def test_malformed_or_foreign_bytecode_is_not_elided():
    w = _weights(np.float32, seed=14)
    data = _artifact(lambda x: x + w, jnp.zeros(SHAPE, jnp.float32))
    assert bytecode_constants.elide_large_constants(data[: len(data) // 2]) is None
    assert bytecode_constants.elide_large_constants(b"not bytecode") is None
    # Plain MLIR bytecode (builtin dense attributes, no VHLO) is left alone.
    plain = importer._parse_bytecode(data, "<test>", make_context(), lean=False)
    assert bytecode_constants.elide_large_constants(_bytecode(plain)) is None


@pytest.mark.parametrize("value", [0, 1, 127, 128, 2**14 - 1, 2**14, 2**35, 2**56 - 1, 2**56, 2**64 - 1])
def test_varint_round_trip(value):
    encoded = bytecode_constants.encode_varint(value)
    reader = bytecode_constants._Reader(encoded + b"\xff")
    assert reader.varint() == value and reader.pos == len(encoded)
