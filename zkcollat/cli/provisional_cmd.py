"""``zkcollat margin report-lock|reports|resolve-reports``: optimistic credit from committee
lock reports (docs/protocol.md s.9), from the report the relayer gathered
(``zkcollat relayer report-lock``) to the keeper's pass that lapses the unproven ones."""

from __future__ import annotations

from typing import Any

import click

from zkcollat.attest.lock_report import SignedLockReport
from zkcollat.cli._common import ADDRESS, emit, json_option, load_json_file
from zkcollat.cli.units import usd


def register(margin: click.Group) -> None:
    from zkcollat.cli.ledger_cmd import liquidation_text, summary_text
    from zkcollat.cli.margin_cmd import VenueCtx

    pass_ctx = click.make_pass_decorator(VenueCtx)

    @margin.command("report-lock")
    @click.argument("report_path", metavar="REPORT", type=click.Path(dir_okay=False))
    @json_option
    @pass_ctx
    def margin_report_lock(vc: VenueCtx, report_path: str, as_json: bool) -> None:
        """Accept a signed lock report (REPORT, from `zkcollat relayer report-lock`) as
        provisional credit of the lock's owner, until its proof is credited or the verification
        window ends. Refused unless the threshold of the current committee signed it."""
        signed = SignedLockReport.from_json(load_json_file(report_path, "signed lock report"))
        v = vc.open()
        p = v.report_lock(signed, now=vc.now)
        s = v.margin(p.account, now=vc.now)
        counted = v.provisional_values(vc.now).get(p.key, 0)
        out = {"report": p.to_json(), "counted_e6": counted, "summary": s.to_json()}
        emit(
            as_json,
            out,
            f"lock {p.lock_id} of vault {p.vault} reported for {p.account}: counts "
            f"{usd(counted)} until {p.deadline} unless proven\n{summary_text(s)}",
        )

    @margin.command("reports")
    @click.argument("account", type=ADDRESS, required=False)
    @json_option
    @pass_ctx
    def margin_reports(vc: VenueCtx, account: str | None, as_json: bool) -> None:
        """Lock reports (of ACCOUNT, or all) with the value each counts now, and the insurance
        fund's exposure to them."""
        v = vc.open()
        vals = v.provisional_values(vc.now)
        acct = None if account is None else v.addr(account)
        rows: list[dict[str, Any]] = [
            {**p.to_json(), "counted_e6": vals.get(k, 0)}
            for k, p in v.provisional.items()
            if acct is None or p.account == acct
        ]
        exposure = v.provisional_exposure_e6(vc.now)
        out = {"reports": rows, "exposure_e6": exposure, "insurance_e6": v.insurance_fund_e6()}
        emit(
            as_json,
            out,
            lambda: "\n".join(
                [
                    f"lock {r['lockId']} of vault {r['vault']} for {r['account']}: {r['status']}, "
                    f"counts {usd(r['counted_e6'])} (deadline {r['deadline']})"
                    for r in rows
                ]
                + [
                    f"exposure {usd(exposure)} of the insurance fund "
                    f"{usd(v.insurance_fund_e6())}"
                ]
            ),
        )

    @margin.command("resolve-reports")
    @json_option
    @pass_ctx
    def margin_resolve_reports(vc: VenueCtx, as_json: bool) -> None:
        """The keeper's pass: reports whose lock was proven are resolved, reports past their
        deadline lapse, and each account that lost one is margin-checked and liquidated if
        below maintenance margin."""
        res = vc.open().resolve_reports(now=vc.now)
        emit(
            as_json,
            res.to_json(),
            lambda: "\n".join(
                [f"lock {p.lock_id} of vault {p.vault}: {p.status}" for p in res.resolved]
                + [liquidation_text(r) for r in res.liquidations]
                or ["no report to resolve"]
            ),
        )
