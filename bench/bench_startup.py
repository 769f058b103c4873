"""Command start-up: ``flask --app wsgi --help``, ``keys list`` and ``jobs list`` against the
floor every command pays, starting Python and importing Flask's CLI (``python -c "import
flask.cli"``), in the same run.

Run by hand: ``python bench/bench_startup.py [runs]`` (default 7). Each command runs in a new
process on an empty, migrated SQLite database and key folder in a temporary directory. Figures
are the child's CPU seconds (user + sys, the least of the runs, so other load on the machine
skews them little) and the median wall-clock seconds (which load does skew: quote ``uptime``).
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]
COMMANDS = {
    "floor: python -c 'import flask.cli'": [sys.executable, "-c", "import flask.cli"],
    "flask --app wsgi --help": [*FLASK, "--help"],
    "flask --app wsgi keys list": [*FLASK, "keys", "list"],
    "flask --app wsgi jobs list": [*FLASK, "jobs", "list"],
}


def measure(command: list[str], env: dict[str, str], runs: int) -> tuple[float, float]:
    """(least CPU seconds, median wall seconds) of ``runs`` runs of ``command``."""
    cpu, wall = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
        wall.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return min(cpu), statistics.median(wall)


def main(runs: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "BADGES_DATABASE_URL": f"sqlite:///{Path(folder) / 'badges.sqlite'}",
            "BADGES_KEYS_DIR": str(Path(folder) / "keys"),
        }
        subprocess.run([*FLASK, "db", "upgrade"], cwd=ROOT, env=env, check=True)
        print(f"load average {os.getloadavg()[0]:.2f} (1 min), {runs} runs each")
        floor = None
        for name, command in COMMANDS.items():
            cpu, wall = measure(command, env, runs)
            floor = floor or cpu
            print(f"{name:<40} CPU {cpu:.3f} s (x{cpu / floor:.1f} floor)  wall {wall:.3f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
