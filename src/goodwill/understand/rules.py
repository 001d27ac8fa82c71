"""Rule-based signals: urgency, aspects (the reasons why) and the promotional score.

Each is a few compiled patterns run once over a message; a pattern list of
aspects is one alternation with a named group per aspect, so a message is
scanned once however long the list grows.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

URGENCY_LEVELS = ("low", "normal", "high")


class Lexicon:
    """Phrases of one to a few words, each with a category, found by word lookup
    (a dict from each phrase's first word), not by scanning regular expressions."""

    def __init__(self, phrases: Iterable[tuple[str, str]]) -> None:
        self.pairs = sorted(set(phrases))
        self.by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for phrase, category in self.pairs:
            words = tuple(phrase.split())
            self.by_first.setdefault(words[0], []).append((words[1:], category))
        for entries in self.by_first.values():
            entries.sort(key=lambda e: -len(e[0]))

    def find(self, words: list[str]) -> list[str]:
        """The categories of the phrases in `words`: at each word, each category
        at most once (so "promo code" and "promo" count as one)."""
        out: list[str] = []
        by_first = self.by_first
        for i, w in enumerate(words):
            entries = by_first.get(w)
            if entries is None:
                continue
            here: list[str] = []
            for rest, category in entries:
                if category not in here and (not rest or tuple(words[i + 1 : i + 1 + len(rest)]) == rest):
                    here.append(category)
            out.extend(here)
        return out

    def find_phrases(self, words: list[str]) -> list[tuple[str, str]]:
        """(category, phrase) of each phrase in `words`, longest first at each word, each pair once."""
        out: list[tuple[str, str]] = []
        by_first = self.by_first
        for i, w in enumerate(words):
            for rest, category in by_first.get(w, ()):
                if not rest or tuple(words[i + 1 : i + 1 + len(rest)]) == rest:
                    pair = (category, " ".join((w, *rest)))
                    if pair not in out:
                        out.append(pair)
                    break
        return out

    def __or__(self, other: Lexicon) -> Lexicon:
        return Lexicon(self.pairs + other.pairs)


def _lexicon(groups: dict[str, str], prefix: str = "") -> Lexicon:
    return Lexicon((phrase.strip(), prefix + category) for category, phrases in groups.items() for phrase in phrases.split(",") if phrase.strip())


_WORDS = re.compile(r"[a-z0-9']+")


def words(text: str) -> list[str]:
    """Lower-case words (apostrophes kept, curly ones straightened)."""
    return _WORDS.findall(text.lower().replace("’", "'"))


URGENCY = _lexicon(prefix="u:", groups={
    "safety": "on fire, caught fire, fire hazard, burst into flames, flames, smoke coming, smoking, exploded, explode, explosion, injured, injury, injuries, hospital, unsafe, dangerous, danger, "
              "accident, assaulted, assault, harassed, harassment, food poisoning, allergic reaction, sick from, emergency, police, stranded, overheating, "
              "overheated, electric shock, carbon monoxide, gas leak, threatened, threatening, burned my, burnt my, hurt my, hurt me, unsafe",
    "money": "charged twice, charged me twice, charged two times, charged 2 times, charged me 2 times, charged three times, charged 3 times, "
             "charged multiple times, charged me multiple times, double charged, double charge, double charging, charged double, charged me double, "
             "billed twice, billed me twice, double billed, debited twice, deducted twice, paid twice, money twice, taken out twice, came out twice, "
             "went out twice, paying double, paid double, duplicate charge, "
             "duplicate charges, duplicate payment, duplicate transaction, overcharged, overcharging, wrongly charged, incorrectly charged, "
             "charged in error, charged by mistake, still charged, still got charged, still being charged, still getting charged, still charging me, "
             "keep charging me, keeps charging me, kept charging me, continue to charge, continues to charge, charged after i cancelled, "
             "charged even though, charged me even though, unexpected charge, unexpected charges, unexpected fee, unexpected fees, hidden charges, "
             "hidden fees, random charges, unrecognized, unrecognised, don't recognise, don't recognize, do not recognise, do not recognize, "
             "on my statement, on my bank statement, didn't authorise, didn't authorize, "
             "did not authorise, did not authorize, never authorised, never authorized, without my permission, without my consent, "
             "without my authorization, without my authorisation, emptied my account, emptied my bank, drained my account, drained my bank, "
             "account emptied, account drained, account was emptied, account was drained, account has been emptied, account has been drained, "
             "cleaned out my account, wiped out my account, money from my account, money out of my account, money out my account, "
             "taken from my account, withdrawn from my account, deducted from my account, debited from my account, my money is missing, "
             "money has gone missing, money went missing, my money is gone, my money has gone, money has disappeared, money disappeared, missing money, missing funds, funds missing, "
             "lost money, lost my money, losing money, took my money, taken my money, taking my money, stole my money, stealing my money, "
             "stealing money, stolen from my, keeping my money, kept my money, you have my money, where's my money, where is my money, "
             "want my money back, give me my money back, give my money back, paid but never, paid and never, paid but not, paid and not, "
             "paid but haven't, paid and haven't, paid but still, paid and still, paid for it and, paid for it but, paid but didn't, "
             "paid and didn't, charged but never, charged but not, charged and never, charged but didn't, charged for something, "
             "no refund, still no refund, never got my refund, haven't received my refund, haven't got my refund, haven't had my refund, "
             "haven't had a refund, not received my refund, didn't get my refund, didn't receive my refund, where is my refund, "
             "where's my refund, wheres my refund, waiting for my refund, waiting for a refund, waiting on my refund, waiting on a refund, "
             "not been refunded, haven't been refunded, never been refunded, never refunded, still not refunded, refund hasn't, refund has not, "
             "refused to refund, refuse to refund, refusing to refund, refused a refund, refused my refund, won't refund, will not refund, "
             "gift card doesn't work, gift card not working, gift card won't work, fraud on my, used for fraud, victim of fraud, "
             "fraudulently, identity theft, "
             "someone used my card, someone is using my card, someone has used my card, been scammed, got scammed, "
             "was scammed, scammed me, scammed out of, chargeback, "
             + ", ".join(f"{thing} {who}" for thing in "transaction transactions transfer transfers payment payments purchase purchases charge "
                                                        "charges withdrawal withdrawals order orders".split()
                         for who in ("i never", "i didn't", "i did not", "i didnt", "i don't recognise", "i don't recognize"))
             + ", " + ", ".join(f"{how} {thing}" for how in ("unauthorized", "unauthorised", "fraudulent")
                                for thing in "charge charges transaction transactions payment payments purchase purchases withdrawal withdrawals "
                                             "debit debits activity".split()),
    "escalation": "bbb, better business bureau, lawyer, lawyers, attorney, lawsuit, sue, suing, legal action, small claims, journalist, reporter, "
                  "the news, the media, the press, viral, trading standards, ombudsman, fcc, ftc, consumer rights, consumer protection, "
                  "everyone should know, retweet this, report you, reporting you, report this to",
    "leaving": "cancel my account, cancel my subscription, cancel my membership, cancel my service, cancel my contract, cancelling my, canceling my, "
               "switch to, switching to, switching providers, leave you, leaving you, never again, never ordering, never using, never buying, "
               "never flying, never shopping, done with you, last time i, take my business elsewhere, taking my business elsewhere, going back to, "
               "go back to, won't be using, won't be ordering, won't be back, lost a customer, lost my business, another provider, another company, "
               "another bank, another carrier",
})


def urgency_reasons(text: str) -> list[str]:
    """Why a message is urgent: safety, money, escalation, leaving (each once)."""
    return list(dict.fromkeys(c[2:] for c in URGENCY.find(words(text))))


#: Escalation phrases that threaten legal or regulatory action (an emergency for the inbox, not only urgent).
LEGAL = frozenset(
    "lawyer, lawyers, attorney, lawsuit, sue, suing, legal action, small claims, trading standards, ombudsman, fcc, ftc, "
    "consumer rights, consumer protection".split(", ")
)


def urgency_phrases(text: str) -> list[tuple[str, str]]:
    """(reason, words) of each urgency phrase in `text`: reasons safety, money, legal
    (escalation phrases in `LEGAL`), escalation and leaving."""
    return [("legal" if c == "u:escalation" and p in LEGAL else c[2:], p) for c, p in URGENCY.find_phrases(words(text))]


def urgency(text: str, needs_response: bool, complaint: bool, ws: list[str] | None = None, found: list[str] | None = None) -> str:
    """high: safety, money lost, public escalation or a threat to leave (see
    `URGENCY`); normal: the brand should answer or it is a complaint; low:
    otherwise. `found` is `PHRASES.find(words)`, when the caller has it."""
    reasons = URGENCY.find(words(text) if ws is None else ws) if found is None else [c for c in found if c[0] == "u"]
    if reasons:
        return "high"
    if complaint:
        return "normal"
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
    "customer service": ("customer support agent agents representative rep reps chat answer answers answering respond responding",
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
_ASPECT_RX = {name: re.compile(pattern) for name, (_, pattern) in ASPECTS.items()}  # read on lower-cased text
_TRIGGERS: dict[str, list[str]] = {}
_PREFIXES: list[tuple[str, str]] = []
for _name, (_words, _) in ASPECTS.items():
    for _w in _words.split():
        if _w.endswith("*"):
            _PREFIXES.append((_w[:-1], _name))
        else:
            _TRIGGERS.setdefault(_w, []).append(_name)
_PREFIX_START = frozenset(p[:3] for p, _ in _PREFIXES)
_ASPECT_ORDER = {name: i for i, name in enumerate(ASPECTS)}
_SUPERSEDES = {"double charge": ("billing",), "late delivery": ("delivery",), "missing package": ("delivery",),
               "flight delay": (), "account access": ("app login",), "refund": ("billing",)}
_MY_NOUN = re.compile(r"\bmy ((?:[a-z0-9]+ )?[a-z0-9]{3,})\b", re.IGNORECASE)
_NOT_NOUN = frozenset(
    "own self mind way life time day god bad fault phone's favorite favourite first last new old only best whole friend friends family mom dad wife husband kids son daughter "
    "name question problem issue issues attention money god so own just was is are has have had will keeps kept got gets still not never been be "
    "can can't cant won't wont doesn't didn't isn't and the to for on in it this that within with without from at by after before since until "
    "because when but or so as of off out up down over again today yesterday tomorrow now here there yet too back all any some very really "
    "is was are were be been being has have had do does did will would could should may might must".split()
)
_VERBISH = re.compile(r"(?:ed|ing|ly)$")
MAX_ASPECTS = 3


class _Triggered(dict[str, tuple[str, ...]]):
    """Word -> the aspects it triggers (exactly or by a prefix), worked out once per word; at most
    `_TRIGGERED_WORDS` words are kept (then it starts again), so a long listening run does not grow it."""

    def __missing__(self, word: str) -> tuple[str, ...]:
        names = _TRIGGERS.get(word, [])
        if word[:3] in _PREFIX_START:
            names = names + [name for p, name in _PREFIXES if word.startswith(p)]
        if len(self) >= _TRIGGERED_WORDS:
            self.clear()
        self[word] = found = tuple(names)
        return found


_TRIGGERED_WORDS = 1 << 16
_triggered = _Triggered().__getitem__


def aspects(text: str, ws: list[str] | None = None) -> list[str]:
    """Short reason phrases: customer-care aspects named in the text, then the
    noun phrase after the first "my" (`my macbook pro` -> "macbook pro")."""
    lower = text.lower()
    candidates = set().union(*map(_triggered, set(_WORDS.findall(lower) if ws is None else ws)))
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


PROMOTION = _lexicon(prefix="p:", groups={
    "sales": "on sale, sale, discount, discounts, discounted, deal, deals, promo, promo code, coupon, use code, free shipping, buy now, shop now, "
             "order now, limited time, don't miss, hurry, exclusive, offer, offers, link in bio, click the link, click link, sign up now, "
             "sign up today, subscribe now, giveaway, enter to win, win a, new arrival, new arrivals, introducing, available now, now available, "
             "pre order now, preorder now, get yours, grab yours, tag a friend, best selling, bestselling, bestseller, while stocks last, "
             "while supplies last, act now, today only, last chance, free trial, just launched, in stores now",
    "hype": "amazing, incredible, revolutionary, game changer, game changing, gamechanger, unbelievable, best ever, must have, ultimate, epic, insane, "
            "world's best, world's first, life changing, stunning, jaw dropping, unmissable, unbeatable, unrivalled, unrivaled, mind blowing, "
            "next level, biggest, hottest, perfect gift, you'll love, you will love, obsessed",
    "care": "sorry, apologize, apologise, apologies, dm, direct message, we're here, help, look into, could you, can you, please send, please follow, "
            "please try, please check, please let, steps, troubleshoot, troubleshooting",
})
_PRICE = re.compile(r"\d+ ?% off|(?:save|only|just|from) (?:up to )?[$£€]\d", re.IGNORECASE)
_PROMO_TAG = re.compile(r"[#＃](?:ad|sponsored|promo|sale|deal|giveaway)\b", re.IGNORECASE)
_ASCII_UPPER = bytes(range(65, 91))
_ASCII_LETTERS = bytes(range(65, 91)) + bytes(range(97, 123))
_EMOJI = re.compile(r"[\U0001F300-\U0001FAFF\u2600-\u27BF]")


def promotional(text: str, ws: list[str] | None = None, found: list[str] | None = None) -> float:
    """0-1: how salesy or hyped a text is. A logistic score over sales and hype
    phrases, prices and discounts, shouting (exclamation marks, capitals),
    hashtags, emoji and links, with care language (apologies, offers of help)
    pulling it down."""
    if not text.strip():
        return 0.0
    if found is None:
        found = PROMOTION.find(words(text) if ws is None else ws)
    sales = found.count("p:sales")
    if ("%" in text or "$" in text or "£" in text or "€" in text) and _PRICE.search(text):
        sales += 1
    if "#" in text and _PROMO_TAG.search(text):
        sales += 1
    hype = min(found.count("p:hype"), 3)
    helpful = min(found.count("p:care"), 2)
    raw = text.encode("utf-8", "replace")
    letters = len(raw) - len(raw.translate(None, _ASCII_LETTERS))
    caps = (len(raw) - len(raw.translate(None, _ASCII_UPPER))) / letters if letters >= 12 else 0.0
    emoji = len(_EMOJI.findall(text)) if not text.isascii() else 0
    z = (-3.4 + 1.5 * min(sales, 3) + 0.9 * hype + 0.35 * min(text.count("!"), 4) + (1.4 if caps > 0.5 else 0.0)
         + 0.3 * min(text.count("#"), 4) + 0.2 * min(emoji, 4) + (0.4 if "http" in text else 0.0)
         - 0.9 * helpful)
    return round(1.0 / (1.0 + math.exp(-z)), 3)


#: Cue phrases of customer-care intents, features of the intent model
#: (`features.tokens` adds a `cue:KIND` feature for each kind found).
CUES = _lexicon(prefix="c:", groups={
    "purchase": "want to buy, wanna buy, looking to buy, looking for a new, where can i buy, where can i get, where do i buy, where to buy, how much is, "
                "how much does, how much for, how much are, price of, price for, going to buy, gonna buy, planning to buy, planning on buying, "
                "thinking about buying, thinking of buying, thinking about getting, thinking of getting, thinking of switching, thinking about switching, "
                "considering buying, torn between, pre order, preorder, in stock, back in stock, can i buy, can i order, do you sell, do you ship, "
                "do you deliver, sign up for, which one should i, which model, should i get, should i buy, worth buying, best plan, interested in buying, "
                "want to order, want to upgrade, release date, recommend a",
    "suggest": "you should, you guys should, please add, please bring, bring back, would be nice, would be great, would be cool, would love to see, "
               "wish you, wish there was, i wish, why don't you, suggestion, feature request, how about, consider adding, should add, needs an option, "
               "need an option, add an option, add a feature, add support",
    "question": "how do i, how can i, how to, is there a way, does anyone, anyone know, can you help, could you help, can someone, any idea, any update, "
                "any news, i have a question, quick question, is it possible, do you have, do you know",
    "problem": "not working, doesn't work, does not work, won't load, can't log, cannot log, still waiting, still not, never arrived, never received, "
               "keeps crashing, stopped working, no response, on hold, charged twice, what's going on, fix this, sort this out, so frustrating, fed up, "
               "sick of, worst, terrible, awful, unacceptable, ridiculous, disappointed",
    "praise": "thank you so much, thanks so much, love you, love it, love this, love the, you guys rock, you rock, great job, well done, great service, "
              "amazing service, best customer service, shout out, shoutout, kudos, so helpful, very helpful, big thanks",
    "closer": "ok thanks, okay thanks, thanks again, will do, got it, just did, done thanks",
})

#: Every phrase lexicon in one, so a message's words are looked up once.
PHRASES = URGENCY | PROMOTION | CUES
