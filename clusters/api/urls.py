from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("sectors", views.SectorViewSet, basename="sector")
router.register("ecosystems", views.IndustrialEcosystemViewSet, basename="ecosystem")
router.register("emerging-industries", views.EmergingIndustryViewSet, basename="emerging-industry")
router.register("technologies", views.TechnologyViewSet, basename="technology")
router.register("thematic-areas", views.ThematicAreaViewSet, basename="thematic-area")
router.register("regions", views.RegionViewSet, basename="region")

urlpatterns = router.urls
