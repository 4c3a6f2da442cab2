"""``manage.py bench_scheduler`` on its quick setting returns a sane JSON report."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from events import scheduling_bench


def test_quick_report_is_sane():
    out, err = StringIO(), StringIO()
    call_command("bench_scheduler", "--quick", stdout=out, stderr=err)
    report = json.loads(out.getvalue())
    assert "n=40" in err.getvalue()  # progress on stderr, the JSON alone on stdout
    assert set(report) == {"machine", "settings", "summary", "targets", "runs"}
    families = {(r["instance"]["family"], r["instance"]["graph"], r["instance"]["tables_factor"])
                for r in report["runs"]}  # fmt: skip
    assert families == {
        ("default", "bipartite", 1.1), ("default", "bipartite", 0.9),
        ("default", "general", 1.1), ("default", "general", 0.9), ("konig", "bipartite", None),
    }  # fmt: skip
    for run in report["runs"]:
        bound, sched, base = run["bound"], run["scheduler"], run["first_fit"]
        assert sched["violations"] == base["violations"] == 0
        assert 0 < sched["ratio"] <= 1
        assert sched["weight"] >= base["weight"]
        assert bound["best"] <= bound["capacity"]
        assert bound["lp_aggregated"] is not None
        assert bound["lp_slot_indexed"]["status"] in ("optimal", "time limit", "failed")
        assert sched["seconds_median"] >= 0 and run["peak_rss_mib"] > 0
        assert set(run["variants"]) == set(scheduling_bench.VARIANTS)
    konig = next(r for r in report["runs"] if r["instance"]["family"] == "konig")
    assert konig["scheduler"]["weight"] == konig["optimum"]
    assert all(value in (True, None) for value in report["targets"].values())
    assert len(report["summary"]) == len(report["runs"])


def test_one_instance_in_a_fresh_process():
    spec = {"family": "default", "graph": "general", "participants": 20, "slots": 18,
            "tables_factor": 0.9, "seed": 3}  # fmt: skip
    row = scheduling_bench.measure_in_subprocess(spec, repeats=2, time_limit=5.0)
    assert row["instance"]["participants"] == 20
    assert len(row["scheduler"]["seconds"]) == 2
    assert row["scheduler"]["same_weight_every_repeat"]
    assert row["scheduler"]["violations"] == 0


@pytest.mark.parametrize("args", [["--sizes", "a,b"], ["--slots", "0"], ["--repeats", "0"]])
def test_bad_options_are_refused(args):
    with pytest.raises(CommandError):
        call_command("bench_scheduler", *args, stdout=StringIO(), stderr=StringIO())
