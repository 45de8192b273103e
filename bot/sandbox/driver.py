"""Drivers: play the people and Slack itself against the app.

`BaseDriver` turns what people do into Slack's payloads (built by `payloads`); `SlackDriver`
sends them as signed HTTP requests to the app's request URL, and `socket_driver.SocketModeDriver`
as Socket Mode envelopes.
"""

from __future__ import annotations

import json
import time
import uuid
from types import TracebackType
from typing import Any, Generic, Self, TypeVar
from urllib.parse import urlencode

import httpx

from bot.sandbox import payloads
from bot.sandbox.client import SandboxClient
from bot.sandbox.events import build_envelope
from bot.sandbox.model import APP_ID, TEAM_DOMAIN, TEAM_ID, VERIFICATION_TOKEN
from bot.sandbox.signing import sign

FORM = "application/x-www-form-urlencoded"
ACK_DEADLINE_SECONDS = 3.0

R = TypeVar("R")


def _channel_name(channel: dict[str, Any]) -> str:
    # Slack names every DM `directmessage` in slash commands and interaction payloads.
    return "directmessage" if channel.get("is_im") else str(channel["name"])


class BaseDriver(SandboxClient, Generic[R]):
    """What people do through the app; subclasses decide how each payload reaches it.

    `sandbox_url` is the sandbox root (e.g. `SandboxServer.url`). Every action returns what
    the transport gives back for the app's answer (`R`).
    """

    def __init__(
        self,
        sandbox_url: str,
        *,
        team_id: str = TEAM_ID,
        team_domain: str = TEAM_DOMAIN,
        api_app_id: str = APP_ID,
        verification_token: str = VERIFICATION_TOKEN,
        timeout: float = 10.0,
    ) -> None:
        super().__init__(sandbox_url, timeout=timeout)
        self.team_id = team_id
        self.team_domain = team_domain
        self.api_app_id = api_app_id
        self.verification_token = verification_token
        self.last_trigger_id: str | None = None
        self.last_response_url: str | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- how payloads reach the app (the transport) ----------------------------------

    def _deliver_command(
        self, form: dict[str, str], response_url: str, options: dict[str, Any]
    ) -> R:
        raise NotImplementedError

    def _deliver_interaction(self, payload: dict[str, Any], options: dict[str, Any]) -> R:
        raise NotImplementedError

    def _deliver_submission(
        self, payload: dict[str, Any], view_id: str, options: dict[str, Any]
    ) -> R:
        return self._deliver_interaction(payload, options)

    def _deliver_event(
        self,
        envelope: dict[str, Any],
        retry_num: int | None,
        retry_reason: str | None,
        options: dict[str, Any],
    ) -> R:
        raise NotImplementedError

    # -- payload context -------------------------------------------------------------

    def _interaction(self, user: str, **context: Any) -> tuple[str, str | None]:
        data = self._post_control("/interaction", {"user": user, **context})
        self.last_trigger_id, self.last_response_url = data["trigger_id"], data["response_url"]
        return data["trigger_id"], data["response_url"]

    def _user_ref(self, user: str) -> dict[str, str]:
        person = self.user(user)
        return {
            "id": person["id"],
            "username": person["name"],
            "name": person["name"],
            "team_id": self.team_id,
        }

    def _team(self) -> dict[str, str]:
        return {"id": self.team_id, "domain": self.team_domain}

    # -- what people do through the app ---------------------------------------------

    def slash(
        self, user: str, channel: str, text: str, command: str = "/incident", **sign_options: Any
    ) -> R:
        """Run a slash command; an immediate reply in the answer is shown like Slack would."""
        person, target = self.user(user), self.channel(channel)
        trigger_id, response_url = self._interaction(person["id"], channel=target["id"])
        assert response_url is not None
        form = payloads.build_slash_form(
            token=self.verification_token,
            team_id=self.team_id,
            team_domain=self.team_domain,
            channel_id=target["id"],
            channel_name=_channel_name(target),
            user_id=person["id"],
            user_name=person["name"],
            command=command,
            text=text,
            api_app_id=self.api_app_id,
            response_url=response_url,
            trigger_id=trigger_id,
        )
        return self._deliver_command(form, response_url, sign_options)

    def click(
        self,
        user: str,
        channel: str,
        message_ts: str,
        action_id: str,
        value: str | None = None,
        block_id: str | None = None,
        *,
        as_shown: dict[str, Any] | None = None,
        **sign_options: Any,
    ) -> R:
        """Click a button on a stored message; LookupError when there is no such button.

        `as_shown` is the message as a slow client still shows it (a double click lands on
        the old copy before the edit arrives); by default the current message is used.
        """
        return self._act_on_message(
            user,
            channel,
            message_ts,
            action_id,
            block_id,
            value if value is not None else payloads.UNSET,
            sign_options,
            as_shown,
        )

    def select(
        self,
        user: str,
        channel: str,
        message_ts: str,
        action_id: str,
        option: Any,
        block_id: str | None = None,
        **sign_options: Any,
    ) -> R:
        """Pick an option (value or label) in a select menu on a stored message."""
        return self._act_on_message(
            user, channel, message_ts, action_id, block_id, option, sign_options
        )

    def _act_on_message(
        self,
        user: str,
        channel: str,
        message_ts: str,
        action_id: str,
        block_id: str | None,
        given: Any,
        sign_options: dict[str, Any],
        as_shown: dict[str, Any] | None = None,
    ) -> R:
        found = self.message(channel, message_ts)
        message, is_ephemeral = as_shown or found["message"], found["is_ephemeral"]
        block, element = payloads.find_action(message.get("blocks") or [], action_id, block_id)
        person, target = self.user(user), self.channel(found["channel"])
        trigger_id, response_url = self._interaction(
            person["id"], channel=target["id"], message_ts=message_ts, is_ephemeral=is_ephemeral
        )
        payload = payloads.build_block_actions(
            user=self._user_ref(user),
            team=self._team(),
            api_app_id=self.api_app_id,
            token=self.verification_token,
            trigger_id=trigger_id,
            response_url=response_url,
            container={
                "type": "message",
                "message_ts": message_ts,
                "channel_id": target["id"],
                "is_ephemeral": is_ephemeral,
            },
            channel={"id": target["id"], "name": _channel_name(target)},
            message=None if is_ephemeral else message,
            state_values=payloads.build_state_values(message.get("blocks") or []),
            actions=[payloads.build_action(block, element, f"{time.time():.6f}", given)],
        )
        return self._deliver_interaction(payload, sign_options)

    def click_in_view(
        self,
        user: str,
        view_id: str,
        action_id: str,
        value: Any = None,
        block_id: str | None = None,
        **sign_options: Any,
    ) -> R:
        """Use a button or menu inside an open modal (a block_actions with a view container)."""
        view = self.view(view_id)
        block, element = payloads.find_action(view["blocks"], action_id, block_id)
        trigger_id, _ = self._interaction(self.user(user)["id"])
        given = payloads.UNSET if value is None else value
        payload = payloads.build_block_actions(
            user=self._user_ref(user),
            team=self._team(),
            api_app_id=self.api_app_id,
            token=self.verification_token,
            trigger_id=trigger_id,
            container={"type": "view", "view_id": view_id},
            view=view,
            state_values=payloads.build_state_values(view["blocks"]),
            actions=[payloads.build_action(block, element, f"{time.time():.6f}", given)],
        )
        return self._deliver_interaction(payload, sign_options)

    def submit_view(
        self,
        user: str,
        view_id: str,
        values: dict[str, dict[str, Any]] | None = None,
        *,
        enforce_required: bool = True,
        **sign_options: Any,
    ) -> R:
        """Submit an open modal with answers given as {block_id: {action_id: value}}."""
        view = self.view(view_id)
        state = payloads.build_state_values(view["blocks"], values)
        if enforce_required:
            payloads.check_required(view["blocks"], state)
        trigger_id, _ = self._interaction(self.user(user)["id"])
        payload = payloads.build_view_submission(
            user=self._user_ref(user),
            team=self._team(),
            api_app_id=self.api_app_id,
            token=self.verification_token,
            view=view,
            state_values=state,
            trigger_id=trigger_id,
        )
        return self._deliver_submission(payload, view_id, sign_options)

    # -- events ----------------------------------------------------------------------

    def send_event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        **sign_options: Any,
    ) -> R:
        """Send an Events API envelope for `event`, optionally marked as a retry."""
        envelope = build_envelope(
            event,
            event_id=event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
            event_time=int(time.time()),
            team_id=self.team_id,
            api_app_id=self.api_app_id,
            token=self.verification_token,
        )
        return self._deliver_event(envelope, retry_num, retry_reason, sign_options)

    def redeliver(
        self,
        event_id: str,
        *,
        retry_num: int = 1,
        retry_reason: str | None = None,
        **sign_options: Any,
    ) -> R:
        """Send a recorded event again, as Slack's retry `retry_num` would."""
        recorded = [e for e in self.state("events")["events"] if e["event_id"] == event_id]
        if not recorded:
            raise LookupError(f"no recorded event {event_id}")
        return self._deliver_event(recorded[0]["envelope"], retry_num, retry_reason, sign_options)


