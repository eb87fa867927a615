#!/usr/bin/env python3
"""Growth: the same workloads as the database grows; bench/growth.sh runs it.

Two services, each warmed up once, on one PostgreSQL: one on the database that grows (the empty
database first, then bench/seed.sql adding payments up to each of --sizes), one beside it on a
database that stays empty, the baseline. At each size, each workload runs on both back to back,
each after a vacuum and a checkpoint, at --connections: create, replay, GET /payments/{id}, the first
page of GET /payments, a deep page (starting_after an id drawn from the merchant's whole history),
and create again while the expired-key purge works through a backlog (--purge-backlog keys aged past
the retention just before; the services run the purge every second here, instead of every minute, so
it runs through the whole measurement). Each figure is compared with the baseline's taken minutes
apart, as this machine's speed drifts over a run; at the empty size the same ratios show the noise.
Prints the table with the issue's targets and writes bench/results/growth-<timestamp>.json and .png.
"""
import http.client
import json
import os
import subprocess
import sys
import time

import bench
from bench import Service, log, ms, psql, wrk

HERE = bench.HERE
RESULTS = bench.RESULTS
READS = ("get_one", "first_page", "deep_page")
WORKLOADS = ("create", "replay") + READS + ("create_during_purge",)


def seed(args, target, current):
    """Adds payments current+1 .. target, in transactions of --chunk rows each; returns the seconds it took."""
    started = time.monotonic()
    first = current + 1
    while first <= target:
        count = min(args.chunk, target - first + 1)
        subprocess.run(["psql", "-q", "-h", "127.0.0.1", "-p", str(args.pg_port), "-U", "postgres", "-d", "payments",
                        "-v", "ON_ERROR_STOP=1", "-v", f"first={first}", "-v", f"count={count}",
                        "-v", f"seed_first={current + 1}", "-v", f"seed_count={target - current}",
                        "-v", f"span_days={args.span_days}", "-f", os.path.join(HERE, "seed.sql")],
                       check=True, capture_output=True, text=True)
        first += count
        log(f"  seeded {first - 1 - current:,} of {target - current:,} payments")
    # what a long-lived table has: hint bits set, the visibility map complete, statistics current
    psql(args, "VACUUM (FREEZE, ANALYZE)", user="postgres")
    return round(time.monotonic() - started)


def sizes(args):
    rows = psql(args, """
        SELECT (SELECT count(*) FROM payments), (SELECT count(*) FROM payments WHERE merchant_id = 'acme'),
               (SELECT count(*) FROM idempotency_keys), (SELECT count(*) FROM refunds), (SELECT count(*) FROM events),
               pg_database_size('payments') / 1048576,
               pg_total_relation_size('payments') / 1048576, pg_indexes_size('payments') / 1048576""")
    names = ("payments", "acme_payments", "idempotency_keys", "refunds", "events", "database_mb",
             "payments_table_mb", "payments_indexes_mb")
    return dict(zip(names, (int(v) for v in rows.split("|"))))


class Target:
    """A service and its database: the one that grows, or the baseline that stays empty."""

    def __init__(self, args, name, port, database):
        self.name, self.port, self.database = name, port, database
        self.ids = os.path.join(RESULTS, f"{args.run_id}-{name}-ids.txt")
        self.service = Service(args, args.plain, False, port, name=f"growth-{name}", database=database, extra_env={
            # the purge runs every second instead of every minute: through the whole purge measurement
            "PAYMENTS_IDEMPOTENCY_CLEANUP_INTERVAL": "1s"})

    def sql(self, args, statement, user="payments_owner"):
        return psql(args, statement, user=user, database=self.database)


def settle_both(args, targets):
    """bench.settle for both databases: vacuumed, then one checkpoint (it is the server's)."""
    for t in targets:
        t.sql(args, "VACUUM (ANALYZE) payments, idempotency_keys")
    psql(args, "CHECKPOINT", user="postgres")


def sample_ids(args, target):
    bench.sample_ids(args, target.ids, args.ids, target.database)


