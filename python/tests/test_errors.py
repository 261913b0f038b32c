"""Each typed exception, from the answers of a real ``clustersim serve``."""

import pytest

from clustersim import (
    Client,
    ClusterSimError,
    Forbidden,
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
    # The server's auth lockout is 60 s by default; the header says how long is left.
    assert locked.value.retry_after is not None and 0 < locked.value.retry_after <= 60
    assert "locked out" in locked.value.reason


def test_a_403_without_the_lockout_header_is_forbidden_not_locked_out(
    cluster: Client,
) -> None:
    # A cluster created with its own credential: that credential reaches it only.
    made = cluster.request("POST", "/sim/v1/clusters", {"name": "other", "user": "u2", "password": "p2"})
    student = Client(cluster.base_url, user="u2", password="p2")
    with pytest.raises(Forbidden) as e:
        student.cluster()  # the first cluster's listener: not u2's cluster
    assert e.value.status == 403 and not isinstance(e.value, LockedOut)
    assert Client(str(made["api_url"]).rsplit("/api", 1)[0], user="u2", password="p2").cluster()


def test_locked_out_only_with_the_lockout_header() -> None:
    body = '{"result":{"code":403,"message":"The request has not been allowed."}}'
    reason = 'Too many failed logins for user "user" from this address; this user is locked out from here for 17 s more'
    with_both = _http_error("GET", "/api/v1/cluster", 403, body, {"retry-after": "42", "x-clustersim-lockout": reason})
    assert isinstance(with_both, LockedOut) and with_both.retry_after == 42 and with_both.reason == reason
    from_reason = _http_error("GET", "/x", 403, body, {"x-clustersim-lockout": reason})
    assert isinstance(from_reason, LockedOut) and from_reason.retry_after == 17
    # A 403 without the header (a credential that does not reach this cluster), even
    # with seconds in its body or a Retry-After, is not a lockout.
    plain = _http_error("GET", "/x", 403, '{"result":{"message":"locked for 17 s"}}', {"retry-after": "5"})
    assert type(plain) is Forbidden
    other = _http_error("GET", "/x", 500, "{}", {})
    assert type(other) is ClusterSimError
