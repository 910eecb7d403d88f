"""Cold start per function: each handler imported in a fresh process, with and without .pyc, beside all packages.

    python -m bench.coldstart [--repeat 5] [--python .venv-runtime/<hash>/bin/python]

Every Lambda handler of infra/template.yaml is imported by `python -X importtime -c "import <module>"` in a fresh
child, with a fake value for each setting its env.py requires, fake credentials and AWS_ENDPOINT_URL on a local SSM
stand-in (an import that calls AWS is counted in the `AWS` column; nothing leaves the machine). Per child: CPU (user +
system, from getrusage of the children), wall, and the import-time self milliseconds summed by top-level package.
*with .pyc*: the bytecode caches written by a first, unmeasured import; *without*: PYTHONDONTWRITEBYTECODE and an
empty PYTHONPYCACHEPREFIX, so every module not frozen into the interpreter (the standard library's too) is compiled
from source. The baseline, *all packages*, imports every runtime dependency of pyproject.toml and every handler in
one process; *shared floor* is what every handler imports whatever it does. Each figure is the median of `--repeat`
runs, the targets interleaved. Nothing is asserted on time.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

from bench.report import save
from shared.adapters.secrets import PORT_VARIABLE

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "infra" / "template.yaml"
ALL = "all packages"
FLOOR = "shared floor"  # what every handler imports: settings (pydantic-settings), the Logger, pynamodb's models
FLOOR_MODULES = (
    "shared.settings",
    "shared.observability",
    "shared.db.models",
    "aws_lambda_powertools.utilities.typing",
)
PYPROJECT = ROOT / "pyproject.toml"
IMPORT_NAMES = {"pyyaml": "yaml", "fpdf2": "fpdf"}  # runtime dependencies whose module is named otherwise
# What the code imports that those packages' top level leaves out, and pydantic's email extra.
PIECES = (
    "pynamodb.models", "slack_bolt.adapter.aws_lambda", "aws_lambda_powertools.utilities.parser",
    "aws_lambda_powertools.utilities.parameters", "aws_lambda_powertools.utilities.typing", "email_validator",
)  # fmt: skip
AWS = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
    "LOG_LEVEL": "INFO",  # the template's Globals
}
IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| ( *)(\S+)")
SLACK_GOAL_MS = 250
ACK_PATHS = {"cold": "without SnapStart", "restored": "with SnapStart"}  # bench.slack_ack's two ways
RATIO_GOAL = 0.40
LATE = ("holidays", "aws_xray_sdk")  # imported on first use (holidays) or never (no Tracer): in no cold start


@dataclass
class Sample:
    cpu_ms: float
    wall_ms: float
    import_ms: float  # the cumulative import time of the top-level imports, as -X importtime reports it
    packages: dict[str, float]  # self import ms by top-level package
    aws_calls: int
    extension_calls: int = 0  # requests to the parameters extension (local on Lambda)


@dataclass
class Result:
    target: str
    cached: dict[str, Sample] = field(default_factory=dict)  # "pyc" / "source": the median sample
    runs: dict[str, list[Sample]] = field(default_factory=dict)


class SsmStandIn(BaseHTTPRequestHandler):
    """Answers SSM's GetParameter(s) (POST) and the parameters extension's GET with a fake SecureString per name,
    and Lambda's asynchronous Invoke (Bolt's lazy self-invoke) with 202; counts each: `calls` the AWS calls,
    `extension` the local requests a function with the extension makes."""

    calls: ClassVar[Counter[str]] = Counter()
    extension: ClassVar[Counter[str]] = Counter()

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        if self.path.startswith("/2015-03-31/functions/"):
            SsmStandIn.calls["Lambda.Invoke"] += 1
            self._answer(202, {})
            return
        target = self.headers.get("X-Amz-Target", "?")
        SsmStandIn.calls[target] += 1
        found = [_parameter(name) for name in request.get("Names", [request.get("Name")])]
        if target == "AmazonSSM.GetParameter":
            self._answer(200, {"Parameter": found[0]})
        else:
            # as SSM answers: the names it does not know are listed (none here)
            self._answer(
                200 if target == "AmazonSSM.GetParameters" else 400, {"Parameters": found, "InvalidParameters": []}
            )

    def do_GET(self) -> None:
        SsmStandIn.extension["GetParameter"] += 1
        self._answer(200, {"Parameter": _parameter(parse_qs(urlsplit(self.path).query).get("name", ["?"])[0])})

    def _answer(self, status: int, answer: dict[str, object]) -> None:
        body = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def _parameter(name: str) -> dict[str, object]:
    # The bench's values must pass the settings' checks (the unsubscribe key needs 32 bytes or more)
    return {"Name": name, "Type": "SecureString", "Value": f"bench-{name}" * 4, "Version": 1}


@contextmanager
def ssm_stand_in() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), SsmStandIn)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def handler_modules() -> dict[str, str]:
    """Function name → handler module, from the template's `Handler: functions.<name>.handler.lambda_handler`."""
    handlers = re.findall(r"^\s+Handler:\s+(functions\.(\w+)\.\S+)\.\w+\s*$", TEMPLATE.read_text(), re.MULTILINE)
    return {name: module for module, name in handlers}


