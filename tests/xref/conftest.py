"""The judgement world (tests/judgeworld.py) on both backends."""

from __future__ import annotations

import pytest
from judgeworld import JudgeWorld, build


@pytest.fixture
def jw(node) -> JudgeWorld:
    return build(node)
