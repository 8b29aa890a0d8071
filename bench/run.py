"""zoomctl's benchmarks: one command, one table of measured numbers (medians, and ratios taken in
the same run). See BENCHMARKS.md for recorded runs.

    python3 bench/run.py                 # all four parts
    python3 bench/run.py --only startup  # or: report, bulk, users (comma-separated)

Set-up (first run, then reused): bench/.venv with zoomctl installed from --source (default:
this checkout) as a wheel, not editable; Debian's sqlite3 command for the report's floor
(installed with apt-get if missing). Nothing here is part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
VENV = BENCH / ".venv"
ROWS: list[tuple[str, str, str, str]] = []  # part, measure, value, ratio / target


def row(part: str, measure: str, value: str, note: str = "") -> None:
    ROWS.append((part, measure, value, note))
    print(f"  {part:<10} {measure:<46} {value:>14}  {note}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- set-up
def setup(source: Path, fresh: bool, venv: Path = VENV) -> Path:
    py = venv / "bin" / "python"
    if fresh and venv.exists():
        shutil.rmtree(venv)
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    stamp = venv / "installed-from"
    head = subprocess.run(["git", "-C", str(source), "rev-parse", "HEAD"], capture_output=True, text=True).stdout
    dirty = subprocess.run(
        ["git", "-C", str(source), "status", "--porcelain", "zoomctl", "pyproject.toml"], capture_output=True, text=True
    ).stdout
    want = f"{source}@{head.strip()}{'+dirty' if dirty else ''}"
    if not stamp.exists() or stamp.read_text() != want or dirty:
        subprocess.run(
            [str(py), "-m", "pip", "install", "-q", "--force-reinstall", "--no-deps", str(source)], check=True
        )
        subprocess.run([str(py), "-m", "pip", "install", "-q", f"{source}[postgres]"], check=True)
        stamp.write_text(want)
    if shutil.which("sqlite3") is None:
        subprocess.run(["sudo", "apt-get", "install", "-y", "-q", "sqlite3"], check=False)
    return py


def env_for(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZOOMCTL_")}
    env.update(
        ZOOMCTL_CONFIG_DIR=str(home / "config"), ZOOMCTL_DATA_DIR=str(home / "data"), HOME=str(home), NO_COLOR="1"
    )
    return env


def run_measured(argv: list[str], env: dict[str, str], stdout=subprocess.DEVNULL) -> tuple[float, int, int]:
    """Wall seconds, peak RSS (KiB) and exit status of one child process."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=stdout, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(proc.pid, 0)
    took = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr.read().decode(errors="replace"))
    proc.stderr.close()
    return took, usage.ru_maxrss, proc.returncode


