"""Starting and stopping ``clustersim serve`` processes."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import threading
from pathlib import Path
from typing import List, Optional, Sequence

from .client import Client

_SERVING = re.compile(r"clustersim: (?:cluster \"[^\"]*\" )?serving (https?://\S+)")


def installed_binary() -> Optional[str]:
    """The ``clustersim`` the wheel installed into this interpreter's scripts folder."""
    name = "clustersim.exe" if os.name == "nt" else "clustersim"
    for folder in (sysconfig.get_path("scripts"), str(Path(sys.executable).parent)):
        candidate = Path(folder) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def find_binary(explicit: Optional[str] = None) -> str:
    """The ``clustersim`` executable, first found of: ``explicit`` (``--clustersim-binary``),
    the one installed with this package next to the interpreter's scripts,
    ``$CLUSTERSIM_BINARY``, ``PATH``, then ``target/release/clustersim`` under the current
    folder (a checkout of the project)."""
    candidates = [explicit, installed_binary(), os.environ.get("CLUSTERSIM_BINARY")]
    candidates.append(shutil.which("clustersim"))
    candidates.append(str(Path.cwd() / "target" / "release" / "clustersim"))
    for c in candidates:
        if c and Path(c).is_file() and os.access(c, os.X_OK):
            return str(c)
    raise FileNotFoundError(
        "no clustersim binary: pip install the clustersim package (it ships the binary), "
        "pass --clustersim-binary, set CLUSTERSIM_BINARY, or put clustersim on PATH"
    )


class Server:
    """One ``clustersim serve`` process on a free loopback port.

    ``Server(binary, cluster_file=None, clock="manual", seed=1, args=[...])``; use it as a
    context manager or call :meth:`stop`. :attr:`client` talks to it.
    """

    def __init__(
        self,
        binary: str,
        cluster_file: Optional[str] = None,
        clock: str = "manual",
        seed: int = 1,
        args: Sequence[str] = (),
        start_timeout: float = 30.0,
    ) -> None:
        cmd: List[str] = [binary, "serve", "--listen", "127.0.0.1:0", "--clock", clock]
        cmd += ["--seed", str(seed), *args]
        if cluster_file is not None:
            cmd.append(str(cluster_file))
        self.command = cmd
        self.process = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        self.stderr_lines: List[str] = []
        self.url = self._await_url(start_timeout)
        self.client = Client(self.url)

    def _await_url(self, timeout: float) -> str:
        """Reads stderr until the "serving URL" line (the port 0 was bound to)."""
        found: List[str] = []
        done = threading.Event()

        def read() -> None:
            assert self.process.stderr is not None
            for line in self.process.stderr:
                self.stderr_lines.append(line.rstrip("\n"))
                m = _SERVING.search(line)
                if m and not found:
                    found.append(m.group(1))
                    done.set()
            done.set()

        threading.Thread(target=read, daemon=True).start()
        done.wait(timeout)
        if not found:
            self.stop()
            raise RuntimeError(
                f"clustersim serve did not start ({' '.join(self.command)}):\n"
                + "\n".join(self.stderr_lines)
            )
        return found[0]

    def stop(self, timeout: float = 10.0) -> int:
        """Ctrl-C (clean exit 0), then a kill if it does not stop in time."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
