"""Flexible input shapes: ct.RangeDim and ct.EnumeratedShapes.

A jax.export with symbolic dimensions has `?` dims in @main's arguments.
Each such argument is either specialized (`specialize=`, a static
`ct.TensorType` shape: shape refinement makes the program static) or made
flexible: `inputs=[ct.TensorType(name=..., shape=(ct.RangeDim(1, 64), 16))]`
or `shape=ct.EnumeratedShapes(shapes=[...])`. A flexible argument keeps its
`?` dims through legalization; the MIL input gets a symbol for each, and
ct.convert writes the ranges / enumerated shapes into the spec.

`check_arguments` runs right after import, before any pass, so a request
that does not fit the program is refused at once.
"""

from __future__ import annotations

from ._mlir import ir
from .diagnostics import CompileError
from .element_types import is_dynamic


def _varying_dims(flexible) -> list[bool]:
    """Per dim of a flexible request: does its size vary?"""
    if hasattr(flexible, "shapes"):  # EnumeratedShapes
        shapes = [tuple(s.shape) for s in flexible.shapes]
        return [len({s[d] for s in shapes}) > 1 for d in range(len(shapes[0]))]
    return [hasattr(d, "lower_bound") for d in flexible.shape]


def _rank(flexible) -> int:
    if hasattr(flexible, "shapes"):
        return len(flexible.shapes[0].shape)
    return len(flexible.shape)


def describe(flexible) -> str:
    if hasattr(flexible, "shapes"):
        return "ct.EnumeratedShapes(" + ", ".join(str(tuple(s.shape)) for s in flexible.shapes) + ")"
    dims = [f"RangeDim({d.lower_bound}, {d.upper_bound})" if hasattr(d, "lower_bound") else str(d) for d in flexible.shape]
    return "(" + ", ".join(dims) + ")"


def _static_dims_fit(flexible, types_shape) -> int | None:
    """The first dim where a fixed size of the request differs from a
    static dim of the program, else None."""
    if hasattr(flexible, "shapes"):
        for s in flexible.shapes:
            for d, (want, have) in enumerate(zip(s.shape, types_shape)):
                if not is_dynamic(have) and int(want) != have:
                    return d
        return None
    for d, (want, have) in enumerate(zip(flexible.shape, types_shape)):
        if not hasattr(want, "lower_bound") and not is_dynamic(have) and int(want) != have:
            return d
    return None


def check_arguments(main, names: list[str], requests, specialized) -> None:
    """Refuse flexible requests that do not fit @main's arguments, and
    dynamic arguments nobody gave sizes for.

    `names`: the feature names of the arguments; `requests`: the input
    IORequests (by argument position); `specialized`: the argument indices
    and names `specialize=` fixes."""
    block = main.regions[0].blocks[0]
    for index, arg in enumerate(block.arguments):
        t = arg.type
        if not isinstance(t, ir.RankedTensorType):
            continue
        shape = list(t.shape)
        name = requests[index].name if index < len(requests) and requests[index].name else names[index]
        flexible = requests[index].flexible if index < len(requests) else None
        if flexible is None:
            if not t.has_static_shape and index not in specialized and names[index] not in specialized:
                example = ", ".join("ct.RangeDim(1, 64)" if is_dynamic(d) else str(d) for d in shape)
                raise CompileError(
                    f"input '{name}' has dynamic dimensions ({t}): make them flexible with "
                    f"inputs=[ct.TensorType(name='{name}', shape=({example}))] (or ct.EnumeratedShapes; CLI "
                    f"--input-range / --input-shapes), or fix them with specialize={{'{name}': shape}} "
                    f"(--specialize {name}=...)"
                )
            continue
        if index in specialized or names[index] in specialized:
            raise CompileError(f"input '{name}' is both specialized and given a flexible shape; choose one")
        if _rank(flexible) != t.rank:
            raise CompileError(
                f"input '{name}': the flexible shape {describe(flexible)} has rank {_rank(flexible)}, "
                f"but the argument is {t} (rank {t.rank})"
            )
        for d, varying in enumerate(_varying_dims(flexible)):
            if varying and not is_dynamic(shape[d]):
                raise CompileError(
                    f"input '{name}': dimension {d} is static ({shape[d]}) in the program ({t}), so it "
                    f"cannot be flexible as {describe(flexible)} asks; only its dynamic (?) dimensions "
                    "can take a ct.RangeDim or vary across ct.EnumeratedShapes (export with a symbolic "
                    "dimension there)"
                )
        bad = _static_dims_fit(flexible, shape)
        if bad is not None:
            raise CompileError(
                f"input '{name}': the flexible shape {describe(flexible)} gives dimension {bad} a size "
                f"other than the program's {shape[bad]} ({t})"
            )


