"""The home page each role lands on, and the language switcher on every page.

Features add cards to a role's home page with :func:`register_card`: a function returning the
card's template context, or ``None`` when it has nothing to show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, make_response, redirect, render_template, request
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from jointdegree.auth.models import Role, User
from jointdegree.db import session
from jointdegree.i18n import LANG_COOKIE, LANGUAGES
from jointdegree.web import safe_next

bp = Blueprint("home", __name__)


@dataclass(frozen=True)
class Card:
    template: str
    roles: frozenset[Role]
    context: Callable[[User], dict[str, Any] | None]
    order: int = 100


CARDS: list[Card] = []


def register_card(template: str, roles: set[Role],
                  order: int = 100) -> Callable[[Callable[[User], dict[str, Any] | None]],
                                                Callable[[User], dict[str, Any] | None]]:
    def decorate(fn: Callable[[User], dict[str, Any] | None]
                 ) -> Callable[[User], dict[str, Any] | None]:
        CARDS.append(Card(template, frozenset(roles), fn, order))
        CARDS.sort(key=lambda card: card.order)
        return fn

    return decorate


@bp.route("/")
@login_required
def index() -> str:
    cards = []
    for card in CARDS:
        if current_user.role in card.roles:
            context = card.context(current_user)
            if context is not None:
                cards.append((card.template, context))
    return render_template("home/index.html", cards=cards)


@bp.route("/language", methods=["POST"])
def set_language() -> Response:
    """Switch language; remembered in a cookie, and on the account when logged in."""
    lang = request.form.get("lang", "")
    if lang not in LANGUAGES:
        abort(400)
    if current_user.is_authenticated and current_user.locale != lang:
        current_user.locale = lang
        session.commit()
    target = request.form.get("next") or request.args.get("next")
    response = make_response(redirect(safe_next(target)))
    response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, httponly=True, samesite="Lax",
                        secure=request.is_secure)
    return response
