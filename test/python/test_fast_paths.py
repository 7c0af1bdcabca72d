"""The conversion fast paths (hlo_coreml.fast_paths) change cost, not the
result: the MIL program text and the weight file of a model converted with
them equal those of the same model converted along the reference paths
(`fast_paths.reference_paths()`), compared by hash. The reference side is
computed in the same run from the same inputs, not a stored number."""

import glob
import hashlib
import os
import re

import numpy as np
import pytest

import hlo_coreml
from hlo_coreml import fast_paths
from hlo_coreml.coreml_fast_paths import _NumpyExactFirst

from examples.zoo.registry import build, export_model


def _digest(model, tmp_path, tag, **kwargs):
    path = os.path.join(tmp_path, f"{tag}.mlpackage")
    mlmodel = hlo_coreml.compile(model, minimum_deployment_target="iOS18", output_path=path, **kwargs)
    (weights,) = glob.glob(os.path.join(path, "Data", "com.apple.CoreML", "weights", "weight.bin"))
    with open(weights, "rb") as f:
        blob = f.read()
    # Blocks are numbered by a process-wide counter; the rest is the program.
    text = re.sub(r"\bblock\d+\(", "block(", str(mlmodel._mil_program))
    return hashlib.sha256(text.encode()).hexdigest(), hashlib.sha256(blob).hexdigest(), text.count("\n"), len(blob)


_TRANSFORMERS = [(name, precision) for name in ("gpt2", "bert", "vit_tiny") for precision in ("fp16", "fp32")]
# The other zoo architectures (convolutions whose transposes cancel, an
# unrolled scan, complex FFTs, GQA attention) at the default precision.
_OTHERS = [(name, "fp16") for name in ("mlp", "resnet18_32", "mobilenet_v2", "gru", "unet", "fno", "whisper_encoder", "llama")]


@pytest.mark.parametrize("name,precision", _TRANSFORMERS + _OTHERS)
def test_fast_paths_leave_program_and_weights_unchanged(name, precision, tmp_path):
    zoo = build(name, "small")
    artifact = os.path.join(tmp_path, f"{name}.jaxexport")
    with open(artifact, "wb") as f:
        f.write(export_model(zoo).serialize())
    fast = _digest(artifact, tmp_path, "fast", compute_precision=precision)
    with fast_paths.reference_paths():
        assert not fast_paths.enabled()
        reference = _digest(artifact, tmp_path, "reference", compute_precision=precision)
    assert fast_paths.enabled()
    assert fast[2] > 10 and fast[3] > 1000  # a real program with real weights
    assert fast == reference


def test_export_file_read_without_deserialize_gives_the_same_module(tmp_path):
    from hlo_coreml._mlir import make_context
    from hlo_coreml.importer import load

    zoo = build("mlp", "small")
    artifact = os.path.join(tmp_path, "mlp.jaxexport")
    with open(artifact, "wb") as f:
        f.write(export_model(zoo).serialize())
    fast = str(load(artifact, context=make_context()).module)
    with fast_paths.reference_paths():
        reference = str(load(artifact, context=make_context()).module)
    assert "stablehlo.dot_general" in fast
    assert fast == reference


