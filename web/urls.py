"""The pages: sign-in, one workbench per role, proposals and assignments, the public replies."""

from django.urls import include, path

from .views import account, assignments, attachments, auth, browse, channels, proposals, publications, spotchecks
from .views.dashboard import dashboard_page

urlpatterns = [
    path("", auth.home, name="home"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("login/code/", auth.login_code, name="login-code"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("account/password/", account.PasswordChangeView.as_view(), name="password-change"),
    path("account/two-factor/", account.two_factor, name="two-factor"),
    path("account/notifications/", channels.notification_preferences, name="notification-preferences"),
    # one workbench per role; each module owns the pages under its prefix
    path("office/lockouts/", include("web.views.lockouts")),
    path("office/assessment/", include("web.views.assessment")),  # 目标考核
    path("office/reports/", include("web.views.publications")),  # 通报, 年度报告
    path("reports/circulars/", include(publications.shared_urls)),  # the circulars sent to a unit
    path("office/unsatisfied/", include("web.views.unsatisfied")),  # 不满意提案分析 (office, CPPCC, leaders)
    path("office/spot-checks/", include(spotchecks.office_urls)),  # 抽查
    path("office/", include("web.views.office")),
    path("unit/spot-checks/", include(spotchecks.unit_urls)),  # 抽查整改
    path("unit/", include("web.views.unit")),
    path("leader/", include("web.views.leader")),
    path("cppcc/", include("web.views.cppcc")),
    path("my/", include("web.views.member")),
    path("public/", include("web.views.public")),
    path("audit/", include("web.views.audit")),  # 安全审计: superusers and auditors (audit.view_auditentry)
    path("supervision/", include("web.views.supervision")),  # 动态督办 (key proposals, 建议案)
    # lists every signed-in role may browse, within what it may see
    path("dashboard/", dashboard_page, name="dashboard"),  # 督办驾驶舱
    path("proposals/", browse.proposal_list, name="proposals"),
    path("assignments/", browse.assignment_list, name="assignments"),
    path("notifications/", browse.notifications, name="notifications"),
    path("notifications/<int:notification_id>/", browse.open_notification, name="notification"),
    # attachments: uploads from the proposal and case pages (before their action routes), downloads
    path("proposals/<int:proposal_id>/attachments/", attachments.attach_to_proposal, name="proposal-attach"),
    path("assignments/<int:assignment_id>/attachments/", attachments.attach_to_assignment, name="assignment-attach"),
    path("attachments/<int:attachment_id>/", attachments.download_attachment, name="attachment"),
    # one page per proposal and per assignment, with the actions the viewer may take now
    path("proposals/<int:proposal_id>/", proposals.proposal_page, name="proposal"),
    path("proposals/<int:proposal_id>/<str:action>/", proposals.proposal_action, name="proposal-action"),
    path("assignments/<int:assignment_id>/", assignments.assignment_page, name="assignment"),
    path("assignments/<int:assignment_id>/<str:action>/", assignments.assignment_action, name="assignment-action"),
]