def extension_functions() -> set[str]:
    """The functions whose template gives them the parameters extension's port: they ask it on Lambda, here the
    stand-in."""
    from local.template import load_template

    found = set()
    for declared in load_template(TEMPLATE)["Resources"].values():
        properties = declared.get("Properties", {})
        if declared["Type"] == "AWS::Serverless::Function" and PORT_VARIABLE in properties["Environment"]["Variables"]:
            found.add(properties["Handler"].split(".")[1])
    return found


def fake_settings(function: str) -> dict[str, str]:
    """A fake value for each variable the function's settings model (its env.py) requires at import."""
    model: type[BaseSettings] = importlib.import_module(f"functions.{function}.env").Settings
    return {name.upper(): _fake(name, info) for name, info in model.model_fields.items() if info.is_required()}


def _fake(name: str, info: FieldInfo) -> str:
    pattern = " ".join(str(getattr(rule, "pattern", "")) for rule in info.metadata)
    if pattern.startswith("^/"):  # the name of an SSM parameter: the stand-in answers for any name
        return f"/arrears/bench/{name}"
    if "http" in pattern or name.endswith("_url"):
        return f"https://bench.example.com/{name}"
    return "collections@example.com" if "email" in name else f"bench-{name}"


def parse_importtime(stderr: str) -> tuple[float, dict[str, float]]:
    total_us = 0
    by_package: Counter[str] = Counter()
    for line in stderr.splitlines():
        if match := IMPORT_LINE.match(line):
            self_us, cumulative_us, indent, name = match.groups()
            total_us += int(cumulative_us) if not indent else 0
            by_package[name.split(".")[0]] += int(self_us)
    return total_us / 1000, {name: us / 1000 for name, us in by_package.items()}


