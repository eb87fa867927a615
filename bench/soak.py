#!/usr/bin/env python3
"""Over time: a mixed workload at 70 % of the maximum for --minutes; bench/soak.sh runs it.

One service process (the benchmark's JVM options; keys and events kept --retention instead of 24 h
and 30 d, so the purges reach their steady state within the run), warmed up, its maximum create rate
R found with wrk; then Gatling (bench/gatling SoakSimulation, open model) sends 80 % creates, 15 %
replays and 5 % first pages of GET /payments at 0.7 R, each request reported under the minute it was
sent in, while a sampler reads every 10 s the service's resident memory and heap, the pool's active
and awaiting connections, and the database's and each table's size. Writes
bench/results/soak-<time>.tsv (the samples), .json (the summary and the minutes) and .png (four
charts), and prints the summary: memory at the start and at the end, p99 per minute, sizes.
"""
import glob
import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time

import bench
from bench import Service, log, psql, wrk
from overload_report import request_stats

RESULTS = bench.RESULTS
COLUMNS = ("elapsed_s", "rss_mb", "heap_mb", "pool_active", "pool_awaiting", "in_flight", "database_mb",
           "payments_mb", "idempotency_keys_mb", "events_mb", "idempotency_keys", "concurrency_limit", "shed",
           "live_heap_mb", "metaspace_mb", "code_cache_mb")


def metric(text, name, labels=""):
    """The sum of a metric's samples (those whose labels contain labels) in Prometheus text."""
    values = re.findall(rf"^{name}(?:\{{[^}}]*{labels}[^}}]*\}})? ([\d.eE+-]+)", text, flags=re.M)
    return sum(float(v) for v in values) if values else None


def sample(args, service, started):
    with open(f"/proc/{service.process.pid}/status") as status:
        rss = next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS:"))
    conn = http.client.HTTPConnection("127.0.0.1", args.port + 1000, timeout=5)
    conn.request("GET", "/q/metrics")
    text = conn.getresponse().read().decode()
    sizes = psql(args, """
        SELECT pg_database_size('payments') / 1048576.0, pg_total_relation_size('payments') / 1048576.0,
               pg_total_relation_size('idempotency_keys') / 1048576.0, pg_total_relation_size('events') / 1048576.0,
               (SELECT count(*) FROM idempotency_keys)""").split("|")
    return [round(time.monotonic() - started), round(rss, 1),
            round(metric(text, "jvm_memory_used_bytes", 'area="heap"') / 1048576, 1),
            metric(text, "agroal_active_count"), metric(text, "agroal_awaiting_count"),
            metric(text, "payments_http_in_flight")] + [round(float(v), 1) for v in sizes[:4]] + [int(sizes[4])] \
        + [metric(text, "payments_http_concurrency_limit", 'requests="writes"'), metric(text, "payments_http_shed_total")] \
        + [round(v / 1048576, 1) if v is not None else None for v in (
            # the old generation after the last full collection: what a leak would grow
            metric(text, "jvm_gc_live_data_size_bytes"), metric(text, "jvm_memory_used_bytes", 'id="Metaspace"'),
            metric(text, "jvm_memory_used_bytes", 'id="CodeCache"'))]


def sampler(args, service, started, rows, stop, path):
    with open(path, "w") as out:
        out.write("\t".join(COLUMNS) + "\n")
        while not stop.is_set():
            try:
                row = sample(args, service, started)
                rows.append(row)
                out.write("\t".join(str(v) for v in row) + "\n")
                out.flush()
            except (OSError, subprocess.CalledProcessError, StopIteration, TypeError) as e:
                log(f"sample failed: {e}")
            stop.wait(10)


