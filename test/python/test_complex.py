"""Complex numbers end to end (hlo-coreml-split-complex): JAX functions with
FFTs, complex matmuls, complex constants and complex inputs / outputs ->
hlo_coreml.compile (fp32) -> the reference MIL interpreter, compared with
JAX on CPU.

Core ML has no complex type: a complex input `x` is fed as the features
`x_real` and `x_imag`, a complex output comes back as two features; the
helpers below split and rejoin them using the compiled model's interface
(`complex_of` / `complex_part`), never by guessing from names.

The FFTs become O(N^2) DFT matrix products in fp32, so outputs are compared
with a tolerance relative to the largest magnitude of the result
(rtol 1e-5 of the element, plus 1e-5 of the scale, 2e-5 for N >= 64).
"""

from __future__ import annotations

import json

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import hlo_coreml
from helpers import enable_x64, jax_reference, mil_op_types


def rng(seed=0):
    return np.random.default_rng(seed)


def real(*shape, seed=0):
    return rng(seed).standard_normal(shape).astype(np.float32)


def cplx(*shape, seed=0):
    r = rng(seed)
    return (r.standard_normal(shape) + 1j * r.standard_normal(shape)).astype(np.complex64)


def feeds_for(model, args) -> dict[str, np.ndarray]:
    """The interpreter's inputs for JAX arguments `args`: complex ones split
    into the two features the interface says carry their parts."""
    specs = model.hlo_coreml_interface.inputs
    feeds, i = {}, 0
    for a in args:
        a = np.asarray(a)
        if np.iscomplexobj(a):
            re_spec, im_spec = specs[i], specs[i + 1]
            assert (re_spec.complex_part, im_spec.complex_part) == ("real", "imag"), (re_spec, im_spec)
            feeds[re_spec.name] = np.ascontiguousarray(a.real, dtype=np.float32).reshape(re_spec.io_shape)
            feeds[im_spec.name] = np.ascontiguousarray(a.imag, dtype=np.float32).reshape(im_spec.io_shape)
            i += 2
        else:
            spec = specs[i]
            assert spec.complex_part is None, spec
            feeds[spec.name] = a.astype(np.float32 if a.dtype.kind == "f" else np.int32).reshape(spec.io_shape)
            i += 1
    assert i == len(specs), f"{len(specs)} inputs, {i} fed"
    return feeds


def outputs_of(model, results: dict[str, np.ndarray]) -> list[np.ndarray]:
    """Model outputs rejoined: a (real, imag) pair of features becomes one
    complex array."""
    out, specs, i = [], model.hlo_coreml_interface.outputs, 0
    while i < len(specs):
        spec = specs[i]
        value = np.asarray(results[spec.name]).reshape(spec.shape)
        if spec.complex_part == "real":
            imag = specs[i + 1]
            assert imag.complex_part == "imag" and imag.complex_of == spec.complex_of
            value = value + 1j * np.asarray(results[imag.name]).reshape(imag.shape)
            i += 2
        else:
            i += 1
        out.append(value)
    return out


def assert_close(got, ref, rtol=1e-5, scale_tol=1e-5, name="output"):
    ref = np.asarray(ref)
    got = np.asarray(got).reshape(ref.shape)
    assert np.iscomplexobj(got) == np.iscomplexobj(ref), f"{name}: complex {np.iscomplexobj(got)} vs JAX {ref.dtype}"
    scale = float(np.max(np.abs(ref))) if ref.size else 1.0
    np.testing.assert_allclose(got, ref, rtol=rtol, atol=scale_tol * max(scale, 1.0), err_msg=name)


def check(fn, *args, rtol=1e-5, scale_tol=1e-5, **compile_kwargs):
    """Compile `fn` (fp32), run it with the interpreter, compare every output
    with JAX on CPU. Returns the model."""
    expected = jax_reference(fn, *args)
    model = hlo_coreml.compile(fn, *args, compute_precision="fp32", **compile_kwargs)
    got = outputs_of(model, hlo_coreml.run(model, feeds_for(model, args)))
    assert len(got) == len(expected), (len(got), len(expected))
    for i, (g, e) in enumerate(zip(got, expected)):
        assert_close(g, e, rtol, scale_tol, name=f"output {i}")
    return model


def no_complex_left(model):
    """The MIL program holds only real ops (no complex dialect op)."""
    assert not [t for t in mil_op_types(model) if t.startswith("complex")]


# -- FFTs ------------------------------------------------------------------

SIZES = [2, 5, 8, 12, 64]


@pytest.mark.parametrize("n", SIZES)
def test_fft_ifft(n):
    z = cplx(3, n, seed=n)
    check(lambda z: (jnp.fft.fft(z), jnp.fft.ifft(z)), z, scale_tol=2e-5 if n >= 64 else 1e-5)