def measure(python: str, code: str, env: dict[str, str], cached: bool) -> Sample:
    with tempfile.TemporaryDirectory(prefix="coldstart-pycache-") as empty:
        run_env = env if cached else env | {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": empty}
        calls_before, asked_before = SsmStandIn.calls.total(), SsmStandIn.extension.total()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        # Lambda keeps the process after Init: the child leaves without the interpreter's teardown (module and
        # object clean-up, about 140 ms of the Slack handler's CPU here), which no cold start pays
        child = [python, "-X", "importtime", "-c", f"{code}\nimport os\nos._exit(0)"]
        done = subprocess.run(child, env=run_env, capture_output=True, text=True)  # noqa: S603
        wall_ms = (time.perf_counter() - start) * 1000
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{code!r} failed:\n{done.stderr[-3000:]}")
    cpu_ms = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    import_ms, packages = parse_importtime(done.stderr)
    asked = SsmStandIn.extension.total() - asked_before
    return Sample(cpu_ms, wall_ms, import_ms, packages, SsmStandIn.calls.total() - calls_before, asked)


def median_sample(samples: list[Sample]) -> Sample:
    names = {name for sample in samples for name in sample.packages}
    return Sample(
        statistics.median(s.cpu_ms for s in samples),
        statistics.median(s.wall_ms for s in samples),
        statistics.median(s.import_ms for s in samples),
        {name: statistics.median(s.packages.get(name, 0.0) for s in samples) for name in names},
        max(s.aws_calls for s in samples),
        max(s.extension_calls for s in samples),
    )


def runtime_modules() -> list[str]:
    """The module of each runtime dependency in pyproject.toml, then the PIECES."""
    dependencies = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    names = [re.split(r"[\[<>=!~ ;]", dependency, maxsplit=1)[0].lower() for dependency in dependencies]
    return [*(IMPORT_NAMES.get(name, name.replace("-", "_")) for name in names), *PIECES]


def targets(port: str) -> dict[str, tuple[str, dict[str, str]]]:
    """What each child imports, and its own environment variables (`port`: the stand-in's, for the extension)."""
    modules = handler_modules()
    extension = {PORT_VARIABLE: port, "AWS_SESSION_TOKEN": "bench"}
    with_extension = extension_functions()
    found = {}
    for name, module in modules.items():
        variables = {**fake_settings(name), "POWERTOOLS_SERVICE_NAME": name}
        found[name] = (f"import {module}", variables | (extension if name in with_extension else {}))
    every = {key: value for _, env in found.values() for key, value in env.items()}
    found[FLOOR] = (f"import {', '.join(FLOOR_MODULES)}", every | {"POWERTOOLS_SERVICE_NAME": "floor"})
    everything = ", ".join((*runtime_modules(), *modules.values()))
    found[ALL] = (f"import {everything}", every | {"POWERTOOLS_SERVICE_NAME": "all"})
    return found


@dataclass
class AckPath:
    """Slack's cold /collect one way (ACK_PATHS): the median ms of each phase over the runs."""

    path: str
    medians: dict[str, float]
    runs: list[dict[str, float]]


def ack_paths(python: str, env: dict[str, str], repeat: int) -> list[AckPath]:
    """`bench.slack_ack` in a fresh child per run, both ways interleaved, with .pyc (as Lambda runs)."""
    runs: dict[str, list[dict[str, float]]] = {path: [] for path in ACK_PATHS}
    for _ in range(repeat):
        for path in ACK_PATHS:
            invokes = SsmStandIn.calls["Lambda.Invoke"]
            done = subprocess.run([python, "-m", "bench.slack_ack", path], env=env, capture_output=True, text=True)  # noqa: S603
            if done.returncode != 0:
                raise RuntimeError(f"bench.slack_ack {path} failed:\n{done.stderr[-3000:]}")
            marks = json.loads(done.stdout.strip().splitlines()[-1])  # the handler's own log lines come first
            if marks.pop("status") != 200 or SsmStandIn.calls["Lambda.Invoke"] != invokes + 1:
                raise RuntimeError(f"bench.slack_ack {path}: not acked, or no lazy self-invoke: {marks}")
            runs[path].append({key: value for key, value in marks.items() if key != "mode"})
    return [AckPath(path, {key: statistics.median(run[key] for run in found) for key in found[0]}, found)
            for path, found in runs.items()]  # fmt: skip


def run(python: str, repeat: int) -> tuple[list[Result], list[AckPath]]:
    with ssm_stand_in() as endpoint:
        base = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "AWS_ENDPOINT_URL": endpoint}
        envs = {name: (code, base | AWS | extra) for name, (code, extra) in targets(endpoint.rsplit(":", 1)[1]).items()}
        results = {name: Result(name) for name in envs}
        for code, env in envs.values():
            measure(python, code, env, cached=True)  # writes the .pyc files the measured runs read
        for round_no in range(1, repeat + 1):
            print(f"round {round_no} of {repeat}", flush=True)
            for name, (code, env) in envs.items():
                for mode, cached in (("pyc", True), ("source", False)):
                    results[name].runs.setdefault(mode, []).append(measure(python, code, env, cached))
        print("Slack's cold /collect, both ways", flush=True)
        acks = ack_paths(python, envs["slack"][1], repeat)
    for result in results.values():
        result.cached = {mode: median_sample(samples) for mode, samples in result.runs.items()}
    return list(results.values()), acks


def _heaviest(sample: Sample, count: int = 8) -> str:
    top = sorted(sample.packages.items(), key=lambda item: -item[1])[:count]
    return " ".join(f"{name} {ms:.0f}" for name, ms in top)


def _ratios(result: Result, everything: Result) -> dict[str, float]:
    return {mode: sample.cpu_ms / everything.cached[mode].cpu_ms for mode, sample in result.cached.items()}


def _row(result: Result, everything: Result) -> str:
    pyc = result.cached["pyc"]
    cells = [f"{result.target:<13}", f"{pyc.aws_calls:>3}", f"{pyc.extension_calls:>3}"]
    for mode, ratio in _ratios(result, everything).items():
        sample = result.cached[mode]
        cells.append(f"{sample.cpu_ms:>7.0f} {sample.wall_ms:>7.0f} {sample.import_ms:>7.0f} {ratio:>5.2f}")
    return "  ".join([*cells, _heaviest(result.cached["pyc"])])


