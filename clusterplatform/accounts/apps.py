from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "clusterplatform.accounts"
    label = "accounts"
    verbose_name = "Accounts"
