"""The session-scoped server with its per-test reset, and attaching to a running serve."""

import subprocess
import sys

from clustersim import Client, Server

order = []


def test_shared_cluster_first(shared_cluster: Client) -> None:
    shared_cluster.advance(5000)
    order.append(shared_cluster.clock().now_ms)
    assert shared_cluster.clock().now_ms >= 5000


def test_shared_cluster_is_reset_between_tests(shared_cluster: Client) -> None:
    # Same process as the test above (session scope), but reset: the clock starts again.
    assert order and shared_cluster.clock().now_ms < order[0]


def test_remote_cluster_attaches_with_credentials(clustersim_binary: str, tmp_path) -> None:
    (tmp_path / "test_remote.py").write_text(
        "def test_it(remote_cluster):\n"
        "    assert remote_cluster.cluster()['name']\n"
    )
    with Server(clustersim_binary) as server:
        base = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)]
        ok = subprocess.run(base + ["--clustersim-url", server.url], capture_output=True, text=True)
        assert ok.returncode == 0, ok.stdout
        bad = subprocess.run(
            base + ["--clustersim-url", server.url, "--clustersim-password", "wrong"],
            capture_output=True, text=True,
        )
        assert bad.returncode == 1 and "Unauthorized" in bad.stdout, bad.stdout
    skipped = subprocess.run(base, capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert skipped.returncode == 0 and "skipped" in skipped.stdout, skipped.stdout
