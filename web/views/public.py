"""Placeholder: the public portal is being built in this change."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path


def replies(request: HttpRequest) -> HttpResponse:
    raise Http404


urlpatterns = [path("", replies, name="public")]
