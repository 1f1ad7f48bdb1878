"""Undo for every project edit: a QUndoCommand that wraps a core `Edit` (app/core/project/edits.py).

`push_edit(stack, project, edit)` applies the edit (QUndoStack.push calls redo) and records it. Edits
with a `merge_key` (slider drags) merge into the previous command with the same key, so one drag is one
undo step. An edit that fails to apply (e.g. a stale stem id) is dropped, never half-recorded.
"""

from __future__ import annotations

import logging

from PySide6.QtGui import QUndoCommand, QUndoStack

from app.core.project.edits import Edit
from app.core.project.model import Project

log = logging.getLogger(__name__)

MERGEABLE_ID = 0x41434344  # any fixed id: Qt only merges commands whose id() match and are not -1


class EditCommand(QUndoCommand):
    def __init__(self, project: Project, edit: Edit) -> None:
        super().__init__(edit.label)
        self.project = project
        self.edit = edit
        self.failed: BaseException | None = None

    def redo(self) -> None:
        try:
            self.edit.apply(self.project)
        except Exception as exc:  # noqa: BLE001 — record nothing rather than crash the studio
            log.error("edit %r could not be applied", self.edit.label, exc_info=True)
            self.failed = exc
            self.setObsolete(True)
        self.setText(self.edit.label)

    def undo(self) -> None:
        self.edit.revert(self.project)

    def id(self) -> int:  # noqa: A003 — Qt's name
        return MERGEABLE_ID if getattr(self.edit, "merge_key", None) is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 — Qt's name
        if not isinstance(other, EditCommand) or other.project is not self.project:
            return False
        merge = getattr(self.edit, "merge", None)
        if merge is None or not merge(other.edit):
            return False
        self.setText(self.edit.label)
        return True


def push_edit(stack: QUndoStack, project: Project, edit: Edit) -> bool:
    """Apply `edit` through the undo stack; False (and nothing recorded) if it could not be applied."""
    command = EditCommand(project, edit)
    stack.push(command)
    return command.failed is None
