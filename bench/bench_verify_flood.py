"""Valid-badge latency on the public verifier, alone and under a flood of poison requests from
one address (issue #8: the flood must not raise everyone else's latency; target: p99 within
20 % of the baseline).

Run by hand: ``python bench/bench_verify_flood.py [--proxy] [--server gunicorn] …`` (``--help``
lists the options). It starts the app in a separate process behind one trusted proxy hop, so
that ``X-Forwarded-For`` names the client (``--server werkzeug``: werkzeug's threaded server;
``gunicorn``: as README "Deployment" runs it, two gthread workers of four threads, counting
clients in Redis), with ``--lane-workers`` quarantine lane workers per web process (default 1,
as deployed), then measures valid-badge verifications, ``--rate`` a second (default 50), each
from its own address (many employers scanning QR codes):

1. baseline, for half of ``--seconds`` (default 30);
2. flood, for ``--seconds``, while ``--threads`` threads (default 50) of another, niced process
   (the attacker's machine would be elsewhere) send poison requests from one address as fast
   as they are answered, from 3 s before: a 150 KiB credential with ten endorsements, each
   signed (by a did:key, which resolves offline) over 150 alignment objects, so every request
   asks for eleven heavy canonicalizations plus the JSON-LD checks. ``--addresses``
   (default 1, the issue's flood) spreads the threads over that many addresses: with 50, each
   has its own rate limit, so the poison is verified, not refused;
3. baseline again, for half of ``--seconds``, 2 s after the flood stopped. Measuring before
   and after puts a drift of the machine's speed during the run on both phases alike.

``--threads 0`` runs the same with no attacker: the spread of its ratios over several runs is
what this machine's noise alone does to the figure (the control for any flood's ratio).

With ``--proxy`` both phases go through nginx (Debian package ``nginx``) configured with the
shipped ``deploy/nginx`` files, as README "Deployment" says, except that the client's address
is read from the ``X-Forwarded-For`` the bench's clients send (standing in for
``$binary_remote_addr``, since every client of the bench connects from 127.0.0.1).

The bench prints both p50/p99 latencies, the ratio of the p99s, what the flood was answered, the
server's web processes' CPU use in each phase (load-independent: what the flood made the server
do) and the machine's load average (other work on the machine skews every wall-clock figure).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def flood_address(number: int) -> str:
    """The attacker's ``number``-th address (10.66.0.0/16)."""
    return f"10.66.{number // 250}.{number % 250 + 1}"


BENCH_REDIS = "redis://127.0.0.1:6379/15"


def overrides(workdir: Path, lane_workers: int = 1) -> dict:
    return {
        "VERIFY_LANE_WORKERS": lane_workers,
        "ENV_NAME": "test",
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite'}",
        "KEYS_DIR": str(workdir / "keys"),
        "KEY_SCRYPT_N": 2**10,
        "PUBLIC_BASE_URL": "https://badges.example.org",
        "ISSUER_DOMAIN": "badges.example.org",
        "PROXY_FIX_HOPS": 1,
    }


def serve(workdir: Path, port: int, lane_workers: int) -> None:
    """The server process: the app as configured, threaded, until killed."""
    import logging

    from werkzeug.serving import make_server

    from wsgi import create_app

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    # terminate() is SIGTERM: exit as gunicorn's workers do, stopping the quarantine lane
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app = create_app(overrides(workdir, lane_workers))
    make_server("127.0.0.1", port, app, threaded=True).serve_forever()


def served_app():
    """The app gunicorn serves (``bench.bench_verify_flood:served_app()``), configured from
    ``BENCH_WORKDIR`` and ``BENCH_LANE_WORKERS``."""
    from wsgi import create_app

    workdir = Path(os.environ["BENCH_WORKDIR"])
    return create_app(overrides(workdir, int(os.environ["BENCH_LANE_WORKERS"])))


def start_server(workdir: Path, port: int, lane_workers: int, server: str) -> subprocess.Popen:
    """The app on 127.0.0.1:``port``: werkzeug's threaded server in one process, or gunicorn
    as README "Deployment" runs it (``-k gthread -w 2 --threads 4 --keep-alive 5``)."""
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    if server == "werkzeug":
        command = [sys.executable, __file__, "--serve", str(workdir), str(port), str(lane_workers)]
        return subprocess.Popen(command, env=env)
    if server != "gunicorn":
        raise SystemExit(f"server must be werkzeug or gunicorn, not {server!r}")
    env |= {
        "BENCH_WORKDIR": str(workdir),
        "BENCH_LANE_WORKERS": str(lane_workers),
        # Deployment: every web worker counts the same clients (the bench's own Redis database,
        # emptied first so that an earlier run's counts do not carry over)
        "BADGES_RATE_LIMIT_STORAGE_URL": BENCH_REDIS,
    }
    import redis

    redis.Redis.from_url(BENCH_REDIS).flushdb()
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        *("-k", "gthread", "-w", "2", "--threads", "4", "--keep-alive", "5"),
        *("-b", f"127.0.0.1:{port}", "--log-level", "warning"),
        "bench.bench_verify_flood:served_app()",
    ]
    return subprocess.Popen(command, env=env, cwd=ROOT)


