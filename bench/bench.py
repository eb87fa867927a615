#!/usr/bin/env python3
"""The benchmark's orchestrator; bench/run.sh builds the application and starts PostgreSQL first.

Measures, in one run on one machine:
  - start-up: process start to the first successful authenticated request, for the plain fast-jar
    and (when built) the AOT-cache jar, alternately, several times each;
  - the service under wrk: create, replay, race, mixed at a fixed concurrency, after a JIT warm-up,
    create rate-limited to half the measured maximum, GET one payment, the first and a deep page of
    the list, create while the key purge works through a backlog, and create again at the end (how
    far the machine's speed moved); errors, CPU per request of the service and of PostgreSQL, and
    the service's peak RSS;
  - create through the processor simulator over HTTP, and the service in its container
    configuration (docker/Dockerfile.jvm's JVM options in a memory cgroup of the compose file's
    limit): its peak RSS;
  - the limit: pgbench running the service's own SQL transaction for a create and for a replay, at
    the same concurrency, each right after the service's run of the same workload; every measured
    run starts from a vacuumed, freshly checkpointed database (see settle);
then checks the database (exactly one payment per key, no orphans), prints one Markdown table with
the machine, the durability settings and the noise, and writes
bench/results/<timestamp>.json and .png. Standard library only (plus wrk, pgbench, gnuplot).
"""
import argparse
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RESULTS = os.path.join(HERE, "results")
BODY = '{"amount":2500,"currency":"EUR","payment_method":"pm_card_visa","description":"bench"}'
AUTH = {"Authorization": "Bearer sk_test_acme"}
# the reads of bench/wrk/read.lua, by workload name
READ_MODES = {"get_one": "one", "first_page": "first", "deep_page": "deep"}


def log(message):
    print(f"[bench] {message}", flush=True)


class Service:
    """One run of the packaged application, started the way a user would start it."""

    def __init__(self, args, app_dir, aot, port, name=None, database="payments", extra_env=None,
                 jvm_opts=None, cgroup=None):
        self.args, self.app_dir, self.aot, self.port = args, app_dir, aot, port
        self.name = name or ("aot" if aot else "plain")
        self.database, self.extra_env = database, extra_env or {}
        self.jvm_opts = args.jvm_opts if jvm_opts is None else jvm_opts
        self.cgroup = cgroup
        self.process = None

    def start(self):
        cmd = [self.args.java] + self.jvm_opts.split()
        if self.aot:
            cmd.append("-XX:AOTCache=app.aot")
        cmd += ["-jar", "quarkus-run.jar"]
        env = dict(os.environ,
                   QUARKUS_DATASOURCE_JDBC_URL=f"jdbc:postgresql://127.0.0.1:{self.args.pg_port}/{self.database}",
                   QUARKUS_DATASOURCE_USERNAME="payments_app", QUARKUS_DATASOURCE_PASSWORD="payments_app",
                   QUARKUS_FLYWAY_USERNAME="payments_owner", QUARKUS_FLYWAY_PASSWORD="payments_owner",
                   PAYMENTS_DEMO="true", PAYMENTS_DEMO_MERCHANTS="true", QUARKUS_HTTP_PORT=str(self.port),
                   QUARKUS_MANAGEMENT_PORT=str(self.port + 1000),
                   # the benchmark is one merchant at full speed: no per-merchant rate limit
                   PAYMENTS_RATE_LIMIT_REQUESTS_PER_SECOND="1000000", PAYMENTS_RATE_LIMIT_BURST="1000000",
                   # the simulator run keeps 256 requests at once in flight on purpose; bench/overload.sh measures shedding
                   PAYMENTS_OVERLOAD_LIMIT="fixed", PAYMENTS_OVERLOAD_MAX_CONCURRENT_REQUESTS="100000",
                   # as docker/Dockerfile.jvm sets it: fewer glibc malloc arenas, less resident memory
                   MALLOC_ARENA_MAX=os.environ.get("MALLOC_ARENA_MAX", "2"),
                   QUARKUS_LOG_CATEGORY__DEV_PAYMENTS_PAYMENT_PAYMENTSERVICE__LEVEL=self.args.service_log_level)
        env.update(self.extra_env)
        self.log = open(os.path.join(RESULTS, f"service-{self.name}.log"), "a")
        started = time.monotonic()
        self.process = subprocess.Popen(cmd, cwd=self.app_dir, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                        preexec_fn=self.cgroup.enter if self.cgroup else None)
        return started

    def first_success(self, started, timeout=120):
        """Milliseconds from process start to the first 200 from an authenticated GET /payments."""
        deadline = started + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"service exited with {self.process.returncode}; see {self.log.name}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/payments?limit=1", headers=AUTH)
                if conn.getresponse().status == 200:
                    return (time.monotonic() - started) * 1000
            except OSError:
                pass
            time.sleep(0.005)
        raise RuntimeError("service did not answer in time")

    def stop(self, timeout=30):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def peak_rss_mb(self):
        """The process's peak resident memory (VmHWM), or None once it has exited."""
        try:
            with open(f"/proc/{self.process.pid}/status") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        return round(int(line.split()[1]) / 1024, 1)
        except OSError:
            pass
        return None


