#!/usr/bin/env python3
"""bench/overload.sh's table, from Gatling's report (js/stats.js) and console log."""
import re, sys
from collections import Counter


def request_stats(report):
    """Per request name: (total, ok, ko) of each of Gatling's figures, from the report's js/stats.js."""
    text = open(report + "/js/stats.js").read()
    stats = {}
    # each request's block: name: "<phase>", ... stats: { "name": "<phase>", ... "group1"
    for m in re.finditer(r'stats: \{\s*"name": "([^"]+)",(.*?)"group1"', text, re.S):
        name, body = m.group(1), m.group(2)
        values = {}
        for key in ("numberOfRequests", "percentiles1", "percentiles2", "percentiles3", "percentiles4",
                    "maxResponseTime"):
            k = re.search('"%s": \\{\\s*"total": "([^"]*)",\\s*"ok": "([^"]*)",\\s*"ko": "([^"]*)"' % key, body)
            values[key] = k.groups() if k else ("-", "-", "-")
        stats[name] = values
    return stats


def main():
    report, console = sys.argv[1], sys.argv[2]
    phases = request_stats(report)
    errors = Counter()
    log = open(console).read()
    last = log.rfind("---- Errors ----")
    for line in log[last:].splitlines()[1:]:
        if line.startswith("===="):
            break
        m = re.match(r"> (.*?)\s+([\d,]+)\s+\(", line)
        if m:
            message, count = m.group(1), int(m.group(2).replace(",", ""))
            found = re.search(r"actually found ([a-z]+):(\d+)", message)
            errors[(found.group(1), found.group(2)) if found else ("any", "timeout or connection: " + message[:70])] += count
    print("| phase | requests | 201 | 503 | other failures | served p50 ms | p90 | p99 | p99.9 | max | failed p99 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in ("before", "overload", "recovery", "after"):
        if name not in phases:
            continue
        v = phases[name]
        total, ok, ko = v["numberOfRequests"]
        shed = errors.get((name, "503"), 0)
        other = int(ko) - shed if ko.isdigit() else ko
        print(f"| {name} | {total} | {ok} | {shed} | {other} | {v['percentiles1'][1]} | {v['percentiles2'][1]} "
              f"| {v['percentiles3'][1]} | {v['percentiles4'][1]} | {v['maxResponseTime'][1]} | {v['percentiles3'][2]} |")
    for (phase, what), count in sorted(errors.items()):
        if what != "503":
            print(f"- {phase}: {what}: {count}")


if __name__ == "__main__":
    main()
