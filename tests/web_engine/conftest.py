"""Fixtures of the web engine's tests: one Node process for the whole module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.web_engine.node import NodeEngine


@pytest.fixture(scope="module")
def node() -> Iterator[NodeEngine]:
    with NodeEngine() as engine:
        yield engine


@pytest.fixture
def engine(node: NodeEngine) -> Iterator[NodeEngine]:
    """The module's Node process with no replicas left from an earlier test."""
    node.reset()
    yield node
