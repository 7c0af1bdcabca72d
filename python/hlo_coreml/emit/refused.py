"""StableHLO ops hlo-coreml refuses on purpose, and ops that passes remove.

`REFUSED` maps an op name to why Core ML cannot run it and what the user can
do instead; `hlo-coreml-verify-legal` quotes it in its diagnostic, and the
README's op table (`hlo_coreml.docs`) lists it. `REWRITTEN` maps ops that never
reach the emitter to the pass that removes or rewrites them. Like the emitter
table, this module imports no coremltools.
"""

from __future__ import annotations

_MULTI_DEVICE = (
    "is a multi-device (collective) op; a Core ML model runs on one device. "
    "Export the single-device program (no pmap/shard_map/sharding constraints over several devices)"
)
_HOST_IO = (
    "talks to the host or another device while running; Core ML models have no side channels. "
    "Pass the data as model inputs/outputs instead"
)
_RANDOM = (
    "draws random numbers; Core ML has no random-number op with StableHLO's semantics. "
    "Generate the random values outside the model and pass them in as an input"
)
_DYNAMIC = (
    "has a dynamic shape that shape refinement could not make static, and hlo-coreml lowers it "
    "only for static shapes. Specialize the input shapes (specialize=, --specialize) or export "
    "with concrete shapes"
)
_QUANT = (
    "works on quantized types, which Core ML's MIL does not model this way. Export the float "
    "model and quantize with coremltools.optimize after conversion"
)

REFUSED: dict[str, str] = {
    # randomness
    "stablehlo.rng": _RANDOM,
    "stablehlo.rng_bit_generator": _RANDOM,
    # multi-device
    "stablehlo.all_reduce": _MULTI_DEVICE,
    "stablehlo.all_gather": _MULTI_DEVICE,
    "stablehlo.all_to_all": _MULTI_DEVICE,
    "stablehlo.collective_permute": _MULTI_DEVICE,
    "stablehlo.collective_broadcast": _MULTI_DEVICE,
    "stablehlo.reduce_scatter": _MULTI_DEVICE,
    "stablehlo.cross-replica-sum": _MULTI_DEVICE,
    "stablehlo.partition_id": _MULTI_DEVICE,
    "stablehlo.replica_id": _MULTI_DEVICE,
    "stablehlo.async_start": _MULTI_DEVICE,
    "stablehlo.async_done": _MULTI_DEVICE,
    # host / device communication, tokens
    "stablehlo.infeed": _HOST_IO,
    "stablehlo.outfeed": _HOST_IO,
    "stablehlo.send": _HOST_IO,
    "stablehlo.recv": _HOST_IO,
    "stablehlo.after_all": _HOST_IO + " (tokens order side effects, which Core ML does not have)",
    "stablehlo.create_token": _HOST_IO + " (tokens order side effects, which Core ML does not have)",
    # training-only
    "stablehlo.select_and_scatter": (
        "is lowered (hlo-coreml-decompose-select-and-scatter) only with static shapes, an elementwise "
        "select region (JAX: compare GE) and a scatter region of one add/multiply/maximum/minimum; this one "
        "is not. Compute the gradient outside the model, or export the forward function"
    ),
    "stablehlo.batch_norm_training": (
        "computes batch statistics (training mode); Core ML models run inference only. "
        "Export with batch norm in inference mode (flax: use_running_average=True)"
    ),
    "stablehlo.batch_norm_grad": (
        "is a gradient (training); Core ML models run inference only. Export the forward function"
    ),
    # linear algebra without a MIL counterpart: hlo-coreml-decompose-linalg
    # unrolls small static real and complex instances (REWRITTEN below); these texts are
    # for the ones left, when verify-legal meets them.
    "stablehlo.cholesky": (
        "has no Core ML counterpart (no matrix factorizations in MIL); hlo-coreml-decompose-linalg "
        "unrolls it only for static f16/f32/complex matrices of order n <= 32. Compute the "
        "factorization outside the model, or pass its result in as an input"
    ),
    "stablehlo.triangular_solve": (
        "has no Core ML counterpart (no triangular solves in MIL); hlo-coreml-decompose-linalg "
        "unrolls it only for static f16/f32/complex matrices of order n <= 32. Solve outside the "
        "model, or pass the inverse in and use a matmul"
    ),
    # quantization
    "stablehlo.uniform_quantize": _QUANT,
    "stablehlo.uniform_dequantize": _QUANT,
    # dynamism
    "stablehlo.dynamic_conv": (
        "takes its padding from a value only known at run time (a constant padding becomes a static "
        "convolution); Core ML's conv needs static padding. Make the padding static in the exported program"
    ),
    "stablehlo.dynamic_pad": (
        "takes its padding amounts from values only known at run time (constant ones become a static pad); "
        "Core ML's pad needs static amounts. Make the padding static in the exported program"
    ),
    "stablehlo.set_dimension_size": _DYNAMIC,
    # other
    "stablehlo.map": (
        "applies a body hlo-coreml-inline-map cannot inline: only bodies of elementwise ops, constants "
        "and rank-0 reshapes, on static shapes, become whole-tensor ops. Write the body as ordinary "
        "(vectorized) array ops instead"
    ),
}

