"""Rule group 6: few metrics, each well defined, and a metric that moved gets a decision."""

from __future__ import annotations

from collections.abc import Iterator

from ..diagnostics import Diagnostic, error, warning
from ..facts import Facts, RiskKind, RiskLevel, RiskSignal
from ..facts.scores import last_point
from ..model import Backlog, SiteConfig

MAX_METRICS = 3


def check(backlog: Backlog, facts: Facts) -> Iterator[Diagnostic]:
    yield from check_risks(backlog, facts)
    metrics = backlog.config.metrics
    if len(metrics) > MAX_METRICS:
        for metric in metrics[MAX_METRICS:]:
            yield error(metric.loc, "metrics-max", f"{len(metrics)} metrics are declared; at most {MAX_METRICS}",
                        "keep the few that drive decisions; watch them with the same consistency")
    seen: set[str] = set()
    for metric in metrics:
        if metric.id in seen:
            yield error(metric.at("id"), "id-duplicate", f"metric ID '{metric.id}' is declared twice",
                        "give each metric its own id")
        seen.add(metric.id)
        if (metric.compute is None) == (not metric.series):
            yield error(metric.loc, "metric-definition",
                        f"metric '{metric.id}' needs either 'compute' or 'series', not "
                        f"{'both' if metric.compute else 'neither'}",
                        "compute: nps|ces|csat derives it from feedback; series: [{period, value}] gives it")
            continue
        moved = facts.metrics[metric.id]
        last = last_point(moved.series, facts.as_of)
        if moved.stale_days is not None and last is not None:
            yield warning(metric.loc, "metric-stale",
                          f"{metric.name} has no data after {last.period}: that month ended {moved.stale_days} "
                          f"days ago (rules.metric_stale_days is {backlog.config.rules.metric_stale_days})",
                          "feed it (add this month's point to its series, or the feedback it is computed from), "
                          "or remove a metric nobody measures any more: it cannot trigger a decision")
        change = moved.change
        if moved.alarm and not moved.answered and change is not None:
            unit = metric.unit or ""
            yield error(metric.at("threshold"), "metric-decision",
                        f"{metric.name} moved {change.delta:+g}{unit} from {change.previous.period} "
                        f"({change.previous.value:g}{unit}) to {change.latest.period} ({change.latest.value:g}{unit}); "
                        f"the threshold is {metric.threshold:g}{unit} and no decision answers it",
                        f"add a decision with kind: metric-response, metric: {metric.id}, "
                        f"dated {change.latest.period} or later")


def check_risks(backlog: Backlog, facts: Facts) -> Iterator[Diagnostic]:
    """A high risk signal nobody is working on."""
    return (warned for warned, signal in high_risks(backlog, facts) if not signal.covered)


def high_risks(backlog: Backlog, facts: Facts) -> Iterator[tuple[Diagnostic, RiskSignal]]:
    """Each high risk signal, with the risk-uncovered warning it gets while no open irritant covers it (a cached
    check covers them again once an irritant's status changes: site_gen.record_edits)."""
    if backlog.unreadable_ids("irritant"):
        # an irritant that does not load may be the one covering it: its own error is what the pull request needs,
        # and warnings that vanish once it is fixed would only send the author looking in the wrong place
        return
    for signal in facts.risks:
        if signal.severity == RiskLevel.HIGH:
            yield _uncovered(backlog.config, signal), signal


def _uncovered(config: SiteConfig, signal: RiskSignal) -> Diagnostic:
    """The warning, located at the stage, segment or metric in site.yaml."""
    if signal.stage is not None:
        loc = config.at(f"journey_stages.{config.journey_stages.index(signal.stage)}")
        where = f"journey stage '{signal.stage}'"
    elif signal.segment is not None:
        loc = config.at(f"segments.{config.segments.index(signal.segment)}")
        where = f"segment '{signal.segment}'"
    else:
        metric = next(m for m in config.metrics if m.id == signal.metric)
        loc, where = metric.loc, f"metric '{metric.id}'"
    return warning(loc, "risk-uncovered", f"high risk at {where}: {_what(signal)}, and no open irritant covers it",
                   f"open an irritant for it (site-gen new irritant --stage …) or link the {signal.row_count} "
                   "feedback row(s) behind it to an open one" if signal.row_count else
                   "open an irritant for it, or answer it with a metric-response decision naming an open one")


def _what(signal: RiskSignal) -> str:
    window = f"{signal.months[0]}–{signal.months[-1]} against {signal.baseline[0]}–{signal.baseline[-1]}"
    if signal.kind == RiskKind.SCORE_WORSENING:
        moved = "rose" if signal.higher_is_worse else "fell"   # CES: a rise is worse for customers
        worse = " (higher is worse)" if signal.higher_is_worse else ""
        scores = signal.scores   # written as the journey map writes them: NPS +36, CSAT 43%, CES 3.08
        before, recent = (score.display for score in scores) if scores else (f"{signal.before:g}", f"{signal.recent:g}")
        return f"{str(signal.score_type).upper()} {moved} from {before} to {recent}{worse} ({window})"
    if signal.kind == RiskKind.COMPLAINTS_RISING:
        return f"complaint share rose from {signal.before:.0f}% to {signal.recent:.0f}% ({window})"
    return (f"moved from {signal.before:g} to {signal.recent:g} between {signal.baseline[0]} and {signal.months[0]}, "
            f"close to its threshold of {signal.threshold:g}")
