from datetime import timedelta

import pytest
from django.utils import timezone

from core.access import access_basis
from core.errors import ActionError, NotPermitted
from core.models import AuditEvent, CareRelation, Unit
from core.tests.factories import make_actor, make_municipality, make_patient, make_region, make_unit
from discharge import actions, queries
from discharge.models import CaseEvent, CaseParty, DischargeCase
from discharge.tests.factories import make_case, make_parties

pytestmark = pytest.mark.django_db


def ago(hours):
    return timezone.now() - timedelta(hours=hours)


def test_opening_a_case_makes_every_party_a_care_relation():
    parties, case = make_case()
    # The ward's own care relation let it open the case; once that ends, the case still is one.
    CareRelation.objects.filter(patient=case.patient).update(valid_until=timezone.now())
    for key in ("ward", "primary", "needs"):
        basis = access_basis(parties[key], case.patient)
        assert (basis.basis, basis.reason) == ("relation", "Utskrivningsärende")
    assert access_basis(make_actor(), case.patient) is None


def test_a_party_is_added_only_where_the_law_makes_the_unit_one():
    parties, case = make_case()
    other_town = make_unit(make_municipality("1280", "Malmö stad"), name="Hemsjukvården Malmö", kind=Unit.Kind.HOME_CARE)
    with pytest.raises(ActionError, match="kan inte vara part"):
        actions.add_party(parties["ward"], case, unit=other_town, role="municipality")
    with pytest.raises(ActionError, match="kan inte vara part"):
        actions.add_party(parties["ward"], case, unit=make_unit(kind=Unit.Kind.HOSPITAL), role="primary_care")
    assert access_basis(make_actor(unit=other_town), case.patient) is None
    home_care = make_unit(parties["municipality"], name="Hemsjukvården Lund", kind=Unit.Kind.HOME_CARE)
    actions.add_party(parties["needs"], case, unit=home_care, role="municipality")
    assert access_basis(make_actor(unit=home_care), case.patient).reason == "Utskrivningsärende"


def test_only_a_ward_opens_a_case():
    parties = make_parties()
    with pytest.raises(NotPermitted):
        actions.open_case(parties["primary"], make_patient(), municipality=parties["municipality"], admitted_at=ago(2))


def test_a_second_open_case_for_the_same_patient_on_the_ward_is_refused():
    parties, case = make_case()
    with pytest.raises(ActionError, match="redan ett pågående"):
        actions.open_case(parties["ward"], case.patient, municipality=parties["municipality"], admitted_at=ago(1))


def test_the_whole_flow_sets_the_timestamps_the_invoice_is_built_from():
    parties, case = make_case(admitted_hours_ago=72)
    ward, primary, needs = parties["ward"], parties["primary"], parties["needs"]
    actions.send_admission_notice(ward, case, at=ago(70), known_needs="Hemtjänst före inskrivning")
    actions.record_needs_assessment(needs, case, answers={"housing": "Villa, trappor", "adl": "Behöver hjälp"})
    actions.record_commitment(needs, case, provides=True, description="Hemtjänst 4 besök/dag")
    actions.appoint_care_contact(primary, case, name="Karin Åberg", phone="046-123456")
    actions.send_ready_notice(ward, case, judged_by="Dr Per Holm", at=ago(30))
    actions.send_discharge_notice(ward, case, at=ago(2), medication_list="Alvedon", transport="Sjukresa")
    case.refresh_from_db()
    assert case.status == DischargeCase.Status.DISCHARGED
    assert abs(case.admission_notice_sent_at - ago(70)) < timedelta(minutes=1)
    assert case.ready_notice_sent_at.second == 0
    assert case.care_contact_appointed_at is not None
    assert case.discharged_at is not None and case.closed_at == case.discharged_at
    kinds = list(case.events.order_by("id").values_list("kind", flat=True))
    assert kinds[0] == "admission_notice" and kinds[-1] == "discharge_notice"
    assert AuditEvent.objects.filter(patient=case.patient, action="discharge.ready_notice").count() == 1


