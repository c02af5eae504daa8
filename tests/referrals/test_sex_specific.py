"""Causes in women (the gynaecologist) and in men (the urologist), from the second article."""

import pytest

from tests.referrals.helpers import fired, referrals, route


@pytest.mark.parametrize(
    "history", ["polycystic_ovary", "ovarian_cyst", "endometriosis", "gynecological_disease"]
)
def test_it_sends_gynaecological_causes_to_the_gynaecologist_with_an_ultrasound(history):
    result = route(sex="female", history=[history])

    assert referrals(result)["gynecologist"] == "routine"
    assert "ultrasound" in result["tests"]


def test_it_tells_the_gynaecologist_about_a_pregnancy():
    result = route(sex="female", pregnancy="yes", locations=["between_shoulder_blades"])

    assert referrals(result)["gynecologist"] == "routine"
    assert "pregnancy-lower-back" not in fired(result)


def test_it_marks_lower_back_numbness_late_in_pregnancy():
    result = route(sex="female", pregnancy="yes", pregnancy_trimester=3, locations=["lower_back"])

    assert {"pregnancy-gynecologist", "pregnancy-late-stage", "pregnancy-lower-back"} <= set(fired(result))
    assert referrals(result)["gynecologist"] == "routine"


def test_it_checks_a_possible_pregnancy_for_an_ectopic_one_with_an_ultrasound():
    result = route(sex="female", pregnancy="possible")

    assert "ectopic-pregnancy-check" in fired(result)
    assert referrals(result)["gynecologist"] == "routine"
    assert "ultrasound" in result["tests"]


def test_it_sends_numbness_with_the_period_to_the_gynaecologist():
    result = route(sex="female", menstruation_related=True)

    assert referrals(result)["gynecologist"] == "routine"


def test_it_sends_an_abdominal_tumour_in_a_woman_to_the_gynaecologist_soon():
    result = route(sex="female", history=["abdominal_tumor"])

    assert referrals(result)["gynecologist"] == "soon"


def test_it_does_not_send_an_abdominal_tumour_in_a_man_to_the_gynaecologist():
    result = route(sex="male", history=["abdominal_tumor"])

    assert "gynecologist" not in referrals(result)


def test_it_sends_prostate_disease_to_the_urologist():
    result = route(sex="male", history=["prostate_disease"])

    assert referrals(result)["urologist"] == "routine"
    assert "ultrasound" in result["tests"]


def test_it_asks_about_the_prostate_when_a_man_urinates_often():
    man = route(sex="male", symptoms=["frequent_urination"])
    woman = route(sex="female", symptoms=["frequent_urination"])

    assert "prostate-frequent-urination" in fired(man)
    assert "prostate-frequent-urination" not in fired(woman)
