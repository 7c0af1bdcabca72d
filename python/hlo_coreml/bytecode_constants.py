"""Parse a StableHLO portable artifact without holding its weights twice.

MLIR's bytecode parser takes the whole artifact as one `bytes` object and
copies every constant out of it into the context, so while it runs the
artifact, the parsed module and (inside StableHLO's VHLO reader) a scratch
copy of the constant being read are alive together: about 2.3 times a
model's weights. Here the parser gets a slim copy of the artifact instead,
in which each large constant's data is replaced by one placeholder element
(a splat of a value no other constant of that type starts with), and the
real data is then copied into the parsed module from the source buffer one
constant at a time: weights are held once, plus at most the largest of
them while it is copied. The module is the one a plain parse gives.

Only what the MLIR bytecode format and VHLO's bytecode encoding specify is
relied on: both are stable formats (docs/performance.md). Anything this
module does not recognise (another producer, aligned sections, a constant
also used as an attribute elsewhere) makes `elide_large_constants` or
`restore` answer None/False, and the caller parses the artifact as it is.
"""

from __future__ import annotations

import mmap
from dataclasses import dataclass

import numpy as np

from ._mlir import ir

MAGIC = b"ML\xefR"
# Constants smaller than this stay in the slim artifact (a placeholder
# would save little and the program's small constants are many).
MIN_ELIDED_BYTES = 1 << 16

# The bytecode versions whose layout this module reads: 1 (dialect
# versioning, which changed the dialect section) to 6 (the current one).
_KNOWN_VERSIONS = range(1, 7)
# MLIR bytecode section IDs (mlir/Bytecode/Encoding.h).
_STRING, _DIALECT, _ATTR_TYPE, _ATTR_TYPE_OFFSET = 0, 1, 2, 3
# VHLO's bytecode codes (stablehlo/dialect/VhloBytecode.cpp; stable by
# VHLO's compatibility guarantee).
_VHLO_TENSOR_ATTR = 15
_VHLO_RANKED_TENSOR_TYPE = 20
# VHLO element type code -> (MLIR element type, bytes per element).
_VHLO_ELEMENT_TYPES = {
    2: ("bf16", 2),
    3: ("f16", 2),
    4: ("f32", 4),
    5: ("f64", 8),
    11: ("i8", 1),
    12: ("i16", 2),
    13: ("i32", 4),
    14: ("i64", 8),
    16: ("ui8", 1),
    17: ("ui16", 2),
    18: ("ui32", 4),
    19: ("ui64", 8),
}
# The largest placeholder pattern per element size that is a finite,
# positive value for every element type of that size (bf16's largest finite
# pattern is 0x7F7F; int8's largest positive value 0x7F).
_MAX_PATTERN = {1: 0x7F, 2: 0x7F7F, 4: 0x7F7FFFFF, 8: 0x7FEFFFFFFFFFFFFF}


class _Malformed(Exception):
    """The bytes do not decode as expected; the caller parses them as they are."""


@dataclass(frozen=True)
class ElidedConstant:
    """A constant whose data the slim artifact does not hold."""

    offset: int  # of the data within the original artifact
    nbytes: int
    shape: tuple[int, ...]
    element: str  # MLIR element type, e.g. "f32", "ui8"
    placeholder: bytes  # the one element standing in for the data


@dataclass
class _Section:
    ident: int
    start: int  # of the data, in the artifact
    length: int


class _Reader:
    def __init__(self, data, start: int = 0, end: int | None = None):
        self.data = data
        self.pos = start
        self.end = len(data) if end is None else end

    def byte(self) -> int:
        if self.pos >= self.end:
            raise _Malformed
        self.pos += 1
        return self.data[self.pos - 1]

    def varint(self) -> int:
        first = self.byte()
        if first & 1:
            return first >> 1
        if first == 0:
            return int.from_bytes(self._take(8), "little")
        extra = (first & -first).bit_length() - 1  # trailing zeros
        rest = int.from_bytes(self._take(extra), "little")
        return ((rest << 8) | first) >> (extra + 1)

    def signed_varint(self) -> int:
        value = self.varint()
        return (value >> 1) ^ -(value & 1)

    def _take(self, n: int) -> bytes:
        if self.pos + n > self.end:
            raise _Malformed
        self.pos += n
        return bytes(self.data[self.pos - n : self.pos])