def as_flexible(shape, what: str):
    """A ct.Shape / ct.EnumeratedShapes from what `compile(flexible=...)`
    accepts: those, or a tuple of ints and ct.RangeDims."""
    from .coreml import coremltools

    ct = coremltools()
    if isinstance(shape, (ct.Shape, ct.EnumeratedShapes)):
        flexible = shape
    elif isinstance(shape, (tuple, list)):
        flexible = ct.Shape(shape=tuple(shape))
    else:
        raise CompileError(
            f"flexible shape of '{what}' must be a tuple of ints and ct.RangeDims, a ct.Shape or a "
            f"ct.EnumeratedShapes, got {type(shape).__name__}"
        )
    if not hasattr(flexible, "shapes") and not flexible.has_symbolic:
        raise CompileError(f"flexible shape of '{what}' has no ct.RangeDim; use specialize= for a static shape")
    return flexible


def resolve(flexible: dict, names: list[str], requests: list) -> None:
    """Attach `compile(flexible={name or index: shape})` to the input
    requests (by argument position), growing the list as needed."""
    from .importer import argument_index
    from .interface import IORequest

    for key, shape in flexible.items():
        index = argument_index(key, names, "flexible shape for")
        while len(requests) <= index:
            requests.append(IORequest())
        if requests[index].flexible is not None or requests[index].static_shape is not None:
            raise CompileError(f"input '{names[index]}' gets a shape from both inputs= and flexible=; give one")
        requests[index].flexible = as_flexible(shape, names[index])


def check_enumerated(requests, target) -> None:
    """Core ML's rules for several inputs with ct.EnumeratedShapes."""
    from .coreml import coremltools

    ct = coremltools()
    enumerated = [r for r in requests if r.flexible is not None and hasattr(r.flexible, "shapes")]
    if len(enumerated) <= 1:
        return
    if target.value < ct.target.iOS18.value:
        raise CompileError(
            f"{len(enumerated)} inputs have ct.EnumeratedShapes, but before iOS18 Core ML allows one "
            f"(target {target.name}): raise the target to iOS18, or use ct.RangeDim for the others"
        )
    if len({len(r.flexible.shapes) for r in enumerated}) != 1:
        raise CompileError(
            "inputs with ct.EnumeratedShapes must all list the same number of shapes (Core ML matches "
            "them by position)"
        )


def flexible_json(flexible) -> dict:
    """The ranges or enumerated shapes, for the interface metadata."""
    if hasattr(flexible, "shapes"):
        return {
            "enumerated": [list(s.shape) for s in flexible.shapes],
            "default": list(flexible.default),
        }
    ranges = [
        [d.lower_bound, d.upper_bound] if hasattr(d, "lower_bound") else [int(d), int(d)] for d in flexible.shape
    ]
    return {"range": ranges, "default": list(flexible.default)}


def tensor_types(iface) -> list:
    """ct.TensorTypes for ct.convert(inputs=...): one per flexible input,
    with the user's RangeDims / EnumeratedShapes (coremltools writes them
    into the spec from the program's input types)."""
    from .coreml import coremltools

    ct = coremltools()
    return [ct.TensorType(name=spec.name, shape=spec.flexible) for spec in iface.inputs if spec.flexible is not None]
