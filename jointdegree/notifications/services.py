"""Sending and reading notifications.

A notification is stored as a ``kind`` and its parameters; :data:`MESSAGES` words each kind, so
every reader gets it in their own language, whenever they read it. Features register their kinds
with :func:`register_kind`.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Sequence
from email.message import EmailMessage
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from jointdegree.auth.models import User
from jointdegree.db import session, utcnow
from jointdegree.notifications.models import Notification

log = logging.getLogger(__name__)

MESSAGES: dict[str, Any] = {
    "partnership.created": _l("%(by)s proposed the double-degree partnership %(code)s."),
    "account.created": _l("Welcome to jointdegree, %(name)s."),
}


def register_kind(kind: str, message: Any) -> None:
    MESSAGES[kind] = message


def render(notification: Notification) -> str:
    template = MESSAGES.get(notification.kind)
    if template is None:
        return notification.kind
    try:
        return str(template) % notification.params
    except (KeyError, TypeError, ValueError):
        return str(template)


def notify(users: Sequence[User], kind: str, params: dict[str, Any],
           link: str | None = None) -> list[Notification]:
    """Add one notification per user to the current transaction; e-mail if SMTP is set."""
    if kind not in MESSAGES:
        raise KeyError(f"unregistered notification kind {kind!r}")
    created = [Notification(user_id=user.id, kind=kind, params=params, link=link)
               for user in users]
    session.add_all(created)
    if current_app.config.get("SMTP_HOST"):
        for user, notification in zip(users, created, strict=True):
            _send_mail(user, notification)
    return created


def _send_mail(user: User, notification: Notification) -> None:
    config = current_app.config
    with force_locale(user.locale or "en"):
        text = render(notification)
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = user.email
    message["Subject"] = "jointdegree: " + text[:80]
    body = text
    if notification.link:
        body += "\n\n" + config["BASE_URL"].rstrip("/") + notification.link
    message.set_content(body)
    try:
        with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=10) as smtp:
            if config["SMTP_STARTTLS"]:
                smtp.starttls()
            if config["SMTP_USER"]:
                smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"] or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException):
        # The inbox still has it; a mail outage must not undo the change that notified.
        log.exception("could not e-mail notification %s to %s", notification.kind, user.email)


def unread_count(user: User) -> int:
    return session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def inbox(user: User, limit: int = 100) -> list[Notification]:
    return list(session.scalars(
        select(Notification).where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)))


def mark_read(user: User, notification_id: int | None = None) -> int:
    """Mark one (or, without an id, every) notification of ``user`` read."""
    query = update(Notification).where(Notification.user_id == user.id,
                                       Notification.read_at.is_(None))
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    result = session.execute(query.values(read_at=utcnow()))
    session.commit()
    return result.rowcount or 0
