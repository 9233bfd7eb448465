"""The foundation's resources: institutions, programmes, partnerships, the caller, tokens.

Handlers only translate between JSON and the catalog/auth services; every rule (permission,
validation, audit, notification) lives in those services.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from jointdegree.api.pagination import ListQuery, Page, paginate
from jointdegree.api.registry import endpoint, if_match_version
from jointdegree.api.schemas import (
    InstitutionIn,
    InstitutionOut,
    InstitutionPatch,
    InstitutionQuery,
    MeOut,
    PartnershipIn,
    PartnershipOut,
    PartnershipPatch,
    PartnershipQuery,
    ProgrammeIn,
    ProgrammeOut,
    ProgrammePatch,
    ProgrammeQuery,
    ProgrammeRef,
    TokenOut,
    names_of,
    names_to_fields,
)
from jointdegree.auth import tokens
from jointdegree.auth.models import ApiToken, User
from jointdegree.catalog import services as catalog
from jointdegree.catalog.models import Institution, Partnership, Programme
from jointdegree.errors import NotFound, ValidationFailed

READ_ERRORS = (401, 404)
WRITE_ERRORS = (400, 401, 403, 404, 409, 413, 415, 428)


# -- serializers ----------------------------------------------------------------------------------

def institution_out(institution: Institution) -> InstitutionOut:
    return InstitutionOut(code=institution.code, names=names_of(institution),
                          city=names_of(institution, "city"), country=institution.country,
                          timezone=institution.timezone,
                          credit_system=institution.credit_system.value,
                          grading_scale=institution.grading_scale, version=institution.version)


def programme_out(programme: Programme) -> ProgrammeOut:
    return ProgrammeOut(id=programme.id, institution=programme.institution.code,
                        code=programme.code, names=names_of(programme),
                        level=programme.level.value,
                        required_credits=programme.required_credits,
                        credit_system=programme.institution.credit_system.value,
                        duration_semesters=programme.duration_semesters,
                        active=programme.active, version=programme.version)


def partnership_out(partnership: Partnership) -> PartnershipOut:
    return PartnershipOut(
        id=partnership.id, code=partnership.code, names=names_of(partnership),
        status=partnership.status.value, first_intake_year=partnership.first_intake_year,
        programmes=[ProgrammeRef(id=p.id, code=p.code, institution=p.institution.code,
                                 names=names_of(p)) for p in partnership.programmes],
        version=partnership.version)


def _patch_fields(patch: Any) -> dict[str, Any]:
    """A PATCH body as service field names; only what was sent."""
    sent = patch.model_dump(exclude_unset=True, exclude={"names", "city"})
    sent |= names_to_fields(patch.names, partial=True) if "names" in patch.model_fields_set else {}
    if "city" in getattr(patch, "model_fields_set", set()):
        sent |= names_to_fields(patch.city, "city", partial=True)
    return sent


# -- institutions ---------------------------------------------------------------------------------

@endpoint("GET", "/institutions", summary="List partner institutions", tag="institutions",
          query=InstitutionQuery, response=Page[InstitutionOut], errors=(400, 401))
def list_institutions(user: User, query: InstitutionQuery) -> Any:
    """Every role may read the institutions. Sort by code, country or credit_system."""
    return paginate(select(Institution).where(*_institution_filters(query)), query,
                    institution_out,
                    sortable={"code": Institution.code, "country": Institution.country,
                              "credit_system": Institution.credit_system},
                    default_order=(Institution.code,))


def _institution_filters(query: InstitutionQuery) -> list[Any]:
    clauses = []
    if query.country:
        clauses.append(Institution.country == query.country.upper())
    if query.credit_system:
        clauses.append(Institution.credit_system == query.credit_system)
    return clauses


@endpoint("GET", "/institutions/<code>", summary="One institution", tag="institutions",
          response=InstitutionOut, errors=READ_ERRORS)
def get_institution(user: User, code: str) -> InstitutionOut:
    return institution_out(catalog.get_institution(code))


@endpoint("POST", "/institutions", summary="Create an institution (admin)", tag="institutions",
          body=InstitutionIn, response=InstitutionOut, status=201, errors=WRITE_ERRORS)
def create_institution(user: User, body: InstitutionIn) -> Any:
    data = body.model_dump(exclude={"names", "city"})
    data |= names_to_fields(body.names) | names_to_fields(body.city, "city")
    institution = catalog.create_institution(data, actor=user)
    return institution_out(institution), {"Location": f"/api/v1/institutions/{institution.code}"}


@endpoint("PATCH", "/institutions/<code>", summary="Change an institution", tag="institutions",
          body=InstitutionPatch, response=InstitutionOut, errors=WRITE_ERRORS, conditional=True)
def patch_institution(user: User, code: str, body: InstitutionPatch) -> InstitutionOut:
    """Admins, and the institution's own registrars. Send If-Match with the ETag you read."""
    institution = catalog.get_institution(code)
    version = if_match_version()
    return institution_out(catalog.update_institution(institution, _patch_fields(body), user,
                                                      expected_version=version))


