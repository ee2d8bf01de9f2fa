import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from businesses.validators import ruc_check_digit, ruc_problem, validate_ruc
from tests.factories import BusinessFactory, valid_ruc

# Real, published RUCs (SUNAT itself and a bank) check out.
KNOWN_VALID = ["20131312955", "20100047218"]


@pytest.mark.parametrize("ruc", KNOWN_VALID)
def test_published_rucs_pass(ruc):
    assert ruc_problem(ruc) is None


def test_check_digit_maps_10_to_0_and_11_to_1():
    # Search bodies whose raw check value is 10 and 11: the digit is 0 and 1.
    seen = {}
    for n in range(2000):
        body = f"20{n:08d}"
        s = sum(int(d) * w for d, w in zip(body, (5, 4, 3, 2, 7, 6, 5, 4, 3, 2), strict=True)) % 11
        seen.setdefault(11 - s, body)
    assert ruc_check_digit(seen[10]) == 0
    assert ruc_check_digit(seen[11]) == 1


@pytest.mark.parametrize(
    ("ruc", "fragment"),
    [
        ("2013131295", "11 digits"),
        ("2013131295a", "11 digits"),
        ("30131312955", "start with"),
        ("20131312956", "check digit"),
    ],
)
def test_bad_rucs_say_why(ruc, fragment):
    with translation.override("en"):
        assert fragment in ruc_problem(ruc)


def test_wrong_check_digit_is_explained_in_spanish_and_english():
    bad = valid_ruc(123)[:-1] + str((int(valid_ruc(123)[-1]) + 1) % 10)
    with translation.override("es"), pytest.raises(ValidationError) as es:
        validate_ruc(bad)
    with translation.override("en"), pytest.raises(ValidationError) as en:
        validate_ruc(bad)
    assert "dígito verificador" in es.value.messages[0]
    assert "check digit" in en.value.messages[0]
    assert bad in es.value.messages[0]


@pytest.mark.django_db
def test_business_full_clean_rejects_a_bad_ruc_on_the_ruc_field():
    business = BusinessFactory.build(ruc="20131312956")
    with pytest.raises(ValidationError) as error:
        business.full_clean()
    assert "ruc" in error.value.message_dict
