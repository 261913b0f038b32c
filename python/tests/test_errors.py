"""Each typed exception, from the answers of a real ``clustersim serve``."""

import pytest

from clustersim import (
    Client,
    ClusterSimError,
    LockedOut,
    NotFound,
    OperationRefused,
    Unauthorized,
    UnknownName,
)
from clustersim.client import _http_error


def test_unknown_group_is_not_found(cluster: Client) -> None:
    with pytest.raises(NotFound) as e:
        cluster.group("no-such-group")
    assert e.value.status == 400


def test_operation_on_unknown_name_is_unknown_name(cluster: Client) -> None:
    with pytest.raises(UnknownName) as e:
        cluster.group_start("no-such-group")
    assert e.value.code == 2 and isinstance(e.value, NotFound)


def test_healing_an_unknown_fault_is_not_found(cluster: Client) -> None:
    with pytest.raises(NotFound) as e:
        cluster.heal(987654)
    assert e.value.status == 404


def test_starting_an_online_group_is_refused(cluster: Client) -> None:
    group = cluster.groups()[0]["name"]
    cluster.wait_for_group(group, "Online")
    with pytest.raises(OperationRefused) as e:
        cluster.group_start(group)
    assert e.value.code == 4


def test_wrong_password_is_unauthorized_then_locked_out(cluster: Client) -> None:
    bad = Client(cluster.base_url, password="wrong")
    for _ in range(5):
        with pytest.raises(Unauthorized) as e:
            bad.cluster()
        assert e.value.status == 401
    with pytest.raises(LockedOut) as locked:
        cluster.cluster()
    assert locked.value.status == 403
    # main's 403 carries neither Retry-After nor seconds; with the header they are read.
    assert locked.value.retry_after is None or locked.value.retry_after > 0


def test_locked_out_reads_retry_after_then_the_body() -> None:
    body = '{"result":{"code":403,"message":"The request has not been allowed."}}'
    with_header = _http_error("GET", "/api/v1/cluster", 403, body, "42")
    assert isinstance(with_header, LockedOut) and with_header.retry_after == 42
    from_body = _http_error("GET", "/x", 403, '{"result":{"message":"locked for 17 s"}}', None)
    assert isinstance(from_body, LockedOut) and from_body.retry_after == 17
    other = _http_error("GET", "/x", 500, "{}", None)
    assert type(other) is ClusterSimError
