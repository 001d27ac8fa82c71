"""The interaction graph: influence, outreach and communities (pure: plain data in, plain data out)."""

from goodwill.graph.edges import KINDS, Edges
from goodwill.graph.influence import GraphScores, InfluenceParams, score_by_topic, score_edges

__all__ = ["KINDS", "Edges", "GraphScores", "InfluenceParams", "score_by_topic", "score_edges"]
