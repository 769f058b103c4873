"""Class 6, the network: the verifier's fetches of did:web documents and status lists, attacked.

* Order: nothing is fetched for a credential whose proof failed; an unresolvable did:web key
  is one attempt (its DID document) and the status list is never asked for.
* Scheme: https only; http, ftp, file, data and gopher are refused without a DNS lookup.
* IP literals in any spelling (dotted, IPv6, IPv4-mapped, and the decimal, octal, hex and short
  forms the C library reads as addresses) are refused before any lookup.
* Resolved addresses: a host name answering a private, loopback, link-local, CGNAT, multicast,
  reserved or site-local address is refused; an answer mixing a public and a private address
  is refused as a whole (nothing is connected, not even to the public one), and the address
  connected to is the one vetted (one lookup: a second answer cannot rebind it).
* No redirects, whatever the 3xx; connect and total time limits, the total one holding against
  a server that accepts and never answers and against one dripping a byte at a time into a
  header or chunk-size line; the size cap on the wire and after gzip, with the decompression
  bounded in memory; the cache.

tests/verifier_web/test_network.py has the plain cases (a document fetched plain and gzipped,
one redirect, one size cap, one slow body, 404 and non-JSON answers); this module adds the
attacks. A real socket is used only where one is needed, to a server on 127.0.0.1 that the test
itself started (``NetworkPolicy(allow_loopback=True)``); elsewhere the host lookup is a fake
``resolve_host`` and the connection a fake that records and refuses. The guard of
tests/security/conftest.py refuses (and fails the test on) every other connection or lookup.
"""

from __future__ import annotations

import gzip
import json
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from keys.did import did_key_for
from keys.keypairs import KeyPair
from keys.proofs import create_proof
from tests.security.conftest import failed
from tests.verifier.conftest import NOW, STATUS_LIST_URL, make_credential
from verifier.inputs import ParsedInput
from verifier.network import NetworkPolicy, NetworkResolver
from verifier.resolvers import ChainResolver, OfflineResolver, ResolutionError
from verifier.verification import VerificationContext, verify

# The real socket functions, taken before any test's guard replaces them.
_REAL_CONNECT = socket.socket.connect
_REAL_GETADDRINFO = socket.getaddrinfo
PUBLIC = "93.184.215.14"  # a public address; nothing ever connects to it here


# -- the loopback allowance ---------------------------------------------------------------


@dataclass
class Loopback:
    """Lets connections to 127.0.0.1 on the ports of servers a test started through the
    guard, and records them; everything else still goes to the guard, which refuses it."""

    ports: set[int] = field(default_factory=set)
    connections: list[tuple[str, int]] = field(default_factory=list)

    def allows(self, address: Any) -> bool:
        return (
            isinstance(address, tuple)
            and len(address) >= 2
            and address[0] == "127.0.0.1"
            and address[1] in self.ports
        )


@pytest.fixture
def loopback(no_network: list, monkeypatch: pytest.MonkeyPatch) -> Loopback:
    allowance = Loopback()
    refuse_connection = socket.create_connection
    refuse_connect = socket.socket.connect
    refuse_lookup = socket.getaddrinfo

    def create_connection(address: Any, timeout: Any = None, *args: Any, **kwargs: Any) -> Any:
        if not allowance.allows(address):
            return refuse_connection(address, timeout, *args, **kwargs)
        allowance.connections.append(address)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout)
            _REAL_CONNECT(sock, address)
        except BaseException:
            sock.close()
            raise
        return sock

    def connect(sock: socket.socket, address: Any) -> Any:
        if not allowance.allows(address):
            return refuse_connect(sock, address)
        allowance.connections.append(address)
        return _REAL_CONNECT(sock, address)

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if not allowance.allows((host, port)):
            return refuse_lookup(host, port, *args, **kwargs)
        return _REAL_GETADDRINFO(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", create_connection)
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return allowance


class RawServer:
    """A TCP server on 127.0.0.1 whose connections ``handle`` answers byte by byte."""

    def __init__(self, handle: Callable[[socket.socket], None] | None, loopback: Loopback):
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=8)
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.requests: list[bytes] = []
        self._handle = handle
        self._stop = threading.Event()
        loopback.ports.add(self.port)
        if handle is not None:  # None: the kernel accepts, nobody ever reads or answers
            threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        self._listener.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                continue
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            try:
                request = b""
                while b"\r\n\r\n" not in request:
                    chunk = conn.recv(4096)
                    if not chunk:
                        return
                    request += chunk
                self.requests.append(request)
                assert self._handle is not None
                self._handle(conn)
            except OSError:
                pass  # the client hung up (as it should, at its deadline)

    def close(self) -> None:
        self._stop.set()
        self._listener.close()