# ----------------------------------------------------------------------------- 1. start-up
def startup(py: Path, runs: int) -> None:
    zoomctl = str(py.with_name("zoomctl"))
    subprocess.run([str(py), str(BENCH / "gen_bare_app.py")], check=True, capture_output=True)
    home = Path(tempfile.mkdtemp(prefix="zoomctl-bench-"))
    env = env_for(home)
    subprocess.run(
        [zoomctl, "company", "create", "Bench", "--timezone", "UTC", "--use"], env=env, check=True, capture_output=True
    )
    commands = {
        "floor: python -c 'import typer'": [str(py), "-c", "import typer"],
        "bare Typer app --help": [str(py), str(BENCH / "bare_app.py"), "--help"],
        "zoomctl --version": [zoomctl, "--version"],
        "zoomctl --help": [zoomctl, "--help"],
        "zoomctl services list --json": [zoomctl, "services", "list", "--json"],
        "bare Typer app services list --json": [str(py), str(BENCH / "bare_app.py"), "services", "list", "--json"],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(3):  # warm the page cache
        for argv in commands.values():
            run_measured(argv, env)
    for _ in range(runs):  # interleaved: each round runs every command once
        for name, argv in commands.items():
            took, _rss, code = run_measured(argv, env)
            assert code == 0, name
            times[name].append(took)
    med = {name: statistics.median(t) for name, t in times.items()}
    floor, bare = med["floor: python -c 'import typer'"], med["bare Typer app --help"]
    for name, value in med.items():
        note = ""
        if name == "zoomctl --version":
            note = f"{value / floor:.2f}x the floor (target <= 1.3)"
        elif name == "zoomctl --help":
            note = f"{value / bare:.2f}x the bare app (target <= 1.1)"
        elif name == "zoomctl services list --json":
            note = f"{value / floor:.2f}x the floor (target <= 1.5)"
        elif name.startswith("bare"):
            note = f"{value / floor:.2f}x the floor"
        row("start-up", name, f"{value * 1000:.1f} ms", note)
    shutil.rmtree(home, ignore_errors=True)


# ----------------------------------------------------------------------------- 2. report
def _inline(sql: str, params: list) -> str:
    parts = sql.split("?")
    assert len(parts) == len(params) + 1
    out = parts[0]
    for value, rest in zip(params, parts[1:], strict=True):
        out += (str(value) if isinstance(value, int) else "'" + str(value).replace("'", "''") + "'") + rest
    return out


def report(py: Path, sizes: list[int], runs: int) -> None:
    zoomctl = str(py.with_name("zoomctl"))
    home = Path(tempfile.mkdtemp(prefix="zoomctl-bench-"))
    env = env_for(home)
    has_cli = " report " in subprocess.run([zoomctl, "--help"], capture_output=True, text=True, env=env).stdout
    if not has_cli:
        row("report", "no `zoomctl report` in this build", "-", "run with --source CHECKOUT that has it")
        return
    peaks = {}
    for size in sizes:
        db = home / f"report-{size}.db"
        subprocess.run(
            [str(py), str(BENCH / "gen_workspace.py"), str(db), "--bookings", str(size)],
            env=env,
            check=True,
            capture_output=True,
        )
        probe = (
            "import json, sys\n"
            "from datetime import datetime, UTC\n"
            "from zoomctl.store.db import Store\n"
            "from zoomctl.store.report import ReportFilter, report_sql\n"
            "print(json.dumps(report_sql(1, ReportFilter(starts_from=datetime(2000, 1, 1, tzinfo=UTC),"
            " include_test=True))))\n"
        )
        sql, params = json.loads(
            subprocess.run([str(py), "-c", probe], capture_output=True, text=True, check=True).stdout
        )
        query = _inline(sql, params)
        base = [zoomctl, "--db", str(db), "--company", "bench-studio"]
        ours = {
            "json": [*base, "report", "--json", "--from", "2000-01-01", "--include-test"],
            "csv": [*base, "report", "--csv", "--from", "2000-01-01", "--include-test"],
        }
        floors = {"json": ["sqlite3", "-json", str(db), query], "csv": ["sqlite3", "-csv", "-header", str(db), query]}
        for fmt in ("json", "csv"):
            mine, rss, floor = [], [], []
            for _ in range(runs):
                took, peak, code = run_measured(ours[fmt], env)
                assert code == 0, ours[fmt]
                mine.append(took)
                rss.append(peak)
                took, _peak, code = run_measured(floors[fmt], env)
                assert code == 0
                floor.append(took)
            m, f, r = statistics.median(mine), statistics.median(floor), max(rss)
            peaks[(size, fmt)] = r
            target = " (target <= 1 s, <= 3x)" if size == 100_000 else ""
            label = f"report --{fmt} {size:,} bookings"
            row("report", label, f"{m:.2f} s", f"{m / f:.2f}x sqlite3 -{fmt} ({f:.2f} s){target}")
            row("report", f"  peak RSS --{fmt} {size:,}", f"{r / 1024:.0f} MiB")
    if sizes:
        report_postgres(zoomctl, env, home / f"report-{sizes[0]}.db", sizes[0], runs)
    if len(sizes) > 1:
        small, big = sizes[0], sizes[-1]
        for fmt in ("json", "csv"):
            row(
                "report",
                f"peak RSS {big:,} / {small:,} --{fmt}",
                f"{peaks[(big, fmt)] / peaks[(small, fmt)]:.2f}x",
                "(target <= 1.5)",
            )
    shutil.rmtree(home, ignore_errors=True)


def report_postgres(zoomctl: str, env: dict[str, str], sqlite_db: Path, size: int, runs: int) -> None:
    """The same workspace moved into a throw-away PostgreSQL cluster (`zoomctl db copy`), and the
    report read from there beside SQLite's (the cluster the test suite uses: tests/pgcluster.py)."""
    sys.path.insert(0, str(REPO / "tests"))
    import pgcluster

    try:
        cluster = pgcluster.Cluster()
        info = cluster.__enter__()
    except pgcluster.ClusterError as exc:
        row("report", "PostgreSQL", "-", f"no server: {exc}")
        return
    try:
        url = info.url
        copy = subprocess.run(
            [zoomctl, "--db", str(sqlite_db), "db", "copy", "--to", url], env=env, capture_output=True
        )
        if copy.returncode != 0:
            row("report", "PostgreSQL", "-", f"db copy failed: {copy.stderr.decode()[:80]}")
            return
        for fmt in ("json", "csv"):
            argv = [zoomctl, "--db", url, "--company", "bench-studio", "report", f"--{fmt}"]
            argv += ["--from", "2000-01-01", "--include-test"]
            took, rss = [], []
            sqlite_took = []
            for _ in range(runs):
                t, peak, code = run_measured(argv, env)
                assert code == 0, argv
                took.append(t)
                rss.append(peak)
                t, _peak, code = run_measured([*argv[:2], str(sqlite_db), *argv[3:]], env)
                sqlite_took.append(t)
            m, q = statistics.median(took), statistics.median(sqlite_took)
            row(
                "report",
                f"report --{fmt} {size:,} bookings, PostgreSQL",
                f"{m:.2f} s",
                f"{m / q:.2f}x SQLite ({q:.2f} s)",
            )
            row("report", f"  peak RSS --{fmt} {size:,}, PostgreSQL", f"{max(rss) / 1024:.0f} MiB")
    finally:
        cluster.__exit__(None, None, None)


# ----------------------------------------------------------------------------- 3. bulk provisioning
def _sandbox(users: int, **options):
    sys.path.insert(0, str(REPO))
    from zoomctl.sandbox import Sandbox, SandboxOptions

    return Sandbox(SandboxOptions(users=users, **options))


def _connect(sb, home: Path) -> dict[str, str]:
    env = env_for(home)
    app = sb.apps["s2s"]
    env.update(
        ZOOMCTL_ZOOM_OAUTH_URL=sb.oauth_base_url,
        ZOOMCTL_ZOOM_API_URL=sb.api_base_url,
        ZOOMCTL_ZOOM_ACCOUNT_ID=app["account_id"],
        ZOOMCTL_ZOOM_CLIENT_ID=app["client_id"],
        ZOOMCTL_ZOOM_CLIENT_SECRET=app["client_secret"],
    )
    return env


def bulk(py: Path, count: int, providers: int) -> None:
    zoomctl = str(py.with_name("zoomctl"))
    home = Path(tempfile.mkdtemp(prefix="zoomctl-bench-"))
    with _sandbox(providers + 5) as sb:
        env = _connect(sb, home)

        def z(*args: str) -> subprocess.CompletedProcess:
            done = subprocess.run([zoomctl, *args], env=env, capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(f"zoomctl {' '.join(args)}: {done.stderr}")
            return done

        z("company", "create", "Bulk Studio", "--timezone", "UTC", "--use")
        z("feature", "enable")
        with sb.world.lock:
            licensed = [u["email"] for u in sb.world.users.values() if u["type"] == 2 and u["status"] == "active"]
        names = []
        for n, email in enumerate(licensed[:providers], start=1):
            names.append(f"Provider {n}")
            z("providers", "add", names[-1], "--email", email)
            z("providers", "assign", names[-1], "--zoom-user", email)
        z("services", "add", "CI lesson", "--duration", "30", *[x for name in names for x in ("--provider", name)])
        z("services", "online", "CI lesson", "--on")
        sb.reset_stats()
        seen: list[float] = []
        stop = threading.Event()

        def watch() -> None:  # when the sandbox saw the first and the last create
            last = 0
            while not stop.is_set():
                now = sb.stats().get("meetingCreate", 0)
                if now and not seen:
                    seen.append(time.perf_counter())
                if now != last:
                    last = now
                    if seen:
                        seen[1:] = [time.perf_counter()]
                time.sleep(0.005)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        out = home / "made.json"
        with out.open("w") as sink:
            took, _rss, code = run_measured(
                [zoomctl, "bookings", "create", "--test", "--count", str(count), "--service", "CI lesson", "--json"],
                env,
                stdout=sink,
            )
        stop.set()
        watcher.join()
        made = json.loads(out.read_text()) if code == 0 else []
        creates = sb.stats().get("meetingCreate", 0)
        refused = sum(sb.throttled().values())
        with sb.world.lock:
            meetings = list(sb.world.meetings.values())
        failed = sum(1 for b in made if b["meeting"]["status"] != "created") + (count - len(made))
        ids = [b["meeting"]["zoom_meeting_id"] for b in made]
        duplicates = (len(meetings) - len(set(ids))) + (len(ids) - len(set(ids)))
        span = seen[1] - seen[0] if len(seen) == 2 else took
        rate = (creates - 1) / span if span > 0 else 0.0
        row("bulk", f"bookings create --test --count {count} ({providers} providers)", f"{took:.1f} s", f"exit {code}")
        row(
            "bulk",
            "  meeting creates per second at the sandbox",
            f"{rate:.1f}/s",
            f"{rate / 30:.3f} of Pro's 30/s (target >= 0.95)",
        )
        row(
            "bulk",
            "  429 answers",
            f"{refused}",
            f"{refused / max(creates, 1):.2%} of {creates} requests (target <= 1 %)",
        )
        row("bulk", "  failures / duplicate meetings", f"{failed} / {duplicates}", "(target 0 / 0)")
    shutil.rmtree(home, ignore_errors=True)


# ----------------------------------------------------------------------------- 4. listing users
def users(py: Path, count: int) -> None:
    zoomctl = str(py.with_name("zoomctl"))
    home = Path(tempfile.mkdtemp(prefix="zoomctl-bench-"))
    with _sandbox(5) as sb:
        with sb.world.lock:
            template = next(u for u in sb.world.users.values() if u["role_name"] != "Owner")
            have = sum(1 for u in sb.world.users.values() if u["status"] == "active")
            for n in range(count - have):
                uid = f"bench{n:06d}"
                sb.world.users[uid] = {
                    **template,
                    "id": uid,
                    "email": f"user{n}@bench.example",
                    "display_name": f"User {n}",
                    "pmi": 6_000_000_000 + n,
                }
        env = _connect(sb, home)
        subprocess.run(
            [zoomctl, "company", "create", "Users", "--timezone", "UTC", "--use"],
            env=env,
            check=True,
            capture_output=True,
        )
        times, requests = [], []
        for _ in range(3):
            sb.reset_stats()
            took, _rss, code = run_measured([zoomctl, "zoom", "users", "--json"], env)
            assert code == 0
            times.append(took)
            requests.append(sb.stats().get("users", 0))
        row(
            "users",
            f"zoom users --json ({count:,} users)",
            f"{statistics.median(times):.2f} s",
            f"{max(requests)} requests (minimum {-(-count // 300)} at 300 a page)",
        )
    shutil.rmtree(home, ignore_errors=True)


# ----------------------------------------------------------------------------- main
def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kib / 1024 / 1024:.1f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{cpu}, {os.cpu_count()} CPUs{mem}; {platform.system()} {platform.release()}; Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description="zoomctl's benchmarks (one table).")
    parser.add_argument("--only", default="startup,report,bulk,users")
    parser.add_argument("--source", type=Path, default=REPO, help="the checkout to install and measure")
    parser.add_argument("--fresh", action="store_true", help="rebuild the bench venv")
    parser.add_argument("--venv", type=Path, default=VENV, help="where to install it (default bench/.venv)")
    parser.add_argument("--runs", type=int, default=25, help="start-up runs per command (>= 20)")
    parser.add_argument("--report-runs", type=int, default=3)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--users", type=int, default=10_000)
    args = parser.parse_args()
    parts = args.only.split(",")
    py = setup(args.source.resolve(), args.fresh, args.venv.resolve())
    version = subprocess.run([str(py.with_name("zoomctl")), "--version"], capture_output=True, text=True).stdout
    print(
        f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} — {version.strip()} from {args.source}",
        file=sys.stderr,
    )
    print(f"# {machine()}", file=sys.stderr)
    if "startup" in parts:
        startup(py, args.runs)
    if "report" in parts:
        report(py, [int(s) for s in args.sizes.split(",")], args.report_runs)
    if "bulk" in parts:
        bulk(py, args.count, 20)
    if "users" in parts:
        users(py, args.users)
    print(f"\nzoomctl benchmarks, {time.strftime('%Y-%m-%d', time.gmtime())}: {machine()}\n")
    print("| Part | Measure | Median | Ratio / target |")
    print("|---|---|---|---|")
    for part, measure, value, note in ROWS:
        print(f"| {part} | {measure.strip()} | {value} | {note} |")


if __name__ == "__main__":
    main()
