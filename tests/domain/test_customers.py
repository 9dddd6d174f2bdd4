"""Which customer a message is from (domain/customers.py): one definition, so the release
notification, the digest's groups and its summary count the same customers
(tests/ui/test_digest_model.py checks that they do)."""

from __future__ import annotations

from focusguard.domain.customers import UNKNOWN_SENDER, count_customers, customer_of


def test_a_customer_is_a_domain_or_a_free_mail_address() -> None:
    assert customer_of("ann@client.example") == "client.example"
    assert customer_of("joe@gmail.com") == "joe@gmail.com"
    assert customer_of(None) == UNKNOWN_SENDER
    assert customer_of("") == UNKNOWN_SENDER
    assert customer_of("no-at-sign") == "no-at-sign"
    assert count_customers(["a@x.example", "b@x.example", "c@gmail.com", "d@gmail.com"]) == 3
