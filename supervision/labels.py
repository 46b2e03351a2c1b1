"""What the supervision's history events are called where a timeline shows them."""

from __future__ import annotations

EVENT_LABELS = {
    "supervision_milestone": "设置督办节点",
    "supervision_milestone_done": "督办节点完成",
    "supervision_progress": "报送督办进展",
    "supervision_instruction": "督办批示",
    "supervision_remind": "督办节点提醒",
}