def _verdicts(results: list[Result], everything: Result) -> list[str]:
    functions = [r for r in results if r.target not in (ALL, FLOOR)]
    verdicts = []
    for result in functions:
        pyc, (with_pyc, without) = result.cached["pyc"], _ratios(result, everything).values()
        if result.target == "slack":
            fits = max(pyc.cpu_ms, pyc.wall_ms) <= SLACK_GOAL_MS
            verdicts.append(
                f"slack Init (import) with .pyc: {pyc.cpu_ms:.0f} ms CPU, {pyc.wall_ms:.0f} ms wall "
                f"(goal ≤ {SLACK_GOAL_MS} ms): {'PASS' if fits else 'FAIL'}"
            )
        fits = max(with_pyc, without) <= RATIO_GOAL
        verdicts.append(
            f"{result.target}: CPU {with_pyc:.1%} (.pyc) and {without:.1%} (no .pyc) of all packages "
            f"(goal ≤ {RATIO_GOAL:.0%}): {'PASS' if fits else 'FAIL'}"
        )
    early = {r.target: sorted(set(LATE) & set(r.cached["pyc"].packages)) for r in functions}
    found = {name: packages for name, packages in early.items() if packages}
    verdicts.append(f"{' and '.join(LATE)} in no function's cold start: {f'FAIL {found}' if found else 'PASS'}")
    return verdicts


def render_acks(acks: list[AckPath]) -> str:
    def cell(marks: dict[str, float], phase: str) -> str:
        return (
            f"{marks[f'{phase}_cpu_ms']:.0f} / {marks[f'{phase}_wall_ms']:.0f}" if f"{phase}_cpu_ms" in marks else "-"
        )

    lines = [
        "Slack's cold /collect help: CPU / wall ms with .pyc, medians (the lazy self-invoke answered by the stand-in)",
        f"{'path':<18} {'Init':>11} {'after restore':>13} {'1st request':>11} {'cold path':>11}",
    ]
    verdicts = []
    for ack in acks:
        marks = ack.medians
        counted = ("init", "request") if ack.path == "cold" else ("restore_hooks", "request")
        cpu = sum(marks[f"{phase}_cpu_ms"] for phase in counted)
        wall = sum(marks[f"{phase}_wall_ms"] for phase in counted)
        init = cell(marks, "init") if ack.path == "cold" else f"({cell(marks, 'init')})"
        lines.append(f"{ACK_PATHS[ack.path]:<18} {init:>11} {cell(marks, 'restore_hooks'):>13} "
                     f"{cell(marks, 'request'):>11} {f'{cpu:.0f} / {wall:.0f}':>11}")  # fmt: skip
        verdicts.append(f"slack cold /collect {ACK_PATHS[ack.path]}: {cpu:.0f} ms CPU in the function "
                        f"(goal ≤ {SLACK_GOAL_MS} ms): {'PASS' if cpu <= SLACK_GOAL_MS else 'FAIL'}")  # fmt: skip
    lines.append("with SnapStart, Init runs when the version is published (in brackets: not at the cold start); the")
    lines.append("cold start resumes its snapshot, which Lambda does outside the function: not measurable here")
    return "\n".join([*lines, *verdicts])


def render(results: list[Result]) -> str:
    everything = next(r for r in results if r.target == ALL)
    modes = f"{'with .pyc':<30}  {'without .pyc':<30}"
    columns = f"{'CPU':>7} {'wall':>7} {'import':>7} {'ratio':>5}"
    lines = [
        f"{'':<13}  {'':>3}  {'':>3}  {modes}",
        f"{'function':<13}  {'AWS':>3}  {'ext':>3}  {columns}  {columns}  heaviest with .pyc (self ms by package)",
        *(_row(result, everything) for result in results),
        "ms, medians of every run. CPU: user + system of the child (interpreter start included); wall: its run;",
        "import: -X importtime's cumulative total; ratio: CPU ÷ all packages' CPU; AWS: calls the import made;",
        "ext: its requests to the parameters extension on localhost (the functions whose template gives it a port)",
    ]
    spread = max(_spread(samples) for result in results for samples in result.runs.values())
    lines.append(f"noise: the CPU of one target's runs spreads up to {spread:.0%} of their median (max − min)")
    return "\n".join([*lines, *_verdicts(results, everything)])


def _spread(samples: list[Sample]) -> float:
    cpu = [sample.cpu_ms for sample in samples]
    return (max(cpu) - min(cpu)) / statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per target and cache mode; the median is shown")
    parser.add_argument("--python", default=sys.executable, help="interpreter of the children (default: this one)")
    args = parser.parse_args()
    python = str(Path(args.python).absolute())
    version = subprocess.run([python, "-c", "import platform; print(platform.python_version())"],  # noqa: S603
                             capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    machine = f"machine: {os.cpu_count()} cores, children on Python {version} ({python}), {platform.platform()}"
    print(machine, flush=True)
    results, acks = run(python, args.repeat)
    table = f"{render(results)}\n\n{render_acks(acks)}"
    save(f"coldstart-py{version.rsplit('.', 1)[0]}", [*results, *acks], table, machine)


if __name__ == "__main__":
    main()
