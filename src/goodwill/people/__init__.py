"""People: the humans behind accounts, their relationship stage, trust and reciprocity.

Pure logic: plain data in (`History`, `AccountEvidence`), plain data out.
The store reads the data, the service calls these rules.
"""

from goodwill.people.history import BrandSaid, History, Said
from goodwill.people.identity import AccountEvidence, ProfileLink, SameHuman, merges, profile_evidence, same_humans
from goodwill.people.stage import STAGES, Stage, StageResult, parse_stage, stage_from, stage_of
from goodwill.people.trust import Part, Score, reciprocity, trust

__all__ = [
    "STAGES", "AccountEvidence", "BrandSaid", "History", "Part", "ProfileLink", "SameHuman", "Said", "Score", "Stage",
    "StageResult", "merges", "parse_stage", "profile_evidence", "reciprocity", "same_humans", "stage_from", "stage_of",
    "trust",
]