def gatling(args, rate, run_id):
    java_home = os.environ.get("BENCH_GATLING_JAVA_HOME") or os.path.dirname(os.path.dirname(
        os.path.realpath(subprocess.run(["bash", "-c", "command -v java"], capture_output=True, text=True).stdout.strip())))
    cmd = [os.path.join(bench.ROOT, "mvnw"), "-B", "-q", "-f", os.path.join(bench.ROOT, "bench", "gatling", "pom.xml"),
           "gatling:test", "-Dgatling.simulationClass=bench.SoakSimulation", f"-DbaseUrl=http://127.0.0.1:{args.port}",
           f"-Drate={rate}", f"-Dminutes={args.minutes}", f"-DwarmupSeconds={args.gatling_warmup}", f"-Drun=soak-{run_id}",
           f"-DreplayPrefix=replay-{run_id}-", f"-Dreplays={args.replay_keys}"]
    with open(os.path.join(RESULTS, f"{run_id}-gatling.log"), "w") as console:
        subprocess.run(cmd, cwd=bench.ROOT, env=dict(os.environ, JAVA_HOME=java_home), stdout=console,
                       stderr=subprocess.STDOUT, timeout=args.minutes * 60 + args.gatling_warmup + 600)
    reports = sorted(glob.glob(os.path.join(bench.ROOT, "bench", "gatling", "target", "gatling", "soaksimulation-*")),
                     key=os.path.getmtime)
    if not reports:
        raise RuntimeError(f"Gatling wrote no report; see {run_id}-gatling.log")
    stats = request_stats(reports[-1])
    minutes = []
    for name in sorted(n for n in stats if re.fullmatch(r"m\d\d", n)):
        v = stats[name]
        number = lambda k, i=1: int(v[k][i]) if v[k][i].isdigit() else None
        minutes.append({"minute": int(name[1:]), "requests": number("numberOfRequests", 0),
                        "failed": number("numberOfRequests", 2) or 0, "p50_ms": number("percentiles1"),
                        "p99_ms": number("percentiles3"), "max_ms": number("maxResponseTime")})
    warmup = stats.get("warmup")
    warmup_failed = int(warmup["numberOfRequests"][2]) if warmup and warmup["numberOfRequests"][2].isdigit() else 0
    return minutes, warmup_failed, reports[-1]