def encode_varint(value: int) -> bytes:
    """MLIR bytecode's prefix varint (the inverse of _Reader.varint)."""
    for size in range(1, 9):
        if value < 1 << (7 * size):
            return ((value << size) | (1 << (size - 1))).to_bytes(size, "little")
    return b"\0" + value.to_bytes(8, "little")


def _sections(data) -> tuple[int, list[_Section]]:
    """(the offset of the first section, the top-level sections)."""
    if bytes(data[:4]) != MAGIC:
        raise _Malformed
    reader = _Reader(data, 4)
    if reader.varint() not in _KNOWN_VERSIONS:
        raise _Malformed
    end = bytes(data[reader.pos : reader.pos + 256]).find(b"\0")  # producer
    if end < 0:
        raise _Malformed
    reader.pos += end + 1
    first = reader.pos
    sections = []
    while reader.pos < len(data):
        ident = reader.byte()
        length = reader.varint()
        if ident & 0x80:  # aligned: moving it would need new padding
            raise _Malformed
        sections.append(_Section(ident, reader.pos, length))
        reader.pos += length
    if reader.pos != len(data):
        raise _Malformed
    return first, sections


def _strings(data, section: _Section) -> list[bytes]:
    reader = _Reader(data, section.start, section.start + section.length)
    sizes = [reader.varint() for _ in range(reader.varint())]
    strings, end = [], section.start + section.length
    for size in sizes:  # stored in reverse order, each with its NUL
        strings.append(bytes(data[end - size : end - 1]))
        end -= size
    strings.reverse()
    return strings


def _dialect_names(data, section: _Section, strings: list[bytes]) -> list[bytes]:
    reader = _Reader(data, section.start, section.start + section.length)
    names = []
    for _ in range(reader.varint()):
        value = reader.varint()
        names.append(strings[value >> 1])
        if value & 1:  # a nested dialect version section
            if reader.byte() & 0x80:
                raise _Malformed
            reader.pos += reader.varint()
    return names


@dataclass
class _Entry:
    start: int  # in the artifact
    size: int
    dialect: int
    custom: bool


def _entries(data, offsets: _Section, attr_types: _Section) -> tuple[list[_Entry], list[_Entry], list[int]]:
    """(attribute entries, type entries, the offset section's group headers
    as [dialect, count, dialect, count, ...] for rewriting it)."""
    reader = _Reader(data, offsets.start, offsets.start + offsets.length)
    counts = reader.varint(), reader.varint()
    position = attr_types.start
    tables: list[list[_Entry]] = [[], []]
    groups: list[int] = []
    for table, count in zip(tables, counts):
        while len(table) < count:
            dialect, entries = reader.varint(), reader.varint()
            groups += [dialect, entries]
            for _ in range(entries):
                value = reader.varint()
                table.append(_Entry(position, value >> 1, dialect, bool(value & 1)))
                position += value >> 1
    if position != attr_types.start + attr_types.length or reader.pos != reader.end:
        raise _Malformed
    return tables[0], tables[1], groups


def _tensor_type(data, types: list[_Entry], index: int, vhlo: int) -> tuple[tuple[int, ...], str, int] | None:
    """(shape, element type, element bytes) of VHLO ranked tensor type
    `index`, or None for any other type."""
    entry = types[index]
    if entry.dialect != vhlo or not entry.custom:
        return None
    reader = _Reader(data, entry.start, entry.start + entry.size)
    if reader.varint() != _VHLO_RANKED_TENSOR_TYPE:
        return None
    shape = tuple(reader.signed_varint() for _ in range(reader.varint()))
    element = types[reader.varint()]
    if element.dialect != vhlo or not element.custom or any(d < 0 for d in shape):
        return None
    known = _VHLO_ELEMENT_TYPES.get(_Reader(data, element.start, element.start + element.size).varint())
    return None if known is None else (shape, *known)


