"""write_bytecode.py IN.mlir OUT.mlirbc: MLIR text to MLIR bytecode."""

import sys

from hlo_coreml._mlir import ir, make_context

with make_context():
    module = ir.Module.parse(open(sys.argv[1], encoding="utf-8").read())
    with open(sys.argv[2], "wb") as f:
        module.operation.write_bytecode(f)
