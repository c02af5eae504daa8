"""The diagnostics of both articles, each attached to the findings that call for it."""

from tests.referrals.helpers import fired, route


def test_it_orders_nechiporenko_for_tingling_in_the_lower_back():
    result = route(locations=["lower_back"], symptoms=["tingling"])

    assert "test-nechiporenko-lumbar-tingling" in fired(result)
    assert "urine_nechiporenko" in result["tests"]


def test_it_does_not_order_nechiporenko_for_tingling_between_the_shoulder_blades():
    result = route(locations=["between_shoulder_blades"], symptoms=["tingling"])

    assert "urine_nechiporenko" not in result["tests"]


def test_it_orders_a_doppler_for_leg_cramps():
    result = route(symptoms=["leg_cramps"])

    assert "vascular_doppler" in result["tests"]


def test_it_orders_a_spine_x_ray_for_pain_that_grows_with_movement():
    result = route(symptoms=["pain_worse_on_movement"])

    assert "spine_xray" in result["tests"]


def test_it_orders_ct_and_mri_for_a_herniated_disc():
    result = route(history=["disc_hernia"])

    assert {"ct", "mri"} <= set(result["tests"])
    assert "test-ct-mri-spine" in fired(result)


def test_it_lists_tests_in_the_order_a_therapist_orders_them():
    result = route(
        frequency="regular",
        symptoms=["pain_radiates_to_kidneys", "leg_cramps", "stone_back"],
        history=["disc_hernia", "pancreas_disease"],
    )

    assert result["tests"] == [
        "blood_count",
        "blood_biochemistry",
        "urine_nechiporenko",
        "spine_xray",
        "ultrasound",
        "spine_ultrasound",
        "vascular_doppler",
        "ct",
        "mri",
    ]


def test_it_orders_no_test_for_a_single_episode():
    assert route(frequency="once")["tests"] == []


def test_it_lists_a_test_without_adding_its_explanation_to_the_therapists_step():
    result = route(symptoms=["leg_cramps"])
    therapist = result["steps"][0]

    assert "test-vascular-doppler" in fired(result)
    assert "test-vascular-doppler" not in therapist["rules"]
    assert not any("blood vessels" in reason for reason in therapist["reasons"])