@pytest.mark.parametrize("n", SIZES + [7])
def test_rfft_irfft(n):
    x = real(2, 3, n, seed=n)
    spectrum = jnp.fft.rfft(x)

    def fn(x, s):
        return jnp.fft.rfft(x), jnp.fft.irfft(s, n=n)

    check(fn, x, np.asarray(spectrum).astype(np.complex64), scale_tol=2e-5 if n >= 64 else 1e-5)


@pytest.mark.parametrize("shape", [(4, 8), (3, 5), (2, 6, 6)])
def test_fft2_rfft2(shape):
    z = cplx(*shape, seed=1)
    x = real(*shape, seed=2)

    def fn(z, x):
        return jnp.fft.fft2(z), jnp.fft.ifft2(z), jnp.fft.rfft2(x), jnp.fft.irfft2(jnp.fft.rfft2(x), s=shape[-2:])

    check(fn, z, x)


def test_fftn_three_axes():
    x = real(2, 3, 4, 6, seed=3)
    check(lambda x: (jnp.fft.rfftn(x, axes=(1, 2, 3)), jnp.fft.fftn(x.astype(jnp.complex64), axes=(1, 2, 3))), x)


def test_fft_not_last_axis():
    # jnp moves the axis last with transposes around the fft.
    x = real(6, 4, seed=4)
    check(lambda x: (jnp.fft.fft(x, axis=0), jnp.fft.irfft(jnp.fft.rfft(x, axis=0), n=6, axis=0)), x)


def test_fft_norm_ortho():
    # norm="ortho" scales by 1/sqrt(prod of a complex constant): a complex
    # product reduction (split to a real one) and a complex sqrt.
    x = real(6, 4, seed=4)
    check(lambda x: jnp.fft.fft(x, norm="ortho"), x)


# -- spectrogram: abs and angle of an FFT --------------------------------------


def test_spectrogram_abs_angle():
    n_fft, hop = 16, 4
    signal = np.sin(np.linspace(0, 40, 64)).astype(np.float32) + 0.1 * real(64, seed=5)
    window = np.hanning(n_fft).astype(np.float32)

    def spectrogram(x):
        frames = jnp.stack([x[i : i + n_fft] for i in range(0, x.shape[0] - n_fft + 1, hop)])
        spec = jnp.fft.rfft(frames * window)
        return jnp.abs(spec), jnp.angle(spec)

    expected_mag, expected_phase = jax_reference(spectrogram, signal)
    model = hlo_coreml.compile(spectrogram, signal, compute_precision="fp32")
    mag, phase = outputs_of(model, hlo_coreml.run(model, feeds_for(model, [signal])))
    assert_close(mag, expected_mag)
    # The phase is only defined where there is magnitude, and +pi / -pi are
    # the same angle: compare on the circle.
    defined = expected_mag > 1e-3 * expected_mag.max()
    diff = np.angle(np.exp(1j * (phase.reshape(expected_phase.shape) - expected_phase)))
    assert np.max(np.abs(diff[defined])) < 1e-4
    # The interface is the real one: one real input, two real outputs.
    iface = model.hlo_coreml_interface
    assert [s.name for s in iface.inputs] == ["x"]
    assert [s.complex_part for s in iface.inputs + iface.outputs] == [None, None, None]
    no_complex_left(model)


def test_angle_all_quadrants_and_axes():
    # atan2 (expanded into a polynomial while the emitter has none) on
    # every octant boundary, the axes and the origin.
    values = np.array(
        [1, 1 + 1j, 1j, -1 + 1j, -1, -1 - 1j, -1j, 1 - 1j, 0, 3 + 0.1j, 0.1 + 3j, -3 + 0.2j, -0.2 - 3j], np.complex64
    )
    check(lambda z: (jnp.angle(z), jnp.abs(z)), values, rtol=2e-6, scale_tol=1e-6)


# -- elementwise complex math -------------------------------------------------------


def test_elementwise_complex_math():
    z = cplx(4, 6, seed=6)
    w = cplx(4, 6, seed=7)

    def fn(z, w):
        return (
            z * w,
            z / w,
            z - w,
            -z,
            jnp.abs(z),
            jnp.exp(z),
            jnp.log(z),
            jnp.sqrt(z),
            jnp.sign(z),
            z**2.5,
            jnp.conj(z),
            z * 3.0 + 1.0,
        )

    check(fn, z, w, rtol=2e-5)


def test_sqrt_and_log_on_the_branch_cut_and_zero():
    z = np.array([-4 + 0j, -4 - 0.0001j, -1e-3 + 2j, 0j, 9 + 0j, 2j, -2j], np.complex64)
    check(lambda z: (jnp.sqrt(z), jnp.sign(z)), z)


