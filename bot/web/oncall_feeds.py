"""The on-call calendar feeds: `GET /oncall/<schedule>.ics` and `GET /oncall/users/<id>.ics`,
each opened by its own secret `?token=`.

The token is checked before anything else, so a wrong token learns nothing, not even whether
the schedule or person exists: it is answered 401 either way.
"""

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from bot.oncall.errors import UnknownSchedule
from bot.oncall.published import PublishedCalendars, schedule_feed, user_feed

CALENDAR = "text/calendar; charset=utf-8"


def build_oncall_feed_router(calendars: PublishedCalendars) -> APIRouter:
    """Routes serving the schedules' and people's calendars."""
    router = APIRouter()

    @router.api_route("/oncall/users/{user}.ics", methods=["GET", "HEAD"])
    async def user_calendar(user: str, request: Request) -> Response:
        refused = await _refusal(calendars, user_feed(user), request)
        if refused is not None:
            return refused
        return _calendar(await calendars.user_calendar(user), user)

    @router.api_route("/oncall/{schedule}.ics", methods=["GET", "HEAD"])
    async def schedule_calendar(schedule: str, request: Request) -> Response:
        refused = await _refusal(calendars, schedule_feed(schedule), request)
        if refused is not None:
            return refused
        try:
            body = await calendars.schedule_calendar(schedule)
        except UnknownSchedule:
            # Only a right token gets here: the schedule was removed from warroom.yml.
            return _error(404, "unknown_schedule", f"no schedule {schedule!r} any more")
        return _calendar(body, schedule)

    return router


async def _refusal(calendars: PublishedCalendars, feed: str, request: Request) -> Response | None:
    token = request.query_params.get("token", "")
    if not token:
        reason = "add the feed's token: ?token=… (warroom oncall feed-url prints it)"
        return _error(401, "unauthorized", reason)
    if not await calendars.opens(feed, token):
        return _error(401, "unauthorized", "this token does not open this calendar")
    return None


def _calendar(body: bytes, name: str) -> Response:
    return Response(
        body,
        media_type=CALENDAR,
        headers={
            "content-disposition": f'inline; filename="{_filename(name)}.ics"',
            # The URL carries a secret: nobody on the way keeps a copy.
            "cache-control": "private, no-store",
            "referrer-policy": "no-referrer",
        },
    )


def _filename(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)[:64] or "oncall"


def _error(status: int, error: str, reason: str) -> JSONResponse:
    return JSONResponse({"ok": False, "error": error, "reason": reason}, status_code=status)
