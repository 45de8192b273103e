"""Wiring by feature: the kernel every part stands on, and each feature's services with the
adapters that carry out their effects. `bot.app.build_warroom` puts them together."""

from bot.wiring.features import Oncall, wire_alerts, wire_incidents, wire_oncall
from bot.wiring.insights import Insights, wire_insights
from bot.wiring.kernel import Kernel, build_client, build_kernel
from bot.wiring.paging import Paging, build_senders, wire_paging
from bot.wiring.public import Public, wire_public

__all__ = [
    "Insights",
    "Kernel",
    "Oncall",
    "Paging",
    "Public",
    "build_client",
    "build_kernel",
    "build_senders",
    "wire_alerts",
    "wire_incidents",
    "wire_insights",
    "wire_oncall",
    "wire_paging",
    "wire_public",
]
