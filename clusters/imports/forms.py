"""The upload form: it reads the file at once, so an unreadable file is a form error."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from ..exports.columns import MEMBER_COLUMNS, ORGANISATION_COLUMNS, PARTNERSHIP_COLUMNS
from ..models import ImportJob
from . import organisations, partnerships, readers
from .members import MEMBER_KEYS

ACCEPT = ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label="The file holds", choices=ImportJob.Kind.choices, widget=forms.RadioSelect
    )
    file = forms.FileField(
        help_text="CSV (UTF-8, separated by commas or semicolons) or XLSX (its first sheet), "
        "up to 20 MB; row 1 names the columns.",
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )

    table: readers.Table | None = None

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > readers.max_bytes():
            limit = readers.max_bytes() // (1024 * 1024)
            raise ValidationError(f"The file is larger than {limit} MB.")
        try:
            self.table = readers.read_table(upload, upload.name or "")
        except readers.FileError as error:
            raise ValidationError(str(error)) from None
        if not len(self.table):
            raise ValidationError("The file has column names but no rows.")
        upload.seek(0)
        return upload


def column_guide() -> list[dict[str, Any]]:
    """The columns each kind of file takes, for the upload page."""
    derived = set(partnerships.DERIVED)
    partnership_columns = [
        (
            c.key,
            c.label,
            "required" if c.key in ("name", "type") else "ignored" if c.key in derived else "",
        )
        for c in PARTNERSHIP_COLUMNS
    ]
    partnership_columns += [
        (c.key, c.label, "member") for c in MEMBER_COLUMNS if c.key in MEMBER_KEYS
    ]
    return [
        {
            "kind": ImportJob.Kind.ORGANISATIONS,
            "title": "Organisations",
            "columns": [
                (c.key, c.label, "required" if c.key in organisations.REQUIRED else "")
                for c in ORGANISATION_COLUMNS
            ],
        },
        {
            "kind": ImportJob.Kind.PARTNERSHIPS,
            "title": "Partnerships with members",
            "columns": partnership_columns,
        },
    ]
