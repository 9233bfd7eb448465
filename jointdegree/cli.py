"""The ``jointdegree`` command: a Flask CLI group over :func:`jointdegree.create_app`.

The app is created lazily (only for commands that need it) and creating it never connects to the
database, so ``jointdegree --help`` works without one. A wrong setting or an unreachable database
ends the command with one line naming the setting, not a traceback.
"""

from __future__ import annotations

import sys
from typing import Any

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from jointdegree import create_app
from jointdegree.config import ConfigError


def _factory() -> Any:
    return create_app()


@click.group(cls=FlaskGroup, create_app=_factory, add_default_commands=True,
             load_dotenv=False, set_debug_flag=False)
def cli() -> None:
    """Manage the jointdegree double-degree service."""


def _database_label() -> str:
    return make_url(current_app.config["DATABASE_URL"]).render_as_string(hide_password=True)


def check_database() -> None:
    """Connect once; raise a one-line :class:`ConfigError` when the database is unreachable."""
    from jointdegree.db import database, error_reason

    try:
        with database().engine.connect():
            pass
    except OperationalError as exc:
        raise ConfigError(f"cannot connect to JOINTDEGREE_DATABASE_URL ({_database_label()}): "
                          f"{error_reason(exc)}") from None


# -- db -------------------------------------------------------------------------------------------

@cli.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Migrate the database up to REVISION (default: the newest)."""
    from jointdegree import migrate

    check_database()
    migrate.upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"database {_database_label()} at revision {_current()}")


@db.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Migrate the database down to REVISION ("base" empties it, "-1" undoes one step)."""
    from jointdegree import migrate

    check_database()
    migrate.downgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"database {_database_label()} at revision {_current() or 'base'}")


def _current() -> str | None:
    from jointdegree import migrate
    from jointdegree.db import database

    with database().engine.connect() as connection:
        return migrate.current_revision(connection)


@db.command("current")
@with_appcontext
def db_current() -> None:
    """Show the database's revision and whether it is the newest."""
    from jointdegree import migrate

    check_database()
    current = _current()
    head = migrate.head_revision()
    state = "up to date" if current == head else f"behind (newest is {head})"
    click.echo(f"{current or 'base (empty)'} — {state}")


@db.command("check")
@with_appcontext
def db_check() -> None:
    """Fail when the models and the migrated database differ (a missing migration)."""
    from jointdegree import migrate
    from jointdegree.db import database

    check_database()
    with database().engine.connect() as connection:
        drift = migrate.schema_drift(connection)
    if drift:
        for item in drift:
            click.echo(f"  {item}", err=True)
        raise click.ClickException("the models and the migrations differ: write a migration")
    click.echo("models and migrations agree")


@db.command("revision")
@click.option("-m", "--message", required=True, help="What the migration does.")
@with_appcontext
def db_revision(message: str) -> None:
    """Draft a migration from the models (review it by hand before committing)."""
    from jointdegree import migrate

    check_database()
    migrate.revision(current_app.config["DATABASE_URL"], message)


# -- users ----------------------------------------------------------------------------------------

@cli.group()
def user() -> None:
    """User accounts."""


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


@user.command("create")
@click.argument("email")
@click.option("--role", required=True,
              type=click.Choice(["admin", "registrar", "professor", "student"]))
@click.option("--institution", "institution_code", help="Institution code (registrars: required).")
@click.option("--name", "display_name", help="Name shown in the interface.")
@with_appcontext
def user_create(email: str, role: str, institution_code: str | None,
                display_name: str | None) -> None:
    """Create a user. The password is prompted, or read from standard input when piped."""
    from jointdegree.auth.models import Role
    from jointdegree.auth.services import create_user
    from jointdegree.db import session
    from jointdegree.errors import ValidationFailed

    check_database()
    password = _read_password()
    try:
        created = create_user(email, password, Role(role), display_name=display_name,
                              institution_code=institution_code)
        session.commit()
    except ValidationFailed as exc:
        messages = [str(m) for m in exc.fields.values()] or [str(exc.message)]
        raise click.ClickException(" ".join(messages)) from None
    click.echo(f"created {created.role.value} {created.email}")


