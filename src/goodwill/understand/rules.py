"""Rule-based signals: urgency, aspects (the reasons why) and the promotional score.

Each is a few compiled patterns run once over a message; a pattern list of
aspects is one alternation with a named group per aspect, so a message is
scanned once however long the list grows.
"""

from __future__ import annotations

import math
import re

URGENCY_LEVELS = ("low", "normal", "high")


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_SAFETY = (
    r"\b(?:fire|smoke|smoking|burn(?:ed|ing|t)? (?:my|me|hand|skin|house)|explod\w*|exploded|injur\w*|hurt (?:me|my|myself)|hospital\w*|unsafe|danger\w*|"
    r"accident|assault\w*|harass\w*|food poisoning|allergic reaction|sick from|emergency|call(?:ed)? (?:the )?police|stranded|stuck (?:on|at|in) (?:the|a)|"
    r"overheat\w*|electric shock|carbon monoxide|gas leak|unsafe|threaten\w*)\b"
)
_MONEY = (
    r"\b(?:charged (?:me )?(?:twice|double|again|two times)|double[- ]charged|overcharg\w*|unauthori[sz]ed|fraud\w*|scam\w*|stole\w*|stealing|"
    r"money (?:back|gone|missing|taken)|lost (?:my )?money|took (?:my )?money|refund (?:still|never|not)|(?:haven'?t|not|never) (?:got|gotten|received) (?:my |a |the )?refund|"
    r"hacked|chargeback|dispute (?:the|this) charge)\b"
)
_ESCALATION = (
    r"\b(?:bbb|better business bureau|lawyers?|attorneys?|lawsuit|sue|suing|legal action|small claims|journalists?|reporters?|the (?:news|media|press)|"
    r"going viral|trading standards|ombudsman|fcc|ftc|consumer (?:rights|protection)|everyone (?:should|needs to) know|retweet (?:this|if)|"
    r"tell(?:ing)? (?:everyone|all my)|report(?:ing)? (?:you|this|them) to)\b"
)
_LEAVING = (
    r"\b(?:cancel(?:l?ing)? (?:my |the )?(?:account|subscription|membership|service|contract|plan)|switch(?:ing)? (?:to|over to|providers?)|"
    r"leav(?:e|ing) (?:you|for)|never (?:again|ordering|using|buying|flying|shopping|coming back)|done with (?:you|this|your)|last time i|"
    r"take my (?:business|money) elsewhere|(?:going|go|went) back to|won'?t be (?:using|ordering|buying|back|renewing)|lost (?:a|my) (?:customer|business)|"
    r"find (?:a|another) (?:provider|company|bank|carrier))\b"
)
URGENCY_REASONS = {"safety": _rx(_SAFETY), "money": _rx(_MONEY), "escalation": _rx(_ESCALATION), "leaving": _rx(_LEAVING)}
_HIGH = _rx("|".join(f"(?:{p})" for p in (_SAFETY, _MONEY, _ESCALATION, _LEAVING)))


def urgency(text: str, needs_response: bool, complaint: bool) -> str:
    """high: safety, money lost, public escalation or a threat to leave; normal: the
    brand should answer; low: otherwise."""
    if (needs_response or complaint) and _HIGH.search(text):
        return "high"
    return "normal" if needs_response else "low"