class MemoryCgroup:
    """A memory cgroup of its own, limited as a container's memory is (docker run --memory): the
    JVM sizes its heap and picks its collector from the limit, and the kernel holds the process to
    it. cgroup v1 (a memory hierarchy) or v2 (the memory controller delegated to this cgroup's
    children); self.why says why there is none."""

    def __init__(self, name, limit_bytes):
        self.path, self.why, self.limit_bytes = None, None, limit_bytes
        own = {}
        with open("/proc/self/cgroup") as f:
            for line in f:
                _, controllers, path = line.rstrip("\n").split(":", 2)
                own[controllers] = path
        if "memory" in own and os.path.isdir("/sys/fs/cgroup/memory"):
            self.v2, root, limit_file = False, "/sys/fs/cgroup/memory" + own["memory"], "memory.limit_in_bytes"
        elif "" in own and os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
            self.v2, root, limit_file = True, "/sys/fs/cgroup" + own[""], "memory.max"
        else:
            self.why = "no memory cgroup controller is mounted"
            return
        try:
            path = os.path.join(root, name)
            os.makedirs(path, exist_ok=True)
            with open(os.path.join(path, limit_file), "w") as f:
                f.write(str(limit_bytes))
            self.path = path
        except OSError as e:
            self.why = f"cannot make a memory cgroup ({e})"

    def enter(self):
        """In the child, before exec (preexec_fn): the process joins the cgroup."""
        with open(os.path.join(self.path, "cgroup.procs"), "w") as f:
            f.write(str(os.getpid()))

    def _read(self, name):
        try:
            with open(os.path.join(self.path, name)) as f:
                return f.read()
        except OSError:
            return None

    def peak_mb(self):
        """The most memory the cgroup was charged (resident memory and the page cache it read)."""
        text = self._read("memory.peak" if self.v2 else "memory.max_usage_in_bytes")
        return round(int(text) / 1048576, 1) if text else None

    def oom_kills(self):
        text = self._read("memory.events" if self.v2 else "memory.oom_control") or ""
        match = re.search(r"^oom_kill (\d+)", text, flags=re.M)
        return int(match.group(1)) if match else None

    def remove(self):
        if self.path:
            try:
                os.rmdir(self.path)
            except OSError as e:
                log(f"cgroup {self.path} not removed: {e}")


class Simulator:
    """The processor simulator (test sources) as its own process, every call slowed by latency_ms."""

    API_KEY = "sk_sim_bench"

    def __init__(self, args, port, latency_ms):
        classpath = f"{os.path.join(ROOT, 'target', 'test-classes')}:{os.path.join(args.plain, 'lib', 'main')}/*"
        self.log = open(os.path.join(RESULTS, "simulator.log"), "a")
        self.process = subprocess.Popen(
            [args.java, "-Xms256m", "-Xmx256m", "-XX:+UseSerialGC", "-cp", classpath,
             "dev.payments.simulator.ProcessorSimulator", "--port", str(port), "--api-key", self.API_KEY,
             "--latency-ms", str(latency_ms)], cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/_simulator/held")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the processor simulator did not start; see simulator.log")

    def stats(self):
        """Charges, the references they are for, and the most charges any one reference has."""
        conn = http.client.HTTPConnection("127.0.0.1", int(self.url.rsplit(":", 1)[1]), timeout=120)
        conn.request("GET", "/_simulator/stats")
        return json.loads(conn.getresponse().read())

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


def pool_sampler(port, samples, stop):
    """Samples the pool's active and awaiting connections from /q/metrics every 0.2 s until stop is set."""
    while not stop.is_set():
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/q/metrics")
            text = conn.getresponse().read().decode()
            active = re.search(r"^agroal_active_count\{[^}]*\} ([\d.]+)", text, flags=re.M)
            awaiting = re.search(r"^agroal_awaiting_count\{[^}]*\} ([\d.]+)", text, flags=re.M)
            if active:
                samples.append((float(active.group(1)), float(awaiting.group(1)) if awaiting else 0.0))
        except OSError:
            pass
        stop.wait(0.2)


