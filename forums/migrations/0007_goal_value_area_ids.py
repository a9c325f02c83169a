"""Goal values of a unit or an organisation keyed by its id, not its name: two units of one name
(a "Vårdcentralen" in two towns) had their values merged into one row. Areas named by hand stay
keyed by their name.

Forward, a stored platform value whose area name is exactly one unit (of the goal's owner first,
else anywhere: the contact entry's receiving units) or, for the discharge goals, exactly one
municipality, gets that id. A name that fits none or several (a value already merged) stays a
named area until the next fetch of the platform's values replaces the months it computes.
Backward, areas that share a name in a month keep one value (the lowest id), as the old key could.
"""

from django.db import migrations, models

MUNICIPALITY_SOURCES = {"ready_days", "day0_share"}


def key_by_id(apps, schema_editor):
    Goal = apps.get_model("forums", "Goal")
    GoalValue = apps.get_model("forums", "GoalValue")
    Unit = apps.get_model("core", "Unit")
    Organisation = apps.get_model("core", "Organisation")
    for goal in Goal.objects.exclude(source="manual"):
        for name in GoalValue.objects.filter(goal=goal).exclude(area="").values_list("area", flat=True).distinct():
            if goal.source in MUNICIPALITY_SOURCES:
                found = {"area_organisation_id": list(Organisation.objects.filter(kind="municipality", name=name)
                                                      .values_list("pk", flat=True)[:2])}
            else:
                ids = list(Unit.objects.filter(organisation_id=goal.owner_id, name=name).values_list("pk", flat=True)[:2])
                found = {"area_unit_id": ids or list(Unit.objects.filter(name=name).values_list("pk", flat=True)[:2])}
            (field, ids), = found.items()
            if len(ids) == 1:
                GoalValue.objects.filter(goal=goal, area=name).update(**{field: ids[0]})


def keep_one_per_name(apps, schema_editor):
    GoalValue = apps.get_model("forums", "GoalValue")
    seen = set()
    for pk, goal_id, month, area in GoalValue.objects.order_by("pk").values_list("pk", "goal_id", "month", "area"):
        if (goal_id, month, area) in seen:
            GoalValue.objects.filter(pk=pk).delete()
        seen.add((goal_id, month, area))


class Migration(migrations.Migration):
    dependencies = [
        ("forums", "0006_goal_refreshed_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="goalvalue", name="area_unit",
            field=models.ForeignKey(blank=True, null=True, on_delete=models.deletion.PROTECT, related_name="+",
                                    to="core.unit"),
        ),
        migrations.AddField(
            model_name="goalvalue", name="area_organisation",
            field=models.ForeignKey(blank=True, null=True, on_delete=models.deletion.PROTECT, related_name="+",
                                    to="core.organisation"),
        ),
        migrations.RemoveConstraint(model_name="goalvalue", name="forums_goal_value_unique"),
        migrations.RemoveIndex(model_name="goalvalue", name="forums_goalvalue_lookup"),
        migrations.RunPython(key_by_id, keep_one_per_name),
        migrations.AddConstraint(
            model_name="goalvalue",
            constraint=models.CheckConstraint(
                condition=models.Q(area_unit__isnull=True) | models.Q(area_organisation__isnull=True),
                name="forums_goal_value_one_area"),
        ),
        migrations.AddConstraint(
            model_name="goalvalue",
            constraint=models.UniqueConstraint(
                condition=models.Q(area_unit__isnull=True, area_organisation__isnull=True),
                fields=("goal", "month", "area"), name="forums_goal_value_named_unique"),
        ),
        migrations.AddConstraint(
            model_name="goalvalue",
            constraint=models.UniqueConstraint(condition=models.Q(area_unit__isnull=False),
                                               fields=("goal", "month", "area_unit"), name="forums_goal_value_unit_unique"),
        ),
        migrations.AddConstraint(
            model_name="goalvalue",
            constraint=models.UniqueConstraint(condition=models.Q(area_organisation__isnull=False),
                                               fields=("goal", "month", "area_organisation"),
                                               name="forums_goal_value_organisation_unique"),
        ),
        migrations.AddIndex(model_name="goalvalue",
                            index=models.Index(fields=["goal", "month"], name="forums_goalvalue_month")),
    ]