# -- tokens ---------------------------------------------------------------------------------------

@cli.group()
def token() -> None:
    """Personal access tokens for the JSON API."""


@token.command("create")
@click.option("--user", "email", required=True, help="E-mail of the user the token acts for.")
@click.option("--name", required=True, help="What the token is for (shown on the profile).")
@click.option("--expires", "days", type=int, help="Expire after DAYS days (default: never).")
@with_appcontext
def token_create(email: str, name: str, days: int | None) -> None:
    """Create a token; it is printed once, alone on the last line (for scripts)."""
    from jointdegree.auth.services import get_user_by_email
    from jointdegree.auth.tokens import create_token
    from jointdegree.errors import ValidationFailed

    check_database()
    owner = get_user_by_email(email)
    if owner is None:
        raise click.ClickException(f"no user with e-mail {email}")
    try:
        new = create_token(owner, name, days)
    except ValidationFailed as exc:
        raise click.ClickException(" ".join(str(m) for m in exc.fields.values())) from None
    expiry = new.token.expires_at.date().isoformat() if new.token.expires_at else "never"
    click.echo(f"token {new.token.name!r} for {owner.email}, expires: {expiry}", err=True)
    click.echo(new.secret)


# -- demo -----------------------------------------------------------------------------------------

@cli.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the Nice–Haikou demo into an empty database (does nothing otherwise); print logins."""
    from jointdegree import demo
    from jointdegree.db import database

    check_database()
    if not inspect(database().engine).has_table("institutions"):
        raise click.ClickException("the database has no tables yet: run `jointdegree db upgrade`")
    loaded = demo.load_demo()
    click.echo("demo data loaded" if loaded else "database not empty: demo data left as it is")
    click.echo(demo.logins_text())
    codes = demo.verification_codes_text()
    if codes:
        click.echo(codes)


def _refuse_file(errors: Any) -> None:
    """An import file's problems, one line each (line, column, value, reason), then exit 1:
    the catalog and results imports report the same way."""
    for error in errors:
        where = f"line {error.line}" + (f", column {error.column}" if error.column else "")
        value = f" {error.value!r}" if error.value else ""
        click.echo(f"{where}:{value} {error.reason}", err=True)
    raise click.ClickException(f"{len(errors)} problem(s): nothing was imported")


# -- catalog --------------------------------------------------------------------------------------

@cli.group()
def catalog() -> None:
    """Course catalogs: import and export."""


@catalog.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--institution", "code", required=True, help="Institution code, e.g. UCA.")
@click.option("--dry-run", is_flag=True, help="Check the file and report; save nothing.")
@with_appcontext
def catalog_import(path: str, code: str, dry_run: bool) -> None:
    """Import courses from a CSV or XLSX file (all-or-nothing; updates by course code)."""
    from pathlib import Path

    from jointdegree.catalog import services, transfer
    from jointdegree.errors import NotFound

    check_database()
    try:
        institution = services.get_institution(code)
    except NotFound:
        raise click.ClickException(f"no institution with code {code}") from None
    data = Path(path).read_bytes()
    rows = data.count(b"\n")
    if rows > 2000:
        with click.progressbar(length=rows, label="checking", file=sys.stderr) as bar:
            report = transfer.import_catalog(institution, data, path, actor=None,
                                             dry_run=dry_run, progress=bar.update)
    else:
        report = transfer.import_catalog(institution, data, path, actor=None, dry_run=dry_run)
    if not report.ok:
        _refuse_file(report.errors)
    verb = "would create" if dry_run else "created"
    click.echo(f"{report.rows} rows: {verb} {len(report.created)}, "
               f"{'would update' if dry_run else 'updated'} {len(report.updated)}, "
               f"unchanged {report.unchanged}")


@catalog.command("export")
@click.option("--institution", "code", required=True, help="Institution code, e.g. UCA.")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "ewp"]), default="csv")
@click.option("--output", type=click.Path(dir_okay=False, writable=True),
              help="File to write (default: standard output).")
@with_appcontext
def catalog_export(code: str, fmt: str, output: str | None) -> None:
    """Export an institution's catalog as CSV, XLSX or an EWP Courses API document."""
    from jointdegree.catalog import services
    from jointdegree.catalog.exports import export_catalog
    from jointdegree.errors import NotFound

    check_database()
    try:
        institution = services.get_institution(code)
    except NotFound:
        raise click.ClickException(f"no institution with code {code}") from None
    data, _mimetype, _filename = export_catalog(institution, fmt)
    if output:
        with open(output, "wb") as handle:
            handle.write(data)
        click.echo(f"wrote {output} ({len(data)} bytes)", err=True)
    else:
        click.get_binary_stream("stdout").write(data)


