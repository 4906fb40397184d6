from django.apps import AppConfig


class CompensationConfig(AppConfig):
    name = "apps.compensation"
    label = "compensation"
    verbose_name = "Compensation"