# -- programmes -----------------------------------------------------------------------------------

@endpoint("GET", "/programmes", summary="List degree programmes", tag="programmes",
          query=ProgrammeQuery, response=Page[ProgrammeOut], errors=(400, 401))
def list_programmes(user: User, query: ProgrammeQuery) -> Any:
    """Filter by institution code, level, active; sort by code, level, required_credits."""
    statement = select(Programme).join(Programme.institution).options(
        selectinload(Programme.institution))
    if query.institution:
        statement = statement.where(Institution.code == query.institution.upper())
    if query.level:
        statement = statement.where(Programme.level == query.level)
    if query.active is not None:
        statement = statement.where(Programme.active.is_(query.active))
    return paginate(statement, query, programme_out,
                    sortable={"code": Programme.code, "level": Programme.level,
                              "required_credits": Programme.required_credits,
                              "institution": Institution.code},
                    default_order=(Institution.code, Programme.code))


@endpoint("GET", "/programmes/<id:programme_id>", summary="One programme", tag="programmes",
          response=ProgrammeOut, errors=READ_ERRORS)
def get_programme(user: User, programme_id: int) -> ProgrammeOut:
    return programme_out(catalog.get_programme(programme_id))


@endpoint("POST", "/programmes", summary="Create a programme", tag="programmes",
          body=ProgrammeIn, response=ProgrammeOut, status=201, errors=WRITE_ERRORS)
def create_programme(user: User, body: ProgrammeIn) -> Any:
    """Admins, and registrars of the programme's institution."""
    institution = catalog.get_institution(body.institution)
    data = body.model_dump(exclude={"names", "institution"}) | names_to_fields(body.names)
    programme = catalog.create_programme(institution, data, actor=user)
    return programme_out(programme), {"Location": f"/api/v1/programmes/{programme.id}"}


@endpoint("PATCH", "/programmes/<id:programme_id>", summary="Change a programme",
          tag="programmes", body=ProgrammePatch, response=ProgrammeOut, errors=WRITE_ERRORS,
          conditional=True)
def patch_programme(user: User, programme_id: int, body: ProgrammePatch) -> ProgrammeOut:
    programme = catalog.get_programme(programme_id)
    version = if_match_version()
    return programme_out(catalog.update_programme(programme, _patch_fields(body), user,
                                                  expected_version=version))


# -- partnerships ---------------------------------------------------------------------------------

@endpoint("GET", "/partnerships", summary="List double-degree partnerships",
          tag="partnerships", query=PartnershipQuery, response=Page[PartnershipOut],
          errors=(400, 401))
