"""Reading and rewriting the signature of a `func.func`: its argument and
result types and their attribute dictionaries (`arg_attrs` / `res_attrs`).

Shared by the passes that change a function's interface:
hlo-coreml-split-complex (a complex argument or result becomes two real
ones, split_complex/walker.py) and hlo-coreml-cap-rank (an argument or
result of rank > 5 travels at rank 5, cap_rank/signature.py). Each pass
decides the new types and attributes; this module reads the old ones and
writes the new ones consistently (the function type and both attribute
arrays at once, one dictionary per argument and per result).
"""

from __future__ import annotations

from hlo_coreml._mlir import ir


def function_signature(fn) -> tuple[list[ir.Type], list[ir.Type]]:
    """(argument types, result types) of `fn`."""
    ftype = ir.FunctionType(ir.TypeAttr(fn.attributes["function_type"]).value)
    return list(ftype.inputs), list(ftype.results)


def attribute_dicts(fn, key: str, count: int) -> list[dict[str, ir.Attribute]]:
    """The `count` dictionaries of `fn`'s `key` attribute ("arg_attrs" or
    "res_attrs") as Python dicts (name -> attribute); empty dicts where the
    function has none."""
    out: list[dict[str, ir.Attribute]] = [{} for _ in range(count)]
    if key not in fn.attributes:
        return out
    array = ir.ArrayAttr(fn.attributes[key])
    for i in range(min(count, len(array))):
        d = ir.DictAttr(array[i])
        out[i] = {d[j].name: d[j].attr for j in range(len(d))}
    return out


def signature_attributes(fn) -> tuple[list[dict], list[dict]]:
    """(argument attribute dicts, result attribute dicts) of `fn`, one per
    argument and per result of its current type."""
    inputs, results = function_signature(fn)
    return attribute_dicts(fn, "arg_attrs", len(inputs)), attribute_dicts(fn, "res_attrs", len(results))


def set_signature(fn, inputs, results, arg_attrs, res_attrs) -> None:
    """Give `fn` the function type (inputs) -> (results) and these
    argument / result attribute dicts (one per input / result). The entry
    block's arguments and the returned values are the caller's business."""
    if len(arg_attrs) != len(inputs) or len(res_attrs) != len(results):
        raise ValueError("one attribute dict per argument and per result")
    fn.attributes["function_type"] = ir.TypeAttr.get(ir.FunctionType.get(list(inputs), list(results)))
    fn.attributes["arg_attrs"] = ir.ArrayAttr.get([ir.DictAttr.get(d) for d in arg_attrs])
    fn.attributes["res_attrs"] = ir.ArrayAttr.get([ir.DictAttr.get(d) for d in res_attrs])


__all__ = ["attribute_dicts", "function_signature", "set_signature", "signature_attributes"]