def flood(port: int, body_file: Path, threads: int, addresses: int, first: int) -> None:
    """The attacker's process (niced, as if it ran elsewhere): ``threads`` closed loops of
    poison requests from ``addresses`` addresses (numbered from ``first``) until its standard
    input closes; then prints what they were answered and exits (requests still waiting in
    nginx are dropped)."""
    os.nice(19)
    body = body_file.read_bytes()
    stopped = threading.Event()
    answers: Counter[int] = Counter()

    def loop(address: str) -> None:
        while not stopped.is_set():
            try:
                status, _ = post(port, body, address)
            except OSError:
                status = 0
            if not stopped.is_set():
                answers[status] += 1

    for index in range(threads):
        address = flood_address(first + index % addresses)
        threading.Thread(target=loop, args=(address,), daemon=True).start()
    sys.stdin.read()  # the bench closes it to end the flood
    stopped.set()
    print(json.dumps(dict(answers)), flush=True)
    os._exit(0)


def _credential(serial: str, issuer: dict, achievement_extra: dict | None = None) -> dict:
    from issuer.credential_builder import build_achievement_credential

    now = datetime.now(UTC)
    achievement = {
        "id": "https://badges.example.org/achievements/health-care",
        "type": ["Achievement"],
        "achievementType": "Badge",
        "name": "Health Care Industry Badge",
        "description": "Awarded by a certified pathway for meeting Sutter Health's criteria.",
        "criteria": {"narrative": "120 hours of clinical work-based learning; CPR/BLS."},
    } | (achievement_extra or {})
    return build_achievement_credential(
        credential_id=f"urn:uuid:{serial}",
        issuer=issuer,
        recipient_email="ana.student@example.org",
        recipient_salt="9f2c1e0a",
        achievement=achievement,
        valid_from=now - timedelta(days=1),
        valid_until=now + timedelta(days=700),
    )


def bodies(workdir: Path) -> tuple[bytes, bytes]:
    """(a valid badge signed by the app's key, the poison credential)."""
    from issuer.database import make_engine, upgrade
    from keys.did import did_key_for
    from keys.keypairs import KeyPair
    from keys.proofs import create_proof
    from wsgi import create_app

    upgrade(make_engine(overrides(workdir)["DATABASE_URL"]))
    signer = create_app(overrides(workdir)).extensions["signer"]
    signer.key_store.generate(("Ed25519",))
    issuer = {"id": signer.issuer_did, "type": ["Profile"], "name": "Linked Learning Alliance"}
    valid = signer.sign_ldp(_credential(str(uuid.uuid4()), issuer))

    alignments = [
        {
            "type": ["Alignment"],
            "targetName": f"Competency {index}",
            "targetUrl": f"https://competencies.example/{index}",
        }
        for index in range(150)
    ]
    endorsements = []
    for _ in range(10):
        stranger = KeyPair.generate("Ed25519")
        did = did_key_for(stranger.public_key)
        method = f"{did}#{stranger.public_key.to_multikey()}"
        endorsement = _credential(
            str(uuid.uuid4()),
            {"id": did, "type": ["Profile"], "name": "Endorser"},
            {"alignment": alignments},
        )
        endorsements.append(
            create_proof(endorsement, stranger, method, created="2026-11-01T00:00:00Z")
        )
    poison = _credential(str(uuid.uuid4()), issuer)
    # the credential's own proof is a copy (its canonicalization stops at the blank-node cap)
    poison["proof"] = valid["proof"]
    poison["endorsement"] = endorsements
    return json.dumps(valid).encode(), json.dumps(poison).encode()


