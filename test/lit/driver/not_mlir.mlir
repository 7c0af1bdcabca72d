// Input that is not MLIR gives one clean error and exit code 1, never a
// Python traceback.

// Binary junk (not UTF-8 text, not MLIR bytecode), from a file and from stdin.
// RUN: %PYTHON -c "import sys; open(sys.argv[1], 'wb').write(bytes(range(256)) * 4)" %t.bin
// RUN: not hlo-coreml-opt %t.bin --hlo-coreml-narrow-types 2>&1 | filecheck %s --check-prefix=BINARY
// RUN: not hlo-coreml-opt --hlo-coreml-narrow-types < %t.bin 2>&1 | filecheck %s --check-prefix=BINARY
// BINARY: error: not an MLIR file: byte 128 is not valid UTF-8 text (expected MLIR text or MLIR bytecode)
// BINARY-NOT: Traceback

// Text that is not MLIR.
// RUN: %PYTHON -c "import sys; open(sys.argv[1], 'w').write('hello, world\n')" %t.txt
// RUN: not hlo-coreml-opt %t.txt 2>&1 | filecheck %s --check-prefix=TEXT
// TEXT: .txt:1:1: error: custom op 'hello' is unknown
// TEXT-NOT: Traceback

// A file that does not exist.
// RUN: not hlo-coreml-opt %t.does-not-exist.mlir 2>&1 | filecheck %s --check-prefix=MISSING
// MISSING: does-not-exist.mlir: error: cannot read input: No such file or directory
// MISSING-NOT: Traceback

// An empty file is an empty module.
// RUN: %PYTHON -c "import sys; open(sys.argv[1], 'w').close()" %t.empty.mlir
// RUN: hlo-coreml-opt %t.empty.mlir | filecheck %s --check-prefix=EMPTY
// EMPTY:      module {
// EMPTY-NEXT: }
