"""URLs of the partnership pages (in the clusters namespace).

``new/`` and ``map/`` come before ``<slug>/``, which would otherwise catch them.
"""

from django.urls import path

from . import views

urlpatterns: list = [
    path("partnerships/", views.partnership_list, name="partnership-list"),
    path("partnerships/new/", views.partnership_create, name="partnership-create"),
    path("partnerships/map/", views.partnership_map, name="partnership-map"),
    path("partnerships/<slug:slug>/", views.partnership_detail, name="partnership-detail"),
    path("partnerships/<slug:slug>/edit/", views.partnership_edit, name="partnership-edit"),
    path(
        "partnerships/<slug:slug>/publish/",
        views.partnership_publish,
        name="partnership-publish",
    ),
]
