"""Strict mode of the reference interpreter (interpreter/readings.py).

Each case builds a small MIL program whose output does (or, after masking,
does not) depend on a behaviour the Core ML op documentation leaves open,
and checks that `run(..., strict=True)` fails naming the op, or passes. The
expected values of the default reading are written out by hand.
"""

import numpy as np
import pytest

ct = pytest.importorskip("coremltools")

from coremltools.converters.mil import Builder as mb  # noqa: E402

from hlo_coreml.interpreter import InterpreterError, UnderspecifiedBehaviourError, run  # noqa: E402
from helpers import mil_program  # noqa: E402

IOS17 = ct.target.iOS17


def build(fn, inputs, opset=IOS17):
    """Program whose inputs are ``inputs`` (name -> array) and body ``fn(**vars)``."""
    return mil_program(fn, inputs, opset)


def strict(fn, inputs):
    return list(run(build(fn, inputs), inputs, strict=True).values())


def lenient(fn, inputs):
    return list(run(build(fn, inputs), inputs).values())


def fails(fn, inputs, op_type, behaviour_words):
    with pytest.raises(UnderspecifiedBehaviourError) as info:
        strict(fn, inputs)
    text = str(info.value)
    assert op_type in text and behaviour_words in text, text
    return text


I = np.int32


def test_mod_negative_operand_fails_naming_the_op():
    x = np.array([-7, 7, 5], I)
    text = fails(lambda x: mb.mod(x=x, y=I(2), name="parity"), {"x": x}, "mod 'parity'", "floor-mod vs C fmod")
    assert "-1" in text or "1 vs" in text
    # The default reading is floor-mod (value_inference's operator.mod).
    np.testing.assert_array_equal(lenient(lambda x: mb.mod(x=x, y=I(2)), {"x": x})[0], [1, 1, 1])


def test_mod_non_negative_operands_pass():
    x = np.array([0, 7, 5], I)
    (out,) = strict(lambda x: mb.mod(x=x, y=I(3)), {"x": x})
    np.testing.assert_array_equal(out, [0, 1, 2])


def test_mod_difference_masked_later_passes():
    # abs(x % 2) is the parity under either convention.
    x = np.array([-7, -4, 5], I)
    (out,) = strict(lambda x: mb.abs(x=mb.mod(x=x, y=I(2))), {"x": x})
    np.testing.assert_array_equal(out, [1, 0, 1])


def test_round_ties():
    x = np.array([0.5, 1.5, -2.5, 0.3], np.float32)
    fails(lambda x: mb.round(x=x), {"x": x}, "round", "half to even vs half away")
    np.testing.assert_array_equal(lenient(lambda x: mb.round(x=x), {"x": x})[0], [0, 2, -2, 0])
    (out,) = strict(lambda x: mb.round(x=x), {"x": np.array([0.4, 1.6, -2.7], np.float32)})
    np.testing.assert_array_equal(out, [0, 2, -3])


def test_argsort_ties_indices_fail_values_pass():
    x = np.array([[3.0, 1.0, 3.0, 2.0]], np.float32)
    fails(lambda x: mb.argsort(x=x, axis=-1, ascending=True), {"x": x}, "argsort", "order of equal keys")
    np.testing.assert_array_equal(lenient(lambda x: mb.argsort(x=x, axis=-1, ascending=True), {"x": x})[0], [[1, 3, 0, 2]])
    # Only the sorted values are used: they do not depend on the tie order.
    (out,) = strict(
        lambda x: mb.gather_along_axis(x=x, indices=mb.argsort(x=x, axis=-1, ascending=False), axis=-1), {"x": x}
    )
    np.testing.assert_array_equal(out, [[3, 3, 2, 1]])


def test_topk_and_argmax_ties():
    x = np.array([[1.0, 5.0, 5.0, 0.0]], np.float32)
    fails(lambda x: mb.topk(x=x, k=2, axis=-1)[1], {"x": x}, "topk", "order of equal keys")
    fails(lambda x: mb.reduce_argmax(x=x, axis=-1), {"x": x}, "reduce_argmax", "order of equal keys")
    np.testing.assert_array_equal(lenient(lambda x: mb.reduce_argmax(x=x, axis=-1), {"x": x})[0], [1])
    (values,) = strict(lambda x: mb.topk(x=x, k=2, axis=-1)[0], {"x": x})
    np.testing.assert_array_equal(values, [[5, 5]])


