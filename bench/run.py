"""`make bench [SCALE=0.01|0.1|1]`: build the national world on PostgreSQL, then measure it.

    .venv/bin/python -m bench.run --scale 0.01 [--batches 3] [--seed 2023] [--drop] [--no-load-test]

1. Start PostgreSQL on 127.0.0.1:5432 if it is not running; drop and recreate the database
   `eldercare_bench`, migrate, load the reference data (50 pilot areas).
2. Generate the world at the scale (bench.generate; with --batches N, N yearly batches sharing it),
   establish exceptions and countability (bench.verification), check the world is consistent and
   that verify_visits agrees on a sample.
3. Run every measurement (bench.measure) and the load test (bench.loadtest).
4. Print the table and write it as JSON to bench/results/<time>-scale-<scale>.json and latest.json.
The database is kept for re-measurement unless --drop is given; its size is printed.
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PG_HOST, PG_PORT = "127.0.0.1", 5432
DEFAULT_DATABASE = "eldercare_bench"


def log(message: str) -> None:
    print(message, flush=True)


def ensure_postgresql() -> None:
    """Start the local cluster if nothing answers on 127.0.0.1:5432 (as .ci/run does)."""
    ready = ["pg_isready", "-h", PG_HOST, "-p", str(PG_PORT), "-q"]
    if subprocess.run(ready, check=False).returncode == 0:
        return
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    log(f"Starting PostgreSQL {version}")
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=True)
    for _ in range(30):
        if subprocess.run(ready, check=False).returncode == 0:
            return
        time.sleep(1)
    raise SystemExit("PostgreSQL does not answer on 127.0.0.1:5432")


def server_url(database: str) -> str:
    return f"postgres://postgres@{PG_HOST}:{PG_PORT}/{database}"


def recreate_database(database: str) -> None:
    import psycopg

    with psycopg.connect(server_url("postgres"), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{database}"')


def drop_database(database: str) -> None:
    import psycopg

    with psycopg.connect(server_url("postgres"), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def configure_django(database: str) -> None:
    """Settings as production would have them, on the benchmark database.

    Celery publishes to an in-memory broker: a request only enqueues its recount, as it does with
    Redis in production; the measurements run the recounts themselves, where a worker would.
    """
    os.environ["DATABASE_URL"] = server_url(database)
    os.environ["DJANGO_SETTINGS_MODULE"] = "project.settings.base"
    os.environ["CELERY_BROKER_URL"] = "memory://"
    os.environ.pop("REDIS_URL", None)
    hosts = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost")
    os.environ["ALLOWED_HOSTS"] = f"{hosts},testserver"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def machine() -> dict:
    from django.db import connection

    memory_kb = 0
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                memory_kb = int(line.split()[1])
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
        settings = {}
        for name in ("shared_buffers", "work_mem", "maintenance_work_mem", "max_wal_size"):
            cursor.execute(f"SHOW {name}")
            settings[name] = cursor.fetchone()[0]
    import django

    return {
        "nproc": os.cpu_count(),
        "memory_gb": round(memory_kb / 2**20, 1),
        "postgresql": server,
        "postgresql_settings": settings,
        "python": platform.python_version(),
        "django": django.get_version(),
        "platform": platform.platform(),
    }


def database_size(database: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(%s))", [database])
        return cursor.fetchone()[0]


def vacuum_analyze() -> float:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    return time.perf_counter() - started


def print_table(figures: list) -> None:
    def number(value, unit=""):
        if value is None:
            return "—"
        if unit == "s":
            return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"
        if unit == "ms":
            return f"{value:.1f} ms"
        return f"{value:,.0f} {unit}".strip()

    rows = [("Measurement", "Value", "Floor", "Ratio", "Target", "Met")]
    for figure in figures:
        met = {True: "yes", False: "NO", None: "—"}[figure.met]
        rows.append(
            (
                figure.label,
                number(figure.value, figure.unit) if figure.value is not None else figure.note,
                number(figure.floor, figure.unit) + (f" ({figure.floor_label})" if figure.floor_label else "")
                if figure.floor is not None
                else "",
                f"{figure.ratio:.2f}" if figure.ratio is not None else "",
                figure.target,
                met,
            )
        )
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    line = "-+-".join("-" * width for width in widths)
    for index, row in enumerate(rows):
        log(" | ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))
        if index == 0:
            log(line)


def write_results(results: dict, scale: float, batches: int = 1) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    suffix = f"-batches-{batches}" if batches > 1 else ""
    path = RESULTS / f"{stamp}-scale-{scale:g}{suffix}.json"
    text = json.dumps(results, ensure_ascii=False, indent=2, default=str)
    path.write_text(text + "\n", encoding="utf-8")
    shutil.copyfile(path, RESULTS / "latest.json")
    return path


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.01, help="1 = 220,000 recipients and 6.6 million visits")
    parser.add_argument(
        "--batches",
        type=int,
        default=1,
        help="yearly batches accumulated (1-3): the scale's people and visits shared among them",
    )
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument("--sample", type=int, default=2000, help="visits re-checked with verify_visits")
    parser.add_argument("--drop", action="store_true", help="drop the benchmark database at the end")
    parser.add_argument("--no-load-test", action="store_true")
    parser.add_argument("--load-seconds", type=int, default=None, help="default: 60 at scale ≥ 0.1, else 20")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    began = time.perf_counter()
    ensure_postgresql()
    recreate_database(args.database)
    configure_django(args.database)

    from django.core.management import call_command

    from bench.figures import Figure, unavailable
    from bench.generate import WorldSize, check_world, generate_world
    from bench.loadtest import run_load_test
    from bench.measure import GROWTH_MEASUREMENTS, MEASUREMENTS, BenchContext
    from bench.verification import check_against_verify_visits, establish_verification
    from eldercare.rollups.verification import verify_all

    size = WorldSize.at(args.scale, batches=args.batches)
    log(f"eldercare benchmark: scale {args.scale:g}, {args.batches} batch(es) on PostgreSQL database {args.database}")
    call_command("migrate", verbosity=0)
    call_command("load_reference_data", verbosity=0)
    results: dict = {"scale": args.scale, "batches": args.batches, "seed": args.seed, "machine": machine()}

    log("1. Generating the world")
    started = time.perf_counter()
    established = []
    report = generate_world(
        size, seed=args.seed, log=log, before_indexes=lambda: established.append(establish_verification(log=log))
    )
    verification = established[0]
    analyze = vacuum_analyze()
    generation = time.perf_counter() - started
    world = check_world()
    log(f"  {report.visits:,} visits, {report.rows.get('recipients_recipient', 0):,} recipients in {generation:.0f} s")
    sample = check_against_verify_visits(sample=args.sample, seed=args.seed)
    log(
        f"  verify_visits over {sample.sample:,} random visits: {sample.seconds:.1f} s, "
        f"{'no change: agrees' if sample.agrees else 'CHANGES: disagrees'}"
    )
    results["world"] = {
        "rows": report.rows,
        "bench_day": report.bench_day,
        "nightly_day": report.nightly_day,
        "batches": report.batches,
        "exceptions_made": report.exceptions_made,
        "exceptions": verification.exceptions,
        "accepted_warnings": verification.accepted_warnings,
        "countable_visits": verification.countable_visits,
        "consistency": world,
    }
    results["verify_visits_sample"] = {**sample.__dict__, "agrees": sample.agrees}
    figures = [
        Figure(
            key="generation",
            label="Data generation (world, verification, ANALYZE)",
            value=generation,
            unit="s",
            target="≤ 300 s at scale 1",
            met=generation <= 300,
            detail={
                **{f"{name}_s": seconds for name, seconds in report.seconds.items()},
                "verification_s": verification.seconds,
                "verification_method": verification.method,
                "vacuum_analyze_s": analyze,
            },
        )
    ]

    log("2. Measurements")
    context = BenchContext(
        size=size, seed=args.seed, bench_day=report.bench_day, nightly_day=report.nightly_day, log=log
    )
    # A world of several batches is about growth: the recompute, a day's incremental, the dashboards
    # and the national exports at that size; the rest is measured on the one-batch world.
    growth = args.batches > 1
    for measurement in GROWTH_MEASUREMENTS if growth else MEASUREMENTS:
        log(f"- {measurement.__name__}")
        try:
            figures.extend(measurement(context))
        except Exception as error:  # one broken feature must not cost the other figures of a long run
            log(f"  failed: {type(error).__name__}: {error}")
            name = measurement.__name__.removeprefix("measure_")
            figures.append(unavailable(name, name.replace("_", " "), f"failed: {type(error).__name__}: {error}"[:300]))

    if args.no_load_test or growth:
        results["load_test"] = {"skipped": "--batches: a growth run" if growth else "--no-load-test"}
    else:
        log("3. Load test")
        seconds = args.load_seconds or (60 if args.scale >= 0.1 else 20)
        load = run_load_test(context, seconds=seconds, database_url=os.environ["DATABASE_URL"], log=log)
        results["load_test"] = load
        figures.extend(load.pop("figures", []))

    differences = verify_all()
    results["final_verify_rollups"] = {"differences": len(differences), "first": [str(d) for d in differences[:10]]}
    log(f"verify_rollups at the end: {'clean' if not differences else f'{len(differences)} differences'}")
    results["figures"] = [figure.as_dict() for figure in figures]
    results["database"] = {"name": args.database, "size": database_size(args.database), "dropped": args.drop}
    results["total_seconds"] = time.perf_counter() - began

    log("")
    print_table(figures)
    path = write_results(results, args.scale, args.batches)
    log(f"\nResults: {path.relative_to(ROOT)} (and bench/results/latest.json); total {results['total_seconds']:.0f} s")
    if args.drop:
        from django.db import connections

        connections.close_all()
        drop_database(args.database)
        log(f"Dropped database {args.database} ({results['database']['size']}).")
    else:
        log(f"Kept database {args.database} ({results['database']['size']}); `--drop` removes it at the end.")
    return 0 if sample.agrees and not differences else 1


if __name__ == "__main__":
    raise SystemExit(main())
