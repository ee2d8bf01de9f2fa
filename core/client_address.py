"""The address of the client that sent a request, trusting proxies only where they are configured.

``X-Forwarded-For`` is a header anyone can send. It is read only when the request came from one of
``TRUSTED_PROXIES`` (addresses or networks, e.g. the nginx in front of gunicorn), and then from
the right: each trusted proxy appends the address it received the request from, so the first
address from the right that is not a trusted proxy is the client. Without trusted proxies (the
default) the client is ``REMOTE_ADDR``, whatever the header says.

Used by the API-key failure limit (``businesses.api_auth``) and by django-axes for the login
lockout (``AXES_CLIENT_IP_CALLABLE``), so both count the same client.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError as error:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES: {entry!r} is not an IP address or network ({error})"
            ) from error
    return tuple(networks)


def trusted_proxies() -> tuple[Network, ...]:
    """The configured proxies (settings.TRUSTED_PROXIES), parsed; a bad entry raises
    ImproperlyConfigured naming it."""
    return _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))


def _trusted(address, networks: tuple[Network, ...]) -> bool:
    return address is not None and any(address in network for network in networks)


def client_address(request) -> str:
    """The client's address: ``REMOTE_ADDR``, or, when that is a trusted proxy, the right-most
    address of ``X-Forwarded-For`` that is not one."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    networks = trusted_proxies()
    if not networks or not _trusted(_address(remote), networks):
        return remote
    client = remote
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = _address(hop)
        if address is None:
            break  # not an address: written by the client, not by a proxy of ours
        client = str(address)
        if not _trusted(address, networks):
            break
    return client
