"""Which urls fetching may request: http(s) only, and never a host that resolves to a private,
loopback, link-local or otherwise non-public address (unless allowed, as tests on loopback do)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def target_problem(url: str, allow_private: bool = False) -> str | None:
    """Why ``url`` must not be requested, or None: not http(s), no host, DNS failure, or a host
    resolving to a non-public address (unless ``allow_private``)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return f"invalid URL: {url!r}"
    if parts.scheme.lower() not in ("http", "https"):
        return f"refused: {url!r} is not an http(s) URL"
    host = parts.hostname
    if not host:
        return f"refused: {url!r} has no host"
    if allow_private:
        return None
    try:
        addresses = {ipaddress.ip_address(host)}
    except ValueError:
        try:
            infos = socket.getaddrinfo(
                host, port or (443 if parts.scheme.lower() == "https" else 80), type=socket.SOCK_STREAM
            )
        except (socket.gaierror, UnicodeError) as error:
            return _one_line(f"DNS lookup failed for {host}: {getattr(error, 'strerror', None) or error}")
        addresses = {ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos}
    for address in sorted(addresses, key=str):
        mapped = getattr(address, "ipv4_mapped", None)
        address = mapped or address
        if address.is_global:
            continue
        kind = (
            "loopback"
            if address.is_loopback
            else "link-local"
            if address.is_link_local
            else "private"
            if address.is_private
            else "non-public"
        )
        return f"refused: {host} resolves to {address}, a {kind} address"
    return None
