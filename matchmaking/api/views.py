"""Suggestions over the API: only the organisation's managers (and staff) see and act."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from clusters.models import Organisation

from .. import selectors, services
from ..models import PartnerSuggestion
from .serializers import FeedbackSerializer, PartnerSuggestionSerializer


class OrganisationSuggestionList(generics.ListAPIView):
    """The organisation's suggested partners, best first."""

    serializer_class = PartnerSuggestionSerializer
    permission_classes = [permissions.IsAuthenticated]
    queryset = PartnerSuggestion.objects.none()  # for the schema; get_queryset is per org

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        org = get_object_or_404(Organisation, pk=self.kwargs["pk"])
        if not self.request.user.has_perm("matchmaking.view_suggestions", org):
            raise PermissionDenied("Only the organisation's managers see its suggestions.")
        return selectors.suggestions_for(org)


class SuggestionFeedbackView(APIView):
    """Save, dismiss (with a reason) or mark contacted; a dismissed partner never returns."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=FeedbackSerializer, responses={201: FeedbackSerializer})
    def post(self, request, pk: int) -> Response:
        suggestion = get_object_or_404(
            PartnerSuggestion.objects.select_related("organisation", "suggested"), pk=pk
        )
        if not request.user.has_perm("matchmaking.view_suggestions", suggestion.organisation):
            # Not theirs: do not confirm that the suggestion exists.
            return Response({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
        serializer = FeedbackSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.give_feedback(
            user=request.user, suggestion=suggestion, **serializer.validated_data
        )
        return Response(serializer.data, status=status.HTTP_201_CREATED)
