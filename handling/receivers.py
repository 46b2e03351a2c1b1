"""Handling's answers to the signals of the apps below it (connected in ``apps.HandlingConfig.ready``)."""

from __future__ import annotations

from typing import Any

from proposals.models import Proposal

from .models import Assignment


def copy_key_flags(sender: Any, proposal: Proposal, **kwargs: Any) -> None:
    """A proposal marked or unmarked as key proposal / 建议案: its assignments carry the copy the leaders'
    lists read (``Assignment.is_key_or_suggestion``), in the same transaction."""
    Assignment.objects.filter(proposal=proposal).update(is_key_or_suggestion=proposal.is_key_or_suggestion)
