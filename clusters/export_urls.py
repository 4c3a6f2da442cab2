"""URLs of the export pages (in the clusters namespace).

``clusters:export`` takes ``kind`` (partnerships, members, organisations) and ``fmt`` (csv,
xlsx): ``reverse("clusters:export", kwargs={"kind": "partnerships", "fmt": "xlsx"})`` plus the
list's query string.
"""

from django.urls import path, re_path

from .exports import views

urlpatterns: list = [
    re_path(
        r"^exports/(?P<kind>partnerships|members|organisations)\.(?P<fmt>csv|xlsx)$",
        views.export,
        name="export",
    ),
    path("exports/jobs/", views.job_list, name="export-jobs"),
    path("exports/jobs/<int:pk>/", views.job_detail, name="export-job"),
    path("exports/jobs/<int:pk>/download/", views.job_download, name="export-download"),
]
