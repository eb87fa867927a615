#!/usr/bin/env python3
"""What each guarantee of a create costs PostgreSQL: bench/guarantees.sh runs this.

Migrates one database with this release (its jar, as the service does at start) and one with the
release before the three phases, then copies this release's database once per guarantee with that
guarantee taken away (a constraint or trigger dropped), and once with all of them taken away: the
phases alone. Each database gets the same create under pgbench (its release's statements,
bench/pgbench/create.sql), in rounds that alternate the databases, and the PostgreSQL processes'
CPU is divided by the creates made. The copies exist only here, to measure: the service never runs
without its guarantees.
"""
import argparse
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (cpu_seconds, psql)

DROP_CHECKS = """DO $$ DECLARE c record; BEGIN
  FOR c IN SELECT conname FROM pg_constraint WHERE conrelid = '{table}'::regclass AND contype = 'c' LOOP
    EXECUTE format('ALTER TABLE {table} DROP CONSTRAINT %I', c.conname);
  END LOOP;
END $$"""

# (name, what is taken away, the SQL that takes it away)
TAKEN_AWAY = [
    ("rules", "the payment rules (payments_rules, V11's function)",
     ["ALTER TABLE payments DROP CONSTRAINT payments_rules"]),
    ("state-machine", "the state-machine trigger (payments_change_is_allowed)",
     ["DROP TRIGGER payments_change_is_allowed ON payments"]),
    ("fan-out", "the delivery fan-out trigger (events_schedule_deliveries)",
     ["DROP TRIGGER events_schedule_deliveries ON events"]),
    ("key-checks", "the keys' CHECK constraints (7)", [DROP_CHECKS.format(table="idempotency_keys")]),
    ("event-checks", "the events' CHECK constraints (2)", [DROP_CHECKS.format(table="events")]),
    ("event-key", "the event's foreign key to merchants and its created_at index",
     ["ALTER TABLE events DROP CONSTRAINT events_merchant_id_fkey", "DROP INDEX events_created_idx"]),
]


def psql(args, database, *statements):
    for statement in statements:
        bench.psql(args, statement, user="postgres", database=database)


def migrate(args, jar_dir, database, http_port):
    """Starts the release's jar on the database until it is ready (Flyway migrates it), then stops it."""
    env = dict(os.environ,
               QUARKUS_DATASOURCE_JDBC_URL=f"jdbc:postgresql://127.0.0.1:{args.pg_port}/{database}",
               QUARKUS_DATASOURCE_USERNAME="payments_app", QUARKUS_DATASOURCE_PASSWORD="payments_app",
               QUARKUS_FLYWAY_USERNAME="payments_owner", QUARKUS_FLYWAY_PASSWORD="payments_owner",
               PAYMENTS_DEMO="true", PAYMENTS_DEMO_MERCHANTS="true",
               QUARKUS_HTTP_PORT=str(http_port), QUARKUS_MANAGEMENT_PORT=str(http_port + 1))
    with open(f"target/bench/guarantees-{database}.log", "w") as log:
        service = subprocess.Popen([args.java, "-jar", f"{jar_dir}/quarkus-run.jar"], env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{http_port + 1}/q/health/ready", timeout=2):
                    return
            except OSError:
                if service.poll() is not None:
                    sys.exit(f"the jar of {jar_dir} exited: see target/bench/guarantees-{database}.log")
                time.sleep(1)
        sys.exit(f"the jar of {jar_dir} did not become ready")
    finally:
        service.terminate()
        service.wait(30)


def measure(args, database, script, run, rows=1):
    """PostgreSQL CPU ms per create and creates/s, pgbench on the database for args.duration seconds;
    each client is `rows` creates that share their statements (as the service's combined ones)."""
    psql(args, database, "VACUUM ANALYZE", "CHECKPOINT")
    seen, stop = {}, threading.Event()
    before = bench.cpu_seconds({"postgres"})

    def sample():
        while not stop.is_set():
            seen.update(bench.cpu_seconds({"postgres"}))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample)
    sampler.start()
    out = subprocess.run(["pgbench", "-h", "127.0.0.1", "-p", str(args.pg_port), "-U", "payments_app", "-n",
                          "-M", "prepared", "-c", str(max(1, args.clients // rows)), "-j", str(min(2, max(1, args.clients // rows))), f"-T{args.duration}", "-f", script,
                          "-D", f"run={run}", "-D", "n=0", "-D", f"rows={rows}", database],
                         capture_output=True, text=True)
    stop.set()
    sampler.join()
    if out.returncode != 0:
        sys.exit(f"pgbench on {database} failed: {out.stderr[-500:]}")
    creates = rows * int(re.search(r"number of transactions actually processed: (\d+)", out.stdout).group(1))
    used = sum(seconds - before.get(pid, 0) for pid, seconds in seen.items())
    return used * 1000 / creates, creates / args.duration


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--java", default="java")
    parser.add_argument("--plain", required=True, help="this release's fast-jar directory")
    parser.add_argument("--previous", required=True, help="the release before the phases, fast-jar directory")
    parser.add_argument("--previous-script", required=True, help="that release's bench/pgbench/create.sql")
    parser.add_argument("--pg-port", type=int, required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()

    print("[guarantees] migrating this release's database and the previous release's")
    for database in ["now", "previous"]:
        psql(args, "postgres", f"CREATE DATABASE {database} OWNER payments_owner")
    migrate(args, args.plain, "now", 18711)
    migrate(args, args.previous, "previous", 18721)
    variants = [("now", "this release, every guarantee", "bench/pgbench/create.sql")]
    for name, what, statements in TAKEN_AWAY + [("phases-alone", "all of the above: the phases alone",
                                                 [s for _, _, sql in TAKEN_AWAY for s in sql])]:
        database = name.replace("-", "_")
        psql(args, "postgres", f"CREATE DATABASE {database} TEMPLATE now OWNER payments_owner")
        psql(args, database, *statements)
        variants.append((database, f"without {what}" if name != "phases-alone" else what, "bench/pgbench/create.sql"))
    variants.append(("previous", "the release before the phases", args.previous_script))
    variants = [(database, what, script, 1) for database, what, script in variants]
    # every guarantee, and the creates sharing their statements four at a time, as the service's
    # combined statements do under load (the same creates in flight: a quarter of the clients)
    variants.insert(1, ("now", "this release, every guarantee, 4 creates per statement", "bench/pgbench/create.sql", 4))

    results = {(database, rows): [] for database, _, _, rows in variants}
    for round_number in range(1, args.rounds + 1):
        for database, what, script, rows in variants:
            cpu, rate = measure(args, database, script, f"r{round_number}{int(time.time())}", rows)
            results[(database, rows)].append(cpu)
            print(f"[guarantees] round {round_number} {database} ({rows} per statement): {rate:.0f} creates/s, "
                  f"PostgreSQL CPU {cpu:.3f} ms per create", flush=True)

    mean = {variant: sum(cpus) / len(cpus) for variant, cpus in results.items()}
    print(f"\n| PostgreSQL CPU per create, ms ({args.clients} clients, {args.rounds} rounds of {args.duration} s) "
          "| rounds | mean | saved | × previous |")
    print("| --- | --- | ---: | ---: | ---: |")
    for database, what, _, rows in variants:
        saved = mean[("now", 1)] - mean[(database, rows)]
        print(f"| {what} | {' / '.join(f'{c:.3f}' for c in results[(database, rows)])} | {mean[(database, rows)]:.3f} "
              f"| {saved:.3f} | {mean[(database, rows)] / mean[('previous', 1)]:.2f} |")


if __name__ == "__main__":
    main()
