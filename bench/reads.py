"""The reads of two builds side by side on one database: bench/reads.sh runs this.

Both services start on one database (this build's first, so Flyway migrates it), this build
creates for --fill seconds, then each read workload of bench/wrk/read.lua (GET /payments/{id}, the
first page, a deep page) runs on each service in turn, the order alternating between rounds, each
run after a vacuum and a checkpoint, on the same sample of payment ids.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (Service, wrk, psql, settle, sample_ids)

READS = {"get_one": "one", "first_page": "first", "deep_page": "deep"}


def main():
    parser = bench.arguments(55440, 8300, 30)
    parser.add_argument("--previous", required=True, help="the other build's fast-jar directory")
    parser.add_argument("--fill", type=int, default=120, help="seconds of this build's creates before the reads")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--service-log-level", default="WARN")
    args = parser.parse_args()
    args.run_id = time.strftime("%Y%m%d-%H%M%S")
    os.makedirs(bench.RESULTS, exist_ok=True)
    ports = {"this build": args.port, "previous": args.port + 10}
    services = {"this build": bench.Service(args, args.plain, False, ports["this build"], name="reads-this"),
                "previous": bench.Service(args, args.previous, False, ports["previous"], name="reads-previous")}
    try:
        for service in services.values():
            service.first_success(service.start())
        filled = bench.wrk(args, "create.lua", ports["this build"], args.fill, "fill")
        bench.log(f"filled with {filled['requests']} creates")
        bench.settle(args)
        ids = os.path.join(bench.RESULTS, f"reads-{args.run_id}-ids.txt")
        bench.sample_ids(args, ids, 10000)
        for name in services:
            for label, mode in READS.items():
                bench.wrk(args, "read.lua", ports[name], 10, f"warm-{name}-{label}".replace(" ", "-"),
                          extra_env={"BENCH_READ": mode, "BENCH_IDS": ids})
        results = {}
        for round_number in range(args.rounds):
            order = list(services) if round_number % 2 == 0 else list(reversed(services))
            for label, mode in READS.items():
                for name in order:
                    bench.settle(args)
                    w = bench.wrk(args, "read.lua", ports[name], args.duration,
                                  f"r{round_number}-{name}-{label}".replace(" ", "-"),
                                  extra_env={"BENCH_READ": mode, "BENCH_IDS": ids})
                    results.setdefault((label, name), []).append(w["rps"])
                    bench.log(f"round {round_number + 1} {label} {name}: {w['rps']:.0f} req/s, "
                              f"p99 {w['p99_us'] / 1000:.1f} ms, postgres cpu {w['postgres_cpu_ms_per_request']} ms")
        payments = bench.psql(args, "SELECT count(*) FROM payments")
        print(f"\n| read ({payments} payments) | this build, req/s by round | previous, req/s by round | this / previous |")
        print("| --- | --- | --- | ---: |")
        for label in READS:
            this, previous = results[(label, "this build")], results[(label, "previous")]
            print(f"| {label} | {' / '.join(f'{x:.0f}' for x in this)} | {' / '.join(f'{x:.0f}' for x in previous)} "
                  f"| {sum(this) / sum(previous):.2f} |")
    finally:
        for service in services.values():
            service.stop()


if __name__ == "__main__":
    main()
