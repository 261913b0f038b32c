"""pytest plugin (registered through the ``pytest11`` entry point).

Fixtures:

- ``clustersim_binary`` (session): path of the ``clustersim`` executable
  (``--clustersim-binary``, ``$CLUSTERSIM_BINARY``, ``PATH``, or the repository's
  ``target/release/clustersim``).
- ``cluster``: a :class:`clustersim.Client` for a fresh ``clustersim serve`` on a free
  port with the manual clock, stopped after the test. ``@pytest.mark.clustersim(
  cluster_file=..., seed=..., clock=..., args=[...])`` changes how it starts.
- ``cluster_fleet``: a list of independent clients (``fleet=N`` in the marker, default
  3), one ``serve`` process each, started in parallel; for tests that drive several
  clusters at once (and safe under pytest-xdist: every process has its own port).
- ``clustersim_server`` (session): one ``serve`` for the whole session (manual clock).
- ``shared_cluster``: a client of that server, reset (``POST /sim/v1/reset``) before
  each test: cheaper than a process per test.
- ``remote_cluster``: a client attached to a running ``serve`` given by
  ``--clustersim-url`` (or ``$CLUSTERSIM_URL``), with ``--clustersim-user`` /
  ``--clustersim-password`` (or ``$CLUSTERSIM_USER`` / ``$CLUSTERSIM_PASSWORD``); the
  test is skipped when no URL is given. It is not reset: the server may be shared.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
import os
from typing import Any, Dict, Iterator, List, Optional

import pytest

from .client import Client
from .server import Server, find_binary


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clustersim-binary",
        default=None,
        help="path of the clustersim executable (default: the installed one, $CLUSTERSIM_BINARY, PATH)",
    )
    parser.addoption("--clustersim-url", default=None, help="a running serve (default: $CLUSTERSIM_URL)")
    parser.addoption("--clustersim-user", default=None, help="its user (default: $CLUSTERSIM_USER or user)")
    parser.addoption(
        "--clustersim-password", default=None, help="its password (default: $CLUSTERSIM_PASSWORD or password)"
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "clustersim(cluster_file=None, seed=1, clock='manual', args=(), fleet=3): "
        "how the cluster / cluster_fleet fixtures start clustersim serve",
    )


@pytest.fixture(scope="session")
def clustersim_binary(request: pytest.FixtureRequest) -> str:
    try:
        return find_binary(request.config.getoption("--clustersim-binary"))
    except FileNotFoundError as e:
        pytest.fail(str(e), pytrace=False)


def _options(request: pytest.FixtureRequest) -> Dict[str, Any]:
    marker = request.node.get_closest_marker("clustersim")
    return dict(marker.kwargs) if marker else {}


def _start(binary: str, opts: Dict[str, Any]) -> Server:
    return Server(
        binary,
        cluster_file=opts.get("cluster_file"),
        clock=opts.get("clock", "manual"),
        seed=opts.get("seed", 1),
        args=opts.get("args", ()),
    )


@pytest.fixture
def cluster(clustersim_binary: str, request: pytest.FixtureRequest) -> Iterator[Client]:
    server = _start(clustersim_binary, _options(request))
    try:
        yield server.client
    finally:
        server.stop()


@pytest.fixture
def cluster_fleet(clustersim_binary: str, request: pytest.FixtureRequest) -> Iterator[List[Client]]:
    opts = _options(request)
    n = int(opts.pop("fleet", 3))
    with ThreadPoolExecutor(max_workers=n) as pool:
        servers = list(pool.map(lambda _: _start(clustersim_binary, opts), range(n)))
    try:
        yield [s.client for s in servers]
    finally:
        for s in servers:
            s.stop()


@pytest.fixture(scope="session")
def clustersim_server(clustersim_binary: str) -> Iterator[Server]:
    server = Server(clustersim_binary)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def shared_cluster(clustersim_server: Server) -> Client:
    clustersim_server.client.reset()
    return clustersim_server.client


def attach(config: pytest.Config) -> Optional[Client]:
    """A client for ``--clustersim-url`` / ``$CLUSTERSIM_URL``, or ``None`` when neither is set."""

    def option(name: str, env: str, default: Optional[str]) -> Optional[str]:
        value = config.getoption(name)
        return str(value) if value is not None else os.environ.get(env, default)

    url = option("--clustersim-url", "CLUSTERSIM_URL", None)
    if not url:
        return None
    user = option("--clustersim-user", "CLUSTERSIM_USER", "user") or "user"
    password = option("--clustersim-password", "CLUSTERSIM_PASSWORD", "password") or "password"
    return Client(url, user=user, password=password)


@pytest.fixture
def remote_cluster(request: pytest.FixtureRequest) -> Client:
    client = attach(request.config)
    if client is None:
        pytest.skip("no running serve: pass --clustersim-url or set CLUSTERSIM_URL")
    return client
