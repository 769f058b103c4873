"""Valid-badge latency on the public verifier, alone and under a flood of poison requests from
one address (issue #8: the flood must not raise everyone else's latency; target: p99 within
20 % of the baseline).

Run by hand: ``python bench/bench_verify_flood.py [valid_requests] [flood_threads]
[flood_addresses] [lane_workers] [proxy]``. It starts the app in a separate process (a threaded WSGI
server on 127.0.0.1, behind one trusted proxy hop so that ``X-Forwarded-For`` names the client;
``VERIFY_LANE_WORKERS`` = ``lane_workers``, default 1 as deployed), then:

1. baseline: ``valid_requests`` verifications of a valid badge, one at a time, each from its
   own address (many employers scanning QR codes);
2. flood: the same, while ``flood_threads`` threads (default 50) of another, niced process
   (the attacker's machine would be elsewhere) send poison requests from one address as fast
   as they are answered, measured once the flood has run 3 s: a 150 KiB credential with ten endorsements, each
   signed (by a did:key, which resolves offline) over 150 alignment objects, so every request
   asks for eleven heavy canonicalizations plus the JSON-LD checks. ``flood_addresses``
   (default 1, the issue's flood) spreads the threads over that many addresses: with 50, each
   has its own rate limit, so the poison is verified rather than refused;

With ``proxy`` 1, both phases go through nginx (Debian package ``nginx``) in front of the app,
configured as README "Deployment" says: one address's connections and request rate on the
verifier's paths capped before they reach Python (keyed here by the ``X-Forwarded-For`` the
bench's clients send, standing in for ``$binary_remote_addr``, since every client of the bench
connects from 127.0.0.1).

The bench prints both p50/p99 latencies, the ratio of the p99s, what the flood was answered, the
server process's CPU use in each phase (load-independent: what the flood made the server do)
and the machine's load average (other work on the machine skews every wall-clock figure).
"""

from __future__ import annotations

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

FLOOD_ADDRESS = "203.0.113.66"


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


