#!/usr/bin/env python3
"""Where a create's time goes in PostgreSQL, per statement and per trigger; bench/profile.sh starts
PostgreSQL with pg_stat_statements (track = all: the statements inside triggers too) and function
tracking, and builds what it compares.

For this release (--plain), any other build (--also) and, if given, the one before the phases
(--previous), one after the other, each on a database of its own: the service starts, creates for
--warmup seconds, the statistics are reset, it creates for --duration seconds under wrk
(bench/wrk/create.lua, the benchmark's create), and the statistics are read and divided by the
creates made. Printed as Markdown (docs/performance.md's per-statement
table): each statement and trigger function with its calls, execution time and WAL per create; the
rows each table took (inserts, updates, of which HOT); the CPU of the service and of PostgreSQL per
create. Optionally (--perf) where PostgreSQL's CPU goes by the server's own functions (perf samples
of the PostgreSQL processes, inclusive), per release.

Execution times are wall-clock time inside the statement, lock waits included; the CPU columns are
the processes' own (from /proc), as bench.py measures them.
"""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (the Service, wrk and psql of the benchmark)

STATEMENTS = """
SELECT s.toplevel, s.calls, s.total_exec_time, s.wal_bytes, s.shared_blks_hit + s.shared_blks_read AS blocks,
       regexp_replace(s.query, '\\s+', ' ', 'g') AS query
FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
WHERE d.datname = current_database() AND s.calls > 0
ORDER BY s.total_exec_time DESC"""
FUNCTIONS = """
SELECT funcname, calls, self_time, total_time FROM pg_stat_user_functions
WHERE funcname NOT LIKE 'pg_stat_statements%' ORDER BY self_time DESC"""
TABLES = """
SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del FROM pg_stat_user_tables
WHERE n_tup_ins + n_tup_upd + n_tup_del > 0 ORDER BY relname"""


def rows(args, sql, database):
    out = bench.psql(args, f"SELECT coalesce(json_agg(t), '[]') FROM ({sql}) t", user="postgres", database=database)
    return json.loads(out)


def label(query):
    """A statement told apart by its first word and the first table it writes, else reads (the query
    comes with its whitespace already made single spaces)."""
    found = [(query.find(marker), marker) for marker in ("INSERT INTO ", "UPDATE ", "DELETE FROM ") if marker in query]
    if not found and "FROM " in query:
        found = [(query.find("FROM "), "FROM ")]
    target = ""
    if found:
        position, marker = min(found)
        target = (query[position + len(marker):].split() or [""])[0]
    return f"{query.split()[0].upper()} … {target}"[:60]


