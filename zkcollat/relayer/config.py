"""The relayer's and the committee members' configuration file (JSON).

```
{
  "source":    {"rpc": URL, "chainId": N, "vault": ADDR, "confirmations": 2, "startBlock": 0,
                "reportConfirmations": 1},
  "execution": {"rpc": URL, "chainId": N, "registry": ADDR, "credit": ADDR,
                "confirmations": 2, "startBlock": 0},
  "relayer":   {"source": KEYSTORE_REF, "execution": KEYSTORE_REF},
  "committee": {"threshold": 2, "members": [{"address": ADDR, "url": "http://127.0.0.1:P"}, ...]},
  "store": "relayer.sqlite", "mirror": "mirror.sqlite", "depth": 20,
  "pollS": 0.5, "metricsPort": null, "artifacts": null
}
```
KEYSTORE_REF is ``{"keystore": PATH, "passwordFile": PATH}`` (paths relative to the file). The
relayer holds no member key: members are separate processes (``zkcollat committee serve``), each
with its own keystore, reading the same file for the chains and its own URL.
``source.reportConfirmations`` is the depth at which members sign lock reports (optimistic
credit, docs/protocol.md s.9): at most ``confirmations``, the depth for roots (default 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zkcollat.attest.eip712 import normalize_address
from zkcollat.chain.errors import ChainError
from zkcollat.chain.keystore import KeystoreRef
from zkcollat.errors import EncodingError
from zkcollat.formats import limits


class ConfigError(ChainError, ValueError):
    """The relayer or committee configuration file is malformed; the message names the field."""


@dataclass(frozen=True)
class SideConfig:
    rpc: str
    chain_id: int
    confirmations: int
    start_block: int
    contracts: dict[str, str]
    report_confirmations: int = 0


@dataclass(frozen=True)
class MemberEndpoint:
    address: str
    url: str


@dataclass(frozen=True)
class RelayConfig:
    path: Path
    source: SideConfig
    execution: SideConfig
    relayer_keys: dict[str, KeystoreRef]
    threshold: int
    members: tuple[MemberEndpoint, ...]
    store: Path
    mirror: Path
    depth: int
    poll_s: float
    metrics_port: int | None
    artifacts: Path | None

    @property
    def vault(self) -> str:
        return self.source.contracts["vault"]

    @property
    def registry(self) -> str:
        return self.execution.contracts["registry"]

    @property
    def credit(self) -> str:
        return self.execution.contracts["credit"]


def _int(d: dict[str, Any], key: str, where: str, default: int | None = None) -> int:
    v = d.get(key, default)
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise ConfigError(f"{where}.{key} = {v!r} is not a non-negative integer")
    return v


def _side(d: Any, where: str, names: tuple[str, ...]) -> SideConfig:
    if not isinstance(d, dict):
        raise ConfigError(f"{where} is missing or not an object")
    rpc = d.get("rpc")
    if not isinstance(rpc, str) or not rpc.startswith(("http://", "https://")):
        raise ConfigError(f"{where}.rpc = {rpc!r} is not an http(s) URL")
    contracts = {}
    for n in names:
        try:
            contracts[n] = normalize_address(d.get(n), f"{where}.{n}")
        except EncodingError as e:
            raise ConfigError(str(e)) from e
    depth = _int(d, "confirmations", where, 2)
    report_depth = _int(d, "reportConfirmations", where, min(1, depth))
    if report_depth > depth:
        raise ConfigError(
            f"{where}.reportConfirmations = {report_depth} is deeper than {where}.confirmations "
            f"= {depth}: lock reports are read at a shallower depth than roots"
        )
    return SideConfig(
        rpc,
        _int(d, "chainId", where),
        depth,
        _int(d, "startBlock", where, 0),
        contracts,
        report_depth,
    )


def load_config(path: Path) -> RelayConfig:
    try:
        raw = limits.read_bytes(path, "configuration", limits.SMALL_JSON.max_bytes)
    except limits.LimitError as e:
        raise ConfigError(f"cannot read configuration {path}: {e}") from e
    try:
        d = limits.loads(raw, f"configuration {path}", limits.SMALL_JSON)
    except limits.LimitError as e:  # not UTF-8, not JSON, too deep, too many digits
        raise ConfigError(f"configuration {path} is not JSON within the limits: {e}") from e
    if not isinstance(d, dict):
        raise ConfigError(f"configuration {path} is not a JSON object")
    base = path.parent
    source = _side(d.get("source"), "source", ("vault",))
    execution = _side(d.get("execution"), "execution", ("registry", "credit"))
    if source.chain_id == execution.chain_id:
        raise ConfigError(f"source and execution have the same chain id {source.chain_id}")
    rel = d.get("relayer", {})
    if not isinstance(rel, dict):
        raise ConfigError("relayer is not an object")
    keys = {s: KeystoreRef.from_json(rel[s], base) for s in ("source", "execution") if s in rel}
    com = d.get("committee")
    if not isinstance(com, dict) or not isinstance(com.get("members"), list):
        raise ConfigError("committee.members is missing")
    members = []
    for i, m in enumerate(com["members"]):
        if not isinstance(m, dict) or not isinstance(m.get("url"), str):
            raise ConfigError(f"committee.members[{i}] needs an address and a url")
        try:
            members.append(
                MemberEndpoint(normalize_address(m.get("address"), f"member[{i}]"), m["url"])
            )
        except EncodingError as e:
            raise ConfigError(str(e)) from e
    if len({m.address for m in members}) != len(members):
        raise ConfigError("committee.members lists an address twice")
    threshold = _int(com, "threshold", "committee")
    if not 1 <= threshold <= len(members):
        raise ConfigError(f"committee.threshold = {threshold} is not in 1..{len(members)}")
    metrics = d.get("metricsPort")
    if metrics is not None and (isinstance(metrics, bool) or not isinstance(metrics, int)):
        raise ConfigError(f"metricsPort = {metrics!r} is not a port number")
    poll = d.get("pollS", 0.5)
    if isinstance(poll, bool) or not isinstance(poll, int | float) or poll <= 0:
        raise ConfigError(f"pollS = {poll!r} is not a positive number of seconds")
    art = d.get("artifacts")
    return RelayConfig(
        path=path,
        source=source,
        execution=execution,
        relayer_keys=keys,
        threshold=threshold,
        members=tuple(members),
        store=base / str(d.get("store", "relayer.sqlite")),
        mirror=base / str(d.get("mirror", "mirror.sqlite")),
        depth=_int(d, "depth", "config", 20),
        poll_s=float(poll),
        metrics_port=metrics,
        artifacts=None if art is None else base / str(art),
    )
