"""`hlo-coreml inspect`: what is inside an .mlpackage, read from its spec.

Reports the specification version and the deployment target it implies,
the inputs and outputs, op counts by type, the precision mix (ops and
output elements per dtype, and the share of matmul/conv compute in fp16),
the highest tensor rank, and Neural Engine notes: patterns known to keep
ops off the Neural Engine. Works on Linux: it only reads the protobuf.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from dataclasses import asdict, dataclass, field

from .coreml import model_spec_proto

# specificationVersion -> the oldest deployment targets that read it.
_SPEC_TARGETS = {
    6: "iOS15 / macOS12",
    7: "iOS16 / macOS13",
    8: "iOS17 / macOS14",
    9: "iOS18 / macOS15",
    10: "iOS26 / macOS26",
}
# Ops counted as "compute" for the fp16 share (weighted by output elements).
_MAC_OPS = {"matmul", "linear", "conv", "conv_transpose", "einsum", "scaled_dot_product_attention"}
# The Neural Engine's documented dimension limit (see shared/reference/coreml-target.md §3).
_ANE_MAX_DIM = 16384
_CONTROL_FLOW = {"while_loop", "cond"}


@dataclass
class Feature:
    name: str
    shape: list
    dtype: str


@dataclass
class Report:
    path: str
    specification_version: int
    deployment_target: str
    opset: str
    inputs: list = field(default_factory=list)
    outputs: list = field(default_factory=list)
    states: list = field(default_factory=list)
    op_counts: dict = field(default_factory=dict)
    ops_by_dtype: dict = field(default_factory=dict)
    compute_elements_by_dtype: dict = field(default_factory=dict)
    fp16_compute_share: float | None = None
    max_rank: int = 0
    neural_engine_notes: list = field(default_factory=list)
    # A multifunction package's functions (the ops above are the reported
    # function's); the package's bytes on disk, and its weight files'.
    functions: list = field(default_factory=list)
    function: str = "main"
    package_bytes: int = 0
    weight_bytes: int = 0
    # constexpr_* ops (compressed weights): their count, the weights they
    # produce, the bytes of their stored inputs, and bits per weight
    compressed_weights: dict = field(default_factory=dict)


def _feature(desc) -> Feature:
    t = desc.type
    kind = t.WhichOneof("Type")
    if kind == "multiArrayType":
        dtype = _proto("FeatureTypes_pb2").ArrayFeatureType.ArrayDataType.Name(t.multiArrayType.dataType)
        return Feature(desc.name, _array_shape(t.multiArrayType), dtype)
    if kind == "stateType":
        arr = t.stateType.arrayType
        return Feature(desc.name, list(arr.shape), _proto("FeatureTypes_pb2").ArrayFeatureType.ArrayDataType.Name(arr.dataType))
    return Feature(desc.name, [], kind or "unknown")


def _array_shape(array) -> list:
    """The shape of a multiArray feature; a flexible dim as "LOW..HIGH"
    (ct.RangeDim), enumerated shapes as "A|B|..." per dim."""
    shape = list(array.shape)
    kind = array.WhichOneof("ShapeFlexibility")
    if kind == "shapeRange":
        return [
            r.lowerBound if r.lowerBound == r.upperBound else f"{r.lowerBound}..{r.upperBound}"
            for r in array.shapeRange.sizeRanges
        ]
    if kind == "enumeratedShapes":
        shapes = [list(s.shape) for s in array.enumeratedShapes.shapes]
        return [
            shapes[0][d] if len({s[d] for s in shapes}) == 1 else "|".join(str(s[d]) for s in shapes)
            for d in range(len(shapes[0]))
        ]
    return shape


def _walk(operations):
    for op in operations:
        yield op
        for block in op.blocks:
            yield from _walk(block.operations)


def _dims(tensor_type) -> list:
    dims = []
    for d in tensor_type.dimensions:
        dims.append(d.constant.size if d.WhichOneof("dimension") == "constant" else None)
    return dims


def _output_elements(op) -> int:
    """Elements of the op's first output: the proxy we use for the compute
    of matmul/conv ops (the contracted length is not in the proto)."""
    if not op.outputs:
        return 0
    out = _dims(op.outputs[0].type.tensorType)
    if any(d is None for d in out):
        return 0
    elements = 1
    for d in out:
        elements *= d
    return elements


def _package_bytes(path: str) -> tuple[int, int]:
    """(bytes of every file in the package, bytes of its weight files)."""
    total = weights = 0
    for dirpath, _, files in os.walk(path):
        for f in files:
            size = os.path.getsize(os.path.join(dirpath, f))
            total += size
            if os.path.basename(dirpath) == "weights":
                weights += size
    return total, weights


def _proto(name: str):
    """A protobuf module of coremltools' (loaded with Model_pb2; looked up
    in sys.modules, since importing it by name could import all of
    coremltools, see coreml.model_spec_proto)."""
    return sys.modules[model_spec_proto().__name__.rpartition(".")[0] + "." + name]


def load_spec(path: str):
    """The Model protobuf of an .mlpackage: the package's Manifest.json
    names its root model item, a file under Data/ (the documented package
    layout, which `ct.utils.load_spec` reads the same way)."""
    with open(os.path.join(path, "Manifest.json")) as f:
        manifest = json.load(f)
    item = manifest["itemInfoEntries"][manifest["rootModelIdentifier"]]
    spec = model_spec_proto().Model()
    with open(os.path.join(path, "Data", item["path"]), "rb") as f:
        spec.ParseFromString(f.read())
    return spec


def inspect(path: str, function_name: str | None = None) -> Report:
    """Describe the package at `path`; for a multifunction package, its
    function `function_name` (default: the package's default function)."""
    spec = load_spec(path)
    MIL_pb2 = _proto("MIL_pb2")  # noqa: N806
    if spec.WhichOneof("Type") != "mlProgram":
        raise ValueError(f"{path}: not an ML program (found {spec.WhichOneof('Type')})")
    # the description's order (the program's functions are a protobuf map)
    names = [f.name for f in spec.description.functions] or sorted(spec.mlProgram.functions)
    name = function_name or spec.description.defaultFunctionName or "main"
    if name not in spec.mlProgram.functions:
        raise ValueError(f"{path}: no function '{name}' (functions: {', '.join(names)})")
    function = spec.mlProgram.functions[name]
    block = function.block_specializations[function.opset]
    description = spec.description
    for f in spec.description.functions:
        if f.name == name:
            description = f
    report = Report(
        path=path,
        specification_version=spec.specificationVersion,
        deployment_target=_SPEC_TARGETS.get(spec.specificationVersion, f"spec {spec.specificationVersion}"),
        opset=function.opset,
        inputs=[asdict(_feature(d)) for d in description.input],
        outputs=[asdict(_feature(d)) for d in description.output],
        states=[asdict(_feature(d)) for d in description.state],
        functions=names if len(names) > 1 or names != ["main"] else [],
        function=name,
    )
    report.package_bytes, report.weight_bytes = _package_bytes(path)
    counts, by_dtype, macs = Counter(), Counter(), Counter()
    notes: list[str] = []
    high_rank, big_dims, dynamic, int_ops, control = Counter(), Counter(), Counter(), Counter(), Counter()
    report.compressed_weights = _compressed_weights(block)
    for op in _walk(block.operations):
        if op.type == "const":
            continue
        counts[op.type] += 1
        for out in op.outputs:
            if out.type.WhichOneof("type") != "tensorType":
                continue
            tensor = out.type.tensorType
            dtype = MIL_pb2.DataType.Name(tensor.dataType)
            dims = _dims(tensor)
            report.max_rank = max(report.max_rank, tensor.rank)
            if out is op.outputs[0] and op.type != "cast":
                by_dtype[dtype] += 1
                if op.type in _MAC_OPS:
                    macs[dtype] += _output_elements(op)
                if dtype in ("INT32", "INT16", "INT8", "UINT8", "UINT16") and op.type not in ("cast", "shape"):
                    int_ops[op.type] += 1
            if tensor.rank > 4:
                high_rank[op.type] += 1
            if any(d is None for d in dims):
                dynamic[op.type] += 1
            if any(d is not None and d > _ANE_MAX_DIM for d in dims):
                big_dims[op.type] += 1
        if op.type in _CONTROL_FLOW:
            control[op.type] += 1
    report.op_counts = dict(counts.most_common())
    report.ops_by_dtype = dict(by_dtype)
    report.compute_elements_by_dtype = dict(macs)
    total_macs = sum(macs.values())
    if total_macs:
        report.fp16_compute_share = macs.get("FLOAT16", 0) / total_macs
    fp32 = by_dtype.get("FLOAT32", 0)
    if fp32:
        notes.append(
            f"{fp32} op(s) compute in fp32: the Neural Engine runs fp16 only, so they run on CPU/GPU "
            "(convert with compute_precision='fp16' unless they need fp32)"
        )
    if high_rank:
        notes.append(f"rank-5 tensors in {_list(high_rank)}: the Neural Engine prefers rank <= 4")
    if dynamic:
        notes.append(f"dynamic shapes in {_list(dynamic)}: fixed or enumerated shapes keep ops on the Neural Engine")
    ranged = [d.name for d in description.input if d.type.WhichOneof("Type") == "multiArrayType"
              and d.type.multiArrayType.WhichOneof("ShapeFlexibility") == "shapeRange"]
    if ranged:
        notes.append(
            f"range (ct.RangeDim) inputs {', '.join(ranged)}: prefer ct.EnumeratedShapes for the Neural Engine, "
            "or load with optimization_hints={'reshapeFrequency': ct.ReshapeFrequency.Infrequent} (iOS 17.4+)"
        )
    if big_dims:
        notes.append(f"dimensions > {_ANE_MAX_DIM} in {_list(big_dims)}: beyond the Neural Engine's range, these run on CPU/GPU")
    if int_ops:
        notes.append(f"integer compute in {_list(int_ops)}: usually scheduled on the CPU")
    if control:
        notes.append(f"control flow ({_list(control)}): runs on the CPU and splits the Neural Engine graph")
    gathers = sum(counts.get(t, 0) for t in ("gather", "gather_nd", "gather_along_axis", "scatter", "scatter_nd", "scatter_along_axis"))
    if gathers:
        notes.append(f"{gathers} gather/scatter op(s): often run on the CPU")
    report.neural_engine_notes = notes
    return report


def _element_bits(data_type: int) -> int:
    from coremltools.proto import MIL_pb2

    name = MIL_pb2.DataType.Name(data_type)
    digits = "".join(ch for ch in name if ch.isdigit())
    return int(digits) if digits else 8


def _compressed_weights(block) -> dict:
    """What the function's constexpr_* ops store and produce."""
    consts = {}
    for op in _walk(block.operations):
        if op.type == "const":
            for out in op.outputs:
                if out.type.WhichOneof("type") == "tensorType":
                    consts[out.name] = out.type.tensorType
    ops = weights = stored_bits = 0
    for op in _walk(block.operations):
        if not op.type.startswith("constexpr_"):
            continue
        ops += 1
        weights += _output_elements(op)
        # iOS16's constexpr ops hold their data as attributes, iOS18's as inputs
        for key, value in op.attributes.items():
            if key != "name" and value.type.WhichOneof("type") == "tensorType":
                n = 1
                for d in _dims(value.type.tensorType):
                    n *= d or 1
                stored_bits += n * _element_bits(value.type.tensorType.dataType)
        for argument in op.inputs.values():
            for binding in argument.arguments:
                if binding.WhichOneof("binding") == "value":
                    value_type = binding.value.type
                    tensor = value_type.tensorType if value_type.WhichOneof("type") == "tensorType" else None
                else:
                    tensor = consts.get(binding.name)
                if tensor is not None:
                    n = 1
                    for d in _dims(tensor):
                        n *= d or 1
                    stored_bits += n * _element_bits(tensor.dataType)
    if not ops:
        return {}
    return {"ops": ops, "weights": weights, "stored_bytes": stored_bits // 8,
            "bits_per_weight": round(stored_bits / weights, 2) if weights else None}


def _list(counter: Counter) -> str:
    return ", ".join(f"{name} x{n}" for name, n in counter.most_common(6))


def _shape_text(shape: list) -> str:
    """[1..64, 16] for the text report; a feature whose spec holds no
    shape (an output whose shape depends on a flexible input) is "[?]"."""
    return "[" + ", ".join(str(d) for d in shape) + "]" if shape else "[?]"


def format_text(report: Report) -> str:
    lines = [
        f"{report.path}",
        f"  specification version {report.specification_version} "
        f"(deployment target {report.deployment_target}, opset {report.opset})",
    ]
    lines.append(f"  package size: {report.package_bytes:,} bytes (weights {report.weight_bytes:,})")
    if report.functions:
        lines.append(f"  functions: {', '.join(report.functions)} (shown: {report.function})")
    lines.append("  inputs:")
    for f in report.inputs:
        lines.append(f"    {f['name']}: {_shape_text(f['shape'])} {f['dtype']}")
    lines.append("  outputs:")
    for f in report.outputs:
        lines.append(f"    {f['name']}: {_shape_text(f['shape'])} {f['dtype']}")
    if report.states:
        lines.append("  states:")
        for f in report.states:
            lines.append(f"    {f['name']}: {_shape_text(f['shape'])} {f['dtype']}")
    total = sum(report.op_counts.values())
    lines.append(f"  ops: {total} (excluding const)")
    for name, n in report.op_counts.items():
        lines.append(f"    {name:<28} {n}")
    mix = ", ".join(f"{k} {v}" for k, v in sorted(report.ops_by_dtype.items()))
    lines.append(f"  precision mix (ops by output dtype, casts excluded): {mix or 'none'}")
    if report.fp16_compute_share is not None:
        lines.append(f"  matmul/conv compute in fp16: {report.fp16_compute_share:.0%} (by output elements)")
    cw = report.compressed_weights
    if cw:
        lines.append(
            f"  compressed weights: {cw['ops']} constexpr op(s), {cw['weights']:,} weights stored in "
            f"{cw['stored_bytes']:,} bytes ({cw['bits_per_weight']} bits per weight)"
        )
    lines.append(f"  highest tensor rank: {report.max_rank}")
    lines.append("  Neural Engine notes:" if report.neural_engine_notes else "  Neural Engine notes: none")
    for note in report.neural_engine_notes:
        lines.append(f"    - {note}")
    return "\n".join(lines)


def format_json(report: Report) -> str:
    return json.dumps(asdict(report), indent=2)
