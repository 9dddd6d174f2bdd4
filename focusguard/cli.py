"""Command line: argument parsing and the local control client.

Every command takes `--config PATH`. Errors a person can fix print one clear message and
exit non-zero; no command prints a traceback for bad input.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from focusguard import __version__, log_redaction
from focusguard.app.service import Service
from focusguard.app.values import Arg, Verb
from focusguard.core.command_args import ArgumentProblem

EXIT_OK = 0
EXIT_PROBLEM = 1
EXIT_USAGE = 2
# The help of a group of verbs (`focusguard focus start|end`).
GROUP_HELP = {"focus": "start or end a focus block"}


def _config_path(args: argparse.Namespace) -> Path:
    from focusguard.core import paths

    return Path(args.config) if args.config else paths.config_file()


def _fail(message: str, code: int = EXIT_PROBLEM) -> int:
    print(f"focusguard: {message}", file=sys.stderr)
    return code


# -- config ---------------------------------------------------------------------------------
def cmd_config_path(args: argparse.Namespace) -> int:
    print(_config_path(args))
    return EXIT_OK


def cmd_config_check(args: argparse.Namespace) -> int:
    from focusguard.core.settings import check_config

    path = _config_path(args)
    problems = check_config(path)
    if not problems:
        print(f"{path}: OK")
        _print_origins(path)
        _print_promise_report(path)
        return EXIT_OK
    print(f"{path}: {len(problems)} problem{'s' if len(problems) != 1 else ''}", file=sys.stderr)
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)
    return EXIT_PROBLEM


def _print_origins(path: Path) -> None:
    """Which settings the organisation's managed file presets or locks (issue 11)."""
    import tomllib

    from focusguard.core.settings import ConfigError
    from focusguard.core.settings.managed import describe_origins, load_managed

    try:
        managed = load_managed()
        user = tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except (ConfigError, OSError, ValueError):
        return  # `config check` already says what is wrong with either file
    for line in describe_origins(managed, user):
        print(line)


def _print_promise_report(path: Path) -> None:
    """The worst-case wait under the promise (issue 12 §1); a warning keeps exit code 0."""
    from datetime import UTC, datetime

    from focusguard.core.promise_report import promise_report
    from focusguard.core.settings import load_settings

    report = promise_report(load_settings(path), datetime.now(UTC))
    if report is None:
        return
    print(report.summary)
    if report.warning is not None:
        print(f"warning: {report.warning}", file=sys.stderr)


def cmd_config_init(args: argparse.Namespace) -> int:
    from focusguard.core import paths
    from focusguard.resource_files import read_text

    path = _config_path(args)
    if path.exists() and not args.force:
        return _fail(f"{path} already exists (use --force to overwrite it)")
    paths.ensure_private_dir(path.parent)
    path.write_text(read_text("default-config.toml"), encoding="utf-8")
    path.chmod(0o600)
    print(f"wrote {path} - edit it, then run `focusguard config check`")
    return EXIT_OK


# -- replay ---------------------------------------------------------------------------------
def cmd_replay(args: argparse.Namespace) -> int:
    from focusguard.core.settings import ConfigError, load_settings
    from focusguard.replay import ReplayError, run

    try:
        settings = load_settings(_config_path(args))
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"focusguard: {problem}", file=sys.stderr)
        return EXIT_USAGE
    try:
        with open(args.trace, encoding="utf-8") as source:
            run(settings, source, sys.stdout)
    except OSError as exc:
        return _fail(f"cannot read trace {args.trace}: {exc.strerror}", EXIT_USAGE)
    except UnicodeDecodeError:
        return _fail(f"{args.trace} is not UTF-8 text", EXIT_USAGE)
    except ReplayError as exc:
        return _fail(f"{args.trace}: {exc}", EXIT_USAGE)
    return EXIT_OK


# -- the running instance's verbs (generated from the service: app/verbs.py) ----------------
def _argument_type(arg: Arg) -> Callable[[str], object]:
    """The command line's reading of `arg`: its parse, then the check the socket applies too,
    so a value the CLI accepts is one the running instance accepts."""
    parse = arg.parse
    assert parse is not None

    def read(text: str) -> object:
        try:
            return arg.check(parse(text))
        except ArgumentProblem as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return read


def _add_verb(parser: argparse.ArgumentParser, verb: Verb) -> None:
    for arg in verb.args:
        if arg.parse is None:  # a switch
            parser.add_argument(
                arg.flag or arg.name, dest=arg.name, action="store_true", help=arg.help
            )
            continue
        default = arg.default if arg.cli_default is None else _argument_type(arg)(arg.cli_default)
        names = [arg.flag] if arg.flag else [arg.name]
        extra: dict[str, object] = {} if arg.flag else {"nargs": "?"}
        parser.add_argument(
            *names,
            type=_argument_type(arg),
            default=default,
            metavar=arg.metavar,
            help=arg.help,
            **extra,  # type: ignore[arg-type]
        )
    parser.add_argument("--json", action="store_true", help="print the answer as JSON")
    parser.set_defaults(func=_run_verb(verb))