@cli.group()
def equivalences() -> None:
    """Course equivalences."""


@equivalences.command("expire")
@with_appcontext
def equivalences_expire() -> None:
    """Mark approved equivalences whose last academic year has ended as expired (run daily)."""
    from jointdegree.matching.equivalences import expire_due

    check_database()
    click.echo(f"{expire_due()} equivalence(s) expired")


# -- audit log ------------------------------------------------------------------------------------

@cli.group("log")
def log_group() -> None:
    """The audit log (append-only, hash-chained)."""


@log_group.command("verify")
@with_appcontext
def log_verify() -> None:
    """Check the audit log's hash chain; name every edited, deleted or reordered entry."""
    from jointdegree.audit.services import verify_log

    check_database()
    report = verify_log()
    if not report.ok:
        for item in report.breaks:
            click.echo(str(item), err=True)
        broken = len({item.entry_id for item in report.breaks})
        raise click.ClickException(f"audit log broken: {broken} of {report.entries} entries")
    click.echo(f"audit log intact: {report.entries} entries")
    # Only the tail can go without a trace: noted elsewhere, the newest hash pins it too.
    click.echo(f"newest hash: {report.last_hash}")


# -- students -------------------------------------------------------------------------------------

@cli.command("audit")
@click.argument("student")
@click.option("--plan", "plan_id", type=int, help="Count this study plan's courses as planned.")
@click.option("--json", "as_json", is_flag=True, help="The API's JSON instead of text.")
@with_appcontext
def audit_command(student: str, plan_id: int | None, as_json: bool) -> None:
    """Audit STUDENT (id or student number) against both degrees' requirements."""
    import json

    from jointdegree.errors import NotFound
    from jointdegree.planning import auditing, plans

    check_database()
    found = auditing.find_student(student)
    if found is None:
        raise click.ClickException(f"no student with id or number {student}")
    try:
        plan = plans.get_plan(plan_id) if plan_id is not None else auditing.default_plan(found)
    except NotFound:
        raise click.ClickException(f"no study plan {plan_id}") from None
    if plan is not None and plan.student_id != found.id:
        raise click.ClickException(f"plan {plan_id} is not this student's")
    report = auditing.audit_student(found, plan)
    if as_json:
        click.echo(json.dumps(auditing.to_api(report).model_dump(mode="json"),
                              ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join(auditing.text_lines(report)))


@cli.group()
def results() -> None:
    """Students' results."""


@results.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--institution", "code", required=True, help="Institution code, e.g. UCA.")
@click.option("--dry-run", is_flag=True, help="Check the file and report; save nothing.")
@with_appcontext
def results_import(path: str, code: str, dry_run: bool) -> None:
    """Import results from a CSV or XLSX file (all-or-nothing, every bad row reported)."""
    from pathlib import Path

    from jointdegree.catalog import services
    from jointdegree.errors import NotFound
    from jointdegree.planning.results import import_results

    check_database()
    try:
        institution = services.get_institution(code)
    except NotFound:
        raise click.ClickException(f"no institution with code {code}") from None
    report = import_results(institution, Path(path).read_bytes(), path, actor=None,
                            dry_run=dry_run)
    if not report.ok:
        _refuse_file(report.errors)
    click.echo(f"{report.rows} rows: {'would record' if dry_run else 'recorded'} "
               f"{report.created} result(s)")


# -- diplomas -------------------------------------------------------------------------------------

@cli.group()
def diploma() -> None:
    """Combined diploma records: offline verification, signing keys."""


@diploma.command("verify")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--keys", "keys_path", type=click.Path(exists=True, dir_okay=False),
              required=True, help="The published keys (/.well-known/jointdegree-keys.json).")
