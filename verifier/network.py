"""The verifier's only door to the network: did:web and https controller documents and status
lists, fetched as a hostile server would answer them.

* https only; user info and IP literals are refused in URLs as given;
* the host name is resolved once, every address must be public (no private, loopback,
  link-local, multicast or reserved target), and the connection goes to that vetted address
  (so a second DNS answer cannot point it elsewhere), with TLS verified for the host name;
* no redirects; a connect timeout and a total time limit (the connection is shut down at the
  deadline, so a server dripping one byte at a time cannot outlast it); a response size cap
  that also bounds the gzip-decoded body; strict JSON parsing;
* a small in-memory cache with a time-to-live.

``allow_loopback`` is for tests only: it lets ``http://127.0.0.1:<port>`` (and https on
127.0.0.1) through so a local server can stand in for the internet.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import re
import socket
import ssl
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from keys.did import InvalidDid, did_web_url
from verifier.inputs import UnusableInput, parse_json
from verifier.limits import InputLimits
from verifier.resolvers import ResolutionError, base_url, resolving_key, unbound_key_url

ACCEPT = (
    "application/did+json, application/did+ld+json, application/ld+json, application/json, "
    "application/vc+jwt;q=0.9, application/jwt;q=0.8"
)
_JWS_PART = r"[A-Za-z0-9_-]+"
_COMPACT_JWS = re.compile(rf"{_JWS_PART}\.{_JWS_PART}\.{_JWS_PART}")
USER_AGENT = "pathway-badges-verifier/0.1 (+Open Badges 3.0)"
Resolve = Callable[[str, int], list[str]]


@dataclass(frozen=True)
class NetworkPolicy:
    connect_timeout: float = 3.0
    total_timeout: float = 5.0  # a DID document or status list is a few KiB: 5 s is plenty
    max_response_bytes: int = 256 * 1024  # after gzip decoding as well as on the wire
    # DID and controller documents (fetched while resolving a key) list a few keys: 100 KB
    max_did_document_bytes: int = 100_000
    cache_ttl: float = 300.0
    cache_entries: int = 256
    allow_loopback: bool = False  # test-only: a local server on 127.0.0.1 may answer

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> NetworkPolicy:
        """``VERIFIER_NETWORK_*`` keys, each optional."""
        defaults = cls()
        return cls(
            connect_timeout=float(
                config.get("VERIFIER_NETWORK_CONNECT_TIMEOUT", defaults.connect_timeout)
            ),
            total_timeout=float(
                config.get("VERIFIER_NETWORK_TOTAL_TIMEOUT", defaults.total_timeout)
            ),
            max_response_bytes=int(
                config.get("VERIFIER_NETWORK_MAX_BYTES", defaults.max_response_bytes)
            ),
            max_did_document_bytes=int(
                config.get(
                    "VERIFIER_NETWORK_MAX_DID_DOCUMENT_BYTES", defaults.max_did_document_bytes
                )
            ),
            cache_ttl=float(config.get("VERIFIER_NETWORK_CACHE_TTL", defaults.cache_ttl)),
            allow_loopback=config.get("VERIFIER_NETWORK_ALLOW_LOOPBACK_FOR_TESTS") is True,
        )


def did_document_url(did: str) -> str:
    """The https URL of a did:web DID document (DID Web Method §3.2)."""
    try:
        return did_web_url(did)
    except InvalidDid as error:
        raise ResolutionError(str(error)) from None


def _system_resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise ResolutionError(f"{host} could not be resolved: {error.strerror}") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour  # ::ffff:a.b.c.d, 2002:aabb:ccdd::
        if embedded is not None:
            return _is_public(embedded)
        if address.is_site_local:  # fec0::/10, deprecated but still routed by some networks
            return False
    return address.is_global and not (
        address.is_multicast or address.is_reserved or address.is_link_local
    )


def _is_ip_literal(host: str) -> bool:
    """Dotted IPv4, IPv6, and every other form the C library reads as an IPv4 address:
    ``2130706433``, ``0x7f000001``, ``017700000001``, ``127.1`` (``inet_aton``)."""
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    try:
        socket.inet_aton(host)
    except (OSError, ValueError):
        return False
    return True


class _Watchdog:
    """Shuts a connection down when the total time limit is reached, whatever is reading it:
    per-read timeouts alone let a server that sends a byte now and then hold a header line
    (up to 64 KiB) or a chunk-size line open for hours."""

    def __init__(self, sock: socket.socket, seconds: float) -> None:
        self._watched = sock.dup()  # stays usable when the TLS wrapper detaches ``sock``
        self._lock = threading.Lock()
        self._fired = False
        self._timer = threading.Timer(seconds, self._cut_off)
        self._timer.daemon = True
        self._timer.start()

    def _cut_off(self) -> None:
        with self._lock:
            if self._watched.fileno() == -1:
                return
            self._fired = True
            with contextlib.suppress(OSError):
                self._watched.shutdown(socket.SHUT_RDWR)

    @property
    def fired(self) -> bool:
        return self._fired

    def stop(self) -> None:
        self._timer.cancel()
        with self._lock:
            self._watched.close()


class NetworkResolver:
    """A :class:`verifier.resolvers.DocumentResolver` that fetches over https."""

    def __init__(
        self,
        policy: NetworkPolicy | None = None,
        *,
        resolve_host: Resolve = _system_resolve,
        ssl_context: ssl.SSLContext | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.policy = policy or NetworkPolicy()
        self._resolve_host = resolve_host
        self._ssl_context = ssl_context or ssl.create_default_context()
        self._clock = clock
        self._cache: OrderedDict[str, tuple[float, dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()

    def resolve(self, url: str) -> dict[str, Any]:
        url = base_url(url)
        refusal = unbound_key_url(url)
        if refusal is not None:
            raise ResolutionError(refusal)
        if url.startswith("did:web:"):
            document = self._cached(did_document_url(url))
            if document.get("id") != url:
                raise ResolutionError(f"the DID document fetched for {url} has another id")
            return document
        if url.startswith(("https://", "http://")):
            return self._cached(url)
        raise ResolutionError(f"{url} uses a method this verifier cannot resolve")

    def _cached(self, url: str) -> dict[str, Any]:
        now = self._clock()
        with self._lock:
            hit = self._cache.get(url)
            if hit is not None and hit[0] > now:
                self._cache.move_to_end(url)
                return hit[1]
        document = self.fetch(url)
        with self._lock:
            self._cache[url] = (now + self.policy.cache_ttl, document)
            self._cache.move_to_end(url)
            while len(self._cache) > self.policy.cache_entries:
                self._cache.popitem(last=False)
        return document

    # -- fetching ----------------------------------------------------------------------

    def _target(self, url: str) -> tuple[str, str, int, str, str]:
        """(scheme, host, port, vetted address, path) or a ResolutionError saying why not."""
        parts = urlsplit(url)
        host = parts.hostname or ""
        loopback_ok = self.policy.allow_loopback and host == "127.0.0.1"
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback_ok):
            raise ResolutionError(f"{url}: only https URLs are fetched")
        if parts.username is not None or parts.password is not None:
            raise ResolutionError(f"{url}: URLs with user information are refused")
        if not host:
            raise ResolutionError(f"{url} names no host")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise ResolutionError(f"{url}: the port is not a number") from None
        if _is_ip_literal(host) and not loopback_ok:
            raise ResolutionError(f"{url}: IP address literals are refused; use a host name")
        if loopback_ok:
            address = host
        else:
            addresses = self._resolve_host(host, port)
            if not addresses:
                raise ResolutionError(f"{host} has no address")
            for candidate in addresses:
                if not _is_public(ipaddress.ip_address(candidate.split("%", 1)[0])):
                    raise ResolutionError(
                        f"{host} resolves to {candidate}, a private or reserved address: refused"
                    )
            address = addresses[0]
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return parts.scheme, host, port, address, path

    def fetch(self, url: str) -> dict[str, Any]:
        """GET ``url`` once, within the policy; the JSON object it holds."""
        scheme, host, port, address, path = self._target(url)
        deadline = self._clock() + self.policy.total_timeout
        too_slow = f"{url} took longer than {self.policy.total_timeout} s"
        try:
            sock = socket.create_connection((address, port), timeout=self.policy.connect_timeout)
        except OSError as error:
            raise ResolutionError(f"{url}: could not connect ({error})") from None
        watchdog = None
        try:
            watchdog = _Watchdog(sock, self._remaining(deadline, url))
            if scheme == "https":
                sock.settimeout(self._remaining(deadline, url))
                sock = self._ssl_context.wrap_socket(sock, server_hostname=host)
            connection = http.client.HTTPConnection(host, port)
            connection.sock = sock  # already connected to the vetted address
            headers = {"Accept": ACCEPT, "Accept-Encoding": "gzip", "User-Agent": USER_AGENT}
            connection.request("GET", path, headers=headers)
            sock.settimeout(self._remaining(deadline, url))
            response = connection.getresponse()
            if 300 <= response.status < 400:
                raise ResolutionError(f"{url} answered with a redirect; redirects are not followed")
            if response.status != 200:
                raise ResolutionError(f"{url} answered HTTP {response.status}")
            body = self._read(response, sock, deadline, url)
        except (OSError, http.client.HTTPException, ResolutionError) as error:
            if (watchdog is not None and watchdog.fired) or isinstance(error, TimeoutError):
                raise ResolutionError(too_slow) from None  # not what a cut connection looked like
            if isinstance(error, ResolutionError):
                raise
            raise ResolutionError(f"{url}: {type(error).__name__}: {error}") from None
        finally:
            if watchdog is not None:
                watchdog.stop()
            sock.close()
        if watchdog is not None and watchdog.fired:  # the body ended as the connection was cut
            raise ResolutionError(too_slow)
        return self._parse(body, url)

    def _remaining(self, deadline: float, url: str) -> float:
        remaining = deadline - self._clock()
        if remaining <= 0:
            raise ResolutionError(f"{url} took longer than {self.policy.total_timeout} s")
        return remaining

    def _cap(self) -> int:
        """Bytes allowed for the document being fetched: less for a key's document."""
        if resolving_key():
            return min(self.policy.max_response_bytes, self.policy.max_did_document_bytes)
        return self.policy.max_response_bytes

    def _read(
        self, response: http.client.HTTPResponse, sock: socket.socket, deadline: float, url: str
    ) -> bytes:
        cap = self._cap()
        declared = response.getheader("Content-Length")
        if declared and declared.isdigit() and int(declared) > cap:
            raise ResolutionError(f"{url} is larger than {cap} bytes")
        encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
        if encoding not in ("identity", "gzip"):
            raise ResolutionError(f"{url} used the unsupported content encoding {encoding!r}")
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS) if encoding == "gzip" else None
        raw, decoded = 0, bytearray()
        while True:
            sock.settimeout(self._remaining(deadline, url))
            chunk = response.read1(16 * 1024)
            if not chunk:
                break
            raw += len(chunk)
            if raw > cap:
                raise ResolutionError(f"{url} is larger than {cap} bytes")
            if inflater is None:
                decoded += chunk
            else:
                try:
                    decoded += inflater.decompress(chunk, cap + 1 - len(decoded))
                except zlib.error as error:
                    raise ResolutionError(f"{url}: broken gzip data ({error})") from None
                if inflater.unconsumed_tail:
                    raise ResolutionError(f"{url} decompresses to more than {cap} bytes")
            if len(decoded) > cap:
                raise ResolutionError(f"{url} decompresses to more than {cap} bytes")
        return bytes(decoded)

    def _parse(self, body: bytes, url: str) -> dict[str, Any]:
        """The JSON object the body holds; a compact JWS body (a status list served as a
        VC-JOSE JWT, Bitstring Status List §3.2 / VC-JOSE-COSE §3.1.1) comes back enveloped as
        VC DM 2.0 §4.13 writes it: ``{"type": "EnvelopedVerifiableCredential", "id":
        "data:application/vc+jwt,<token>"}``, for the caller to verify like any VC-JWT."""
        limits = InputLimits(max_credential_bytes=self._cap())
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise ResolutionError(f"{url} did not answer UTF-8 JSON") from None
        if _COMPACT_JWS.fullmatch(text.strip()):
            return {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": "EnvelopedVerifiableCredential",
                "id": "data:application/vc+jwt," + text.strip(),
            }
        try:
            document = parse_json(text, limits)
        except UnusableInput as error:
            raise ResolutionError(f"{url} did not answer usable JSON: {error}") from None
        if not isinstance(document, dict):
            raise ResolutionError(f"{url} did not answer a JSON object")
        return document
