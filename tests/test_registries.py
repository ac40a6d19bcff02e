"""Allowed names are declared once, in the core registries: the API schema is built from them, and the command
line (which must start without the heavy modules that hold them) keeps short lists checked here."""

from __future__ import annotations

import argparse
import typing

import pytest

from topoalign.align.audit_plan import ANALYSES
from topoalign.align.score import METRICS as ALIGN_METRICS
from topoalign.api.schemas import align as align_schema
from topoalign.api.schemas import graphs as graph_schema
from topoalign import cli
from topoalign.api.schemas import common as common_schema
from topoalign.cli import build_parser
from topoalign.io.reduce import CONV_RULES, SEQ_RULES
from topoalign.mapper.cluster import CLUSTERERS, NOISE_RULES
from topoalign.mapper.cover import COVERS
from topoalign.mapper.lens import LENSES
from topoalign.mapper.neighbors import METRICS
from topoalign.mapper.service import AUTO_STRATEGIES


def _choices(command: str, option: str) -> list[str]:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return list(next(a for a in sub.choices[command]._actions if option in a.option_strings).choices)


@pytest.mark.parametrize(
    "alias,registry",
    [
        (graph_schema.LensKind, [k for k in LENSES if k != "values"]),
        (graph_schema.CoverKind, list(COVERS)),
        (graph_schema.ClustererKind, list(CLUSTERERS)),
        (graph_schema.NoiseRule, list(NOISE_RULES)),
        (graph_schema.MetricName, list(METRICS)),
        (graph_schema.AutoStrategy, list(AUTO_STRATEGIES)),
        (align_schema.MetricName, list(ALIGN_METRICS)),
        (align_schema.AnalysisName, list(ANALYSES)),
    ],
)
def test_the_api_offers_exactly_the_registered_names(alias, registry):
    assert list(typing.get_args(alias)) == registry


def test_the_command_line_offers_the_registered_names():
    """(in the order the help shows them: the default first)"""
    assert set(_choices("align", "--metric")) == set(ALIGN_METRICS)
    assert set(_choices("audit", "--metrics")) == set(ALIGN_METRICS)
    assert set(_choices("audit", "--analyses")) == set(ANALYSES)
    assert set(_choices("mapper", "--cover")) == set(COVERS)
    # "agglomerative" is an alias of "single" in the registry; the command line offers the name once
    assert set(_choices("mapper", "--clusterer")) == {k for k in CLUSTERERS if k != "agglomerative"}
    assert set(_choices("mapper", "--noise")) == set(NOISE_RULES)
    assert set(_choices("mapper", "--metric")) == set(METRICS)
    assert set(_choices("mapper", "--auto")) == {*AUTO_STRATEGIES, "off"}
    assert (cli.CONV_RULES, cli.SEQ_RULES) == (CONV_RULES, SEQ_RULES)
    for command, verb in (("ingest", "reduce"), ("extract", "pool")):
        assert tuple(_choices(command, f"--{verb}-conv")) == CONV_RULES
        assert tuple(_choices(command, f"--{verb}-seq")) == SEQ_RULES


@pytest.mark.parametrize("rules,pattern", [(CONV_RULES, "CONV_RULE_PATTERN"), (SEQ_RULES, "SEQ_RULE_PATTERN")])
def test_the_api_forms_accept_exactly_the_reduction_rules(rules, pattern):
    import re

    regex = re.compile(getattr(common_schema, pattern))
    assert all(regex.match(rule) for rule in rules)
    assert not any(regex.match(other) for other in ("", "max", "gapx", "x" + rules[0], rules[0].upper()))


def test_an_audit_may_ask_for_every_metric_of_the_registry():
    """The audit form offers every metric; the request model must take all of them at once (it stopped at 7)."""
    assert align_schema.AuditIn(metrics=list(ALIGN_METRICS)).metrics == list(ALIGN_METRICS)
