"""Rule group 6: few metrics, each well defined, and a metric that moved gets a decision."""

from __future__ import annotations

from collections.abc import Iterator

from ..diagnostics import Diagnostic, error
from ..facts import Facts
from ..model import Backlog

MAX_METRICS = 3


def check(backlog: Backlog, facts: Facts) -> Iterator[Diagnostic]:
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
        change = moved.change
        if moved.alarm and not moved.answered and change is not None:
            unit = metric.unit or ""
            yield error(metric.at("threshold"), "metric-decision",
                        f"{metric.name} moved {change.delta:+g}{unit} from {change.previous.period} "
                        f"({change.previous.value:g}{unit}) to {change.latest.period} ({change.latest.value:g}{unit}); "
                        f"the threshold is {metric.threshold:g}{unit} and no decision answers it",
                        f"add a decision with kind: metric-response, metric: {metric.id}, "
                        f"dated {change.latest.period} or later")