def post(port: int, body: bytes, address: str) -> tuple[int, float]:
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/json", "X-Forwarded-For": address}
    connection.request("POST", "/api/v1/verify", body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status, time.perf_counter() - started


def latencies(
    port: int, body: bytes, seconds: float, rate: float, first: int = 0
) -> tuple[list[float], Counter[int]]:
    """Valid-badge verifications started ``rate`` a second for ``seconds`` (one at a time; a
    slow answer delays the next, a fast one waits for its slot), each from its own address
    (numbered from ``first``): the seconds each answered 200 took, and every status answered
    (a refusal, 429 or 503, is counted, not timed: the badge was not checked)."""
    times, statuses = [], Counter[int]()
    started = time.monotonic()
    for index in range(first, first + int(seconds * rate)):
        time.sleep(max(0.0, started + (index - first) / rate - time.monotonic()))
        status, took = post(port, body, f"198.51.{index // 250}.{index % 250 + 1}")
        statuses[status] += 1
        if status == 200:
            times.append(took)
    return times, statuses


def p99(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[max(0, int(len(ordered) * 0.99) - 1)]


def cpu_seconds(pid: int, children: bool = False) -> float:
    """User + system CPU seconds so far of process ``pid``, with ``children`` also of its
    direct children (gunicorn's web workers; not their own children, the niced quarantine
    lane) (Linux ``/proc``)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process has gone
            continue
        if stat.parent.name == str(pid) or (children and fields[1] == str(pid)):
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


NGINX_CONF = """
daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log error;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/nginx-body;
    proxy_temp_path {tmp}/nginx-proxy;
    fastcgi_temp_path {tmp}/nginx-fastcgi;
    uwsgi_temp_path {tmp}/nginx-uwsgi;
    scgi_temp_path {tmp}/nginx-scgi;
    client_body_buffer_size 1m;
    include {tmp}/badges-limits.conf;
    upstream badges_app {{ server 127.0.0.1:{app_port}; keepalive 16; keepalive_timeout 4s; }}
    server {{
        listen 127.0.0.1:{port};
        include {tmp}/badges-locations.conf;
    }}
}}
"""
DEPLOY_NGINX = ROOT / "deploy" / "nginx"


def proxy_conf(workdir: Path, app_port: int, port: int) -> Path:
    """nginx.conf for the bench: the shipped ``deploy/nginx`` files, with the client's address
    read from the bench's ``X-Forwarded-For`` (every bench client connects from 127.0.0.1)."""
    for name in ("badges-limits.conf", "badges-locations.conf"):
        text = (DEPLOY_NGINX / name).read_text()
        text = text.replace("$binary_remote_addr", "$http_x_forwarded_for")
        text = text.replace("$proxy_add_x_forwarded_for", "$http_x_forwarded_for")
        (workdir / name).write_text(text)
    conf = workdir / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=workdir, app_port=app_port, port=port))
    return conf


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_proxy(workdir: Path, app_port: int) -> tuple[subprocess.Popen, int]:
    """nginx in front of the app (README "Deployment"), and the port it listens on."""
    port = free_port()
    conf = proxy_conf(workdir, app_port, port)
    return subprocess.Popen(["nginx", "-c", str(conf), "-p", str(workdir)]), port


