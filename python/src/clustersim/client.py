"""A small typed client for one ``clustersim serve`` listener.

Statuses are the product's own strings (``"Online"``, ``"Online Pending"``,
``"Offline"``, ``"Caution"``, ...), exactly as ``/api/v1`` answers them. Operations
return when the cluster has *accepted* them; their progress shows in later reads, so
tests combine an operation with :meth:`Client.wait_for`.
"""

from __future__ import annotations

import base64
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Mapping, Optional, cast

Json = Any


class ClusterSimError(Exception):
    """An HTTP answer that is not a success (status, path and body in the message)."""

    def __init__(self, method: str, path: str, status: int, body: str) -> None:
        super().__init__(f"{method} {path}: HTTP {status}: {body.strip()}")
        self.status = status
        self.body = body


class Unauthorized(ClusterSimError):
    """HTTP 401: no credentials, or a wrong user or password."""


class Forbidden(ClusterSimError):
    """HTTP 403: the credential is valid but does not reach this cluster (a student's on
    another student's cluster), or a lockout (:class:`LockedOut`)."""


class LockedOut(Forbidden):
    """HTTP 403 carrying the lockout header (``X-Clustersim-Lockout``): too many failed
    logins, so even the right password is refused until the lockout ends.
    :attr:`retry_after` is the seconds left, from ``Retry-After``, else from the header's
    message; :attr:`reason` is that message."""

    def __init__(
        self,
        method: str,
        path: str,
        status: int,
        body: str,
        retry_after: Optional[int],
        reason: str = "",
    ) -> None:
        super().__init__(method, path, status, body)
        self.retry_after = retry_after
        self.reason = reason


LOCKOUT_HEADER = "X-Clustersim-Lockout"
"""The header a lockout's 403 carries (``LOCKOUT_HEADER`` in src/host/tenancy.rs)."""


class NotFound(ClusterSimError):
    """A named object that does not exist: a GET answered 400 with ``result.code`` 1, a
    control-API 404, or an operation refused with ``result.code`` 2."""


class OperationError(ClusterSimError):
    """An ``/api/v1`` operation the cluster refused (non-zero ``result.code``)."""

    def __init__(self, path: str, code: int, message: str) -> None:
        Exception.__init__(self, f"POST {path}: result.code {code}: {message}")
        self.status = 200
        self.body = message
        self.code = code
        self.message = message


class UnknownName(OperationError, NotFound):
    """``result.code`` 2: a name in the URL or body does not exist."""


class InvalidParameter(OperationError):
    """``result.code`` 3: a parameter value is out of range."""


class OperationRefused(OperationError):
    """``result.code`` 4: it cannot be done now (suspended, server down, already online...)."""


class OperationInProgress(OperationError):
    """``result.code`` 5: another operation is still in progress; retry after it ends."""


_OPERATION_ERRORS = {2: UnknownName, 3: InvalidParameter, 4: OperationRefused, 5: OperationInProgress}


def _http_error(
    method: str, path: str, status: int, body: str, headers: Mapping[str, str]
) -> ClusterSimError:
    """The typed exception for a non-2xx answer (codes: src/faces/expresscluster/errors.rs);
    ``headers`` are the answer's, names in lower case."""
    if status == 401:
        return Unauthorized(method, path, status, body)
    if status == 403:
        reason = headers.get(LOCKOUT_HEADER.lower())
        if reason is None:
            return Forbidden(method, path, status, body)
        seconds = _seconds_left(headers.get("retry-after"), reason)
        return LockedOut(method, path, status, body, seconds, reason)
    code = None
    try:
        code = json.loads(body).get("result", {}).get("code")
    except (ValueError, AttributeError):
        pass
    if status == 404 or (status == 400 and code == 1):
        return NotFound(method, path, status, body)
    return ClusterSimError(method, path, status, body)


def _seconds_left(retry_after: Optional[str], reason: str) -> Optional[int]:
    """``Retry-After`` (delta seconds) when present, else the "N s" of the lockout message."""
    if retry_after is not None and retry_after.strip().isdigit():
        return int(retry_after.strip())
    m = re.search(r"(\d+)\s*(?:s\b|sec|second)", reason)
    return int(m.group(1)) if m else None


class WaitTimeout(AssertionError):
    """:meth:`Client.wait_for` gave up; the message shows the last events."""


@dataclass(frozen=True)
class Clock:
    now_ms: int
    mode: str
    speed: float
    seed: int


