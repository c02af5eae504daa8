"""The staff roles: groups made by a migration, each with only what its work needs.

- Front desk: reads cases and reminders, keeps patients' contact details right.
- Clinician: reads cases and routes, triages (changes a case's status), sees
  the referral rules.
- Clinic administrator: staff accounts (create, unlock, reset a second
  factor, give roles), the referral rules, the audit trail, erasure of a
  patient's personal data, staff members' API tokens (make and revoke).
  Reads cases but does not triage or edit them.

Care coordination adds to each role:

- Front desk: internal notes (read, add), books, reschedules and cancels
  appointments, records what happened to a step (referred, attended, no-show;
  booked comes from booking).
- Clinician: internal notes, every allowed move of a step (done, declined,
  cancelled too: the clinical decisions), overrides of the route with a reason.
- Clinic administrator: the clinic's locations (add, change, retire), and
  reads everything else of care coordination without changing it.

The clinic's dashboard on the console's home (intakes, time to triage, steps,
reminders) is for clinicians and clinic administrators; front desk works from
the queue and its waiting counts.

Nobody but a superuser holds a permission on the audit trail beyond viewing
it, and the audit admin refuses edits and deletions to everyone.
"""

FRONT_DESK = "Front desk"
CLINICIAN = "Clinician"
CLINIC_ADMINISTRATOR = "Clinic administrator"

# (app label, codename) per role; the migration that creates the groups keeps
# its own copy, as migrations must.
ROLE_PERMISSIONS: dict[str, list[tuple[str, str]]] = {
    FRONT_DESK: [
        ("intake", "view_case"),
        ("intake", "change_case"),
        ("intake", "edit_contact"),
        ("intake", "view_reminder"),
        ("intake", "view_casenote"),
        ("intake", "add_casenote"),
        ("referrals", "view_referral"),
        ("referrals", "move_referral"),
        ("referrals", "view_referralmove"),
        ("referrals", "view_appointment"),
        ("referrals", "book_appointment"),
    ],
    CLINICIAN: [
        ("intake", "view_case"),
        ("intake", "change_case"),
        ("intake", "triage_case"),
        ("intake", "view_reminder"),
        ("referrals", "view_route"),
        ("referrals", "view_routestep"),
        ("intake", "view_emergencyscreenstop"),
        ("intake", "view_casenote"),
        ("intake", "add_casenote"),
        ("referrals", "view_referral"),
        ("referrals", "move_referral"),
        ("referrals", "view_referralmove"),
        ("referrals", "view_appointment"),
        ("referrals", "view_routerevision"),
        ("referrals", "view_revisionstep"),
        ("referrals", "override_route"),
        ("intake", "view_dashboard"),
    ],
    CLINIC_ADMINISTRATOR: [
        ("auth", "view_user"),
        ("auth", "add_user"),
        ("auth", "change_user"),
        ("auth", "view_group"),
        ("axes", "view_accessattempt"),
        ("axes", "delete_accessattempt"),
        ("axes", "view_accesslog"),
        ("auditlog", "view_logentry"),
        ("intake", "view_case"),
        ("intake", "erase_case"),
        ("intake", "view_reminder"),
        ("referrals", "view_route"),
        ("referrals", "view_routestep"),
        ("intake", "view_emergencyscreenstop"),
        ("intake", "view_casenote"),
        ("referrals", "view_referral"),
        ("referrals", "view_referralmove"),
        ("referrals", "view_appointment"),
        ("referrals", "view_routerevision"),
        ("referrals", "view_revisionstep"),
        ("referrals", "view_location"),
        ("referrals", "add_location"),
        ("referrals", "change_location"),
        ("intake", "view_dashboard"),
        ("intake", "view_apitoken"),
        ("intake", "add_apitoken"),
        ("intake", "change_apitoken"),
    ],
}
ROLES = list(ROLE_PERMISSIONS)