def test_compare_select_where():
    z = np.array([1 + 2j, 3 - 1j, 0j, 2 + 2j], np.complex64)
    w = np.array([1 + 2j, 3 + 1j, 0j, 2 - 2j], np.complex64)
    check(lambda z, w: (z == w, z != w, jnp.where(z == w, z, w * 2)), z, w)


def test_reductions_and_data_movement():
    z = cplx(3, 4, 5, seed=8)

    def fn(z):
        s = jnp.sum(z, axis=1)
        t = jnp.transpose(z, (2, 0, 1)).reshape(5, 12)
        p = jnp.pad(t[:, 2:9], ((1, 0), (0, 2)))
        c = jnp.concatenate([p, p * 1j], axis=0)
        return s, c, jnp.broadcast_to(s[:, None, :], (3, 2, 5)).sum()

    check(fn, z)


# -- matmul and convolution -----------------------------------------------------


def test_complex_matmul():
    a, b = cplx(5, 8, seed=9), cplx(8, 3, seed=10)
    check(lambda a, b: (a @ b, jnp.einsum("ij,kj->ik", a, jnp.conj(b.T))), a, b)


def test_complex_batched_matmul_and_real_times_complex():
    a, b = cplx(2, 4, 6, seed=11), cplx(2, 6, 3, seed=12)
    x = real(4, 6, seed=13)
    check(lambda a, b, x: (jnp.matmul(a, b), x @ b[0]), a, b, x)


def test_complex_convolution():
    x, k = cplx(1, 2, 10, seed=14), cplx(3, 2, 3, seed=15)
    check(lambda x, k: jax.lax.conv(x, k, (1,), "SAME"), x, k)


# -- complex constants -----------------------------------------------------------


def test_complex_constant_buffer_real_and_imag():
    # A complex buffer captured as a constant; its .real and .imag feed the
    # computation separately, and the whole buffer feeds a complex product.
    buffer = jnp.asarray(cplx(6, 4, seed=16))

    def fn(x):
        mixed = x @ buffer.real.T + jnp.tanh(x @ buffer.imag.T)
        return mixed, jnp.abs(x.astype(jnp.complex64) @ buffer.T)

    model = check(fn, real(3, 4, seed=17))
    iface = model.hlo_coreml_interface
    assert [s.name for s in iface.inputs] == ["x"]
    assert [s.name for s in iface.outputs] == ["result_0", "result_1"]


def test_complex_constants_x64():
    # complex128 constant, input and output with jax_enable_x64: narrowed to
    # complex<f32> by hlo-coreml-narrow-types, then split.
    with enable_x64():
        buffer = jnp.asarray(cplx(4, seed=18).astype(np.complex128))
        z = cplx(4, seed=19).astype(np.complex128)
        x = real(4, seed=20).astype(np.float64)
        model = check(lambda z, x: (z * buffer + x, jnp.fft.fft(z * buffer)), z, x)
    assert [s.io_dtype for s in model.hlo_coreml_interface.inputs] == ["f32"] * 3


# -- spectral (Fourier neural operator) layer -----------------------------------------


