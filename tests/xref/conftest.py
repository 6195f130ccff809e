"""Fixtures of the xref tests: the cross-agency world (tests/xworld.py) and
the judgement world (tests/judgeworld.py), on both backends."""

from __future__ import annotations

import pytest
from judgeworld import JudgeWorld, build
from xworld import XWorld, build_xworld


@pytest.fixture
def xworld(node) -> XWorld:
    return build_xworld(node)


@pytest.fixture
def jw(node) -> JudgeWorld:
    """The judgement world (tests/judgeworld.py) on both backends."""
    return build(node)
