"""compile() skips coremltools' per-pass re-validation of the MIL program and
its eager debug printing, validates the converted program once, and leaves
coremltools as it found it."""

import jax.numpy as jnp
import numpy as np
import pytest
from coremltools.converters.mil.mil import Block, Function, Program

import hlo_coreml

X = np.linspace(-1, 1, 8, dtype=np.float32).reshape(2, 4)


def _model(x):
    return jnp.tanh(x * 2.0 + 1.0).sum(axis=-1)


@pytest.fixture
def validate_calls(monkeypatch):
    calls = []
    original = Program.validate

    def counting(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Program, "validate", counting)
    return calls


def test_validated_once(validate_calls, monkeypatch):
    monkeypatch.delenv("HLO_COREML_MIL_VALIDATE", raising=False)
    hlo_coreml.compile(_model, X)
    assert len(validate_calls) == 1


def test_per_pass_validation_on_request(validate_calls, monkeypatch):
    monkeypatch.setenv("HLO_COREML_MIL_VALIDATE", "each")
    hlo_coreml.compile(_model, X)
    assert len(validate_calls) > 20  # once per coremltools graph pass, and once more at the end


def _class_dicts():
    return [{name: cls.__dict__.get(name) for name in ("validate", "__str__")} for cls in (Program, Function, Block)]


def test_coremltools_restored_after_compile():
    before = _class_dicts()
    hlo_coreml.compile(_model, X)
    assert _class_dicts() == before


def test_programs_print_again_after_compile():
    model = hlo_coreml.compile(_model, X)
    assert "tanh" in str(model._mil_program)


@pytest.mark.parametrize(
    "values",
    [
        [1.0, -2.0, 65504.0, -65504.0],  # within fp16's range
        [1.0, 70000.0, 0.0, 0.0],  # finite, beyond fp16
        [1.0, -70000.0, 0.0, 0.0],
        [1.0, -3.0e38, 0.0, 0.0],  # >= 1e38: coremltools treats it as infinity
        [1.0, np.inf, -np.inf, 0.0],
        [1.0, np.nan, 0.0, 0.0],
        [np.nan, 70000.0, 0.0, 0.0],
    ],
)
def test_fast_fp16_overflow_agrees_with_coremltools(values):
    from coremltools.converters.mil import Builder as mb
    from coremltools.converters.mil.mil.passes.defs.quantization import FP16ComputePrecision

    from hlo_coreml.coreml_patches import _fast_fp16_overflow

    @mb.program(input_specs=[mb.TensorSpec(shape=(4,))])
    def prog(x):
        return mb.add(x=x, y=np.asarray(values, np.float32))

    (op,) = prog.functions["main"].find_ops(op_type="add")
    original = FP16ComputePrecision.fp16_overflow
    fast = _fast_fp16_overflow(original).__func__
    assert fast(op) == original(op)


def _upstream_sets(block):
    """For each op output of the block tree in order: the positions (in the
    same order) of the constexpr vars upstream of it. Positions, not names:
    each build of a program gets fresh names."""
    outputs = []

    def walk(b):
        for op in b.operations:
            for inner in op.blocks:
                walk(inner)
            outputs.extend(op.outputs or ())

    walk(block)
    position = {id(v): i for i, v in enumerate(outputs)}
    return [sorted(position[id(u)] for u in v._nonreplaceable_vars_upstream) for v in outputs]


def _programs():
    import coremltools as ct
    from coremltools.converters.mil import Builder as mb

    @mb.program(input_specs=[mb.TensorSpec(shape=(2, 4))])
    def plain(x):
        return mb.add(x=mb.tanh(x=x), y=np.ones((2, 4), np.float32))

    @mb.program(input_specs=[mb.TensorSpec(shape=(2, 4))], opset_version=ct.target.iOS16)
    def with_constexpr(x):
        w = mb.constexpr_affine_dequantize(
            quantized_data=np.arange(8, dtype=np.int8).reshape(2, 4),
            zero_point=np.int8(0), scale=np.float32(0.5), axis=0)
        return mb.add(x=mb.tanh(x=x), y=w)

    return {"plain": plain, "with_constexpr": with_constexpr}


@pytest.mark.parametrize("name", ["plain", "with_constexpr"])
@pytest.mark.parametrize("stale", [False, True], ids=["fresh", "stale-set"])
def test_fast_nonreplaceable_propagation_agrees_with_coremltools(name, stale):
    """The fast path leaves every var's set of upstream constexpr vars as
    coremltools' full propagation does: with and without constexpr ops, and
    when a var still carries a set from a constexpr op a pass removed."""
    from hlo_coreml.coreml_patches import _fast_propagate_nonreplaceable_vars

    original = Block._propagate_nonreplaceable_vars
    results = []
    for propagate in (original, _fast_propagate_nonreplaceable_vars(original)):
        block = _programs()[name].functions["main"]
        if stale:
            tanh = block.find_ops(op_type="tanh")[0].outputs[0]
            block.find_ops(op_type="add")[0].outputs[0]._nonreplaceable_vars_upstream = {tanh}
        propagate(block)
        results.append(_upstream_sets(block))
    assert results[0] == results[1]
    if name == "with_constexpr":
        assert any(results[0])  # the check sees a non-empty set
