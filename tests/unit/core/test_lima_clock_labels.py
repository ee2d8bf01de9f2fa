"""The names the admin shows for records with a time (an audit entry, a worker's heartbeat, an
owner report) and the dataset's data card read the Lima clock, as every page does, not UTC."""

import datetime as dt

from core.models import AuditEntry, WorkerHeartbeat
from feedback.dataset.datacard import _date
from feedback.models import OwnerReport

LATE = dt.datetime(2026, 12, 8, 2, 4, 9, tzinfo=dt.UTC)  # 21:04:09 on the 7th in Lima


def test_an_audit_entry_is_named_with_the_lima_time():
    entry = AuditEntry(at=LATE, actor_name="gestor.datos", action="export", target_repr="x")
    assert str(entry) == "07/12/2026 21:04 gestor.datos export x"


def test_a_worker_heartbeat_is_named_with_the_lima_time():
    beat = WorkerHeartbeat(hostname="asesor@host", seen_at=LATE)
    assert str(beat) == "asesor@host @ 07/12/2026 21:04:09"


def test_an_owner_report_is_named_with_the_lima_time():
    assert str(OwnerReport(business_id=7, created_at=LATE)) == "7 07/12/2026 21:04"


def test_the_data_card_gives_an_instant_day_on_the_lima_clock():
    assert _date(LATE) == "07/12/2026"
    assert _date(dt.date(2026, 12, 8)) == "08/12/2026"  # a day stays that day
    assert _date(None) == "—"


def test_the_audit_log_shows_an_instant_of_its_detail_on_the_lima_clock():
    from django.contrib import admin

    from core.admin import AuditEntryAdmin

    entry = AuditEntry(
        at=LATE,
        action="api_key.created",
        detail={"partner": "GORE", "expires": "2027-12-08T02:04:09.5+00:00", "period": "2026-01"},
    )
    shown = AuditEntryAdmin(AuditEntry, admin.site).detail_short(entry)
    assert shown == "partner: GORE, expires: 07/12/2027 21:04, period: 2026-01"
