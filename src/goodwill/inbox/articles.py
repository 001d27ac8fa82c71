"""Reading knowledge-base articles from files: JSONL (one article per line) or
Markdown (a file, or a folder of them). Everything is checked before anything
is returned, and a bad article is named by its file and line.

JSONL fields: ``id`` (text or a number), ``title`` (required), ``body``,
``url`` (http or https), ``tags`` (a list, or one comma-separated text);
other fields are ignored.

Markdown: optional YAML front matter (``id``, ``title``, ``url``, ``tags``);
the title is the front matter's, else the first ``# heading`` (taken out of
the body); the id is the front matter's, else the file's path below the
folder without its ending (``battery/care.md`` -> ``battery/care``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from goodwill.domain.knowledge import MAX_ID, MAX_TAG, MAX_TITLE, MAX_URL, Article, normalize_tag
from goodwill.errors import ImportFileError

__all__ = ["MARKDOWN_ENDINGS", "check_article", "read_articles", "read_queries"]

MARKDOWN_ENDINGS = (".md", ".markdown")
_HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)


def check_article(fields: dict[str, Any], where: tuple[str, int | None]) -> Article:
    """An Article from loose fields, or ImportFileError naming `where` (file, line) and the field."""
    path, line = where

    def bad(field: str, problem: str) -> ImportFileError:
        return ImportFileError(path, line, field, problem)

    raw_id = fields.get("id")
    if isinstance(raw_id, bool) or not isinstance(raw_id, str | int):
        raise bad("id", "missing; every article needs an id (text or a number)")
    article_id = str(raw_id).strip()
    if not article_id or len(article_id) > MAX_ID:
        raise bad("id", f"must be 1-{MAX_ID} characters")
    title = fields.get("title")
    if not isinstance(title, str) or not title.strip():
        raise bad("title", "missing; every article needs a title")
    title = " ".join(title.split())
    if len(title) > MAX_TITLE:
        raise bad("title", f"longer than {MAX_TITLE} characters")
    body = fields.get("body", "")
    if body is None:
        body = ""
    if not isinstance(body, str):
        raise bad("body", "must be text")
    url = fields.get("url", "")
    if url is None:
        url = ""
    if not isinstance(url, str):
        raise bad("url", "must be text")
    url = url.strip()
    if url and not re.match(r"^https?://[^\s/]+", url, flags=re.IGNORECASE):
        raise bad("url", f"{url[:80]!r} is not an http or https address")
    if len(url) > MAX_URL:
        raise bad("url", f"longer than {MAX_URL} characters")
    return Article(id=article_id, title=title, body=body.strip(), url=url, tags=_tags(fields.get("tags"), bad))


def _tags(value: Any, bad: Any) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise bad("tags", "must be a list of texts or one comma-separated text")
    tags = [normalize_tag(t) for t in value]
    tags = [t for t in dict.fromkeys(tags) if t]
    if any(len(t) > MAX_TAG for t in tags):
        raise bad("tags", f"a tag longer than {MAX_TAG} characters")
    return tuple(tags)


def read_articles(path: Path) -> list[Article]:
    """Every article in a JSONL file, a Markdown file, or a folder of Markdown files (searched below it).

    :raises ImportFileError: naming the file, the line and the field of the first bad article, or two
        articles with one id.
    """
    found: list[tuple[str, int | None, Article]]
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in MARKDOWN_ENDINGS)
        if not files:
            raise ImportFileError(str(path), None, None, "no Markdown files (.md) in this folder")
        found = [(str(f), None, _markdown(f, f.relative_to(path))) for f in files]
    elif path.is_file():
        if path.suffix.lower() in MARKDOWN_ENDINGS:
            found = [(str(path), None, _markdown(path, Path(path.name)))]
        else:
            found = [(str(path), line, article) for line, article in _jsonl(path)]
    else:
        raise ImportFileError(str(path), None, None, "no such file or folder")
    seen: dict[str, str] = {}
    for file, line, article in found:
        where = file if line is None else f"line {line}"
        if article.id in seen:
            raise ImportFileError(file, line, "id", f"{article.id!r} is also the id of the article at {seen[article.id]}")
        seen[article.id] = where
    return [article for _, _, article in found]


def _json_objects(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each non-blank line of a JSONL file as (line number, object)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(str(path), None, None, f"cannot read: {exc.strerror or exc}") from exc
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for number, raw in enumerate(data.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            fields = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise ImportFileError(str(path), number, None, f"not a JSON object ({exc.msg})") from exc
        if not isinstance(fields, dict):
            raise ImportFileError(str(path), number, None, "not a JSON object")
        yield number, fields


def _jsonl(path: Path) -> Iterator[tuple[int, Article]]:
    for number, fields in _json_objects(path):
        yield number, check_article(fields, (str(path), number))


def _markdown(path: Path, relative: Path) -> Article:
    import frontmatter
    import yaml

    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportFileError(str(path), None, None, f"cannot read as UTF-8 text: {exc}") from exc
    try:
        post = frontmatter.loads(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ImportFileError(str(path), line, None, f"unreadable front matter: {getattr(exc, 'problem', None) or exc}") from exc
    fields: dict[str, Any] = dict(post.metadata)
    body = post.content
    if not fields.get("title"):
        heading = _HEADING.search(body)
        if heading is None:
            raise ImportFileError(str(path), None, "title", "no title: add `title:` front matter or a first `# heading`")
        fields["title"] = heading.group(1)
        body = body[: heading.start()] + body[heading.end():]
    fields["body"] = body
    fields.setdefault("id", relative.with_suffix("").as_posix())
    fields.setdefault("url", fields.pop("link", ""))
    return check_article(fields, (str(path), None))


def read_queries(path: Path) -> list[tuple[int, str, str | None, Any]]:
    """Customer messages to rank articles for, from JSONL: ``text`` (required), ``tag`` and ``id`` (optional).

    :returns: (line number, text, tag or None, the line's id or None) per non-blank line.
    :raises ImportFileError: naming the file, the line and the field of the first bad line.
    """
    out: list[tuple[int, str, str | None, Any]] = []
    for number, fields in _json_objects(path):
        text = fields.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ImportFileError(str(path), number, "text", "missing; every query needs the customer's text")
        tag = fields.get("tag")
        if tag is not None and not isinstance(tag, str):
            raise ImportFileError(str(path), number, "tag", "must be text")
        out.append((number, text, tag or None, fields.get("id")))
    return out
