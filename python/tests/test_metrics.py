"""/metrics parsed by the official Prometheus Python client's text-format parser."""

from prometheus_client.parser import text_string_to_metric_families


def samples(text):
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_metrics_after_crash_and_failover(cluster):
    cluster.crash("server1")
    cluster.wait_for_group("failover1", "Online", current="server2")
    m = samples(cluster.metrics())
    assert m[("clustersim_group_failovers_total", (("group", "failover1"),))] == 1
    assert m[("clustersim_group_failovers_total", (("group", "failover2"),))] == 0
    assert m[("clustersim_server_up", (("server", "server1"),))] == 0
    assert m[("clustersim_server_status", (("server", "server1"), ("status", "Offline")))] == 1
    assert m[("clustersim_group_current_server", (("group", "failover1"), ("server", "server2")))] == 1
    families = {f.name: f.type for f in text_string_to_metric_families(cluster.metrics())}
    assert families["clustersim_group_failovers"] == "counter"
    assert families["clustersim_server_up"] == "gauge"
