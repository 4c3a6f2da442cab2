"""Programmes, partnerships and partnership exports over the API (impact reports:
report_views.py).

Thin viewsets over the pages' own pieces: ``partnership_list`` / ``reports_visible_to`` for
what a user sees, the one ``PartnershipFilterSet`` (the same query string as the list page and
the export files), the services of ``clusters.partnerships.services`` and ``.impact_reports``
for every write (their ``ValidationError({field: ...})`` is a 400 naming the field, a refused
status change included; ``PermissionDenied`` a 403), and ``export_response`` for the files.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import mixins, permissions, renderers, serializers, viewsets
from rest_framework import status as http_status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from events.api.common import call_service

from ..exports.responses import export_response
from ..exports.sources import members_of
from ..exports.writers import XLSX_CONTENT_TYPE
from ..models import Call, Partnership, Programme
from ..partnerships import services as partnerships
from ..partnerships.filters import PartnershipFilterSet
from ..partnerships.selectors import partnership_list, partnerships_visible_to
from ..selectors import organisations_visible_to
from .partnership_serializers import (
    PartnershipSerializer,
    PartnershipWriteSerializer,
    ProgrammeSerializer,
    PublishSerializer,
)

SAFE = permissions.SAFE_METHODS


class ProgrammeViewSet(viewsets.ReadOnlyModelViewSet):
    """Funding programmes with their calls, for everyone."""

    serializer_class = ProgrammeSerializer
    lookup_field = "code"
    filterset_fields: list[str] = []
    queryset = Programme.objects.prefetch_related(
        Prefetch("calls", queryset=Call.objects.order_by("year", "code", "pk"))
    ).order_by("name", "pk")


# --------------------------------------------------------------------------------------
# Partnerships
# --------------------------------------------------------------------------------------


class PartnershipPermission(permissions.BasePermission):
    """Reads: what ``partnership_list`` shows the user. Creating needs
    clusters.add_partnership; changing needs clusters.change_partnership on the object."""

    def has_permission(self, request: Request, view) -> bool:
        if request.method in SAFE:
            return True
        if not request.user.is_authenticated:
            return False
        if view.action == "create":
            return request.user.has_perm("clusters.add_partnership")
        return True

    def has_object_permission(self, request: Request, view, obj: Partnership) -> bool:
        if request.method in SAFE:
            return True
        return request.user.has_perm("clusters.change_partnership", obj)


class FileRenderer(renderers.BaseRenderer):
    """An export answers with a finished response (the file, or its background job as JSON),
    whatever the client accepts; errors before it are JSON (see ``finalize_response``)."""

    media_type = "*/*"
    format = "file"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        return data


FMT = OpenApiParameter(
    "fmt", str, OpenApiParameter.PATH, enum=["csv", "xlsx"], description="The file format."
)
JOB = inline_serializer(
    "ExportJobStarted",
    {
        **{name: serializers.IntegerField() for name in ("job", "rows_done", "progress")},
        "rows_total": serializers.IntegerField(allow_null=True),
        **{name: serializers.CharField() for name in ("kind", "format", "status", "error")},
        "created_at": serializers.DateTimeField(),
        "finished_at": serializers.DateTimeField(allow_null=True),
        "status_url": serializers.URLField(help_text="Poll with Accept: application/json."),
        "download_url": serializers.URLField(help_text="The file, once ``status`` is done."),
    },
)


def export_schema(kind: str, operation_id: str) -> dict:
    return {
        "operation_id": operation_id,
        "parameters": [FMT],
        "filters": True,
        "responses": {
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY,
            (202, "application/json"): OpenApiResponse(
                JOB,
                description="Over EXPORT_SYNC_LIMIT rows (5,000): a background job for the "
                "requesting user (anonymous visitors get a 403 asking them to log in).",
            ),
        },
        "description": f"The filtered list's {kind} as CSV or XLSX (the export's columns: "
        "the same keys as the API's fields), with the list's filters.",
    }


class PartnershipViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Strategic cluster partnerships, addressed by slug: published ones, and the drafts of
    the user's organisations (all for programme officers and staff), with the filters of the
    list page and the exports. Each carries every column of the partnerships export under the
    same key and with the same value, plus its members."""

    serializer_class = PartnershipSerializer
    permission_classes = [PartnershipPermission]
    filterset_class = PartnershipFilterSet
    lookup_field = "slug"
    queryset = Partnership.objects.none()  # for the schema; get_queryset is per user
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Partnership]:
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return partnership_list(self.request.user)

    def finalize_response(self, request: Request, response, *args, **kwargs):
        """Errors of the export actions (filters, throttling) are JSON, not a file."""
        if isinstance(response, Response) and isinstance(
            getattr(request, "accepted_renderer", None), FileRenderer
        ):
            request.accepted_renderer = renderers.JSONRenderer()
            request.accepted_media_type = renderers.JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    def _read(self, partnership: Partnership, code: int = http_status.HTTP_200_OK) -> Response:
        """The partnership as a GET now shows it."""
        fresh = self.get_queryset().get(pk=partnership.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def _writer(self, instance: Partnership | None = None, **kwargs) -> PartnershipWriteSerializer:
        context = {
            **self.get_serializer_context(),
            "organisations": organisations_visible_to(self.request.user),
        }
        return PartnershipWriteSerializer(instance, context=context, **kwargs)

    @extend_schema(
        request=PartnershipWriteSerializer,
        responses={201: PartnershipSerializer},
        description="A draft partnership with its members (programme officers and staff). "
        "Refusals are 400s naming the field, e.g. ``members`` (not exactly one coordinator, "
        "an organisation listed twice), ``call``, ``ends_on``.",
    )
    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = self._writer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields, members = serializer.service_arguments()
        partnership = call_service(
            partnerships.create_partnership,
            user=request.user,
            fields=fields,
            members=members or (),
        )
        return self._read(partnership, http_status.HTTP_201_CREATED)

    @extend_schema(
        request=PartnershipWriteSerializer,
        responses=PartnershipSerializer,
        description="Change the partnership (its coordinator's managers, programme officers, "
        "staff); ``members``, when sent, replaces the whole list.",
    )
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        partnership = self.get_object()
        serializer = self._writer(partnership, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        fields, members = serializer.service_arguments()
        with transaction.atomic():  # refused members undo the field changes too
            partnership = call_service(
                partnerships.update_partnership,
                user=request.user,
                partnership=partnership,
                fields=fields,
            )
            if members is not None:
                call_service(
                    partnerships.set_members,
                    user=request.user,
                    partnership=partnership,
                    members=members,
                )
        return self._read(partnership)

    @extend_schema(request=PublishSerializer, responses=PartnershipSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, slug: str | None = None) -> Response:
        """Show the partnership to everyone, or (``publish``: false) take it back to draft."""
        partnership = self.get_object()
        serializer = PublishSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        partnership = call_service(
            partnerships.publish_partnership,
            user=request.user,
            partnership=partnership,
            publish=serializer.validated_data["publish"],
        )
        return self._read(partnership)

    @extend_schema(**export_schema("partnerships", "partnerships_export"))
    @action(
        detail=False,
        methods=["get"],
        url_path=r"export\.(?P<fmt>csv|xlsx)",
        url_name="export",
        renderer_classes=[FileRenderer],
    )
    def export(self, request: Request, fmt: str) -> HttpResponse:
        queryset = self.filter_queryset(self.get_queryset())
        return export_response(request, "partnerships", fmt, queryset)

    @extend_schema(**export_schema("members", "partnerships_members_export"))
    @action(
        detail=False,
        methods=["get"],
        url_path=r"members\.(?P<fmt>csv|xlsx)",
        url_name="members-export",
        renderer_classes=[FileRenderer],
    )
    def members_export(self, request: Request, fmt: str) -> HttpResponse:
        chosen = self.filter_queryset(partnerships_visible_to(request.user))
        return export_response(request, "members", fmt, members_of(chosen))
