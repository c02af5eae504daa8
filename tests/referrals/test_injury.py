"""Injury and broken ribs or spine: the traumatologist or the surgeon, with imaging."""

from tests.referrals.helpers import fired, referrals, route


def test_it_routes_injury_to_traumatologist_or_surgeon_soon():
    result = route(history=["recent_injury"])

    assert referrals(result)["traumatologist"] == "soon"
    assert referrals(result)["surgeon"] == "soon"
    assert "spine_xray" in result["tests"]


def test_it_routes_a_rib_or_spine_fracture_urgently_with_ct():
    result = route(history=["rib_or_spine_fracture"])

    assert referrals(result)["traumatologist"] == "urgent"
    assert referrals(result)["surgeon"] == "urgent"
    assert {"spine_xray", "ct", "mri"} <= set(result["tests"])


def test_it_says_or_between_traumatologist_and_surgeon():
    result = route(history=["recent_injury"])

    assert any(" or " in reason for reason in result["steps"][1]["reasons"])


def test_it_advises_protecting_the_back_after_an_injury():
    result = route(history=["recent_injury"])

    assert "advice-prevent-injury" in fired(result)
    assert any("falls and blows" in advice for advice in result["advice"])
