"""Where the back is numb: typical causes and companion symptoms of each place."""

from tests.referrals.helpers import fired, referrals, route


def test_it_looks_at_the_upper_spine_for_recurring_numbness_between_the_shoulder_blades():
    result = route(locations=["between_shoulder_blades"], frequency="occasional")

    assert "between-shoulder-blades-spine" in fired(result)
    assert "spine_xray" in result["tests"]


def test_it_suspects_a_virus_for_numbness_between_the_shoulder_blades_after_an_illness():
    result = route(locations=["between_shoulder_blades"], history=["recent_viral_illness"])

    assert "between-shoulder-blades-viral" in fired(result)
    assert referrals(result)["infectious_disease_specialist"] == "routine"
    assert "blood_count" in result["tests"]


def test_it_sends_stiff_arms_between_the_shoulder_blades_to_the_orthopaedist():
    result = route(locations=["between_shoulder_blades"], symptoms=["limited_arm_movement"])

    assert referrals(result)["orthopedist"] == "routine"


def test_it_reads_attacks_of_pain_beside_one_shoulder_blade_as_intercostal_neuralgia():
    left = route(locations=["under_left_shoulder_blade"], symptoms=["acute_paroxysmal_pain"])
    right = route(locations=["under_right_shoulder_blade"], symptoms=["acute_paroxysmal_pain"])

    assert "under-shoulder-blade-neuralgia" in fired(left)
    assert "under-shoulder-blade-neuralgia" in fired(right)
    assert referrals(left)["neurologist"] == "routine"


def test_it_does_not_read_attacks_of_pain_in_the_lower_back_as_intercostal_neuralgia():
    result = route(locations=["lower_back"], symptoms=["acute_paroxysmal_pain"])

    assert "under-shoulder-blade-neuralgia" not in fired(result)


def test_it_orders_ultrasound_and_x_ray_for_recurring_lower_back_numbness():
    result = route(locations=["lower_back"], frequency="occasional")

    assert {"spine_xray", "ultrasound"} <= set(result["tests"])


def test_it_sends_lower_back_numbness_with_leg_pain_to_the_neurologist():
    result = route(locations=["lower_back"], symptoms=["leg_pain"])

    assert referrals(result)["neurologist"] == "routine"
    assert {"mri", "spine_ultrasound"} <= set(result["tests"])


def test_it_sends_lower_back_numbness_with_groin_pain_to_the_urologist():
    result = route(locations=["lower_back"], symptoms=["groin_pain"])

    assert referrals(result)["urologist"] == "routine"
    assert {"urine_nechiporenko", "ultrasound"} <= set(result["tests"])


def test_it_looks_for_tense_muscles_when_the_back_feels_like_stone():
    result = route(locations=["lower_back"], symptoms=["stone_back"])

    assert "lower-back-stone-back" in fired(result)
    assert set(referrals(result)) == {"therapist"}


def test_it_orders_an_ultrasound_when_numbness_seems_to_come_from_inside():
    result = route(symptoms=["internal_numbness"])

    assert "ultrasound" in result["tests"]


def test_it_sends_recurring_numbness_along_the_spine_to_the_neurologist():
    result = route(locations=["along_spine"], frequency="occasional")

    assert referrals(result)["neurologist"] == "routine"
    assert "spine_xray" in result["tests"]


def test_it_orders_an_mri_for_numbness_along_the_spine_lasting_a_month():
    month = route(locations=["along_spine"], duration_days=30)
    week = route(locations=["along_spine"], duration_days=7)

    assert "along-spine-long-lasting" in fired(month)
    assert "mri" in month["tests"]
    assert "along-spine-long-lasting" not in fired(week)
