"""The venue config's Portfolio verifying keys: ``portfolio_verifying_keys``, a list of
``{"slots": k, "assets": m, "path": "portfolio_vk_8_4.json"}`` (the path relative to the
config file, as ``verifying_key_path``). Each key is read and checked when the config loads:
k and m positive integers the statement accepts, the file a valid verifying key whose
public-input count is Portfolio(k, m)'s, no (k, m) twice. Every refusal is a
:class:`MarginConfigError` naming the entry and its field."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zkcollat.errors import CircuitError, ZkcollatError
from zkcollat.groth16.keys import VerifyingKey
from zkcollat.margin.errors import MarginConfigError

FIELD = "portfolio_verifying_keys"


@dataclass(frozen=True)
class PortfolioKeyEntry:
    slots: int
    assets: int
    path: str

    def to_json(self) -> dict[str, Any]:
        return {"slots": self.slots, "assets": self.assets, "path": self.path}


def _count(entry: Mapping[str, Any], name: str, where: str) -> int:
    from zkcollat.statements.portfolio import check_assets, check_slots

    v = entry.get(name)
    if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
        raise MarginConfigError(f"{where}.{name} = {v!r} must be a positive integer")
    try:
        return check_slots(v) if name == "slots" else check_assets(v)
    except CircuitError as e:
        raise MarginConfigError(f"{where}.{name}: {e}") from e


def parse_portfolio_keys(
    raw: object, base_dir: str | Path
) -> tuple[tuple[PortfolioKeyEntry, ...], dict[tuple[int, int], VerifyingKey]]:
    """The entries as given and the keys by (k, m), each file read from ``base_dir``."""
    from zkcollat.formats.snarkjs import read_json, vk_from_json
    from zkcollat.statements.portfolio import PortfolioPublic

    if raw is None:
        return (), {}
    if not isinstance(raw, (list, tuple)):
        raise MarginConfigError(f"{FIELD} must be a list of {{slots, assets, path}} objects")
    entries: list[PortfolioKeyEntry] = []
    keys: dict[tuple[int, int], VerifyingKey] = {}
    for i, entry in enumerate(raw):
        where = f"{FIELD}[{i}]"
        if not isinstance(entry, Mapping):
            raise MarginConfigError(f"{where} must be an object with slots, assets and path")
        extra = set(entry) - {"slots", "assets", "path"}
        if extra:
            raise MarginConfigError(f"{where} has unknown keys {sorted(extra)}")
        k, m = _count(entry, "slots", where), _count(entry, "assets", where)
        path = entry.get("path")
        if not isinstance(path, str) or not path:
            raise MarginConfigError(f"{where}.path = {path!r} must be a file path")
        file = Path(base_dir) / path
        if not file.is_file():
            raise MarginConfigError(f"{where}.path: {file} does not exist")
        if (k, m) in keys:
            raise MarginConfigError(f"{where}: a second key for Portfolio(k = {k}, m = {m})")
        try:
            vk = vk_from_json(read_json(file, "Portfolio verification key"))
        except ZkcollatError as e:
            raise MarginConfigError(f"{where}.path: {e}") from e
        want = PortfolioPublic.signal_count(k, m)
        if vk.n_public != want:
            raise MarginConfigError(
                f"{where}.path: the key has {vk.n_public} public inputs; "
                f"Portfolio(k = {k}, m = {m}) has {want}"
            )
        entries.append(PortfolioKeyEntry(k, m, path))
        keys[(k, m)] = vk
    return tuple(entries), keys
