"""Placeholder: the leader workbench is being built in this change."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path


@login_required
def workbench(request: HttpRequest) -> HttpResponse:
    return redirect("/proposals/")


urlpatterns = [path("", workbench, name="leader")]
