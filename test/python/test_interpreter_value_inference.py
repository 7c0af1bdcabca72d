"""Cross-check the interpreter against coremltools' own value_inference.

For each case the reference is computed by coremltools itself: inside
``Function({}, opset_version=...)`` the op is built with ``mb.<op>`` on NumPy
constants and its ``.val`` is read (reference doc, Appendix B). The same op is
then built in a program whose tensor inputs are real function inputs, and the
interpreter runs that program on the same values.

Cases avoid the value_inference bugs found in coremltools 9.0 (see the
report): exclusive cumsum crashes, scatter_along_axis ignores ``mode``,
concat ignores ``interleave``, reverse_sequence is unimplemented, and
clamped_relu disagrees with its docstring for beta < 0.
"""

import numpy as np
import pytest

ct = pytest.importorskip("coremltools")

from coremltools.converters.mil import Builder as mb  # noqa: E402
from coremltools.converters.mil.mil import Function, Program  # noqa: E402
from coremltools.converters.mil.mil.types.type_mapping import numpy_type_to_builtin_type  # noqa: E402

from hlo_coreml.interpreter import run  # noqa: E402

IOS15 = ct.target.iOS15
IOS16 = ct.target.iOS16
IOS17 = ct.target.iOS17
IOS18 = ct.target.iOS18

_rng = np.random.default_rng(1234)


def f32(*shape, lo=-2.0, hi=2.0):
    return _rng.uniform(lo, hi, size=shape).astype(np.float32)


def f16(*shape, lo=-2.0, hi=2.0):
    return _rng.uniform(lo, hi, size=shape).astype(np.float16)


def i32(*shape, lo=-10, hi=10):
    return _rng.integers(lo, hi, size=shape).astype(np.int32)


def b(*shape):
    return _rng.integers(0, 2, size=shape).astype(bool)


class Case:
    """One op application: dynamic inputs, const params, opset, optional tuple grouping."""

    def __init__(self, op, dyn, params=None, opset=IOS17, group=None, scalars=(), id=None, tol=None):
        self.op, self.dyn, self.params = op, dyn, params or {}
        self.opset, self.group, self.scalars = opset, group or {}, set(scalars)
        self.id = id or op
        self.tol = tol

    def kwargs(self, values):
        kw = dict(values)
        for name, members in self.group.items():
            kw[name] = tuple(kw.pop(m) for m in members)
        kw.update(self.params)
        return kw


def _copy(v):
    return v.copy() if isinstance(v, np.ndarray) else v


def reference(case):
    """Values from coremltools value_inference on constant inputs."""
    vals = {n: (_copy(a).reshape(()) if n in case.scalars else _copy(a)) for n, a in case.dyn.items()}
    with Function({}, opset_version=case.opset):
        out = getattr(mb, case.op)(**{k: _copy(v) for k, v in case.kwargs(vals).items()})
    outs = list(out) if isinstance(out, (list, tuple)) else [out]
    for o in outs:
        assert o.val is not None, f"{case.op}: coremltools produced no value"
    return [o.val for o in outs]


def program(case):
    """A program taking the case's dynamic inputs as real function inputs."""
    specs = {
        n: mb.TensorSpec(shape=a.shape, dtype=numpy_type_to_builtin_type(a.dtype)) for n, a in case.dyn.items()
    }
    with Function(specs, opset_version=case.opset) as func:
        vals = {n: (mb.squeeze(x=func.inputs[n]) if n in case.scalars else func.inputs[n]) for n in case.dyn}
        out = getattr(mb, case.op)(**case.kwargs(vals))
        func.set_outputs(list(out) if isinstance(out, (list, tuple)) else [out])
    prog = Program()
    prog.add_function("main", func)
    return prog


def _s(v):
    return np.array([v], dtype=np.asarray(v).dtype)


