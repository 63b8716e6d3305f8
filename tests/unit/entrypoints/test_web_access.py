"""The web side of access control: client addresses behind proxies, https, Host and Origin
matching, where a sign-in may send the browser next."""

from __future__ import annotations

import pytest

from mpr.entrypoints.web.auth import (
    Credential,
    bearer,
    client_address,
    credential_of,
    is_https,
)
from mpr.entrypoints.web.host_origin import host_name, not_cross_site, same_origin
from mpr.entrypoints.web.login import safe_next
from mpr.settings import Settings

PROXIED = Settings(trusted_proxies="10.0.0.2, 10.0.0.3")


def test_x_forwarded_for_counts_only_from_a_trusted_proxy() -> None:
    spoofed = {"x-forwarded-for": "1.2.3.4"}

    assert client_address(PROXIED, "10.0.0.2", spoofed) == "1.2.3.4"
    assert client_address(PROXIED, "192.0.2.9", spoofed) == "192.0.2.9"
    assert client_address(Settings(), "10.0.0.2", spoofed) == "10.0.0.2"


def test_the_client_is_the_last_hop_no_trusted_proxy_added() -> None:
    chain = {"x-forwarded-for": "6.6.6.6, 198.51.100.7, 10.0.0.3"}

    assert client_address(PROXIED, "10.0.0.2", chain) == "198.51.100.7"


def test_https_directly_or_as_a_trusted_proxy_says() -> None:
    says = {"x-forwarded-proto": "https"}

    assert is_https(Settings(), "https", "192.0.2.1", {})
    assert is_https(PROXIED, "http", "10.0.0.2", says)
    assert not is_https(PROXIED, "http", "192.0.2.1", says)


def test_a_trusted_proxy_network_covers_every_address_in_it() -> None:
    compose = Settings(trusted_proxies="172.16.0.0/12")
    forwarded = {"x-forwarded-for": "198.51.100.7, 172.18.0.5", "x-forwarded-proto": "https"}

    assert client_address(compose, "172.18.0.9", forwarded) == "198.51.100.7"
    assert is_https(compose, "http", "172.18.0.9", forwarded)
    assert client_address(compose, "192.0.2.9", forwarded) == "192.0.2.9"
    assert not is_https(compose, "http", "192.0.2.9", forwarded)
    assert not is_https(compose, "http", "not an address", forwarded)


@pytest.mark.parametrize(("header", "name"), [
    ("127.0.0.1:8000", "127.0.0.1"), ("LocalHost", "localhost"), ("[::1]:8000", "::1"),
    ("::1", "::1"), ("media.example.com:443", "media.example.com")])
def test_host_names_are_read_without_port(header: str, name: str) -> None:
    assert host_name(header) == name


def test_same_origin_means_scheme_host_and_port_of_the_request() -> None:
    assert same_origin("http://127.0.0.1:8000", "127.0.0.1:8000")
    assert not same_origin("http://127.0.0.1:9000", "127.0.0.1:8000")
    assert not same_origin("https://evil.example", "127.0.0.1:8000")
    assert not same_origin("null", "127.0.0.1:8000")


@pytest.mark.parametrize(("target", "safe"), [
    ("/admin/", "/admin/"), ("//evil.example/", "/"), ("/\\evil.example", "/"),
    ("https://evil.example", "/"), ("", "/"), (None, "/")])
def test_sign_in_only_sends_the_browser_on_within_mpr(target: str | None, safe: str) -> None:
    assert safe_next(target) == safe


def test_a_bearer_token_wins_over_the_session_cookie() -> None:
    both = credential_of({"authorization": "Bearer abc"}, {"mpr_session": "xyz"})
    cookie = credential_of({"authorization": "Basic abc"}, {"mpr_session": "xyz"})

    assert both == Credential("token", "abc")
    assert cookie == Credential("session", "xyz")
    assert bearer("bearer  tok ") == "tok"
    assert bearer("Bearer") is None


def test_default_allowed_hosts_are_loopback_and_the_bound_address() -> None:
    assert Settings().allowed_host_names == {"localhost", "127.0.0.1", "::1"}
    assert Settings(host="0.0.0.0").allowed_host_names == {"localhost", "127.0.0.1", "::1"}
    assert "mpr.lan" in Settings(host="mpr.lan").allowed_host_names
    assert Settings(allowed_hosts="A.example, b.example").allowed_host_names == {
        "a.example", "b.example"}


@pytest.mark.parametrize(("headers", "allowed"), [
    ({"origin": "http://h:1"}, True), ({"origin": "https://evil.example"}, False),
    ({"origin": "null", "sec-fetch-site": "same-origin"}, True),
    ({"origin": "null", "sec-fetch-site": "cross-site"}, False),
    ({"origin": "null"}, False), ({"sec-fetch-site": "same-site"}, False), ({}, True)])
def test_cross_site_requests_are_told_apart(headers: dict[str, str], allowed: bool) -> None:
    assert not_cross_site({"host": "h:1", **headers}) is allowed
