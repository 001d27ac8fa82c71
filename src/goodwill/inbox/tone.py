"""The tone check: flag what in a draft reply would cost the brand trust.

Pure: a draft, the platform, the customer's message and the suggested
articles in; flags out. Each flag has a code, a severity, why in words
(quoting the words that raised it) and a suggested fix::

    from goodwill.inbox.tone import check

    result = check("Our AMAZING new e-bike is the best! Use code SAVE20", platform="bluesky",
                   question="When will my order ship?")
    [f.code for f in result.flags]   # ['promotional', 'no_answer', ...]

The flags (see docs/tone.md for each one's rule, examples and measured precision and recall):

- ``too_long``: longer than the platform lets a post be (Bluesky 300 graphemes,
  Mastodon 500 characters by default, X 280), a link counting as 23 characters
  where the platform counts it so.
- ``blame``: the customer is told the problem is their fault ("you should have", "user error").
- ``defensive``: the brand argues instead of helping ("as we already said", "not our fault").
- ``promotional``: sales talk or hype in an answer ("use code", "limited time", "amazing").
- ``no_answer``: the customer asked when, how, why, where, how much or yes-or-no and
  the draft says nothing of that kind (no time, no steps or link, no reason, no number,
  no yes or no), or only sends them elsewhere ("please DM us").
- ``no_link``: an article fits the question well and the draft has no link.
- ``shouting``: words in capitals or a pile of exclamation marks.
- ``hashtags``: hashtags stuffed into a reply.

The rules read cue words, not a model: they say exactly which words raised
a flag, cost microseconds, and a reply is short and its failings are mostly
in fixed phrases. The shared sentence encoder was tuned for sentiment, so its
similarities do not tell an answer from a non-answer reliably (docs/tone.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import regex

from goodwill.domain.tone import Article, ToneCheck, ToneFlag

#: The longest post per platform, in its own unit, and whether a link counts as 23 characters.
LIMITS: dict[str, int] = {"bluesky": 300, "mastodon": 500, "twitter": 280, "x": 280, "threads": 500}
LINK_WEIGHT: dict[str, int] = {"mastodon": 23, "twitter": 23, "x": 23}
#: An article fits the question when its fit is at least this: the knowledge base's absolute fit (0-1), how much
#: of the message's words (by weight) the article holds, blended with the encoder's closeness.
ARTICLE_FITS = 0.5
#: This many hashtags in a reply are stuffing; on Reddit any hashtag reads as out of place.
MAX_HASHTAGS = 2

_URL = re.compile(r"(?:https?://|www\.)\S+", re.I)
_BARE_DOMAIN = re.compile(r"\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|io|co|help|support|example)(?:/\S*)?\b", re.I)
_HASHTAG = re.compile(r"(?<![\w&])#(\w*[^\W\d_]\w*)")
_MENTION = re.compile(r"(?<!\w)@[\w.-]+")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")


def _phrases(*items: str) -> re.Pattern[str]:
    """One case-insensitive pattern matching any of the phrases as whole words
    (`*` inside a phrase stands for up to three words)."""
    parts = []
    for item in items:
        body = re.escape(item).replace(r"\*", r"(?:\s+\S+){0,3}?").replace(r"\ ", r"\s+").replace("'", "['’]")
        parts.append(body)
    return re.compile(r"(?<![\w])(?:" + "|".join(parts) + r")(?![\w])", re.I)


# --- promotional or hyped --------------------------------------------------------------------------------------------
# Sales calls to action: one is enough.
_SALES = _phrases(
    "use code", "promo code", "discount code", "coupon code", "limited time", "limited-time", "act now", "buy now",
    "shop now", "order now", "book now", "sign up today", "subscribe today", "don't miss", "do not miss",
    "while stocks last", "while supplies last", "exclusive offer", "special offer", "our latest", "our new",
    "check out our", "have you seen our", "upgrade today", "upgrade now", "free shipping", "flash sale",
    "on sale", "best deal", "best deals", "pre-order", "preorder", "grab yours", "get yours", "treat yourself",
    "new collection", "link in bio", "% off", "percent off", "save big",
)
_ASKED_PRICE = _phrases("discount", "discounts", "code", "coupon", "sale", "offer", "offers", "deal", "deals",
                        "price", "prices", "cheaper", "promo", "promotion", "student", "black friday", "shipping")
_PRICE_TALK = re.compile(r"off|code|sale|deal|offer|shipping|save", re.I)
_PERCENT_OFF = re.compile(r"\b\d{1,2}\s?%\s*off\b", re.I)
# Hype words: two together (or one with a sales call) make a reply read like an advert.
_HYPE = _phrases(
    "amazing", "incredible", "unbelievable", "revolutionary", "game-changer", "game changer", "game-changing",
    "world-class", "world class", "best-in-class", "best in class", "industry-leading", "industry leading",
    "cutting-edge", "cutting edge", "state-of-the-art", "state of the art", "unbeatable", "unparalleled",
    "unmatched", "second to none", "the best", "the best ever", "awesome", "stunning", "epic", "insane",
    "mind-blowing", "jaw-dropping", "next-level", "next level", "must-have", "must have", "hottest",
    "ultimate", "premium", "blazing fast", "lightning fast", "you'll love", "you will love",
    "fall in love", "number one", "#1", "unrivalled", "unrivaled", "spectacular", "fantastic new", "exciting news",
    "super excited", "so excited", "thrilled to announce",
)

# --- blame of the customer -------------------------------------------------------------------------------------------
_BLAME = _phrases(
    "you should have", "you should've", "you shouldn't have", "you should not have", "you failed to",
    "you forgot to", "you neglected to", "you didn't read", "you did not read", "you didn't follow",
    "you did not follow", "you didn't check", "you did not check", "you didn't register", "you did not register",
    "you didn't update", "you did not update", "you didn't charge", "you did not charge", "you didn't install",
    "you did not install", "you didn't save", "you did not save", "you didn't tell us", "you did not tell us",
    "you didn't contact", "you did not contact", "you didn't select", "you did not select",
    "you must have", "you must've", "you clearly", "you obviously", "you were supposed to", "you were told",
    "you ignored", "you misused", "you broke", "you damaged", "you caused", "your own fault", "your fault",
    "your mistake", "your error", "you made a mistake", "user error", "operator error", "improper use",
    "misuse of", "caused by you", "caused by your", "because you didn't", "because you did not",
    "if you had read", "if you had followed", "if you'd read", "if you'd followed", "had you read", "had you followed",
    "as anyone can see", "learn to read", "did you even", "you need to read", "read the manual", "rtfm",
    "you are using it wrong", "you're using it wrong", "you're doing it wrong", "you are doing it wrong",
    "that's on you", "that is on you", "not on us",
)

# --- defensiveness ---------------------------------------------------------------------------------------------------
_DEFENSIVE = _phrases(
    "as we already said", "as we said", "as we've said", "as we have said", "as previously stated",
    "as already stated", "as stated", "as we explained", "as we've explained", "as we have explained",
    "as mentioned before", "as we mentioned", "like we said", "for the last time",
    "not our fault", "not our problem", "not our responsibility", "we are not responsible", "we're not responsible",
    "we cannot be held responsible", "we can't be held responsible", "we take no responsibility",
    "we did nothing wrong", "we have done nothing wrong", "we've done nothing wrong", "nothing wrong with our",
    "there is nothing wrong", "there's nothing wrong", "there is no issue", "there's no issue", "there is no problem",
    "there's no problem", "working as intended", "works as intended", "working as designed", "works as designed",
    "that's not true", "that is not true", "that's false", "that is false", "that's simply not", "that is simply not",
    "that is incorrect", "that's incorrect", "this is incorrect", "completely false", "we stand by",
    "with all due respect", "to be clear", "let's be clear", "let us be clear", "frankly", "per our policy",
    "our policy clearly", "policy is clear", "clearly states", "clearly stated", "as our terms", "our terms clearly",
    "we have never", "we've never had", "no other customer", "no one else has", "nobody else has",
    "you are the only one", "you're the only one", "we can't help you", "we cannot help you", "nothing we can do",
    "there is nothing we can do", "there's nothing we can do", "take it or leave it", "end of discussion",
    "we won't discuss", "we will not discuss", "our records show", "according to our records",
)

# --- no answer -------------------------------------------------------------------------------------------------------
# Replies that only send the customer elsewhere, or promise without saying anything.
_DEFLECT = _phrases(
    "dm us", "dm me", "send us a dm", "send us a direct message", "send us a private message", "send a dm",
    "drop us a dm", "slide into our dms", "reach out via dm", "via dm", "in dm", "over dm", "message us privately",
    "please dm", "follow and dm", "follow us and dm", "pm us", "private message", "direct message",
    "contact customer service", "contact our customer service", "contact our support", "contact support",
    "call customer service", "call our support", "please call", "please contact", "reach out to us",
    "reach out to our", "get in touch", "email us", "email our", "we're looking into it", "we are looking into it",
    "we're looking into this", "we are looking into this", "we'll look into it", "we will look into it",
    "we'll look into this", "we will look into this", "looking into this for you", "sorry for the inconvenience",
    "sorry for any inconvenience", "apologies for the inconvenience", "we apologize for the inconvenience",
    "we apologise for the inconvenience", "we understand your frustration", "we hear you", "thanks for reaching out",
    "thank you for reaching out", "thanks for letting us know", "thank you for letting us know",
    "we've passed this on", "we have passed this on", "we'll pass this on", "we will pass this on",
    "passed along your feedback", "shared your feedback", "we value your feedback", "we appreciate your patience",
    "stay tuned", "more info soon", "more information soon", "we'll let you know", "we will let you know",
    "we'd like to help", "we would like to help", "we'd love to help", "we want to help", "we're here to help",
    "we are here to help", "happy to help", "let us know", "can you tell us more", "could you tell us more",
    "for further assistance", "further assist", "assist you further", "assist you", "help you further",
    "take a closer look", "take a look", "have a look", "look into this", "check this out", "so we can help",
    "so we can check", "shoot us", "send us a note", "keep us posted",
)
# Moving the conversation out of public view, however it is put ("shoot us a DM", "check your DMs").
_PRIVATE = re.compile(r"(?<![\w])(?:DMs?|PMs?|direct messages?|private messages?|private link|secure link)(?![\w])")
_TIME = _phrases(
    "today", "tonight", "tomorrow", "this morning", "this afternoon", "this evening", "this week", "next week",
    "this weekend", "next weekend", "this month", "next month", "monday", "tuesday", "wednesday", "thursday",
    "friday", "saturday", "sunday", "january", "february", "march", "april", "june", "july",
    "august", "september", "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
    "sep", "sept", "oct", "nov", "dec", "hour", "hours", "minute", "minutes", "day", "days", "week", "weeks",
    "month", "months", "business days", "working days", "overnight", "midnight", "noon", "am", "pm", "asap",
    "right away", "immediately", "already", "now live", "is live", "shipped", "dispatched", "in transit",
    "out for delivery", "on its way", "on the way", "by the end of", "end of the week", "end of the month", "spring", "summer", "autumn",
    "fall", "winter", "q1", "q2", "q3", "q4", "within", "until", "no later than", "yesterday", "eta",
)
_STEPS = _phrases(
    "go to", "tap", "click", "press", "hold", "open", "select", "choose", "turn off", "turn on", "switch off",
    "switch on", "restart", "reboot", "reset", "update", "install", "uninstall", "reinstall", "log out", "log in",
    "sign out", "sign in", "settings", "menu", "enable", "disable", "clear", "unplug", "plug", "charge",
    "remove", "replace", "tighten", "loosen", "check that", "make sure", "try", "follow", "step", "steps",
    "first", "then", "next", "finally", "you can", "you'll need", "you will need", "here's how", "here is how",
    "this guide", "the guide", "instructions", "the manual", "page", "form", "fill in", "fill out", "request",
    "submit", "return label", "use the", "head to", "visit", "find it", "under",
)
_REASON = _phrases(
    "because", "due to", "caused by", "the cause", "the reason", "reason is", "that's why", "that is why",
    "since", "as a result", "comes from", "came from", "happens when", "happened when", "happens if", "result of",
    "resulted from", "so that", "owing to", "bug", "fault", "known issue", "glitch", "an issue with", "only to",
    "in order to", "used for", "needed for", "needed to",
    "a problem with", "an outage", "outage", "a delay at", "backlog", "shortage", "we changed", "we moved",
    "we switched", "we stopped", "we removed", "we discontinued", "policy", "to protect", "for safety",
    "for security", "to keep", "required by", "the law", "regulation",
)
_YES_NO = _phrases(
    "yes", "yep", "yeah", "yup", "no", "nope", "not yet", "correct", "that's right", "that is right", "indeed",
    "absolutely", "definitely", "of course", "sure", "certainly", "unfortunately not", "sadly not", "it does",
    "it doesn't", "it does not", "it will", "it won't", "it will not", "it is", "it isn't", "it is not", "it can",
    "it can't", "it cannot", "you can", "you can't", "you cannot", "we do", "we don't", "we do not", "we will",
    "we won't", "we will not", "we can", "we can't", "we cannot", "we are", "we're not", "we are not", "they are",
    "they aren't", "they are not", "there is", "there isn't", "there is not", "there are", "there aren't",
    "works with", "doesn't work with", "does not work with", "compatible", "not compatible", "supported",
    "not supported", "available", "not available", "included", "not included", "covered", "not covered",
)
_NUMBER = re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty|forty|"
                     r"fifty|hundred|thousand|half|a few|free|no charge|nothing|dozen)\b", re.I)

_DATE_TIME = re.compile(r"\b\d{1,2}[:/.-]\d{1,2}\b|\b\d{1,2}\s?(?:am|pm)\b|\b\d{1,2}(?:st|nd|rd|th)\b|"
                        r"\b\d{1,2}\s+May\b|\bMay\s+\d{1,2}\b|\b(?:19|20)\d{2}\b", re.I)
# Asked anywhere, even without a question mark: the customer is waiting.
_WAITING = _phrases("still waiting", "any update", "any updates", "where is my", "where's my", "status of my",
                    "haven't received", "have not received", "never arrived", "hasn't arrived", "has not arrived")
_ASK_WHEN = _phrases("when", "what time", "how long", "how soon", "by when", "any update", "any updates", "eta",
                     "still waiting", "where is my", "where's my", "status of my", "has my", "have you shipped")
_ASK_HOW_MUCH = _phrases("how much", "how many", "what does it cost", "what's the price", "what is the price",
                         "price of", "cost of", "how far", "what range", "what size")
_ASK_HOW = _phrases("how do", "how can", "how to", "how should", "how would", "how does", "any way to", "is there a way",
                    "what do i do", "what should i do", "what can i do", "help me", "can't get", "cannot get",
                    "can't figure", "won't let me", "how i", "steps to")
_ASK_WHY = _phrases("why", "how come", "what happened", "what's going on", "what is going on", "what's wrong",
                    "what is wrong", "what caused", "reason for")
_ASK_WHERE = _phrases("where can", "where do", "where is", "where are", "where's", "which store", "what store",
                      "link to", "where to")
_ASK_YES_NO = re.compile(
    r"(?:^|[.!?]\s+|\n)\s*(?:@\S+\s+)*(?:hey\s+|hi\s+|so\s+|also\s+|and\s+|but\s+)?"
    r"(?:can|could|do|does|did|is|are|was|were|will|would|should|has|have|may|am)\b[^.!?]*\?",
    re.I,
)


def _found(pattern: re.Pattern[str], text: str) -> list[str]:
    seen: list[str] = []
    for m in pattern.finditer(text):
        words = " ".join(m.group(0).split())
        if words.lower() not in (s.lower() for s in seen):
            seen.append(words)
    return seen


def _quote(words: Sequence[str], most: int = 3) -> str:
    shown = [f"“{w}”" for w in words[:most]]
    if len(shown) == 1:
        return shown[0]
    return ", ".join(shown[:-1]) + " and " + shown[-1]


def has_link(text: str) -> bool:
    return bool(_URL.search(text) or _BARE_DOMAIN.search(text))


def post_length(text: str, platform: str | None) -> int:
    """The draft's length as `platform` counts it: graphemes on Bluesky, characters elsewhere,
    a link as 23 characters on Mastodon and X."""
    weight = LINK_WEIGHT.get(platform or "")
    if weight:
        text = _URL.sub("x" * weight, text)
    if platform == "bluesky":
        return len(regex.findall(r"\X", text))
    return len(text)


_SENTENCE = re.compile(r"[^.!?\n]+[.!?\n]*")
_AUX = r"(?:can|could|do|does|did|is|are|was|were|will|would|should|has|have|may|am|must|shall)(?:n't|n’t)?"
# A sentence without "?" asks when it opens with an auxiliary ("can you…") or a question word followed by one
# ("when will…", "how do…"), not with a question word that opens a clause ("when you roll the month, it hangs").
_OPENS_QUESTION = re.compile(r"\s*(?:@\S+\s+)*(?:hey|hi|hello|so|also|and|but|ok|okay)?[\s,]*"
                             r"(?:(?:when|why|how|where|what|which|who)(?:\s+(?:long|much|many|soon|come|far))?\s+"
                             + _AUX + r"|" + _AUX + r")\b", re.I)


def questions_in(text: str) -> str:
    """The interrogative sentences of `text` (ending in "?" or opening like a question), joined;
    "the app crashes when I open the map." asks nothing."""
    asked = [s for s in _SENTENCE.findall(_URL.sub(" ", text)) if "?" in s or _OPENS_QUESTION.match(s)]
    return " ".join(asked)


def statements_in(text: str) -> str:
    """`text` without its questions: what a draft says rather than asks back."""
    return " ".join(s for s in _SENTENCE.findall(text) if "?" not in s)


def question_kinds(question: str) -> list[str]:
    """What the customer asks for: any of "when", "how_much", "how", "why", "where", "yes_no", in that order."""
    waiting = bool(_WAITING.search(question))
    q = questions_in(question)
    kinds = ["when"] if waiting else []
    if _ASK_WHEN.search(q) and not waiting:
        kinds.append("when")
    if _ASK_HOW_MUCH.search(q):
        kinds.append("how_much")
    if _ASK_HOW.search(q):
        kinds.append("how")
    if _ASK_WHY.search(q):
        kinds.append("why")
    if _ASK_WHERE.search(q):
        kinds.append("where")
    if not kinds and _ASK_YES_NO.search(q):
        kinds.append("yes_no")
    if not kinds and "?" in q:
        kinds.append("other")
    return kinds


_ANSWERED_BY: dict[str, tuple[str, Callable[[str], bool]]] = {
    "when": ("time or date", lambda d: bool(_TIME.search(d) or _DATE_TIME.search(d))),
    "how_much": ("number or price", lambda d: bool(_NUMBER.search(d))),
    "how": ("steps or link", lambda d: bool(_STEPS.search(d) or has_link(d))),
    "why": ("reason", lambda d: bool(_REASON.search(d))),
    "where": ("place or link", lambda d: bool(has_link(d) or _STEPS.search(d)
                                                   or re.search(r"\b(?:at|in|on|from)\s+(?:the\s+|our\s+)?[A-Z0-9]", d))),
    "yes_no": ("yes or no", lambda d: bool(_YES_NO.search(d))),
}
_STOP = frozenset("""a an the and or but if of to in on at for with from by about as into over after before is are was
were be been being do does did done have has had having can could will would should may might must shall i me my
mine you your yours we us our ours they them their it its this that these those there here what when where why how
which who whom any some all no not just still so very really too also please thanks thank hi hey hello get got
out off up down going go goes went one like know need want anyone else than then them lot much many""".split())


def _topic_words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(_MENTION.sub(" ", text)) if len(w) > 2 and w.lower() not in _STOP}


_ASKS = {"when": "when", "how_much": "how much or how many", "how": "how", "why": "why", "where": "where",
         "yes_no": "a yes-or-no question", "other": "a question"}

_FIX = {
    "too_long": "Cut it to the point, or put the detail in the linked article and keep the reply to the answer.",
    "blame": "Describe the problem and the fix without saying whose fault it was; own what the brand can do.",
    "defensive": "Drop the argument; acknowledge what the customer saw and give the facts that help them.",
    "promotional": "Answer the question only; no offers, codes or superlatives in a reply to a customer.",
    "no_link": "Insert the article's link so the customer (and everyone reading) can check the facts.",
    "shouting": "Write in sentence case with at most one exclamation mark.",
    "hashtags": "Leave hashtags out of replies; they read as marketing in a conversation.",
}


def _no_answer(draft: str, question: str) -> ToneFlag | None:
    kinds = question_kinds(question)
    if not kinds:
        return None
    deflect = _found(_DEFLECT, draft)
    deflect += [w for w in _found(_PRIVATE, draft) if not any(w.lower() in d.lower() for d in deflect)]
    # What is left of the draft once the stock phrases, mentions, greetings and questions back are taken out.
    rest = _MENTION.sub(" ", _PRIVATE.sub(" ", _DEFLECT.sub(" ", statements_in(draft))))
    rest = re.sub(r"(?i)\b(?:hi|hey|hello|thanks|thank you|sorry|please|we|us|our|you|your|the|a|an|and|to|for|"
                  r"this|that|it|is|are|be|can|will|would|with|so|of|on|in|there|here|\^\w+)\b", " ", rest)
    substance = len(_WORD.findall(rest))
    specific = [k for k in kinds if k in _ANSWERED_BY]
    missing = [k for k in specific if not _ANSWERED_BY[k][1](draft)]
    if missing == ["yes_no"] and substance >= 4 and _topic_words(question) & _topic_words(draft):
        missing = []  # a statement about the very thing asked ("the motor is sealed to IPX5") answers it
    asked = _quote([question.strip()[:120]], 1)
    if specific and len(missing) == len(specific):
        what = " or ".join(_ANSWERED_BY[k][0] for k in missing)
        why = f"the customer asked {_ASKS[missing[0]]} ({asked}) and the draft gives no {what}"
        if deflect:
            why += f"; it only says {_quote(deflect)}"
        fix = f"Answer in public: give the {what}" + (", then offer a private channel for account details only." if deflect
                                                   else "; if you do not know yet, say when you will.")
        return ToneFlag("no_answer", "medium", why, fix, tuple(deflect))
    if deflect and substance < 4 and not has_link(draft):
        why = (f"the customer asked {_ASKS[kinds[0]]} ({asked}) and the draft only says {_quote(deflect)}, "
               "with nothing concrete")
        return ToneFlag("no_answer", "medium", why,
                        "Answer the question in public with the facts you have, then offer a private channel "
                        "for account details only.", tuple(deflect))
    return None


def check(
    draft: str,
    *,
    platform: str | None = None,
    question: str | None = None,
    articles: Sequence[Article] = (),
    article_fits: float = ARTICLE_FITS,
    limits: dict[str, int] | None = None,
) -> ToneCheck:
    """Check draft reply `draft` for `platform`, answering `question` (the customer's message),
    with `articles` suggested for that message. Advice only: nothing is refused here."""
    limits = LIMITS if limits is None else limits
    platform = platform.lower() if platform else None
    flags: list[ToneFlag] = []
    text = draft.strip()

    limit = limits.get(platform or "")
    length = post_length(text, platform)
    if limit is not None and length > limit:
        unit = "graphemes" if platform == "bluesky" else "characters"
        flags.append(ToneFlag("too_long", "high",
                              f"{length} {unit}; a {platform} post holds at most {limit}, so it cannot be posted as is",
                              _FIX["too_long"]))

    blame = _found(_BLAME, text)
    if blame:
        flags.append(ToneFlag("blame", "high", f"it blames the customer: {_quote(blame)}", _FIX["blame"], tuple(blame)))

    defensive = _found(_DEFENSIVE, text)
    if defensive:
        flags.append(ToneFlag("defensive", "medium", f"it argues rather than helps: {_quote(defensive)}",
                              _FIX["defensive"], tuple(defensive)))

    sales = _found(_SALES, text) + [m.group(0) for m in _PERCENT_OFF.finditer(text)]
    if question and _ASKED_PRICE.search(question):  # asked about a discount or price: the offer is the answer
        sales = [w for w in sales if not _PRICE_TALK.search(w)]
    hype = _found(_HYPE, text)
    hype_caps = [w for w in hype if w.isupper() and len(w) > 2]
    if sales or len(hype) >= 2 or hype_caps:
        words = list(dict.fromkeys(sales + hype))
        kind = "sales talk" if sales else "hype"
        flags.append(ToneFlag("promotional", "medium", f"it reads like an advert ({kind}): {_quote(words)}",
                              _FIX["promotional"], tuple(words)))

    if question and question.strip():
        flag = _no_answer(text, question)
        if flag:
            flags.append(flag)

    fitting = [a for a in articles if a.score >= article_fits and a.url]
    if fitting and not has_link(text):
        best = max(fitting, key=lambda a: a.score)
        flags.append(ToneFlag("no_link", "low",
                              f"the article “{best.title}” fits the question (fit {best.score:.2f}) "
                              "and the draft has no link",
                              f"{_FIX['no_link']} {best.url}", (best.url or "",)))

    shouting = _shouting(text)
    if shouting:
        flags.append(shouting)

    tags = [f"#{t}" for t in _HASHTAG.findall(text)]
    if len(tags) > MAX_HASHTAGS or (platform == "reddit" and tags):
        where = "on Reddit hashtags mean nothing" if platform == "reddit" and len(tags) <= MAX_HASHTAGS else \
            f"{len(tags)} hashtags in one reply"
        flags.append(ToneFlag("hashtags", "low", f"{where}: {_quote(tags)}", _FIX["hashtags"], tuple(tags)))

    order = {code: i for i, code in enumerate(("too_long", "blame", "defensive", "promotional", "no_answer",
                                               "no_link", "shouting", "hashtags"))}
    flags.sort(key=lambda f: order[f.code])
    return ToneCheck(tuple(flags), platform, length, limit, question, tuple(articles))


# Capitalised words that are not shouting: common initialisms and units.
_ACRONYMS = frozenset(
    "OK ID PIN FAQ USB USA UK EU API iOS IOS PC TV GPS SMS PDF URL DM DMS PM AM ETA ASAP FYI LED LCD HDMI CEO HQ "
    "NYC LA SF VPN WIFI WI-FI APP BMS ABS RMA SKU UPS DHL USPS FEDEX EV EBIKE KM KMH MPH MPG VAT GST UTC EST PST "
    "CST GMT BST CET ISP IT HR QR NFC AI".split())


def _shouting(text: str) -> ToneFlag | None:
    body = _HASHTAG.sub(" ", _MENTION.sub(" ", _URL.sub(" ", text)))
    caps = [w for w in _WORD.findall(body)
            if len(w) >= 3 and w.isupper() and w.upper() not in _ACRONYMS and not any(c.isdigit() for c in w)]
    letters = [c for c in body if c.isalpha()]
    upper_share = sum(c.isupper() for c in letters) / len(letters) if letters else 0.0
    bangs = body.count("!")
    runs = re.findall(r"[!?]*![!?]+|!{2,}", body)
    reasons = []
    words: list[str] = []
    if len(caps) >= 2 or (len(letters) >= 12 and upper_share > 0.6):
        reasons.append(f"words in capitals ({_quote(caps or [body.strip()[:40]])})")
        words += caps
    if bangs >= 3 or runs:
        reasons.append(f"{bangs} exclamation marks" + (f" ({_quote(runs)})" if runs else ""))
        words += runs
    if not reasons:
        return None
    return ToneFlag("shouting", "medium", "it shouts: " + " and ".join(reasons), _FIX["shouting"], tuple(words))
