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
