"""The devnet's services as child processes: three committee members and the relayer.

Each runs ``python -m zkcollat.cli`` with this interpreter and ``sys.path`` (so a checkout runs
its own code), logs to ``D/<name>.log``, and is stopped by its pid (SIGTERM, then SIGKILL).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from zkcollat.relayer.devnet import Devnet


class Services:
    def __init__(self, net: Devnet) -> None:
        self.net = net
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        self.stop(name)
        log = open(self.net.dir / f"{name}.log", "ab")  # noqa: SIM115 (the child keeps it)
        try:
            p = subprocess.Popen(
                [sys.executable, "-m", "zkcollat.cli", *args],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self.env,
                cwd=self.net.dir,
            )
        finally:
            log.close()
        self.procs[name] = p
        return p

    @property
    def config(self) -> Path:
        return self.net.dir / str(self.net.doc.get("relayerConfig", "relayer.json"))

    def start_member(self, i: int) -> subprocess.Popen[bytes]:
        m = self.net.doc["committee"]["members"][i]
        return self._spawn(
            f"member-{i}",
            [
                "committee",
                "serve",
                "--key",
                str(self.net.dir / m["keystore"]),
                "--password-file",
                str(self.net.dir / m["passwordFile"]),
                "--config",
                str(self.config),
            ],
        )

    def start_relayer(self) -> subprocess.Popen[bytes]:
        return self._spawn("relayer", ["relayer", "run", "--config", str(self.config)])

    def start_all(self) -> None:
        for i in range(len(self.net.doc["committee"]["members"])):
            self.start_member(i)
        self.start_relayer()

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        p = self.procs.get(name)
        if p is not None and p.poll() is None:
            p.send_signal(sig)
            p.wait(timeout=30)

    def stop(self, name: str, timeout_s: float = 10.0) -> None:
        p = self.procs.pop(name, None)
        if p is None or p.poll() is not None:
            return
        p.terminate()
        try:
            p.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.stop(name)

    def wait_ready(self, timeout_s: float = 60.0) -> None:
        """Until every member answers its health check (the relayer needs them)."""
        import json
        import urllib.request

        deadline = time.monotonic() + timeout_s
        for m in json.loads(self.config.read_text())["committee"]["members"]:
            while True:
                try:
                    with urllib.request.urlopen(m["url"] + "/v1/health", timeout=1):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"member {m['address']} did not come up") from None
                    time.sleep(0.1)
