"""Tumours in the abdominal cavity: soon, with ultrasound and imaging."""

from tests.referrals.helpers import fired, referrals, route


def test_it_sees_an_abdominal_tumour_soon_with_ultrasound_ct_and_mri():
    result = route(sex="male", history=["abdominal_tumor"])

    assert result["urgency"] == "soon"
    assert referrals(result)["therapist"] == "soon"
    assert {"ultrasound", "ct", "mri"} <= set(result["tests"])
    assert {"abdominal-tumour", "test-ct-mri-internal-organs"} <= set(fired(result))
