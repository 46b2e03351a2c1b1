"""The v1 API: one NinjaAPI, routers from each domain app, errors shaped once (api.md)."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from api.endpoints.account import router as account_router
from api.endpoints.assessment import router as assessment_router
from api.endpoints.attachments import router as attachments_router
from api.endpoints.audit import router as audit_router
from api.endpoints.documents import router as documents_router
from api.endpoints.exports import router as exports_router
from api.endpoints.handling import public_router
from api.endpoints.handling import router as handling_router
from api.endpoints.notifications import router as notifications_router
from api.endpoints.organisation import router as organisation_router
from api.endpoints.proposals import router as proposals_router
from api.endpoints.publications import router as publications_router
from api.endpoints.reports import router as reports_router
from api.endpoints.spotchecks import router as spotchecks_router
from api.endpoints.supervision import router as supervision_router
from api.endpoints.unsatisfied import router as unsatisfied_router
from api.endpoints.workcalendar import router as calendar_router
from lib.errors import DomainError, Forbidden, InvalidInput, NotFound, Unauthenticated
from organisation.signals import security_event

from .auth import AUTH
from .http import TooLarge, error_response

api = NinjaAPI(
    title="banli 政协提案办理系统 API",
    version="1",
    description="政协提案交办、办理、答复、反馈、督办的接口。见 docs/api.md 与 shared/spec/api.md。",
    auth=AUTH,
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)

api.add_router("", organisation_router)
api.add_router("", account_router)
api.add_router("", exports_router)  # before proposals: /proposals/import is not a proposal id
api.add_router("", proposals_router)
api.add_router("", handling_router)
api.add_router("", public_router)
api.add_router("", reports_router)
api.add_router("", publications_router)  # 通报, 年度报告
api.add_router("", assessment_router)
api.add_router("", unsatisfied_router)  # 不满意提案分析
api.add_router("", calendar_router)
api.add_router("", notifications_router)
api.add_router("", audit_router)
api.add_router("", documents_router)
api.add_router("", attachments_router)
api.add_router("", spotchecks_router)
api.add_router("", supervision_router)  # 动态督办


def _report_denied(request: HttpRequest, error: DomainError) -> None:
    """Every 403 the API answers is a permission denial the audit log records (its listener finds who)."""
    security_event.send(
        sender=DomainError, kind="permission_denied", request=request, outcome="denied",
        data={"code": error.code, "message": error.message, "status": 403},
    )  # fmt: skip


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    if exc.status == 403:
        _report_denied(request, exc)
    return error_response(exc)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(Unauthenticated("未登录或令牌无效，请先获取令牌。"))


@api.exception_handler(AuthorizationError)
def forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    error = Forbidden("无权进行此项操作。")
    _report_denied(request, error)
    return error_response(error)


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = {".".join(str(p) for p in e.get("loc", ())[1:]) or "query": e.get("msg", "") for e in exc.errors}
    return error_response(InvalidInput("请求参数不正确：" + "、".join(fields), details={"fields": fields}))


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(NotFound("请求的对象不存在。"))


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 403:  # ninja's CSRF check on cookie sessions
        error = Forbidden("CSRF 校验失败：请刷新页面后重试，或在请求头中带上 X-CSRFToken。")
        _report_denied(request, error)
        return error_response(error)
    if exc.status_code == 413:
        return error_response(TooLarge("请求内容过大（最多 5 MiB）。"))
    if exc.status_code == 401:
        return error_response(Unauthenticated("未登录或令牌无效，请先获取令牌。"))
    return error_response(InvalidInput("请求不正确。", details={"reason": str(exc)}))


@api.exception_handler(RequestDataTooBig)
def too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(TooLarge("请求内容过大（最多 5 MiB）。"))


@api.exception_handler(OverflowError)
@api.exception_handler(DataError)
def out_of_range(request: HttpRequest, exc: Exception) -> HttpResponse:
    # A value no column can hold (an id beyond 64 bits in a query string …): bad input, not a crash.
    return error_response(InvalidInput("请求参数超出允许范围。"))
