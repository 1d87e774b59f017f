"""The organisation and the extractor every field test reads with."""

from __future__ import annotations

import pytest

from intake.parsers.fields import LabelExtractor
from intake.parsers.org import load_organisation
from tests.conftest import ORG_FILE


@pytest.fixture(scope="module")
def org():
    return load_organisation(ORG_FILE)


@pytest.fixture(scope="module")
def extractor(org):
    return LabelExtractor(org)
