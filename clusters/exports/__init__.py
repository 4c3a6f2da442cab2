"""Exports of partnerships, their members and organisations (CSV, XLSX), and the columns
that the API and the imports share with them."""
