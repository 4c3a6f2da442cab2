"""Participants' pages of an event (namespace ``events``, under /events/)."""

from django.urls import path

from . import marketplace_views, request_views, views

urlpatterns = [
    path("", views.event_list, name="list"),
    path("<slug:slug>/", views.event_detail, name="detail"),
    path("<slug:slug>/register/", views.register, name="register"),
    path("<slug:slug>/register/cancel/", views.cancel_registration, name="cancel-registration"),
    path("<slug:slug>/participants/", views.participants, name="participants"),
    path("<slug:slug>/marketplace/", marketplace_views.marketplace, name="marketplace"),
    path("<slug:slug>/marketplace/new/", marketplace_views.item_create, name="item-create"),
    path("<slug:slug>/marketplace/<int:pk>/edit/", marketplace_views.item_edit, name="item-edit"),
    path(
        "<slug:slug>/marketplace/<int:pk>/delete/",
        marketplace_views.item_delete,
        name="item-delete",
    ),
    path("<slug:slug>/me/", views.my_event, name="my-event"),
    path(
        "<slug:slug>/participants/<int:pk>/request/",
        request_views.request_send,
        name="request-send",
    ),
    # Before request-action, whose <str:action> would take "rate" too.
    path("<slug:slug>/requests/<int:pk>/rate/", request_views.request_rate, name="request-rate"),
    path(
        "<slug:slug>/requests/<int:pk>/<str:action>/",
        request_views.request_action,
        name="request-action",
    ),
]
