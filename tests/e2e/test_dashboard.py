"""The dashboard in a real headless Chromium, against a real server over the quick demo.

One walk-through (frontend/e2e/flow.mjs) drives the page; each test checks one view from its report.
"""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from fixtures import step

pytestmark = pytest.mark.e2e
SVG = "{http://www.w3.org/2000/svg}"


def test_bare_address_opens_the_prepared_case_with_regions_and_the_audit_link(e2e_report):
    s = step(e2e_report, "landing")
    assert "all-MiniLM-L6-v2" in s["title"]  # the quick demo has one sentence model: its first and last layers
    assert len(s["panels"]) == 2 and all(n > 0 for n in s["panels"])
    assert s["regions"] >= 1 and "#/home" in s["hash"] and "g=" in s["hash"] and "col=topic" in s["hash"]
    assert s["auditCollection"] == "mnist"


def test_data_view_lists_the_demo(e2e_report):
    s = step(e2e_report, "data")
    assert {"mnist", "sentences", "words"} <= set(s["collections"])
    assert s["representations"] >= 2


def test_build_two_minilm_layers(e2e_report):
    s = step(e2e_report, "build")
    assert len(s["graphs"]) == 2 and all(s["graphs"])
    # the defaults choose the cover and scale from the data: every stimulus placed, the reason shown
    assert s["fieldsDisabledInAuto"] is True
    assert s["coverage"] == ["100%", "100%"]
    assert len(s["reasons"]) == 2 and all("components" in r and "Chose" in r for r in s["reasons"])


def test_aligned_graphs_linked_brushing_and_url_state(e2e_report):
    s = step(e2e_report, "graphs")
    assert len(s["panels"]) == 2 and all(n > 0 for n in s["panels"])
    # the clicked node is selected in its panel; its corresponding node is selected in the other one
    assert [m["selected"] for m in s["marks"]] == [1, 1]
    assert all(m["linked"] + m["selected"] > 0 and m["dim"] > 0 for m in s["marks"])
    assert "stimuli" in s["tooltip"]
    assert "node=" in s["url"] and s["reproduced"] == 2
    assert s["overlayPanels"] == 1


def test_clicked_node_rings_its_backend_partners(e2e_report):
    s = step(e2e_report, "graphs")["partners"]
    assert s["expected"], "the backend found no partner for the clicked node"
    shown = {p["id"]: p["best"] for p in s["shown"]}
    assert set(shown) == set(s["expected"])  # exactly the partners POST /api/topo/compare reports
    assert [i for i, best in shown.items() if best] == [s["expected"][0]]  # the best one is the selected ring


def test_lasso_selects_the_nodes_inside_and_brushes_every_graph(e2e_report):
    s = step(e2e_report, "lasso")
    assert s["expected"] >= 1 and s["label"] == f"lasso: {s['expected']} nodes"
    first, second = s["marks"]
    assert first["linked"] >= s["expected"] and first["dim"] > 0 and first["selected"] == 0
    assert second["linked"] >= 1  # the same stimuli in the other graph
    assert s["stillOn"] == 0  # the Lasso button turns the mode off again


def test_parameter_bar_rebuilds_both_graphs_and_layout_in_one_job(e2e_report):
    s = step(e2e_report, "param_bar")
    # a cover edit fixes the cover (the scale stays automatic); back to the automatic choice: the same cached graphs
    assert s["rebuilt"] != s["before"] and s["back"] == s["before"]
    assert s["shownIntervals"] and s["shownIntervals"] != "10"  # the field starts at the cover chosen for the data
    assert s["representations"] == s["pair"] and s["intervals"] == [5, 5]
    assert s["nodes"] == s["nodesInJson"] and s["badge"] == "joint layout"
    # one aligned request per change, no separate build or layout requests (the layout came with the job)
    assert s["firstRequests"] == ["/api/graphs/aligned"]
    assert s["requests"] == ["/api/graphs/aligned", "/api/graphs/aligned"]
    assert any("+ joint layout" in label for label in s["jobLabels"])


