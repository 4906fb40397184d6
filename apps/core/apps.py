from django.apps import AppConfig

# Registers the `__any` lookup on every field (it needs no models, so it loads with the config).
from apps.core import lookups  # noqa: F401


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "Core"
