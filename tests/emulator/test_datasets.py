"""The demo dataset's promised shape, and the benchmark generator (docs/emulator.md)."""

import collections
import re

from conftest import CHECKPOINTS, RUNS, SIMULATIONS, get_all, parse_time


def demo(emu):
    return (
        get_all(emu, SIMULATIONS),
        get_all(emu, RUNS),
        get_all(emu, CHECKPOINTS),
    )


def test_demo_size_and_states(emu):
    sims, runs, checkpoints = demo(emu)

    assert len(sims) >= 50 and len(checkpoints) >= 2000
    assert {item["state"] for item in checkpoints} == {"PENDING", "COMPLETE", "DELETED"}
    assert any(item["favorite"] for item in checkpoints)
    runs_per_sim = collections.Counter(run["simulation"] for run in runs)
    assert sum(1 for count in runs_per_sim.values() if count >= 3) >= 40


def test_demo_has_awkward_names(emu):
    sims, runs, checkpoints = demo(emu)
    run_sim = {run["id"]: run["simulation"] for run in runs}
    names = [item["name"] for item in checkpoints]

    per_sim = collections.Counter((run_sim[i["run"]], i["name"]) for i in checkpoints)
    assert any(count > 1 for count in per_sim.values())  # duplicates within a simulation
    assert any(len(name) == 128 for name in names)
    assert any(not name.isascii() for name in names)
    assert any(len(name) == 128 and not name.isascii() for name in names)
    assert len([s for s in sims if s["name"] == "duplicate-name"]) == 2
    # "Checkpoint 10" sorts before "Checkpoint 9" as text, yet is the newer of the two.
    numbered = collections.defaultdict(dict)
    for item in checkpoints:
        if item["name"] in ("Checkpoint 9", "Checkpoint 10"):
            numbered[run_sim[item["run"]]][item["name"]] = parse_time(item["created"])
    pairs = [times for times in numbered.values() if len(times) == 2]
    assert pairs and all(t["Checkpoint 10"] > t["Checkpoint 9"] for t in pairs)


def test_demo_timestamps_mix_offsets_and_fraction_lengths(emu):
    _sims, _runs, checkpoints = demo(emu)
    stamps = [item["created"] for item in checkpoints] + [i["modified"] for i in checkpoints]

    zones = {re.search(r"(Z|[+-]\d\d:\d\d)$", s).group(1) for s in stamps}
    fractions = {len(m.group(1)) if (m := re.search(r"\.(\d+)", s)) else 0 for s in stamps}
    assert "Z" in zones and {"+02:00", "-05:00"} <= zones
    assert {0, 3, 6} <= fractions
    canonical = [s for s in stamps if re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", s)]
    assert len(canonical) > len(stamps) / 2


def test_demo_spans_a_year_ending_at_the_anchor(emu):
    _sims, _runs, checkpoints = demo(emu)
    times = sorted(parse_time(item["created"]) for item in checkpoints)

    assert (times[-1] - times[0]).days >= 300
    assert times[-1].date().isoformat() <= "2026-01-15"
    assert (parse_time("2026-01-15T00:00:00Z") - times[-1]).days <= 3


def test_demo_has_empty_and_no_complete_simulations(emu):
    sims = get_all(emu, SIMULATIONS)

    def states(sim):
        return {i["state"] for i in get_all(emu, CHECKPOINTS, {"simulation": sim["id"]})}

    empty = [s for s in sims if s["name"].startswith(("empty-", "Ωmega-empty"))]
    by_name = {sim["name"]: sim for sim in sims}
    assert len(empty) >= 3 and all(states(sim) == set() for sim in empty)
    assert states(by_name["only-pending-and-deleted"]) == {"PENDING", "DELETED"}
    assert states(by_name["only-deleted"]) == {"DELETED"}
    assert by_name["only-deleted"]["complete_checkpoint_count"] == 0


def test_demo_is_deterministic_for_seed_and_anchor(custom):
    first = demo(custom)

    custom.load("demo")
    again = demo(custom)

    assert again == first


def test_generator_sizes_and_all_complete_option(custom):
    custom.load(generate={"simulations": 7, "checkpoints": 501, "favorite_ratio": 0.5, "seed": 9})
    sims, _runs, checkpoints = demo(custom)

    assert len(sims) == 7 and len(checkpoints) == 501
    assert {item["state"] for item in checkpoints} <= {"COMPLETE", "DELETED"}
    assert 150 < sum(item["favorite"] for item in checkpoints) < 350

    custom.load(generate={"simulations": 2, "checkpoints": 40, "states": "complete", "seed": 9})
    assert {item["state"] for item in demo(custom)[2]} == {"COMPLETE"}
