"""Our deployment checks: `check --deploy` warns when two-factor authentication is off or the
secret key is the placeholder of .env.example."""

from pathlib import Path

from django.core.checks import run_checks

from core.checks import EXAMPLE_SECRET_KEY

ROOT = Path(__file__).resolve().parents[3]


def _ours() -> set[str]:
    return {m.id for m in run_checks(include_deployment_checks=True) if m.id.startswith("asesor.")}


def test_two_factor_off_is_warned_about(settings):
    settings.ADMIN_2FA = False
    assert "asesor.W001" in _ours()
    settings.ADMIN_2FA = True
    assert "asesor.W001" not in _ours()


def test_the_example_secret_key_is_warned_about(settings):
    settings.SECRET_KEY = EXAMPLE_SECRET_KEY
    assert "asesor.W002" in _ours()
    settings.SECRET_KEY = "x7!Kq2#vP9@mZ4$wL8^nB3&cR6*tY1(hJ5)gF0_dS-eA+uI=oE"
    assert "asesor.W002" not in _ours()


def test_the_example_key_is_the_one_in_env_example():
    assert f"DJANGO_SECRET_KEY={EXAMPLE_SECRET_KEY}\n" in (ROOT / ".env.example").read_text()


def test_the_checks_run_only_with_deploy(settings):
    settings.ADMIN_2FA = False
    assert not any(m.id.startswith("asesor.") for m in run_checks())