def list_partnerships(user: User, query: PartnershipQuery) -> Any:
    statement = select(Partnership).options(
        selectinload(Partnership.programme_a).selectinload(Programme.institution),
        selectinload(Partnership.programme_b).selectinload(Programme.institution))
    if query.status:
        statement = statement.where(Partnership.status == query.status)
    if query.institution:
        ids = select(Programme.id).join(Programme.institution).where(
            Institution.code == query.institution.upper())
        statement = statement.where(or_(Partnership.programme_a_id.in_(ids),
                                        Partnership.programme_b_id.in_(ids)))
    return paginate(statement, query, partnership_out,
                    sortable={"code": Partnership.code, "status": Partnership.status,
                              "first_intake_year": Partnership.first_intake_year},
                    default_order=(Partnership.code,))


@endpoint("GET", "/partnerships/<id:partnership_id>", summary="One partnership",
          tag="partnerships", response=PartnershipOut, errors=READ_ERRORS)
def get_partnership(user: User, partnership_id: int) -> PartnershipOut:
    return partnership_out(catalog.get_partnership(partnership_id))


@endpoint("POST", "/partnerships", summary="Propose a partnership", tag="partnerships",
          body=PartnershipIn, response=PartnershipOut, status=201, errors=WRITE_ERRORS)
def create_partnership(user: User, body: PartnershipIn) -> Any:
    """A registrar of one of the two institutions (or an admin); the other side is notified."""
    programmes = []
    for field in ("programme_a", "programme_b"):
        try:
            programmes.append(catalog.get_programme(getattr(body, field)))
        except NotFound:
            raise ValidationFailed(_l("No such programme."),
                                   fields={field: _l("No such programme.")}) from None
    data = body.model_dump(exclude={"names", "programme_a", "programme_b"})
    partnership = catalog.create_partnership(*programmes, data | names_to_fields(body.names),
                                             actor=user)
    return partnership_out(partnership), {"Location":
                                          f"/api/v1/partnerships/{partnership.id}"}


@endpoint("PATCH", "/partnerships/<id:partnership_id>", summary="Change a partnership",
          tag="partnerships", body=PartnershipPatch, response=PartnershipOut,
          errors=WRITE_ERRORS, conditional=True)
def patch_partnership(user: User, partnership_id: int, body: PartnershipPatch
                      ) -> PartnershipOut:
    partnership = catalog.get_partnership(partnership_id)
    version = if_match_version()
    return partnership_out(catalog.update_partnership(partnership, _patch_fields(body), user,
                                                      expected_version=version))


# -- the caller and their tokens ------------------------------------------------------------------

@endpoint("GET", "/me", summary="The user the token acts for", tag="me", response=MeOut,
          errors=(401,))
def me(user: User) -> MeOut:
    return MeOut(id=user.id, email=user.email, display_name=user.display_name,
                 role=user.role.value,
                 institution=user.institution.code if user.institution else None,
                 locale=user.locale, timezone=user.timezone, version=user.version)


def token_out(token: ApiToken) -> TokenOut:
    return TokenOut(id=token.id, name=token.name, prefix=token.prefix,
                    created_at=token.created_at, expires_at=token.expires_at,
                    last_used_at=token.last_used_at, revoked_at=token.revoked_at)


@endpoint("GET", "/me/tokens", summary="The caller's personal access tokens", tag="me",
          query=ListQuery, response=Page[TokenOut], errors=(400, 401))
def my_tokens(user: User, query: ListQuery) -> Any:
    """Newest first; revoked and expired tokens stay listed (with their dates)."""
    return paginate(select(ApiToken).where(ApiToken.user_id == user.id), query, token_out,
                    sortable={"created_at": ApiToken.created_at, "name": ApiToken.name},
                    default_order=(ApiToken.created_at.desc(), ApiToken.id.desc()))


@endpoint("DELETE", "/me/tokens/<id:token_id>", summary="Revoke one of the caller's tokens",
          tag="me", status=204, errors=(401, 404))
def revoke_token(user: User, token_id: int) -> None:
    tokens.revoke_token(user, token_id)
