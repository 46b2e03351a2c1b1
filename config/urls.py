from django.contrib import admin
from django.urls import include, path, re_path

from api.fallback import not_found, with_json_errors
from api.main import api
from config import health

urlpatterns = [
    # For the load balancer and the service manager, without signing in (config/health.py).
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/v1/", with_json_errors(api.urls)),
    # Anything else under /api/ (a mistyped path, /api/v2/…) is the API's JSON 404, never the HTML page.
    re_path(r"^api(?:/(?P<rest>.*))?$", not_found),
    path("", include("web.urls")),
]
