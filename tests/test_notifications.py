"""The in-app inbox, and e-mail when SMTP is configured."""

from __future__ import annotations

import re

from sqlalchemy import select

from jointdegree.notifications.models import Notification
from tests.support import csrf_token, login


def _unread_badge(page: str) -> str | None:
    match = re.search(r'<span class="badge"[^>]*>(\d+)</span>', page)
    return match.group(1) if match else None


def test_the_partner_registrar_sees_the_count_and_reads_it_in_their_language(client, world):
    login(client, "reg.haikou@example.org")
    page = client.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert _unread_badge(page) == "1"
    inbox = client.get("/inbox/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "NH-CS" in inbox and "双学位" in inbox


def test_opening_marks_read_and_follows_the_link(client, world, db) -> None:
    login(client, "reg.haikou@example.org")
    notification = db.scalar(select(Notification).where(Notification.kind ==
                                                        "partnership.created"))
    response = client.post(f"/inbox/{notification.id}/open",
                           data={"csrf_token": csrf_token(client, "/inbox/")})
    assert response.headers["Location"] == f"/partnerships/{world['partnership'].id}"
    assert _unread_badge(client.get("/").get_data(as_text=True)) is None


def test_nobody_opens_someone_elses_notification(client, world, db) -> None:
    notification = db.scalar(select(Notification))
    login(client, "student@example.org")
    response = client.post(f"/inbox/{notification.id}/open",
                           data={"csrf_token": csrf_token(client, "/inbox/")})
    assert response.status_code == 404
    db.refresh(notification)
    assert notification.read_at is None


def test_mark_all_read(client, world) -> None:
    login(client, "reg.haikou@example.org")
    client.post("/inbox/read-all", data={"csrf_token": csrf_token(client, "/inbox/")})
    assert _unread_badge(client.get("/").get_data(as_text=True)) is None


def test_email_is_sent_only_when_smtp_is_configured(app, ctx, monkeypatch) -> None:
    from jointdegree.auth.models import Role
    from jointdegree.notifications import services
    from tests.factories import make_institution, make_user

    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            self.host, self.port = host, port

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            pass

        def login(self, user, password):
            pass

        def send_message(self, message):
            sent.append(message)

    monkeypatch.setattr(services.smtplib, "SMTP", FakeSMTP)
    user = make_user(Role.REGISTRAR, make_institution(), locale="fr")
    services.notify([user], "partnership.created", {"code": "DD1", "by": "Wang Li"}, "/x")
    assert sent == []
    app.config["SMTP_HOST"] = "smtp.example.org"
    services.notify([user], "partnership.created", {"code": "DD2", "by": "Wang Li"}, "/x")
    assert len(sent) == 1
    body = sent[0].get_content()
    assert sent[0]["To"] == user.email
    assert "DD2" in body and "partenariat" in body  # worded in the recipient's language
    assert body.strip().endswith("/x")
