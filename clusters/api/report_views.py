"""Impact reports over the API: list, read, write drafts, submit, approve, return.

Thin viewsets over the pages' own pieces: ``reports_visible_to`` for what a user sees and
the services of ``clusters.partnerships.impact_reports`` for every write (their
``ValidationError({field: ...})`` is a 400 naming the field, a refused status change
included; ``PermissionDenied`` a 403).
"""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, viewsets
from rest_framework import status as http_status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from events.api.common import call_service

from ..filters import MultipleChoiceFilter
from ..models import ImpactReport, Partnership
from ..partnerships import impact_reports
from ..partnerships.filters import CodesFilter
from ..partnerships.selectors import partnerships_visible_to, reports_visible_to
from .report_serializers import (
    DecisionSerializer,
    ImpactReportCreateSerializer,
    ImpactReportSerializer,
    ImpactReportUpdateSerializer,
    ReturnSerializer,
)

SAFE = permissions.SAFE_METHODS


def _partnerships_of(request) -> QuerySet[Partnership]:
    """Slugs a user may filter by: a draft they may not see is as unknown as a missing one."""
    if request is None:  # the schema
        return Partnership.objects.none()
    return partnerships_visible_to(request.user)


class ImpactReportFilterSet(django_filters.FilterSet):
    partnership = CodesFilter(
        field_name="partnership",
        to_field_name="slug",
        queryset=_partnerships_of,
        label="Partnership (slug)",
        distinct=False,
    )
    status = MultipleChoiceFilter(choices=ImpactReport.Status.choices, label="Status")

    class Meta:
        model = ImpactReport
        fields: list[str] = []


DECISIONS = frozenset({"approve", "return_report"})


class ImpactReportPermission(permissions.BasePermission):
    """Reads: ``reports_visible_to``. Writing and submitting need clusters.submit_report
    (the coordinator's managers); approving and returning clusters.decide_report."""

    def has_permission(self, request: Request, view) -> bool:
        return request.method in SAFE or request.user.is_authenticated

    def has_object_permission(self, request: Request, view, obj: ImpactReport) -> bool:
        if request.method in SAFE:
            return True
        perm = "clusters.decide_report" if view.action in DECISIONS else "clusters.submit_report"
        return request.user.has_perm(perm, obj)


class ImpactReportViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Impact reports: approved ones for everyone who sees the partnership, every one for its
    members, programme officers and staff. Draft → submitted → approved, or returned with a
    comment and submitted again; a status change that is not allowed is a 400 naming
    ``status``."""

    serializer_class = ImpactReportSerializer
    permission_classes = [ImpactReportPermission]
    filterset_class = ImpactReportFilterSet
    queryset = ImpactReport.objects.none()  # for the schema; get_queryset is per user
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[ImpactReport]:
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return (
            reports_visible_to(self.request.user)
            .select_related("partnership")
            .order_by("partnership__name", "partnership_id", "period_start", "pk")
        )

    def _read(self, report: ImpactReport, code: int = http_status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=report.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(
        request=ImpactReportCreateSerializer,
        responses={201: ImpactReportSerializer},
        description="A draft report for a period (the coordinator's managers). Refusals are "
        "400s naming the field: ``period_start`` (overlaps another report), ``period_end``, "
        "``smes_supported`` (above SMEs reached), a figure below 0.",
    )
    def create(self, request: Request, *args, **kwargs) -> Response:
        context = {"partnerships": partnerships_visible_to(request.user)}
        serializer = ImpactReportCreateSerializer(data=request.data, context=context)
        serializer.is_valid(raise_exception=True)
        arguments = serializer.service_arguments()
        partnership = arguments.pop("partnership")
        if not request.user.has_perm("clusters.submit_report", partnership):
            raise PermissionDenied("Only the coordinator's managers report for a partnership.")
        report = call_service(
            impact_reports.create_report, user=request.user, partnership=partnership, **arguments
        )
        return self._read(report, http_status.HTTP_201_CREATED)

    @extend_schema(request=ImpactReportUpdateSerializer, responses=ImpactReportSerializer)
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        """Edit a draft or returned report."""
        report = self.get_object()
        serializer = ImpactReportUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        call_service(
            impact_reports.update_report,
            user=request.user,
            report=report,
            **serializer.service_arguments(),
        )
        return self._read(report)

    @extend_schema(request=None, responses=ImpactReportSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Hand a draft (or a corrected returned report) to the programme officers."""
        report = self.get_object()
        call_service(impact_reports.submit_report, user=request.user, report=report)
        return self._read(report)

    @extend_schema(request=DecisionSerializer, responses=ImpactReportSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Accept a submitted report's figures (programme officers and staff)."""
        report = self.get_object()
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        call_service(
            impact_reports.approve_report,
            user=request.user,
            report=report,
            comment=serializer.validated_data.get("comment", ""),
        )
        return self._read(report)

    @extend_schema(request=ReturnSerializer, responses=ImpactReportSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_report(self, request: Request, pk: str | None = None) -> Response:
        """Send a submitted report back to its coordinator; ``comment`` says what to change."""
        report = self.get_object()
        serializer = ReturnSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        call_service(
            impact_reports.return_report,
            rename={"officer_comment": "comment"},
            user=request.user,
            report=report,
            comment=serializer.validated_data["comment"],
        )
        return self._read(report)
