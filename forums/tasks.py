"""Background tasks of the forums app, run by `manage.py db_worker` (docs/decisions.md "Background tasks").
Tasks take ids; they read the meeting or item again when they run."""

from django_tasks import task

from forums import mail


@task()
def mail_agenda(meeting_id):
    """Mail the agenda with the meeting as iCalendar to the forum's current members; returns how many."""
    return mail.send_agenda(meeting_id)


@task()
def remind_consultation(item_id):
    """Remind the member organisations that have not answered a consultation; returns how many were mailed."""
    return mail.remind_consultation(item_id)


@task()
def refresh_goal(goal_id):
    """Fetch one goal's values from the platform again (queued nightly by `manage.py goal_values`);
    returns whether the goal was refreshed."""
    from forums import actions

    return actions.refresh_goal_values_on_schedule(goal_id) is not None
