// RUN: hlo-coreml-opt --list-passes | filecheck %s
// RUN: hlo-coreml-opt --help | filecheck %s --check-prefix=HELP

// Registered passes and named pipelines, sorted by name, with their
// summaries. (test/python/test_driver.py checks that every registered pass
// is listed.)
// CHECK-LABEL: Passes:
// CHECK:         --hlo-coreml-inline-calls {{ +}}Inline every func.call
// CHECK-NEXT:    --hlo-coreml-inline-composites {{ +}}Turn composites that have no MIL op into calls
// CHECK:         --hlo-coreml-narrow-types {{ +}}Narrow 64-bit integer and float types to 32 bits
// CHECK:         --hlo-coreml-verify-legal {{ +}}Check the legal-IR contract
// CHECK-LABEL: Pipelines:
// CHECK:         --hlo-coreml-legalize-pipeline {{ +}}The whole legalization
// CHECK:         --hlo-coreml-prepare {{ +}}Inline, legalize CHLO

// --help documents the pass flags too.
// HELP: usage: hlo-coreml-opt
// HELP: passes (run in the order given):
// HELP: --hlo-coreml-narrow-types
// HELP: Narrow 64-bit integer
// HELP: --hlo-coreml-legalize-pipeline
