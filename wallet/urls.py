from django.urls import path

from . import views

app_name = "wallet"

urlpatterns = [
    path("wallet/", views.balances, name="balances"),
    path("wallet/addresses/", views.addresses, name="addresses"),
    path("wallet/addresses/<int:address_id>/remove/", views.address_remove, name="address_remove"),
    path("wallet/withdrawals/", views.withdrawals, name="withdrawals"),
    path("wallet/withdraw/", views.withdrawal_new, name="withdrawal_new"),
    path("wallet/settings/header-total/", views.header_total_toggle, name="header_total_toggle"),
]
