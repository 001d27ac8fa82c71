"""The graph capability as the shells see it: influence, outreach and
communities scored from files of interactions (no workspace needed).

The scoring itself is pure and lives in `goodwill.graph`; this module is the
one door the CLI (and later the API) goes through.
"""

from __future__ import annotations

from goodwill.graph.accounts import AccountScores, score_accounts
from goodwill.graph.communities import find_communities
from goodwill.graph.edges import Edges
from goodwill.graph.influence import GraphScores, InfluenceParams, score_edges
from goodwill.graph.read import read_accounts, read_edges

__all__ = [
    "AccountScores", "Edges", "GraphScores", "InfluenceParams", "find_communities", "read_accounts", "read_edges",
    "score_accounts", "score_edges",
]
