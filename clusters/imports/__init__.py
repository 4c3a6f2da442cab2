"""Imports of organisations and partnerships (with members) from CSV or XLSX files.

The import format is the export format: the column keys of ``clusters/exports/columns.py``,
so a file exported by the platform imports back unchanged (and changes nothing). Headers
may be the keys or the labels of those columns, in any order and letter case.

Organisations (ORGANISATION_COLUMNS): one row per organisation. Required columns: ``name``,
``kind``, ``country``. An organisation is found by ``slug`` when the cell is filled, else by
name (any letter case) and country; a new one starts as a draft. Columns left out of the
file are left as they are; a blank cell clears the value.

Partnerships (PARTNERSHIP_COLUMNS, optionally with member columns): one row per member,
``organisation`` (its slug), ``role`` (coordinator, partner, associate) and ``joined_on``;
the partnership's own columns are repeated on each of its rows or left blank after the
first, and a partnership's rows stay together. Required columns: ``name`` and ``type``. A
partnership is found by ``slug`` when filled, else by programme, call and acronym (or name
when it has no acronym). When a partnership's rows list members, they become its member list
as a whole; without an ``organisation`` column (the partnership export's own layout) its
members are left as they are, and ``coordinator`` alone names who coordinates. The members
export (``partnership``, ``organisation``, ``role``, ``joined_on``) imports too: it changes the
members of existing partnerships.

Derived columns (``call_year``, ``member_count`` and ``member_countries`` of a partnership;
``partnership_name``, ``organisation_name``, ``country`` and ``kind`` of a member) are read
only and ignored. Programmes, calls and taxonomy terms are referred to by their codes and
never created by an import; lists are separated by ``;`` (or ``,``).

Nothing is written unless every row is valid: the import validates the whole file first (a
preview with every error by row and column), then writes it in one transaction. A row that
matches the database already is not written at all, so importing a file twice changes
nothing the second time.
"""
