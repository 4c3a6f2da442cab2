from django.urls import path

from . import export_urls, import_urls, map_views, saved_search_views, views
from .partnerships import report_urls
from .partnerships import urls as partnership_urls

app_name = "clusters"

urlpatterns = [
    path("organisations/", views.organisation_list, name="organisation-list"),
    path("organisations/new/", views.organisation_create, name="organisation-create"),
    path("organisations/map/", map_views.organisation_map, name="organisation-map"),
    path("searches/", saved_search_views.saved_search_list, name="saved-search-list"),
    path("searches/new/", saved_search_views.saved_search_create, name="saved-search-create"),
    path("searches/<int:pk>/", saved_search_views.saved_search_update, name="saved-search-update"),
    path(
        "searches/<int:pk>/delete/",
        saved_search_views.saved_search_delete,
        name="saved-search-delete",
    ),
    path("organisations/mine/", views.my_organisations, name="my-organisations"),
    path("organisations/<slug:slug>/", views.organisation_detail, name="organisation-detail"),
    path("organisations/<slug:slug>/edit/", views.organisation_edit, name="organisation-edit"),
    path(
        "organisations/<slug:slug>/publish/",
        views.organisation_publish,
        name="organisation-publish",
    ),
    path(
        "organisations/<slug:slug>/verify/", views.organisation_verify, name="organisation-verify"
    ),
    path(
        "organisations/<slug:slug>/people/", views.organisation_people, name="organisation-people"
    ),
    path(
        "organisations/<slug:slug>/members/add/",
        views.membership_add,
        name="membership-add",
    ),
    path(
        "organisations/<slug:slug>/members/<int:pk>/remove/",
        views.membership_remove,
        name="membership-remove",
    ),
]
# Partnerships and programme monitoring: reports and the dashboard before the partnership
# pages (whose <slug> would otherwise catch "dashboard").
urlpatterns += report_urls.urlpatterns
urlpatterns += partnership_urls.urlpatterns
urlpatterns += export_urls.urlpatterns
urlpatterns += import_urls.urlpatterns
