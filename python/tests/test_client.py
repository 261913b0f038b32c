import pytest

from clustersim import OperationError, WaitTimeout

from conftest import REPO


def test_statuses_are_the_products_strings(cluster):
    assert cluster.cluster()["status"] == "Normal"
    assert cluster.group_status("failover1") == "Online"
    assert cluster.group_current("failover1") == "server1"
    assert {s["name"]: s["status"] for s in cluster.servers()} == {
        "server1": "Online",
        "server2": "Online",
    }
    assert cluster.clock().mode == "manual"


def test_move_then_wait_and_a_refused_second_operation(cluster):
    cluster.group_move("failover1", target="server2")
    assert cluster.group_status("failover1") == "Offline Pending"
    with pytest.raises(OperationError) as refused:
        cluster.group_move("failover2", target="server1")
    assert refused.value.code == 5
    took = cluster.wait_for_group("failover1", "Online", current="server2", timeout_s=60)
    assert 0 < took <= 60


def test_wait_for_timeout_names_the_condition_and_shows_the_last_events(cluster):
    with pytest.raises(WaitTimeout) as e:
        cluster.wait_for_group("failover1", "Offline", timeout_s=5)
    text = str(e.value)
    assert "group failover1 Offline: still not true after 5 virtual s" in text
    assert "last events:" in text and "service-started" in text
    assert cluster.clock().now_ms == 5000


def test_faults_inject_list_heal(cluster):
    fid = cluster.inject("heartbeat-path-down", server="server1", path="lankhb1")
    assert [f["id"] for f in cluster.faults()] == [fid]
    cluster.heal(fid)
    # A healed fault stays listed, as ended (the control API keeps the last 1,000).
    assert [(f["id"], f["state"], f.get("ended")) for f in cluster.faults()] == [(fid, "ended", "healed")]


def test_events_and_reset(cluster):
    cluster.crash("server1")
    cluster.advance(100_000)
    kinds = [e["kind"] for e in cluster.events()]
    assert "failover-starting" in kinds
    cluster.reset(seed=3)
    assert cluster.clock().now_ms == 0 and cluster.clock().seed == 3
    assert cluster.group_current("failover1") == "server1"


@pytest.mark.clustersim(cluster_file=str(REPO / "scenarios/clusters/two-node.yaml"), seed=7)
def test_marker_picks_the_cluster_file_and_seed(cluster):
    assert cluster.clock().seed == 7
    assert [s["name"] for s in cluster.servers()]


@pytest.mark.clustersim(clock="realtime", args=["--speed", "200"])
def test_wait_for_polls_a_realtime_clock(cluster):
    cluster.crash("server1")
    cluster.wait_for_group("failover1", "Online", current="server2", timeout_s=600)
    assert cluster.clock().mode == "realtime"


@pytest.mark.clustersim(fleet=3)
def test_fleet_clusters_are_independent(cluster_fleet):
    assert len({c.base_url for c in cluster_fleet}) == 3
    first, *others = cluster_fleet
    first.crash("server1")
    first.wait_for_group("failover1", "Online", current="server2")
    for c in others:
        assert c.group_current("failover1") == "server1"
        assert c.clock().now_ms == 0


def test_health(cluster):
    assert cluster.health()["ready"] is True
