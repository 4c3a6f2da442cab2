from django.apps import AppConfig


class MatchmakingConfig(AppConfig):
    name = "matchmaking"
    verbose_name = "Partner suggestions"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (profile changes queue a recompute)
