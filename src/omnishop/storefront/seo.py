"""Search-engine metadata: schema.org JSON-LD, canonical and hreflang links."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import URL, QueryParams

from omnishop.kernel import i18n
from omnishop.storefront.queries import ProductDetail


def localized_url(url: URL, locale: str) -> str:
    """The same page pinned to ``locale`` (query kept, so the channel stays)."""
    return str(url.include_query_params(lang=locale))


def canonical(url: URL, locale: str) -> str:
    """The page's canonical URL: pinned to its locale when the address names one (``?lang=``);
    otherwise the negotiated, ``x-default`` address itself (a canonical must not point at one
    of the page's own hreflang alternates, or search engines drop the alternates)."""
    bare = url.replace(query="")
    pinned = QueryParams(url.query).get("lang") == locale
    return localized_url(bare, locale) if pinned else str(bare)


def alternates(url: URL) -> list[tuple[str, str]]:
    """hreflang alternates: one per supported locale plus ``x-default`` (negotiated)."""
    links = [(locale, localized_url(url, locale)) for locale in i18n.LOCALES]
    links.append(("x-default", str(url.remove_query_params("lang"))))
    return links


def product_jsonld(detail: ProductDetail, url: str) -> dict[str, Any]:
    """schema.org Product with one Offer per priced variant."""
    offers = [
        {
            "@type": "Offer",
            "sku": offer.sku,
            "price": str(offer.price.to_decimal()),
            "priceCurrency": offer.price.currency,
            "availability": "https://schema.org/"
            + ("InStock" if offer.available > 0 and detail.purchasable else "OutOfStock"),
            "url": url,
            **({"gtin": offer.gtin} if offer.gtin else {}),
        }
        for offer in detail.offers
        if offer.price is not None
    ]
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": detail.name,
        "url": url,
        "offers": offers,
    }
    if detail.description:
        data["description"] = detail.description
    if detail.brand:
        data["brand"] = {"@type": "Brand", "name": detail.brand}
    if detail.images:
        data["image"] = [image.src for image in detail.images]
    if len(detail.offers) == 1:
        data["sku"] = detail.offers[0].sku
    return data
