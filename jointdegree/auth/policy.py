"""Who may do what: named permissions, each decided by one small policy function.

Views, API endpoints and services ask ``can(user, "programme.edit", programme)`` or call
``authorize(...)``; features register their own permissions with :func:`policy`. Keeping every
rule here (and not in ad-hoc ``if`` statements in views) is what lets the authorization-matrix
test enumerate them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from flask_login import current_user
from werkzeug.exceptions import Forbidden

from jointdegree.auth.models import Role, User

P = ParamSpec("P")
R = TypeVar("R")
PolicyFn = Callable[[User, Any], bool]

_POLICIES: dict[str, PolicyFn] = {}


class NotAllowed(Forbidden):
    """403 with the permission that was refused (shown to the user, logged for the operator)."""

    def __init__(self, permission: str) -> None:
        super().__init__(description=permission)
        self.permission = permission


def policy(name: str) -> Callable[[PolicyFn], PolicyFn]:
    """Register the function deciding permission ``name``."""

    def register(fn: PolicyFn) -> PolicyFn:
        if name in _POLICIES:
            raise ValueError(f"permission {name!r} is already defined")
        _POLICIES[name] = fn
        return fn

    return register


def permissions() -> list[str]:
    return sorted(_POLICIES)


def can(user: Any, name: str, target: Any = None) -> bool:
    """Whether ``user`` holds permission ``name`` on ``target``. Unknown names are an error."""
    try:
        decide = _POLICIES[name]
    except KeyError:
        raise KeyError(f"unknown permission {name!r}") from None
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return False
    return bool(decide(user, target))


def authorize(name: str, target: Any = None, user: Any = None) -> None:
    """Raise 403 unless the (current) user holds ``name`` on ``target``."""
    if not can(user if user is not None else current_user, name, target):
        raise NotAllowed(name)


def roles_required(*roles: Role) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """View decorator: logged in, and one of ``roles`` (admins always pass)."""

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            if current_user.role is not Role.ADMIN and current_user.role not in roles:
                raise NotAllowed("role:" + "|".join(r.value for r in roles))
            return view(*args, **kwargs)

        return wrapper

    return decorate


# -- the foundation's permissions -----------------------------------------------------------------

def is_admin(user: User) -> bool:
    return user.role is Role.ADMIN


def is_registrar_of(user: User, institution_id: int | None) -> bool:
    return (user.role is Role.REGISTRAR and institution_id is not None
            and user.institution_id == institution_id)


@policy("institution.create")
def _institution_create(user: User, _target: Any) -> bool:
    return is_admin(user)


@policy("institution.edit")
def _institution_edit(user: User, institution: Any) -> bool:
    """Edit the institution and manage its programmes and terms."""
    return is_admin(user) or is_registrar_of(user, getattr(institution, "id", None))


@policy("programme.edit")
def _programme_edit(user: User, target: Any) -> bool:
    """``target``: a Programme or AcademicTerm (or anything with ``institution_id``)."""
    return is_admin(user) or is_registrar_of(user, getattr(target, "institution_id", None))


@policy("partnership.create")
def _partnership_create(user: User, institution_ids: Any) -> bool:
    """``institution_ids``: the two partners; a registrar must belong to one of them."""
    return is_admin(user) or (user.role is Role.REGISTRAR
                              and user.institution_id in (institution_ids or ()))


@policy("partnership.edit")
def _partnership_edit(user: User, partnership: Any) -> bool:
    """Either partner's registrar may edit a partnership they are part of."""
    return is_admin(user) or (user.role is Role.REGISTRAR
                              and user.institution_id in partnership.institution_ids())


@policy("user.manage")
def _user_manage(user: User, _target: Any) -> bool:
    return is_admin(user)


@policy("audit.read")
def _audit_read(user: User, institution: Any) -> bool:
    return is_admin(user) or is_registrar_of(user, getattr(institution, "id", None))
