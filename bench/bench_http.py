"""HTTP throughput of the pages an employer's scan hits and of the verify API, under gunicorn,
measured with wrk (Debian package ``wrk``) from the same machine.

Run by hand: ``python bench/bench_http.py [--workers 2] [--threads 4] [--seconds 10]``.
It builds a fresh PostgreSQL schema (or BENCH_DATABASE_URL) with the demo data, starts
``gunicorn 'wsgi:create_app()'`` and prints, per endpoint, requests/s, p50 and p99 latency and
the server's CPU time per request (its workers' user + system time over the run divided by
the requests served: the capacity, less skewed by other load than requests/s; PostgreSQL's
own CPU is not in it) and the ratio to the same server's ceiling measured in the same run: a
versioned static file.
Each endpoint is warmed up for 3 s first (not measured): what a worker builds once is not
a per-request cost. Rate limits and the per-address concurrency gate are raised for the run (wrk is one client
address; in production they protect the others from it).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from issuer.database import make_engine  # noqa: E402
from issuer.models import Award  # noqa: E402

DATABASE = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _flask(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], env=env, cwd=ROOT, check=True,
                   capture_output=True)  # fmt: skip


def server_cpu_seconds(session_id: int) -> float:
    """CPU time (user + system) used so far by every process of the server's session: the
    gunicorn master and its workers (``/proc/<pid>/stat`` fields 14 and 15)."""
    ticks = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # it ended meanwhile
        if int(fields[3]) == session_id:  # field 6, the session id, after pid and (comm)
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def _wait_until_idle(server: int, limit_seconds: float = 120) -> None:
    """Until the server used less than 10 ms of CPU in half a second (or the limit passed)."""
    deadline = time.monotonic() + limit_seconds
    while time.monotonic() < deadline:
        before = server_cpu_seconds(server)
        time.sleep(0.5)
        if server_cpu_seconds(server) - before < 0.01:
            return


def wrk(
    url: str, seconds: int, server: int, script: Path | None = None
) -> tuple[float, float, float, float]:
    """(requests/s, p50 ms, p99 ms, server CPU ms per request) of ``wrk -t2 -c32 --latency``
    against the server whose session id is ``server``."""
    lua = ["-s", str(script)] if script is not None else []
    # wrk's default 2 s timeout drops slow answers from the count and the percentiles (while
    # the server still spends CPU on them): on a loaded machine that read as 0 req/s.
    command = ["wrk", *lua, "-t2", "-c32", f"-d{seconds}s", "--timeout", "30s", "--latency", url]
    # Warm-up, not measured: each worker's first requests build what a process keeps (pinned
    # contexts processed, schemas compiled, templates, the first verification of the badge).
    warm_up = ["wrk", *lua, "-t2", "-c8", "-d3s", "--timeout", "30s", url]
    subprocess.run(warm_up, capture_output=True, check=True)
    _wait_until_idle(server)  # what wrk left running is finished, not charged to the run
    cpu_before = server_cpu_seconds(server)
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    cpu = server_cpu_seconds(server) - cpu_before
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non_2xx:
        raise SystemExit(f"{url}: {non_2xx.group(1)} error responses\n{out}")

    def percentile(name: str) -> float:
        value, unit = re.search(rf"\s{name}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return rate, percentile("50"), percentile("99"), 1000 * cpu / max(requests, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")
    schema = f"bench_{secrets.token_hex(4)}"
    with make_engine(DATABASE).begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(DATABASE).update_query_dict({"options": f"-csearch_path={schema}"})
    database_url = url.render_as_string(hide_password=False)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "BADGES_DATABASE_URL": database_url,
            "BADGES_KEYS_DIR": str(Path(folder) / "keys"),
            "BADGES_PUBLIC_BASE_URL": base,
            "BADGES_ISSUER_DOMAIN": f"127.0.0.1%3A{port}",
            "BADGES_VERIFY_RATE_LIMIT": "100000000",
            "BADGES_VERIFY_MAX_CONCURRENT_PER_CLIENT": "64",  # wrk is one address
            "BADGES_VERIFY_MAX_CONCURRENT": "64",
        }
        for command in (["db", "upgrade"], ["keys", "generate"], ["demo", "seed"]):
            _flask(env, *command)
        with Session(make_engine(database_url)) as session:
            award = session.scalars(
                select(Award).where(Award.revoked_at.is_(None)).order_by(Award.id)
            ).first()
            credential = award.credential_json
            uuid = award.credential_id.removeprefix("urn:uuid:")
        body = Path(folder) / "post.lua"
        body.write_text(
            'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
            f"wrk.body = {json.dumps(json.dumps(credential))}\n"
        )
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", str(args.workers), "--threads", str(args.threads),
             "-b", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:create_app()"],
            env=env, cwd=ROOT, start_new_session=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    home = urllib.request.urlopen(base + "/", timeout=2).read().decode()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.3)
            static = re.search(r'href="(/static/app\.css\?v=[0-9a-f]+)"', home).group(1)
            ceiling = wrk(base + static, args.seconds, server.pid)
            print(f"gunicorn -w {args.workers} --threads {args.threads}; wrk -t2 -c32 "
                  f"-d{args.seconds}s, same machine")  # fmt: skip
            print(f"{'endpoint':<32} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
                  f"{'CPU ms/req':>11} {'of ceiling':>11}")  # fmt: skip
            rows = [
                ("GET static file (ceiling)", ceiling),
                ("GET /verify/<uuid> (QR scan)",
                 wrk(f"{base}/verify/{uuid}", args.seconds, server.pid)),
                ("GET /badges/<uuid>", wrk(f"{base}/badges/{uuid}", args.seconds, server.pid)),
                ("POST /api/v1/verify",
                 wrk(base + "/api/v1/verify", args.seconds, server.pid, body)),
            ]  # fmt: skip
            for name, (rate, p50, p99, cpu) in rows:
                print(f"{name:<32} {rate:8.0f} {p50:8.1f} {p99:8.1f} {cpu:11.2f} "
                      f"{rate / ceiling[0]:10.0%}")  # fmt: skip
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
            with make_engine(DATABASE).begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


if __name__ == "__main__":
    main()