def test_discharge_before_ready_is_refused():
    parties, case = make_case()
    with pytest.raises(ActionError, match="inte anmäld utskrivningsklar"):
        actions.send_discharge_notice(parties["ward"], case)


def test_ready_before_admission_is_refused():
    parties, case = make_case(admitted_hours_ago=5)
    with pytest.raises(ActionError, match="före inskrivningen"):
        actions.send_ready_notice(parties["ward"], case, judged_by="Dr Holm", at=ago(6))


def test_a_withdrawn_ready_notice_restarts_the_clock_at_the_next_notice():
    parties, case = make_case(admitted_hours_ago=100)
    ward = parties["ward"]
    actions.send_ready_notice(ward, case, judged_by="Dr Holm", at=ago(80))
    actions.withdraw_ready_notice(ward, case, reason="Feber igen", at=ago(70))
    case.refresh_from_db()
    assert case.ready_notice_sent_at is None
    actions.send_ready_notice(ward, case, judged_by="Dr Holm", at=ago(20))
    case.refresh_from_db()
    assert abs(case.ready_notice_sent_at - ago(20)) < timedelta(minutes=2)


def test_only_primary_care_appoints_the_care_contact():
    parties, case = make_case()
    with pytest.raises(NotPermitted, match="primärvård"):
        actions.appoint_care_contact(parties["needs"], case, name="Någon")


def test_a_unit_outside_the_case_cannot_write_to_it():
    _parties, case = make_case()
    with pytest.raises(NotPermitted, match="deltar inte"):
        actions.post_message(make_actor(), case, text="Hej")


def test_sent_messages_are_immutable_and_corrections_move_the_timestamps():
    parties, case = make_case(admitted_hours_ago=72)
    ward = parties["ward"]
    notice = actions.send_admission_notice(ward, case, at=ago(40))
    notice.data = {"known_needs": "ändrat"}
    with pytest.raises(PermissionError):
        notice.save()
    actions.correct_event(ward, notice, reason="Fel tid angavs", at=ago(60))
    case.refresh_from_db()
    assert abs(case.admission_notice_sent_at - ago(60)) < timedelta(minutes=1)
    correction = CaseEvent.objects.get(kind="correction")
    assert correction.corrects == notice and correction.reason == "Fel tid angavs"


def test_another_unit_cannot_correct_the_wards_message():
    parties, case = make_case()
    notice = actions.send_admission_notice(parties["ward"], case)
    with pytest.raises(NotPermitted):
        actions.correct_event(parties["needs"], notice, reason="Nej")


def test_the_patients_objection_is_recorded_on_the_case():
    parties, case = make_case()
    actions.record_consent(parties["ward"], case, objected=True, note="Vill inte att uppgifter lämnas ut")
    case.refresh_from_db()
    assert case.patient_objected


def test_cancellation_ends_the_case_and_later_messages_are_refused():
    parties, case = make_case()
    actions.cancel_case(parties["ward"], case, reason="moved")
    case.refresh_from_db()
    assert case.status == DischargeCase.Status.CANCELLED
    with pytest.raises(ActionError, match="avslutat"):
        actions.send_admission_notice(parties["ward"], case)


def test_dialog_messages_get_one_read_receipt_per_unit():
    parties, case = make_case()
    message = actions.post_message(parties["ward"], case, text="Behöver rullstol hem")
    assert actions.mark_read(parties["ward"], message) is None
    first = actions.mark_read(parties["needs"], message)
    again = actions.mark_read(parties["needs"], message)
    assert first.pk == again.pk and message.receipts.count() == 1


def test_a_refused_message_leaves_nothing_behind():
    parties, case = make_case()
    before = (CaseEvent.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ActionError):
        actions.record_commitment(parties["needs"], case, provides=True, description="")
    assert (CaseEvent.objects.count(), AuditEvent.objects.count()) == before


