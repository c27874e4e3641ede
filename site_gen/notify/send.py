"""Delivery through SMTP with STARTTLS, recorded in the ledger: an attempt line before each message, its result after.

An interrupted run leaves an attempt without result: that customer's result is unknown, and the next run
does not write to them again unless asked (--retry-unknown). Settings come from the environment only.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO

from ..diagnostics import SourceLoc
from ..load.ledger import HEADER, ledger_line
from ..model import Notification, NotifyResult
from .plan import NotifyError, Outgoing

ENV = "SITE_GEN_SMTP_"
CHANNEL = "email"
DEFAULT_PORT = 587
DEFAULT_RATE = 30          # messages per minute: providers throttle bulk senders


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    user: str | None
    password: str | None = field(repr=False)
    sender: str | None          # the From address; else the organisation's noreply address
    rate: float                 # messages per minute
    cafile: str | None          # a CA bundle to trust instead of the system's (a test server, a private CA)
    timeout: float = 60.0

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> SmtpSettings:
        def get(name: str) -> str | None:
            value = environ.get(ENV + name, "").strip()
            return value or None
        host = get("HOST")
        if host is None:
            raise NotifyError(f"--send needs {ENV}HOST (and {ENV}PORT, {ENV}USER, {ENV}PASSWORD, {ENV}FROM) "
                              "in the environment; credentials are never read from flags or files")
        try:
            port = int(get("PORT") or DEFAULT_PORT)
            rate = float(get("RATE") or DEFAULT_RATE)
        except ValueError:
            raise NotifyError(f"{ENV}PORT must be a whole number and {ENV}RATE a number of messages per "
                              "minute") from None
        if not 0 < port < 65536 or not rate > 0:
            raise NotifyError(f"{ENV}PORT must be 1-65535 and {ENV}RATE more than 0")
        if (get("USER") is None) != (get("PASSWORD") is None):
            raise NotifyError(f"set both {ENV}USER and {ENV}PASSWORD, or neither")
        return cls(host, port, get("USER"), environ.get(ENV + "PASSWORD") or None, get("FROM"), rate,
                   get("CAFILE"))


@dataclass
class Delivery:
    sent: list[Outgoing] = field(default_factory=list)
    failed: list[tuple[Outgoing, str]] = field(default_factory=list)      # refused for good (5xx)
    deferred: list[tuple[Outgoing, str]] = field(default_factory=list)    # refused for now (4xx)
    interrupted: tuple[Outgoing, str] | None = None                      # result unknown; the run stopped


class Ledger:
    """Appends lines to backlog/notified.csv, each on disk before the next step (flush and fsync)."""

    def __init__(self, handle: IO[str], today: date, header: bool):
        self.handle, self.today, self.header = handle, today, header
        self.lines = 0

    def append(self, outgoing: Outgoing, result: NotifyResult) -> None:
        recipient = outgoing.recipient
        if self.header:  # a new ledger gets its header with its first line, not before
            self.handle.write(HEADER)
            self.header = False
        self.lines += 1
        self.handle.write(ledger_line(Notification(loc=SourceLoc(""), story=recipient.story,
                                                   customer=recipient.customer, date=self.today,
                                                   channel=CHANNEL, result=result)))
        self.handle.flush()
        os.fsync(self.handle.fileno())


@contextmanager
def open_ledger(path: Path, today: date) -> Iterator[Ledger]:
    """The ledger opened for appending, locked so that two sending runs cannot interleave."""
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8", newline="") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise NotifyError(f"{path} is locked: another 'site-gen notify --send' is running") from None
        handle.seek(0)
        existing = handle.read()
        if existing and not existing.endswith("\n"):
            handle.write("\n")
        yield Ledger(handle, today, header=not existing.strip())


def connect(settings: SmtpSettings) -> smtplib.SMTP:
    """A connection upgraded to TLS (STARTTLS) and logged in; refuses a server that does not offer STARTTLS."""
    context = ssl.create_default_context(cafile=settings.cafile)
    server = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    try:
        server.ehlo()
        if not server.has_extn("starttls"):
            raise NotifyError(f"{settings.host}:{settings.port} does not offer STARTTLS: site-gen does not send "
                              "addresses or passwords in the clear")
        server.starttls(context=context)
        server.ehlo()
        if settings.user is not None and settings.password is not None:
            server.login(settings.user, settings.password)
    except BaseException:
        server.close()
        raise
    return server


def deliver(outgoing: list[Outgoing], settings: SmtpSettings, ledger: Ledger, envelope_from: str,
            clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> Delivery:
    """Send each message once, at most settings.rate per minute, recording each in the ledger."""
    delivery = Delivery()
    if not outgoing:
        return delivery
    try:
        server = connect(settings)
    except (OSError, smtplib.SMTPException) as exc:
        raise NotifyError(f"cannot connect to {settings.host}:{settings.port}: {_reason(exc)}") from None
    interval = 60.0 / settings.rate
    last: float | None = None
    try:
        for item in outgoing:
            if last is not None:
                wait = last + interval - clock()
                if wait > 0:
                    sleep(wait)
            last = clock()
            ledger.append(item, NotifyResult.ATTEMPT)
            try:
                refused = server.sendmail(envelope_from, [item.recipient.contact.email],
                                          item.message)
            except smtplib.SMTPRecipientsRefused as exc:
                code, reason = next(iter(exc.recipients.values()), (550, b"refused"))
                _refused(delivery, ledger, item, int(code), reason)
                continue
            except smtplib.SMTPSenderRefused as exc:
                # our address, not theirs: try this customer again once the sender is fixed
                ledger.append(item, NotifyResult.DEFERRED)
                delivery.deferred.append((item, _reason(exc)))
                delivery.interrupted = (item, f"the server refuses the sender address: {_reason(exc)}")
                break
            except smtplib.SMTPDataError as exc:
                _refused(delivery, ledger, item, exc.smtp_code, exc.smtp_error)
                continue
            except (OSError, smtplib.SMTPException) as exc:
                # the connection broke mid-message: it may or may not have been delivered
                delivery.interrupted = (item, _reason(exc))
                break
            if refused:
                code, reason = next(iter(refused.values()))
                _refused(delivery, ledger, item, int(code), reason)
                continue
            ledger.append(item, NotifyResult.SENT)
            delivery.sent.append(item)
    finally:
        try:
            server.quit()
        except (OSError, smtplib.SMTPException):
            server.close()
    return delivery


def _refused(delivery: Delivery, ledger: Ledger, item: Outgoing, code: int, reason: bytes | str) -> None:
    text = f"{code} {reason.decode('utf-8', 'replace') if isinstance(reason, bytes) else reason}".strip()
    if 400 <= code < 500:
        ledger.append(item, NotifyResult.DEFERRED)
        delivery.deferred.append((item, text))
    else:
        ledger.append(item, NotifyResult.FAILED)
        delivery.failed.append((item, text))


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        error = exc.smtp_error
        return f"{exc.smtp_code} {error.decode('utf-8', 'replace') if isinstance(error, bytes) else error}"
    return str(exc) or type(exc).__name__