def test_fourier_neural_operator_layer():
    batch, channels, width, n, modes = 2, 3, 4, 32, 6
    weights = jnp.asarray(cplx(channels, width, modes, seed=21) / (channels * width))
    pointwise = real(width, channels, seed=22) * 0.3

    def fno_layer(x):  # x: [batch, channels, n]
        x_ft = jnp.fft.rfft(x)  # [batch, channels, n//2+1]
        out_ft = jnp.einsum("bix,iox->box", x_ft[:, :, :modes], weights)
        out_ft = jnp.pad(out_ft, ((0, 0), (0, 0), (0, n // 2 + 1 - modes)))
        spectral = jnp.fft.irfft(out_ft, n=n)  # [batch, width, n]
        return jax.nn.gelu(spectral + jnp.einsum("oc,bcn->bon", pointwise, x))

    model = check(fno_layer, real(batch, channels, n, seed=23))
    no_complex_left(model)


def test_fourier_neural_operator_2d():
    n, modes = 8, 3
    weights = jnp.asarray(cplx(2, 2, modes, modes, seed=24) / 4)

    def fno2d(x):  # [1, 2, n, n]
        x_ft = jnp.fft.rfft2(x)  # [1, 2, n, n//2+1]
        low = jnp.einsum("bixy,ioxy->boxy", x_ft[:, :, :modes, :modes], weights)
        out_ft = jnp.pad(low, ((0, 0), (0, 0), (0, n - modes), (0, n // 2 + 1 - modes)))
        return jnp.fft.irfft2(out_ft, s=(n, n))

    check(fno2d, real(1, 2, n, n, seed=25))


# -- interfaces --------------------------------------------------------------------


def test_complex_inputs_and_outputs_interface():
    z = cplx(3, 4, seed=26)
    x = real(3, 4, seed=27)

    def model_fn(z, x):
        return {"spectrum": jnp.fft.fft(z * x), "power": jnp.abs(z) ** 2}

    model = check(model_fn, z, x)
    iface = model.hlo_coreml_interface
    assert [(s.name, s.complex_of, s.complex_part) for s in iface.inputs] == [
        ("z_real", "z", "real"),
        ("z_imag", "z", "imag"),
        ("x", None, None),
    ]
    assert [(s.name, s.complex_of, s.complex_part) for s in iface.outputs] == [
        ("result_power", None, None),
        ("result_spectrum_real", "result_spectrum", "real"),
        ("result_spectrum_imag", "result_spectrum", "imag"),
    ]
    # Recorded in the model: interface metadata and feature descriptions.
    meta = json.loads(model.user_defined_metadata["hlo_coreml.interface"])
    assert meta["inputs"][0] == {
        "name": "z_real",
        "shape": [3, 4],
        "element": "f32",
        "io_dtype": "f32",
        "complex_of": "z",
        "complex_part": "real",
    }
    assert "complex_part" not in meta["inputs"][2]
    spec = model.get_spec()
    descriptions = {f.name: f.shortDescription for f in list(spec.description.input) + list(spec.description.output)}
    assert descriptions["z_imag"] == "imaginary part of complex input 'z'"
    assert descriptions["result_spectrum_real"] == "real part of complex output 'result_spectrum'"
    assert descriptions["x"] == ""


def test_given_names_refer_to_the_original_signature():
    z, x = cplx(4, seed=28), real(4, seed=29)
    model = hlo_coreml.compile(
        lambda z, x: (z * x, jnp.abs(z)),
        z,
        x,
        compute_precision="fp32",
        inputs=["signal", "gain"],
        outputs=["y", "mag"],
    )
    iface = model.hlo_coreml_interface
    assert [s.name for s in iface.inputs] == ["signal_real", "signal_imag", "gain"]
    assert [s.name for s in iface.outputs] == ["y_real", "y_imag", "mag"]


def test_real_interface_unchanged_by_internal_complex_math():
    # Complex math inside, real inputs and outputs: the interface is what
    # the same function without complex numbers would have.
    def with_complex(signal, gain):
        spec = jnp.fft.rfft(signal) * (1 + 0.5j)
        return {"out": jnp.fft.irfft(spec * gain[:5], n=8), "energy": jnp.sum(jnp.abs(spec) ** 2)}

    def without_complex(signal, gain):
        return {"out": signal * gain[0], "energy": jnp.sum(signal)}

    args = (real(8, seed=30), real(6, seed=31))
    model = check(with_complex, *args)
    plain = hlo_coreml.compile(without_complex, *args, compute_precision="fp32")
    assert model.hlo_coreml_interface.inputs == plain.hlo_coreml_interface.inputs
    assert model.hlo_coreml_interface.outputs == plain.hlo_coreml_interface.outputs
    assert [s.name for s in model.hlo_coreml_interface.inputs] == ["signal", "gain"]


def test_fp16_spectrum_magnitude():
    # At Core ML's default fp16 precision: |X| of a 256-sample frame reaches
    # ~100s, so |z|^2 would overflow fp16 (max 65504) while the scaled
    # max * sqrt(1 + (min/max)^2) does not.
    signal = (200 * np.sin(np.linspace(0, 60, 256))).astype(np.float32)
    fn = lambda x: jnp.abs(jnp.fft.rfft(x))  # noqa: E731
    [expected] = jax_reference(fn, signal)
    model = hlo_coreml.compile(fn, signal, compute_precision="fp16")
    [got] = outputs_of(model, hlo_coreml.run(model, feeds_for(model, [signal])))
    assert np.all(np.isfinite(got))
    assert_close(got, expected, rtol=0, scale_tol=2e-2)


# -- scatter (x.at[].set / .add on complex arrays, the FNO mode update) --------------


def test_complex_scatter_set_add():
    z = cplx(5, 4, seed=11)
    u = cplx(4, 4, seed=12)
    i = np.array([1, 3, -1, 7], np.int32)  # 7: out of bounds, skipped

    def fn(z, u, i):
        return z.at[i].set(u), z.at[i].add(u), z.at[i].add(jnp.real(u)), z.at[i, 1:3].set(u[:, :2])

    check(fn, z, u, i)


def test_fno_style_mode_update():
    # rfft, keep the lowest modes times complex weights, write them back into
    # a zero spectrum with .at[].set, irfft.
    x = real(2, 16, seed=13)
    w = cplx(5, seed=14)

    def fn(x, w):
        spectrum = jnp.fft.rfft(x, axis=-1)
        kept = spectrum[:, :5] * w
        out = jnp.zeros_like(spectrum).at[:, :5].set(kept)
        return jnp.fft.irfft(out, n=16, axis=-1)

    check(fn, x, w, rtol=1e-4, scale_tol=1e-4)
