from rest_framework.routers import DefaultRouter

from . import partnership_views, report_views, views


class Router(DefaultRouter):
    """DefaultRouter, except that an action whose path names a file (``export.csv``, with an
    escaped dot) ends there, without a trailing slash."""

    def get_routes(self, viewset) -> list:
        return [
            route._replace(url=route.url.replace("{trailing_slash}", ""))
            if "\\." in route.url
            else route
            for route in super().get_routes(viewset)
        ]


router = Router()
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("sectors", views.SectorViewSet, basename="sector")
router.register("ecosystems", views.IndustrialEcosystemViewSet, basename="ecosystem")
router.register("emerging-industries", views.EmergingIndustryViewSet, basename="emerging-industry")
router.register("technologies", views.TechnologyViewSet, basename="technology")
router.register("thematic-areas", views.ThematicAreaViewSet, basename="thematic-area")
router.register("regions", views.RegionViewSet, basename="region")
router.register("programmes", partnership_views.ProgrammeViewSet, basename="programme")
router.register("partnerships", partnership_views.PartnershipViewSet, basename="partnership")
router.register("impact-reports", report_views.ImpactReportViewSet, basename="impact-report")

urlpatterns = router.urls
