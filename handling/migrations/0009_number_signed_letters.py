"""Give the replies signed before 文号 existed their numbers, as signing now does: per unit and year of
signing, in the order signed (then by id); a version the office made at its review (the same letter, its
class changed) keeps the number of the version it copies. Each sequence's counter is set to its last."""

from django.db import migrations

BATCH = 2000


def _prefix(department):  # type: ignore[no-untyped-def]
    # As organisation.models.Department.letter_prefix (migrations do not import app code).
    if department.reply_prefix.strip():
        return department.reply_prefix.strip()
    place = department.jurisdiction.name
    unit = department.short_name or department.name
    for lead in (place, place[:-1], "市", "县", "区"):
        if lead and unit.startswith(lead) and len(unit) > len(lead):
            unit = unit[len(lead) :]
            break
    return f"{place[:1]}{unit[:1]}提复"


def number_signed(apps, schema_editor):  # type: ignore[no-untyped-def]
    Reply = apps.get_model("handling", "Reply")
    Department = apps.get_model("organisation", "Department")
    LetterSequence = apps.get_model("handling", "LetterSequence")
    prefixes = {d.pk: _prefix(d) for d in Department.objects.select_related("jurisdiction")}
    rows = (
        Reply.objects.filter(signed_on__isnull=False, document_seq__isnull=True)
        .order_by("assignment__department_id", "signed_on", "pk")
        .values_list("pk", "assignment_id", "assignment__department_id", "signed_on", "signed_by_id", "version")
    )
    last: dict[tuple[int, int], int] = dict(
        ((s.department_id, s.year), s.last) for s in LetterSequence.objects.all()
    )
    given: dict[tuple[int, object, object], tuple[int, int]] = {}  # (assignment, signed_on, signer) → number
    batch = []
    for pk, assignment_id, department_id, signed_on, signer, _version in rows.iterator(chunk_size=5000):
        year = signed_on.year
        same_letter = given.get((assignment_id, signed_on, signer))
        if same_letter is not None and same_letter[0] == year:
            seq = same_letter[1]
        else:
            seq = last.get((department_id, year), 0) + 1
            last[(department_id, year)] = seq
            given[(assignment_id, signed_on, signer)] = (year, seq)
        number = f"{prefixes[department_id]}〔{year}〕{seq}号"
        batch.append(Reply(pk=pk, document_number=number, document_year=year, document_seq=seq))
        if len(batch) >= BATCH:
            Reply.objects.bulk_update(batch, ["document_number", "document_year", "document_seq"])
            batch = []
    if batch:
        Reply.objects.bulk_update(batch, ["document_number", "document_year", "document_seq"])
    for (department_id, year), value in last.items():
        LetterSequence.objects.update_or_create(department_id=department_id, year=year, defaults={"last": value})


class Migration(migrations.Migration):
    dependencies = [
        ("handling", "0008_letter_numbers"),
        ("organisation", "0003_letter_numbers"),
    ]

    operations = [migrations.RunPython(number_signed, migrations.RunPython.noop)]
