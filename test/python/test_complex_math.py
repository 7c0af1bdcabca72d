"""Complex transcendental functions end to end (hlo-coreml-split-complex):
jnp.sin/cos/tan/tanh/exp/expm1/log/log1p/sqrt/rsqrt/power/sigmoid, lax's
atan2 on complex operands, complex iota, CHLO functions (sinh, cosh, asin,
acos, atan, atanh) whose composites are inlined for complex operands, and
real/imag of real tensors -> hlo_coreml.compile (fp32) -> the reference MIL
interpreter, compared with JAX on CPU.

The inputs cover magnitudes from 1e-4 to 60 at every angle, both sides of
the negative real axis (the branch cut of log, sqrt, power), the origin,
+-i and points where |1 + z| = 1 (the cancellation of log1p).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import hlo_coreml
from helpers import enable_x64, jax_reference
from test_complex import assert_close, check, feeds_for, no_complex_left, outputs_of


def spread(seed=0) -> np.ndarray:
    """Points of magnitude 1e-4 .. 60 at random angles, plus the special ones."""
    r = np.random.default_rng(seed)
    mags = np.concatenate([np.abs(r.standard_normal(24)) * s for s in (1e-4, 0.1, 1.0, 3.0, 20.0)])
    z = mags * np.exp(1j * r.uniform(-np.pi, np.pi, mags.size))
    special = [
        0, 1e-7j, 1, -1, 1j, -1j, 2j, -2j,
        -4 + 1e-6j, -4 - 1e-6j, -1e-3 + 2j, -1 + 1e-6j, -1 - 1e-6j,  # around the cut
        -0.5 + 0.8660254j, -1 + 1j, -1.5 + 0.8660254j,  # |1 + z| = 1 (log1p)
        30 + 0.1j, 0.3 + 30j, -0.2 - 40j, 1.5 + 60j, 1.57 + 1e-3j, 60 - 3j,  # large parts
    ]
    return np.concatenate([z, special]).astype(np.complex64)


UNARY = {
    "sin": jnp.sin,
    "cos": jnp.cos,
    "tan": jnp.tan,
    "tanh": jnp.tanh,
    "exp": jnp.exp,
    "expm1": jnp.expm1,
    "log": jnp.log,
    "log1p": jnp.log1p,
    "sqrt": jnp.sqrt,
    "rsqrt": jax.lax.rsqrt,
    "sigmoid": jax.nn.sigmoid,
    "logistic": jax.lax.logistic,
    "sinh": jnp.sinh,
    "cosh": jnp.cosh,
    "arcsin": jnp.arcsin,
    "arccos": jnp.arccos,
    "arctanh": jnp.arctanh,
}


def _finite_domain(fn, z):
    """The points where JAX's answer is finite (exp/sin/cos/sinh/cosh of
    |Im z| or Re z = 60 stay finite in f32; the poles of rsqrt, log at 0
    and atanh at +-1 give inf in both)."""
    [expected] = jax_reference(fn, z)
    return z[np.isfinite(expected)]


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_complex_math_matches_jax(name):
    fn = UNARY[name]
    z = _finite_domain(fn, spread())
    model = check(fn, z, rtol=2e-5, scale_tol=1e-6)
    no_complex_left(model)


def test_relative_accuracy_near_zero():
    # expm1, log1p, sin, tan, tanh, sinh of tiny z are ~z: every digit
    # must survive (no 1 + z - 1 cancellation). The reference is NumPy in
    # complex128 (JAX's own f32 sinh loses digits here).
    z = np.array([1e-6 + 2e-6j, -3e-7 + 1e-8j, 4e-5 - 4e-5j, 1e-8j], np.complex64)
    for fn, ref in ((jnp.expm1, np.expm1), (jnp.log1p, np.log1p), (jnp.sin, np.sin), (jnp.tan, np.tan),
                    (jnp.tanh, np.tanh), (jnp.sinh, np.sinh)):
        expected = ref(z.astype(np.complex128))
        model = hlo_coreml.compile(fn, z, compute_precision="fp32")
        [got] = outputs_of(model, hlo_coreml.run(model, feeds_for(model, [z])))
        np.testing.assert_allclose(got.real, expected.real, rtol=1e-5, atol=1e-15, err_msg=fn.__name__)
        np.testing.assert_allclose(got.imag, expected.imag, rtol=1e-5, atol=1e-15, err_msg=fn.__name__)


def test_large_imaginary_parts_do_not_overflow():
    # tan / tanh approach +-i / +-1 and sigmoid 0 or 1; cosh^2 of the
    # imaginary part (1e26 at 30) would overflow an unscaled formula.
    z = np.array([0.3 + 45j, -2 - 80j, 50 + 1j, -50 + 1j, 88 + 0.5j], np.complex64)
    for fn in (jnp.tan, jnp.tanh, jax.nn.sigmoid):
        [expected] = jax_reference(fn, z)
        model = hlo_coreml.compile(fn, z, compute_precision="fp32")
        [got] = outputs_of(model, hlo_coreml.run(model, feeds_for(model, [z])))
        assert np.all(np.isfinite(got)), (fn, got)
        assert_close(got, expected, rtol=1e-5, scale_tol=1e-6)


def test_arctan_away_from_its_poles():
    z = spread(1)
    z = z[np.abs(np.abs(z.imag) - 1) + np.abs(z.real) > 1e-3]  # +-i are poles (JAX: 0 +- inf i)
    z = z[(np.abs(z.real) > 1e-6) | (np.abs(z.imag) < 1)]  # on the cut (+-iy, y > 1) +-pi/2 are both right
    check(jnp.arctan, _finite_domain(jnp.arctan, z), rtol=2e-5, scale_tol=1e-6)


def test_power_complex_exponent_and_zero():
    z = spread(2)
    w = (0.5 * spread(3)[::-1]).astype(np.complex64)
    w[np.abs(w) > 4] /= 10  # keep |z ** w| within f32
    z[:3] = 0
    w[:3] = [0, 1 + 1j, 2]  # 0 ** 0 = 1, 0 ** w = 0 for Re w > 0
    keep = np.isfinite(jax_reference(jnp.power, z, w)[0])
    check(jnp.power, z[keep], w[keep], rtol=5e-5, scale_tol=1e-6)


def test_atan2_of_complex_operands():
    # -i log((x + iy) / sqrt(x^2 + y^2)); on the cut of log the real part
    # may come out as +pi or -pi (the same angle): compare on the circle.
    y, x = spread(4), spread(5)[::-1].copy()
    fn = jax.lax.atan2
    [expected] = jax_reference(fn, y, x)
    keep = np.isfinite(expected) & (np.abs(x * x + y * y) > 1e-6)
    y, x, expected = y[keep], x[keep], expected[keep]
    model = hlo_coreml.compile(fn, y, x, compute_precision="fp32")
    [got] = outputs_of(model, hlo_coreml.run(model, feeds_for(model, [y, x])))
    re_diff = np.angle(np.exp(1j * (got.real - expected.real)))
    assert np.max(np.abs(re_diff)) < 1e-4
    np.testing.assert_allclose(got.imag, expected.imag, rtol=1e-4, atol=1e-4)


def test_complex_iota():
    z = spread(6)[:12].reshape(3, 4)

    def fn(z):
        return z * jax.lax.broadcasted_iota(jnp.complex64, (3, 4), 1), jax.lax.iota(jnp.complex64, 4)

    check(fn, z)


def test_complex128_under_x64():
    with enable_x64():
        z = spread(7).astype(np.complex128)
        fn = lambda z: (  # noqa: E731
            jnp.sin(z), jnp.tanh(z), jnp.expm1(z), jnp.log(z), jnp.sqrt(z), jax.nn.sigmoid(z), jnp.log1p(z)
        )
        z = z[np.all([np.isfinite(e) for e in jax_reference(fn, z)], axis=0)]
        model = check(fn, z, rtol=2e-5, scale_tol=1e-6)
    assert [s.io_dtype for s in model.hlo_coreml_interface.outputs] == ["f32"] * 14


def test_complex128_log1p_under_x64():
    # A serialized jax.export artifact carries complex128 log1p as
    # StableHLO's f64 expansion (constants up to 1.8e308);
    # hlo-coreml-raise-complex-expansions raises it back to log_plus_one,
    # lowered like complex64. Points on each branch of that expansion: tiny
    # z, |1 + z| = 1 (cancellation), |1 + z| < 0.2, and |z| past 1e19 (where
    # |1 + z|^2 would overflow f32).
    z = np.concatenate([
        spread(8),
        np.array([1e-8 + 2e-8j, -3e-7 + 1e-9j, -0.5 + 0.8660254j, -1.5 + 0.8660254j, -1 + 1e-3j,
                  -0.95 - 0.1j, 3e25 - 1e25j, -1e30 + 1j, 2e37 + 2e37j, 1e20j], np.complex64),
    ]).astype(np.complex128)
    with enable_x64():
        (expected,) = jax_reference(jnp.log1p, z)
        z, expected = z[np.isfinite(expected)], expected[np.isfinite(expected)]  # log1p(-1) = -inf
        assert z.size > 100
        model = hlo_coreml.compile(jnp.log1p, z, compute_precision="fp32")
        (got,) = outputs_of(model, hlo_coreml.run(model, feeds_for(model, [z])))
    # Relative to each element's magnitude: log1p keeps relative accuracy near 0.
    error = np.abs(got.reshape(expected.shape) - expected) / np.maximum(np.abs(expected), 1e-30)
    assert error.max() < 2e-5, (z[error.argmax()], got.reshape(-1)[error.argmax()], expected[error.argmax()])
    ops = [op.op_type for op in model._mil_program.functions["main"].operations]
    assert "log" in ops  # split-complex's own log1p, not an f64 algorithm


REAL_OF_REAL = """
func.func @main(%x: tensor<8xf64>) -> (tensor<8xf64>, tensor<8xf64>) {
  %re = stablehlo.real %x : (tensor<8xf64>) -> tensor<8xf64>
  %im = stablehlo.imag %x : (tensor<8xf64>) -> tensor<8xf64>
  %one = stablehlo.constant dense<1.0> : tensor<8xf64>
  %0 = stablehlo.multiply %re, %re : tensor<8xf64>
  %1 = stablehlo.add %im, %one : tensor<8xf64>
  return %0, %1 : tensor<8xf64>, tensor<8xf64>
}
"""


def eval_module(text: str, *args: np.ndarray) -> list[np.ndarray]:
    """The StableHLO reference interpreter's results for `text`."""
    from hlo_coreml._mlir import ir, make_context, stablehlo

    with make_context():
        module = ir.Module.parse(text)
        attrs = stablehlo.eval_module(module, [ir.DenseElementsAttr.get(np.ascontiguousarray(a)) for a in args])
        return [np.array(a) for a in attrs]


