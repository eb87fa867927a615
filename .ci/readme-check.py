#!/usr/bin/env python3
"""Runs README's quick start and curl walkthrough exactly as written, and checks what README claims.

Every ```bash block of the "Quick start" and "The lost response, by example" sections is executed:
`./mvnw quarkus:dev` in the background (the walkthrough talks to it), `./mvnw verify` in the
foreground unless CI has just run it (README_TEST_COMMAND_DONE=1). The walkthrough blocks run in
one shell, in order, so variables like KEY carry over. The ```http or ```json block that follows a
command in README is what README claims it prints; each claim is checked:
  - the status line's code,
  - each header shown (and Idempotent-Replayed is absent where README shows none),
  - problem "type"s shown in the body,
  - ids: blocks that show the same example id (in "id" or Location) must print the same real id,
  - JSON fields shown for a list.
Every http://localhost URL the quick start names (the playground, Swagger UI, health, metrics) must
answer 200 from the dev instance, the root with the playground page.
Exits non-zero on the first claim that does not hold. Standard library only.
"""
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECTIONS = ("## Quick start", "## The lost response, by example")
READY_URL = "http://localhost:9000/q/health/ready"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
EXAMPLE_ID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{8}-\.\.\."
MARK = "@@README-BLOCK-END@@"


def fail(message):
    print(f"README CHECK FAILED: {message}")
    sys.exit(1)


def blocks_of(section_title, text):
    """(language, body) of each fenced block in a '## ' section, its '###' subsections included."""
    start = text.index(section_title)
    end = text.find("\n## ", start + len(section_title))
    section = text[start:end if end > 0 else len(text)]
    return re.findall(r"```(\w*)\n(.*?)```", section, flags=re.S)


def wait_ready(seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(READY_URL, timeout=2) as r:
                if r.status == 200:
                    return True
        except Exception:
            pass
        time.sleep(2)
    return False


def run_quick_start(block):
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip() and not line.startswith("#")]
    dev_cmd = next(c for c in commands if "quarkus:dev" in c)
    test_cmd = next(c for c in commands if "verify" in c)
    if os.environ.get("README_TEST_COMMAND_DONE") == "1":
        print(f"quick start: `{test_cmd}` already ran in this CI run")
    else:
        print(f"quick start: running `{test_cmd}`")
        if subprocess.call(test_cmd, shell=True, cwd=ROOT) != 0:
            fail(f"`{test_cmd}` failed")
    print(f"quick start: starting `{dev_cmd}` in the background (log: target/readme-dev.log)")
    os.makedirs(os.path.join(ROOT, "target"), exist_ok=True)
    log = open(os.path.join(ROOT, "target", "readme-dev.log"), "w")
    dev = subprocess.Popen(dev_cmd, shell=True, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, start_new_session=True)
    if not wait_ready(420):
        stop(dev)
        os.system(f"tail -40 {os.path.join(ROOT, 'target', 'readme-dev.log')}")
        fail(f"`{dev_cmd}` did not become ready on {READY_URL}")
    print("quick start: the service is ready")
    return dev


def stop(process):
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
    except Exception:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except Exception:
            pass