def elide_large_constants(data, min_bytes: int = MIN_ELIDED_BYTES) -> tuple[bytes, list[ElidedConstant]] | None:
    """A slim copy of VHLO bytecode `data` (bytes, mmap or memoryview) in
    which every constant of at least `min_bytes` is one placeholder
    element, and what was elided; None when `data` is not VHLO bytecode
    this function understands or has nothing to elide."""
    try:
        return _elide(data, min_bytes)
    except (_Malformed, IndexError):
        return None


def _elide(data, min_bytes):
    first, sections = _sections(data)
    by_id = {s.ident: s for s in sections}
    if len(by_id) != len(sections) or not {_STRING, _DIALECT, _ATTR_TYPE, _ATTR_TYPE_OFFSET} <= by_id.keys():
        raise _Malformed
    dialects = _dialect_names(data, by_id[_DIALECT], _strings(data, by_id[_STRING]))
    if b"vhlo" not in dialects:
        return None
    vhlo = dialects.index(b"vhlo")
    attrs, types, groups = _entries(data, by_id[_ATTR_TYPE_OFFSET], by_id[_ATTR_TYPE])

    # Every VHLO tensor attribute: (entry, type index, data start, data size).
    tensors = []
    for entry in attrs:
        if entry.dialect != vhlo or not entry.custom:
            continue
        reader = _Reader(data, entry.start, entry.start + entry.size)
        if reader.varint() != _VHLO_TENSOR_ATTR:
            continue
        type_index, size = reader.varint(), reader.varint()
        if reader.pos + size != reader.end:
            raise _Malformed
        tensors.append((entry, type_index, reader.pos, size))

    # Placeholders are the patterns 1, 2, ... that no other tensor of the
    # same type starts with, so none is equal to a constant of the program.
    taken: dict[int, set[bytes]] = {}
    elided: list[ElidedConstant] = []
    replaced: dict[int, bytes] = {}
    candidates = []
    for entry, type_index, start, size in tensors:
        described = _tensor_type(data, types, type_index, vhlo)
        if described is None:
            continue
        shape, element, width = described
        if size % width:
            raise _Malformed
        if size:
            taken.setdefault(type_index, set()).add(bytes(data[start : start + width]))
        if size >= min_bytes and size == width * int(np.prod(shape, dtype=np.int64)):
            candidates.append((entry, type_index, start, size, shape, element, width))
    next_pattern: dict[int, int] = {}
    for entry, type_index, start, size, shape, element, width in candidates:
        pattern = next_pattern.get(type_index, 1)
        while pattern <= _MAX_PATTERN[width] and pattern.to_bytes(width, "little") in taken[type_index]:
            pattern += 1
        if pattern > _MAX_PATTERN[width]:
            continue
        next_pattern[type_index] = pattern + 1
        placeholder = pattern.to_bytes(width, "little")
        replaced[id(entry)] = (
            encode_varint(_VHLO_TENSOR_ATTR) + encode_varint(type_index) + encode_varint(width) + placeholder
        )
        elided.append(ElidedConstant(start, size, shape, element, placeholder))
    if not elided:
        return None

    # The slim artifact: every section as it was, but the attribute/type
    # section without the elided data and its offsets resized to match.
    attr_types = bytearray()
    sizes = []
    for entry in attrs + types:
        encoded = replaced.get(id(entry))
        if encoded is None:
            encoded = data[entry.start : entry.start + entry.size]
        attr_types += encoded
        sizes.append(len(encoded) << 1 | entry.custom)
    offsets = bytearray(encode_varint(len(attrs)) + encode_varint(len(types)))
    position = 0
    for i in range(0, len(groups), 2):
        offsets += encode_varint(groups[i]) + encode_varint(groups[i + 1])
        for size in sizes[position : position + groups[i + 1]]:
            offsets += encode_varint(size)
        position += groups[i + 1]
    slim = bytearray(data[:first])
    for section in sections:
        body = {_ATTR_TYPE: attr_types, _ATTR_TYPE_OFFSET: offsets}.get(section.ident)
        if body is None:
            body = data[section.start : section.start + section.length]
        slim += bytes([section.ident]) + encode_varint(len(body)) + body
    return bytes(slim), elided