def test_max_pool_padding_value():
    x = -np.arange(1, 7, dtype=np.float32).reshape(1, 1, 6)
    pool = lambda x: mb.max_pool(x=x, kernel_sizes=[3], strides=[2], pad_type="custom", pad=[1, 1])  # noqa: E731
    fails(pool, {"x": x}, "max_pool", "padding / windows without input elements")
    np.testing.assert_array_equal(lenient(pool, {"x": x})[0], [[[-1, -2, -4]]])
    (out,) = strict(lambda x: mb.max_pool(x=x, kernel_sizes=[3], strides=[2], pad_type="valid"), {"x": x})
    np.testing.assert_array_equal(out, [[[-1, -3]]])


def test_avg_pool_window_without_input_elements():
    x = np.arange(1, 5, dtype=np.float32).reshape(1, 1, 4)
    # pad 3, kernel 3, stride 2: the first window [-3, 0) is padding only.
    empty = lambda x: mb.avg_pool(x=x, kernel_sizes=[3], strides=[2], pad_type="custom", pad=[3, 3])  # noqa: E731
    fails(empty, {"x": x}, "avg_pool", "windows without input elements")
    np.testing.assert_allclose(lenient(empty, {"x": x})[0], [[[0, 1, 3, 4 / 3]]], rtol=1e-6)
    # pad 1: every window holds an input element; the padded zeros count (documented).
    (out,) = strict(lambda x: mb.avg_pool(x=x, kernel_sizes=[3], strides=[2], pad_type="custom", pad=[1, 1]), {"x": x})
    np.testing.assert_allclose(out, [[[1, 3]]], rtol=1e-6)


def test_gather_out_of_range():
    x = np.array([10, 20, 30], I)
    idx = np.array([0, 4], I)
    gather = lambda x, idx: mb.gather(x=x, indices=idx, axis=0)  # noqa: E731
    with pytest.raises(InterpreterError, match="out of bounds"):
        lenient(gather, {"x": x, "idx": idx})
    fails(gather, {"x": x, "idx": idx}, "gather", "clamped vs wrapped")
    # The out-of-range element is discarded by a select: no dependence.
    masked = lambda x, idx: mb.select(  # noqa: E731
        cond=mb.less(x=idx, y=I(3)), a=mb.gather(x=x, indices=idx, axis=0), b=mb.mul(x=idx, y=I(0))
    )
    (out,) = strict(masked, {"x": x, "idx": idx})
    np.testing.assert_array_equal(out, [10, 0])


def test_scatter_update_repeated_index():
    data = np.zeros(3, np.float32)
    upd = np.array([1.0, 2.0], np.float32)
    idx = np.array([[1], [1]], I)
    fn = lambda d, u, i: mb.scatter_nd(data=d, indices=i, updates=u, mode="update")  # noqa: E731
    fails(fn, {"d": data, "u": upd, "i": idx}, "scatter_nd", "repeated-index update")
    (out,) = strict(fn, {"d": data, "u": upd, "i": np.array([[0], [2]], I)})
    np.testing.assert_array_equal(out, [1, 0, 2])


def test_strict_keeps_states_and_default_unchanged():
    x = np.array([-3, 4], I)
    # Default (non-strict) results are the value_inference reading.
    assert lenient(lambda x: mb.mod(x=x, y=I(4)), {"x": x})[0].tolist() == [1, 0]


def test_cli_run_strict(tmp_path):
    import jax.numpy as jnp

    import hlo_coreml
    from hlo_coreml.cli import main

    x = np.array([0.5, 1.5], np.float32)
    path = tmp_path / "m.mlpackage"
    # A MIL `round` written directly would be flagged; compiled JAX code is not.
    hlo_coreml.compile(lambda x: jnp.round(x), x, output_path=str(path), compute_precision="fp32")
    np.save(tmp_path / "x.npy", x)
    assert main(["run", str(path), "--strict", "-i", f"x={tmp_path / 'x.npy'}", "-o", str(tmp_path / "o.npz")]) == 0
    (out,) = np.load(tmp_path / "o.npz").values()
    np.testing.assert_array_equal(out, [0, 2])
