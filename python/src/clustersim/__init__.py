"""Client and pytest plugin for ``clustersim serve``.

``Client`` talks to the EXPRESSCLUSTER X REST API (``/api/v1``) and the simulator's
control API (``/sim/v1``) of one running cluster; ``Server`` starts and stops a
``clustersim serve`` process. The pytest plugin (entry point ``pytest11``) turns them
into the fixtures ``clustersim_binary``, ``cluster`` and ``cluster_fleet``.
"""

from .client import (
    Client,
    ClusterSimError,
    Clock,
    Forbidden,
    InvalidParameter,
    LockedOut,
    NotFound,
    OperationError,
    OperationInProgress,
    OperationRefused,
    Unauthorized,
    UnknownName,
    WaitTimeout,
)
from .server import Server, find_binary

__all__ = [
    "Client",
    "Clock",
    "ClusterSimError",
    "Forbidden",
    "InvalidParameter",
    "LockedOut",
    "NotFound",
    "OperationError",
    "OperationInProgress",
    "OperationRefused",
    "Unauthorized",
    "UnknownName",
    "Server",
    "WaitTimeout",
    "find_binary",
]
