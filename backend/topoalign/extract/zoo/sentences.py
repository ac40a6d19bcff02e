"""A sentence set written for TopoAlign: 8 topics x 6 subjects x 6 predicates x 3 tenses x 2 polarities = 1,728.

Every sentence is labelled with the concepts it was built from: ``topic``, ``tense`` (past/present/future),
``negation`` (yes/no), and its syntactic ``frame``: plain, a fronted time adverbial, a ``despite`` phrase, a
relative clause on the subject, the passive voice, or a question. Negation takes several forms (``did not``,
``didn't``, ``never``, ``is not ... by``), the future either ``will`` or ``going to``, and each topic brings its own
nouns, verbs and objects, so the sentences share far less than a template's few slots. ``subject`` and ``verb``
are kept as labels too. Order and ids (``sent-0000`` ...) are fixed; nothing is random between runs.

:func:`content_words` lists the set's content words (stop words left out), each labelled with the topic it
occurs in most: the word-level collection of the demo.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

import numpy as np
import pandas as pd

# topic -> subjects, predicates (base, 3rd person present, past, past participle, object, object is plural),
# "despite" phrases, relative clauses about a subject
TOPICS: dict[str, dict[str, list]] = {
    "sports": {
        "subjects": [
            "the coach",
            "our captain",
            "the young striker",
            "my neighbour",
            "the referee",
            "a veteran goalkeeper",
        ],
        "predicates": [
            ("play", "plays", "played", "played", "the final match", False),
            ("win", "wins", "won", "won", "the regional tennis cup", False),
            ("run", "runs", "ran", "run", "the city marathon", False),
            ("train", "trains", "trained", "trained", "the junior rowing squad", False),
            ("score", "scores", "scored", "scored", "the decisive penalty", False),
            ("watch", "watches", "watched", "watched", "the cycling race on television", False),
        ],
        "despite": ["the muddy pitch", "a sprained ankle", "the booing crowd", "a late injury"],
        "relative": [
            "who grew up near the stadium",
            "who rarely loses a game",
            "who signed a new contract",
            "who trains every dawn",
        ],
    },
    "food": {
        "subjects": ["the chef", "my grandmother", "the baker", "our host", "a food critic", "the hungry student"],
        "predicates": [
            ("cook", "cooks", "cooked", "cooked", "a spicy lentil soup", False),
            ("bake", "bakes", "baked", "baked", "sourdough loaves", True),
            ("serve", "serves", "served", "served", "grilled sardines with lemon", True),
            ("taste", "tastes", "tasted", "tasted", "the new chocolate dessert", False),
            ("order", "orders", "ordered", "ordered", "a bowl of ramen", False),
            ("slice", "slices", "sliced", "sliced", "ripe mangoes for breakfast", True),
        ],
        "despite": ["the broken oven", "a shortage of flour", "the crowded kitchen", "a power cut"],
        "relative": [
            "who owns a small bistro",
            "who hates garlic",
            "who learned recipes in Naples",
            "who shops at the market",
        ],
    },
    "science": {
        "subjects": [
            "the chemist",
            "a young researcher",
            "the lab director",
            "our physics teacher",
            "the astronomer",
            "a graduate student",
        ],
        "predicates": [
            ("measure", "measures", "measured", "measured", "the speed of falling objects", False),
            ("publish", "publishes", "published", "published", "a paper on cell division", False),
            ("test", "tests", "tested", "tested", "the experimental vaccine", False),
            ("observe", "observes", "observed", "observed", "a distant comet", False),
            ("analyse", "analyses", "analysed", "analysed", "the soil samples", True),
            ("calibrate", "calibrates", "calibrated", "calibrated", "the electron microscope", False),
        ],
        "despite": ["the faulty sensors", "a tight budget", "the sceptical reviewers", "a contaminated sample"],
        "relative": [
            "who studies bacteria",
            "who won a research grant",
            "who works late at the lab",
            "who doubts every result",
        ],
    },
    "travel": {
        "subjects": ["the pilot", "my sister", "the tour guide", "an old sailor", "the backpacker", "a retired couple"],
        "predicates": [
            ("visit", "visits", "visited", "visited", "the ancient temples of Kyoto", True),
            ("book", "books", "booked", "booked", "a cheap flight to Lisbon", False),
            ("cross", "crosses", "crossed", "crossed", "the desert by train", False),
            ("explore", "explores", "explored", "explored", "the narrow streets of the harbour", True),
            ("pack", "packs", "packed", "packed", "a suitcase for the journey", False),
            ("photograph", "photographs", "photographed", "photographed", "the glaciers of Iceland", True),
        ],
        "despite": ["the delayed ferry", "a lost passport", "the language barrier", "a strike at the airport"],
        "relative": [
            "who speaks four languages",
            "who fears heights",
            "who collects postcards",
            "who sleeps in hostels",
        ],
    },
    "music": {
        "subjects": ["the pianist", "our band leader", "the choir", "a street musician", "the conductor", "my cousin"],
        "predicates": [
            ("perform", "performs", "performed", "performed", "a sonata by Schubert", False),
            ("record", "records", "recorded", "recorded", "an album of folk songs", False),
            ("sing", "sings", "sang", "sung", "an old lullaby", False),
            ("compose", "composes", "composed", "composed", "a short piece for violin", False),
            ("rehearse", "rehearses", "rehearsed", "rehearsed", "the difficult chorus", False),
            ("tune", "tunes", "tuned", "tuned", "the antique harpsichord", False),
        ],
        "despite": ["the noisy audience", "a broken string", "the cold concert hall", "a sore throat"],
        "relative": [
            "who studied at the conservatory",
            "who plays by ear",
            "who tours every summer",
            "who dislikes jazz",
        ],
    },
    "weather": {
        "subjects": [
            "the forecaster",
            "the farmer",
            "a local reporter",
            "the harbour master",
            "the meteorologist",
            "an anxious fisherman",
        ],
        "predicates": [
            ("predict", "predicts", "predicted", "predicted", "heavy rain over the valley", False),
            ("expect", "expects", "expected", "expected", "a cold front from the north", False),
            ("report", "reports", "reported", "reported", "strong winds along the coast", True),
            ("track", "tracks", "tracked", "tracked", "the tropical storm", False),
            ("record", "records", "recorded", "recorded", "the hottest afternoon of the year", False),
            ("announce", "announces", "announced", "announced", "a flood warning", False),
        ],
        "despite": ["the unreliable radar", "a clear morning sky", "the conflicting models", "a sudden calm"],
        "relative": [
            "who reads the clouds",
            "who remembers the great flood",
            "who works at the coastal station",
            "who distrusts satellites",
        ],
    },
    "health": {
        "subjects": ["the nurse", "a family doctor", "the surgeon", "my uncle", "the pharmacist", "a tired patient"],
        "predicates": [
            ("treat", "treats", "treated", "treated", "the infected wound", False),
            ("prescribe", "prescribes", "prescribed", "prescribed", "a course of antibiotics", False),
            ("examine", "examines", "examined", "examined", "the swollen knee", False),
            ("recommend", "recommends", "recommended", "recommended", "a gentle diet", False),
            ("take", "takes", "took", "taken", "the blood pressure tablets", True),
            ("schedule", "schedules", "scheduled", "scheduled", "a routine check-up", False),
        ],
        "despite": ["the long waiting list", "a fever", "the shortage of beds", "a mild allergy"],
        "relative": [
            "who works night shifts",
            "who jogs before work",
            "who trained abroad",
            "who rarely takes holidays",
        ],
    },
    "finance": {
        "subjects": [
            "the banker",
            "a cautious investor",
            "the accountant",
            "our landlord",
            "the startup founder",
            "an elderly saver",
        ],
        "predicates": [
            ("buy", "buys", "bought", "bought", "shares in a mining company", True),
            ("sell", "sells", "sold", "sold", "the family house", False),
            ("borrow", "borrows", "borrowed", "borrowed", "a large sum from the bank", False),
            ("audit", "audits", "audited", "audited", "the quarterly accounts", True),
            ("raise", "raises", "raised", "raised", "the monthly rent", False),
            ("invest", "invests", "invested", "invested", "the pension savings", True),
        ],
        "despite": ["the falling markets", "a rise in interest rates", "the gloomy forecasts", "a tax audit"],
        "relative": [
            "who distrusts the stock market",
            "who inherited a fortune",
            "who reads the financial news",
            "who saves every coin",
        ],
    },
}
TENSES = ("past", "present", "future")
FRAMES = ("plain", "time", "despite", "relative", "passive", "question")
TIME_ADVERBS = {
    "past": ["Yesterday", "Last winter", "Two years ago", "On Monday"],
    "present": ["Every morning", "Usually", "These days", "On weekends"],
    "future": ["Tomorrow", "Next spring", "Later this week", "In a few days"],
}
NEGATION_FORMS = ("not", "contracted", "never")


def _cap(s: str) -> str:
    return s[0].upper() + s[1:]


def _verb_phrase(pred: tuple, tense: str, negation: str | None, variant: int) -> str:
    """The finite verb (and auxiliaries) of an active sentence with a 3rd-person singular subject."""
    base, third, past, _, _, _ = pred
    going = variant % 2 == 1  # half of the future sentences use "is going to"
    if negation is None:
        return {"past": past, "present": third, "future": f"is going to {base}" if going else f"will {base}"}[tense]
    if negation == "never":
        return {
            "past": f"never {past}",
            "present": f"never {third}",
            "future": f"is never going to {base}" if going else f"will never {base}",
        }[tense]
    if negation == "contracted":
        return {
            "past": f"didn't {base}",
            "present": f"doesn't {base}",
            "future": f"isn't going to {base}" if going else f"won't {base}",
        }[tense]
    return {
        "past": f"did not {base}",
        "present": f"does not {base}",
        "future": f"is not going to {base}" if going else f"will not {base}",
    }[tense]


def _passive(subject: str, pred: tuple, tense: str, negated: bool) -> str:
    _, _, _, participle, obj, plural = pred
    be = {"past": "were" if plural else "was", "present": "are" if plural else "is", "future": "will be"}[tense]
    if negated:
        be = "will not be" if tense == "future" else f"{be} not"
    return f"{_cap(obj)} {be} {participle} by {subject}."


def _question(subject: str, pred: tuple, tense: str, negated: bool) -> str:
    base, _, _, _, obj, _ = pred
    aux = {"past": "Did", "present": "Does", "future": "Will"}[tense]
    if negated:
        aux = {"past": "Didn't", "present": "Doesn't", "future": "Won't"}[tense]
    return f"{aux} {subject} {base} {obj}?"


def compose(topic: str, subject: str, pred: tuple, tense: str, negated: bool, frame: str, variant: int) -> str:
    """One sentence of the set (``variant`` picks the adverbial, clause and negation form)."""
    t = TOPICS[topic]
    negation = NEGATION_FORMS[variant % len(NEGATION_FORMS)] if negated else None
    if frame == "passive":
        return _passive(subject, pred, tense, negated)
    if frame == "question":
        return _question(subject, pred, tense, negated)
    vp = f"{_verb_phrase(pred, tense, negation, variant)} {pred[4]}"
    if frame == "time":
        return f"{TIME_ADVERBS[tense][variant % 4]}, {subject} {vp}."
    if frame == "despite":
        return f"{_cap(subject)} {vp} despite {t['despite'][variant % 4]}."
    if frame == "relative":
        return f"{_cap(subject)}, {t['relative'][variant % 4]}, {vp}."
    return f"{_cap(subject)} {vp}."


def build_sentences() -> pd.DataFrame:
    """The sentence set: index ``stimulus_id``; columns ``text``, ``topic``, ``tense``, ``negation``, ``frame``,
    ``subject``, ``verb``. Frames are spread evenly over every (topic, tense, negation) cell."""
    rng = np.random.default_rng(19)
    rows = []
    for topic, t in TOPICS.items():
        for tense in TENSES:
            for negated in (False, True):
                cell = [(s, p) for s in t["subjects"] for p in t["predicates"]]
                frames = np.resize(np.asarray(FRAMES), len(cell))[rng.permutation(len(cell))]
                variants = rng.integers(0, 12, size=len(cell))
                for (subject, pred), frame, variant in zip(cell, frames, variants):
                    rows.append(
                        {
                            "text": compose(topic, subject, pred, tense, negated, str(frame), int(variant)),
                            "topic": topic,
                            "tense": tense,
                            "negation": "yes" if negated else "no",
                            "frame": str(frame),
                            "subject": subject,
                            "verb": pred[0],
                        }
                    )
    frame = pd.DataFrame(rows)
    frame.index = pd.Index([f"sent-{i:04d}" for i in range(len(frame))], name="stimulus_id")
    return frame


STOP_WORDS = frozenset(
    "a an the of on in at by to for from with and or but not never is are was were be will won't didn't doesn't "
    "isn't did does going who this that these those every our my his her their its into along over before after "
    "despite about than some any".split()
)


def content_words(sentences: pd.DataFrame | None = None, min_length: int = 3) -> pd.DataFrame:
    """The content words of the sentence set, lower case, each once (index ``stimulus_id`` ``word-0000`` ...).

    Columns: ``text`` (the word), ``topic`` (the topic whose sentences use it most; ``shared`` when several
    topics use it equally), ``n_sentences`` (how many sentences contain it), ``verb`` (yes when it is a verb form of
    the set's predicates). Sorted by word, so the order is fixed.
    """
    sentences = build_sentences() if sentences is None else sentences
    verb_forms = {form.lower() for t in TOPICS.values() for p in t["predicates"] for form in p[:4]}
    by_topic: dict[str, Counter] = defaultdict(Counter)
    for text, topic in zip(sentences["text"], sentences["topic"]):
        for w in set(re.findall(r"[a-z][a-z'-]*", text.lower())):
            if len(w) >= min_length and w not in STOP_WORDS:
                by_topic[w][topic] += 1
    rows = []
    for w in sorted(by_topic):
        counts = by_topic[w].most_common()
        top = counts[0][0] if len(counts) == 1 or counts[0][1] > counts[1][1] else "shared"
        rows.append(
            {
                "text": w,
                "topic": top,
                "n_sentences": int(sum(by_topic[w].values())),
                "verb": "yes" if w in verb_forms else "no",
            }
        )
    frame = pd.DataFrame(rows)
    frame.index = pd.Index([f"word-{i:04d}" for i in range(len(frame))], name="stimulus_id")
    return frame
