"""What `warroom --help` and each command's help say beyond the options: the settings and
modes that matter to it. Shown as written (argparse's RawDescriptionHelpFormatter)."""

SETTINGS_SOURCE = """\
Settings come from the environment and from a .env file in the current directory
(the directory the command is started in); the environment wins. `warroom example env`
prints a commented .env to start from."""

DATABASE = """\
  DATABASE_URL                 sqlite:///warroom.db (the default: a file in the current
                               directory) or postgresql+psycopg://user:password@host:5432/db
                               (needs the driver: pip install 'warroom[postgres]')
  WARROOM_DB_CONNECT_TIMEOUT   how long to wait for the database server (default 5s)"""

MAIN = f"""\
commands in the order a new installation uses them:
  warroom doctor        check settings, database, Slack tokens and scopes, config files
  warroom db upgrade    create or migrate the database (PostgreSQL: before every `run`
                        of a new version; SQLite: `run` does it by itself)
  warroom run           serve Slack (Socket Mode or HTTP), /healthz and the alert webhooks
  warroom demo          play incidents, on-call paging and a handoff offline (Slack stand-in)

{SETTINGS_SOURCE}

Each command's --help names the settings it reads. Exit status 2 means a setting or
something outside Warroom needs fixing; the one line printed says which and how."""

RUN = f"""\
modes:
  Socket Mode   when SLACK_APP_TOKEN is set (xapp-…, with connections:write): Warroom
                connects out to Slack, no public URL needed. It connects in the background;
                HTTP (/healthz, /webhooks/…) serves at once either way.
  HTTP          when SLACK_APP_TOKEN is empty: Slack sends slash commands, clicks and events
                to https://<your host>/slack/events; put a TLS reverse proxy in front of
                http://WARROOM_HOST:WARROOM_PORT.

required:
  SLACK_BOT_TOKEN              Bot User OAuth Token (xoxb-…), OAuth & Permissions page;
                               checked with auth.test at start (refused: exit 2; Slack
                               unreachable: a warning, and checked again in the background)
  SLACK_SIGNING_SECRET         Basic Information → App Credentials → Signing Secret

often set:
  SLACK_APP_TOKEN              app-level token for Socket Mode (empty: HTTP mode)
  DATABASE_URL                 sqlite:///warroom.db (the default: a file in the current
                               directory, migrated on start) or
                               postgresql+psycopg://user:password@host:5432/db (needs
                               pip install 'warroom[postgres]' and `warroom db upgrade`)
  WARROOM_DB_CONNECT_TIMEOUT   how long to wait for the database server (default 5s)
  WARROOM_HOST, WARROOM_PORT   the HTTP listener (default 127.0.0.1:3000)
  WARROOM_ANNOUNCE_CHANNEL     where every incident is announced (default incidents)
  WARROOM_WEBHOOK_TOKEN        turns the alert webhooks on (16 characters or more)
  WARROOM_CONFIG               alert routing file (YAML; `warroom example config`)
  WARROOM_LOG_LEVEL            DEBUG, INFO (default), WARNING, ERROR
  WARROOM_LOG_FORMAT           text (default) or json
  SLACK_API_URL                Slack's Web API (default https://slack.com/api/)

{SETTINGS_SOURCE}
Run `warroom doctor` first: it checks all of the above without starting anything."""

DB = f"""\
reads:
{DATABASE}

{SETTINGS_SOURCE}"""

DB_UPGRADE = f"""\
Creates the tables in an empty database, or migrates an older one; safe to run again.
With PostgreSQL and several `warroom run` processes, run it once per release, before
starting the new version (`run` refuses an out-of-date PostgreSQL schema).

reads:
{DATABASE}

{SETTINGS_SOURCE}"""

DB_CURRENT = f"""\
Prints the revision the database is at, or `empty` when it was never migrated
(a SQLite file that does not exist is not created).

reads:
{DATABASE}

{SETTINGS_SOURCE}"""

POSTMORTEM = f"""\
Reads the incident from the database; people are shown by the names the people directory
holds, as in the document shared in Slack. Nothing is sent to Slack.

reads:
{DATABASE}
  WARROOM_POSTMORTEM_TEMPLATE  your own Jinja2 template (default: the built-in one;
                               `warroom example postmortem-template` prints it)

{SETTINGS_SOURCE}"""

DEMO = """\
Needs no Slack workspace and no settings: a built-in Slack stand-in plays the people, and
the transcript shows what each of them sees. SLACK_* settings and DATABASE_URL are not used:
the demo brings its own stand-in and a SQLite file (--database)."""

DOCTOR = f"""\
Checks a deployment end to end without starting it, one line per check:
  settings          every setting loads (the same rules as `warroom run`)
  database          DATABASE_URL reachable, migrations current
  Slack bot token   SLACK_BOT_TOKEN valid (auth.test)
  Slack scopes      the token's scopes cover the bot scopes in manifest.yml
  signing secret    SLACK_SIGNING_SECRET looks like Slack's (32 hex characters)
  Socket Mode       SLACK_APP_TOKEN valid (apps.connections.open), when set
  webhook token     WARROOM_WEBHOOK_TOKEN set and long enough
  mail, SMS         SMTP and Twilio, when configured
  routing config    WARROOM_CONFIG loads
  on-call schedules WARROOM_CONFIG's schedules: load (zones, rotations, handoffs, holidays)
  postmortem        WARROOM_POSTMORTEM_TEMPLATE (or the built-in one) renders

exit status: 0 when nothing failed (warnings allowed), 1 when a check failed,
2 on bad usage.

{SETTINGS_SOURCE}"""