def parse_http(output):
    """Status, lower-cased headers, body of `curl -i` output (the last response in it)."""
    text = output.replace("\r\n", "\n")
    starts = [m.start() for m in re.finditer(r"^HTTP/\S+ \d{3}", text, flags=re.M)]
    if not starts:
        return None, {}, text
    head, _, body = text[starts[-1]:].partition("\n\n")
    lines = head.split("\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


def check_claims(number, command, output, expected_lang, expected, ids):
    where = f"walkthrough command {number} ({command.splitlines()[0].strip()} ...)"
    if expected_lang == "http":
        status, headers, body = parse_http(output)
        exp_status, exp_headers, exp_body = parse_http(expected)
        if status != exp_status:
            fail(f"{where}: README shows status {exp_status}, got {status}\n{output}")
        for name, value in exp_headers.items():
            if name not in headers:
                fail(f"{where}: README shows header {name}, the response has none\n{output}")
            if name == "idempotent-replayed" and headers[name] != value:
                fail(f"{where}: {name} is {headers[name]}, README shows {value}")
            if name == "content-type" and not headers[name].startswith(value):
                fail(f"{where}: Content-Type is {headers[name]}, README shows {value}")
            if name == "location" and not re.fullmatch("/(payments|refunds)/" + UUID, headers[name]) \
                    or name == "location" and headers[name].split("/")[1] != value.split("/")[1]:
                fail(f"{where}: Location {headers[name]} is not like README's {value}")
        if "idempotent-replayed" not in exp_headers and "idempotent-replayed" in headers:
            fail(f"{where}: README shows no Idempotent-Replayed, the response is marked replayed")
        for exp_type in re.findall(r'"type":"([^"]+)"', exp_body):
            if f'"type":"{exp_type}"' not in body:
                fail(f"{where}: README shows problem type {exp_type}\n{output}")
        # the resource's own id: its "id" field, or its Location (other ids in a body, such as a
        # refund's payment_id, are not what the block is about)
        example_ids = (re.findall(r'"id":"((?:' + EXAMPLE_ID + r'))"', exp_body)
                       + re.findall(EXAMPLE_ID, exp_headers.get("location", "")))
        actual = re.search(r'"id":"(' + UUID + r')"', body) or re.search("(" + UUID + ")", headers.get("location", ""))
        for example in set(example_ids):
            if not actual:
                fail(f"{where}: README shows id {example}, the response has none")
            if example in ids and ids[example] != actual.group(1):
                fail(f"{where}: README shows the same id as before, got {actual.group(1)} "
                     f"instead of {ids[example]}")
            ids.setdefault(example, actual.group(1))
        print(f"  ok: {exp_status}" + "".join(f", {n}" for n in exp_headers))
    elif expected_lang == "json":
        claimed = json.loads(expected)
        try:
            got = json.loads(output)
        except ValueError:
            fail(f"{where}: README shows JSON, got\n{output}")
        for key in claimed:
            if key not in got:
                fail(f"{where}: README shows field {key}, the response has none\n{output}")
        print("  ok: fields " + ", ".join(claimed))


def check_links(section):
    """Each local URL in the section answers 200 (redirects followed); the root serves the playground."""
    urls = sorted(set(u.rstrip(".,;:") for u in re.findall(r"http://localhost:(?:8080|9000)[^\s)`\]]*", section)))
    for url in urls:
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                body = r.read().decode("utf-8", "replace")
                if r.status != 200:
                    fail(f"{url} answered {r.status}")
        except Exception as e:
            fail(f"{url} named in the quick start does not answer 200: {e}")
        if url.rstrip("/") == "http://localhost:8080" and "Payment service playground" not in body:
            fail(f"{url} does not lead to the playground page")
        print(f"quick start link answers 200: {url}")
    if "http://localhost:8080/" not in urls:
        fail("the quick start does not say where the playground is (http://localhost:8080/)")


def main():
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    quick = [b for lang, b in blocks_of(SECTIONS[0], text) if lang == "bash"]
    if len(quick) != 1:
        fail("the quick start must be one bash block")
    walkthrough = blocks_of(SECTIONS[1], text)
    steps = []  # (command, expected language, expected text)
    for i, (lang, body) in enumerate(walkthrough):
        if lang == "bash":
            nxt = walkthrough[i + 1] if i + 1 < len(walkthrough) and walkthrough[i + 1][0] != "bash" else (None, None)
            steps.append((body, nxt[0], nxt[1]))
    if len(steps) < 4:
        fail("expected the walkthrough's commands (key, create, retry, changed body, list)")

    dev = run_quick_start(quick[0])
    try:
        check_links(text[text.index(SECTIONS[0]):text.index(SECTIONS[1])])
        script = "set -u\n" + "".join(f"{cmd}\necho; echo '{MARK}'\n" for cmd, _, _ in steps)
        result = subprocess.run(["bash", "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
        outputs = result.stdout.split(MARK + "\n")
        if result.returncode != 0 or len(outputs) < len(steps):
            fail(f"the walkthrough's commands failed (exit {result.returncode}):\n{result.stdout}\n{result.stderr}")
        ids = {}
        for n, ((cmd, lang, expected), output) in enumerate(zip(steps, outputs), start=1):
            print(f"walkthrough command {n}: {cmd.splitlines()[0].strip()}")
            if lang:
                check_claims(n, cmd, output.strip(), lang, expected.strip(), ids)
        if len(set(ids.values())) != len(ids):
            fail(f"different example ids in README map to one resource: {ids}")
        print(f"README CHECK PASSED: {len(steps)} walkthrough commands, ids {ids}")
    finally:
        stop(dev)


if __name__ == "__main__":
    main()