def profile(args, name, app_dir, port):
    database = f"profile_{name}"
    bench.psql(args, f"DROP DATABASE IF EXISTS {database}", user="postgres", database="postgres")
    bench.psql(args, f"CREATE DATABASE {database} OWNER payments_owner", user="postgres", database="postgres")
    service = bench.Service(args, app_dir, False, port, name=f"profile-{name}", database=database)
    perf_file = os.path.join(bench.RESULTS, f"profile-{args.run_id}-{name}.perf")
    try:
        service.first_success(service.start())
        bench.psql(args, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements", user="postgres", database=database)
        w = bench.wrk(args, "create.lua", port, args.warmup, f"{name}-warmup")
        bench.log(f"{name} warm-up: {w['rps']:.0f} creates/s")
        bench.settle(args, database=database)
        bench.psql(args, "SELECT pg_stat_statements_reset(), pg_stat_reset()", user="postgres", database=database)
        perf = None
        if args.perf:
            perf = subprocess.Popen(["perf", "record", "-q", "-F", "499", "-a", "-g", "-o", perf_file, "--",
                                     "sleep", str(args.duration)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        w = bench.wrk(args, "create.lua", port, args.duration, f"{name}-measured")
        if perf:
            perf.wait(timeout=args.duration + 60)
        time.sleep(1)  # the statistics collector's last report
        creates = w["requests"]
        bench.log(f"{name}: {w['rps']:.0f} creates/s, service cpu {w['service_cpu_ms_per_request']} ms, "
                  f"postgres cpu {w['postgres_cpu_ms_per_request']} ms per create")
        result = {"creates": creates, "wrk": w,
                  "statements": rows(args, STATEMENTS, database), "functions": rows(args, FUNCTIONS, database),
                  "tables": rows(args, TABLES, database)}
        if args.perf:
            result["perf"] = perf_shares(perf_file)
        return result
    finally:
        service.stop()


# Where PostgreSQL's CPU goes, by the executor's and the server's own functions (inclusive: a
# function with everything it calls); their shares of the PostgreSQL processes' samples, times the
# measured CPU per create, are that function's CPU per create.
PERF_FUNCTIONS = [
    ("ExecConstraints", "CHECK constraints (reading, planning and running their expressions)"),
    ("plpgsql_call_handler", "PL/pgSQL functions (triggers, the rules function)"),
    ("AfterTriggerEndQuery", "AFTER triggers (foreign-key checks, the delivery fan-out)"),
    ("ExecInsertIndexTuples", "index entries"),
    ("standard_ExecutorStart", "setting up each statement's plan (opening tables and indexes)"),
    ("GetCachedPlan", "finding the prepared statement's plan"),
    ("CommitTransactionCommand", "commits (the WAL flush included)"),
    ("XLogFlush", "of which the WAL flush"),
]


def perf_shares(perf_file):
    """Each PERF_FUNCTIONS entry's share of the PostgreSQL processes' samples, inclusive."""
    out = subprocess.run(["perf", "report", "-i", perf_file, "--comm", "postgres", "--children", "--stdio",
                          "--percentage", "relative", "--sort", "symbol", "-g", "none"],
                         capture_output=True, text=True).stdout
    shares = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[0].endswith("%") and parts[3] in dict(PERF_FUNCTIONS):
            shares.setdefault(parts[3], float(parts[0].rstrip("%")) / 100)
    return shares


def per_create(value, creates):
    return value / max(creates, 1)


def print_release(name, result):
    n = result["creates"]
    w = result["wrk"]
    print(f"\n### {name}: {n} creates in {w['duration_us'] / 1e6:.0f} s ({w['rps']:.0f}/s), "
          f"service CPU {w['service_cpu_ms_per_request']} ms, PostgreSQL CPU {w['postgres_cpu_ms_per_request']} ms "
          f"per create\n")
    print("| statement (top level, or inside a trigger) | calls per create | ms per create | WAL bytes per create "
          "| buffers per create |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for s in result["statements"]:
        calls = per_create(s["calls"], n)
        if calls < 0.01:
            continue
        where = "" if s["toplevel"] else "(nested) "
        print(f"| {where}`{label(s['query'])}` | {calls:.2f} | {per_create(s['total_exec_time'], n):.3f} "
              f"| {per_create(float(s['wal_bytes']), n):.0f} | {per_create(s['blocks'], n):.1f} |")
    if result["functions"]:
        print("\n| trigger function | calls per create | self ms per create | total ms per create |")
        print("| --- | ---: | ---: | ---: |")
        for f in result["functions"]:
            print(f"| `{f['funcname']}` | {per_create(f['calls'], n):.2f} | {per_create(f['self_time'], n):.3f} "
                  f"| {per_create(f['total_time'], n):.3f} |")
    print("\n| table | inserted per create | updated per create | of which HOT | deleted per create |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for t in result["tables"]:
        print(f"| `{t['relname']}` | {per_create(t['n_tup_ins'], n):.2f} | {per_create(t['n_tup_upd'], n):.2f} "
              f"| {per_create(t['n_tup_hot_upd'], n):.2f} | {per_create(t['n_tup_del'], n):.2f} |")
    if result.get("perf"):
        cpu = w["postgres_cpu_ms_per_request"]
        print("\n| PostgreSQL function (with what it calls) | share of PostgreSQL's CPU | ms per create |")
        print("| --- | ---: | ---: |")
        for function, what in PERF_FUNCTIONS:
            share = result["perf"].get(function, 0.0)
            print(f"| `{function}`: {what} | {share * 100:.1f} % | {share * cpu:.3f} |")


def main():
    parser = bench.arguments(55434, 8195, 30)
    parser.add_argument("--previous", help="fast-jar directory of the release to compare with")
    parser.add_argument("--also", action="append", default=[], metavar="NAME=DIR",
                        help="another fast-jar to profile (a build before a change, say)")
    parser.add_argument("--perf", action="store_true", help="also sample the PostgreSQL processes with perf")
    parser.add_argument("--service-log-level", default="INFO")
    args = parser.parse_args()
    args.run_id = time.strftime("%Y%m%d-%H%M%S")
    os.makedirs(bench.RESULTS, exist_ok=True)
    results = {}
    releases = ([("current", args.plain)] + [tuple(also.split("=", 1)) for also in args.also]
                + ([("previous", args.previous)] if args.previous else []))
    for offset, (name, app_dir) in enumerate(releases):
        results[name] = profile(args, name, app_dir, args.port + offset * 10)
    with open(os.path.join(bench.RESULTS, f"profile-{args.run_id}.json"), "w") as out:
        json.dump(results, out, indent=2)
    for name, result in results.items():
        print_release(name, result)


if __name__ == "__main__":
    main()