def diploma_verify(path: str, keys_path: str) -> None:
    """Check a downloaded record's signature offline, against the published public keys."""
    from pathlib import Path

    from jointdegree.diplomas import signing

    try:  # strict: a duplicated key could show a value the signature never covered
        document = signing.loads_strict(Path(path).read_text(encoding="utf-8"))
        keys = signing.loads_strict(Path(keys_path).read_text(encoding="utf-8"))
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"not a JSON file: {exc}") from None
    result = signing.verify(document, keys)
    record = document.get("record", {}) if isinstance(document, dict) else {}
    if not result.ok:
        raise click.ClickException(f"NOT VALID ({result.reason}): {record.get('serial', '?')}")
    click.echo(f"valid signature: {record.get('serial')} signed with key {result.kid}")
    if document.get("status") == "revoked":
        click.echo(f"note: the file says the record was revoked on {document.get('revoked_at')}")


@diploma.command("issue")
@click.option("--partnership", "partnership_code", required=True, help="Partnership code.")
@click.option("--cohort", required=True, help="Intake of the graduating students, e.g. 2024.")
@click.option("--as", "email", required=True, help="The registrar who approves (e-mail).")
@click.option("--title", required=True, help="The signatory's title printed on the record.")
@click.option("--conferred-on", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Date of conferral (default: today).")
@click.option("--pdf-dir", type=click.Path(file_okay=False), default=None,
              help="Also write each issued record's PDF into this folder.")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Processes rendering PDFs (default: one per core).")
@with_appcontext
def diploma_issue(partnership_code: str, cohort: str, email: str, title: str,
                  conferred_on: Any, pdf_dir: str | None, workers: int | None) -> None:
    """Request and approve the combined diplomas of a cohort for the registrar's institution.

    The partner's approval issues them (its own run, or one by one). Safe to run again after
    an interruption: it continues, and never issues a record twice."""
    import sys
    from datetime import UTC, datetime
    from pathlib import Path

    from sqlalchemy import select

    from jointdegree.auth.services import get_user_by_email
    from jointdegree.catalog.models import Partnership
    from jointdegree.db import session
    from jointdegree.diplomas import batches
    from jointdegree.errors import ServiceError

    check_database()
    partnership = session.scalar(select(Partnership).where(Partnership.code == partnership_code))
    if partnership is None:
        raise click.ClickException(f"no partnership {partnership_code}")
    actor = get_user_by_email(email)
    if actor is None:
        raise click.ClickException(f"no user {email}")
    when = conferred_on.date() if conferred_on else datetime.now(UTC).date()
    try:
        batch = batches.start(partnership, cohort, actor, title, when)
        with click.progressbar(length=batch.total, label=f"cohort {cohort}",
                               file=sys.stderr) as bar:
            batch = batches.run(batch, actor, progress=bar.update)
    except ServiceError as exc:
        raise click.ClickException(str(exc.message)) from None
    click.echo(f"run #{batch.id}: {batch.issued} issued, {batch.approved} waiting for the "
               f"partner's approval, {batch.not_eligible} not eligible")
    for problem in batch.problems:
        click.echo(f"  {problem['name']}: {problem['message']}")
    if pdf_dir:
        records = batches.issued_records(partnership, cohort)
        with click.progressbar(length=len(records), label="PDF", file=sys.stderr) as bar:
            written = batches.write_pdfs(records, Path(pdf_dir), workers, progress=bar.update)
        click.echo(f"{written} PDF(s) written to {pdf_dir}")


@cli.command("transcript")
@click.argument("student")
@click.option("--format", "fmt", type=click.Choice(["pdf", "elmo", "json"]), default="pdf")
@click.option("--english", is_flag=True, help="Add English beside French and Chinese.")
@click.option("--output", type=click.Path(dir_okay=False), required=True)
@with_appcontext
def transcript_command(student: str, fmt: str, english: bool, output: str) -> None:
    """Write STUDENT's (id or student number) double-degree transcript to a file."""
    from pathlib import Path

    from flask import current_app

    from jointdegree.diplomas import documents, transcripts
    from jointdegree.errors import ServiceError
    from jointdegree.planning import auditing

    check_database()
    found = auditing.find_student(student)
    if found is None:
        raise click.ClickException(f"no student with id or number {student}")
    with current_app.test_request_context():
        try:
            body, _type, _name = documents.transcript_file(transcripts.assemble(found), fmt,
                                                            english)
        except ServiceError as exc:
            raise click.ClickException(str(exc.message)) from None
    Path(output).write_bytes(body)
    click.echo(f"{output}: {len(body)} bytes")


@diploma.command("rotate-key")
@with_appcontext
def diploma_rotate_key() -> None:
    """Make a new signing key current; older keys stay published to verify older records."""
    from jointdegree.diplomas import services, signing

    ring = signing.KeyRing.rotate(services.keys_directory())
    click.echo(f"current signing key: {ring.current.kid}")


# -- backups --------------------------------------------------------------------------------------

def _progressbar(label: str) -> Any:
    """A progress meter on standard error, for :mod:`jointdegree.backup`."""
    return lambda total: click.progressbar(length=total, label=label, file=sys.stderr)


@cli.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
@with_appcontext
def backup_command(path: str) -> None:
    """Write a consistent snapshot of the whole database to PATH (gzip'd JSON lines).

    One format for SQLite and PostgreSQL: `jointdegree restore` loads it into either. The
    archive holds personal data and password hashes; it is created readable by its owner only.
    The diploma signing keys are NOT in it (they are not in the database): back up the keys
    folder (JOINTDEGREE_KEYS_DIR, default instance/keys) separately.
    """
    from pathlib import Path

    from jointdegree import backup
    from jointdegree.db import database

    check_database()
    try:
        done = backup.write_archive(database().engine, Path(path), _progressbar("backup"))
    except (backup.BackupError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(backup.KEYS_NOTE, err=True)
    click.echo(f"{path}: {done.header.rows} rows of {len(done.header.tables)} tables at revision "
               f"{done.header.revision}, {done.size} bytes, {done.seconds:.1f} s")


@cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--check", "check_only", is_flag=True,
              help="Only check the archive (checksum, row counts); touch no database.")
@with_appcontext
def restore_command(path: str, check_only: bool) -> None:
    """Restore a `jointdegree backup` archive into an EMPTY database, all or nothing.

    Point JOINTDEGREE_DATABASE_URL at a new database (SQLite or PostgreSQL, whatever the backup
    came from); one holding any row is refused. The schema is migrated to the archive's revision
    and every row restored in one transaction; a damaged archive restores nothing. Afterwards
    run `jointdegree db upgrade` if the archive came from an older version. The diploma signing
    keys are not in the archive: put the keys folder (JOINTDEGREE_KEYS_DIR) back separately.
    """
    from pathlib import Path

    from jointdegree import backup, migrate
    from jointdegree.db import database

    try:
        if check_only:
            header = backup.check_archive(Path(path))
            click.echo(f"{path}: intact, {header.rows} rows of {len(header.tables)} tables at "
                       f"revision {header.revision}, from {header.source}, {header.created_at}")
            return
        check_database()
        done = backup.restore_archive(database().engine, Path(path), _progressbar("restore"))
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    for step in done.schema_steps:
        click.echo(step, err=True)
    for name, rows in done.counts:
        click.echo(f"  {name:<26} {rows:>9}")
    click.echo(f"restored {done.header.rows} rows into {_database_label()} at revision "
               f"{done.header.revision} in {done.seconds:.1f} s")
    if done.header.revision != migrate.head_revision():
        click.echo("the archive comes from an older version: run `jointdegree db upgrade`",
                   err=True)
    click.echo(backup.KEYS_NOTE, err=True)


def register_commands(app: Any) -> None:
    """Also offer the commands under ``flask --app jointdegree`` and the test CLI runner."""
    for command in (db, user, token, catalog, equivalences, demo_command, audit_command,
                    results, diploma, log_group, transcript_command, backup_command,
                    restore_command):
        app.cli.add_command(command)


def main() -> None:
    """Console-script entry point."""
    try:
        cli.main(prog_name="jointdegree")
    except ConfigError as exc:
        click.echo(f"jointdegree: configuration error: {exc}", err=True)
        sys.exit(2)