def chart(samples_path, minutes, png, title):
    data = png[:-4] + "-minutes.dat"
    with open(data, "w") as f:
        for m in minutes:
            f.write(f"{m['minute']} {m['p50_ms']} {m['p99_ms']}\n")
    script = f"""
set terminal pngcairo size 1300,820 font ",10" noenhanced
set output "{png}"
set multiplot layout 2,2 title "{title}"
set grid
set key top left
set xlabel "minutes since Gatling was started (its warm-up first)"
set datafile separator tab
set title "Service memory (MB)"
set yrange [0:*]
plot "{samples_path}" using ($1/60):2 every ::1 with lines lw 2 title "resident (RSS)", "" using ($1/60):3 every ::1 with lines title "heap used", "" using ($1/60):14 every ::1 with lines lw 2 title "heap live after the last full GC", "" using ($1/60):15 every ::1 with lines title "metaspace", "" using ($1/60):16 every ::1 with lines title "code cache"
set title "Pool connections (of 32) and API requests at once"
plot "{samples_path}" using ($1/60):4 every ::1 with lines title "pool: active", "" using ($1/60):5 every ::1 with lines title "pool: awaiting", "" using ($1/60):6 every ::1 with lines title "requests in flight", "" using ($1/60):12 every ::1 with lines dt 2 title "load-shedding limit"
set title "Database size (MB)"
plot "{samples_path}" using ($1/60):7 every ::1 with lines lw 2 title "database", "" using ($1/60):8 every ::1 with lines title "payments (kept for ever)", "" using ($1/60):9 every ::1 with lines title "idempotency_keys", "" using ($1/60):10 every ::1 with lines title "events"
set datafile separator whitespace
set title "Latency per minute (ms, served requests)"
set xlabel "minute of the load"
plot "{data}" using 1:3 with linespoints lw 2 title "p99", "" using 1:2 with linespoints title "p50"
unset multiplot
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True)


def main():
    parser = bench.arguments(55446, 8099, 120)
    parser.add_argument("--gatling-warmup", type=int, default=60, help="seconds at the rate before minute 1")
    parser.add_argument("--minutes", type=int, default=30)
    parser.add_argument("--share", type=float, default=0.7, help="of the maximum create rate")
    parser.add_argument("--rate", type=float, help="requests per second (skips finding the maximum)")
    parser.add_argument("--retention", default="5m", help="of keys and events, for the run")
    parser.add_argument("--service-log-level", default="WARN")
    args = parser.parse_args()
    args.run_id = "soak-" + time.strftime("%Y%m%d-%H%M%S")
    os.makedirs(RESULTS, exist_ok=True)
    base = os.path.join(RESULTS, args.run_id)

    service = Service(args, args.plain, False, args.port, name="soak", extra_env={
        "PAYMENTS_IDEMPOTENCY_RETENTION": args.retention, "PAYMENTS_EVENTS_RETENTION": args.retention,
        # the product's load shedding as configured by default (PAYMENTS_OVERLOAD_* set in the
        # environment win): at 70 % of the maximum it must shed nothing
        "PAYMENTS_OVERLOAD_LIMIT": os.environ.get("PAYMENTS_OVERLOAD_LIMIT", "gradient"),
        "PAYMENTS_OVERLOAD_MAX_CONCURRENT_REQUESTS": os.environ.get("PAYMENTS_OVERLOAD_MAX_CONCURRENT_REQUESTS", "64")})
    service.first_success(service.start())
    rows, stop = [], threading.Event()
    try:
        bench.make_replay_keys(args, args.port)
        rounds = max(1, args.warmup // 30)
        for i in range(rounds):
            w = wrk(args, "mixed.lua", args.port, max(1, args.warmup // rounds), f"warmup{i}")
            log(f"warm-up {i + 1}/{rounds}: {w['rps']:.0f} req/s")
        if args.rate:
            maximum = args.rate / args.share
        else:
            # the rate served: with load shedding on, a closed loop of 32 may also get quick 503s
            w = wrk(args, "create.lua", args.port, 20, "max", threads=2)
            maximum = (w["requests"] - w["errors"]) / (w["duration_us"] / 1e6)
        rate = round(args.rate or maximum * args.share)
        log(f"maximum create rate {maximum:.0f}/s (wrk, {args.connections} connections); "
            f"{args.minutes} minutes of the mixed workload at {rate}/s")
        started = time.monotonic()
        thread = threading.Thread(target=sampler, args=(args, service, started, rows, stop, base + ".tsv"))
        thread.start()
        try:
            minutes, warmup_failed, report = gatling(args, rate, args.run_id)
        finally:
            stop.set()
            thread.join()
    finally:
        service.stop()

    load = rows
    first, last = load[: max(1, len(load) // 6)], load[-max(1, len(load) // 6):]
    mean = lambda rs, i: round(sum(r[i] for r in rs) / len(rs), 1)
    summary = {
        "rate_per_s": rate, "maximum_create_per_s": round(maximum), "minutes": args.minutes,
        "retention": args.retention, "gatling_report": report,
        "rss_mb": {"first_sixth_mean": mean(first, 1), "last_sixth_mean": mean(last, 1),
                   "max": max(r[1] for r in load)},
        "heap_mb": {"first_sixth_min": min(r[2] for r in first), "last_sixth_min": min(r[2] for r in last)},
        "live_heap_mb": {"first": load[0][13], "last": load[-1][13]},
        "metaspace_mb": {"first": load[0][14], "last": load[-1][14]},
        "pool_active_max": max(r[3] for r in load), "pool_awaiting_max": max(r[4] for r in load),
        "in_flight_max": max(r[5] for r in load), "concurrency_limit_min": min(r[11] for r in load),
        "shed": load[-1][12],
        "idempotency_keys": {"rows_max": max(r[10] for r in load), "rows_at_end": load[-1][10],
                             "mb_at_end": load[-1][8]},
        "events_mb_at_end": load[-1][9], "payments_mb_at_end": load[-1][7], "database_mb_at_end": load[-1][6],
        "requests": sum(m["requests"] or 0 for m in minutes), "failed": sum(m["failed"] for m in minutes),
        "warmup_failed": warmup_failed,
        "p99_ms_per_minute": [m["p99_ms"] for m in minutes],
    }
    with open(base + ".json", "w") as f:
        json.dump({"run": args.run_id, "summary": summary, "minutes": minutes,
                   "config": {"jvm_opts": args.jvm_opts, "cpus": os.cpu_count(),
                              "postgres": psql(args, "SHOW server_version")}}, f, indent=2)
    try:
        chart(base + ".tsv", minutes, base + ".png",
              f"{args.minutes} minutes at {rate} requests/s (70 % of the maximum create rate), "
              f"80 % create, 15 % replay, 5 % list; keys and events kept {args.retention}")
    except (OSError, subprocess.CalledProcessError) as e:
        log(f"no chart: {e}")
    print(json.dumps(summary, indent=2))
    log(f"samples: {base}.tsv, summary: {base}.json, chart: {base}.png")
    if summary["failed"] or warmup_failed:
        log("FAILED: some requests failed")
        sys.exit(1)


if __name__ == "__main__":
    main()
