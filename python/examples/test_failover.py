# A server crash fails failover1 over to server2 (default cluster, manual clock).
def test_crash_fails_over(cluster):
    assert cluster.group_current("failover1") == "server1"
    cluster.crash("server1")
    took = cluster.wait_for_group("failover1", "Online", current="server2")
    assert cluster.server_status("server1") == "Offline"
    assert 90 <= took <= 120  # the 90 s heartbeat timeout, then the failover itself