#: Aspect -> (trigger words, pattern). A message is matched against an
#: aspect's pattern only when it holds one of its trigger words (or a word
#: starting with a trigger ending in "*"), so most messages run no pattern
#: at all. Order matters: the first aspects named win when a message names
#: more than the limit.
ASPECTS: dict[str, tuple[str, str]] = {
    "late delivery": ("late delayed delay* waiting arrived arrive come where where's wheres package* parcel* delivery shipment* order*",
                      r"(?:late|delayed|still (?:waiting|not here)|never (?:arrived|came)|(?:hasn'?t|not|never) (?:arrived|been delivered|come)|where(?:'s| is) my) (?:\w+ ){0,4}?(?:package|parcel|delivery|order|shipment)s?|"
                      r"(?:package|parcel|delivery|shipment|order)s? (?:\w+ ){0,4}?(?:is |was |still )?(?:late|delayed|not (?:arrived|delivered|here)|(?:hasn'?t|never) (?:arrived|come|shown up))"),
    "missing package": ("missing lost stolen nowhere", r"(?:package|parcel|order|delivery|item)s? (?:\w+ ){0,3}?(?:missing|lost|stolen|nowhere to be found)|(?:missing|lost|stolen) (?:package|parcel|item|order)"),
    "damaged item": ("damaged arrived broken", r"\bdamaged\b|arrived (?:broken|smashed|cracked)|broken on arrival"),
    "wrong item": ("wrong", r"wrong (?:item|order|size|product|colou?r|food)"),
    "refund": ("refund* money", r"refund\w*|money back"),
    "return": ("return returns returning", r"\breturn(?:s|ing)? (?:an? |the |my |this )?(?:item|order|product|package)|return label"),
    "order cancellation": ("cancel*", r"cancel\w* (?:my |the |an |this )?order"),
    "subscription": ("subscription* membership* renew* autorenew* auto cancel*", r"subscription|membership|auto[- ]?renew\w*|cancel\w* (?:my )?(?:plan|account)"),
    "double charge": ("charged double", r"charged (?:me )?(?:twice|double|two times)|double[- ]charged"),
    "billing": ("bill billed billing overcharg* charge charged fee fees invoice* payment* declined",
                r"\bbill(?:ed|ing)?\b|overcharg\w*|\bcharged?\b|\bfees?\b|invoice|payment|card (?:was )?declined"),
    "fraud": ("fraud* scam* unauthorized unauthorised hacked", r"fraud\w*|\bscam\w*|unauthori[sz]ed|hacked"),
    "app login": ("login log sign signin password* locked two 2fa verification", r"log ?in|sign ?in|password|locked out|two[- ]factor|2fa|verification code"),
    "app crash": ("crash* freez* closing stopping app application", r"crash\w*|freez\w*|keeps? (?:closing|stopping)|(?:app|application) (?:\w+ ){0,3}?(?:not working|won'?t (?:open|load)|not loading|down)"),
    "software update": ("update updated updates updating upgrad* ios ios11 ios10", r"\bupdat(?:e|ed|es|ing)\b|\bupgrad\w*|ios ?\d+(?:\.\d+)*"),
    "battery": ("battery drain*", r"battery|drain\w*"),
    "connection": ("wifi wi internet connection connectivity signal outage network service",
                   r"wi-?fi|internet|connection|connectivity|no signal|outage|network|service (?:is )?down|no service"),
    "customer service": ("customer support agent agents representative rep reps chat one",
                         r"customer (?:service|support|care)|support team|\bagents?\b|representative|\breps?\b|live chat|no (?:one|response|reply) (?:\w+ )?(?:answer|respond|help|get)"),
    "wait time": ("hold waiting waited wait", r"on hold|(?:waiting|waited|wait) (?:for )?(?:over |almost |nearly )?(?:\d+|an?|two|three|several|many) (?:hours?|minutes|mins|days|weeks)"),
    "flight delay": ("flight flights", r"flight (?:\w+ ){0,3}?(?:delay\w*|cancel+ed|late)|(?:delay\w*|cancel+ed) (?:\w+ ){0,2}?flight"),
    "baggage": ("bag bags baggage luggage suitcase*", r"\bbag(?:gage|s)?\b|luggage|suitcase"),
    "seat": ("seat seats seating", r"\bseats?\b|seating"),
    "driver": ("driver drivers", r"\bdrivers?\b"),
    "price": ("price prices pricing expensive overpriced cost costs", r"\bprices?\b|pricing|expensive|overpriced|\bcosts?\b"),
    "food quality": ("cold raw stale undercooked soggy gross disgusting poisoning",
                     r"(?:food|meal|burrito|order|pizza|drink|coffee) (?:\w+ ){0,2}?(?:was |is )?(?:cold|raw|stale|undercooked|soggy|gross|disgusting)|food poisoning"),
    "staff behaviour": ("rude staff employee* manager* cashier*", r"\brude\b|\bstaff\b|employee|\bmanager\b|cashier"),
    "account access": ("account", r"account (?:\w+ )?(?:locked|disabled|suspended|hacked|banned|deactivated)"),
    "playback": ("song songs playlist* track tracks playback stream streaming", r"\bsongs?\b|playlists?|\btracks?\b|playback|stream(?:ing)?"),
    "product quality": ("defective faulty quality apart stopped", r"defective|faulty|poor quality|fell apart|stopped working"),
    "delivery": ("deliver* shipping shipment* courier* tracking", r"deliver\w*|shipping|shipment|courier|tracking"),
}
_ASPECT_RX = {name: _rx(pattern) for name, (_, pattern) in ASPECTS.items()}
_TRIGGERS: dict[str, list[str]] = {}
_PREFIXES: list[tuple[str, str]] = []
for _name, (_words, _) in ASPECTS.items():
    for _w in _words.split():
        if _w.endswith("*"):
            _PREFIXES.append((_w[:-1], _name))
        else:
            _TRIGGERS.setdefault(_w, []).append(_name)
_PREFIX_START = frozenset(p[:3] for p, _ in _PREFIXES)
_WORDS = re.compile(r"[a-z0-9']+")
_ASPECT_ORDER = {name: i for i, name in enumerate(ASPECTS)}
_SUPERSEDES = {"double charge": ("billing",), "late delivery": ("delivery",), "missing package": ("delivery",),
               "flight delay": (), "account access": ("app login",), "refund": ("billing",)}
