"""DRF viewsets: thin, over the same selectors, FilterSet, services and rules as the pages."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import mixins, permissions, viewsets

from .. import selectors
from ..filters import OrganisationFilterSet
from ..models import (
    EmergingIndustry,
    IndustrialEcosystem,
    Organisation,
    Region,
    Sector,
    Technology,
    ThematicArea,
)
from .serializers import (
    OrganisationSerializer,
    RegionSerializer,
    TaxonomySerializer,
    ThematicAreaSerializer,
)


class OrganisationPermission(permissions.BasePermission):
    """Anyone reads what is visible to them; writes need the object permission from rules."""

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_authenticated)

    def has_object_permission(self, request, view, obj: Organisation) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        if request.method == "DELETE":
            return request.user.has_perm("clusters.delete_organisation", obj)
        return request.user.has_perm("clusters.change_organisation", obj)


class OrganisationViewSet(viewsets.ModelViewSet):
    """Organisation profiles. Contact fields appear only for the organisation's people."""

    serializer_class = OrganisationSerializer
    permission_classes = [OrganisationPermission]
    filterset_class = OrganisationFilterSet

    def get_queryset(self) -> QuerySet[Organisation]:
        return selectors.organisation_api_list(self.request.user)


class TaxonomyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_field = "code"
    serializer_class = TaxonomySerializer
    filterset_fields: list[str] = []


class SectorViewSet(TaxonomyViewSet):
    queryset = Sector.objects.all()


class IndustrialEcosystemViewSet(TaxonomyViewSet):
    queryset = IndustrialEcosystem.objects.all()


class EmergingIndustryViewSet(TaxonomyViewSet):
    queryset = EmergingIndustry.objects.all()


class TechnologyViewSet(TaxonomyViewSet):
    queryset = Technology.objects.all()


class ThematicAreaViewSet(TaxonomyViewSet):
    queryset = ThematicArea.objects.all()
    serializer_class = ThematicAreaSerializer
    filterset_fields = ["platform"]


class RegionViewSet(TaxonomyViewSet):
    """NUTS regions; filter with ?country=DE&level=2 or ?parent=DE1."""

    queryset = Region.objects.select_related("parent")
    serializer_class = RegionSerializer
    filterset_fields = {"country": ["exact"], "level": ["exact"], "parent__code": ["exact"]}
