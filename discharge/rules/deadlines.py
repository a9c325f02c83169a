"""The time limits of discharge planning that the worklists and the follow-up share (svu.md).
An agreement's own limits (`Terms` in `discharge.rules.liability`) decide liability; these decide
what a worklist flags and what the follow-up measures."""

# The ward sends the admission notice within 24 hours of admission; svu.md's follow-up measures
# notices against 24 hours, whatever an agreement's own eligibility limit is.
ADMISSION_NOTICE_HOURS = 24
# A planning meeting is called within three days of the admission notice.
DEFAULT_PLANNING_DAYS = 3
# Open cases ready longer than this count as long-stayers when the agreement names no limit.
DEFAULT_LONG_STAY_DAYS = 30
