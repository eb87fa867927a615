#!/usr/bin/env python3
"""With and without PgBouncer: bench/pgbouncer.sh runs it.

The same fast-jar twice on one PostgreSQL, once connected to it directly and once through PgBouncer
in transaction pooling mode (prepareThreshold=0: no named statements, which a transaction pool
cannot keep; Flyway straight to PostgreSQL, as it locks with a session's advisory lock). Each is
warmed up, then create and mixed run --duration seconds each, the two services alternating for
--rounds rounds so that the machine's drift falls on both. Prints a Markdown table: req/s, p50 and
p99 of each, and the ratio pooled / direct.
"""
import statistics
import time

import bench
from bench import Service, log, settle, wrk


def main():
    parser = bench.arguments(55447, 8097, 60)
    parser.add_argument("--pgbouncer-port", type=int, required=True)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--service-log-level", default="WARN")
    args = parser.parse_args()
    args.run_id = time.strftime("%Y%m%d-%H%M%S")
    direct = f"jdbc:postgresql://127.0.0.1:{args.pg_port}/payments"
    pooled = f"jdbc:postgresql://127.0.0.1:{args.pgbouncer_port}/payments?prepareThreshold=0"
    variants = {"direct": {}, "PgBouncer": {"QUARKUS_DATASOURCE_JDBC_URL": pooled, "QUARKUS_FLYWAY_JDBC_URL": direct}}
    results = {name: {"create": [], "mixed": []} for name in variants}
    for round_ in range(args.rounds):
        for name, env in variants.items():
            service = Service(args, args.plain, False, args.port, name=f"pgbouncer-{name}", extra_env=env)
            service.first_success(service.start())
            try:
                wrk(args, "mixed.lua", args.port, args.warmup, f"{name}-warmup-{round_}")
                for workload in ("create", "mixed"):
                    settle(args)
                    w = wrk(args, f"{workload}.lua", args.port, args.duration, f"{name}-{workload}-{round_}")
                    results[name][workload].append(w)
                    log(f"round {round_ + 1}, {name}, {workload}: {w['rps']:.0f} req/s, p99 {w['p99_us'] / 1000:.1f} ms, "
                        f"errors {w['errors']}")
            finally:
                service.stop()
    print("| workload | connection | req/s | p50 ms | p99 ms | errors | pooled / direct |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for workload in ("create", "mixed"):
        rate = {name: statistics.mean(w["rps"] for w in results[name][workload]) for name in variants}
        for name in variants:
            runs = results[name][workload]
            ratio = "" if name == "direct" else f"{rate[name] / rate['direct']:.2f}"
            print(f"| {workload} | {name} | {rate[name]:.0f} | {statistics.mean(w['p50_us'] for w in runs) / 1000:.1f} "
                  f"| {statistics.mean(w['p99_us'] for w in runs) / 1000:.1f} | {sum(w['errors'] for w in runs)} "
                  f"| {ratio} |")


if __name__ == "__main__":
    main()
