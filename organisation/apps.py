from django.apps import AppConfig


class OrganisationConfig(AppConfig):
    name = "organisation"
    verbose_name = "组织机构"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects token revocation and lock-out events)