def test_bubble_sets_in_both_panels_and_membranes(e2e_report):
    s = step(e2e_report, "regions")
    assert s["regions"] >= 1
    assert len(s["bubbles"]) == 2 and all(b >= 1 for b in s["bubbles"]), s["bubbles"]
    assert all(m >= 1 for m in s["membranes"]) and all(h >= 1 for h in s["hulls"])
    # every drawn region outline is a Bubble Sets contour (with or without the nearby nodes as obstacles), a padded
    # hull only in the rare case neither closes
    o = s["outlines"]
    assert o["total"] >= 2 and o["hulls"] <= o["total"] // 4, o


def test_cycle_and_concept_motif_queries(e2e_report):
    s = step(e2e_report, "motifs")
    assert s["cycles"] >= 1 and s["highlighted"] >= 3
    assert s["concept"]["matches"] >= 1


def test_drawn_pattern_motif_query(e2e_report):
    s = step(e2e_report, "motifs")["pattern"]
    assert s["drawn"] == {"nodes": 3, "edges": 2}
    assert "pattern:0-1;1-2" in s["hash"]  # the drawn pattern is in the URL state
    assert s["matches"] >= 1 and s["highlighted"] >= 3 and s["edges"] >= 2


def test_svg_export_is_valid_and_contains_the_nodes(e2e_report):
    s = step(e2e_report, "export")
    root = ET.parse(Path(s["svg"])).getroot()
    assert root.tag == f"{SVG}svg"
    circles = root.findall(f".//{SVG}circle")
    assert len(circles) >= s["nodesOnPage"] > 0
    assert all("class" not in c.attrib for c in circles)  # styles inlined, no stylesheet needed
    assert (Path(s["svg"]).parent / "export.png").stat().st_size > 1000


def test_audit_figures_findings_and_a_non_first_heatmap(e2e_report):
    s = step(e2e_report, "audit")
    assert {"depth", "layers", "epochs"} <= set(s["figures"])
    # Fig. 1: every metric panel has its mean +- sd band, the untrained band and the chance line
    assert s["depth"] and all(d["bands"] == 1 and d["random"] == 1 and d["chance"] == 1 for d in s["depth"])
    # Fig. 2: the pair between the two models and each model with itself, with row / column maximum profiles
    assert len(s["heatmaps"]) >= 3 and s["profiles"] == 2 * len(s["heatmaps"]) and s["cells"] >= 4
    assert {f["id"] for f in s["findings"]} >= {
        "ordering",
        "above_random",
        "above_chance",
        "depth_trend",
        "early_epoch",
        "ood_depth",
        "ood_performance",
    }
    assert all(f["holds"] in ("true", "false", "null") and f["text"] for f in s["findings"])
    md = Path(s["findingsMd"]).read_text()
    assert md.startswith("# Convergent-learning findings") and "| `ordering` |" in md
    for fig, files in s["exported"].items():
        root = ET.parse(files["svg"]).getroot()
        assert root.tag == f"{SVG}svg" and root.findall(f".//{SVG}svg"), fig
        rows = list(csv.DictReader(open(files["csv"])))
        assert rows, fig
    if s["epochsX"] is not None:
        assert "accuracy" in s["epochsX"]
    assert s["openedPair"][0] != s["openedPair"][1]
    assert "#/graphs" in s["opened"] and s["panels"] == 2


def test_digit_thumbnails_in_tooltip_and_sample_list(e2e_report):
    s = step(e2e_report, "digits_thumbnails")
    thumbs = s["tooltipThumbs"]
    assert thumbs and all(t["w"] == 28 and t["h"] == 28 for t in thumbs)
    assert all(0 < t["lit"] < 28 * 28 for t in thumbs)  # painted digits: some pixels on, some off
    assert s["listThumbs"] >= 3 and "class" in s["listText"]


def test_malformed_upload_shows_its_error(e2e_report):
    s = step(e2e_report, "upload_error")
    assert "broken.npy" in s["message"] and "npy" in s["message"].lower()


def test_no_script_errors(e2e_report):
    errors = [m for m in e2e_report["console"] if "pageerror" in m]
    assert not errors, errors
