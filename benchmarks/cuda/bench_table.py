#!/usr/bin/env python3
"""Turns two orion_bench outputs (native, through Orion) into a markdown table with ratios.

    bench_table.py NATIVE_OUTPUT ORION_OUTPUT > cuda-bench.md

Reads only the `case=...` lines (see benchmarks/cuda/orion_bench.cu); every other line is
ignored. Latency cases give two rows (p50, p99), rate and throughput cases one (the median).
A case missing from one run, or reported with error=..., shows that instead of a number.
Exit status: 0 when both runs have every case with a value and no check failed, 1 otherwise.
"""
import sys

MAX_LINE = 4096  # a case line is short; anything longer is not ours


def parse(path):
    """Returns ({case name: {key: value}}, [case names in order]) from one run's stdout."""
    cases, order = {}, []
    try:
        with open(path, encoding="utf-8", errors="replace") as stream:
            for line in stream:
                if not line.startswith("case=") or len(line) > MAX_LINE:
                    continue
                fields = {}
                for token in line.split():
                    key, sep, value = token.partition("=")
                    if sep:
                        fields[key] = value
                name = fields.get("case", "")
                if not name:
                    continue
                if name not in cases:
                    order.append(name)
                cases[name] = fields
    except OSError:
        pass  # a run that produced no output file: every case shows as missing
    return cases, order


def number(fields, key):
    try:
        value = float(fields.get(key, ""))
    except ValueError:
        return None
    return value if value == value and value not in (float("inf"), float("-inf")) else None


def fmt(value):
    if value is None:
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.1f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def fmt_ratio(value):
    return f"{value:.3g}" if value < 0.1 else f"{value:.2f}"


def cell(fields, key):
    if fields is None:
        return "missing"
    if "error" in fields:
        return f"error {fields['error']}"
    return fmt(number(fields, key))


def verdict(native, orion, better):
    """How Orion compares, in words that do not depend on the unit's direction."""
    if native is None or orion is None or native <= 0 or orion <= 0:
        return "-"
    worse = orion / native if better == "lower" else native / orion
    if abs(worse - 1.0) < 0.005:
        return "same"
    return f"{worse:.2f}x slower" if worse > 1 else f"{1 / worse:.2f}x faster"


def rows(name, native, orion):
    reference = native or orion
    unit = reference.get("unit", "?")
    better = reference.get("better") or (orion or {}).get("better") or "?"
    stats = [("value", "")]
    if "p99" in reference or (orion and "p99" in orion):
        stats = [("p50", " p50"), ("p99", " p99")]
    elif better == "higher" and "n" in reference and reference.get("n") != "1":
        stats = [("value", " median")]
    for key, label in stats:
        n_value = number(native, key) if native and "error" not in native else None
        o_value = number(orion, key) if orion and "error" not in orion else None
        ratio = fmt_ratio(o_value / n_value) if n_value and o_value is not None else "-"
        direction = f"{better} is better" if better in ("lower", "higher") else "-"
        notes = []
        for run, fields in (("native", native), ("Orion", orion)):
            if fields and "check" in fields:
                notes.append(f"{run} {fields['check']}")
        yield (f"{name}{label}", unit, cell(native, key), cell(orion, key), ratio, direction,
               verdict(n_value, o_value, better), ", ".join(notes))


def healthy(fields):
    return fields is not None and "error" not in fields and number(fields, "value") is not None \
        and fields.get("check", "PASS") == "PASS"


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    native, native_order = parse(argv[1])
    orion, orion_order = parse(argv[2])
    names = native_order + [name for name in orion_order if name not in native]
    print("| case | unit | native | Orion | Orion/native | better | Orion vs native | check |")
    print("| --- | --- | ---: | ---: | ---: | --- | --- | --- |")
    for name in names:
        for row in rows(name, native.get(name), orion.get(name)):
            print("| " + " | ".join(row) + " |")
    ok = bool(names) and all(healthy(native.get(n)) and healthy(orion.get(n)) for n in names)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