def _element_type(name: str) -> ir.Type:
    if name.startswith("ui"):
        return ir.IntegerType.get_unsigned(int(name[2:]))
    if name.startswith("i"):
        return ir.IntegerType.get_signless(int(name[1:]))
    return {"bf16": ir.BF16Type, "f16": ir.F16Type, "f32": ir.F32Type, "f64": ir.F64Type}[name].get()


def _raw_dtype(constant: ElidedConstant) -> np.dtype:
    # Unsigned integers of the element's width: the binding bit-casts them
    # to the explicit element type.
    return np.dtype(f"<u{len(constant.placeholder)}")


def _mentions(attribute: ir.Attribute, placeholders) -> bool:
    """Whether `attribute` is or contains one of `placeholders`."""
    if attribute in placeholders:
        return True
    if isinstance(attribute, ir.ArrayAttr):
        return any(_mentions(a, placeholders) for a in attribute)
    if isinstance(attribute, ir.DictAttr):
        return any(_mentions(attribute[attribute[i].name], placeholders) for i in range(len(attribute)))
    return False


def _is_complex_constant(op) -> bool:
    t = op.results[0].type
    return isinstance(t, ir.ShapedType) and isinstance(ir.ShapedType(t).element_type, ir.ComplexType)


def restore(module: ir.Module, elided: list[ElidedConstant], source, base: int = 0) -> bool:
    """Give the constants of `module` (parsed from the slim artifact) their
    data, read from `source` at `base` + each constant's offset. `source`
    is an mmap (its pages are dropped once copied) or any buffer. False,
    with the module unchanged, unless each placeholder is the value of a
    `stablehlo.constant` and nothing else (the caller then parses `source`
    as it is)."""
    with module.context:
        placeholders = {}
        for constant in elided:
            placeholder = np.frombuffer(constant.placeholder, _raw_dtype(constant))
            attr = ir.DenseElementsAttr.get(placeholder, type=_element_type(constant.element), shape=constant.shape)
            placeholders[attr] = constant
        users: list[ir.Operation] = []
        stray = []

        # jaxlib's bindings cannot hand out a complex DenseElementsAttr:
        # reading one by name raises TypeError (NamedAttribute.attr would
        # abort the process, so it is never used). A complex constant's
        # value is no placeholder; any other unreadable attribute might hide
        # one, and makes the restore refuse.
        def visit(op):
            op = op.operation
            constant = op.name == "stablehlo.constant"
            attributes = op.attributes
            for name in [attributes[i].name for i in range(len(attributes))]:
                if constant and name == "value" and _is_complex_constant(op):
                    continue
                attr = attributes[name]
                if constant and name == "value" and attr in placeholders:
                    users.append(op)
                elif _mentions(attr, placeholders):
                    stray.append(op)
            for region in op.regions:
                for block in region.blocks:
                    for inner in block.operations:
                        visit(inner)

        try:
            visit(module.operation)
        except TypeError:
            return False
        by_constant: dict[int, list[ir.Operation]] = {}
        for op in users:
            by_constant.setdefault(id(placeholders[op.attributes["value"]]), []).append(op)
        # Every elided constant is some constant op's value and nothing else.
        if stray or len(by_constant) != len(elided):
            return False
        with memoryview(source) as view:
            for constant in elided:
                start = base + constant.offset
                with view[start : start + constant.nbytes] as part:
                    attr = ir.DenseElementsAttr.get(
                        np.frombuffer(part, _raw_dtype(constant)),
                        type=_element_type(constant.element),
                        shape=constant.shape,
                    )
                for op in by_constant[id(constant)]:
                    op.attributes["value"] = attr
                _drop_pages(source, start, constant.nbytes)
    return True


def _drop_pages(source, start: int, length: int) -> None:
    """Take the pages of a read-only file mapping that were just copied out
    of the process's resident set (they stay in the page cache)."""
    if not isinstance(source, mmap.mmap):
        return
    first = start - start % mmap.PAGESIZE
    try:
        source.madvise(mmap.MADV_DONTNEED, first, start + length - first)
    except (OSError, ValueError, AttributeError):
        pass
