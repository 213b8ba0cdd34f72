#!/usr/bin/env python3
"""Load benchmark for a release build of Portico on the embedded SQLite database.

Measures, in one run on this machine:
  * cold start: process spawn -> first `GET /readyz` 200 on an empty database (median of N starts)
  * idle RSS after start-up, on the empty database and with the demo content (after a restart)
  * requests/s and p50/p99 latency (wrk) for /healthz, the home page, one API read, a search and a static file
    served by the same process (the ceiling the pages are compared with)
  * peak RSS of the serving process over the whole load run
Usage: bench/run.sh [--duration SECONDS] [--connections N]
"""
import argparse
import http.client
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def get(port, path, timeout=1.0):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def start(binary, data_dir, port, demo=False):
    args = [binary, "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", data_dir]
    if demo:
        args.append("--demo")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTICO_")}
    env["PORTICO_LOG_LEVEL"] = "warn"
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        if proc.poll() is not None:
            sys.exit(f"portico exited early with {proc.returncode}")
        try:
            status, _ = get(port, "/readyz", timeout=0.2)
            if status == 200:
                return proc, time.perf_counter() - t0
        except OSError:
            pass
        if time.perf_counter() - t0 > 30:
            proc.kill()
            sys.exit("portico did not become ready within 30 s")
        time.sleep(0.001)


def rss_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def stop(proc):
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


def to_ms(text):
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    if not m:
        return float("nan")
    v, unit = float(m.group(1)), m.group(2)
    return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v


def wrk(port, path, duration, connections, threads):
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", f"http://127.0.0.1:{port}{path}"],
        capture_output=True, text=True, check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = to_ms(re.search(r"\s50%\s+(\S+)", out).group(1))
    p99 = to_ms(re.search(r"\s99%\s+(\S+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, p50, p99, int(errors.group(1)) if errors else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/release/portico"))
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--starts", type=int, default=7)
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install wrk)")

    # Cold start on an empty database, several times.
    starts, idle = [], []
    for _ in range(args.starts):
        d = tempfile.mkdtemp(prefix="portico-bench-")
        port = free_port()
        proc, secs = start(args.binary, d, port)
        starts.append(secs * 1000)
        time.sleep(1.0)
        idle.append(rss_kib(proc.pid, "VmRSS"))
        stop(proc)
        shutil.rmtree(d, ignore_errors=True)

    # Load, with the demo content so the home page shows its task cards.
    d = tempfile.mkdtemp(prefix="portico-bench-")
    port = free_port()
    proc, _ = start(args.binary, d, port, demo=True)
    time.sleep(1.0)
    first_demo = rss_kib(proc.pid, "VmRSS")  # includes hashing the demo passwords (Argon2id, 19 MiB each)
    stop(proc)
    proc, _ = start(args.binary, d, port, demo=True)  # the steady state: a restart on the same data
    time.sleep(1.0)
    idle_demo = rss_kib(proc.pid, "VmRSS")
    status, home = get(port, "/")
    assert status == 200, status
    css = re.search(rb'href="(/static/app\.[0-9a-f]+\.css)"', home).group(1).decode()
    targets = [("static file (ceiling)", css), ("GET /healthz", "/healthz"), ("GET / (home page)", "/"),
               ("GET /api/v1/portal", "/api/v1/portal"), ("GET /search (home-page search)", "/search?q=refund")]
    for _, path in targets:  # warm up
        wrk(port, path, 2, args.connections, args.threads)
    results = []
    for name, path in targets:
        results.append((name, path) + wrk(port, path, args.duration, args.connections, args.threads))
    peak = rss_kib(proc.pid, "VmHWM")
    stop(proc)
    shutil.rmtree(d, ignore_errors=True)

    ceiling = results[0][2]
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    lines = [
        f"Machine: {os.cpu_count()} cores, {cpu}; wrk -t{args.threads} -c{args.connections} -d{args.duration}s on the same machine.",
        "",
        f"Cold start to /readyz 200 (empty SQLite, {args.starts} starts): median {statistics.median(starts):.0f} ms, "
        f"min {min(starts):.0f} ms, max {max(starts):.0f} ms",
        f"Idle RSS after start: median {statistics.median(idle) / 1024:.1f} MiB (empty database); "
        f"{idle_demo / 1024:.1f} MiB with the demo content (restarted; {first_demo / 1024:.1f} MiB right after the "
        f"first start, which hashes the demo passwords)",
        f"Peak RSS during the load run: {peak / 1024:.1f} MiB",
        "",
        "| endpoint | requests/s | p50 ms | p99 ms | non-2xx | vs static ceiling |",
        "|---|---|---|---|---|---|",
    ]
    for name, path, rps, p50, p99, errs in results:
        lines.append(f"| {name} `{path}` | {rps:,.0f} | {p50:.2f} | {p99:.2f} | {errs} | {rps / ceiling:.0%} |")
    report = "\n".join(lines)
    print(report)
    os.makedirs(os.path.join(ROOT, "bench/out"), exist_ok=True)
    with open(os.path.join(ROOT, "bench/out/latest.md"), "w") as f:
        f.write(report + "\n")


if __name__ == "__main__":
    main()