def test_truncated_export_file_is_a_compile_error(tmp_path):
    zoo = build("mlp", "small")
    blob = export_model(zoo).serialize()
    artifact = os.path.join(tmp_path, "cut.jaxexport")
    with open(artifact, "wb") as f:
        f.write(blob[: len(blob) // 2])
    with pytest.raises(hlo_coreml.CompileError):
        hlo_coreml.compile(artifact)


_CASES = [
    (np.ones(6, np.float16), np.ones(6, np.float16)),
    (np.array([0.0, 1.0], np.float32), np.array([-0.0, 1.0], np.float32)),
    (np.array([np.nan, 1.0], np.float32), np.array([np.nan, 1.0], np.float32)),
    (np.array([np.inf, 1.0], np.float32), np.array([np.inf, 1.0], np.float32)),
    (np.array([1.0, 2.0], np.float32), np.array([1.0, 2.0 + 1e-13], np.float64)),
    (np.array([1.0, 2.0], np.float32), np.array([1.0, 2.5], np.float32)),
    (np.array([1.0, 2.0], np.float16), np.array([1.0, 2.001], np.float16)),
    (np.ones((2, 3), np.float32), np.ones((3, 2), np.float32).T),
    (np.ones((2, 1), np.float32), np.ones((1, 2), np.float32)),
]


@pytest.mark.parametrize("a,b", _CASES)
@pytest.mark.parametrize("atol", [0.0, 6e-8, 1e-12, 0.01])
def test_exact_first_allclose_answers_as_numpy(a, b, atol):
    want = np.allclose(a, b, rtol=0.0, atol=atol)
    assert _NumpyExactFirst().allclose(a, b, rtol=0.0, atol=atol) == want
    assert _NumpyExactFirst().allclose(a, a, rtol=0.0, atol=atol) == np.allclose(a, a, rtol=0.0, atol=atol)


def test_coremltools_restored_after_compile():
    import importlib

    from coremltools.converters.mil.backend.mil import helper
    from coremltools.converters.mil.mil.ops.defs.iOS15.elementwise_unary import cast

    module = importlib.import_module("coremltools.converters.mil.mil.passes.defs.cleanup.const_deduplication")
    before = (helper._get_offset_by_writing_data, cast.__dict__["get_cast_value"])
    hlo_coreml.compile(lambda x: x @ np.ones((4, 3), np.float32), np.ones((2, 4), np.float32))
    assert module.np is np
    assert (helper._get_offset_by_writing_data, cast.__dict__["get_cast_value"]) == before


def _var(value):
    from types import SimpleNamespace

    return SimpleNamespace(val=value, sym_val=None, _sym_val=SimpleNamespace(val=value))


def test_c_order_cast_gives_the_same_values_in_c_order():
    from coremltools.converters.mil.mil.ops.defs.iOS15.elementwise_unary import cast

    from hlo_coreml.coreml_fast_paths import _c_order_cast_value

    original = cast.__dict__["get_cast_value"]
    patched = _c_order_cast_value(original).__get__(None, cast)
    w = np.random.default_rng(0).standard_normal((64, 96)).astype(np.float32)
    for value in (w.T, w[::2], w, np.float32(1.5)):
        want = cast.get_cast_value(_var(value), "fp16")
        got = patched(_var(value), "fp16")
        assert got.dtype == want.dtype and np.shape(got) == np.shape(want)
        assert np.array_equal(got, want)
        if isinstance(got, np.ndarray):
            assert got.flags.c_contiguous


def test_sized_underflow_check_changes_what_the_original_changes():
    from coremltools.converters.mil.mil.passes.defs.quantization import FP16ComputePrecision

    from hlo_coreml.coreml_fast_paths import _sized_underflow_check

    original = FP16ComputePrecision._check_underflow_to_zero
    patched = _sized_underflow_check(original)
    for n in (3, 399, 400, 1000):
        source = np.full(n, 1e-9, np.float32)  # becomes 0 in fp16
        results = []
        for check in (original, patched):
            new = _var(source.astype(np.float16))
            check(FP16ComputePrecision(), new, _var(source))
            results.append(new._sym_val.val)
        assert np.array_equal(results[0], results[1])
        assert (results[0] != 0).all() == (n < 400)


def test_raise_fused_ops_evaluates_a_repeated_region_once(monkeypatch):
    """The same region (a norm repeated with the same gamma) is evaluated
    once per run with the fast paths, each time without; the rewritten
    module is the same either way."""
    from hlo_coreml._mlir import ir, make_context
    from hlo_coreml.passes.raise_fused_ops import composite
    from hlo_coreml.pipeline import run_pipeline

    source = open(os.path.join(os.path.dirname(__file__), "..", "lit", "passes", "raise_fused_ops_repeated.mlir")).read()
    calls = []
    original = composite._match_region
    monkeypatch.setattr(composite, "_match_region", lambda region, kind: calls.append(1) or original(region, kind))

    def run():
        calls.clear()
        with make_context() as context, ir.Location.unknown():
            module = ir.Module.parse(source, context)
            run_pipeline(module, ["hlo-coreml-raise-fused-ops"])
            return str(module), len(calls)

    fast, fast_calls = run()
    with fast_paths.reference_paths():
        reference, reference_calls = run()
    assert fast.count('stablehlo.composite "coreml.rms_norm"') == 4
    assert fast == reference
    assert 0 < fast_calls < reference_calls


def test_find_constants_groups_as_coremltools():
    """The patched const_deduplication.find_constants (hash of the first
    elements without a copy of a transposed view) gives coremltools' groups
    on a program with transposed views, exact and near duplicates, and
    constants below the size threshold."""
    from coremltools.converters.mil import Builder as mb

    from hlo_coreml.coreml_fast_paths import _const_deduplication_class, _find_constants_hashing_heads

    rng = np.random.default_rng(0)
    w = rng.standard_normal((96, 64)).astype(np.float32)
    values = [
        w, w.T, np.ascontiguousarray(w.T), w.T.copy(), w[::2], np.ascontiguousarray(w[::2]),
        w + np.float32(1e-13), w.astype(np.float16), w.astype(np.float16).T, np.ones(50, np.float32),
        np.ones(50, np.float32), np.arange(200, dtype=np.int32), np.arange(200, dtype=np.int32)[::-1],
        np.arange(200, dtype=np.int32),
    ]

    @mb.program(input_specs=[mb.TensorSpec(shape=(2,))])
    def program(x):
        for v in values:
            mb.const(val=v)
        return x

    block = program.functions["main"]
    dedup = _const_deduplication_class()
    patched = _find_constants_hashing_heads().__func__

    def names(groups):
        return {u.name: [d.name for d in ds] for u, ds in groups.items()}

    want = names(dedup.find_constants([block]))
    assert names(patched([block])) == want
    assert sum(len(ds) for ds in want.values()) >= 4  # real duplicates found


@pytest.mark.parametrize(
    "value",
    [
        np.random.default_rng(1).random((128, 128)) > 0.5,
        np.arange(-300, 300, dtype=np.int32).reshape(20, 30),
        np.arange(12, dtype=np.int64).reshape(3, 4).T,
        np.random.default_rng(2).standard_normal((7, 5)).astype(np.float32),
        np.random.default_rng(3).standard_normal(9),
        np.array(True),
        np.zeros((0, 3), np.int32),
        np.arange(6, dtype=np.int16),
        np.arange(6, dtype=np.float16),
        np.arange(6, dtype=np.uint8),
    ],
)
def test_bulk_tensor_values_serialize_as_coremltools(value):
    from coremltools.converters.mil.backend.mil import helper

    from hlo_coreml.coreml_fast_paths import _tensor_values_in_bulk

    want = helper.create_tensor_value(value).SerializeToString()
    assert _tensor_values_in_bulk(helper.create_tensor_value)(value).SerializeToString() == want


def _transposes_program(kind: str):
    """A small program for reduce_transposes: `cancelling` (a transpose pair
    around a relu cancels), `idle` (nothing to cancel), `rematerialized`
    (BERT's attention scores: two transposes feed one matmul, so both are
    removed and put back in front of it), `axes` (a pair around a
    reduction, a concat and a pad, whose axes are updated, with ops
    downstream of them), `outputs` (a cancelled pair next to a block
    output)."""
    from coremltools.converters.mil import Builder as mb

    @mb.program(input_specs=[mb.TensorSpec(shape=(1, 3, 4, 5)), mb.TensorSpec(shape=(1, 3, 4, 5))])
    def program(x, z):
        if kind == "rematerialized":
            q = mb.transpose(x=mb.mul(x=x, y=0.125), perm=[0, 2, 1, 3], name="tq")
            k = mb.transpose(x=z, perm=[0, 2, 3, 1], name="tk")
            s = mb.softmax(x=mb.matmul(x=q, y=k, name="scores"), axis=-1)
            v = mb.transpose(x=z, perm=[0, 2, 1, 3], name="tv")
            o = mb.transpose(x=mb.matmul(x=s, y=v), perm=[0, 2, 1, 3], name="to")
            return mb.reshape(x=o, shape=[1, 3, 20], name="out")
        y = mb.transpose(x=x, perm=[0, 2, 3, 1], name="t0")
        y = mb.relu(x=y, name="r")
        if kind == "idle":
            return mb.reduce_sum(x=y, axes=[1, 2], name="out")
        if kind == "axes":
            y = mb.reduce_mean(x=y, axes=[1], keep_dims=True, name="m")
            y = mb.concat(values=[y, y], axis=3, name="c")
            y = mb.pad(x=y, pad=[0, 0, 0, 0, 1, 1, 0, 0], name="p")
            y = mb.transpose(x=y, perm=[0, 3, 1, 2], name="t1")
            y = mb.mul(x=y, y=2.0, name="after")
            return mb.reduce_sum(x=y, axes=[1], name="out")
        y = mb.transpose(x=y, perm=[0, 3, 1, 2], name="t1")
        out = mb.add(x=y, y=x, name="out")
        if kind == "outputs":
            return out, mb.transpose(x=mb.transpose(x=z, perm=[0, 2, 3, 1]), perm=[0, 3, 1, 2], name="out2")
        return out

    return program


_TRANSPOSE_KINDS = ["cancelling", "idle", "rematerialized", "axes", "outputs"]


@pytest.mark.parametrize("kind", _TRANSPOSE_KINDS)
def test_reduce_transposes_gives_coremltools_program(kind):
    """reduce_transposes re-inferring only the ops it changed gives the
    program (text, types and values) coremltools' own pass gives, and the
    local inference skips ops where the full one would not."""
    from coremltools.converters.mil.converter import _reset_conversion_state
    from coremltools.converters.mil.mil.passes.pass_registry import PASS_REGISTRY

    from hlo_coreml import coreml_fast_paths
    from hlo_coreml.coreml_fast_paths import _transpose_optimization_class, _transpose_removal_with_local_inference

    texts, counts = [], []
    original_reinfer = coreml_fast_paths.reinfer_changed_ops

    def counting(block, wiring, updated):
        n = original_reinfer(block, wiring, updated)
        counts.append((n, len(block.operations)))
        return n

    for patched in (False, True):
        _reset_conversion_state()  # op names count from 0 again
        program = _transposes_program(kind)
        cls = _transpose_optimization_class()
        original = cls.apply_transform
        if patched:
            cls.apply_transform = _transpose_removal_with_local_inference(original)
            coreml_fast_paths.reinfer_changed_ops = counting
        try:
            PASS_REGISTRY["common::reduce_transposes"](program)
        finally:
            cls.apply_transform = original
            coreml_fast_paths.reinfer_changed_ops = original_reinfer
        block = program.functions["main"]
        types_and_values = [
            (op.op_type, v.sym_type, None if v.val is None else np.asarray(v.val).tolist()) for op in block.operations for v in op.outputs
        ]
        texts.append((re.sub(r"\bblock\d+\(", "block(", str(program)), types_and_values))
    assert texts[0] == texts[1]
    transposes = texts[0][0].count("transpose(")
    assert transposes == {"cancelling": 0, "idle": 1, "rematerialized": 4, "axes": 0, "outputs": 0}[kind]
    ((reinferred, ops),) = counts
    assert reinferred < ops
    if kind == "idle":
        assert reinferred == 0


def test_local_reinference_propagates_a_changed_type():
    """An op downstream of one whose output type the change altered is
    re-inferred, however far downstream; an unrelated op is not."""
    from coremltools.converters.mil import Builder as mb

    from hlo_coreml.coreml_fast_paths import reinfer_changed_ops

    @mb.program(input_specs=[mb.TensorSpec(shape=(2, 3)), mb.TensorSpec(shape=(4, 2))])
    def program(x, w):
        a = mb.relu(x=x, name="a")
        b = mb.exp(x=a, name="b")
        c = mb.reduce_sum(x=b, axes=[0], name="c")
        d = mb.sigmoid(x=w, name="d")
        return c, d

    block = program.functions["main"]
    wiring = {op: tuple(op.get_flattened_inputs()) for op in block.operations}
    a_op = next(op for op in block.operations if op.name == "a")
    with block:
        t = mb.transpose(x=block.inputs["w"], perm=[1, 0], before_op=a_op, name="t")
        # a reads a (2, 4) tensor now; b and c learn it only by re-inference.
        block.replace_uses_of_var_after_op(anchor_op=t.op, old_var=block.inputs["x"], new_var=t, no_check_var_types=True)
    assert reinfer_changed_ops(block, wiring, set()) == 5  # t and its perm const, a, b, c; not d
    shapes = {op.name: op.outputs[0].shape for op in block.operations if op.op_type != "const"}
    assert shapes == {"t": (2, 4), "a": (2, 4), "b": (2, 4), "c": (4,), "d": (4, 2)}


def test_memoized_is_tensor_answers_as_coremltools():
    from coremltools.converters.mil.mil import types
    from coremltools.converters.mil.mil.types import type_mapping

    from hlo_coreml.coreml_fast_paths import _memoized_is_tensor

    memoized = _memoized_is_tensor(type_mapping.is_tensor)
    cases = [
        types.tensor(types.fp32, (2, 3)), types.tensor(types.fp16, ()), types.tensor(types.bool, (1,)),
        types.fp32, types.int32, types.bool, types.str, types.list(types.fp32), types.tuple((types.fp32,)),
        None, 3, "tensor", np.float32, np.ones(2), int,
    ]
    for t in cases + cases:  # the second round answers from the memo
        assert memoized(t) == type_mapping.is_tensor(t), t
    assert sum(memoized(t) for t in cases) == 3


def _tree(path):
    """Every file and folder under `path`: relative path -> (mode, bytes);
    the manifest with its random item identifiers replaced by the items'
    paths."""
    import json

    out = {}
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            full = os.path.join(root, name)
            rel = os.path.relpath(full, path)
            content = None
            if os.path.isfile(full):
                with open(full, "rb") as f:
                    content = f.read()
                if name == "Manifest.json":
                    manifest = json.loads(content)
                    entries = manifest["itemInfoEntries"]
                    manifest["rootModelIdentifier"] = entries[manifest["rootModelIdentifier"]]["path"]
                    manifest["itemInfoEntries"] = sorted(entries.values(), key=lambda e: e["path"])
                    content = json.dumps(manifest, sort_keys=True)
            out[rel] = (os.stat(full).st_mode, content)
    return out


def test_package_linking_weights_writes_coremltools_package(tmp_path):
    """_create_mlpackage with the weight files hard-linked in gives the
    package coremltools writes (the same files, modes, bytes and manifest
    items), and leaves the weight folder as it was."""
    from coremltools.models import model as model_module
    from coremltools.proto import Model_pb2

    from hlo_coreml.coreml_fast_paths import _package_linking_weights

    weights = tmp_path / "weights"
    weights.mkdir()
    (weights / "weight.bin").write_bytes(os.urandom(5000))
    before = _tree(weights)
    spec = Model_pb2.Model(specificationVersion=9)
    spec.description.metadata.shortDescription = "test"
    original = model_module._create_mlpackage
    want = original(spec, str(weights), str(tmp_path / "want.mlpackage"))
    got = _package_linking_weights(original)(spec, str(weights), str(tmp_path / "got.mlpackage"))
    assert got == str(tmp_path / "got.mlpackage")
    assert _tree(got) == _tree(want)
    assert len(_tree(got)) == 6  # Manifest, Data, its author folder, model, weights folder, weight.bin
    assert _tree(weights) == before
    assert os.stat(os.path.join(got, "Data", "com.apple.CoreML", "weights", "weight.bin")).st_nlink == 2
    without_weights = _package_linking_weights(original)(spec, None, str(tmp_path / "none.mlpackage"))
    assert _tree(without_weights) == _tree(original(spec, None, str(tmp_path / "none2.mlpackage")))
    # A weight folder with a subfolder goes to coremltools (which skips it).
    (weights / "sub").mkdir()
    (weights / "sub" / "more.bin").write_bytes(b"x")
    got = _package_linking_weights(original)(spec, str(weights), str(tmp_path / "got2.mlpackage"))
    assert _tree(got) == _tree(original(spec, str(weights), str(tmp_path / "want2.mlpackage")))


@pytest.mark.parametrize("fast", [True, False])
def test_saving_by_moving_the_package_gives_the_saved_package(tmp_path, fast):
    """compile(..., output_path=) saves the package it would save by
    copying (the same files and bytes, metadata included) whether the
    temporary package is moved or copied; with the fast paths on, nothing
    is copied."""
    import shutil as shutil_module

    from coremltools.models import model as model_module

    copies = []
    real = shutil_module.copytree

    def counting(src, dst, *args, **kwargs):
        copies.append(src)
        return real(src, dst, *args, **kwargs)

    def f(x):
        return x @ np.arange(12, dtype=np.float32).reshape(4, 3) + 1.0

    x = np.ones((2, 4), np.float32)
    path = str(tmp_path / "m.mlpackage")
    with fast_paths.reference_paths():
        hlo_coreml.compile(f, x, output_path=str(tmp_path / "ref.mlpackage"), version="1.2")
    saved = model_module._shutil
    model_module._shutil = type("S", (), {"copytree": staticmethod(counting), "__getattr__": lambda self, n: getattr(shutil_module, n)})()
    try:
        if fast:
            mlmodel = hlo_coreml.compile(f, x, output_path=path, version="1.2")
        else:
            with fast_paths.reference_paths():
                mlmodel = hlo_coreml.compile(f, x, output_path=path, version="1.2")
    finally:
        model_module._shutil = saved
    assert model_module._shutil is shutil_module
    assert len(copies) == (0 if fast else 1)
    assert _tree(path) == _tree(str(tmp_path / "ref.mlpackage"))
    assert mlmodel.package_path == path and os.path.isdir(path)
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".hlo-coreml-")]
    (got,) = hlo_coreml.run(mlmodel, {"x": x}).values()  # the model works from its saved package
    np.testing.assert_allclose(got, f(x), rtol=1e-2)


