"""What the proposals app tells the apps above it, which it may not import."""

from __future__ import annotations

from django.dispatch import Signal

# A proposal's key / 建议案 flags changed (``actions.set_flags``), inside its transaction; sent with
# ``proposal``. Handling copies them onto the proposal's assignments (handling/receivers.py).
flags_changed = Signal()