CASES = [
    # unary math
    *[Case(op, {"x": f32(3, 4)}) for op in ["abs", "atan", "ceil", "cos", "cosh", "exp", "exp2", "floor", "sign",
                                             "sin", "sinh", "square", "tan", "tanh", "erf"]],
    Case("acos", {"x": f32(3, 4, lo=-0.99, hi=0.99)}),
    Case("asin", {"x": f32(3, 4, lo=-0.99, hi=0.99)}),
    Case("atanh", {"x": f32(3, 4, lo=-0.99, hi=0.99)}),
    Case("sqrt", {"x": f32(3, 4, lo=0.0, hi=4.0)}),
    Case("round", {"x": np.array([0.5, 1.5, 2.5, -0.5, -2.5, 0.4, -0.6, 3.7], np.float32)}),
    Case("abs", {"x": i32(5)}, id="abs_int32"),
    Case("sign", {"x": i32(5)}, id="sign_int32"),
    Case("square", {"x": i32(5)}, id="square_int32"),
    Case("exp2", {"x": i32(5, lo=0, hi=8)}, id="exp2_int32"),
    Case("inverse", {"x": f32(3, 4, lo=0.5, hi=2.0)}),
    Case("inverse", {"x": f32(3, 4, lo=0.5, hi=2.0)}, {"epsilon": 0.0}, id="inverse_eps0"),
    Case("log", {"x": f32(3, 4, lo=0.1, hi=4.0)}),
    Case("rsqrt", {"x": f32(3, 4, lo=0.1, hi=4.0)}),
    Case("rsqrt", {"x": f32(3, 4, lo=0.1, hi=4.0)}, {"epsilon": 1e-2}, id="rsqrt_eps"),
    Case("logical_not", {"x": b(3, 4)}),
    Case("threshold", {"x": f32(3, 4)}, {"alpha": 0.3}),
    Case("clip", {"x": f32(3, 4)}, {"alpha": -0.5, "beta": 0.7}),
    Case("cast", {"x": f32(3, 4, lo=-5, hi=5)}, {"dtype": "int32"}, id="cast_f32_i32"),
    Case("cast", {"x": i32(3, 4)}, {"dtype": "fp16"}, id="cast_i32_f16"),
    Case("cast", {"x": i32(3, 4, lo=-1, hi=2)}, {"dtype": "bool"}, id="cast_i32_bool"),
    Case("cast", {"x": b(3, 4)}, {"dtype": "fp32"}, id="cast_bool_f32"),
    Case("cast", {"x": f32(3, 4)}, {"dtype": "fp16"}, id="cast_f32_f16"),
    # fp16 programs
    Case("exp", {"x": f16(3, 4)}, id="exp_fp16", tol=1e-3),
    Case("tanh", {"x": f16(3, 4)}, id="tanh_fp16", tol=1e-3),
    Case("add", {"x": f16(3, 4), "y": f16(4)}, id="add_fp16", tol=1e-3),
    Case("mul", {"x": f16(3, 4), "y": f16(3, 1)}, id="mul_fp16", tol=1e-3),
    Case("matmul", {"x": f16(2, 3, 4), "y": f16(4, 5)}, id="matmul_fp16", tol=2e-3),
    Case("softmax", {"x": f16(3, 6)}, id="softmax_fp16", tol=2e-3),
    Case("reduce_sum", {"x": f16(3, 6)}, {"axes": [1]}, id="reduce_sum_fp16", tol=2e-3),
    # binary
    *[Case(op, {"x": f32(3, 4), "y": f32(4)}) for op in ["add", "sub", "mul", "maximum", "minimum", "equal",
                                                          "not_equal", "greater", "greater_equal", "less",
                                                          "less_equal"]],
    Case("real_div", {"x": f32(3, 4), "y": f32(3, 4, lo=0.5, hi=2.0)}),
    Case("pow", {"x": f32(3, 4, lo=0.1, hi=3.0), "y": f32(3, 4)}),
    Case("floor_div", {"x": f32(3, 4, lo=-8, hi=8), "y": f32(1, 4, lo=0.5, hi=3)}),
    Case("mod", {"x": f32(3, 4, lo=-8, hi=8), "y": f32(3, 4, lo=0.5, hi=3)}),
    Case("floor_div", {"x": np.array([-7, 7, -7, 7], np.int32), "y": np.array([2, 2, -2, -2], np.int32)},
         id="floor_div_int32"),
    Case("mod", {"x": np.array([-7, 7, -7, 7], np.int32), "y": np.array([2, -2, -2, 3], np.int32)}, id="mod_int32"),
    Case("real_div", {"x": np.array([-7, 7, 9], np.int32), "y": np.array([2, 2, 4], np.int32)}, id="real_div_int32"),
    Case("add", {"x": i32(3, 4), "y": i32(3, 4)}, id="add_int32"),
    Case("mul", {"x": np.array([2**30, 3], np.int32), "y": np.array([4, -5], np.int32)}, id="mul_int32_wrap"),
    *[Case(op, {"x": b(3, 4), "y": b(3, 4)}) for op in ["logical_and", "logical_or", "logical_xor"]],
    Case("select", {"cond": b(3, 4), "a": f32(3, 4), "b": f32(4)}),
    # activations
    *[Case(op, {"x": f32(2, 3, 4)}) for op in ["relu", "relu6", "sigmoid", "softplus", "softsign"]],
    Case("relu6", {"x": f32(2, 3, 4, lo=-9, hi=9)}, id="relu6_wide"),
    Case("gelu", {"x": f32(2, 3, 4)}, id="gelu_exact"),
    Case("gelu", {"x": f32(2, 3, 4)}, {"mode": "TANH_APPROXIMATION"}, id="gelu_tanh"),
    Case("gelu", {"x": f32(2, 3, 4)}, {"mode": "SIGMOID_APPROXIMATION"}, id="gelu_sigmoid"),
    Case("elu", {"x": f32(2, 3, 4)}, {"alpha": 0.7}),
    Case("leaky_relu", {"x": f32(2, 3, 4)}, {"alpha": 0.1}),
    Case("prelu", {"x": f32(2, 3, 4, 5)}, {"alpha": np.array([0.1, 0.2, 0.3], np.float32)}),
    Case("clamped_relu", {"x": f32(2, 3, 4)}, {"alpha": 0.2, "beta": 1.0}),
    Case("linear_activation", {"x": f32(2, 3, 4)}, {"alpha": 1.5, "beta": -0.5}),
    Case("scaled_tanh", {"x": f32(2, 3, 4)}, {"alpha": 1.5, "beta": 0.5}),
    Case("sigmoid_hard", {"x": f32(2, 3, 4)}, {"alpha": 0.2, "beta": 0.5}),
    Case("softplus_parametric", {"x": f32(2, 3, 4, 5)},
         {"alpha": np.array([1.0, 0.5, 2.0], np.float32), "beta": np.array([1.0, 2.0, 0.5], np.float32)}),
    Case("thresholded_relu", {"x": f32(2, 3, 4)}, {"alpha": 0.4}),
    Case("softmax", {"x": f32(2, 3, 4)}),
    Case("softmax", {"x": f32(2, 3, 4)}, {"axis": 1}, id="softmax_axis1"),
    # linear algebra, norms, attention
    Case("matmul", {"x": f32(2, 3, 4), "y": f32(4, 5)}),
    Case("matmul", {"x": f32(2, 1, 3, 4), "y": f32(5, 3, 4)}, {"transpose_y": True}, id="matmul_bcast_ty"),
    Case("matmul", {"x": f32(4, 3), "y": f32(2, 4, 5)}, {"transpose_x": True}, id="matmul_tx"),
    Case("matmul", {"x": f32(4), "y": f32(4, 5)}, id="matmul_1d_x"),
    Case("matmul", {"x": i32(3, 4), "y": i32(4, 2)}, id="matmul_int32"),
    Case("linear", {"x": f32(2, 3, 4)}, {"weight": f32(5, 4), "bias": f32(5)}),
    Case("linear", {"x": f32(3, 4)}, {"weight": f32(5, 4)}, id="linear_nobias"),
    Case("einsum", {"a": f32(2, 3, 4, 5), "c": f32(2, 5, 4, 6)}, {"equation": "abcd,adce->abce"},
         group={"values": ["a", "c"]}, id="einsum_4d"),
    Case("einsum", {"a": f32(3, 4, 5), "c": f32(5, 4, 6)}, {"equation": "abc,cbd->abd"},
         group={"values": ["a", "c"]}, id="einsum_3d"),
    Case("layer_norm", {"x": f32(2, 3, 4)}, {"axes": [-1], "gamma": f32(4), "beta": f32(4)}),
    Case("layer_norm", {"x": f32(2, 3, 4)}, {"axes": [1, 2], "epsilon": 1e-3}, id="layer_norm_2axes"),
    Case("l2_norm", {"x": f32(2, 3, 4, 5)}),
    Case("l2_norm", {"x": f32(3, 4, 5)}, {"epsilon": 1e-2}, id="l2_norm_rank3"),
    Case("scaled_dot_product_attention", {"query": f32(2, 3, 4), "key": f32(2, 5, 4), "value": f32(2, 5, 6)},
         opset=IOS18),
    Case("scaled_dot_product_attention",
         {"query": f32(2, 3, 4), "key": f32(2, 5, 4), "value": f32(2, 5, 6), "attn_mask": f32(3, 5)},
         opset=IOS18, id="sdpa_float_mask"),
    Case("scaled_dot_product_attention",
         {"query": f32(2, 3, 4), "key": f32(2, 5, 4), "value": f32(2, 5, 6),
          "attn_mask": np.tril(np.ones((3, 5), bool))}, opset=IOS18, id="sdpa_bool_mask"),
    # reductions
    *[Case(op, {"x": f32(2, 3, 4)}, {"axes": [1]}) for op in ["reduce_sum", "reduce_mean", "reduce_max",
                                                              "reduce_min", "reduce_prod", "reduce_l1_norm",
                                                              "reduce_l2_norm", "reduce_log_sum_exp",
                                                              "reduce_sum_square"]],
    Case("reduce_log_sum", {"x": f32(2, 3, 4, lo=0.1, hi=2)}, {"axes": [0, 2]}),
    Case("reduce_sum", {"x": f32(2, 3, 4)}, id="reduce_sum_all"),
    Case("reduce_mean", {"x": f32(2, 3, 4)}, {"axes": [-1], "keep_dims": True}, id="reduce_mean_keep"),
    Case("reduce_max", {"x": f32(2, 3, 4)}, {"axes": [0, -1], "keep_dims": True}, id="reduce_max_keep"),
    Case("reduce_mean", {"x": i32(2, 3, 4)}, {"axes": [1]}, id="reduce_mean_int32"),
    Case("reduce_sum", {"x": i32(2, 3, 4)}, {"axes": [2]}, id="reduce_sum_int32"),
    Case("reduce_argmax", {"x": f32(2, 3, 4)}),
    Case("reduce_argmin", {"x": f32(2, 3, 4)}, {"axis": 1, "keep_dims": True}),
    Case("reduce_argmax", {"x": f32(2, 3, 4)}, {"axis": 0}, opset=IOS15, id="reduce_argmax_ios15"),
    # sort / scan
    Case("argsort", {"x": f32(3, 6)}),
    Case("argsort", {"x": f32(3, 6)}, {"axis": 0, "ascending": True}, id="argsort_asc"),
    Case("topk", {"x": f32(3, 6)}, {"k": 3}),
    Case("topk", {"x": f32(4, 6)}, {"k": 2, "axis": 0, "ascending": True}, id="topk_asc"),
    Case("topk", {"x": i32(3, 6, lo=-100, hi=100)}, {"k": 6}, id="topk_int32"),
    Case("topk", {"x": f32(3, 6)}, {"k": 2}, opset=IOS15, id="topk_ios15"),
    Case("cumsum", {"x": f32(3, 4)}),
    Case("cumsum", {"x": f32(3, 4)}, {"axis": 1, "reverse": True}, id="cumsum_reverse"),
    Case("cumsum", {"x": i32(3, 4)}, {"axis": -1}, id="cumsum_int32"),
    # tensor / shape
    Case("reshape", {"x": f32(2, 3, 4)}, {"shape": [4, -1]}),
    Case("reshape", {"x": f32(2, 3, 4)}, {"shape": [0, -1]}, id="reshape_zero_ios17"),
    Case("reshape", {"x": f32(2, 3, 4)}, {"shape": [1, 0, 0, 0]}, id="reshape_zero_lead_ios17"),
    Case("reshape", {"x": f32(2, 3, 4)}, {"shape": [0, -1, 2]}, opset=IOS15, id="reshape_zero_ios15"),
    Case("transpose", {"x": f32(2, 3, 4)}, {"perm": [2, 0, 1]}),
    Case("expand_dims", {"x": f32(2, 3)}, {"axes": [0, -1]}),
    Case("squeeze", {"x": f32(1, 3, 1, 4)}),
    Case("squeeze", {"x": f32(1, 3, 1, 4)}, {"axes": [-2]}, id="squeeze_axes"),
    Case("concat", {"a": f32(2, 3), "c": f32(2, 5)}, {"axis": 1}, group={"values": ["a", "c"]}),
    Case("stack", {"a": f32(2, 3), "c": f32(2, 3)}, {"axis": 1}, group={"values": ["a", "c"]}),
    Case("split", {"x": f32(6, 4)}, {"num_splits": 3, "axis": 0}),
    Case("split", {"x": f32(2, 7)}, {"split_sizes": [2, 5], "axis": -1}, id="split_sizes"),
    Case("tile", {"x": f32(2, 3)}, {"reps": [2, 3]}),
    Case("slice_by_index", {"x": f32(4, 5, 6)}, {"begin": [1, 0, 5], "end": [3, 5, 0], "stride": [1, 2, -2]}),
    Case("slice_by_index", {"x": f32(9)}, {"begin": [8], "end": [0], "stride": [-1], "end_mask": [True]},
         id="slice_negative_stride_endmask"),
    Case("slice_by_index", {"x": f32(4, 5, 6)},
         {"begin": [-1, 1, 0], "end": [0, 4, 6], "begin_mask": [False, True, False],
          "squeeze_mask": [True, False, False]}, id="slice_squeeze"),
    Case("slice_by_index", {"x": f32(4, 5)},
         {"begin": [-3, -4], "end": [-1, 5], "stride": [1, 3]}, id="slice_negative_begin"),
    Case("slice_by_size", {"x": f32(4, 5, 6)}, {"begin": [1, -3, 0], "size": [2, 2, 3]}),
    Case("slice_by_size", {"x": f32(4, 5, 6)}, {"begin": [1, 2, 0], "size": [2, -1, 3]}, id="slice_by_size_rest"),
    Case("slice_update", {"x": f32(4, 5), "update": f32(2, 2)},
         {"begin": [1, 0], "end": [3, 5], "stride": [1, 3]}, opset=IOS18),
    Case("reverse", {"x": f32(2, 3, 4)}, {"axes": [0, 2]}),
    Case("reverse", {"x": f32(2, 3, 4)}, id="reverse_all"),
    Case("pad", {"x": f32(2, 3, 4)}, {"pad": [1, 2, 0, 3], "constant_val": 1.5}),
    Case("pad", {"x": f32(2, 3, 4)}, {"pad": [1, 2, 2, 1], "mode": "reflect"}, id="pad_reflect"),
    Case("pad", {"x": f32(2, 3, 4)}, {"pad": [0, 0, 1, 2, 3, 0], "mode": "replicate"}, id="pad_replicate"),
    Case("gather", {"x": f32(5, 4)}, {"indices": np.array([[4, 0], [2, 2]], np.int32), "axis": 0}),
    Case("gather", {"x": f32(3, 5, 4)}, {"indices": np.array([1, 3], np.int32), "axis": -2}, id="gather_axis"),
    Case("gather", {"x": f32(5, 4)}, {"indices": np.array([-1, 0, -5], np.int32)}, opset=IOS16,
         id="gather_negative_ios16"),
    Case("gather", {"x": f32(2, 5, 4)}, {"indices": np.array([[0, 4], [3, 1]], np.int32), "axis": 1,
                                          "batch_dims": 1}, id="gather_batch_dims"),
    Case("gather_along_axis", {"x": f32(3, 4)}, {"indices": np.array([[0, 1, 2, 0], [2, 2, 1, 0]], np.int32),
                                                  "axis": 0}),
    Case("scatter_along_axis", {"data": f32(3, 4), "updates": f32(2, 4)},
         {"indices": np.array([[0, 1, 2, 0], [2, 0, 1, 1]], np.int32), "axis": 0, "mode": "update"}),
    Case("fill", {"shape": np.array([2, 3], np.int32)}, {"value": 1.5}),
    Case("fill_like", {"ref_tensor": f32(2, 3)}, {"value": 2.5}),
    Case("shape", {"x": f32(2, 3, 4)}),
    Case("flatten2d", {"x": f32(2, 3, 4)}, {"axis": 2}),
    Case("band_part", {"x": f32(2, 4, 5)}, {"lower": 1, "upper": 0}),
    Case("band_part", {"x": f32(4, 5)}, id="band_part_default"),
    Case("non_zero", {"x": np.array([[0, 1.5, 0], [2, 0, -1]], np.float32)}),
    Case("range_1d", {"start": _s(np.int32(2)), "end": _s(np.int32(17)), "step": _s(np.int32(3))},
         scalars=["start", "end", "step"]),
    Case("range_1d", {"start": _s(np.float32(-1)), "end": _s(np.float32(2)), "step": _s(np.float32(0.5))},
         scalars=["start", "end", "step"], id="range_1d_fp32"),
    Case("identity", {"x": f32(2, 3)}),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_matches_value_inference(case):
    expected = reference(case)
    prog = program(case)
    outputs = list(run(prog, case.dyn).values())
    assert len(outputs) == len(expected)
    out_vars = prog.functions["main"].outputs
    for got, want, var in zip(outputs, expected, out_vars):
        want = np.asarray(want)
        assert got.shape == want.shape, (got.shape, want.shape)
        if got.dtype == np.bool_ or np.issubdtype(got.dtype, np.integer):
            np.testing.assert_array_equal(got, want.astype(got.dtype))
        else:
            tol = case.tol or 1e-5
            np.testing.assert_allclose(got.astype(np.float64), want.astype(np.float64), rtol=tol, atol=tol)


def test_case_coverage():
    """Many distinct op types are cross-checked here."""
    assert len({c.op for c in CASES}) >= 100