def test_real_and_imag_of_a_real_tensor():
    # StableHLO allows real / imag on float tensors (what an f64 program
    # narrowed to f32 keeps): real(x) is x, imag(x) is 0.
    x = np.linspace(-3, 3, 8)
    expected = eval_module(REAL_OF_REAL, x)
    model = hlo_coreml.compile(REAL_OF_REAL, compute_precision="fp32")
    names = [s.name for s in model.hlo_coreml_interface.outputs]
    got = hlo_coreml.run(model, {model.hlo_coreml_interface.inputs[0].name: x.astype(np.float32)})
    np.testing.assert_allclose(got[names[0]], expected[0], rtol=1e-6)
    np.testing.assert_array_equal(got[names[1]], expected[1])


@pytest.mark.parametrize("name", ["log", "sqrt", "exponential"])
def test_complex128_log_sqrt_exp_are_raised(name):
    # Serialized, these too arrive as StableHLO's f64 expansions (log's
    # exact products use f64's split factor 2^27 + 1, which f32 rounds);
    # hlo-coreml-raise-complex-expansions puts the op back, so they lower
    # exactly as the op written in StableHLO does (split-complex's own
    # formulas), accurate near |z| = 1 (where log's real part cancels) and
    # for large |z|. (complex64 keeps JAX's f32 expansion, correct for f32.)
    fn = {"log": jnp.log, "sqrt": jnp.sqrt, "exponential": jnp.exp}[name]
    r = np.random.default_rng(3)
    ring = np.exp(1j * r.uniform(-np.pi, np.pi, 120)) * (1 + r.choice([1e-6, 1e-4, -1e-5, 1e-2], 120))
    large = (r.normal(size=40) + 1j * r.normal(size=40)) * 1e20 if name != "exponential" else []
    z64 = np.concatenate([ring, large, spread(9)]).astype(np.complex64)
    z64 = z64[z64 != 0]
    with enable_x64():
        z = z64.astype(np.complex128)
        (expected,) = jax_reference(fn, z)
        model = hlo_coreml.compile(fn, z, compute_precision="fp32")
        (got,) = outputs_of(model, hlo_coreml.run(model, feeds_for(model, [z])))
    error = np.abs(got.reshape(expected.shape) - expected) / np.maximum(np.abs(expected), 1e-30)  # log(1) = 0
    assert error.max() < 3e-5, (z[error.argmax()], got.reshape(-1)[error.argmax()], expected[error.argmax()])
    t = f"tensor<{z.size}xcomplex<f64>>"
    written = hlo_coreml.compile(
        f"func.func @main(%z: {t}) -> {t} {{\n  %r = stablehlo.{name} %z : {t}\n  return %r : {t}\n}}",
        compute_precision="fp32",
    )
    ops = lambda m: sorted(o.op_type for o in m._mil_program.functions["main"].operations)  # noqa: E731
    assert ops(model) == ops(written)
