"""``zkcollat margin report-lock|reports|resolve-reports``: a committee lock report through the
command line, the refusals naming their rule (an under-signed report, a malformed file, a second
report of the lock), and the keeper's pass at the deadline."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import ALICE, NOW, REGISTRY, VAULT_ADDRESS, WETH, World, fails, run
from tests.cli.test_attest_margin_cli import _venue
from zkcollat.attest.attestation import zkcollat_domain
from zkcollat.attest.lock_report import LockReport, sign_lock_report
from zkcollat.cli.attest_cmd import read_key

DAY = 86_400


def _report(world: World, path: Path, n_keys: int, lock_id: int = 7) -> Path:
    rep = LockReport(
        1, VAULT_ADDRESS, lock_id, ALICE, 42161, WETH, 2 * 10**18, NOW + 60 * DAY, 150, b"\x05" * 32
    )
    keys = [read_key(str(k)) for k in world.keys[:n_keys]]
    signed = sign_lock_report(rep, zkcollat_domain(42161, REGISTRY), keys)
    path.write_text(json.dumps(signed.to_json()))
    return path


def test_report_lock_story(world: World, tmp_path: Path) -> None:
    v, bundle = _venue(world, tmp_path)
    run(*v, "submit-root", str(bundle))
    run(*v, "asset-price", "1", WETH, "--price", "3000")
    run(*v, "insurance", "--fund", "100000")
    # unsigned and under-signed reports are worth nothing
    assert "needs 2" in fails(*v, "report-lock", str(_report(world, tmp_path / "0.json", 0)))
    assert "needs 2" in fails(*v, "report-lock", str(_report(world, tmp_path / "1.json", 1)))
    (tmp_path / "junk.json").write_text(json.dumps({"type": "RootAttestation"}))
    assert "signed lock report" in fails(*v, "report-lock", str(tmp_path / "junk.json"))
    good = _report(world, tmp_path / "2.json", 2)
    out = json.loads(run(*v, "report-lock", str(good), "--json").stdout)
    # the example config: 2000 bps on top of the 500 bps base haircut and the latency add-on
    assert 0 < out["counted_e6"] < 2 * 3000 * 7500 // 10_000 * 10**6
    assert out["report"]["status"] == "active" and out["summary"]["collateral_value_e6"] > 0
    assert "reported already" in fails(*v, "report-lock", str(good))
    acct = json.loads(run(*v, "account", ALICE, "--json").stdout)
    assert acct["reports"][0]["lockId"] == "7" and acct["reports"][0]["counted_e6"] > 0
    assert "reported lock 7" in run(*v, "account", ALICE).stdout
    ins = json.loads(run(*v, "insurance", "--json").stdout)
    assert ins["provisional_exposure_e6"] == out["counted_e6"]
    listed = json.loads(run(*v, "reports", "--json").stdout)
    assert listed["exposure_e6"] == out["counted_e6"] and len(listed["reports"]) == 1
    assert "no report to resolve" in run(*v, "resolve-reports").stdout
    later = ["margin", "--venue", str(tmp_path / "venue"), "--now", str(NOW + 3600)]
    res = json.loads(run(*later, "resolve-reports", "--json").stdout)
    assert [r["status"] for r in res["resolved"]] == ["lapsed"] and res["liquidations"] == []
    assert json.loads(run(*later, "reports", "--json").stdout)["exposure_e6"] == 0
    assert json.loads(run(*later, "audit", "--json").stdout)["ok"] is True
