"""The inbox page, and its card on every home page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from jointdegree.auth.models import Role, User
from jointdegree.db import session
from jointdegree.home.views import register_card
from jointdegree.notifications import services
from jointdegree.notifications.models import Notification
from jointdegree.web import safe_next

bp = Blueprint("notifications", __name__, url_prefix="/inbox")


@bp.route("/")
@login_required
def inbox() -> str:
    items = services.inbox(current_user)
    return render_template("notifications/inbox.html", items=items, render=services.render)


@bp.route("/<id:notification_id>/open", methods=["POST"])
@login_required
def open_notification(notification_id: int) -> Response:
    """Mark read and follow the notification's link."""
    notification = session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        abort(404)
    link = notification.link
    services.mark_read(current_user, notification_id)
    return redirect(safe_next(link) if link else url_for("notifications.inbox"))


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all() -> Response:
    services.mark_read(current_user)
    return redirect(safe_next(request.form.get("next")) if request.form.get("next")
                    else url_for("notifications.inbox"))


@register_card("notifications/_card.html", set(Role), order=10)
def _inbox_card(user: User) -> dict[str, Any] | None:
    items = [n for n in services.inbox(user, limit=5) if n.read_at is None]
    return {"items": items, "render": services.render}
