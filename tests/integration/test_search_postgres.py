"""The caseload's search on PostgreSQL: accents, ñ and case ignored, and each word looked up
through the trigram index on the normalised column (migration 0012), not by reading the
table."""

import pytest
from django.db import connection

from businesses.models import Business
from businesses.search import businesses_matching
from portal.caseload import CaseloadQuery, caseload_list
from tests.factories import BusinessFactory

pytestmark = pytest.mark.django_db


def test_search_ignores_accents_enye_and_case_on_postgres(advisor):
    garcia = BusinessFactory(advisor=advisor, trade_name="Panadería Ñusta", legal_name="GARCÍA")
    BusinessFactory(advisor=advisor, trade_name="Bodega Sol", legal_name="QUISPE")
    for typed in ("panaderia", "GARCIA", "garcía nusta", "ÑUSTA  Panadería", garcia.ruc):
        query = CaseloadQuery(search=typed)
        assert list(caseload_list(user=advisor, query=query)) == [garcia], typed


def test_sorting_by_the_name_shown_on_postgres(advisor):
    for trade, legal in (("Ñandú", "A"), ("", "álamo"), ("bodega", "Z")):
        BusinessFactory(advisor=advisor, trade_name=trade, legal_name=legal)
    shown = [str(b) for b in caseload_list(user=advisor, query=CaseloadQuery(sort="name"))]
    assert shown == ["álamo", "bodega", "Ñandú"]


def test_a_word_inside_a_name_is_found_through_the_trigram_index():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'business_search_text_trgm'"
        )
        (definition,) = cursor.fetchone()
        assert "gin" in definition.lower() and "gin_trgm_ops" in definition
        # Too few rows in a test for the planner to prefer the index on its own; with plain
        # scans off, a full walk of another index (legal_name, for the default ordering) is
        # not an option either, so the plan shows whether the word can use the trigram index.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    plan = businesses_matching(Business.objects.order_by(), "García").explain()
    assert "business_search_text_trgm" in plan, plan