@pytest.fixture
def serve(loopback: Loopback) -> Iterator[Callable[..., RawServer]]:
    servers: list[RawServer] = []

    def start(handle: Callable[[socket.socket], None] | None) -> RawServer:
        servers.append(RawServer(handle, loopback))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def answer(status: str, body: bytes = b"", headers: tuple[str, ...] = ()) -> Callable:
    def handle(conn: socket.socket) -> None:
        declared = any(h.lower().startswith("content-length:") for h in headers)
        length = [] if declared else [f"Content-Length: {len(body)}"]
        head = [f"HTTP/1.1 {status}", *length, *headers, "", ""]
        conn.sendall("\r\n".join(head).encode() + body)

    return handle


def local(**policy: Any) -> NetworkResolver:
    return NetworkResolver(NetworkPolicy(allow_loopback=True, **policy))


class FakeDns:
    """A ``resolve_host`` answering fixed addresses and recording every lookup."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = list(answers) or [[PUBLIC]]
        self.lookups: list[tuple[str, int]] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append((host, port))
        return self.answers[min(len(self.lookups), len(self.answers)) - 1]


# -- fetched only after the proof verified --------------------------------------------------

FOREIGN_LIST = "https://lists.example.net/status/7"


def _network_context(resolver: NetworkResolver) -> VerificationContext:
    """As the app builds it: offline (did:key) first, the network last."""
    return VerificationContext(resolver=ChainResolver(OfflineResolver(), resolver), now=lambda: NOW)


def _foreign_status() -> dict[str, str]:
    return {
        "id": FOREIGN_LIST + "#42",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "42",
        "statusListCredential": FOREIGN_LIST,
    }


def test_a_bad_signature_with_a_remote_status_list_fetches_nothing():
    key_pair = KeyPair.generate()
    did = did_key_for(key_pair.public_key)
    credential = make_credential(
        issuer={"id": did, "type": ["Profile"], "name": "Anyone"},
        credential_status=_foreign_status(),
    )
    signed = create_proof(
        credential, key_pair, f"{did}#{key_pair.public_key.to_multikey()}",
        created="2026-11-01T00:00:00Z",
    )  # fmt: skip
    signed["name"] = "A name the issuer never signed"
    dns = FakeDns()
    report = verify(ParsedInput("ldp", signed), _network_context(NetworkResolver(resolve_host=dns)))
    assert failed(report) == {
        "proof": "The proof does not verify: "
        "the signature does not match the credential and the key"
    }
    assert report.check("status").message == (
        "Skipped: the status list is fetched only for a credential whose proof verified"
    )
    assert dns.lookups == []  # and the guard saw no connection


def test_an_unresolvable_did_web_key_is_one_attempt_and_the_status_list_none(signer):
    signed = signer.sign_ldp(make_credential(credential_status=_foreign_status()))

    def unresolvable(host: str, port: int) -> list[str]:
        lookups.append((host, port))
        raise ResolutionError(f"{host} could not be resolved: Name or service not known")

    lookups: list[tuple[str, int]] = []
    report = verify(
        ParsedInput("ldp", signed),
        _network_context(NetworkResolver(resolve_host=unresolvable)),
    )
    assert failed(report) == {
        "proof": "The proof: the signing key could not be resolved: "
        "badges.example.org could not be resolved: Name or service not known"
    }
    assert report.check("status").status == "skipped"
    assert lookups == [("badges.example.org", 443)]  # the DID document's host, once


def test_after_the_proof_verified_each_document_is_fetched_once_in_order(signer, status_list):
    """The positive order: DID document, then the status list (whose own proof needs the DID
    document again: a cache hit)."""
    served = {
        "https://badges.example.org/.well-known/did.json": signer.did_document,
        STATUS_LIST_URL: status_list,
    }
    fetched: list[str] = []
    resolver = NetworkResolver(resolve_host=FakeDns())

    def fetch(url: str) -> dict[str, Any]:  # the transport, replaced: nothing connects
        fetched.append(url)
        return served[url]()

    resolver.fetch = fetch  # type: ignore[method-assign]
    report = verify(ParsedInput("ldp", signer.sign_ldp(make_credential())),
                    _network_context(resolver))  # fmt: skip
    assert report.verified, failed(report)
    assert fetched == list(served)


# -- https only -----------------------------------------------------------------------------

SCHEMES = {
    "http://issuer.example/did.json": "http://issuer.example/did.json: only https URLs are fetched",
    "ftp://issuer.example/did.json": "ftp://issuer.example/did.json: only https URLs are fetched",
    "file:///etc/passwd": "file:///etc/passwd: only https URLs are fetched",
    "data:application/json,{}": "data:application/json,{}: only https URLs are fetched",
    "gopher://issuer.example:70/_GET": (
        "gopher://issuer.example:70/_GET: only https URLs are fetched"
    ),
    "HTTP://127.0.0.1/": "HTTP://127.0.0.1/: only https URLs are fetched",
}


@pytest.mark.parametrize(("url", "message"), SCHEMES.items(), ids=list(SCHEMES))
def test_only_https_is_fetched(url, message):
    """``resolve`` routes only http(s) URLs to the network at all; ``fetch`` (what a status
    list URL or a did:web document URL reaches) refuses every scheme but https itself."""
    dns = FakeDns()
    resolver = NetworkResolver(resolve_host=dns)
    with pytest.raises(ResolutionError) as raised:
        resolver.fetch(url)
    assert str(raised.value) == message
    if not url.startswith("http://"):
        with pytest.raises(ResolutionError, match="uses a method this verifier cannot resolve"):
            resolver.resolve(url)
    assert dns.lookups == []


def test_the_loopback_allowance_does_not_open_http_to_other_hosts():
    dns = FakeDns()
    with pytest.raises(ResolutionError) as raised:
        NetworkResolver(NetworkPolicy(allow_loopback=True), resolve_host=dns).fetch(
            "http://localhost/did.json"
        )
    assert str(raised.value) == "http://localhost/did.json: only https URLs are fetched"
    assert dns.lookups == []


# -- IP literals ----------------------------------------------------------------------------

LITERALS = [
    "127.0.0.1",
    "10.0.0.1",
    "169.254.169.254",
    "93.184.215.14",  # public, but still not a host name
    "[::1]",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
    "[fe80::1%25eth0]",
    "2130706433",  # 127.0.0.1 in decimal
    "0x7f000001",  # in hex
    "017700000001",  # in octal
    "0177.0.0.1",
    "0x7f.1",
    "127.1",
    "2852039166",  # 169.254.169.254 in decimal
]


@pytest.mark.parametrize("host", LITERALS)
def test_ip_literals_in_any_spelling_are_refused_before_any_lookup(host):
    dns = FakeDns()
    url = f"https://{host}/.well-known/did.json"
    with pytest.raises(ResolutionError) as raised:
        NetworkResolver(resolve_host=dns).resolve(url)
    assert str(raised.value) == f"{url}: IP address literals are refused; use a host name"
    assert dns.lookups == []


def test_a_did_web_naming_an_address_is_refused_as_a_literal():
    dns = FakeDns()
    with pytest.raises(ResolutionError) as raised:
        NetworkResolver(resolve_host=dns).resolve("did:web:2130706433%3A8080#key-1")
    assert str(raised.value) == (
        "https://2130706433:8080/.well-known/did.json: IP address literals are refused; "
        "use a host name"
    )
    assert dns.lookups == []


# -- what the name resolves to ----------------------------------------------------------------

NON_PUBLIC = [
    "10.0.0.1",  # private
    "172.16.5.4",
    "192.168.1.1",
    "169.254.169.254",  # link-local: cloud metadata
    "127.0.0.1",  # loopback
    "0.0.0.0",  # noqa: S104 - "this host": Linux connects it to loopback
    "::1",
    "::",
    "fc00::1",  # unique local
    "fe80::1",
    "fec0::1",  # site-local (deprecated, still routed by some networks)
    "100.64.0.1",  # carrier-grade NAT
    "224.0.0.1",  # multicast
    "ff02::1",
    "240.0.0.1",  # reserved
    "255.255.255.255",
    "198.18.0.1",  # benchmarking
    "192.0.2.1",  # documentation
    "::ffff:169.254.169.254",  # IPv4-mapped
    "2002:a9fe:a9fe::1",  # 6to4 wrapping 169.254.169.254
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
]


@pytest.mark.parametrize("address", NON_PUBLIC)
def test_a_name_resolving_to_a_non_public_address_is_refused(address):
    dns = FakeDns([address])
    with pytest.raises(ResolutionError) as raised:
        NetworkResolver(resolve_host=dns).resolve("did:web:issuer.example")
    assert str(raised.value) == (
        f"issuer.example resolves to {address}, a private or reserved address: refused"
    )
    assert dns.lookups == [("issuer.example", 443)]  # and no connection (the guard)


@pytest.mark.parametrize(
    "answer", [[PUBLIC, "10.0.0.1"], ["10.0.0.1", PUBLIC], [PUBLIC, "::1", "2606:2800::1"]]
)
def test_an_answer_mixing_public_and_private_addresses_is_refused_as_a_whole(answer):
    """Documented choice: refused, not "connect to the public one" — an attacker controlling
    the zone controls which address a client library would pick."""
    private = next(a for a in answer if a not in (PUBLIC, "2606:2800::1"))
    with pytest.raises(ResolutionError) as raised:
        NetworkResolver(resolve_host=FakeDns(answer)).resolve("https://issuer.example/list")
    assert str(raised.value) == (
        f"issuer.example resolves to {private}, a private or reserved address: refused"
    )


def test_the_name_is_looked_up_once_and_the_vetted_address_connected(monkeypatch):
    """DNS rebinding: a second lookup answering 127.0.0.1 is never made."""
    dns = FakeDns([PUBLIC], ["127.0.0.1"])
    attempts: list[tuple[Any, Any]] = []

    def create_connection(address: Any, timeout: Any = None, *args: Any) -> Any:
        attempts.append((address, timeout))
        raise ConnectionRefusedError("refused by the test")

    monkeypatch.setattr(socket, "create_connection", create_connection)
    with pytest.raises(ResolutionError) as raised:
        NetworkResolver(resolve_host=dns).resolve("did:web:issuer.example")
    assert str(raised.value) == (
        "https://issuer.example/.well-known/did.json: could not connect (refused by the test)"
    )
    assert dns.lookups == [("issuer.example", 443)]
    assert attempts == [((PUBLIC, 443), 3.0)]  # the connect timeout of the default policy


# -- redirects --------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["301 Moved", "302 Found", "303 See Other", "307 Temporary",
                                    "308 Permanent"])  # fmt: skip
def test_no_redirect_is_followed(serve, loopback, status):
    server = serve(answer(status, headers=("Location: http://169.254.169.254/latest/meta-data",)))
    url = f"{server.url}/.well-known/did.json"
    with pytest.raises(ResolutionError) as raised:
        local().resolve(url)
    assert str(raised.value) == f"{url} answered with a redirect; redirects are not followed"
    assert len(server.requests) == 1
    assert loopback.connections == [("127.0.0.1", server.port)]


# -- time limits ------------------------------------------------------------------------------


def _drip(prefix: bytes, byte: bytes = b"a", every: float = 0.05, seconds: float = 5.0):
    def handle(conn: socket.socket) -> None:
        conn.sendall(prefix)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            conn.sendall(byte)
            time.sleep(every)

    return handle


SLOW = {
    "accepts and never answers": None,
    "status line never ends": _drip(b"HTTP/1.1 200 OK"),
    "a header dripped a byte at a time": _drip(b"HTTP/1.1 200 OK\r\nX-Padding: "),
    "chunk-size line dripped": _drip(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", b"0"
    ),
    "body dripped, each read in time": _drip(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n[", b" "
    ),
}


@pytest.mark.parametrize("handle", SLOW.values(), ids=list(SLOW))
def test_the_total_time_limit_holds_against_slow_servers(serve, loopback, handle):
    server = serve(handle)
    url = f"{server.url}/.well-known/did.json"
    started = time.monotonic()
    with pytest.raises(ResolutionError) as raised:
        local(connect_timeout=0.3, total_timeout=0.6).resolve(url)
    elapsed = time.monotonic() - started
    assert str(raised.value) == f"{url} took longer than 0.6 s"
    assert 0.5 < elapsed < 1.2
    assert loopback.connections == [("127.0.0.1", server.port)]


def test_the_connect_timeout_is_the_policys(monkeypatch):
    """A black-holed address never completes the handshake: the connect attempt is bounded by
    ``connect_timeout`` (a fake here: the guard forbids black holes too)."""
    attempts: list[tuple[Any, Any]] = []

    def create_connection(address: Any, timeout: Any = None, *args: Any) -> Any:
        attempts.append((address, timeout))
        raise TimeoutError("timed out")

    monkeypatch.setattr(socket, "create_connection", create_connection)
    resolver = NetworkResolver(NetworkPolicy(connect_timeout=0.25), resolve_host=FakeDns())
    with pytest.raises(ResolutionError) as raised:
        resolver.resolve("https://issuer.example/list")
    assert str(raised.value) == "https://issuer.example/list: could not connect (timed out)"
    assert attempts == [((PUBLIC, 443), 0.25)]


# -- size ---------------------------------------------------------------------------------------

CAP = 262144


def _gzip_bomb(size: int) -> bytes:
    squeeze = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"\0" * (1 << 20)
    return b"".join(squeeze.compress(block) for _ in range(size >> 20)) + squeeze.flush()


def _chunked(body: bytes, headers: str = "") -> Callable:
    def handle(conn: socket.socket) -> None:
        conn.sendall(f"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n{headers}\r\n".encode())
        for start in range(0, len(body), 16384):
            piece = body[start : start + 16384]
            conn.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
        conn.sendall(b"0\r\n\r\n")

    return handle


def test_a_gzip_bomb_is_cut_off_with_bounded_memory_and_time(serve):
    bomb = _gzip_bomb(128 << 20)  # 128 MiB of zeros in 128 KiB: well under the cap on the wire
    assert len(bomb) < CAP // 2
    server = serve(_chunked(bomb, "Content-Encoding: gzip\r\n"))
    url = f"{server.url}/bomb"
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(ResolutionError) as raised:
            local(total_timeout=5).resolve(url)
        elapsed = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(raised.value) == f"{url} decompresses to more than {CAP} bytes"
    assert elapsed < 1.0
    assert peak < 4 << 20  # a few MiB, not 128


@pytest.mark.parametrize(
    ("handle", "message"),
    [
        (_chunked(b'{"a": "' + b"x" * CAP + b'"}'), "is larger than 262144 bytes"),
        (answer("200 OK", b"{}", ("Content-Length: 99999999",)), "is larger than 262144 bytes"),
        (_chunked(gzip.compress(gzip.compress(b"{}")), "Content-Encoding: gzip, gzip\r\n"),
         "used the unsupported content encoding 'gzip, gzip'"),
        (_chunked(zlib.compress(b"{}"), "Content-Encoding: deflate\r\n"),
         "used the unsupported content encoding 'deflate'"),
        (_chunked(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff\xff", "Content-Encoding: gzip\r\n"),
         "broken gzip data (Error -3 while decompressing data: invalid block type)"),
    ],
    ids=["no length, streamed past the cap", "declared too large", "gzip twice", "deflate",
         "broken gzip"],
)  # fmt: skip
def test_size_and_encoding_refusals(serve, handle, message):
    server = serve(handle)
    url = f"{server.url}/doc"
    with pytest.raises(ResolutionError) as raised:
        local().resolve(url)
    separator = ": " if message.startswith("broken") else " "
    assert str(raised.value) == f"{url}{separator}{message}"


# -- the cache --------------------------------------------------------------------------------


def test_a_second_resolve_within_the_time_to_live_makes_no_connection(serve, loopback):
    document = {"id": "https://issuer.example/keys", "assertionMethod": []}
    server = serve(answer("200 OK", json.dumps(document).encode(),
                          ("Content-Type: application/json",)))  # fmt: skip
    now = [100.0]
    resolver = NetworkResolver(
        NetworkPolicy(allow_loopback=True, cache_ttl=60), clock=lambda: now[0]
    )
    url = f"{server.url}/keys"
    assert resolver.resolve(url) == document
    now[0] += 59
    assert resolver.resolve(f"{url}#key-1") == document
    assert loopback.connections == [("127.0.0.1", server.port)]
    now[0] += 2
    assert resolver.resolve(url) == document
    assert loopback.connections == [("127.0.0.1", server.port)] * 2


def test_a_failed_fetch_is_not_cached():
    dns = FakeDns(["10.0.0.1"])
    resolver = NetworkResolver(resolve_host=dns)
    for _ in range(2):
        with pytest.raises(ResolutionError, match="private or reserved address: refused"):
            resolver.resolve("https://issuer.example/list")
    assert len(dns.lookups) == 2
