"""Background tasks of discharge coordination, run by `manage.py db_worker`. Ids only in the
arguments (the task table is kept); the task reads the database when it runs."""

from django_tasks import task


@task()
def restore_basis(region_id, municipality_id, first_month, last_month):
    """Compute again the stored invoice basis of the region's months from `first_month` to
    `last_month` (YYYY-MM; None: every stored month), for one municipality (None: all of them).
    Queued when a case or an agreement changes. Months never stored stay unstored (the nightly
    `invoice_basis` command stores them). Returns how many months were stored."""
    from core.models import Organisation
    from discharge.actions import store_basis
    from discharge.models import BasisMonth
    from discharge.rules.liability import Month

    region = Organisation.objects.filter(pk=region_id).first()
    municipality = Organisation.objects.filter(pk=municipality_id).first() if municipality_id else None
    if region is None:
        return 0
    months = BasisMonth.objects.filter(region=region)
    if first_month:
        months = months.filter(month__gte=Month.parse(first_month).first_day)
    if last_month:
        months = months.filter(month__lte=Month.parse(last_month).first_day)
    stored = 0
    for day in list(months.order_by("month").values_list("month", flat=True)):
        if store_basis(None, region, Month.of(day), municipality=municipality, create=False) is not None:
            stored += 1
    return stored


@task()
def store_basis_month(region_id, month):
    """Compute and store the region's month (YYYY-MM), whether stored before or not: queued by
    region finance from the basis page. Returns the number of municipalities stored."""
    from core.models import Organisation
    from discharge.actions import store_basis
    from discharge.rules.liability import Month

    region = Organisation.objects.filter(pk=region_id).first()
    if region is None:
        return 0
    return store_basis(None, region, Month.parse(month)).bases.count()
