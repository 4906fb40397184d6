"""/desk/budgets/: reserved, spent and available per budget; created and edited through the
compensation budget functions (row locked, reserved and spent never written)."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from apps.compensation.models import Budget
from tests.factories import BudgetFactory, CarrierFactory

pytestmark = pytest.mark.django_db

BUDGETS = "/desk/budgets/"


def _form(**changes):
    data = {
        "name": "January",
        "period_start": "2027-01-01",
        "period_end": "2027-01-31",
        "carrier": "",
        "currency": "KRW",
        "amount": "500000",
    }
    data.update(changes)
    return data


def test_the_list_shows_reserved_spent_available(client, manager):
    BudgetFactory(
        name="December", amount=Decimal("100000"), reserved=Decimal("20000"), spent=Decimal("5000")
    )
    client.force_login(manager)
    response = client.get(BUDGETS)
    assert response.status_code == 200
    html = response.content.decode()
    assert "December" in html
    assert "₩100,000" in html and "₩20,000" in html and "₩5,000" in html and "₩75,000" in html


@pytest.mark.parametrize("count", [10, 60])
def test_the_list_query_count_does_not_grow(client, manager, count, django_assert_max_num_queries):
    carrier = CarrierFactory()
    for index in range(count):
        start = date(2020 + index // 12, index % 12 + 1, 1)
        BudgetFactory(period_start=start, period_end=start, carrier=carrier if index % 2 else None)
    client.force_login(manager)
    with django_assert_max_num_queries(5):
        assert client.get(BUDGETS).status_code == 200


def test_agent_is_refused(client, agent):
    budget = BudgetFactory()
    client.force_login(agent)
    assert client.get(BUDGETS).status_code == 403
    assert client.post(reverse("desk:budget_new"), _form()).status_code == 403
    assert client.post(reverse("desk:budget", args=[budget.pk]), _form()).status_code == 403
    assert Budget.objects.count() == 1


def test_create_and_edit_redirect_after_post(client, manager):
    client.force_login(manager)
    response = client.post(reverse("desk:budget_new"), _form())
    assert response.status_code == 302 and response["Location"] == BUDGETS
    budget = Budget.objects.get()
    assert (budget.name, budget.amount) == ("January", Decimal("500000"))
    response = client.post(reverse("desk:budget", args=[budget.pk]), _form(amount="600000"))
    assert response.status_code == 302
    budget.refresh_from_db()
    assert budget.amount == Decimal("600000")
    assert "Budget “January” saved." in client.get(BUDGETS).content.decode()


def test_an_edit_never_writes_reserved_or_spent(client, manager):
    budget = BudgetFactory(amount=Decimal("100000"))
    client.force_login(manager)
    page = client.get(reverse("desk:budget", args=[budget.pk]))
    assert page.status_code == 200
    # Offers reserve money after the form was opened: the edit keeps what they took.
    Budget.objects.filter(pk=budget.pk).update(reserved=Decimal("30000"))
    form = _form(
        name=budget.name,
        period_start=budget.period_start.isoformat(),
        period_end=budget.period_end.isoformat(),
        amount="90000",
    )
    client.post(reverse("desk:budget", args=[budget.pk]), form)
    budget.refresh_from_db()
    assert (budget.amount, budget.reserved) == (Decimal("90000"), Decimal("30000"))


def test_bad_input_is_a_form_message(client, manager):
    budget = BudgetFactory(amount=Decimal("100000"), reserved=Decimal("40000"))
    client.force_login(manager)
    form = _form(
        name=budget.name,
        period_start=budget.period_start.isoformat(),
        period_end=budget.period_end.isoformat(),
        amount="1000",
    )
    response = client.post(reverse("desk:budget", args=[budget.pk]), form)
    assert response.status_code == 400
    assert "already reserved and spent: ₩40,000" in response.content.decode()
    budget.refresh_from_db()
    assert budget.amount == Decimal("100000")
    response = client.post(reverse("desk:budget_new"), _form(period_end="2026-12-01"))
    assert response.status_code == 400
    response = client.post(reverse("desk:budget_new"), _form(amount="lots"))
    assert response.status_code == 400 and "Enter a number." in response.content.decode()
    # A second general budget for the same period and currency.
    client.post(reverse("desk:budget_new"), _form())
    response = client.post(reverse("desk:budget_new"), _form(name="Again"))
    assert response.status_code == 400
    assert Budget.objects.filter(name="Again").count() == 0
