"""compile(fn, params, x, constants=params): the weights are bound as MIL
constants from the caller's arrays. Checked against JAX (the reference)
and against compiling the closed-over model, for plain JAX pytrees, Flax
NNX (`nnx.split`) and Equinox (`eqx.partition`)."""

import jax
import numpy as np
import pytest

import hlo_coreml
from examples.zoo import llama


def _feeds(model, args):
    names = [i.name for i in model.get_spec().description.input]
    return dict(zip(names, [np.asarray(a) for a in args]))


def _outputs(model, args):
    out = hlo_coreml.run(model, _feeds(model, args))
    order = [o.name for o in model.get_spec().description.output]
    return [np.asarray(out[n], np.float64) for n in order]


def _max_err(got, want):
    want = np.asarray(want, np.float64)
    return float(np.abs(got.reshape(want.shape) - want).max() / max(np.abs(want).max(), 1e-30))


@pytest.fixture(scope="module")
def small_llama():
    llm = llama.build_llm("small")
    return llm, llm.prefill_args()


def _llama_fn(cfg):
    def fn(params, k_cache, v_cache, tokens, pos):
        return llama.forward(params, cfg, k_cache, v_cache, tokens, pos)

    return fn


def test_llama_params_as_constants_equal_jax_and_the_closed_over_model(small_llama):
    llm, args = small_llama
    fn = _llama_fn(llm.cfg)
    bound = hlo_coreml.compile(fn, llm.params, *args, constants=llm.params, compute_precision="fp32")
    closed = hlo_coreml.compile(llm.step, *args, compute_precision="fp32")
    assert [i.name for i in bound.get_spec().description.input] == ["k_cache", "v_cache", "tokens", "pos"]
    want = [np.asarray(r) for r in jax.jit(fn)(llm.params, *args)]
    got, ref = _outputs(bound, args), _outputs(closed, args)
    for g, r, w in zip(got, ref, want):
        assert _max_err(g, w) < 1e-5
        assert _max_err(g, r) < 1e-5


def test_constants_by_position_and_fp16(small_llama):
    llm, args = small_llama
    fn = _llama_fn(llm.cfg)
    model = hlo_coreml.compile(fn, llm.params, *args, constants=0)
    want = np.asarray(jax.jit(fn)(llm.params, *args)[0])
    assert _max_err(_outputs(model, args)[0], want) < 2e-2


def test_fp32_constants_share_the_callers_memory(small_llama):
    llm, args = small_llama
    model = hlo_coreml.compile(_llama_fn(llm.cfg), llm.params, *args, constants=[0], compute_precision="fp32")
    leaves = jax.tree_util.tree_leaves(llm.params)
    consts = [op.outputs[0].val for op in model._mil_program.functions["main"].operations if op.op_type == "const"]
    shared = [leaf for leaf in leaves if any(isinstance(c, np.ndarray) and np.shares_memory(c, leaf) for c in consts)]
    assert len(shared) >= len(leaves) // 2  # the weights were not copied


def test_flax_nnx_split_state(small_llama):
    from flax import nnx

    llm, args = small_llama
    model = llama.nnx_model(llm.cfg, llm.params)
    graphdef, state = nnx.split(model)

    def fn(state, k_cache, v_cache, tokens, pos):
        return nnx.merge(graphdef, state)(k_cache, v_cache, tokens, pos)

    compiled = hlo_coreml.compile(fn, state, *args, constants=state, compute_precision="fp32")
    want = [np.asarray(r) for r in llm.step(*args)]
    for g, w in zip(_outputs(compiled, args), want):
        assert _max_err(g, w) < 1e-5


def test_equinox_partition():
    import equinox as eqx

    mlp = eqx.nn.MLP(8, 4, width_size=16, depth=2, key=jax.random.PRNGKey(0))
    params, static = eqx.partition(mlp, eqx.is_array)
    x = np.linspace(-1, 1, 8, dtype=np.float32)

    def fn(params, x):
        return eqx.combine(params, static)(x)

    compiled = hlo_coreml.compile(fn, params, x, constants=params, compute_precision="fp32")
    assert [i.name for i in compiled.get_spec().description.input] == ["x"]
    assert _max_err(_outputs(compiled, [x])[0], np.asarray(mlp(x))) < 1e-5


def test_constants_errors(tmp_path):
    params = {"w": np.ones((3, 2), np.float32)}
    x = np.ones((4, 3), np.float32)

    def fn(p, x):
        return x @ p["w"]

    with pytest.raises(hlo_coreml.CompileError, match="constants= must be one of the example arguments"):
        hlo_coreml.compile(fn, params, x, constants={"w": params["w"]})
    with pytest.raises(hlo_coreml.CompileError, match="there are 2 example arguments"):
        hlo_coreml.compile(fn, params, x, constants=5)
    with pytest.raises(hlo_coreml.CompileError, match="applies to a JAX function"):
        hlo_coreml.compile(str(tmp_path / "m.mlir"), constants=0)
    # an input name given with constants names the remaining input
    model = hlo_coreml.compile(fn, params, x, constants=params, inputs=["features"])
    assert [i.name for i in model.get_spec().description.input] == ["features"]
