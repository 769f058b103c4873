"""Run the independent Node.js OB 3.0 implementation (tests/interop/interop.mjs) from pytest.

Usage in a test::

    import pytest
    from tests.interop.node_interop import node_available, run_interop

    pytestmark = [
        pytest.mark.interop,
        pytest.mark.skipif(not node_available(), reason="npm ci --prefix tests/interop"),
    ]

    def test_node_verifies_ours(tmp_path):
        result = run_interop("verify", str(path_to_our_credential))
        assert result["verified"], result["errors"]

Install the Node side with ``npm ci --prefix tests/interop``. The CLI contract is in
tests/interop/README.md. No pytest import here: the module is usable from any script.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

INTEROP_DIR = Path(__file__).resolve().parent
SCRIPT = INTEROP_DIR / "interop.mjs"
NODE_MODULES = INTEROP_DIR / "node_modules"
INSTALL_HINT = "npm ci --prefix tests/interop"

# the packages interop.mjs imports; all must be installed
_REQUIRED_PACKAGES = (
    "@digitalbazaar/vc",
    "@digitalbazaar/data-integrity",
    "@digitalbazaar/eddsa-rdfc-2022-cryptosuite",
    "@digitalbazaar/ed25519-multikey",
    "@digitalbazaar/ecdsa-multikey",
    "base58-universal",
    "jose",
    "jsonld",
)
_MIN_NODE_MAJOR = 20


class InteropError(RuntimeError):
    """interop.mjs failed: exit code != 0, a timeout, or output that is not one JSON object.

    ``returncode`` is None for a timeout or a missing node; ``result`` is the parsed JSON
    printed on stdout when there was one (exit 2 prints ``{"error": "..."}``).
    """

    def __init__(
        self,
        message: str,
        *,
        returncode: int | None = None,
        stdout: str = "",
        stderr: str = "",
        result: dict | None = None,
    ) -> None:
        super().__init__(message)
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.result = result


def _node() -> str | None:
    return os.environ.get("NODE") or shutil.which("node")


def node_available() -> bool:
    """True when node (>= 20) is on PATH and tests/interop/node_modules is installed."""
    node = _node()
    if not node or not SCRIPT.is_file():
        return False
    if not all((NODE_MODULES / name / "package.json").is_file() for name in _REQUIRED_PACKAGES):
        return False
    try:
        out = subprocess.run(
            [node, "--version"], capture_output=True, text=True, timeout=15, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return False
    version = out.stdout.strip().lstrip("v")
    try:
        return out.returncode == 0 and int(version.split(".")[0]) >= _MIN_NODE_MAJOR
    except ValueError:
        return False


def run_interop(*args: str, timeout: float = 60, check: bool = True) -> dict:
    """Run ``node tests/interop/interop.mjs *args`` and return the JSON object it printed.

    Relative paths in ``args`` are resolved against the current working directory (the
    script is not run from another directory). Raises InteropError, with the exit code,
    stdout and stderr, when the script exits non-zero (2 = unusable input, 1 = internal
    error) unless ``check`` is False, when it times out, or when stdout is not one JSON
    object. A credential that does not verify is not an error: ``{"verified": false}``.
    """
    node = _node()
    if not node:
        raise InteropError(f"node is not on PATH (install Node >= 20, then {INSTALL_HINT})")
    if not (NODE_MODULES / "@digitalbazaar" / "vc").is_dir():
        raise InteropError(f"{NODE_MODULES} is not installed: run {INSTALL_HINT}")
    cmd = [node, str(SCRIPT), *(str(a) for a in args)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise InteropError(
            f"interop.mjs {' '.join(cmd[2:])} timed out after {timeout}s",
            stdout=_text(exc.stdout),
            stderr=_text(exc.stderr),
        ) from exc
    result: dict | None = None
    try:
        parsed = json.loads(proc.stdout)
        if isinstance(parsed, dict):
            result = parsed
    except json.JSONDecodeError:
        pass
    if (proc.returncode != 0 and check) or result is None:
        detail = (result or {}).get("error") or proc.stdout.strip()[:2000]
        raise InteropError(
            f"interop.mjs {' '.join(cmd[2:])} exited {proc.returncode}: {detail}\n"
            f"stderr:\n{proc.stderr.strip()[:4000]}",
            returncode=proc.returncode,
            stdout=proc.stdout,
            stderr=proc.stderr,
            result=result,
        )
    return result


def _text(value: bytes | str | None) -> str:
    if value is None:
        return ""
    return value.decode(errors="replace") if isinstance(value, bytes) else value


# thin wrappers over the three commands


def verify(path: str | os.PathLike, *did_docs: str | os.PathLike, now: str | None = None) -> dict:
    """``verify FILE [--did-doc DOC ...] [--now ISO]`` -> {verified, format, errors, warnings};
    for a JSON-LD credential also ``endorsements``: one {id, issuer, issuer_name, verified,
    errors} per embedded OB 3.0 endorsement, each verified with its endorser's key."""
    args = ["verify", str(path)]
    for doc in did_docs:
        args += ["--did-doc", str(doc)]
    if now is not None:
        args += ["--now", now]
    return run_interop(*args)


def issue(outdir: str | os.PathLike) -> dict:
    """``issue OUTDIR`` -> {"written": [...]} and returns OUTDIR/manifest.json parsed as well."""
    result = run_interop("issue", str(outdir))
    manifest = json.loads((Path(outdir) / "manifest.json").read_text(encoding="utf-8"))
    return {**result, "manifest": manifest}


def canonize(path: str | os.PathLike, *, mode: str | None = None) -> dict:
    """``canonize FILE [--without-proof | --data-integrity]`` -> {"nquads": ..., ...}."""
    args = ["canonize", str(path)]
    if mode is not None:
        if mode not in ("without-proof", "data-integrity"):
            raise ValueError(f"mode must be 'without-proof' or 'data-integrity', not {mode!r}")
        args.append(f"--{mode}")
    return run_interop(*args)
