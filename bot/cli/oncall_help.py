"""What `warroom oncall … --help` and `warroom config check --help` say beyond the options."""

from bot.ops.usage import DATABASE, SETTINGS_SOURCE

READS = f"""\
reads:
  WARROOM_CONFIG               warroom.yml, whose schedules: define the schedules
{DATABASE}
  (no Slack tokens: nothing is sent to Slack)

{SETTINGS_SOURCE}"""

TIMES = """\
times:
  ISO-8601: a date (2026-12-24) or a date and time (2026-12-24T18:00, 2026-12-24 18:00,
  2026-12-24T18:00+01:00). Without an offset, a time is in the schedule's own zone; a date
  alone means the whole day (--from from its start, --to to its end)."""

ONCALL = f"""\
Each reads the rosters kept in the database and brings them up to date with warroom.yml
first, as `warroom run` does: a changed roster holds from the next handoff.

{READS}"""

WHO = f"""\
examples:
  warroom oncall who
  warroom oncall who sre --at 2026-12-24T18:00 --json

Text shows names from the people directory when it knows them, and a line starting with
"!" for each iCal layer whose feed fails (its last good copy is what is shown). JSON: a list
of {{"schedule", "on_call", "next", "layers", "feeds"}}; on_call and next are null or
{{"user", "name", "layer", "source", "start", "end"}}; feeds lists the failing ones as
{{"layer", "error", "failing_since", "last_good_copy"}} (empty when all are well).

{TIMES}

{READS}"""

SHIFTS = f"""\
examples:
  warroom oncall shifts sre --from 2026-12-01 --to 2026-12-31
  warroom oncall shifts sre --from 2026-12-24T18:00 --to 2026-12-27T09:00 --json

JSON: [{{"schedule", "layer", "user", "start", "end", "source"}}], times ISO-8601 with the
offset, in the schedule's zone; source is rotation, override, holiday or ical; layer is
empty for a holiday cover or an override of the whole schedule.

{TIMES}

{READS}"""

OVERRIDE = f"""\
examples:
  warroom oncall override sre --user U0123ABC --from 2026-12-24T18:00 --to 2026-12-27T09:00
  warroom oncall override sre --user U0123ABC --from 2026-12-24 --to 2026-12-26 --layer primary

An override lasts at most 90 days and must end in the future; it is stored in the database
and shown as such everywhere (Slack, calendars). Remove it in Slack: /oncall overrides.

{TIMES}

{READS}"""

HOURS = f"""\
examples:
  warroom oncall hours --from 2026-11-01 --to 2026-11-30
  warroom oncall hours --from 2026-11-01 --to 2026-11-30 --csv > november.csv

Per person and schedule, in hours with two decimals, by the schedule's local wall clock:
business (Mon-Fri 09-18), evening (Mon-Fri 18-22), night (Mon-Fri 22-09), weekend
(Sat, Sun), holiday (the public holidays of the schedule's holidays: country), total.
A holiday counts as holiday whatever its weekday.

{TIMES}

{READS}"""

FEED_URL = f"""\
examples:
  warroom oncall feed-url sre
  warroom oncall feed-url --user U0123ABC

Prints <WARROOM_PUBLIC_URL>/oncall/<schedule>.ics?token=… or
<WARROOM_PUBLIC_URL>/oncall/users/<user id>.ics?token=…: 30 days back, 90 ahead. The token
is made once per feed and stays the same; whoever has the link can read the feed.

reads:
  WARROOM_PUBLIC_URL           where people reach Warroom (default http://127.0.0.1:3000)
{READS.removeprefix("reads:" + chr(10))}"""

CONFIG = f"""\
{SETTINGS_SOURCE}"""

CONFIG_CHECK = f"""\
Runs the same checks as `warroom run` at start: alert routes, and every schedule's name,
time zone, layers, rotations, handoffs, restrictions and holidays. A problem is one line
naming the file, the schedule, the layer and the field, with exit status 2; otherwise one
line says what the file holds. Slack is not asked: `warroom run` checks the users named.

reads:
  WARROOM_CONFIG               the file, unless --config PATH names one

{SETTINGS_SOURCE}"""
