"""The status page in the whole app (`build_warroom`, as `warroom run` wires it) over real HTTP:
the public pages answer beside Slack's and the webhooks, behind the app's middleware, with ETag
and 304; a publication shows at once; `warroom maintenance add` (another process's write) is
started by the app's own scheduled job and shown; the effect of each publication is carried out
by the app's outbox (nobody subscribed: done with nothing sent)."""

import argparse
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import jsonschema
import lxml.html
import pytest
from sqlmodel import Session, col, select
from statuspage_core import STATUS_YML, Clock

from bot.app import Warroom, build_warroom
from bot.cli import maintenance
from bot.sandbox import SandboxServer, serve_in_thread
from bot.sandbox.runner import ServerHandle
from bot.settings import Settings
from storage.models import Effect

PUBLIC_URL = "https://status.example.com"
SCHEMA = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "statuspage" / "summary.schema.json").read_text()
)


@dataclass
class App:
    warroom: Warroom
    handle: ServerHandle
    clock: Clock

    def get(self, path: str, **headers: str) -> httpx.Response:
        return httpx.get(f"{self.handle.url}{path}", headers=headers, timeout=30)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer() as server:
        yield server


@pytest.fixture
def app(database_url: str, sandbox: SandboxServer, tmp_path: Path) -> Iterator[App]:
    sandbox.reset()
    config = tmp_path / "warroom.yml"
    config.write_text(STATUS_YML)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        slack_bot_token="xoxb-sandbox-token",
        slack_signing_secret="status-page-tests-signing-secret",
        slack_api_url=sandbox.api_url,
        database_url=database_url,
        warroom_config=str(config),
        warroom_public_url=PUBLIC_URL,
        warroom_tick_interval=timedelta(days=1),  # the test runs the jobs
    )
    # The real time: `warroom maintenance add` runs on it too.
    clock = Clock(datetime.now(UTC).replace(microsecond=0))
    warroom = build_warroom(settings, clock=clock)
    handle = serve_in_thread(warroom.http)
    try:
        yield App(warroom, handle, clock)
    finally:
        handle.stop()
        warroom.engine.dispose()


def overall(page: httpx.Response) -> str:
    [banner] = lxml.html.fromstring(page.content).xpath("//*[@id='overall']")
    return " ".join(banner.text_content().split())


def states(page: httpx.Response) -> dict[str, str]:
    tree = lxml.html.fromstring(page.content)
    names = tree.xpath("//div[contains(@class,'component')]//strong[@class='name']/text()")
    shown = tree.xpath("//div[contains(@class,'component')]/span[@class='state']/text()")
    return dict(zip(names, shown, strict=True))


def test_the_app_serves_the_page_and_a_publication_shows_at_once(app: App) -> None:
    first = app.get("/status")
    assert first.status_code == 200 and overall(first) == "All Systems Operational"
    assert first.headers["x-request-id"]  # through the app's own middleware
    assert app.get("/status", **{"if-none-match": first.headers["etag"]}).status_code == 304

    page = app.warroom.public.page
    published = app.handle.run(
        page.publish(
            None,
            title="Payments failing",
            status="investigating",
            message="Card payments fail for some customers.",
            components={"Payments": "major_outage"},
            by="U0ALICE",
        )
    )
    app.handle.run(app.warroom.settle())

    after = app.get("/status", **{"if-none-match": first.headers["etag"]})
    assert after.status_code == 200
    assert overall(after) == "Major System Outage"
    assert states(after)["Payments"] == "Major outage"
    assert "Card payments fail for some customers." in after.text
    summary = app.get("/status/api/v2/summary.json").json()
    jsonschema.Draft202012Validator(SCHEMA).validate(summary)
    assert summary["page"]["url"] == f"{PUBLIC_URL}/status"
    assert [i["name"] for i in summary["incidents"]] == ["Payments failing"]
    with Session(app.warroom.engine) as session:
        effect = session.exec(
            select(Effect).where(col(Effect.key) == f"statuspage.published:{published.update_id}")
        ).one()
    assert effect.state == "done"  # the subscribers' fan-out ran: nobody to tell


def test_maintenance_from_the_command_line_is_started_by_the_apps_job(
    app: App, database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("WARROOM_CONFIG", app.warroom.settings.warroom_config or "")
    start = app.clock.now + timedelta(minutes=5)
    parser = argparse.ArgumentParser(prog="warroom")
    maintenance.add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(
        [
            "maintenance",
            "add",
            "--components=API,Dashboard",
            f"--from={start:%Y-%m-%d %H:%M:%S}",
            f"--to={start + timedelta(hours=1):%Y-%m-%d %H:%M:%S}",
            "--title=Database upgrade",
        ]
    )
    assert args.func(args) == 0
    assert capsys.readouterr().out.startswith("maintenance 1: API, Dashboard from ")
    upcoming = app.get("/status")
    assert "Database upgrade" in upcoming.text and overall(upcoming) == "All Systems Operational"

    jobs = app.warroom.public.jobs(timedelta(minutes=1))
    assert [job for job, _every in jobs.values()] == [app.warroom.public.page.tick]
    app.clock.now = start + timedelta(seconds=20)
    assert app.handle.run(app.warroom.public.page.tick()) == 1  # the scheduled job
    app.handle.run(app.warroom.settle())

    during = app.get("/status")
    assert overall(during) == "Service Under Maintenance"
    assert states(during)["API"] == states(during)["Dashboard"] == "Under maintenance"
    with Session(app.warroom.engine) as session:
        effect = session.exec(
            select(Effect).where(col(Effect.key) == "statuspage.published:maintenance:1:started")
        ).one()
    assert effect.state == "done"


def test_unknown_status_paths_are_not_found(app: App) -> None:
    assert app.get("/status/nothing-here").status_code == 404
    assert app.get("/status/incidents/12/extra").status_code == 404
