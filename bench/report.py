"""Render a results file of `make bench` as Markdown, for docs/performance.md.

.venv/bin/python -m bench.report bench/results/latest.json
"""

import json
import sys
from pathlib import Path


def _number(value, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "s":
        return f"{value:.3f} s" if value < 10 else f"{value:,.1f} s"
    if unit == "ms":
        return f"{value:.1f} ms"
    return f"{value:,.0f} {unit}".strip()


def render(results: dict) -> str:
    machine = results["machine"]
    world = results["world"]["rows"]
    lines = [
        f"Scale {results['scale']:g}, {results.get('batches', 1)} batch(es) (seed {results['seed']}): "
        f"{world.get('visits_visit', 0):,} visits, "
        f"{world.get('recipients_recipient', 0):,} recipients, {world.get('beds_familycarebed', 0):,} beds, "
        f"{world.get('beds_retrofititem', 0):,} retrofit items, {world.get('providers_caregiver', 0):,} caregivers; "
        f"{machine['nproc']} CPUs, {machine['memory_gb']} GB, PostgreSQL {machine['postgresql']}; "
        f"total run {results.get('total_seconds', 0) / 60:.1f} min.",
        "",
        "| Measurement | Value | Floor (same run) | Ratio | Target | Met |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for figure in results["figures"]:
        value = _number(figure["value"], figure["unit"]) if figure["value"] is not None else figure["note"]
        floor = ""
        if figure["floor"] is not None:
            floor = f"{_number(figure['floor'], figure['unit'])} ({figure['floor_label']})"
        ratio = f"{figure['ratio']:.2f}" if figure.get("ratio") is not None else ""
        met = {True: "yes", False: "**no**", None: "—"}[figure["met"]]
        lines.append(f"| {figure['label']} | {value} | {floor} | {ratio} | {figure['target']} | {met} |")
    sample = results.get("verify_visits_sample", {})
    lines += [
        "",
        f"verify_visits over {sample.get('sample', 0):,} random visits after the set-based set-up: "
        f"{'no change (agrees)' if sample.get('agrees') else 'CHANGES (disagrees)'}; "
        f"verify_rollups at the end: {results['final_verify_rollups']['differences']} differences.",
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    path = Path(argv[0] if argv else "bench/results/latest.json")
    print(render(json.loads(path.read_text(encoding="utf-8"))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
