"""Errors of the batch engine (all :class:`~zkcollat.errors.ZkcollatError`)."""

from __future__ import annotations

from zkcollat.errors import ZkcollatError


class BatchError(ZkcollatError):
    """A batch cannot start or run: bad inputs folder, key, options, or cluster."""


class SchedulerRefused(BatchError):
    """The scheduler address breaks the transport policy (see :mod:`zkcollat.batch.cluster`)."""


class WorkerKeyError(BatchError):
    """A worker could not load the proving key, or loaded another key than the client's."""


class NoWorkersError(BatchError):
    """The cluster has no workers and none joined within the wait allowed (names the scheduler)."""