def warm_up(args, target):
    """Mixed creates for --warmup seconds; then, as those load creates only, one request and 15 s at
    8 connections of each read."""
    rounds = max(1, args.warmup // 30)
    for i in range(rounds):
        w = wrk(args, "mixed.lua", target.port, max(1, args.warmup // rounds), f"{target.name}-warmup{i}")
        log(f"{target.name} warm-up {i + 1}/{rounds}: {w['rps']:.0f} req/s")
    sample_ids(args, target)
    first_id = open(target.ids).readline().strip()
    for path in ("/payments", f"/payments/{first_id}", f"/payments?starting_after={first_id}"):
        conn = http.client.HTTPConnection("127.0.0.1", target.port, timeout=30)
        conn.request("GET", path, headers=bench.AUTH)
        conn.getresponse().read()
    saved, args.connections = args.connections, 8
    try:
        for mode in ("one", "first", "deep"):
            wrk(args, "read.lua", target.port, 15, f"{target.name}-warm-{mode}",
                extra_env={"BENCH_READ": mode, "BENCH_IDS": target.ids})
    finally:
        args.connections = saved


PLANS = {
    # the page after a cursor as the service asked for it before, and as it asks now
    "or": "(created_at < '{t}' OR (created_at = '{t}' AND id < '{id}'))",
    "row": "(created_at, id) < ('{t}', '{id}')",
}


def explain_deep_page(args):
    """EXPLAIN (ANALYZE, BUFFERS) of the page after the benchmark merchant's median payment, both
    spellings, with the cursor's values bound as the service binds them."""
    t, id_ = psql(args, "SELECT created_at, id FROM payments WHERE merchant_id = 'acme' ORDER BY created_at DESC, id DESC "
                        "OFFSET (SELECT count(*) / 2 FROM payments WHERE merchant_id = 'acme') LIMIT 1").split("|")
    out = {}
    for name, condition in PLANS.items():
        plan = json.loads(psql(args, f"""
            EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)
            SELECT * FROM payments WHERE merchant_id = 'acme' AND {condition.format(t=t, id=id_)}
            ORDER BY created_at DESC, id DESC LIMIT 21""", user="payments_app"))[0]
        top = plan["Plan"]
        out[name] = {"execution_ms": plan["Execution Time"],
                     "buffers": top.get("Shared Hit Blocks", 0) + top.get("Shared Read Blocks", 0)}
    return out


def measure(args, label, targets):
    """Each workload on the grown database and on the empty baseline, back to back (which goes first
    alternates), each from a vacuumed, checkpointed start: on this shared machine only figures taken
    minutes apart compare."""
    out = {t.name: {} for t in targets}
    for i, name in enumerate(WORKLOADS):
        for target in (targets if i % 2 == 0 else targets[::-1]):
            if name == "create_during_purge":
                w = bench.create_during_purge(args, target.port, f"{label}-{target.name}", args.purge_backlog,
                                              target.database, threads=2, settle_first=lambda: settle_both(args, targets))
            else:
                extra = {}
                script = {"create": "create.lua", "replay": "replay.lua"}.get(name, "read.lua")
                if name in READS:
                    extra = {"BENCH_READ": bench.READ_MODES[name], "BENCH_IDS": target.ids}
                settle_both(args, targets)
                w = wrk(args, script, target.port, args.duration, f"{label}-{target.name}-{name}", threads=2,
                        extra_env=extra)
            out[target.name][name] = w
            extra_text = f", purge deleted {w['purge']['deleted']:,} keys ({w['purge']['left']:,} left)" if "purge" in w else ""
            log(f"{label} {target.name} {name}: {w['rps']:.0f} req/s, p50 {ms(w['p50_us'])} ms, p99 {ms(w['p99_us'])} ms, "
                f"errors {w['errors']}{extra_text}")
    return out


def label_of(size):
    return "empty" if size == 0 else (f"{size // 1_000_000}M" if size % 1_000_000 == 0 else f"{size:,}")


def chart(result, png):
    steps = result["steps"]
    files = {}
    for figure, value in (("rps", lambda w: w["rps"]), ("p99", lambda w: w["p99_us"] / 1000)):
        files[figure] = f"{png[:-4]}-{figure}.dat"
        with open(files[figure], "w") as f:
            f.write("workload " + " ".join(f'"{s["label"]}"' for s in steps) + ' "empty (baseline, mean)"\n')
            for name in WORKLOADS:
                baseline = sum(value(s["baseline"][name]) for s in steps) / len(steps)
                f.write(f'"{name.replace("_", " ")}" ' + " ".join(str(value(s["workloads"][name])) for s in steps)
                        + f" {baseline}\n")
    def plot(figure):
        return ", ".join((f'"{files[figure]}" using 2:xtic(1)' if i == 0 else f'"" using {i + 2}')
                         for i in range(len(steps) + 1))
    script = f"""
set terminal pngcairo size 1300,520 font ",10" noenhanced
set output "{png}"
set multiplot layout 1,2 title "The same workloads as the database grows, and on an empty one beside it ({result['config']['connections']} connections, {result['config']['duration_s']} s each)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key autotitle columnhead top right
set xtics rotate by -30
set grid ytics
set title "Throughput (requests per second)"
plot {plot("rps")}
set title "p99 latency (ms, log scale)"
set logscale y
plot {plot("p99")}
unset multiplot
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True)


def print_table(result):
    steps = result["steps"]
    print()
    print("each size's figures, and their ratio to the empty database measured beside them")
    print(f"{'workload':<22}" + "".join(f"{s['label'] + ' req/s':>17}{'p99 ms':>15}" for s in steps))
    for name in WORKLOADS:
        row = f"{name:<22}"
        for s in steps:
            w, b = s["workloads"][name], s["baseline"][name]
            row += f"{w['rps']:>9.0f} ({w['rps'] / b['rps']:.2f}x)"
            row += f"{ms(w['p99_us']):>8} ({w['p99_us'] / max(b['p99_us'], 1):.2f}x)"
        print(row)
    print()
    for s in steps:
        print(f"{s['label']}: {s['sizes']}" + (f", seeded in {s['seed_seconds']} s" if s.get("seed_seconds") else ""))
        plans = s["deep_page_plans"]
        print(f"  the page after the median payment in SQL: with OR {plans['or']['execution_ms']:.1f} ms "
              f"({plans['or']['buffers']} buffers), as a row comparison {plans['row']['execution_ms']:.1f} ms "
              f"({plans['row']['buffers']} buffers)")
    last = steps[-1]
    w, b = last["workloads"], last["baseline"]
    print()
    print(f"at {last['label']} against the empty database beside it (targets in brackets; at empty the same "
          f"ratios show the noise):")
    print(f"  create {w['create']['rps'] / b['create']['rps']:.2f}x (>= 0.90)")
    for name in ("replay",) + READS:
        print(f"  {name} p99 {w[name]['p99_us'] / max(b[name]['p99_us'], 1):.2f}x (<= 2.00), "
              f"throughput {w[name]['rps'] / b[name]['rps']:.2f}x")
    for s in steps:
        c = s["workloads"]["create"]["rps"]
        p = s["workloads"]["create_during_purge"]
        print(f"  {s['label']}: create during the purge {p['rps'] / c:.2f}x of create alone (>= 0.90), "
              f"{p['purge']['deleted_per_second']:,} keys deleted per second, {p['purge']['left']:,} of the backlog left")


def main():
    parser = bench.arguments(55444, 8097, 120)
    parser.add_argument("--sizes", default="1000000,10000000", help="payments to seed up to, in order")
    parser.add_argument("--span-days", type=int, default=90, help="the seeded payments cover this many days")
    parser.add_argument("--chunk", type=int, default=300_000)
    parser.add_argument("--ids", type=int, default=10000, help="ids sampled for the reads")
    parser.add_argument("--purge-backlog", type=int, default=300_000)
    parser.add_argument("--service-log-level", default="INFO")
    args = parser.parse_args()
    args.run_id = "growth-" + time.strftime("%Y%m%d-%H%M%S")
    os.makedirs(RESULTS, exist_ok=True)

    result = {"run": args.run_id, "config": {
        "connections": args.connections, "duration_s": args.duration, "warmup_s": args.warmup,
        "span_days": args.span_days, "purge_backlog": args.purge_backlog, "jvm_opts": args.jvm_opts,
        "java": subprocess.run([args.java, "-version"], capture_output=True, text=True).stderr.splitlines()[0],
        "cpus": os.cpu_count(), "postgres": psql(args, "SHOW server_version"),
        "shared_buffers": psql(args, "SHOW shared_buffers"), "uname": " ".join(os.uname()[:3])}, "steps": []}
    psql(args, "DROP DATABASE IF EXISTS payments_empty", user="postgres", database="postgres")
    psql(args, "CREATE DATABASE payments_empty OWNER payments_owner", user="postgres", database="postgres")
    grown, baseline = Target(args, "grown", args.port, "payments"), Target(args, "baseline", args.port + 3, "payments_empty")
    targets = (grown, baseline)
    failed = False
    try:
        for t in targets:
            t.service.first_success(t.service.start())
            bench.make_replay_keys(args, t.port)
        for t in targets:
            warm_up(args, t)
        current = 0
        for target in [0] + [int(s) for s in args.sizes.split(",") if s]:
            label = label_of(target)
            step = {"label": label}
            if target > current:
                log(f"seeding up to {target:,} payments")
                step["seed_seconds"] = seed(args, target, current)
                current = target
                # a short warm-up again, both: the seed took the CPU for minutes
                for t in targets:
                    wrk(args, "mixed.lua", t.port, 20, f"{label}-{t.name}-rewarm")
            for t in targets:
                sample_ids(args, t)
            step["sizes"] = sizes(args)
            step["deep_page_plans"] = explain_deep_page(args)
            log(f"{label}: the page after the median payment, in SQL: {step['deep_page_plans']}")
            log(f"{label}: {step['sizes']}")
            measured = measure(args, label, targets)
            step["workloads"], step["baseline"] = measured["grown"], measured["baseline"]
            result["steps"].append(step)
            failed = failed or any(w["errors"] for m in measured.values() for w in m.values())
    finally:
        for t in targets:
            t.service.stop()

    bench.write_results(result, os.path.join(RESULTS, args.run_id), chart, print_table)
    if failed:
        log("FAILED: some requests failed")
        sys.exit(1)


if __name__ == "__main__":
    main()
