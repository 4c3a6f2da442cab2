"""URLs of the officer dashboard and the impact report pages (in the clusters namespace).

Included before the partnership pages: ``partnerships/<slug>/reports/new/`` is longer than
any of theirs, and ``dashboard/`` and ``reports/`` are not under ``partnerships/``.
"""

from django.urls import path

from . import dashboard_views, report_views

urlpatterns: list = [
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("reports/", report_views.report_queue, name="report-queue"),
    path(
        "partnerships/<slug:slug>/reports/new/",
        report_views.report_create,
        name="report-create",
    ),
    path("reports/<int:pk>/", report_views.report_detail, name="report-detail"),
    path("reports/<int:pk>/edit/", report_views.report_edit, name="report-edit"),
    path("reports/<int:pk>/submit/", report_views.report_submit, name="report-submit"),
    path("reports/<int:pk>/approve/", report_views.report_approve, name="report-approve"),
    path("reports/<int:pk>/return/", report_views.report_return, name="report-return"),
]
