"""Form helpers shared by every blueprint."""

from __future__ import annotations

from flask_wtf import FlaskForm

from jointdegree.errors import ServiceError


def apply_errors(form: FlaskForm, error: ServiceError) -> None:
    """Show a service's field errors beside the fields; the rest above the form."""
    unplaced = []
    for name, message in error.fields.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*list(field.errors or []), str(message)]
        else:
            unplaced.append(str(message))
    form.form_errors = [*form.form_errors, *(unplaced or [str(error.message)])]
