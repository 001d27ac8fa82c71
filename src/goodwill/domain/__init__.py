"""The nouns of Goodwill as plain data (no I/O): re-exported here for short imports."""

from goodwill.domain.messages import (
    InteractionKind,
    MessageKind,
    ParsedMessage,
    Platform,
    Workspace,
    account_key,
    normalise_handle,
)
from goodwill.domain.signals import Signals
from goodwill.domain.sources import Batch, Checkpoint, Deletion, Edit, ReplyTarget, SourceConfig
from goodwill.domain.team import Actor, Origin, Role

__all__ = [
    "Actor",
    "Batch",
    "Checkpoint",
    "Deletion",
    "Edit",
    "Origin",
    "ReplyTarget",
    "Role",
    "Signals",
    "SourceConfig",
    "InteractionKind",
    "MessageKind",
    "ParsedMessage",
    "Platform",
    "Workspace",
    "account_key",
    "normalise_handle",
]
