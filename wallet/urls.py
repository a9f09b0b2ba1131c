from django.urls import path

from . import views

app_name = "wallet"

urlpatterns = [
    path("wallet/", views.balances, name="balances"),
    path("wallet/addresses/", views.addresses, name="addresses"),
    path("wallet/addresses/<int:address_id>/remove/", views.address_remove, name="address_remove"),
    path("wallet/withdrawals/", views.withdrawals, name="withdrawals"),
    path("wallet/withdrawals/<int:withdrawal_id>/cancel/", views.withdrawal_cancel, name="withdrawal_cancel"),
    path("wallet/withdraw/", views.withdrawal_new, name="withdrawal_new"),
    path("wallet/withdraw/preview/", views.withdrawal_preview_fragment, name="withdrawal_preview"),
    path("wallet/settings/header-total/", views.header_total_toggle, name="header_total_toggle"),
]
