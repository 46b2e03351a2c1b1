from django.apps import AppConfig


class HandlingConfig(AppConfig):
    name = "handling"
    verbose_name = "办理"

    def ready(self) -> None:
        from proposals.signals import flags_changed

        from .receivers import copy_key_flags

        flags_changed.connect(copy_key_flags, dispatch_uid="handling.copy_key_flags")
