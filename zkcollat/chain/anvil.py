"""Local ``anvil`` nodes (Foundry's devnet node, from the pinned npm package) as child processes.

A node is started detached (its own session) on a free local port, with a chain id and a block
time, and stopped by the pid recorded when it was started, after checking that this pid still
runs that anvil binary (a recycled pid is never signalled).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from zkcollat.chain.errors import ChainError

ANVIL_ENV = "ZKCOLLAT_ANVIL"
_NPM_BIN = Path("node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil")


def node_modules() -> Path:
    """The project's ``node_modules`` (the pinned npm peers): the cwd's, a parent's, or the
    checkout's."""
    for root in [Path.cwd(), *Path.cwd().parents, Path(__file__).resolve().parents[2]]:
        if (root / "node_modules").is_dir():
            return (root / "node_modules").resolve()
    raise ChainError("node_modules not found: run `npm ci` in the project")


def anvil_binary() -> Path:
    """The pinned anvil: ``$ZKCOLLAT_ANVIL``, else ``node_modules`` of the cwd or the project."""
    env = os.environ.get(ANVIL_ENV)
    if env:
        p = Path(env)
        if not p.is_file():
            raise ChainError(f"{ANVIL_ENV} = {env} is not a file")
        return p
    roots = [Path.cwd(), *Path.cwd().parents, Path(__file__).resolve().parents[2]]
    for root in roots:
        p = root / _NPM_BIN
        if p.is_file():
            return p.resolve()
    raise ChainError(
        f"anvil not found: run `npm ci` in the project (it installs {_NPM_BIN}) or set {ANVIL_ENV}"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class AnvilProcess:
    pid: int
    port: int
    chain_id: int
    block_time_s: float
    binary: str

    @property
    def rpc(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def start_anvil(
    chain_id: int,
    *,
    block_time_s: float | None,
    log_path: Path,
    port: int | None = None,
    state_path: Path | None = None,
    ready_timeout_s: float = 20.0,
) -> AnvilProcess:
    """Start a node and wait until it answers; ``block_time_s=None`` mines on every transaction.

    With ``state_path`` the node loads that state file if it exists and writes its state there
    when stopped (anvil's ``--state``), so a devnet survives ``down`` and ``up``.
    """
    binary = anvil_binary()
    for _attempt in range(3):
        p = port if port is not None else free_port()
        cmd = [
            str(binary),
            "--port",
            str(p),
            "--host",
            "127.0.0.1",
            "--chain-id",
            str(chain_id),
            "--accounts",
            "1",
            "--silent",
        ]
        if block_time_s is not None:
            cmd += ["--block-time", str(block_time_s)]
        if state_path is not None:
            cmd += ["--state", str(state_path)]
        log_path.parent.mkdir(parents=True, exist_ok=True)
        # posix_spawn, not Popen: the node outlives this process (devnet up returns), in its own
        # session, and no Popen object is left to complain that its child still runs.
        pid = os.posix_spawn(
            str(binary),
            cmd,
            dict(os.environ),
            setsid=True,
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
                (
                    os.POSIX_SPAWN_OPEN,
                    1,
                    str(log_path),
                    os.O_WRONLY | os.O_CREAT | os.O_APPEND,
                    0o644,
                ),
                (os.POSIX_SPAWN_DUP2, 1, 2),
            ],
        )
        node = AnvilProcess(pid, p, chain_id, block_time_s or 0.0, str(binary))
        deadline = time.monotonic() + ready_timeout_s
        while time.monotonic() < deadline:
            if _exited(pid):
                break  # most likely the port was taken between bind and listen
            # the port answering is not enough: another process may hold it while this node
            # fails to bind; ours answers with its chain id
            if _answers(p, chain_id) and not _exited(pid):
                return node
            time.sleep(0.05)
        if not _exited(pid):
            stop_anvil(node)
        if port is not None:
            break
    raise ChainError(f"anvil (chain id {chain_id}) did not start; see {log_path}")


def _answers(port: int, chain_id: int) -> bool:
    """Whether a JSON-RPC node on ``port`` answers ``eth_chainId`` with ``chain_id``."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []})
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}",
        data=body.encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=1.0) as r:
            return bool(json.loads(r.read()).get("result") == hex(chain_id))
    except (OSError, ValueError, AttributeError):
        return False


def runs_anvil(pid: int, binary: str) -> bool:
    """Whether ``pid`` is alive and runs ``binary`` (guards against recycled pids)."""
    try:
        exe = os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return False
    return os.path.realpath(exe) == os.path.realpath(binary)


def stop_anvil(node: AnvilProcess, timeout_s: float = 5.0) -> bool:
    """SIGTERM (then SIGKILL) the recorded pid if it is still that anvil; True if it was running."""
    if not runs_anvil(node.pid, node.binary):
        _reap(node.pid)
        return False
    os.kill(node.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        _reap(node.pid)
        if not runs_anvil(node.pid, node.binary):
            return True
        time.sleep(0.05)
    os.kill(node.pid, signal.SIGKILL)
    _reap(node.pid)
    return True


def _exited(pid: int) -> bool:
    try:
        done, _status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return not Path(f"/proc/{pid}").exists()
    return done == pid


def _reap(pid: int) -> None:
    # A node started by this very process is our child: collect it so it does not linger.
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
