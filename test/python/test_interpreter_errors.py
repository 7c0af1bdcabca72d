"""Error reporting of the interpreter: bad inputs, unknown ops, unsupported models."""

import numpy as np
import pytest

ct = pytest.importorskip("coremltools")

from coremltools.converters.mil import Builder as mb  # noqa: E402
from coremltools.converters.mil.mil import types  # noqa: E402

from hlo_coreml.interpreter import OP_TABLE, Interpreter, InterpreterError, run  # noqa: E402

IOS17 = ct.target.iOS17


@pytest.fixture(scope="module")
def prog():
    @mb.program(input_specs=[mb.TensorSpec(shape=(2, 3), dtype=types.fp32),
                             mb.TensorSpec(shape=(3,), dtype=types.int32)], opset_version=IOS17)
    def p(x, k):
        y = mb.relu(x=x, name="act")
        return mb.add(x=y, y=mb.cast(x=k, dtype="fp32"), name="out")

    return p


def feeds():
    return {"x": np.ones((2, 3), np.float32), "k": np.arange(3, dtype=np.int32)}


def test_ok_and_dtype_cast(prog):
    # float64 / a list are cast when every value survives the cast unchanged.
    out = run(prog, {"x": np.ones((2, 3)), "k": [0.0, 1.0, 2.0]})["out"]
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [[1, 2, 3], [1, 2, 3]])


def test_dtype_cast_that_changes_values_is_refused(prog):
    with pytest.raises(InterpreterError, match=r"input 'k' has dtype float64.*int32 would change its values.*1\.9 -> 1"):
        run(prog, {"x": np.ones((2, 3)), "k": [0.0, 1.9, 2.0]})


def test_interpreterError_is_valueerror():
    assert issubclass(InterpreterError, ValueError)


def test_missing_input(prog):
    with pytest.raises(InterpreterError, match=r"missing input\(s\) \['k'\]"):
        run(prog, {"x": np.ones((2, 3), np.float32)})


def test_unknown_input(prog):
    with pytest.raises(InterpreterError, match=r"unknown input name\(s\) \['y'\].*expects \['x', 'k'\]"):
        run(prog, {**feeds(), "y": np.ones(3)})


def test_wrong_shape(prog):
    with pytest.raises(InterpreterError, match=r"input 'x' has shape \(3, 2\).*declares \(2, 3\)"):
        run(prog, {**feeds(), "x": np.ones((3, 2), np.float32)})
    with pytest.raises(InterpreterError, match=r"input 'k' has shape \(\)"):
        run(prog, {**feeds(), "k": np.int32(3)})


def test_unimplemented_op_in_table(prog, monkeypatch):
    monkeypatch.delitem(OP_TABLE, "relu")
    with pytest.raises(InterpreterError, match=r"op type 'relu' \(op 'act'\) is not implemented"):
        run(prog, feeds())


def test_op_left_out_of_interpreter():
    """random_uniform is deliberately not implemented (no deterministic reference)."""
    assert "random_uniform" not in OP_TABLE

    @mb.program(input_specs=[mb.TensorSpec(shape=(2,), dtype=types.fp32)], opset_version=IOS17)
    def p(x):
        r = mb.random_uniform(shape=np.array([2], np.int32), name="noise")
        return mb.add(x=x, y=r)

    with pytest.raises(InterpreterError, match=r"'random_uniform' \(op 'noise'\)"):
        run(p, {"x": np.zeros(2, np.float32)})


def test_runtime_failure_names_the_op():
    @mb.program(input_specs=[mb.TensorSpec(shape=(4,), dtype=types.int32)], opset_version=IOS17)
    def p(i):
        return mb.gather(x=np.arange(3, dtype=np.float32), indices=i, name="lookup")

    with pytest.raises(InterpreterError, match=r"gather 'lookup': index 7 out of bounds"):
        run(p, {"i": np.array([0, 1, 2, 7], np.int32)})


def test_bad_model_objects(tmp_path):
    with pytest.raises(InterpreterError, match="does not exist"):
        run(tmp_path / "nope.mlpackage", {})
    with pytest.raises(InterpreterError, match="cannot interpret object of type int"):
        Interpreter(42)


def test_neuralnetwork_model_is_rejected():
    @mb.program(input_specs=[mb.TensorSpec(shape=(2,), dtype=types.fp32)])
    def p(x):
        return mb.relu(x=x)

    nn_model = ct.convert(p, source="milinternal", convert_to="neuralnetwork")
    with pytest.raises(InterpreterError, match="only mlprogram models are supported"):
        run(nn_model, {"x": np.zeros(2, np.float32)})


def test_inputs_must_be_a_mapping(prog):
    with pytest.raises(InterpreterError, match="inputs must be a dict"):
        run(prog, [np.ones((2, 3))])