def _run_verb(verb: Verb) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        from focusguard.app import control

        request: dict[str, object] = {"cmd": verb.name}
        request.update({arg.name: getattr(args, arg.name) for arg in verb.args})
        try:
            reply = control.request(request)
        except control.ControlError as exc:  # NotRunning, or what else went wrong: each says so
            return _fail(str(exc))
        if not reply.get("ok", False):
            return _fail(str(reply.get("error", "the running FocusGuard refused the command")))
        if args.json:
            # "status": what a FocusGuard from before the verb table answers (until restarted
            # after an upgrade).
            print(json.dumps(reply.get("data") or reply.get("status") or {}, indent=2))
        else:
            print(reply.get("text", "done"))
            if verb.name == "status":
                _print_origins(_config_path(args))
        return EXIT_OK

    return run


def _add_verbs(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    groups: dict[str, argparse._SubParsersAction] = {}  # type: ignore[type-arg]
    for verb in Service.verbs():
        if not verb.words:
            continue  # not a command to type (the second instance's "show")
        *group, word = verb.words
        parent = sub
        if group:
            (name,) = group
            if name not in groups:
                node = sub.add_parser(name, help=GROUP_HELP.get(name, name))
                groups[name] = node.add_subparsers(metavar="ACTION", required=True)
            parent = groups[name]
        own_config = any(arg.flag == "--config" for arg in verb.args)
        options = common_options(config=False) if own_config else common
        _add_verb(parent.add_parser(word, parents=[options], help=verb.help), verb)


# -- running --------------------------------------------------------------------------------
def cmd_run(args: argparse.Namespace) -> int:
    if args.headless:
        from focusguard.app import headless

        return headless.run(_config_path(args))
    return cmd_gui(args)


def cmd_gui(args: argparse.Namespace) -> int:
    from focusguard import gui

    return gui.run(_config_path(args))


def cmd_demo(args: argparse.Namespace) -> int:
    from focusguard import demo

    code: int = demo.main(
        headless=args.headless, duration=args.duration, graph=args.graph, speed=args.speed
    )
    return code


def cmd_sim(args: argparse.Namespace) -> int:
    if args.graph:
        from focusguard.sim.graph import serve as serve_graph

        serve_graph(args.host, args.port)
        return EXIT_OK
    from focusguard.sim.ews import serve

    if args.host not in ("127.0.0.1", "localhost", "::1"):
        return _fail("the simulator only listens on loopback (127.0.0.1, ::1)", EXIT_USAGE)
    strict = None if args.strict is None else args.strict == "on"
    serve(args.host, args.port, strict, seed_demo=args.seed_demo)
    return EXIT_OK


def cmd_failsafe(args: argparse.Namespace) -> int:
    """The OS scheduler's run (docs/failsafe.md), or --install / --uninstall of its units."""
    import os

    from focusguard.core import paths

    if args.home:
        # The units name the FOCUSGUARD_HOME they were installed under (Task Scheduler and
        # launchd pass no environment).
        os.environ[paths.HOME_ENV] = args.home
    if args.stale_after is not None and not 0 <= args.stale_after <= 7 * 24 * 3600:
        return _fail("--stale-after is a number of seconds between 0 and a week", EXIT_USAGE)
    from focusguard.app import failsafe_run

    with failsafe_run.logging_to_file(logging.DEBUG if args.verbose else logging.INFO):
        return _failsafe(args, _config_path(args))


def _failsafe(args: argparse.Namespace, config: Path) -> int:
    import os
    from datetime import timedelta

    from focusguard.app import failsafe_run
    from focusguard.core.failsafe import STALE_AFTER

    if args.install:
        return failsafe_run.install(config)
    code = EXIT_OK
    if args.release_all or not args.uninstall:
        stale_after = (
            STALE_AFTER if args.stale_after is None else timedelta(seconds=args.stale_after)
        )
        try:
            code = failsafe_run.run(config, stale_after=stale_after, everything=args.release_all)
        except failsafe_run.DeadlineExceeded:
            # A call hangs on its thread; leave without waiting for it (the kernel drops
            # the instance lock with the process).
            logging.shutdown()
            os._exit(failsafe_run.EXIT_INCOMPLETE)
    if args.uninstall:
        code = max(code, failsafe_run.uninstall())
    return code


def cmd_login(args: argparse.Namespace) -> int:
    from focusguard.app import account

    return account.login(_config_path(args), password_stdin=args.password_stdin)


def parse_port(text: str) -> int:
    """`sim --port`: a TCP port, 0 (any free one) to 65535."""
    if not (text.isascii() and text.isdigit() and len(text) <= 5 and int(text) <= 65535):
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a port (use 0 to 65535)")
    return int(text)


def parse_seconds(text: str) -> float:
    """`demo --duration`: a positive number of seconds."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a positive number of seconds")
    return seconds


# -- parser ---------------------------------------------------------------------------------
def common_options(*, config: bool = True) -> argparse.ArgumentParser:
    """The options of every command; without `--config` for a verb that has its own
    (`preview --config CANDIDATE.toml`: the settings to try, not the ones in use)."""
    common = argparse.ArgumentParser(add_help=False)
    if config:
        common.add_argument("--config", metavar="PATH", help="settings file (default: per-user)")
    common.add_argument("-v", "--verbose", action="store_true", help="log more")
    return common


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="focusguard",
        description="Hold customer email until check-in times; let urgent mail through.",
    )
    parser.add_argument("--version", action="version", version=f"FocusGuard {__version__}")
    common = common_options()
    parser.add_argument("--config", metavar="PATH", help=argparse.SUPPRESS)
    parser.set_defaults(func=cmd_gui, verbose=False)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    config = sub.add_parser("config", help="settings file: path, check, init")
    config_sub = config.add_subparsers(metavar="ACTION", required=True)
    p = config_sub.add_parser("path", parents=[common], help="print where the settings live")
    p.set_defaults(func=cmd_config_path)
    p = config_sub.add_parser("check", parents=[common], help="validate the settings")
    p.set_defaults(func=cmd_config_check)
    p = config_sub.add_parser("init", parents=[common], help="write a commented settings file")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.set_defaults(func=cmd_config_init)

    p = sub.add_parser("replay", parents=[common], help="what-if run of a JSON-lines trace")
    p.add_argument("--trace", required=True, metavar="TRACE.jsonl")
    p.set_defaults(func=cmd_replay)

    p = sub.add_parser("run", parents=[common], help="run FocusGuard (tray, or --headless)")
    p.add_argument("--headless", action="store_true", help="no GUI: engine, timers, mail only")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("demo", parents=[common], help="try FocusGuard on a simulated mailbox")
    p.add_argument("--headless", action="store_true", help="print decisions instead of a tray")
    p.add_argument(
        "--duration",
        type=parse_seconds,
        default=None,
        metavar="SECONDS",
        help="stop after this many seconds and print a JSON summary",
    )
    p.add_argument("--graph", action="store_true", help="use the Microsoft Graph simulator")
    p.add_argument("--speed", type=float, default=1.0, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("sim", parents=[common], help="run the mail server simulator")
    p.add_argument("--port", type=parse_port, default=8765)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--graph", action="store_true", help="simulate Microsoft Graph instead of EWS")
    p.add_argument(
        "--strict",
        choices=["on", "off"],
        default=None,
        help="validate SOAP against the EWS schema (default: on when available)",
    )
    p.add_argument("--seed-demo", action="store_true", help="start with the demo mailbox")
    p.set_defaults(func=cmd_sim)

    p = sub.add_parser(
        "failsafe",
        parents=[common],
        help="release held mail while FocusGuard is not running (what the OS scheduler runs)",
        description="Run by the OS scheduler at every check-in and every 15 minutes: when no "
        "FocusGuard is running, switch its hold rules off on the server and release held "
        "mail that is due. Exit codes: 0 done or nothing to do, 1 a problem to fix, "
        "3 incomplete (the next run retries). See docs/failsafe.md.",
    )
    units = p.add_mutually_exclusive_group()
    units.add_argument(
        "--install", action="store_true", help="install the OS scheduler's units and exit"
    )
    units.add_argument("--uninstall", action="store_true", help="remove the OS scheduler's units")
    p.add_argument(
        "--release-all",
        action="store_true",
        help="release everything held, due or not (uninstalling: nothing would release it later)",
    )
    p.add_argument(
        "--stale-after",
        type=float,
        default=None,
        metavar="SECONDS",
        help="act once the app's heartbeat is this old (default 300)",
    )
    p.add_argument("--home", metavar="PATH", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_failsafe)

    account = sub.add_parser("account", help="mail account")
    account_sub = account.add_subparsers(metavar="ACTION", required=True)
    p = account_sub.add_parser(
        "login",
        parents=[common],
        help="check the password with the server, then keep it in the keyring",
    )
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p.set_defaults(func=cmd_login)

    _add_verbs(sub, common)
    return parser


def _robust_output() -> None:
    """Never fail on printing: an unencodable character (a lone surrogate from a file name,
    a cp1252 console on Windows) is written as a backslash escape, not a UnicodeEncodeError
    traceback (issue 9 §4)."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


def main(argv: Sequence[str] | None = None) -> int:
    _robust_output()
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # No password, token or cookie in any log line or crash report (issue 9 §3).
    log_redaction.install()
    try:
        code: int = args.func(args)
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