def processor_workload(args):
    """Create through the HTTP adapter against the simulator adding latency_ms per call, at many
    connections: the phases hold no pooled connection during the call, so the pool's active count
    stays far below the concurrency. Holding one across the call would cap creates near
    pool size / latency."""
    import threading
    sim_port = args.port + 2
    simulator = Simulator(args, sim_port, args.processor_latency_ms)
    service = Service(args, args.plain, False, args.port, name="processor", extra_env={
        "PAYMENTS_PROCESSOR_URL": simulator.url, "PAYMENTS_PROCESSOR_API_KEY": Simulator.API_KEY})
    result = {"latency_ms": args.processor_latency_ms, "connections": args.processor_connections,
              "pool_max_size": 32, "cap_if_holding_a_connection_rps": round(32 / (args.processor_latency_ms / 1000))}
    saved = args.connections
    args.connections = args.processor_connections
    try:
        service.first_success(service.start())
        # a JVM of its own, so a JIT warm-up of its own: the HTTP client's path is new code
        rounds = max(1, args.warmup // 30)
        for i in range(rounds):
            w = wrk(args, "create.lua", args.port, max(1, args.warmup // rounds), f"processor-warmup{i}", threads=2)
            log(f"processor warm-up {i + 1}/{rounds}: {w['rps']:.0f} req/s")
        settle(args)
        samples, stop = [], threading.Event()
        sampler = threading.Thread(target=pool_sampler, args=(args.port + 1000, samples, stop))
        sampler.start()
        try:
            w = wrk(args, "create.lua", args.port, args.duration, "processor-create", threads=2)
        finally:
            stop.set()
            sampler.join()
        result.update(w)
        active = [a for a, _ in samples]
        result["pool_active_max"] = max(active) if active else None
        result["pool_active_mean"] = round(sum(active) / len(active), 1) if active else None
        result["pool_awaiting_max"] = max((b for _, b in samples), default=None)
        # requests wrk left in flight finish at the processor's pace; the database check needs them done
        deadline = time.monotonic() + 30
        while int(psql(args, "SELECT count(*) FROM payments WHERE status = 'processing'")) and time.monotonic() < deadline:
            time.sleep(0.2)
        stats = simulator.stats()
        result["charges"] = stats["charges"]
        result["payments_with_more_than_one_charge"] = stats["charges"] - stats["references"]
        log(f"processor create ({args.processor_latency_ms} ms per call, {args.processor_connections} connections): "
            f"{w['rps']:.0f} req/s, p99 {ms(w['p99_us'])} ms, errors {w['errors']}, pool active max "
            f"{result['pool_active_max']} mean {result['pool_active_mean']} (holding a connection across the call "
            f"would cap this near {result['cap_if_holding_a_connection_rps']} req/s)")
    finally:
        args.connections = saved
        service.stop()
        simulator.stop()
    return result


def container_jvm_opts():
    """JAVA_OPTS as docker/Dockerfile.jvm sets them."""
    with open(os.path.join(ROOT, "docker", "Dockerfile.jvm")) as f:
        return re.search(r'JAVA_OPTS="([^"]*)"', f.read()).group(1)


def container_configuration(args):
    """The service as its container runs it: docker/Dockerfile.jvm's JAVA_OPTS and MALLOC_ARENA_MAX,
    in a memory cgroup of --container-memory (as docker/docker-compose.yml limits it), so the JVM
    sizes its heap and picks its collector as it does there. After a warm-up, create and mixed;
    returns the peak RSS, the cgroup's peak charge, the heap and collector the JVM chose."""
    limit = parse_bytes(args.container_memory)
    cgroup = MemoryCgroup(f"payments-bench-{os.getpid()}", limit)
    opts = container_jvm_opts()
    result = {"memory_limit": args.container_memory, "jvm_opts": opts}
    if cgroup.why:
        # not held to the limit, but sized for it: what the JVM would choose inside such a container
        log(f"container configuration without a cgroup: {cgroup.why}; the JVM is told the limit with -XX:MaxRAM")
        opts += f" -XX:MaxRAM={limit}"
        cgroup = None
        result["cgroup"] = None
    flags = subprocess.run([args.java] + opts.split() + ["-XX:+PrintFlagsFinal", "-version"], capture_output=True,
                           text=True, preexec_fn=cgroup.enter if cgroup else None).stdout
    result["max_heap_mb"] = int(re.search(r"MaxHeapSize\s*=\s*(\d+)", flags).group(1)) // 1048576
    result["gc"] = next((gc for gc in ("SerialGC", "G1GC", "ParallelGC", "ZGC", "ShenandoahGC")
                         if re.search(rf"\bUse{gc}\s*=\s*true", flags)), None)
    service = Service(args, args.plain, False, args.port, name="container", jvm_opts=opts, cgroup=cgroup)
    try:
        service.first_success(service.start())
        for i in range(2):
            w = wrk(args, "mixed.lua", args.port, 30, f"container-warmup{i}")
            log(f"container configuration warm-up {i + 1}/2: {w['rps']:.0f} req/s")
        for name, script in (("create", "create.lua"), ("mixed", "mixed.lua")):
            settle(args)
            w = result[name] = wrk(args, script, args.port, args.duration, f"container-{name}")
            log(f"container configuration {name}: {w['rps']:.0f} req/s, p99 {ms(w['p99_us'])} ms")
            if service.process.poll() is not None:
                break
        result["peak_rss_mb"] = service.peak_rss_mb()
    except RuntimeError as e:
        result["error"] = str(e)
    finally:
        if service.process and service.process.poll() is not None:
            # killed by the kernel for going past the limit, most likely: the cgroup says
            result["exited"] = service.process.returncode
        if cgroup:
            result["cgroup"] = {"peak_mb": cgroup.peak_mb(), "oom_kills": cgroup.oom_kills()}
        service.stop()
        if cgroup:
            cgroup.remove()
    log(f"container configuration ({args.container_memory}, {opts}): heap max {result['max_heap_mb']} MiB, "
        f"{result['gc']}, peak RSS {result.get('peak_rss_mb')} MB, cgroup {result.get('cgroup')}")
    return result


def parse_bytes(text):
    number, unit = re.fullmatch(r"(\d+)([kmgKMG]?)", text).groups()
    return int(number) * {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}[unit.lower()]


def previous_release(args):
    """Create and replay with the demo adapter, this release against the previous one (its own
    database, since its schema is older), alternately, after a warm-up of each."""
    psql(args, "DROP DATABASE IF EXISTS payments_previous", user="postgres", database="postgres")
    psql(args, "CREATE DATABASE payments_previous OWNER payments_owner", user="postgres", database="postgres")
    services = {"current": Service(args, args.plain, False, args.port, name="current"),
                "previous": Service(args, args.previous, False, args.port + 3, name="previous",
                                    database="payments_previous")}
    runs = {name: [] for name in services}
    replays = {name: [] for name in services}
    try:
        for name, service in services.items():
            service.first_success(service.start())
            w = wrk(args, "mixed.lua", service.port, 60, f"{name}-warmup")
            log(f"{name} warm-up: {w['rps']:.0f} req/s")
        for round_ in range(args.previous_rounds):
            for name, service in services.items():
                settle(args)
                w = wrk(args, "create.lua", service.port, args.duration, f"{name}-create-{round_}")
                runs[name].append(w)
                log(f"{name} release create #{round_ + 1}: {w['rps']:.0f} req/s, p99 {ms(w['p99_us'])} ms, "
                    f"service cpu {w['service_cpu_ms_per_request']} ms, postgres cpu {w['postgres_cpu_ms_per_request']} ms")
        for service in services.values():
            make_replay_keys(args, service.port)
        for round_ in range(args.previous_rounds):
            for name, service in services.items():
                w = wrk(args, "replay.lua", service.port, args.duration, f"{name}-replay-{round_}")
                replays[name].append(w)
                log(f"{name} release replay #{round_ + 1}: {w['rps']:.0f} req/s, p99 {ms(w['p99_us'])} ms, "
                    f"service cpu {w['service_cpu_ms_per_request']} ms, postgres cpu {w['postgres_cpu_ms_per_request']} ms")
    finally:
        for service in services.values():
            service.stop()
    def mean(name, field):
        return round(sum(w[field] for w in runs[name]) / len(runs[name]), 3)
    result = {name: {field: mean(name, field) for field in ("rps", "p99_us", "service_cpu_ms_per_request",
                                                              "postgres_cpu_ms_per_request", "errors")}
              for name in runs}
    result["create_rps_current_over_previous"] = round(result["current"]["rps"] / result["previous"]["rps"], 3)
    replay = {name: round(sum(w["rps"] for w in replays[name]) / len(replays[name]), 1) for name in replays}
    result["replay_rps"] = replay
    result["replay_rps_current_over_previous"] = round(replay["current"] / replay["previous"], 3)
    return result


def cpu_seconds(names):
    """Cumulative user+system CPU seconds of each process with one of these names, by pid."""
    ticks = os.sysconf("SC_CLK_TCK")
    seconds = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/comm") as comm:
                if comm.read().strip() not in names:
                    continue
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            seconds[pid] = (int(fields[11]) + int(fields[12])) / ticks
        except (OSError, IndexError, ValueError):
            continue
    return seconds


def cpu_used(before, after, newcomers):
    """CPU seconds used between two cpu_seconds readings: by the processes in both, and (newcomers)
    by those started in between (PostgreSQL's backends). A process gone in between is not counted,
    so this can only undercount, never go negative."""
    return sum(t - before.get(pid, 0) for pid, t in after.items() if pid in before or newcomers)


def wrk(args, script, port, duration, label, threads=1, extra_env=None):
    """Runs wrk with one of bench/wrk/*.lua; returns its BENCH_RESULT plus CPU per request.
    Each run gets its own key prefix (label), so a create is never a replay of an earlier run."""
    env = dict(os.environ, BENCH_RUN=f"{args.run_id}-{label}", BENCH_REPLAY_PREFIX=f"replay-{args.run_id}-",
               BENCH_REPLAY_KEYS=str(args.replay_keys), **(extra_env or {}))
    cmd = ["wrk", f"-t{threads}", f"-c{args.connections}", f"-d{duration}s", "--timeout", "10s",
           "-s", os.path.join("bench", "wrk", script), f"http://127.0.0.1:{port}"]
    # the service's JVM is running before the load starts; a JVM started meanwhile (a build beside the
    # run) is not the service's
    java0, pg0 = cpu_seconds({"java"}), cpu_seconds({"postgres"})
    out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=duration + 60).stdout
    java1, pg1 = cpu_seconds({"java"}), cpu_seconds({"postgres"})
    match = re.search(r"BENCH_RESULT (\{.*\})", out)
    if not match:
        raise RuntimeError(f"wrk printed no result:\n{out}")
    result = json.loads(match.group(1))
    n = max(result["requests"], 1)
    result["service_cpu_ms_per_request"] = round(cpu_used(java0, java1, newcomers=False) * 1000 / n, 3)
    result["postgres_cpu_ms_per_request"] = round(cpu_used(pg0, pg1, newcomers=True) * 1000 / n, 3)
    return result


def pgbench(args, script, defines=()):
    # as the service's runtime role, with that role's defaults (the session limits the service sets)
    cmd = ["pgbench", "-h", "127.0.0.1", "-p", str(args.pg_port), "-U", "payments_app", "-n", "-M", "prepared",
           f"-c{args.connections}", "-j2", f"-T{args.duration}", "-f", os.path.join("bench", "pgbench", script)]
    for name, value in defines:
        cmd += ["-D", f"{name}={value}"]
    env = dict(os.environ, PGOPTIONS=f"-c lock_timeout={args.lock_timeout_ms}")
    out = subprocess.run(cmd + ["payments"], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=args.duration + 120)
    text = out.stdout + out.stderr
    tps = re.search(r"tps = ([\d.]+)", text)
    latency = re.search(r"latency average = ([\d.]+) ms", text)
    failed = re.search(r"number of failed transactions: (\d+)", text)
    if out.returncode != 0 or not tps:
        raise RuntimeError(f"pgbench failed:\n{text}")
    return {"tps": float(tps.group(1)), "latency_avg_ms": float(latency.group(1)) if latency else None,
            "failed": int(failed.group(1)) if failed else 0}


def psql(args, sql, user="payments_owner", database="payments"):
    out = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(args.pg_port), "-U", user, "-d", database,
                          "-tAc", sql], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def settle(args, database="payments"):
    """Same starting point for every measured run, service or pgbench: no autovacuum work left over
    from the previous run, and a checkpoint just taken (so each run pays the same full-page writes).
    Without this, whichever run overlapped a checkpoint or an autovacuum of the growing tables lost
    up to a fifth of its rate, and the service/pgbench ratios swung with it."""
    psql(args, "VACUUM (ANALYZE) payments, idempotency_keys", database=database)
    psql(args, "CHECKPOINT", user="postgres")


def make_replay_keys(args, port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = dict(AUTH, **{"Content-Type": "application/json"})
    for i in range(args.replay_keys):
        conn.request("POST", "/payments", body=BODY,
                     headers=dict(headers, **{"Idempotency-Key": f"replay-{args.run_id}-{i}"}))
        response = conn.getresponse()
        response.read()
        if response.status != 201:
            raise RuntimeError(f"making replay key {i}: {response.status}")


def sample_ids(args, path, count, database="payments"):
    """count ids of the benchmark merchant's payments, drawn from its whole history, into path."""
    with open(path, "w") as f:
        f.write(psql(args, f"SELECT id FROM payments WHERE merchant_id = 'acme' ORDER BY random() LIMIT {count}",
                     database=database))
        f.write("\n")


def age_backlog(args, label, count, database="payments"):
    """count key rows of the benchmark merchant, 25 h old: what the purge finds after a day off."""
    psql(args, f"""
        INSERT INTO idempotency_keys (merchant_id, idempotency_key, request_fingerprint, fingerprint_scheme,
                                      payment_id, resource_id, response_status, response_body, response_location,
                                      created_at)
        SELECT 'acme', 'expired-{label}-' || g, encode(sha256(('expired-{label}-' || g)::bytea), 'hex'), 2, p.id, p.id,
               201, p.body, '/payments/' || p.id, now() - interval '25 hours' - g * interval '1 millisecond'
        FROM generate_series(1, {count}) g,
             (SELECT id, repeat('x', 420) AS body FROM payments WHERE merchant_id = 'acme' LIMIT 1) p""",
         database=database)


def expired_keys(args, database="payments"):
    return int(psql(args, "SELECT count(*) FROM idempotency_keys WHERE created_at < now() - interval '24 hours'",
                    database=database))


def create_during_purge(args, port, label, backlog, database="payments", threads=1, settle_first=None):
    """Create while the key purge works through backlog expired keys (aged just before; the service
    must run its purge often: PAYMENTS_IDEMPOTENCY_CLEANUP_INTERVAL=1s); what it did not reach is
    deleted after, so later runs do not meet it. settle_first replaces settle(args, database)."""
    age_backlog(args, label, backlog, database)
    before = expired_keys(args, database)
    (settle_first or (lambda: settle(args, database)))()
    w = wrk(args, "create.lua", port, args.duration, f"{label}-create-during-purge", threads=threads)
    left = expired_keys(args, database)
    w["purge"] = {"backlog": before, "deleted": before - left, "left": left,
                  "deleted_per_second": round((before - left) / args.duration)}
    psql(args, "DELETE FROM idempotency_keys WHERE created_at < now() - interval '24 hours'", database=database)
    return w


def machine():
    """The CPU model, its cores and the memory, from /proc."""
    with open("/proc/cpuinfo") as f:
        model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "unknown CPU")
    with open("/proc/meminfo") as f:
        memory_kb = int(next(line.split()[1] for line in f if line.startswith("MemTotal:")))
    return {"cpu": model, "cpus": os.cpu_count(), "memory_gib": round(memory_kb / 1048576, 1)}


def durability(args):
    """PostgreSQL's settings that decide what a commit costs and what it survives."""
    names = ("fsync", "synchronous_commit", "full_page_writes", "wal_sync_method", "shared_buffers", "max_wal_size")
    values = psql(args, "SELECT " + ", ".join(f"current_setting('{n}')" for n in names)).split("|")
    return dict(zip(names, values))


def train_aot(args):
    """The AOT cache's training run (JDK 25, JEP 514): the aot-jar under the benchmark's own mixed
    load and reads, where it will run, then stopped; the JVM writes app.aot as it exits. (Quarkus can
    train it with the *IT tests instead, `verify -Dquarkus.package.jar.aot.enabled=true`: the whole
    test suite, minutes longer.)"""
    cache = os.path.join(args.aot, "app.aot")
    if os.path.exists(cache):
        return
    log(f"training the AOT cache in {args.aot} for {args.aot_training} s")
    service = Service(args, args.aot, False, args.port, name="aot-training",
                      jvm_opts=args.jvm_opts + " -XX:AOTCacheOutput=app.aot")
    service.first_success(service.start(), timeout=300)
    try:
        wrk(args, "mixed.lua", args.port, args.aot_training, "aot-training")
        ids = os.path.join(RESULTS, f"{args.run_id}-aot-ids.txt")
        sample_ids(args, ids, 1000)
        for mode in READ_MODES.values():
            wrk(args, "read.lua", args.port, 5, f"aot-training-{mode}", extra_env={"BENCH_READ": mode, "BENCH_IDS": ids})
    finally:
        service.stop(timeout=600)  # the cache is written at exit: a minute or two
    if not os.path.exists(cache):
        raise RuntimeError(f"the training run wrote no {cache}; see {service.log.name}")
    log(f"AOT cache: {os.path.getsize(cache) / 1048576:.0f} MiB")


def measure_startup(args, variants):
    results = {name: [] for name, _, _ in variants}
    # one untimed start per variant: Flyway creates the schema on the first one
    for name, app_dir, aot in variants:
        service = Service(args, app_dir, aot, args.port)
        service.first_success(service.start())
        service.stop()
    for round_ in range(args.startup_runs):
        for name, app_dir, aot in variants:
            service = Service(args, app_dir, aot, args.port)
            try:
                ms = service.first_success(service.start())
            finally:
                service.stop()
            results[name].append(round(ms))
            log(f"start-up {name} #{round_ + 1}: {ms:.0f} ms to the first successful request")
    return {name: {"runs_ms": runs, "median_ms": sorted(runs)[len(runs) // 2]} for name, runs in results.items()}


def check_database(args):
    payments = int(psql(args, "SELECT count(*) FROM payments WHERE description = 'bench'"))
    keyed = int(psql(args, "SELECT count(*) FROM idempotency_keys k JOIN payments p ON p.id = k.payment_id "
                           "WHERE p.description = 'bench'"))
    orphans = int(psql(args, "SELECT count(*) FROM payments p WHERE p.description = 'bench' AND NOT EXISTS "
                             "(SELECT 1 FROM idempotency_keys k WHERE k.payment_id = p.id)"))
    pending = int(psql(args, "SELECT count(*) FROM idempotency_keys WHERE response_status IS NULL"))
    return {"bench_payments": payments, "payments_with_their_key": keyed,
            "payments_without_a_key_duplicates": orphans, "keys_without_answer": pending}


def chart(result, png):
    rows = [(w.replace("_", " "), result["service"][w]["rps"], result["service"][w]["p50_us"] / 1000,
             result["service"][w]["p99_us"] / 1000) for w, _ in WORKLOAD_NAMES]
    rows += [("pgbench create", result["pgbench"]["create"]["tps"], None, None),
             ("pgbench replay", result["pgbench"]["replay"]["tps"], None, None)]
    data = png[:-4] + ".dat"
    with open(data, "w") as f:
        for name, rps, p50, p99 in rows:
            f.write(f"\"{name}\" {rps} {p50 if p50 is not None else '-'} {p99 if p99 is not None else '-'}\n")
    script = f"""
set terminal pngcairo size 1500,560 font ",10" noenhanced
set output "{png}"
set multiplot layout 1,2 title "Payment service vs pgbench, {args_summary(result)}"
set style data histograms
set style fill solid 0.8 border -1
set boxwidth 0.8
set xtics rotate by -30
set datafile missing "-"
set grid ytics
set title "Throughput (requests or transactions per second)"
plot "{data}" using 2:xtic(1) notitle lc rgb "#3b7dd8"
set title "Latency (ms), service workloads"
set key top left
plot "{data}" every ::0::{len(WORKLOAD_NAMES) - 1} using 3:xtic(1) title "p50" lc rgb "#58a55c", "" every ::0::{len(WORKLOAD_NAMES) - 1} using 4 title "p99" lc rgb "#d9534f"
unset multiplot
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True)


def write_results(result, base, chart, print_table):
    """base.json, base.png drawn by chart(result, png), then print_table(result): every benchmark's end."""
    with open(base + ".json", "w") as f:
        json.dump(result, f, indent=2)
    try:
        chart(result, base + ".png")
    except (OSError, subprocess.CalledProcessError) as e:
        log(f"no chart: {e}")
    print_table(result)
    log(f"raw results: {base}.json, chart: {base}.png")


def args_summary(result):
    return f"{result['config']['connections']} connections, {result['config']['duration_s']} s per workload"


def ms(us):
    return f"{us / 1000:.1f}"


# the table's rows: the service's workloads, in the order they ran, and their names in the table
WORKLOAD_NAMES = (("create", "create"), ("replay", "replay"), ("race", "race (32 at once per key)"),
                  ("mixed", "mixed (80 % create, 15 % replay, 5 % race)"),
                  ("create_rate_limited", "create at half its rate"), ("get_one", "GET /payments/{id}"),
                  ("first_page", "GET /payments, first page"), ("deep_page", "GET /payments, deep page"),
                  ("create_during_purge", "create during the key purge"), ("create_again", "create, again at the end"))


def print_table(result):
    """The run as one Markdown table, then what it was measured on and against which targets."""
    s, p, c = result["service"], result["pgbench"], result["config"]
    row = lambda *cells: print("| " + " | ".join(str(x) for x in cells) + " |")
    print()
    row("workload", "req/s", "p50 ms", "p99 ms", "p99.9 ms", "errors", "service CPU ms/req", "PostgreSQL CPU ms/req")
    row(*["---"] + ["---:"] * 7)
    for name, title in WORKLOAD_NAMES:
        w = s[name]
        row(title, f"{w['rps']:.0f}", ms(w["p50_us"]), ms(w["p99_us"]), ms(w["p999_us"]), w["errors"],
            w["service_cpu_ms_per_request"], w["postgres_cpu_ms_per_request"])
    pr = result["processor"]
    row(f"create through the processor simulator ({pr['latency_ms']} ms a call, {pr['connections']} connections)",
        f"{pr['rps']:.0f}", ms(pr["p50_us"]), ms(pr["p99_us"]), ms(pr["p999_us"]), pr["errors"],
        pr["service_cpu_ms_per_request"], pr["postgres_cpu_ms_per_request"])
    k = result["container"]
    for name in (n for n in ("create", "mixed") if n in k):
        w = k[name]
        row(f"{name}, container configuration", f"{w['rps']:.0f}", ms(w["p50_us"]), ms(w["p99_us"]), ms(w["p999_us"]),
            w["errors"], w["service_cpu_ms_per_request"], w["postgres_cpu_ms_per_request"])
    for name in ("create", "replay"):
        row(f"pgbench, the service's {name} SQL", f"{p[name]['tps']:.0f} tps", f"{p[name]['latency_avg_ms']} (mean)",
            "", "", p[name]["failed"], "", "")
    r, st, m, d = result["ratios"], result["startup"], c["machine"], c["durability"]
    purge = s["create_during_purge"]["purge"]
    print()
    print(f"- service/pgbench: create **{r['create']:.2f}** (target >= 0.70), replay **{r['replay']:.2f}** (target >= 0.40)")
    print(f"- create during the purge: {s['create_during_purge']['rps'] / s['create']['rps']:.2f} of create; the purge "
          f"deleted {purge['deleted']:,} of {purge['backlog']:,} expired keys ({purge['deleted_per_second']:,}/s)")
    line = f"- start-up to the first successful request, median of {len(st['plain']['runs_ms'])}: plain " \
           f"**{st['plain']['median_ms'] / 1000:.1f} s**"
    if "aot" in st:
        line += f", AOT cache **{st['aot']['median_ms'] / 1000:.1f} s** " \
                f"({st['aot']['median_ms'] / st['plain']['median_ms']:.2f} of plain)"
    print(line)
    cg = k.get("cgroup")
    if "exited" in k or "error" in k:
        print(f"- **the service in the container configuration failed**: exit status {k.get('exited')}, "
              f"{k.get('error', '')}; cgroup {cg}")
    print(f"- peak RSS, container configuration ({k['memory_limit']} memory limit, `{k['jvm_opts']}`: heap max "
          f"{k['max_heap_mb']} MiB, {k['gc']}): **{k['peak_rss_mb']} MB**"
          + (f" (the cgroup's peak charge, the pages first touched in it, {cg['peak_mb']:.0f} MB; OOM kills {cg['oom_kills']})"
             if cg else " (no memory cgroup here: sized for the limit, not held to it)")
          + f"; with the benchmark's options: {result['peak_rss_mb']['at_end']} MB")
    print(f"- noise: create at the start and at the end of the run: {s['create']['rps']:.0f} and "
          f"{s['create_again']['rps']:.0f} req/s ({s['create_again']['rps'] / s['create']['rps']:.2f})")
    print(f"- machine: {m['cpus']} vCPUs ({m['cpu']}), {m['memory_gib']} GiB, {c['uname']}, shared by wrk, the "
          f"service and PostgreSQL; {c['java']}, `{c['jvm_opts']}`, {c['connections']} connections, {c['duration_s']} s "
          f"per workload after {c['warmup_s']} s of warm-up")
    print(f"- PostgreSQL {c['postgres']}: " + ", ".join(f"{k_} {v}" for k_, v in d.items()))
    if "previous_release" in result:
        pv = result["previous_release"]
        print(f"- create, this release against the previous one side by side: {pv['current']['rps']:.0f} against "
              f"{pv['previous']['rps']:.0f} req/s ({pv['create_rps_current_over_previous']:.2f})")
        if "replay_rps" in pv:
            print(f"- replay, this release against the previous one side by side: {pv['replay_rps']['current']:.0f} "
                  f"against {pv['replay_rps']['previous']:.0f} req/s ({pv['replay_rps_current_over_previous']:.2f})")
    print(f"- database check: {result['database']}")
    print(f"- processor run: pool active max {pr['pool_active_max']} (mean {pr['pool_active_mean']}) of "
          f"{pr['pool_max_size']}; charges {pr['charges']}, payments charged more than once "
          f"{pr['payments_with_more_than_one_charge']}")


def arguments(pg_port, port, warmup):
    """The options every benchmark's orchestrator takes; each adds its own."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--java", required=True)
    parser.add_argument("--plain", required=True, help="fast-jar directory (a target/quarkus-app copy)")
    parser.add_argument("--jvm-opts", default="")
    parser.add_argument("--pg-port", type=int, default=pg_port)
    parser.add_argument("--port", type=int, default=port)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=int, default=20, help="seconds per measured workload")
    parser.add_argument("--warmup", type=int, default=warmup, help="seconds of mixed load before measuring")
    parser.add_argument("--replay-keys", type=int, default=1000)
    parser.add_argument("--lock-timeout-ms", type=int, default=5000)
    return parser


def main():
    parser = arguments(55433, 8095, 180)
    parser.add_argument("--aot", help="aot-jar directory; trained here first when it has no app.aot")
    parser.add_argument("--aot-training", type=int, default=60, help="seconds of mixed load in the AOT training run")
    parser.add_argument("--startup-runs", type=int, default=3)
    parser.add_argument("--service-log-level", default="INFO")
    parser.add_argument("--previous", help="fast-jar directory of the previous release, for the side-by-side create")
    parser.add_argument("--processor-latency-ms", type=int, default=100)
    parser.add_argument("--processor-connections", type=int, default=256)
    parser.add_argument("--purge-backlog", type=int, default=300_000, help="expired keys for create during the purge")
    parser.add_argument("--container-memory", default="512m", help="the container's memory limit (docker-compose.yml's)")
    parser.add_argument("--previous-rounds", type=int, default=2, help="alternate runs of each against --previous")
    parser.add_argument("--only-previous", action="store_true",
                        help="only the side-by-side create and replay against --previous (a few minutes)")
    args = parser.parse_args()
    args.run_id = time.strftime("%Y%m%d-%H%M%S")
    os.makedirs(RESULTS, exist_ok=True)
    if args.only_previous:
        pv = previous_release(args)
        print(json.dumps(pv, indent=2))
        print(f"- create, this release against the previous one side by side: {pv['current']['rps']:.0f} against "
              f"{pv['previous']['rps']:.0f} req/s ({pv['create_rps_current_over_previous']:.2f})")
        print(f"- replay, this release against the previous one side by side: {pv['replay_rps']['current']:.0f} "
              f"against {pv['replay_rps']['previous']:.0f} req/s ({pv['replay_rps_current_over_previous']:.2f})")
        return

    result = {"run": args.run_id, "config": {
        "connections": args.connections, "duration_s": args.duration, "warmup_s": args.warmup,
        "jvm_opts": args.jvm_opts, "java": subprocess.run([args.java, "-version"], capture_output=True,
                                                           text=True).stderr.splitlines()[0],
        "cpus": os.cpu_count(), "postgres": psql(args, "SHOW server_version"),
        "uname": " ".join(os.uname()[:3]), "machine": machine(), "durability": durability(args)}}

    variants = [("plain", args.plain, False)] + ([("aot", args.aot, True)] if args.aot else [])
    if args.aot:
        train_aot(args)
    log("measuring start-up")
    result["startup"] = measure_startup(args, variants)

    log("starting the plain fast-jar for the workloads")
    # the purge every second instead of every minute: through the whole of create during the purge
    service = Service(args, args.plain, False, args.port, extra_env={"PAYMENTS_IDEMPOTENCY_CLEANUP_INTERVAL": "1s"})
    service.first_success(service.start())
    try:
        make_replay_keys(args, args.port)
        warm = []
        rounds = max(1, args.warmup // 30)
        for i in range(rounds):
            w = wrk(args, "mixed.lua", args.port, max(1, args.warmup // rounds), f"warmup{i}")
            warm.append(round(w["rps"]))
            log(f"warm-up {i + 1}/{rounds}: {w['rps']:.0f} req/s")
        result["warmup_rps"] = warm
        s = result["service"] = {}
        p = result["pgbench"] = {}
        # pgbench runs right after the service's run of the same transaction (the service idles
        # meanwhile), so both meet the database at the same size
        limits = {"create": ("create.sql", [("run", args.run_id), ("n", 0), ("rows", 1)]),
                  "replay": ("replay.sql", [("replay_prefix", f"replay-{args.run_id}-"),
                                            ("replay_keys", args.replay_keys)])}
        for name, script in (("create", "create.lua"), ("replay", "replay.lua"), ("race", "race.lua"),
                             ("mixed", "mixed.lua")):
            settle(args)
            s[name] = wrk(args, script, args.port, args.duration, name)
            log(f"{name}: {s[name]['rps']:.0f} req/s, p99 {ms(s[name]['p99_us'])} ms, errors {s[name]['errors']}")
            if name == "create":
                after_create = service.peak_rss_mb()
            if name in limits:
                settle(args)
                p[name] = pgbench(args, *limits[name])
                log(f"pgbench {name}: {p[name]['tps']:.0f} tps, failed {p[name]['failed']}")
        half = s["create"]["rps"] / 2
        delay = max(1, round(1000 * args.connections / half))
        settle(args)
        s["create_rate_limited"] = wrk(args, "create.lua", args.port, args.duration, "create-rate-limited",
                                       extra_env={"BENCH_DELAY_MS": str(delay)})
        s["create_rate_limited"]["target_rps"] = round(half)
        log(f"create at half rate: {s['create_rate_limited']['rps']:.0f} req/s, "
            f"p99 {ms(s['create_rate_limited']['p99_us'])} ms")
        # the reads, on the payments the run has made so far
        ids = os.path.join(RESULTS, f"{args.run_id}-ids.txt")
        sample_ids(args, ids, 10000)
        for name, mode in READ_MODES.items():
            settle(args)
            s[name] = wrk(args, "read.lua", args.port, args.duration, name,
                          extra_env={"BENCH_READ": mode, "BENCH_IDS": ids})
            log(f"{name}: {s[name]['rps']:.0f} req/s, p99 {ms(s[name]['p99_us'])} ms, errors {s[name]['errors']}")
        s["create_during_purge"] = create_during_purge(args, args.port, "purge", args.purge_backlog)
        log(f"create during the purge: {s['create_during_purge']['rps']:.0f} req/s, "
            f"purge {s['create_during_purge']['purge']}")
        # the first workload again, last: how far this machine's speed moved over the run
        settle(args)
        s["create_again"] = wrk(args, "create.lua", args.port, args.duration, "create-again")
        log(f"create again: {s['create_again']['rps']:.0f} req/s (first: {s['create']['rps']:.0f})")
        result["peak_rss_mb"] = {"after_create": after_create, "at_end": service.peak_rss_mb()}
    finally:
        service.stop()

    log("the service in the container configuration")
    result["container"] = container_configuration(args)
    log("create through the processor simulator over HTTP")
    result["processor"] = processor_workload(args)
    if args.previous:
        log("create and replay with the demo adapter: this release and the previous one, side by side")
        result["previous_release"] = previous_release(args)

    result["ratios"] = {"create": s["create"]["rps"] / result["pgbench"]["create"]["tps"],
                        "replay": s["replay"]["rps"] / result["pgbench"]["replay"]["tps"]}
    result["database"] = check_database(args)

    write_results(result, os.path.join(RESULTS, args.run_id), chart, print_table)

    errors = sum(w["errors"] for w in s.values()) + result["processor"]["errors"] \
        + sum(result["container"][w]["errors"] for w in ("create", "mixed") if w in result["container"]) \
        + (1 if "exited" in result["container"] or "error" in result["container"] else 0) \
        + result["processor"]["payments_with_more_than_one_charge"]
    db = result["database"]
    if errors or db["payments_without_a_key_duplicates"] or db["keys_without_answer"] \
            or db["bench_payments"] != db["payments_with_their_key"]:
        log("FAILED: errors or duplicate payments")
        sys.exit(1)


if __name__ == "__main__":
    main()
