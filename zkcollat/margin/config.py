"""Venue and margin parameters: frozen dataclasses with defaults, loaded from (and written to) JSON.

Every number the engine uses lives here, none in the code. Money-like and ratio parameters
are integers (``_bps`` = 1/10000, ``_s`` = seconds); the only floats are inputs of the
volatility model (``haircut_z``).

JSON layout (all keys optional except ``chain_id``; unknown keys are an error)::

    {"chain_id": 42161, "registry_address": "0x...", "vaults": [[1, "0x..."]],
     "verifying_key_path": "verification_key.json",     # relative to the JSON file
     "portfolio_verifying_keys": [{"slots": 8, "assets": 4, "path": "pvk.json"}],  # likewise
     "risk_free_rate_bps": 0,
     "standard": {...}, "portfolio": {...}, "latency": {...}, "liquidation": {...},
     "assets": [{"source_chain_id": 1, "asset_id": "0x...", "symbol": "WETH", "decimals": 18,
                 "base_haircut_bps": 500, "sigma_bps": 8000}],
     "option_underlyings": ["ETH"], "venue_address": "0x...",
     "trading": {...}, "oracle": {...},         # zkcollat.margin.params
     "provisional": {...}}                       # optimistic credit from lock reports
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from zkcollat.attest.eip712 import ZERO_ADDRESS, normalize_address
from zkcollat.errors import EncodingError
from zkcollat.groth16.keys import VerifyingKey
from zkcollat.margin.errors import MarginConfigError
from zkcollat.margin.params import OracleParams, TradingParams
from zkcollat.margin.portfolio_keys import PortfolioKeyEntry, parse_portfolio_keys

BPS = 10_000


def _nonneg_int(obj: object, name: str) -> None:
    v = getattr(obj, name)
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise MarginConfigError(
            f"{type(obj).__name__}.{name} = {v!r} must be a non-negative integer"
        )


def _check_ints(obj: object) -> None:
    for f in dataclasses.fields(obj):  # type: ignore[arg-type]
        if f.type in ("int", int):
            _nonneg_int(obj, f.name)


@dataclass(frozen=True)
class StandardMarginParams:
    """Per unit of underlying, S = spot: short call IM = max(im_base - OTM/S, im_floor)*S + mark,
    MM = call_mm*S + mark; short put IM likewise, MM = max(put_mm_spot*S, put_mm_mark*mark) + mark.
    IM is never below MM (as Deribit states it): IM = max(IM, MM). Long options need none."""

    im_base_bps: int = 1500
    im_floor_bps: int = 1000
    call_mm_bps: int = 1000
    put_mm_spot_bps: int = 1000
    put_mm_mark_bps: int = 1000

    def __post_init__(self) -> None:
        _check_ints(self)
        if self.im_floor_bps > self.im_base_bps:
            raise MarginConfigError(
                f"standard.im_floor_bps = {self.im_floor_bps} exceeds "
                f"im_base_bps = {self.im_base_bps}"
            )


@dataclass(frozen=True)
class PortfolioMarginParams:
    """Scenario grid: spot moves -max..+max in steps, each with vol up, unchanged and down
    (multiplicative shocks); IM = worst loss + contingency * S per net short option;
    MM = ratio * IM."""

    spot_move_max_bps: int = 1800
    spot_move_step_bps: int = 450
    vol_up_bps: int = 3000
    vol_down_bps: int = 3000
    contingency_bps: int = 100
    mm_ratio_bps: int = 8000

    def __post_init__(self) -> None:
        _check_ints(self)
        if self.spot_move_step_bps == 0 or self.spot_move_max_bps % self.spot_move_step_bps:
            raise MarginConfigError(
                f"portfolio.spot_move_step_bps = {self.spot_move_step_bps} must divide "
                f"spot_move_max_bps = {self.spot_move_max_bps}"
            )
        if self.spot_move_max_bps >= BPS or self.vol_down_bps >= BPS:
            raise MarginConfigError("portfolio spot and vol-down shocks must be below 100%")
        if not 0 < self.mm_ratio_bps <= BPS:
            raise MarginConfigError(
                f"portfolio.mm_ratio_bps = {self.mm_ratio_bps} is not in (0, 10000]"
            )

    def spot_moves_bps(self) -> list[int]:
        m, s = self.spot_move_max_bps, self.spot_move_step_bps
        return list(range(-m, m + 1, s))


@dataclass(frozen=True)
class LatencyParams:
    """L = relay + source finality + execution (from config) or the observed relay latency,
    whichever is larger. The breaker trips (reduce-only) when observed latency exceeds
    breaker_latency_s."""

    relay_latency_s: int = 120
    execution_s: int = 120
    default_finality_s: int = 900
    finality_s: Mapping[int, int] = field(default_factory=dict)
    attestation_interval_s: int = 300
    latency_window_s: int = 3600
    breaker_latency_s: int = 1800
    haircut_z: float = 2.33

    def __post_init__(self) -> None:
        _check_ints(self)
        object.__setattr__(self, "finality_s", {int(k): int(v) for k, v in self.finality_s.items()})
        if not isinstance(self.haircut_z, (int, float)) or self.haircut_z < 0:
            raise MarginConfigError(f"latency.haircut_z = {self.haircut_z!r} must be >= 0")

    def config_latency_s(self, source_chain_id: int) -> int:
        fin = self.finality_s.get(source_chain_id, self.default_finality_s)
        return self.relay_latency_s + fin + self.execution_s


@dataclass(frozen=True)
class LiquidationParams:
    """A seize pays the recipient registered in the vault (PROTOCOL.md s.7); Release and
    Seize messages are valid for message_ttl_s (their deadline)."""

    liquidation_window_s: int = 86_400
    penalty_bps: int = 250
    message_ttl_s: int = 3 * 86_400

    def __post_init__(self) -> None:
        _check_ints(self)
        if self.penalty_bps >= BPS:
            raise MarginConfigError("liquidation.penalty_bps must be below 10000")


@dataclass(frozen=True)
class ProvisionalParams:
    """Optimistic credit from committee lock reports (docs/protocol.md s.9). A reported lock
    counts at its haircut plus ``extra_haircut_bps`` until its proof is credited or
    ``verification_window_s`` after the report, whichever is first; the counted value is capped
    at ``max_account_e6`` per account and, over the whole venue, at ``fund_fraction_bps`` of
    the insurance fund (reports in the order they arrived take the room first). A zero
    fraction (the default) makes every report worth nothing."""

    extra_haircut_bps: int = 2000
    max_account_e6: int = 0
    fund_fraction_bps: int = 0
    verification_window_s: int = 3600

    def __post_init__(self) -> None:
        _check_ints(self)
        if self.extra_haircut_bps >= BPS:
            raise MarginConfigError("provisional.extra_haircut_bps must be below 10000")
        if self.fund_fraction_bps > BPS:
            raise MarginConfigError("provisional.fund_fraction_bps must be at most 10000")
        if self.verification_window_s == 0:
            raise MarginConfigError("provisional.verification_window_s must be > 0")


@dataclass(frozen=True)
class AssetConfig:
    """A collateral token on a source chain; ``sigma_bps`` is its annualised volatility."""

    source_chain_id: int
    asset_id: str
    symbol: str
    decimals: int
    base_haircut_bps: int
    sigma_bps: int

    def __post_init__(self) -> None:
        _check_ints(self)
        object.__setattr__(self, "asset_id", normalize_address(self.asset_id, "asset_id"))
        if self.base_haircut_bps >= BPS:
            raise MarginConfigError(f"asset {self.symbol}: base_haircut_bps must be below 10000")
        if self.decimals > 36:
            raise MarginConfigError(
                f"asset {self.symbol}: decimals = {self.decimals} is implausible"
            )

    @property
    def key(self) -> tuple[int, int]:
        return self.source_chain_id, int(self.asset_id, 16)


T = TypeVar("T")


def _sub(cls: type[T], d: Any, name: str) -> T:
    if d is None:
        return cls()
    if not isinstance(d, Mapping):
        raise MarginConfigError(f"config {name} must be an object")
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    extra = set(d) - names
    if extra:
        raise MarginConfigError(f"config {name} has unknown keys {sorted(extra)}")
    try:
        return cls(**d)
    except TypeError as e:
        raise MarginConfigError(f"config {name}: {e}") from e


@dataclass(frozen=True)
class VenueConfig:
    chain_id: int
    registry_address: str = ZERO_ADDRESS
    vaults: tuple[tuple[int, str], ...] = ()
    risk_free_rate_bps: int = 0
    max_clock_skew_s: int = 300
    standard: StandardMarginParams = field(default_factory=StandardMarginParams)
    portfolio: PortfolioMarginParams = field(default_factory=PortfolioMarginParams)
    latency: LatencyParams = field(default_factory=LatencyParams)
    liquidation: LiquidationParams = field(default_factory=LiquidationParams)
    assets: tuple[AssetConfig, ...] = ()
    option_underlyings: tuple[str, ...] = ()
    venue_address: str = ZERO_ADDRESS  # verifyingContract of the accounts' signed messages
    trading: TradingParams = field(default_factory=TradingParams)
    oracle: OracleParams = field(default_factory=OracleParams)
    provisional: ProvisionalParams = field(default_factory=ProvisionalParams)
    verifying_key: VerifyingKey | None = field(default=None, compare=False)
    verifying_key_path: str | None = None
    # the Portfolio statement's keys (zkcollat.margin.portfolio_keys), by (slots, assets)
    portfolio_verifying_keys: tuple[PortfolioKeyEntry, ...] = ()
    portfolio_keys: Mapping[tuple[int, int], VerifyingKey] = field(
        default_factory=dict, compare=False
    )

    def __post_init__(self) -> None:
        _nonneg_int(self, "chain_id")
        _nonneg_int(self, "risk_free_rate_bps")
        _nonneg_int(self, "max_clock_skew_s")
        try:
            object.__setattr__(
                self,
                "registry_address",
                normalize_address(self.registry_address, "registry_address"),
            )
            object.__setattr__(
                self, "venue_address", normalize_address(self.venue_address, "venue_address")
            )
            object.__setattr__(
                self,
                "vaults",
                tuple((int(c), normalize_address(v, "vault")) for c, v in self.vaults),
            )
        except EncodingError as e:
            raise MarginConfigError(str(e)) from e
        object.__setattr__(self, "assets", tuple(self.assets))
        object.__setattr__(self, "option_underlyings", tuple(self.option_underlyings))
        keys = [a.key for a in self.assets]
        if len(set(keys)) != len(keys):
            raise MarginConfigError("config lists an asset twice")
        for chain, _ in self.vaults:
            need = self.latency.config_latency_s(chain)
            if self.liquidation.liquidation_window_s < need:
                raise MarginConfigError(
                    f"liquidation_window_s = {self.liquidation.liquidation_window_s} is shorter "
                    f"than the {need}s a liquidation needs to settle on source chain {chain}"
                )

    def asset(self, source_chain_id: int, asset_id: int) -> AssetConfig | None:
        for a in self.assets:
            if a.key == (source_chain_id, asset_id):
                return a
        return None

    # --- JSON ----------------------------------------------------------------------------------

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | str, base_dir: str | Path = ".") -> VenueConfig:
        if isinstance(data, str):
            from zkcollat.formats import limits

            data = limits.loads(data, "venue config", limits.SMALL_JSON)
        d: Any = data
        if not isinstance(d, Mapping) or "chain_id" not in d:
            raise MarginConfigError("venue config must be an object with a chain_id")
        known = {f.name for f in dataclasses.fields(cls)} - {"verifying_key", "portfolio_keys"}
        extra = set(d) - known
        if extra:
            raise MarginConfigError(f"venue config has unknown keys {sorted(extra)}")
        vk = None
        vk_path = d.get("verifying_key_path")
        if vk_path is not None:
            from zkcollat.formats.snarkjs import read_json, vk_from_json

            vk = vk_from_json(read_json(Path(base_dir) / vk_path, "verification key"))
        pf_entries, pf_keys = parse_portfolio_keys(d.get("portfolio_verifying_keys"), base_dir)
        try:
            return cls(
                chain_id=d["chain_id"],
                registry_address=d.get("registry_address", ZERO_ADDRESS),
                vaults=tuple((int(c), v) for c, v in d.get("vaults", ())),
                risk_free_rate_bps=d.get("risk_free_rate_bps", 0),
                max_clock_skew_s=d.get("max_clock_skew_s", 300),
                standard=_sub(StandardMarginParams, d.get("standard"), "standard"),
                portfolio=_sub(PortfolioMarginParams, d.get("portfolio"), "portfolio"),
                latency=_sub(LatencyParams, d.get("latency"), "latency"),
                liquidation=_sub(LiquidationParams, d.get("liquidation"), "liquidation"),
                assets=tuple(_sub(AssetConfig, a, "asset") for a in d.get("assets", ())),
                option_underlyings=tuple(d.get("option_underlyings", ())),
                venue_address=d.get("venue_address", ZERO_ADDRESS),
                trading=_sub(TradingParams, d.get("trading"), "trading"),
                oracle=_sub(OracleParams, d.get("oracle"), "oracle"),
                provisional=_sub(ProvisionalParams, d.get("provisional"), "provisional"),
                verifying_key=vk,
                verifying_key_path=vk_path,
                portfolio_verifying_keys=pf_entries,
                portfolio_keys=pf_keys,
            )
        except (TypeError, ValueError) as e:
            raise MarginConfigError(f"venue config: {e}") from e

    @classmethod
    def load(cls, path: str | Path) -> VenueConfig:
        from zkcollat.formats import limits

        p = Path(path)
        d = limits.read_json(p, "venue config", limits.SMALL_JSON)
        return cls.from_json(d, p.parent)

    def to_json(self) -> dict[str, Any]:
        def plain(obj: Any) -> Any:
            d = dataclasses.asdict(obj)
            return d

        out: dict[str, Any] = {
            "chain_id": self.chain_id,
            "registry_address": self.registry_address,
            "vaults": [[c, v] for c, v in self.vaults],
            "risk_free_rate_bps": self.risk_free_rate_bps,
            "max_clock_skew_s": self.max_clock_skew_s,
            "standard": plain(self.standard),
            "portfolio": plain(self.portfolio),
            "latency": {
                **plain(self.latency),
                "finality_s": {str(k): v for k, v in self.latency.finality_s.items()},
            },
            "liquidation": plain(self.liquidation),
            "assets": [plain(a) for a in self.assets],
            "option_underlyings": list(self.option_underlyings),
            "venue_address": self.venue_address,
            "trading": plain(self.trading),
            "oracle": plain(self.oracle),
            "provisional": plain(self.provisional),
        }
        if self.verifying_key_path is not None:
            out["verifying_key_path"] = self.verifying_key_path
        if self.portfolio_verifying_keys:
            out["portfolio_verifying_keys"] = [e.to_json() for e in self.portfolio_verifying_keys]
        return out
