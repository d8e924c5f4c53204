"""NX-API session cookies: one per client that sends its cookie back, and a bounded table."""

from __future__ import annotations

import httpx
from test_lab_nxapi import AUTH, Clock, ins_api, with_nxapi

from sim.lab.nxapi import COOKIE, COOKIE_LIFETIME, MAX_COOKIES, _Cookies
from sim.simulation import Simulation


def test_basic_auth_without_a_cookie_never_grows_the_table_past_its_cap() -> None:
    clock = Clock()
    cookies = _Cookies(clock)
    issued = [cookies.issue("admin") for _ in range(5000)]
    assert len(set(issued)) == 5000
    assert len(cookies.expiry) <= MAX_COOKIES
    # The oldest went first: the latest ones still sign in.
    assert not cookies.valid(issued[0])
    assert all(cookies.valid(value) for value in issued[-MAX_COOKIES:])


def test_expired_cookies_are_swept_and_a_renewed_one_outlives_them() -> None:
    clock = Clock()
    cookies = _Cookies(clock)
    kept = cookies.issue("admin")
    for _ in range(10):
        cookies.issue("admin")
    clock.seconds += COOKIE_LIFETIME - 1
    assert cookies.issue("admin", kept) == kept  # renewed: it now expires last
    clock.seconds += 2
    assert cookies.valid(kept)
    assert list(cookies.expiry) == [kept]  # the other ten are gone


def test_a_client_that_sends_its_cookie_and_credentials_keeps_one_session() -> None:
    async def body(client: httpx.AsyncClient, sim: Simulation, clock: Clock) -> list[str]:
        payload = ins_api("cli_show", "show version")
        first = await client.post("/ins", json=payload, auth=AUTH)
        # As NAPALM does: Basic auth on every request, the cookie sent back too.
        again = await client.post("/ins", json=payload, auth=AUTH)
        clock.seconds += COOKIE_LIFETIME + 1
        after_expiry = await client.post("/ins", json=payload, auth=AUTH)
        client.cookies.clear()
        client.cookies.set(COOKIE, "admin:forged")
        forged = await client.post("/ins", json=payload, auth=AUTH)
        return [r.cookies[COOKIE] for r in (first, again, after_expiry, forged)]

    first, again, after_expiry, forged = with_nxapi(body)
    assert again == first
    assert after_expiry != first
    assert forged not in (first, after_expiry, "admin:forged")


def test_a_cookie_is_not_handed_to_another_user() -> None:
    clock = Clock()
    cookies = _Cookies(clock)
    admins = cookies.issue("admin")
    theirs = cookies.issue("operator", admins)
    assert theirs != admins
    assert _Cookies.user(theirs) == "operator"
