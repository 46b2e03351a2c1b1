from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "安全审计"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the sign-in signals and security_event)
