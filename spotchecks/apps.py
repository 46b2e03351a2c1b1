from django.apps import AppConfig


class SpotchecksConfig(AppConfig):
    name = "spotchecks"
    verbose_name = "抽查"