class SlackDriver(BaseDriver[httpx.Response]):
    """Sends signed slash commands, clicks, submissions and events to the app's events URL.

    `events_url` is the app's full request URL (e.g. `http://127.0.0.1:8000/slack/events`);
    `sandbox_url` is the sandbox root (e.g. `SandboxServer.url`).
    """

    def __init__(
        self, events_url: str, signing_secret: str, sandbox_url: str, **options: Any
    ) -> None:
        super().__init__(sandbox_url, **options)
        self.events_url = events_url
        self.signing_secret = signing_secret
        self.late_acks: list[tuple[str, float]] = []

    def post_signed(
        self,
        body: str,
        content_type: str,
        *,
        signature: str | None = None,
        timestamp: int | str | None = None,
        unsigned: bool = False,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """POST a body to the app, signed like Slack unless told otherwise."""
        sent_at = str(int(time.time()) if timestamp is None else timestamp)
        all_headers = {"Content-Type": content_type, "User-Agent": "Slackbot 1.0"}
        if not unsigned:
            all_headers["X-Slack-Request-Timestamp"] = sent_at
            all_headers["X-Slack-Signature"] = signature or sign(self.signing_secret, sent_at, body)
        all_headers.update(headers or {})
        response = self.http.post(self.events_url, content=body, headers=all_headers)
        seconds = response.elapsed.total_seconds()
        if seconds > ACK_DEADLINE_SECONDS:
            self.late_acks.append((body[:80], seconds))
        return response

    def connect_events(self) -> None:
        """Tell the sandbox to deliver events to this driver's events URL and secret."""
        self.configure(event_url=self.events_url, signing_secret=self.signing_secret)

    def _deliver_command(
        self, form: dict[str, str], response_url: str, options: dict[str, Any]
    ) -> httpx.Response:
        response = self.post_signed(urlencode(form), FORM, **options)
        if response.status_code == 200 and response.content.strip():
            self._show_immediate_reply(response, response_url)
        return response

    def _show_immediate_reply(self, response: httpx.Response, response_url: str) -> None:
        try:
            message = response.json()
        except ValueError:
            message = {"text": response.text}
        if isinstance(message, dict) and (message.get("text") or message.get("blocks")):
            self.http.post(response_url, json=message, headers={"X-Sandbox-Immediate": "1"})

    def _deliver_interaction(
        self, payload: dict[str, Any], options: dict[str, Any]
    ) -> httpx.Response:
        return self.post_signed(urlencode({"payload": json.dumps(payload)}), FORM, **options)

    def _deliver_submission(
        self, payload: dict[str, Any], view_id: str, options: dict[str, Any]
    ) -> httpx.Response:
        response = self._deliver_interaction(payload, options)
        try:
            answer = response.json() if response.content.strip() else None
        except ValueError:
            answer = None
        self._post_control(
            f"/views/{view_id}/answer", {"status": response.status_code, "body": answer}
        )
        return response

    def _deliver_event(
        self,
        envelope: dict[str, Any],
        retry_num: int | None,
        retry_reason: str | None,
        options: dict[str, Any],
    ) -> httpx.Response:
        headers = dict(options.pop("headers", None) or {})
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
        return self.post_signed(
            json.dumps(envelope), "application/json", headers=headers, **options
        )
