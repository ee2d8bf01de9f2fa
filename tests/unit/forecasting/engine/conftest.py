"""Small panels shared by the engine's unit tests (module-scoped: generated once)."""

import pytest

from tests.unit.forecasting.engine.toy_panel import make_toy_panel


@pytest.fixture(scope="session")
def toy():
    """300 businesses x 40 months with seasonality, short, intermittent and sales-only series."""
    return make_toy_panel(300, 40, seed=3)
