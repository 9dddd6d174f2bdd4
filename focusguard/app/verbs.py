"""How the service's methods run, and the table of user verbs generated from them.

A service method decorated with `@verb(...)` is a *user verb*: the tray menu (ui/menu.py),
the control socket (app/control.py) and the command line (cli.py) are all generated from
its declaration — its name, words, help, arguments and menu item. Adding a verb is writing
one such method; nothing else needs to change.

`@command` and `@query` are service methods that only the GUI uses (the digest's "Release
now", the quit dialog's question).

Every decorated method runs on the engine's worker thread, whichever thread calls it:
calling it waits for the answer (the control socket, the demo, tests); `.later(...)` returns
a `Future` at once (the GUI, which must never wait).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import replace
from typing import Any, Concatenate, Generic, ParamSpec, Protocol, TypeVar, overload

from focusguard.app.values import Arg, MenuItem, Verb
from focusguard.core.errors import FocusGuardError

P = ParamSpec("P")
R = TypeVar("R")

CALL_TIMEOUT_S = 60.0


# -- running on the worker ------------------------------------------------------------------
class Host(Protocol):
    """What a decorated method needs from the object it is defined on (the service)."""

    def _start_job(
        self, job: Callable[[], R], *, changes: bool, needs_connection: bool, on_worker: bool
    ) -> Future[R]: ...


class Busy(FocusGuardError):
    """The worker did not answer in time (a mail server that hangs)."""


class Bound(Generic[P, R]):
    """A decorated method of one service: call it to wait, `.later(...)` for a Future."""

    def __init__(self, method: WorkerMethod[P, R], host: Host) -> None:
        self._method = method
        self._host = host

    def later(self, *args: P.args, **kwargs: P.kwargs) -> Future[R]:
        method, host = self._method, self._host
        return host._start_job(
            lambda: method.fn(host, *args, **kwargs),
            changes=method.changes,
            needs_connection=method.needs_connection,
            on_worker=method.on_worker,
        )

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        future = self.later(*args, **kwargs)
        try:
            return future.result(CALL_TIMEOUT_S)
        except FutureTimeout:
            raise Busy(
                "FocusGuard is busy",
                f"It did not finish within {CALL_TIMEOUT_S:.0f} s (the mail server may be "
                "slow); it keeps working on it. Check with `focusguard status`.",
            ) from None


class WorkerMethod(Generic[P, R]):
    """A service method that runs on the engine's worker (what the decorators below make);
    looked up on a service it is a `Bound`. `changes`: afterwards the timers are re-armed and
    the front-ends hear the new status. `needs_connection`: refused (NotConnected) until the
    mailbox was reached once."""

    def __init__(
        self,
        fn: Callable[Concatenate[Any, P], R],
        *,
        changes: bool,
        needs_connection: bool,
        on_worker: bool = True,
        verb: Verb | None = None,
    ) -> None:
        self.fn = fn
        self.changes = changes
        self.needs_connection = needs_connection
        self.on_worker = on_worker
        self.verb = verb
        self.__doc__ = fn.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        if self.verb is not None:
            doing = self.verb.doing or self.verb.name.replace("-", " ")
            self.verb = replace(self.verb, attribute=name, doing=doing)

    @overload
    def __get__(self, host: None, owner: type) -> WorkerMethod[P, R]: ...

    @overload
    def __get__(self, host: object, owner: type) -> Bound[P, R]: ...

    def __get__(self, host: object, owner: type) -> WorkerMethod[P, R] | Bound[P, R]:
        if host is None:
            return self
        return Bound(self, host)  # type: ignore[arg-type]


# -- the decorators -------------------------------------------------------------------------
def verb(
    name: str,
    *,
    help: str,
    words: tuple[str, ...] | None = None,
    args: tuple[Arg, ...] = (),
    menu: MenuItem | None = None,
    doing: str = "",
    while_connecting: bool = False,
    changes: bool = True,
    on_worker: bool = True,
) -> Callable[[Callable[Concatenate[Any, P], R]], WorkerMethod[P, R]]:
    """A user verb (see the module's docstring); `words` default to `(name,)`."""

    spec = Verb(
        name=name,
        help=help,
        words=(name,) if words is None else words,
        args=args,
        menu=menu,
        doing=doing,
        while_connecting=while_connecting,
    )

    def decorate(fn: Callable[Concatenate[Any, P], R]) -> WorkerMethod[P, R]:
        return WorkerMethod(
            fn,
            changes=changes,
            needs_connection=not while_connecting,
            on_worker=on_worker,
            verb=spec,
        )

    return decorate


@overload
def command(fn: Callable[Concatenate[Any, P], R], /) -> WorkerMethod[P, R]: ...


@overload
def command(
    *, while_connecting: bool
) -> Callable[[Callable[Concatenate[Any, P], R]], WorkerMethod[P, R]]: ...


def command(
    fn: Callable[Concatenate[Any, P], R] | None = None, /, *, while_connecting: bool = False
) -> WorkerMethod[P, R] | Callable[[Callable[Concatenate[Any, P], R]], WorkerMethod[P, R]]:
    """Engine work that changes something; it needs the mailbox connected unless
    `while_connecting` (applying new settings must work while the old ones cannot connect)."""

    def decorate(f: Callable[Concatenate[Any, P], R]) -> WorkerMethod[P, R]:
        return WorkerMethod(f, changes=True, needs_connection=not while_connecting)

    return decorate if fn is None else decorate(fn)


def query(fn: Callable[Concatenate[Any, P], R]) -> WorkerMethod[P, R]:
    """Engine work that only reads (answered while connecting too)."""
    return WorkerMethod(fn, changes=False, needs_connection=False)


def reads(fn: Callable[Concatenate[Any, P], R]) -> WorkerMethod[P, R]:
    """Reading through the mailbox without changing anything (the history): needs the
    mailbox connected, re-arms nothing."""
    return WorkerMethod(fn, changes=False, needs_connection=True)


_TABLES: dict[type, tuple[Verb, ...]] = {}


def verbs_of(cls: type) -> tuple[Verb, ...]:
    """The user verbs declared on `cls` (and the classes it derives from), in the order they
    are written; worked out once per class."""
    if cls not in _TABLES:
        found = []
        for klass in reversed(cls.__mro__):
            for value in vars(klass).values():
                if isinstance(value, WorkerMethod) and value.verb is not None:
                    found.append(value.verb)
        _TABLES[cls] = tuple(found)
    return _TABLES[cls]
