"""The real 1C files still have the columns and names the seed expects (catches format drift).

Reads only headers, first rows and the small category/shop lists; skipped without the data.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from omnishop.demo import loaders, places, rules
from omnishop.demo.georgian import KA_CHILD, KA_TOP
from omnishop.kernel.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def folder() -> Path:
    data_dir = Settings().data_dir
    if not data_dir.is_absolute():
        data_dir = ROOT / data_dir
    try:
        return loaders.resolve_data_dir(data_dir)
    except loaders.DemoDataMissing as exc:
        pytest.skip(f"shared data not available: {exc}")


def test_every_real_file_has_the_expected_columns(folder: Path) -> None:
    first = loaders.read_headers(folder)

    assert set(first) == set(loaders.FILES)
    sale = first[loaders.SALES_FILE]
    assert sale["date"].count(".") == 2  # dd.mm.yyyy
    assert float(sale["item_price"]) > 0


def test_every_real_category_gets_a_georgian_name(folder: Path) -> None:
    categories = loaders.read_categories(folder)

    nodes, slug_of = rules.build_category_tree(categories)

    assert len(categories) == 84
    assert set(slug_of) == {c.id for c in categories}
    for c in categories:
        top, _, child = c.name_ru.partition(" - ")
        assert top in KA_TOP, top
        assert not child or child in KA_CHILD, child
    assert len({n.slug for n in nodes}) == len(nodes)


def test_every_real_shop_maps_to_a_city_or_a_warehouse(folder: Path) -> None:
    shops = loaders.read_shops(folder)

    locations = [places.shop_location(s) for s in shops]

    assert len(shops) == 60
    assert all(loc.city or loc.kind == "warehouse" for loc in locations)
    assert sum(loc.kind == "warehouse" for loc in locations) == 3