_MY_NOUN = re.compile(r"\bmy ((?:[a-z0-9]+ )?[a-z0-9]{3,})\b", re.IGNORECASE)
_NOT_NOUN = frozenset(
    "own self mind way life time day god bad fault phone's favorite favourite first last new old only best whole friend friends family mom dad wife husband kids son daughter "
    "name question problem issue issues attention money god so own just was is are has have had will keeps kept got gets still not never been be "
    "can can't cant won't wont doesn't didn't isn't and the to for on in it this that".split()
)
_VERBISH = re.compile(r"(?:ed|ing|ly)$")
MAX_ASPECTS = 3


def _triggered(word: str) -> list[str]:
    names = _TRIGGERS.get(word, [])
    if word[:3] in _PREFIX_START:
        names = names + [name for p, name in _PREFIXES if word.startswith(p)]
    return names


def aspects(text: str) -> list[str]:
    """Short reason phrases: customer-care aspects named in the text, then the
    noun phrase after the first "my" (`my macbook pro` -> "macbook pro")."""
    lower = text.lower()
    candidates: set[str] = set()
    for w in set(_WORDS.findall(lower)):
        candidates.update(_triggered(w))
    found = [name for name in candidates if _ASPECT_RX[name].search(lower)]
    if len(found) > 1:
        drop = {d for a in found for d in _SUPERSEDES.get(a, ())}
        found = [a for a in found if a not in drop]
    found.sort(key=_ASPECT_ORDER.__getitem__)
    found = found[:MAX_ASPECTS]
    if len(found) < MAX_ASPECTS and "my " in lower:
        m = _MY_NOUN.search(text)
        if m:
            words = []
            for w in m.group(1).lower().split():
                if w in _NOT_NOUN or _VERBISH.search(w):
                    break
                words.append(w)
            phrase = " ".join(words)
            if any(name in found for w in words for name in _triggered(w)):
                phrase = ""
            if phrase and len(phrase) > 2 and all(phrase not in a and a not in phrase for a in found):
                found.append(phrase)
    return found


_SALES = _rx(
    r"\b(?:on sale|sale|\d+ ?% off|% off|discount\w*|deals?|promo(?: code)?|coupon|use code|free shipping|buy now|shop now|order now|limited[- ]time|"
    r"don'?t miss|hurry|exclusive|offer\w*|save (?:up to )?\$?\d+|only \$\d+|link in (?:our )?bio|click (?:the )?link|sign up (?:now|today)|subscribe now|"
    r"giveaway|win an?|enter to win|new arrivals?|introducing|available now|pre-?order now|get yours|grab yours|tag a friend|best[- ]?selling|"
    r"while (?:stocks|supplies) last|act now|today only|last chance|free trial|just launched|now available|in stores (?:now|today))\b|#(?:ad|sponsored|promo|sale|deal)\b"
)
_HYPE = _rx(
    r"\b(?:amazing|incredible|revolutionary|game[- ]?chang\w*|unbelievable|best ever|must[- ]have|ultimate|epic|insane|world'?s (?:best|first)|"
    r"life[- ]?chang\w*|stunning|jaw[- ]dropping|unmissable|unbeatable|unrivall?ed|mind[- ]blowing|next[- ]level|biggest|hottest|perfect gift|"
    r"you(?:'ll| will) love|love it|obsessed)\b"
)
_HELPFUL = _rx(r"\b(?:sorry|apologi[sz]e|dm|direct message|we'?re here|help|look into|could you|can you|please (?:send|follow|try|check|let)|steps|troubleshoot\w*)\b")
_PROMO = re.compile(f"(?P<s>{_SALES.pattern})|(?P<h>{_HYPE.pattern})|(?P<c>{_HELPFUL.pattern})", re.IGNORECASE)
_UPPER = re.compile(r"[A-Z]")
_LETTER = re.compile(r"[A-Za-z]")
_EMOJI = re.compile(r"[\U0001F300-\U0001FAFF\u2600-\u27BF]")


def promotional(text: str) -> float:
    """0-1: how salesy or hyped a text is. A logistic score over sales and hype
    phrases, shouting (exclamation marks, capitals), hashtags, emoji and links,
    with care-language (apologies, offers of help) pulling it down."""
    if not text.strip():
        return 0.0
    kinds = [m.lastgroup for m in _PROMO.finditer(text)]
    sales = min(kinds.count("s"), 3)
    hype = min(kinds.count("h"), 3)
    helpful = min(kinds.count("c"), 2)
    letters = _LETTER.subn("", text)[1]
    caps = _UPPER.subn("", text)[1] / letters if letters >= 12 else 0.0
    z = (-3.4 + 1.5 * sales + 0.9 * hype + 0.35 * min(text.count("!"), 4) + (1.4 if caps > 0.5 else 0.0)
         + 0.3 * min(text.count("#"), 4) + 0.2 * min(len(_EMOJI.findall(text)), 4) + (0.4 if "http" in text else 0.0)
         - 0.9 * helpful)
    return round(1.0 / (1.0 + math.exp(-z)), 3)
