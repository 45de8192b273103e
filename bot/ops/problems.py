"""What stops Warroom from starting, in one line: the setting to look at and what to do."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # every command imports this module: Slack's client stack only when needed
    from bot.slack.identity import TokenRefused

APPS_PAGE = "api.slack.com/apps"


class SetupError(Exception):
    """Something outside the code is not ready; the message says what to do."""


_BOT_TOKEN_FIX = {
    "token_revoked": "the token was revoked: reinstall the app to the workspace and copy the "
    "new Bot User OAuth Token into SLACK_BOT_TOKEN",
    "token_expired": "the token expired (token rotation is on): turn rotation off for the app, "
    "reinstall it and copy the new Bot User OAuth Token into SLACK_BOT_TOKEN",
    "account_inactive": "the bot user or its workspace is deactivated: reinstall the app and "
    "copy the new Bot User OAuth Token into SLACK_BOT_TOKEN",
    "not_allowed_token_type": "that is not a bot token: copy the Bot User OAuth Token (xoxb-…)",
}


def bot_token_refused(refused: "TokenRefused") -> str:
    """SLACK_BOT_TOKEN was refused: which code, and where to find a good token."""
    fix = _BOT_TOKEN_FIX.get(
        refused.code,
        f"copy the Bot User OAuth Token (xoxb-…) from your app's OAuth & Permissions page at "
        f"{APPS_PAGE}",
    )
    return f"SLACK_BOT_TOKEN was refused by Slack ({refused.code}): {fix}"


def app_token_refused(refused: "TokenRefused") -> str:
    """SLACK_APP_TOKEN was refused: Socket Mode can never connect with it."""
    return (
        f"SLACK_APP_TOKEN was refused by Slack ({refused.code}): create an app-level token "
        f"with the connections:write scope under Basic Information → App-Level Tokens at "
        f"{APPS_PAGE}, or leave SLACK_APP_TOKEN empty to serve Slack over HTTP"
    )