class Client:
    """Talks to ``base_url`` (e.g. ``http://127.0.0.1:29009``) with Basic auth."""

    def __init__(
        self,
        base_url: str,
        user: str = "user",
        password: str = "password",
        timeout: float = 10.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        self._auth = f"Basic {token}"
        self.timeout = timeout

    # ------------------------------------------------------------------ HTTP

    def request(self, method: str, path: str, body: Optional[Json] = None) -> Json:
        """Sends one request; returns the decoded JSON (or text) of a 2xx answer."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base_url + path, data=data, method=method)
        req.add_header("Authorization", self._auth)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                text = resp.read().decode()
                ctype = resp.headers.get("Content-Type", "")
        except urllib.error.HTTPError as e:
            body = e.read().decode()
            headers = {k.lower(): v for k, v in e.headers.items()}
            raise _http_error(method, path, e.code, body, headers) from None
        return json.loads(text) if "json" in ctype else text

    def _operation(self, path: str, body: Optional[Json] = None) -> None:
        answer = self.request("POST", path, {} if body is None else body)
        result = answer.get("result", {}) if isinstance(answer, dict) else {}
        if result.get("code", 0) != 0:
            kind = _OPERATION_ERRORS.get(result["code"], OperationError)
            raise kind(path, result["code"], result.get("message", ""))

    # ------------------------------------------------------------ /api/v1 reads

    def cluster(self) -> Dict[str, Json]:
        return cast("dict[str, Any]", self.request("GET", "/api/v1/cluster")["cluster"])

    def servers(self) -> List[Dict[str, Json]]:
        return cast("list[dict[str, Any]]", self.request("GET", "/api/v1/servers")["servers"])

    def groups(self) -> List[Dict[str, Json]]:
        return cast("list[dict[str, Any]]", self.request("GET", "/api/v1/groups")["groups"])

    def group(self, name: str) -> Dict[str, Json]:
        return cast("dict[str, Any]", self.request("GET", f"/api/v1/groups/{_q(name)}")["groups"][0])

    def resources(self) -> List[Dict[str, Json]]:
        return cast("list[dict[str, Any]]", self.request("GET", "/api/v1/resources")["resources"])

    def monitors(self) -> List[Dict[str, Json]]:
        return cast("list[dict[str, Any]]", self.request("GET", "/api/v1/monitors")["monitors"])

    def server_status(self, name: str) -> str:
        return cast("str", self.request("GET", f"/api/v1/servers/{_q(name)}")["servers"][0]["status"])

    def group_status(self, name: str) -> str:
        return cast("str", self.group(name)["status"])

    def group_current(self, name: str) -> str:
        """The server the group runs on, or the product's ``"None"``."""
        return cast("str", self.group(name)["current"])

    # ------------------------------------------------------- /api/v1 operations

    def cluster_operation(self, action: str) -> None:
        """``start``, ``stop``, ``reboot``, ``shutdown``, ``suspend`` or ``resume``."""
        self._operation(f"/api/v1/cluster/{action}")

    def server_operation(self, name: str, action: str) -> None:
        """``start``, ``stop``, ``reboot`` or ``shutdown`` one server."""
        self._operation(f"/api/v1/servers/{_q(name)}/{action}")

    def group_start(self, name: str, target: Optional[str] = None) -> None:
        self._operation(f"/api/v1/groups/{_q(name)}/start", _target(target))

    def group_stop(self, name: str, target: Optional[str] = None) -> None:
        self._operation(f"/api/v1/groups/{_q(name)}/stop", _target(target))

    def group_move(self, name: str, target: Optional[str] = None) -> None:
        self._operation(f"/api/v1/groups/{_q(name)}/move", _target(target))

    def monitor_suspend(self, name: str, target: Optional[str] = None) -> None:
        self._operation(f"/api/v1/monitors/{_q(name)}/suspend", _target(target))

    def monitor_resume(self, name: str, target: Optional[str] = None) -> None:
        self._operation(f"/api/v1/monitors/{_q(name)}/resume", _target(target))

    # ------------------------------------------------------------------ /sim/v1

    def clock(self) -> Clock:
        c = self.request("GET", "/sim/v1/clock")
        return Clock(c["now_ms"], c["mode"], c["speed"], c["seed"])

    def advance(self, ms: int) -> Dict[str, Json]:
        """Moves a manual clock forward by ``ms`` virtual milliseconds."""
        return cast("dict[str, Any]", self.request("POST", "/sim/v1/clock/advance", {"ms": int(ms)}))

    def set_speed(self, speed: float) -> None:
        self.request("POST", "/sim/v1/clock/speed", {"speed": speed})

    def inject(self, kind: str, **fields: Json) -> int:
        """Injects a fault (``kind="server-crash", server="server1"``); returns its id."""
        return cast("int", self.request("POST", "/sim/v1/faults", {"kind": kind, **fields})["id"])

    def crash(self, server: str, duration_ms: Optional[int] = None) -> int:
        extra = {} if duration_ms is None else {"duration_ms": duration_ms}
        return self.inject("server-crash", server=server, **extra)

    def faults(self) -> List[Dict[str, Json]]:
        return cast("list[dict[str, Any]]", self.request("GET", "/sim/v1/faults"))

    def heal(self, fault_id: int) -> None:
        self.request("DELETE", f"/sim/v1/faults/{fault_id}")

    def events(self, since: int = 0, limit: Optional[int] = None) -> List[Dict[str, Json]]:
        query = {"since": since} if limit is None else {"since": since, "limit": limit}
        return cast("list[dict[str, Any]]", self.request("GET", "/sim/v1/events?" + urllib.parse.urlencode(query)))

    def reset(self, seed: Optional[int] = None) -> None:
        self.request("POST", "/sim/v1/reset", {} if seed is None else {"seed": seed})

    def health(self) -> Dict[str, Json]:
        return cast("dict[str, Any]", self.request("GET", "/sim/v1/health"))

    def metrics(self) -> str:
        """The Prometheus text of ``/metrics``."""
        return cast("str", self.request("GET", "/metrics"))

    # ------------------------------------------------------------------ waiting

    def wait_for(
        self,
        condition: Callable[[], bool],
        timeout_s: float = 300.0,
        step_ms: int = 1000,
        what: Optional[str] = None,
    ) -> float:
        """Waits until ``condition()`` holds and returns the virtual seconds it took.

        With a manual clock it advances the clock by ``step_ms`` at a time, up to
        ``timeout_s`` *virtual* seconds (so a test never sleeps); with a realtime clock
        it polls every 50 ms for ``timeout_s`` / speed wall seconds. On timeout it
        raises :class:`WaitTimeout` naming the condition and showing the last events.
        """
        start = self.clock()
        label = what or str(getattr(condition, "__name__", "condition"))
        if start.mode == "manual":
            waited = 0
            while not condition():
                if waited >= timeout_s * 1000:
                    self._timed_out(label, timeout_s)
                self.advance(step_ms)
                waited += step_ms
        else:
            deadline = time.monotonic() + timeout_s / max(start.speed, 1e-9)
            while not condition():
                if time.monotonic() >= deadline:
                    self._timed_out(label, timeout_s)
                time.sleep(0.05)
        return (self.clock().now_ms - start.now_ms) / 1000.0

    def wait_for_group(
        self,
        name: str,
        status: str = "Online",
        current: Optional[str] = None,
        timeout_s: float = 300.0,
    ) -> float:
        """Waits until group ``name`` shows ``status`` (on ``current``, if given)."""

        def holds() -> bool:
            g = self.group(name)
            return g["status"] == status and (current is None or g["current"] == current)

        where = f" on {current}" if current else ""
        return self.wait_for(holds, timeout_s, what=f"group {name} {status}{where}")

    def _timed_out(self, label: str, timeout_s: float) -> None:
        last = self.events(since=0)[-12:]
        lines = "\n".join("  " + format_event(e) for e in last) or "  (no events)"
        now = self.clock().now_ms / 1000.0
        raise WaitTimeout(
            f"{label}: still not true after {timeout_s:g} virtual s (t={now:g} s); "
            f"last events:\n{lines}"
        )


def format_event(e: Dict[str, Json]) -> str:
    """One event as a line: time, kind, named objects, status, message."""
    names = " ".join(
        f"{k}={e[k]}" for k in ("server", "peer", "group", "resource", "monitor") if k in e
    )
    parts = [f"t={e['t_ms'] / 1000:g}s", e["kind"], names, e.get("status", ""), e.get("message", "")]
    return " ".join(p for p in parts if p)


def _q(name: str) -> str:
    return urllib.parse.quote(name, safe="")


def _target(target: Optional[str]) -> Dict[str, str]:
    return {} if target is None else {"target": target}
