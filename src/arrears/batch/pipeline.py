"""The daily run: its steps in order. Each step is ``run(*, app, as_of) -> StepResult``,
rewrites its own partition for ``as_of`` and can be re-run for any past day.

Steps are named by module path so that each part of the product plugs its step in here.
"""

from __future__ import annotations

# (step name, "module:function"), in the order they run.
STEPS: list[tuple[str, str]] = [
    ("delinquency", "arrears.batch.delinquency:run"),
    ("cases", "arrears.batch.cases:run"),
    ("scoring", "arrears.batch.scoring:run"),
    ("promises", "arrears.batch.promises:run"),
    ("plans", "arrears.batch.plans:run"),
    ("strategy", "arrears.batch.strategy:run"),
    ("allocation", "arrears.batch.allocation:run"),
    ("tasks", "arrears.batch.tasks:run"),
    ("collection_list", "arrears.batch.collection_list:run"),
    ("screening", "arrears.batch.screening:run"),
    ("analytics", "arrears.batch.analytics:run"),
]
