"""A switch's trust store reads each certificate once; what it reads must stay that certificate's.

Signed bodies are compared byte for byte (the switch checks the signature over the exact
text), so the JSON a signer writes is pinned to what `json.dumps` writes for the same call.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.protocol.signing import SignatureError, Signer, TrustStore, canonical_json

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def test_a_certificate_replaced_under_its_key_id_is_read_again() -> None:
    signer = Signer.for_simulation("cssm", START)
    store = TrustStore()
    store.add_signer(signer)
    document = signer.sign({"kind": "rum_ack", "report_ids": [1]})
    assert store.verify(document, START) == {"kind": "rum_ack", "report_ids": [1]}

    # Another key under the same id, valid only from later on: the store must not go on
    # using what it read of the first certificate.
    other = Signer("cssm", START + timedelta(days=1), START + timedelta(days=2))
    store.certificates[signer.key_id] = other.certificate
    assert not store.valid_at(signer.key_id, START)
    with pytest.raises(SignatureError, match="not valid"):
        store.verify(document, START)
    with pytest.raises(SignatureError, match="does not match"):
        store.verify(document, START + timedelta(hours=36))


def test_a_store_trusts_each_of_several_signers_with_its_own_key() -> None:
    first, second = (Signer.for_simulation(name, START) for name in ("cssm", "onprem"))
    store = TrustStore()
    store.add_signer(first)
    store.add_signer(second)
    assert store.verify(first.sign({"n": 1}), START) == {"n": 1}
    assert store.verify(second.sign({"n": 2}), START) == {"n": 2}
    forged = first.sign({"n": 3}).model_copy(update={"key_id": second.key_id})
    with pytest.raises(SignatureError, match="does not match"):
        store.verify(forged, START)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(st.text(), _JSON, max_size=6))
def test_canonical_json_is_what_json_dumps_writes(body: dict[str, Any]) -> None:
    assert canonical_json(body) == json.dumps(body, sort_keys=True, separators=(",", ":"))
