from django.contrib import admin
from django.urls import include, path

from clusters import views as cluster_views

urlpatterns = [
    path("", cluster_views.home, name="home"),
    path("", include("clusters.urls")),
    path("", include("matchmaking.urls")),
    path("", include("events.urls")),
    path("accounts/", include("clusterplatform.accounts.urls")),
    path("api/", include(("clusterplatform.api", "api"), namespace="api")),
    path("admin/", admin.site.urls),
]
