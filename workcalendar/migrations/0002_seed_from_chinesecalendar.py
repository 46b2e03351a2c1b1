"""Seed every year chinesecalendar knows: its holidays, its make-up workdays, and the year as known."""

from datetime import date

from django.db import migrations

# Frozen copy of workcalendar.package: migrations must not import app code.
FULL_NAMES = {"清明": "清明节", "端午": "端午节", "中秋": "中秋节"}


def holiday_name(chinese_calendar, english):
    try:
        chinese = chinese_calendar.Holiday(english).chinese
    except ValueError:
        return english
    return FULL_NAMES.get(chinese, chinese)


def forward(apps, schema_editor):
    import chinese_calendar

    CalendarDay = apps.get_model("workcalendar", "CalendarDay")
    CalendarYear = apps.get_model("workcalendar", "CalendarYear")
    years = []
    for year in range(1990, 2101):
        try:
            chinese_calendar.is_workday(date(year, 1, 1))
        except NotImplementedError:
            if years:
                break
            continue
        years.append(year)
    known = set(years)
    rows = [
        CalendarDay(date=d, is_workday=False, name=holiday_name(chinese_calendar, name))
        for d, name in chinese_calendar.holidays.items()
        if d.year in known
    ]
    rows += [
        CalendarDay(date=d, is_workday=True, name=holiday_name(chinese_calendar, name) + "调休上班")
        for d, name in chinese_calendar.workdays.items()
        if d.year in known
    ]
    CalendarDay.objects.filter(date__year__in=known).delete()
    CalendarDay.objects.bulk_create(sorted(rows, key=lambda r: r.date))
    note = "chinesecalendar " + chinese_calendar.__version__
    for year in years:
        CalendarYear.objects.update_or_create(year=year, defaults={"source": "package", "note": note})


class Migration(migrations.Migration):
    dependencies = [("workcalendar", "0001_calendar_day_and_year")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
