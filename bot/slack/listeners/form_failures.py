"""A form that could not be handled on our side (the database down): the person is told on
the form, with a reference to quote, and the trace goes to the log only."""

import logging
import uuid

from slack_bolt.async_app import AsyncAck

log = logging.getLogger(__name__)


async def refuse_on_form(ack: AsyncAck, block_id: str, what: str, error: BaseException) -> None:
    """Answer the submission with an error on `block_id` naming a reference; log `what`
    failed with that reference and the trace."""
    reference = uuid.uuid4().hex[:8]
    log.error("%s (reference %s)", what, reference, exc_info=error)
    text = f"Nothing was kept: something went wrong on our side (reference {reference})."
    await ack(response_action="errors", errors={block_id: text})
