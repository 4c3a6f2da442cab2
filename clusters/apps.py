from django.apps import AppConfig


class ClustersConfig(AppConfig):
    name = "clusters"
    verbose_name = "Clusters and organisations"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the completeness recompute)
