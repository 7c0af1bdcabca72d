"""The model interface as the user asks for it: names, I/O dtypes, static
shapes, image inputs, states, metadata.

`compile(inputs=..., outputs=...)` takes, per argument / result, a feature
name, None, a `ct.TensorType`, or (inputs) a `ct.ImageType`. With
`source="milinternal"` coremltools ignores `outputs=` and only applies
`inputs=` to existing placeholders, so names, dtypes and casts are set in
the MIL program itself (emit/program.py); only ImageTypes are handed to
ct.convert. Every request is checked against the deployment target before
anything is converted, so an fp16 request below iOS16 or a state below
iOS18 is a clear CompileError, never a protobuf or coremltools error.
"""

from __future__ import annotations

from dataclasses import dataclass

from .coreml import coremltools
from .diagnostics import CompileError

FP16_IO_TARGET = "iOS16"
STATE_TARGET = "iOS18"


@dataclass
class IORequest:
    name: str | None = None
    dtype: str | None = None  # 'f16', 'f32', 'i32'
    static_shape: tuple[int, ...] | None = None
    image: object | None = None  # the ct.ImageType
    what: str = "input"
    # A ct.Shape with ct.RangeDim dims or a ct.EnumeratedShapes: the
    # input keeps its dynamic dims (see hlo_coreml.flexible).
    flexible: object | None = None


def _dtype_kind(dtype) -> str | None:
    if dtype is None:
        return None
    from coremltools.converters.mil.mil import types

    kinds = {types.fp16: "f16", types.fp32: "f32", types.int32: "i32"}
    if dtype not in kinds:
        try:
            dtype = types.numpy_type_to_builtin_type(dtype)
        except Exception:  # noqa: BLE001 - reported below
            pass
    if dtype in kinds:
        return kinds[dtype]
    raise CompileError(f"unsupported Core ML feature dtype {dtype!r}: use np.float16, np.float32 or np.int32")


def io_requests(items, what: str) -> list[IORequest]:
    """Normalize `inputs=` / `outputs=` (see module docstring)."""
    ct = coremltools()
    singular = what.rstrip("s")
    out = []
    for item in items or []:
        if item is None:
            out.append(IORequest(what=singular))
        elif isinstance(item, str):
            out.append(IORequest(name=item, what=singular))
        elif isinstance(item, ct.ImageType):
            if what != "inputs":
                raise CompileError("ct.ImageType is supported for inputs only")
            gray16 = item.color_layout == ct.colorlayout.GRAYSCALE_FLOAT16
            static, flexible = _requested_shape(item)
            if flexible is not None:
                raise CompileError(
                    f"image input '{item.name}': flexible image sizes are not supported; give a static shape "
                    "(or use a ct.TensorType input for a flexible shape)"
                )
            out.append(IORequest(item.name, "f16" if gray16 else "f32", static, item, singular))
        elif isinstance(item, ct.TensorType):
            if getattr(item, "default_value", None) is not None:
                raise CompileError(f"{singular} '{item.name}': default_value is not supported")
            static, flexible = _requested_shape(item)
            if flexible is not None and what != "inputs":
                raise CompileError(f"output '{item.name}': flexible shapes apply to inputs only")
            out.append(IORequest(item.name, _dtype_kind(item.dtype), static, None, singular, flexible))
        else:
            raise CompileError(
                f"{what} entries must be names, None, ct.TensorType or ct.ImageType, got {type(item).__name__}"
            )
    return out


def _requested_shape(item) -> tuple[tuple[int, ...] | None, object | None]:
    """(static shape, None) or (None, flexible shape) of a TensorType or
    ImageType; (None, None) when it gives no shape."""
    coremltools()
    from coremltools.converters.mil.input_types import EnumeratedShapes

    shape = getattr(item, "shape", None)
    if shape is None:
        return None, None
    if isinstance(shape, EnumeratedShapes) or getattr(shape, "has_symbolic", False):
        return None, shape
    dims = getattr(shape, "shape", shape)
    return tuple(int(d) for d in dims), None


def _target_at_least(target, name: str) -> bool:
    ct = coremltools()
    return target.value >= getattr(ct.target, name).value


def check_io_requests(requests: list[IORequest], states, target) -> None:
    """Refuse, before converting, what the deployment target cannot hold."""
    for r in requests:
        if r.dtype == "f16" and not _target_at_least(target, FP16_IO_TARGET):
            label = f"{r.what} '{r.name}'" if r.name else f"an {r.what}"
            raise CompileError(
                f"fp16 {label} needs minimum_deployment_target {FP16_IO_TARGET} (macOS13) or newer: Core ML "
                f"has fp16 model inputs and outputs from iOS16 on, and the target is {target.name}. "
                f"Raise the target (minimum_deployment_target='{FP16_IO_TARGET}', --target {FP16_IO_TARGET}) "
                "or ask for fp32 I/O (dtype=np.float32)"
            )
    if states and not _target_at_least(target, STATE_TARGET):
        raise CompileError(
            f"states need minimum_deployment_target {STATE_TARGET} (macOS15) or newer: Core ML has stateful "
            f"models from iOS18 on, and the target is {target.name}. Raise the target "
            f"(minimum_deployment_target='{STATE_TARGET}', --target {STATE_TARGET}) or keep the state as an "
            "input/output pair"
        )


