"""verifier.network against a local HTTP server on 127.0.0.1 (the test-only allowance), and
with fake DNS answers for the address checks. Nothing leaves the machine."""

import gzip
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from verifier.network import NetworkPolicy, NetworkResolver, did_document_url
from verifier.resolvers import ResolutionError

DOCUMENT = {"id": "https://issuer.example/keys", "assertionMethod": []}


class Handler(BaseHTTPRequestHandler):
    hits: ClassVar[dict[str, int]] = {}

    def log_message(self, *args):  # keep test output quiet
        pass

    def _send(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        Handler.hits[self.path] = Handler.hits.get(self.path, 0) + 1
        if self.path == "/doc.json":
            self._send(200, json.dumps(DOCUMENT).encode(), [("Content-Type", "application/json")])
        elif self.path == "/redirect":
            self._send(302, headers=[("Location", "http://169.254.169.254/latest/meta-data")])
        elif self.path == "/big":
            self._send(200, b'{"a": "' + b"x" * 300_000 + b'"}')
        elif self.path == "/bomb":
            self._send(200, gzip.compress(b" " * 20_000_000), [("Content-Encoding", "gzip")])
        elif self.path == "/gzipped":
            self._send(
                200, gzip.compress(json.dumps(DOCUMENT).encode()), [("Content-Encoding", "gzip")]
            )
        elif self.path == "/slow":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"{")
            self.wfile.flush()
            time.sleep(2)
        elif self.path == "/array":
            self._send(200, b"[1, 2]")
        elif self.path == "/missing":
            self._send(404, b"not here")
        else:
            self._send(200, b"<html>not json</html>")


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture
def local():
    return NetworkResolver(NetworkPolicy(allow_loopback=True, total_timeout=1.0))


def test_fetches_a_json_document_plain_or_gzipped(server, local):
    assert local.resolve(f"{server}/doc.json#key-1") == DOCUMENT
    assert local.resolve(f"{server}/gzipped") == DOCUMENT


def test_without_the_test_allowance_loopback_and_http_are_refused(server):
    resolver = NetworkResolver()
    with pytest.raises(ResolutionError, match="only https"):
        resolver.resolve(f"{server}/doc.json")
    with pytest.raises(ResolutionError, match="IP address literals are refused"):
        resolver.resolve("https://127.0.0.1/doc.json")
    with pytest.raises(ResolutionError, match="IP address literals are refused"):
        resolver.resolve("https://[::1]/doc.json")
    with pytest.raises(ResolutionError, match="user information"):
        resolver.resolve("https://user:pw@issuer.example/doc.json")


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.5",
        "127.0.0.1",
        "169.254.169.254",
        "192.168.1.1",
        "::1",
        "fe80::1",
        "224.0.0.1",
        "::ffff:10.0.0.1",
        "100.64.0.1",
        "240.0.0.1",
    ],
)
def test_host_names_resolving_to_non_public_addresses_are_refused(address):
    resolver = NetworkResolver(resolve_host=lambda host, port: ["93.184.215.14", address])
    with pytest.raises(ResolutionError, match="private or reserved address: refused"):
        resolver.resolve("https://issuer.example/doc.json")


def test_the_vetted_address_is_the_one_connected_to(monkeypatch):
    connected = []

    def fake_connect(address, timeout):
        connected.append(address)
        raise OSError("stop here")

    monkeypatch.setattr("verifier.network.socket.create_connection", fake_connect)
    resolver = NetworkResolver(resolve_host=lambda host, port: ["93.184.215.14"])
    with pytest.raises(ResolutionError, match="could not connect"):
        resolver.resolve("https://issuer.example/doc.json")
    assert connected == [("93.184.215.14", 443)]


def test_redirects_are_not_followed(server, local):
    with pytest.raises(ResolutionError, match="redirects are not followed"):
        local.resolve(f"{server}/redirect")


def test_size_caps_hold_on_the_wire_and_after_gzip(server, local):
    with pytest.raises(ResolutionError, match="larger than 262144 bytes"):
        local.resolve(f"{server}/big")
    with pytest.raises(ResolutionError, match="decompresses to more than 262144 bytes"):
        local.resolve(f"{server}/bomb")


def test_the_total_time_limit_holds(server, local):
    started = time.monotonic()
    with pytest.raises(ResolutionError):
        local.resolve(f"{server}/slow")
    assert time.monotonic() - started < 1.9


def test_errors_and_non_json_answers(server, local):
    with pytest.raises(ResolutionError, match="HTTP 404"):
        local.resolve(f"{server}/missing")
    with pytest.raises(ResolutionError, match="usable JSON"):
        local.resolve(f"{server}/page.html")
    with pytest.raises(ResolutionError, match="not answer a JSON object"):
        local.resolve(f"{server}/array")


def test_answers_are_cached_for_their_time_to_live(server):
    now = [0.0]
    resolver = NetworkResolver(
        NetworkPolicy(allow_loopback=True, cache_ttl=60), clock=lambda: now[0]
    )
    before = Handler.hits.get("/gzipped", 0)
    resolver.resolve(f"{server}/gzipped")
    resolver.resolve(f"{server}/gzipped#x")
    assert Handler.hits["/gzipped"] == before + 1
    now[0] = 61.0
    resolver.resolve(f"{server}/gzipped")
    assert Handler.hits["/gzipped"] == before + 2


def test_did_web_urls():
    assert (
        did_document_url("did:web:issuer.example") == "https://issuer.example/.well-known/did.json"
    )
    assert did_document_url("did:web:issuer.example%3A8443:org:42") == (
        "https://issuer.example:8443/org/42/did.json"
    )
    with pytest.raises(ResolutionError):
        did_document_url("did:web:")


def test_did_web_documents_must_carry_the_did_as_their_id():
    resolver = NetworkResolver()
    fetched = []

    def fake_fetch(url):
        fetched.append(url)
        return {"id": "did:web:someone.else"}

    resolver.fetch = fake_fetch
    with pytest.raises(ResolutionError, match="has another id"):
        resolver.resolve("did:web:issuer.example#key-1")
    assert fetched == ["https://issuer.example/.well-known/did.json"]
    with pytest.raises(ResolutionError, match="cannot resolve"):
        resolver.resolve("did:example:123")
