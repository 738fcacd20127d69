#!/usr/bin/env python3
"""Turns the raw runs of a benchmark (tab-separated, one line per run) into a Markdown table.

Input columns: label round rps p50_ms p99_ms failed requests cpu_ms_per_1000. A label is "case/variant"; the
variant "direct" of each case is its baseline. Because the machine is shared, absolute numbers drift between
rounds: the ratio to the baseline is taken within each round (the configurations of one round ran back to back)
and the table shows the median of those ratios and their range, so the drift of the machine mostly cancels out.
"""
import statistics
import sys
from collections import OrderedDict, defaultdict


def spread(values, fmt):
    values = sorted(values)
    return f"{fmt.format(statistics.median(values))} ({fmt.format(values[0])}–{fmt.format(values[-1])})"


def main(path):
    runs = OrderedDict()
    by_round = defaultdict(dict)
    for line in open(path, encoding="utf-8"):
        label, rnd, rps, p50, p99, failed, requests, cpu = line.rstrip("\n").split("\t")
        run = dict(rps=float(rps), p50=float(p50), p99=float(p99), failed=int(failed), requests=int(requests),
                   cpu=float(cpu))
        runs.setdefault(label, []).append(run)
        by_round[rnd][label] = run

    print("| case | through | req/s median (min–max) | vs direct, req/s | p50 ms | p99 ms "
          "| CPU of the process under test, ms per 1000 req | failed / requests |")
    print("|---|---|---|---|---|---|---|---|")
    for label, label_runs in runs.items():
        case, variant = label.split("/", 1)
        ratios = [r[label]["rps"] / r[f"{case}/direct"]["rps"] for r in by_round.values()
                  if label in r and f"{case}/direct" in r and r[f"{case}/direct"]["rps"] > 0]
        ratio = spread(ratios, "{:.2f}") if variant != "direct" and ratios else "1"
        cpu = [r["cpu"] for r in label_runs if r["cpu"] > 0]
        print(f"| {case} | {variant} | {spread([r['rps'] for r in label_runs], '{:.0f}')} | {ratio} "
              f"| {spread([r['p50'] for r in label_runs], '{:.2f}')} "
              f"| {spread([r['p99'] for r in label_runs], '{:.2f}')} "
              f"| {spread(cpu, '{:.0f}') if cpu else '–'} "
              f"| {sum(r['failed'] for r in label_runs)} / {sum(r['requests'] for r in label_runs)} |")


if __name__ == "__main__":
    main(sys.argv[1])
