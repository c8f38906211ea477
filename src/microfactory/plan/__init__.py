"""The pipeline: read the store, run the engines, write plans back (one transaction per stage)."""

from microfactory.plan.runner import (
    DaskRunner,
    LocalRunner,
    ProgressCallback,
    Runner,
    SerialRunner,
    make_runner,
)

__all__ = [
    "DaskRunner",
    "LocalRunner",
    "ProgressCallback",
    "Runner",
    "SerialRunner",
    "make_runner",
]
