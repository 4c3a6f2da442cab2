"""Contact requests over the API: the ones your organisations sent or received."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.fields import get_error_detail
from rest_framework.response import Response

from clusters.models import OrganisationRole

from .. import contacts
from ..models import ContactRequest
from .serializers import ContactRequestSerializer


def _managed(user):
    return OrganisationRole.objects.filter(user=user, role=OrganisationRole.Role.MANAGER).values(
        "organisation_id"
    )


class ContactRequestViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """List mine (sent and received), send one, accept or decline a received one."""

    serializer_class = ContactRequestSerializer
    permission_classes = [permissions.IsAuthenticated]
    queryset = ContactRequest.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        managed = _managed(self.request.user)
        return ContactRequest.objects.filter(Q(sender_id__in=managed) | Q(recipient_id__in=managed))

    def _call(self, fn, **kwargs):
        try:
            return fn(**kwargs)
        except DjangoValidationError as error:
            raise serializers.ValidationError(get_error_detail(error)) from error

    def perform_create(self, serializer) -> None:
        serializer.instance = self._call(
            contacts.send_request, user=self.request.user, **serializer.validated_data
        )

    def _answer(self, request, pk: int, accept: bool) -> Response:
        contact = get_object_or_404(self.get_queryset(), pk=pk)
        contact = self._call(
            contacts.answer_request, user=request.user, request=contact, accept=accept
        )
        return Response(ContactRequestSerializer(contact).data)

    @extend_schema(request=None, responses=ContactRequestSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None) -> Response:
        return self._answer(request, pk, True)

    @extend_schema(request=None, responses=ContactRequestSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None) -> Response:
        return self._answer(request, pk, False)
