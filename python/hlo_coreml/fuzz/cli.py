"""`python tools/fuzz.py --seeds A:B [--precision fp32|fp16|both] [--jobs 2]
[--minimize] [--report out.json]`: one line per failure, then a summary
(counts per class, per op family, and the distinct failure keys)."""

from __future__ import annotations

import argparse
import collections
import json
import sys
import time

from .generator import FAMILIES, REPORTED_FAMILIES
from .pool import Pool
from .runner import CLASSES, FAILURES


def parse_seeds(text: str) -> list:
    seeds = []
    for part in text.split(","):
        if ":" in part:
            a, b = part.split(":")
            seeds.extend(range(int(a), int(b)))
        else:
            seeds.append(int(part))
    return seeds


def summary(results: list) -> str:
    lines = []
    precisions = sorted({r["precision"] for r in results})
    head = f"{'':18}" + "".join(f"{c:>9}" for c in CLASSES) + f"{'total':>9}"
    lines.append("counts per class")
    lines.append(head)
    for p in precisions:
        rs = [r for r in results if r["precision"] == p]
        count = collections.Counter(r["cls"] for r in rs)
        lines.append(f"{p:18}" + "".join(f"{count[c]:>9}" for c in CLASSES) + f"{len(rs):>9}")
    unchecked = sum(1 for r in results if r["cls"] == "pass" and r.get("unchecked"))
    if unchecked:
        lines.append(f"(passes with some outputs not compared at low precision: {unchecked})")
    lines.append("")
    lines.append("per op family (programs containing it)")
    lines.append(head)
    for fam in REPORTED_FAMILIES:
        rs = [r for r in results if fam in r["families"]]
        count = collections.Counter(r["cls"] for r in rs)
        lines.append(f"{fam:18}" + "".join(f"{count[c]:>9}" for c in CLASSES) + f"{len(rs):>9}")
    keys = collections.defaultdict(list)
    for r in results:
        if r["cls"] in FAILURES:
            keys[(r["cls"], r["key"])].append(f"{r['seed']}/{r['precision']}")
    if keys:
        lines.append("")
        lines.append("distinct failures (class, key: count, first seeds)")
        for (cls, key), where in sorted(keys.items(), key=lambda kv: -len(kv[1])):
            lines.append(f"  {cls:8} {len(where):4}  {key}  [{', '.join(where[:4])}]")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="tools/fuzz.py", description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="0:100", help="A:B (half-open), or a comma list of seeds and ranges")
    ap.add_argument("--precision", choices=("fp32", "fp16", "both"), default="fp32")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=60, help="seconds per program and precision")
    ap.add_argument("--minimize", action="store_true", help="minimize each failure; print its reproducer")
    ap.add_argument("--minimize-seconds", type=float, default=240)
    ap.add_argument("--families", help=f"comma list, default all: {','.join(sorted(FAMILIES))}")
    ap.add_argument("--report", help="write every result (and reproducers) as JSON here")
    ap.add_argument("--show-refusals", action="store_true", help="also print one line per refusal")
    args = ap.parse_args(argv)

    seeds = parse_seeds(args.seeds)
    precisions = ["fp32", "fp16"] if args.precision == "both" else [args.precision]
    families = args.families.split(",") if args.families else None
    tasks = [
        {"seed": s, "precisions": precisions, "timeout": args.timeout, "minimize": args.minimize,
         "minimize_s": args.minimize_seconds, "families": families}
        for s in seeds
    ]  # fmt: skip

    def limit(task):
        return args.timeout * len(precisions) * 1.5 + 30 + (args.minimize_seconds * 1.5 if args.minimize else 0)

    def show(r):
        if r["cls"] in FAILURES or (args.show_refusals and r["cls"] == "refusal"):
            print(f"seed {r['seed']} [{r['precision']}] {r['cls']}: {r['key']}", flush=True)
            if args.minimize and r.get("repro"):
                print("    " + r["repro"].replace("\n", "\n    "), flush=True)

    start = time.monotonic()
    results = Pool(args.jobs).run(tasks, limit, on_result=show)
    results.sort(key=lambda r: (r["seed"], r["precision"]))
    print()
    print(f"{len(seeds)} programs x {len(precisions)} precision(s) in {time.monotonic() - start:.0f} s")
    print(summary(results))
    if args.report:
        with open(args.report, "w") as fh:
            json.dump({"seeds": args.seeds, "precisions": precisions, "results": results}, fh, indent=1)
    return 1 if any(r["cls"] in FAILURES for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
