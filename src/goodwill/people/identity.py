"""Which accounts belong to one human: decided on strong evidence only, never by guesswork.

Three kinds of evidence join two accounts (docs/people.md explains why no
other does):

1. The same platform user id on one platform: a Bluesky DID seen once as
   `did:plc:...` (Jetstream) and once with its handle (search) is one account.
2. The same verified link on both profiles (a site that links back to each,
   as Mastodon's `rel="me"` verification checks).
3. A profile that links the other account's profile, when the link is
   verified or the other profile links back. A one-way, unverified link is
   a claim anyone could make, so it joins nothing.

Same names, similar handles or similar writing never join accounts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from goodwill.domain.people import AccountEvidence, ProfileLink

__all__ = ["AccountEvidence", "ProfileLink", "SameHuman", "merges", "normalise_url", "profile_evidence", "profile_urls",
           "same_humans"]

_URL = re.compile(r"https?://[^\s\"'<>]+", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class SameHuman:
    """Two accounts the evidence says one human holds, and why, in words."""

    first: int  # account ids
    second: int
    reason: str


@dataclass
class _Groups:
    parent: dict[int, int] = field(default_factory=dict)

    def find(self, x: int) -> int:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        self.parent[max(ra, rb)] = min(ra, rb)
        return True


def normalise_url(url: str) -> str | None:
    """`https://www.Example.com/A/?x#y` -> `example.com/a`; None for what is not a web address."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower().removeprefix("www.")
    path = parts.path.rstrip("/").lower()  # handles in profile paths are not case-sensitive
    return f"{host}{path}"


def profile_urls(platform: str, handle: str, platform_user_id: str | None = None) -> set[str]:
    """The addresses of an account's own profile page, normalised."""
    h = handle.strip().lstrip("@")
    found: set[str] = set()
    if platform in ("twitter", "x"):
        found |= {f"twitter.com/{h.lower()}", f"x.com/{h.lower()}"}
    elif platform == "bluesky":
        found.add(f"bsky.app/profile/{h.lower()}")
        if platform_user_id and platform_user_id.startswith("did:"):
            found.add(f"bsky.app/profile/{platform_user_id.lower()}")
    elif platform == "mastodon" and "@" in h:
        user, _, host = h.partition("@")
        found |= {f"{host.lower()}/@{user.lower()}", f"{host.lower()}/users/{user.lower()}"}
    elif platform == "reddit":
        found |= {f"reddit.com/user/{h.lower()}", f"reddit.com/u/{h.lower()}"}
    return found


def _links_in(value: Any) -> list[str]:
    return _URL.findall(value) if isinstance(value, str) else []


def profile_evidence(raw: Mapping[str, Any]) -> tuple[set[str], list[ProfileLink]]:
    """The profile's own addresses and its links, from a message's stored payload.

    Reads `author_url` and `author_links` (strings, or objects with `url` and
    `verified`) as the generic import format documents them, and a Mastodon
    account's `url` and `fields` (a field is verified when it has `verified_at`).
    """
    own: set[str] = set()
    links: list[ProfileLink] = []
    account = raw.get("account") if isinstance(raw.get("account"), Mapping) else {}
    assert isinstance(account, Mapping)
    for value in (raw.get("author_url"), account.get("url")):
        for url in _links_in(value):
            if (n := normalise_url(url)) is not None:
                own.add(n)
    entries: list[tuple[Any, bool]] = []
    author_links = raw.get("author_links")
    if isinstance(author_links, list):
        for item in author_links:
            if isinstance(item, Mapping):
                entries.append((item.get("url"), bool(item.get("verified"))))
            else:
                entries.append((item, False))
    fields = account.get("fields")
    if isinstance(fields, list):
        for item in fields:
            if isinstance(item, Mapping):
                entries.append((item.get("value"), bool(item.get("verified_at"))))
    for value, verified in entries:
        for url in _links_in(value):
            if (n := normalise_url(url)) is not None:
                links.append(ProfileLink(n, verified))
    return own, links


def same_humans(accounts: Sequence[AccountEvidence]) -> list[SameHuman]:
    """Pairs of accounts held by one human, on strong evidence only; each pair joins two groups not joined before."""
    groups = _Groups()
    found: list[SameHuman] = []

    def join(a: AccountEvidence, b: AccountEvidence, reason: str) -> None:
        if a.account_id != b.account_id and groups.union(a.account_id, b.account_id):
            found.append(SameHuman(min(a.account_id, b.account_id), max(a.account_id, b.account_id), reason))

    by_uid: dict[tuple[str, str], list[AccountEvidence]] = {}
    for a in accounts:
        if a.platform_user_id:
            by_uid.setdefault((a.platform, a.platform_user_id), []).append(a)
    for (platform, uid), same in sorted(by_uid.items()):
        for other in same[1:]:
            join(same[0], other, f"the same {platform} user id {uid}")
    by_verified: dict[str, list[AccountEvidence]] = {}
    for a in accounts:
        for link in {link.url for link in a.links if link.verified}:
            by_verified.setdefault(link, []).append(a)
    for url, holders in sorted(by_verified.items()):
        for other in holders[1:]:
            join(holders[0], other, f"both profiles carry the verified link {url}")
    own: dict[str, AccountEvidence] = {}
    for a in accounts:
        for url in a.own_urls | profile_urls(a.platform, a.handle, a.platform_user_id):
            own.setdefault(url, a)
    for a in accounts:
        for claim in a.links:
            b = own.get(claim.url)
            if b is None or b.account_id == a.account_id:
                continue
            back = any(own.get(x.url) is a for x in b.links)
            if claim.verified:
                join(a, b, f"{a.platform} @{a.handle} links {b.platform} @{b.handle} with a verified link")
            elif back:
                join(a, b, f"{a.platform} @{a.handle} and {b.platform} @{b.handle} link each other")
    return found


def merges(accounts: Iterable[AccountEvidence], pairs: Sequence[SameHuman]) -> list[tuple[int, int, str]]:
    """(keep person, merge person, reason) for each pair whose accounts still belong to two people:
    the older person (lower id) keeps, the other merges into it."""
    person_of = {a.account_id: a.person_id for a in accounts}
    groups = _Groups()
    out: list[tuple[int, int, str]] = []
    for pair in pairs:
        pa, pb = groups.find(person_of[pair.first]), groups.find(person_of[pair.second])
        if pa != pb:
            groups.union(pa, pb)
            out.append((min(pa, pb), max(pa, pb), pair.reason))
    return out