def test_the_parties_follow_the_case_out_of_and_back_into_the_worklists():
    parties, case = make_case(admitted_hours_ago=72)
    ward = parties["ward"]
    actions.send_admission_notice(ward, case, at=ago(70))
    actions.send_ready_notice(ward, case, judged_by="Dr Per Holm", at=ago(30))
    discharge = actions.send_discharge_notice(ward, case, at=ago(2))
    assert not case.parties.filter(case_open=True).exists()
    assert not queries.worklist_queryset(parties["needs"], "all_open").exists()
    # A discharge notice sent by mistake is voided: the case is open again for every party.
    actions.correct_event(ward, discharge, reason="Fel patient", void=True)
    assert case.parties.filter(case_open=False).count() == 0
    assert list(queries.worklist_queryset(parties["needs"], "all_open")) == [case]
    assert queries.worklist_counts(parties["ward"])["all_open"] == 1


def assert_parties_carry_the_case_times(case):
    case.refresh_from_db()
    times = {name: getattr(case, name) for name in CaseParty.WORKLIST_TIMES}
    assert times["admitted_at"] is not None
    for party in case.parties.all():
        assert {name: getattr(party, name) for name in CaseParty.WORKLIST_TIMES} == times, party.role
        assert party.case_open == (case.status == DischargeCase.Status.OPEN)


def test_every_party_row_carries_the_case_times_the_worklists_read_through_the_whole_flow():
    parties, case = make_case(admitted_hours_ago=96)
    ward, primary = parties["ward"], parties["primary"]
    assert_parties_carry_the_case_times(case)
    notice = actions.send_admission_notice(ward, case, at=ago(90))
    assert_parties_carry_the_case_times(case)
    actions.send_planning_invitation(primary, case, meeting_at=ago(-24), form="digital")
    assert_parties_carry_the_case_times(case)
    actions.correct_event(ward, notice, reason="Fel tid", at=ago(80))
    assert_parties_carry_the_case_times(case)
    ready = actions.send_ready_notice(ward, case, judged_by="Dr Per Holm", at=ago(30))
    assert_parties_carry_the_case_times(case)
    actions.withdraw_ready_notice(ward, case, reason="Feber", at=ago(20))
    assert_parties_carry_the_case_times(case)
    assert case.ready_notice_sent_at is None and ready.pk
    actions.send_ready_notice(ward, case, judged_by="Dr Per Holm", at=ago(10))
    added = actions.add_party(ward, case, unit=make_unit(case.municipality, name="Hemsjukvården",
                                                         kind=Unit.Kind.NEEDS_ASSESSMENT), role="municipality")
    case.refresh_from_db()
    assert added.ready_notice_sent_at == case.ready_notice_sent_at is not None
    actions.send_discharge_notice(ward, case, at=ago(2))
    assert_parties_carry_the_case_times(case)


def test_a_ward_opens_a_case_only_for_a_patient_it_may_open():
    """The case opens the patient to the municipality and primary care, so the action itself asks
    the ward for its own access first."""
    parties = make_parties()
    stranger = make_patient()
    with pytest.raises(NotPermitted, match="vårdrelation"):
        actions.open_case(parties["ward"], stranger, municipality=parties["municipality"], admitted_at=ago(2))
    assert not DischargeCase.objects.filter(patient=stranger).exists()


def test_a_primary_care_centre_in_another_county_is_not_made_a_party():
    parties, case = make_case()
    far_away = make_unit(make_region(code="25", name="Region Norrbotten"), name="Vårdcentralen Kiruna",
                         kind=Unit.Kind.PRIMARY_CARE)
    with pytest.raises(ActionError, match="kan inte vara part"):
        actions.add_party(parties["ward"], case, unit=far_away, role="primary_care")
    assert access_basis(make_actor(unit=far_away), case.patient) is None