def test_fp16_range_answers_as_min_and_max_and_follows_writes():
    """within_fp16_range gives max <= 65504 and min >= -65504 for every
    kind of array, remembers the answer only for arrays nothing can write
    to, and so follows a write to a writeable array or to the writeable
    base of a read-only view."""
    from hlo_coreml.coreml_patches import _range_memo, within_fp16_range

    def frozen(a):
        a = np.array(a, np.float32)
        a.flags.writeable = False
        return a

    cases = [frozen([1.0, -65504.0]), frozen([65505.0]), frozen([-1e38, 0.0]), frozen([np.nan, 1.0]),
             frozen([np.inf]), frozen(np.ones((40, 30)) * 7).T, np.array([3.0, 70000.0], np.float32)]
    for a in cases + cases:  # the second round answers from the memo where there is one
        assert within_fp16_range(a) == bool(a.max() <= 65504 and a.min() >= -65504)
    base = np.ones(8, np.float32)
    view = base[::2]
    view.flags.writeable = False
    assert within_fp16_range(view)
    base[2] = 1e6  # seen through the read-only view
    assert not within_fp16_range(view)
    writeable = np.ones(4, np.float32)
    assert within_fp16_range(writeable)
    writeable[0] = -1e9
    assert not within_fp16_range(writeable)
    with fast_paths.reference_paths():
        _range_memo.clear()
        assert not within_fp16_range(cases[1]) and not _range_memo


@pytest.mark.parametrize("shape", [(600, 300), (257, 513), (300, 256)])
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_tiled_cast_gives_astype_values_in_c_order(shape, dtype):
    """cast_in_c_order (tiles for large transposed matrices) gives NumPy's
    astype(order="C") bit for bit, overflow, NaN, inf, -0 and fp16
    subnormals included."""
    from hlo_coreml.coreml_fast_paths import cast_in_c_order

    rng = np.random.default_rng(0)
    w = (rng.standard_normal(shape[::-1]) * rng.choice([1e-7, 1.0, 1e5], shape[::-1])).astype(np.float32)
    w.flat[:5] = [np.nan, np.inf, -np.inf, -0.0, 70000.0]
    for value in (w.T, w[::2, ::3].T, w):
        with np.errstate(over="ignore"):
            want = value.astype(dtype, order="C")
            got = cast_in_c_order(value, np.dtype(dtype))
        assert got.flags.c_contiguous and got.dtype == want.dtype and got.shape == want.shape
        assert got.tobytes() == want.tobytes()
