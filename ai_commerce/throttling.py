"""Rate limits counted atomically in a cache, and the client's address as the shop's own proxies saw it.

::

    from ai_commerce import throttling

    throttling.client_address(request.META)   # REMOTE_ADDR, or the hop the trusted proxies vouch for
    throttling.parse_rate("600/min")          # (600, 60)
    allowed, wait = throttling.hit(cache, "ai_commerce:throttle:events:a:203.0.113.9", 600, 60, now=time.time())

**Addresses.** ``X-Forwarded-For`` is written by whoever sends the request, so it is read only when the request
comes from one of ``AI_COMMERCE["TRUSTED_PROXIES"]`` (IPs or CIDRs; empty by default: REMOTE_ADDR alone). Then the
header is read from the right, past every trusted hop, and the first hop that is not a trusted proxy is the client:
what a client writes to the left of it is never believed. An IPv6 client is counted by its /64, the block one
subscriber gets, so that rotating addresses inside it changes nothing. A private or loopback REMOTE_ADDR that sends
the header while nothing is trusted is logged once: it is probably the shop's own proxy, and until it is listed every
client behind it shares one budget.

**Counting.** A fixed window per ``period``: the first request of a window ``add``s its counter with a lifetime of
the window, the others ``incr`` it. Both are atomic on Redis (SET NX, INCR) and in ``LocMemCache`` (one lock), so
parallel requests never read and write a stale count; a window never accepts more than ``limit``. ``now`` comes
from the caller (a throttle's ``timer``), never from here.
"""

import ipaddress
import logging
import math

from .conf import app_settings

logger = logging.getLogger(__name__)
PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate):
    """Return (requests, seconds) of a DRF-style rate ``"N/period"`` (period s, sec, m, min, h, hour, d, day); raise
    ValueError for anything else."""
    num, _, period = str(rate).partition("/")
    if not num.isdigit() or period not in ("s", "sec", "m", "min", "h", "hour", "d", "day"):
        raise ValueError(f"{rate!r} is not a rate: write 'N/period' with period s, min, hour or day")
    return int(num), PERIODS[period[0]]


def trusted_networks(entries):
    """Return the networks of ``entries`` (IPs or CIDRs); raise ValueError naming the entries that are neither."""
    is_list = isinstance(entries, list | tuple | set | frozenset)
    networks, bad = [], [] if is_list else [entries]
    for entry in entries if is_list else ():
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except (AttributeError, ValueError):  # not text, or not an address
            bad.append(entry)
    if bad:
        raise ValueError(f"not a list of IPs or CIDRs: {', '.join(map(repr, bad))}" if not is_list else
                         f"not IPs or CIDRs: {', '.join(map(repr, bad))}")
    return networks


def _address(text):
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def _trusted(address, networks):
    return any(address in network for network in networks)


_warned = set()


def _warn_untrusted_proxy(remote):
    """Say once per process and proxy that every client behind it shares its budget until it is trusted."""
    if remote not in _warned:
        _warned.add(remote)
        logger.warning("ai_commerce: requests from %s carry X-Forwarded-For, but TRUSTED_PROXIES is empty, so every "
                       "client behind that proxy shares one rate limit; if it is your proxy, add it to "
                       "AI_COMMERCE['TRUSTED_PROXIES']", remote)


def client_address(meta, networks=None):
    """The client's address as text (an IPv6 client's /64), from ``meta`` (``request.META``): REMOTE_ADDR, unless it
    is a trusted proxy; then the rightmost ``X-Forwarded-For`` hop that is not one (the leftmost if all are)."""
    if networks is None:
        try:
            networks = trusted_networks(app_settings.TRUSTED_PROXIES)
        except ValueError:  # reported at startup (ai_commerce.E055); meanwhile believe no header
            networks = []
    remote = _address(meta.get("REMOTE_ADDR") or "")
    client = remote
    if not networks and remote is not None and remote.is_private and meta.get("HTTP_X_FORWARDED_FOR"):
        _warn_untrusted_proxy(remote)
    if remote is not None and networks and _trusted(remote, networks):
        for hop in reversed((meta.get("HTTP_X_FORWARDED_FOR") or "").split(",")):
            address = _address(hop)
            if address is None:  # a garbled hop: believe nothing to the left of it
                break
            client = address
            if not _trusted(address, networks):
                break
    if client is None:
        return meta.get("REMOTE_ADDR") or "unknown"
    if client.version == 6:
        if client.ipv4_mapped is not None:
            return str(client.ipv4_mapped)
        return str(ipaddress.ip_network(f"{client}/64", strict=False))
    return str(client)


def hit(cache, key, limit, period, *, now, cost=1):
    """Count ``cost`` requests against ``key``'s window of ``period`` seconds; return (allowed, seconds to wait).

    Allowed while the window's count, this request included, is at most ``limit``. Errors of the cache propagate:
    the caller decides whether to fail open."""
    window = int(now // period)
    wait = (window + 1) * period - now
    key = f"{key}:{period}:{window}"
    timeout = math.ceil(wait) + 1
    if cache.add(key, cost, timeout):
        count = cost
    else:
        try:
            count = cache.incr(key, cost)
        except ValueError:  # the window's counter expired between add and incr
            cache.add(key, cost, timeout)
            count = cost
        if count == cost:  # Redis's INCR recreated an expired counter without a lifetime: give it one
            cache.touch(key, timeout)
    return count <= limit, wait