def flood(port: int, body_file: Path, threads: int, seconds: float, addresses: int) -> None:
    """The attacker's process (niced, as if it ran elsewhere): ``threads`` closed loops of
    poison requests from ``addresses`` addresses for ``seconds``; prints what they were
    answered."""
    os.nice(19)
    body = body_file.read_bytes()
    stop = time.monotonic() + seconds
    answers: Counter[int] = Counter()

    def loop(address: str) -> None:
        while time.monotonic() < stop:
            try:
                status, _ = post(port, body, address)
            except OSError:
                status = 0
            answers[status] += 1

    prefix = FLOOD_ADDRESS.rsplit(".", 1)[0]
    workers = [
        threading.Thread(target=loop, args=(f"{prefix}.{66 + index % addresses}",))
        for index in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    print(json.dumps(dict(answers)), flush=True)


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


def latencies(port: int, body: bytes, count: int) -> tuple[list[float], Counter[int]]:
    """Seconds each valid-badge verification answered 200 took, and every status answered
    (a refusal, 429 or 503, is counted, not timed: the badge was not checked)."""
    times, statuses = [], Counter[int]()
    for index in range(count):
        status, seconds = post(port, body, f"198.51.{index // 250}.{index % 250 + 1}")
        statuses[status] += 1
        if status == 200:
            times.append(seconds)
    return times, statuses


def p99(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[max(0, int(len(ordered) * 0.99) - 1)]


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
    client_max_body_size 1m;
    client_body_buffer_size 1m;
    # Deployment: one address's connections and rate on the verifier's paths.
    limit_conn_zone $http_x_forwarded_for zone=verify_conn:10m;
    limit_req_zone $http_x_forwarded_for zone=verify_rate:10m rate=1r/s;
    limit_conn_status 429;
    limit_req_status 429;
    upstream app {{ server 127.0.0.1:{app_port}; }}
    server {{
        listen 127.0.0.1:{port};
        location ~ ^/(verify|api/v1/) {{
            limit_conn verify_conn 2;
            limit_req zone=verify_rate burst=10 nodelay;
            proxy_set_header X-Forwarded-For $http_x_forwarded_for;
            proxy_pass http://app;
        }}
        location / {{
            proxy_set_header X-Forwarded-For $http_x_forwarded_for;
            proxy_pass http://app;
        }}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_proxy(workdir: Path, app_port: int) -> tuple[subprocess.Popen, int]:
    """nginx in front of the app (README "Deployment"), and the port it listens on."""
    port = free_port()
    conf = workdir / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=workdir, app_port=app_port, port=port))
    return subprocess.Popen(["nginx", "-c", str(conf), "-p", str(workdir)]), port


def main(
    valid_requests: int = 200,
    flood_threads: int = 50,
    addresses: int = 1,
    lane_workers: int = 1,
    proxy: int = 0,
) -> None:
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        valid, poison = bodies(workdir)
        app_port = free_port()
        server = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(workdir), str(app_port), str(lane_workers)],
            env=os.environ | {"PYTHONPATH": str(ROOT)},
        )
        nginx, port = start_proxy(workdir, app_port) if proxy else (None, app_port)
        try:
            for answering in (app_port, port):  # the app first: nginx answers 502 until then
                for _ in range(100):
                    try:
                        post(answering, b"{}", "192.0.2.1")
                        break
                    except OSError:
                        time.sleep(0.1)
            latencies(port, valid, 20)  # warm-up
            started, cpu = time.monotonic(), cpu_seconds(server.pid)
            baseline, baseline_answers = latencies(port, valid, valid_requests)
            server_cpu = [(cpu_seconds(server.pid) - cpu) / (time.monotonic() - started)]

            poison_file = workdir / "poison.json"
            poison_file.write_bytes(poison)
            expected = max(5.0, valid_requests * 0.1)
            attacker = subprocess.Popen(
                [
                    *(sys.executable, __file__, "--flood", str(port), str(poison_file)),
                    *(str(flood_threads), str(expected + 3.0), str(addresses)),
                ],
                env=os.environ | {"PYTHONPATH": str(ROOT)},
                stdout=subprocess.PIPE,
                text=True,
            )
            time.sleep(3.0)  # the flood is under way (and its first requests have run)
            started, cpu = time.monotonic(), cpu_seconds(server.pid)
            flooded, flooded_answers = latencies(port, valid, valid_requests)
            server_cpu.append((cpu_seconds(server.pid) - cpu) / (time.monotonic() - started))
            answers = json.loads(attacker.communicate(timeout=600)[0] or "{}")
        finally:
            if nginx is not None:
                nginx.terminate()
                nginx.wait(timeout=10)
            server.terminate()
            server.wait(timeout=10)

    print(
        f"poison request body: {len(poison) / 1024:.0f} KiB from {addresses} address(es); "
        f"flood answered {answers}; lane workers: {lane_workers}; "
        f"{'behind nginx (Deployment limits)' if proxy else 'no proxy in front'}"
    )
    phases = (
        ("baseline", baseline, baseline_answers),
        (f"flood x{flood_threads}", flooded, flooded_answers),
    )
    for (name, times, answered), cpu in zip(phases, server_cpu, strict=True):
        if not times:
            print(f"{name:>10}: no valid badge was answered 200 ({dict(answered)})")
            return
        print(
            f"{name:>10}: p50 {statistics.median(times) * 1000:6.1f} ms"
            f"   p99 {p99(times) * 1000:6.1f} ms   (valid badges answered {dict(answered)})"
            f"   server web process CPU {cpu:.2f} s/s"
        )
    print(f"load average (1 min): {load_before:.2f} before, {os.getloadavg()[0]:.2f} after")
    ratio = p99(flooded) / p99(baseline)
    verdict = "within" if ratio <= 1.2 else "NOT within"
    print(f"p99 under flood / baseline p99: x{ratio:.2f} ({verdict} the 20 % target)")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--serve":
        serve(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
    elif len(sys.argv) == 7 and sys.argv[1] == "--flood":
        flood(
            int(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]),
            int(sys.argv[6]),
        )  # fmt: skip
    else:
        main(*(int(arg) for arg in sys.argv[1:6]))
