"""A sentence set written for TopoAlign: 6 topics x 4 subjects x 4 predicates x 3 tenses x 2 polarities = 576.

Each sentence is labelled with the concepts it was built from: ``topic``, ``tense`` (past/present/future),
``negation`` (yes/no); ``subject`` and ``verb`` are kept too. Order and ids (``sent-0000`` ...) are fixed.
"""

from __future__ import annotations

import pandas as pd

# topic -> (subjects, predicates); a predicate is (base verb, 3rd-person present, past, rest of the sentence)
TOPICS: dict[str, tuple[list[str], list[tuple[str, str, str, str]]]] = {
    "sports": (
        ["The coach", "Our captain", "The young striker", "My neighbour"],
        [("play", "plays", "played", "the final match in the rain"),
         ("win", "wins", "won", "the regional tennis cup"),
         ("run", "runs", "ran", "ten laps around the stadium"),
         ("train", "trains", "trained", "with the national swimming team")],
    ),
    "food": (
        ["The chef", "My grandmother", "The baker", "Our host"],
        [("cook", "cooks", "cooked", "a spicy lentil soup"),
         ("bake", "bakes", "baked", "fresh bread before dawn"),
         ("serve", "serves", "served", "grilled fish with lemon"),
         ("taste", "tastes", "tasted", "the new chocolate dessert")],
    ),
    "science": (
        ["The chemist", "A young researcher", "The lab director", "Our physics teacher"],
        [("measure", "measures", "measured", "the speed of the falling ball"),
         ("publish", "publishes", "published", "a paper on cell division"),
         ("test", "tests", "tested", "the new vaccine on mice"),
         ("observe", "observes", "observed", "a distant comet through the telescope")],
    ),
    "travel": (
        ["The pilot", "My sister", "The tour guide", "An old sailor"],
        [("visit", "visits", "visited", "the ancient temples of Kyoto"),
         ("book", "books", "booked", "a cheap flight to Lisbon"),
         ("cross", "crosses", "crossed", "the desert by train"),
         ("explore", "explores", "explored", "the narrow streets of the harbour town")],
    ),
    "music": (
        ["The pianist", "Our band leader", "The choir", "A street musician"],
        [("perform", "performs", "performed", "a sonata by Schubert"),
         ("record", "records", "recorded", "a new album of folk songs"),
         ("sing", "sings", "sang", "an old lullaby for the crowd"),
         ("compose", "composes", "composed", "a short piece for violin")],
    ),
    "weather": (
        ["The forecaster", "The farmer", "A local reporter", "The harbour master"],
        [("predict", "predicts", "predicted", "heavy rain over the valley"),
         ("expect", "expects", "expected", "a cold front from the north"),
         ("report", "reports", "reported", "strong winds along the coast"),
         ("watch", "watches", "watched", "the storm clouds gather")],
    ),
}
TENSES = ("past", "present", "future")


def conjugate(subject: str, predicate: tuple[str, str, str, str], tense: str, negated: bool) -> str:
    """One sentence, e.g. ``The coach did not play the final match in the rain.``"""
    base, third, past, rest = predicate
    if tense == "past":
        verb = f"did not {base}" if negated else past
    elif tense == "present":
        verb = f"does not {base}" if negated else third
    else:
        verb = f"will not {base}" if negated else f"will {base}"
    return f"{subject} {verb} {rest}."


def build_sentences() -> pd.DataFrame:
    """The sentence set: index ``stimulus_id``; columns ``text``, ``topic``, ``tense``, ``negation``, ``subject``, ``verb``."""
    rows = []
    for topic, (subjects, predicates) in TOPICS.items():
        for subject in subjects:
            for predicate in predicates:
                for tense in TENSES:
                    for negated in (False, True):
                        rows.append({
                            "text": conjugate(subject, predicate, tense, negated),
                            "topic": topic,
                            "tense": tense,
                            "negation": "yes" if negated else "no",
                            "subject": subject,
                            "verb": predicate[0],
                        })
    frame = pd.DataFrame(rows)
    frame.index = pd.Index([f"sent-{i:04d}" for i in range(len(frame))], name="stimulus_id")
    return frame