def main(
    seconds: float = 30.0,
    rate: float = 50.0,
    flood_threads: int = 50,
    addresses: int = 1,
    lane_workers: int = 1,
    proxy: bool = False,
    server_kind: str = "werkzeug",
    runs: int = 1,
) -> None:
    load_before = os.getloadavg()[0]
    phases = ("baseline", "flood")
    times: dict[str, list[float]] = {phase: [] for phase in phases}  # every run's, pooled
    statuses: dict[str, Counter[int]] = {phase: Counter() for phase in phases}
    busy: dict[str, list[float]] = {phase: [0.0, 0.0] for phase in phases}
    ratios: list[float] = []
    answers: Counter[str] = Counter()
    gunicorn = server_kind == "gunicorn"
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        valid, poison = bodies(workdir)
        poison_file = workdir / "poison.json"
        poison_file.write_bytes(poison)
        app_port = free_port()
        server = start_server(workdir, app_port, lane_workers, server_kind)
        nginx, port = start_proxy(workdir, app_port) if proxy else (None, app_port)

        def measure(phase: str, length: float, first: int) -> list[float]:
            started, cpu = time.monotonic(), cpu_seconds(server.pid, gunicorn)
            answered_in, answered = latencies(port, valid, length, rate, first)
            times[phase] += answered_in
            statuses[phase].update(answered)
            busy[phase][0] += cpu_seconds(server.pid, gunicorn) - cpu
            busy[phase][1] += time.monotonic() - started
            return answered_in

        try:
            for answering in (app_port, port):  # the app first: nginx answers 502 until then
                for _ in range(100):
                    try:
                        post(answering, b"{}", "192.0.2.1")
                        break
                    except OSError:
                        time.sleep(0.1)
            latencies(port, valid, 1.0, rate, 100_000)  # warm-up
            for run in range(runs):
                # Baseline, flood, baseline: a drift of the machine's speed during the run
                # falls on both phases alike. Each run's attacker has new addresses.
                baseline = measure("baseline", seconds / 2, 0)
                attacker = subprocess.Popen(
                    [
                        *(sys.executable, __file__, "--flood", str(port), str(poison_file)),
                        *(str(flood_threads), str(addresses), str(run * addresses)),
                    ],
                    env=os.environ | {"PYTHONPATH": str(ROOT)},
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                )
                time.sleep(3.0)  # the flood is under way (and its first requests have run)
                flooded = measure("flood", seconds, 0)
                answers.update(json.loads(attacker.communicate("")[0]))
                time.sleep(2.0)  # what the flood started has finished
                baseline += measure("baseline", seconds / 2, 50_000)
                if baseline and flooded:
                    ratios.append(p99(flooded) / p99(baseline))
        finally:
            if nginx is not None:
                nginx.terminate()
                nginx.wait(timeout=10)
                log = (workdir / "nginx-error.log").read_text().splitlines()
                errors = [line for line in log if "[error]" in line or "[crit]" in line]
            server.terminate()
            server.wait(timeout=10)

    print(
        f"poison request body: {len(poison) / 1024:.0f} KiB from {addresses} address(es), "
        f"{flood_threads} threads; flood answered {dict(answers)} in {runs} x {seconds + 3:g} s; "
        f"lane workers: {lane_workers} per web process; server: {server_kind}; "
        f"{'behind nginx (deploy/nginx)' if proxy else 'no proxy in front'}; valid badges "
        f"{rate:g} a second, {seconds:g} s under the flood and {seconds / 2:g} s before and "
        f"after, {runs} run(s)"
    )
    if nginx is not None and errors:
        print(f"nginx logged {len(errors)} error(s); the first: {errors[0]}")
        print(f"                              the last: {errors[-1]}")
    for phase in phases:
        if not times[phase]:
            print(f"{phase:>10}: no valid badge was answered 200 ({dict(statuses[phase])})")
            return
        cpu = busy[phase][0] / busy[phase][1]
        print(
            f"{phase:>10}: p50 {statistics.median(times[phase]) * 1000:6.1f} ms"
            f"   p99 {p99(times[phase]) * 1000:6.1f} ms"
            f"   (valid badges answered {dict(statuses[phase])})"
            f"   server web process CPU {cpu:.2f} s/s"
        )
    print(f"load average (1 min): {load_before:.2f} before, {os.getloadavg()[0]:.2f} after")
    each = ", ".join(f"x{ratio:.2f}" for ratio in ratios)
    ratio = p99(times["flood"]) / p99(times["baseline"])
    verdict = "within" if ratio <= 1.2 else "NOT within"
    print(f"p99 under flood / baseline p99, each run: {each}")
    print(
        f"p99 under flood / baseline p99, all runs pooled: x{ratio:.2f} ({verdict} the 20 % target)"
    )


def arguments() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--seconds",
        type=float,
        default=30.0,
        help="seconds measured under the flood (half as long before and after; default 30)",
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=50.0,
        help="valid-badge verifications started a second (default 50)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=50,
        dest="flood_threads",
        help="the attacker's closed loops (default 50)",
    )
    parser.add_argument(
        "--addresses",
        type=int,
        default=1,
        help="addresses the flood comes from (default 1, the issue's)",
    )
    parser.add_argument(
        "--lane-workers",
        type=int,
        default=1,
        help="quarantine lane workers per web process (0: none; default 1)",
    )
    parser.add_argument(
        "--proxy", action="store_true", help="put nginx with deploy/nginx's files in front"
    )
    parser.add_argument(
        "--server",
        choices=("werkzeug", "gunicorn"),
        default="werkzeug",
        dest="server_kind",
        help="werkzeug's threaded server, or gunicorn as "
        "deployed (-k gthread -w 2 --threads 4, rate limits in Redis)",
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=1,
        help="baseline-flood-baseline runs on one server, each flood from new addresses; "
        "p99s are given per run and pooled (default 1)",
    )
    return vars(parser.parse_args())


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--serve":
        serve(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
    elif len(sys.argv) == 7 and sys.argv[1] == "--flood":
        flood(int(sys.argv[2]), Path(sys.argv[3]), *(int(arg) for arg in sys.argv[4:7]))
    else:
        main(**arguments())