def apply_io_requests(iface, in_requests: list[IORequest], out_requests: list[IORequest], target) -> None:
    """Set the I/O dtype of each feature as requested; below iOS16, fp16
    features nobody asked for travel as fp32 (cast inside)."""
    for specs, requests in ((iface.inputs, in_requests), (iface.outputs, out_requests)):
        by_source = _by_source(specs)
        for index, request in enumerate(requests):
            for spec in by_source.get(index, []):
                if request.flexible is not None:
                    spec.flexible = request.flexible
                if request.dtype is None:
                    continue
                floating = spec.element in ("f16", "f32")
                if floating != (request.dtype in ("f16", "f32")):
                    raise CompileError(
                        f"{request.what} '{spec.name}' is {spec.element} in the program and cannot be given "
                        f"a {request.dtype} feature: only fp16 <-> fp32 are converted at the interface"
                    )
                spec.io_dtype = request.dtype
        if not _target_at_least(target, FP16_IO_TARGET):
            for spec in specs:
                if spec.io_dtype == "f16":
                    spec.io_dtype = "f32"


def _by_source(specs) -> dict[int, list]:
    """Features by position in the original signature (a complex argument
    is two features)."""
    out: dict[int, list] = {}
    index, last = -1, None
    for spec in specs:
        key = spec.complex_of if spec.complex_part is not None else object()
        if spec.complex_part is None or key != last:
            index += 1
        last = key
        out.setdefault(index, []).append(spec)
    return out


def resolve_states(iface, states) -> dict[str, str]:
    """{input feature: output feature} for `states`, checked: both exist,
    same shape, fp16 in the program."""
    if not states:
        return {}
    inputs = {s.name: s for s in iface.inputs}
    outputs = {s.name: s for s in iface.outputs}
    out = {}
    for state, update in states.items():
        if state not in inputs:
            raise CompileError(f"state '{state}' is not an input (inputs: {', '.join(inputs)})")
        if update not in outputs:
            raise CompileError(f"state '{state}': '{update}' is not an output (outputs: {', '.join(outputs)})")
        s, u = inputs[state], outputs[update]
        if s.dynamic or u.dynamic:
            raise CompileError(f"state '{state}' has a dynamic shape; Core ML states have static shapes (specialize it)")
        if s.shape != u.shape:
            raise CompileError(f"state '{state}' has shape {s.shape} but its update '{update}' has shape {u.shape}")
        for spec in (s, u):
            if spec.element != "f16":
                raise CompileError(
                    f"state '{state}': Core ML states are fp16 only, but '{spec.name}' is {spec.element}; "
                    "make the state float16 in the model (e.g. cache.astype(jnp.float16))"
                )
        out[state] = update
    if len(set(out.values())) != len(out):
        raise CompileError("two states are updated by the same output")
    return out


def image_types(iface, in_requests: list[IORequest]) -> list:
    """The ct.ImageTypes to hand to ct.convert, named and shaped as the
    features they describe."""
    ct = coremltools()
    by_source = _by_source(iface.inputs)
    out = []
    for index, request in enumerate(in_requests):
        if request.image is None:
            continue
        [spec] = by_source.get(index, [None])
        if spec is None or len(spec.io_shape) != 4:
            raise CompileError(
                f"image input '{request.image.name or index}' must be a rank-4 tensor (N, C, H, W or N, H, W, C)"
            )
        image = request.image
        kwargs = dict(
            name=spec.name,
            shape=spec.io_shape,
            scale=image.scale,
            bias=image.bias,
            color_layout=image.color_layout,
            channel_first=image.channel_first,
        )
        if getattr(image, "grayscale_use_uint8", False):
            kwargs["grayscale_use_uint8"] = True
        out.append(ct.ImageType(**kwargs))
    return out


def set_metadata(mlmodel, *, author, version, short_description, license, user_defined_metadata) -> None:  # noqa: A002
    if author is not None:
        mlmodel.author = str(author)
    if version is not None:
        mlmodel.version = str(version)
    if short_description is not None:
        mlmodel.short_description = str(short_description)
    if license is not None:
        mlmodel.license = str(license)
    for key, value in (user_defined_metadata or {}).items():
        mlmodel.user_defined_metadata[str(key)] = str(value)