# Ops that never reach the emitter: a pass removes or rewrites them.
REWRITTEN: dict[str, str] = {
    "stablehlo.tuple": "removed by hlo-coreml-remove-tuples (with get_tuple_element)",
    "stablehlo.get_tuple_element": "removed by hlo-coreml-remove-tuples",
    "stablehlo.optimization_barrier": "removed by hlo-coreml-remove-tuples (its operands pass through)",
    "stablehlo.custom_call": (
        "only `shape_assertion` (jax.export's shape checks; removed by hlo-coreml-remove-tuples) and "
        "JAX's LAPACK Cholesky / triangular solve on CPU (`lapack_?potrf_ffi`, `lapack_?trsm_ffi`; "
        "unrolled by hlo-coreml-decompose-linalg like the ops below) and LU (`lapack_?getrf_ffi`, "
        "from `jnp.linalg.solve` / `inv` / `det` / `slogdet`, `lax.linalg.lu`: unrolled for static "
        "real or complex square matrices of order n <= 32 into n pivot-search / row-swap / rank-1-update "
        "steps of `abs`, `reduce_max`/`reduce_min`, `select`, `reduce_sum`, `real_div`, `matmul`, `sub`, "
        "LAPACK's partial pivoting (|re| + |im| for complex) and 1-based ipiv/info); the complex "
        "(`c`/`z`) calls are unrolled in complex ops that hlo-coreml-split-complex splits; any other "
        "target is refused with its name"
    ),
    "stablehlo.cholesky": (
        "unrolled by hlo-coreml-decompose-linalg for static f16/f32 and complex (Hermitian) matrices of "
        "order n <= 32 (`max-size`): n column steps of slices, `rsqrt`, `mul`, an outer-product `matmul` "
        "and `sub`, then `concat` + `select` (the other triangle is 0; NaN for a non-positive-definite "
        "input); complex ones in complex ops split by hlo-coreml-split-complex. Larger or dynamic ones "
        "are refused: factor outside the model"
    ),
    "stablehlo.triangular_solve": (
        "unrolled by hlo-coreml-decompose-linalg for static f16/f32 and complex matrices of order "
        "n <= 32 (`max-size`), every left_side / lower / transpose_a (ADJOINT too) / unit_diagonal and "
        "batch dims: the diagonal divided out once, then n - 1 substitution steps of slices, an "
        "outer-product `matmul` and `sub`. Larger or dynamic ones are refused: solve outside the model"
    ),
    "stablehlo.reduce_precision": (
        "expanded by hlo-coreml-expand-reduce-precision (any exponent/mantissa width, f32/f16/bf16): "
        "round to nearest even by `floor` and comparisons, overflow to inf, the narrow format's denormals "
        "flushed, as XLA; exact under fp32 compute precision"
    ),
    "stablehlo.select_and_scatter": (
        "decomposed by hlo-coreml-decompose-select-and-scatter (static shapes, elementwise select, add/mul/"
        "max/min scatter: the max-pooling gradient): per window position a strided `slice`, the comparator and "
        "`select`s (XLA's first-selected rule), then a point scatter of the source into init"
    ),
    "stablehlo.map": (
        "inlined by hlo-coreml-inline-map when its body is elementwise (elementwise ops, constants, rank-0 "
        "reshapes; static shapes): the body's ops applied to the whole operands, constants broadcast"
    ),
    "stablehlo.dynamic_pad": (
        "with constant padding operands: `pad` (stablehlo-canonicalize-dynamism in hlo-coreml-prepare); "
        "padding only known at run time is refused"
    ),
    "stablehlo.dynamic_conv": (
        "with a constant padding operand: `convolution` (stablehlo-canonicalize-dynamism in "
        "hlo-coreml-prepare); padding only known at run time is refused"
    ),
    "stablehlo.complex": "split into (real, imag) pairs by hlo-coreml-split-complex",
    "stablehlo.real": "split-complex",
    "stablehlo.imag": "split-complex",
    "stablehlo.fft": "split-complex (DFT as matmuls)",
    "stablehlo.dot": "rewritten to dot_general (stablehlo-legalize-deprecated-ops)",
    "stablehlo.broadcast": "rewritten to broadcast_in_dim (stablehlo-legalize-deprecated-ops)",
    "stablehlo.einsum": "rewritten by stablehlo-legalize-deprecated-ops",
    "stablehlo.unary_einsum": "rewritten by stablehlo-legalize-deprecated-ops",
    "stablehlo.torch_index_select": "rewritten to gather (stablehlo-legalize-deprecated-ops)",
    "stablehlo.return": "region terminator (part of its parent op)",
}


def refusal(name: str) -> str | None:
    """The diagnostic text (after the op name) for a refused op, or None."""
    reason = REFUSED.get(name)
    if reason is None:
        return None
    return f"is not supported by Core ML: it {reason}"
