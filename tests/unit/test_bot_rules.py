"""The bot's pure rules: language, rule intents, slots, payloads, the paused-flow stack."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from omnishop.conversations.bot import rules
from omnishop.conversations.bot.texts import TEXTS, state, t
from omnishop.kernel import i18n


def test_language_follows_the_script() -> None:
    assert rules.language_of("где мой заказ") == "ru"
    assert rules.language_of("where is my order") == "en"
    assert rules.language_of("გამარჯობა") == "ka"
    assert rules.language_of("iPhone 15 чехол") == "ru"  # mostly Cyrillic words win
    assert rules.language_of("") == "en"


def test_rules_catch_greetings_thanks_humans_and_bare_order_numbers() -> None:
    assert rules.rule_intent("Привет!") == "greeting"
    assert rules.rule_intent("/start") == "greeting"
    assert rules.rule_intent("good morning") == "greeting"
    assert rules.rule_intent("спасибо большое") == "thanks"
    assert rules.rule_intent("позовите оператора") == "human"
    assert rules.rule_intent("talk to a human please") == "human"
    assert rules.rule_intent("W-000123") == "order_status"
    # A greeting inside a real question is for the model.
    assert rules.rule_intent("привет, ищу чайник") is None
    # An order number inside a sentence is a slot, the model decides (cancel is not status).
    assert rules.rule_intent("cancel order WEB-000123 please") is None


def test_a_rule_wins_over_the_model_and_confidence_needs_the_threshold() -> None:
    ruled = rules.understand("привет", "search", 0.9)
    assert ruled.intent == "greeting" and ruled.confident and ruled.by_rule
    unsure = rules.understand("хм ну такое", "search", rules.CONFIDENCE - 0.01)
    assert unsure.intent == "search" and not unsure.confident
    sure = rules.understand("покажите чайники", "search", rules.CONFIDENCE)
    assert sure.confident


def test_order_numbers_in_our_format_or_after_the_word_order() -> None:
    assert rules.order_number("где заказ w-000123?") == "W-000123"
    assert rules.order_number("статус WEB-RU-000042") == "WEB-RU-000042"
    assert rules.order_number("заказ 12345 где") == "12345"
    assert rules.order_number("order no. 777") == "777"
    assert rules.order_number("№ 4567") == "4567"
    assert rules.order_number("invoice #37777") is None
    assert rules.order_number("хочу 2 чайника") is None


def test_quantities_in_digits_and_words() -> None:
    assert rules.quantity("добавь 3 шт") == 3
    assert rules.quantity("x2") == 2
    assert rules.quantity("две штуки пожалуйста") == 2
    assert rules.quantity("add two of these") == 2
    assert rules.quantity("add 0 pcs") is None
    assert rules.quantity("добавь в корзину") is None


def test_sizes_letter_or_numeric_with_the_word_size() -> None:
    assert rules.size("беру M") == "M"
    assert rules.size("размер xl") is None  # letter sizes only in capitals: "xl" is a word
    assert rules.size("нужен XL") == "XL"
    assert rules.size("42 размер") == "42"
    assert rules.size("size 38,5") == "38.5"
    assert rules.size("хочу 42") is None  # a bare number is not a size


def test_the_product_query_drops_the_asking_words() -> None:
    assert rules.product_query("Покажите, пожалуйста, чайники") == "чайники"
    assert rules.product_query("do you have running shoes?") == "running shoes"
    assert rules.product_query("есть ли у вас зонты") == "зонты"
    assert rules.product_query("покажите") is None


def test_choose_option_needs_exactly_one_match() -> None:
    options = [
        {"variant_id": "a", "label": "M, red", "values": ["M", "red"]},
        {"variant_id": "b", "label": "L, red", "values": ["L", "red"]},
        {"variant_id": "c", "label": "L, blue", "values": ["L", "blue"]},
    ]
    chosen_m = rules.choose_option(options, "давайте M")
    assert chosen_m is not None and chosen_m["variant_id"] == "a"
    chosen_blue = rules.choose_option(options, "blue please")
    assert chosen_blue is not None and chosen_blue["variant_id"] == "c"
    assert rules.choose_option(options, "red") is None  # two reds: ask again
    assert rules.choose_option(options, "зелёный") is None


@given(st.sampled_from(["add", "pick", "dec", "order"]), st.uuids())
def test_payloads_round_trip_and_fit_telegram(action: str, ident: object) -> None:
    raw = rules.payload(action, str(ident))
    assert len(raw.encode()) <= 64
    assert rules.parse_payload(raw) == (action, str(ident))


def test_foreign_payloads_are_not_ours() -> None:
    assert rules.parse_payload("more") is None
    assert rules.parse_payload(None) is None
    assert rules.parse_payload("bot:") is None
    assert rules.parse_payload("bot:cart") == ("cart", None)


def test_pausing_keeps_the_flow_once_most_recent_last_without_the_cart() -> None:
    paused = rules.pause([], "order_status", "number", {"cart": "tok", "x": 1})
    assert paused == [{"flow": "order_status", "step": "number", "slots": {"x": 1}}]
    paused = rules.pause(paused, "variant", "option", {"options": []})
    paused = rules.pause(paused, "order_status", "number", {"x": 2})
    assert [p["flow"] for p in paused] == ["variant", "order_status"]
    assert paused[-1]["slots"] == {"x": 2}
    # A finished or non-resumable flow is not paused.
    assert rules.pause([], "search", "results", {}) == []
    assert rules.pause([], "order_status", None, {}) == []
    entry, rest = rules.resume(paused)
    assert entry is not None and entry["flow"] == "order_status"
    assert [p["flow"] for p in rest] == ["variant"]
    assert rules.resume([]) == (None, [])


@given(st.lists(st.sampled_from(sorted(rules.RESUMABLE)), max_size=10))
def test_the_paused_stack_never_grows_past_its_limit(flows: list[str]) -> None:
    paused: list[object] = []
    for flow in flows:
        paused = rules.pause(paused, flow, "step", {})
    assert len(paused) <= 3
    assert len({p["flow"] for p in paused}) == len(paused)  # type: ignore[index]


def test_links() -> None:
    link = rules.pay_link("https://shop.example/", "abc", "telegram")
    assert link == "https://shop.example/checkout?cart=abc&utm_source=telegram"
    assert rules.map_link(55.75, 37.59).startswith("https://www.openstreetmap.org/?mlat=55.75000")
    assert rules.product_link("https://shop.example", "чайник") == (
        "https://shop.example/p/%D1%87%D0%B0%D0%B9%D0%BD%D0%B8%D0%BA"
    )


def test_opening_hours_join_days_with_the_same_hours() -> None:
    hours = {d: [["09:00", "21:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
    hours["sat"] = [["10:00", "18:00"]]
    assert rules.hours_line(hours) == "Mon–Fri 09:00–21:00, Sat 10:00–18:00"
    assert rules.hours_line(hours, "ru") == "пн–пт 09:00–21:00, сб 10:00–18:00"
    assert rules.hours_line(hours, "ka") == "ორშ–პარ 09:00–21:00, შაბ 10:00–18:00"
    assert rules.hours_line({}) == ""


def test_the_handoff_summary_says_why_and_what_was_said() -> None:
    summary = rules.handoff_summary(
        reason="low_confidence",
        intent="other",
        language="ru",
        slots={"order_number": "W-1", "_last": "x", "cart": "tok"},
        recent=["a", "b", "c", "d", "e", "f"],
    )
    assert summary.startswith("reason: low_confidence\nlanguage: ru\nlast intent: other")
    assert "cart=tok, order_number=W-1" in summary and "_last" not in summary
    assert "- a" not in summary and "- f" in summary  # the last five


def test_every_reply_is_translated_into_ru_and_ka_in_the_catalogs() -> None:
    for language in ("ru", "ka"):
        translate = i18n.translator(language)
        untranslated = [key for key, msgid in TEXTS.items() if translate(msgid) == msgid]
        assert untranslated == [], language
    assert t("found", "en", q="x") == "Here is what I found for “x”:"
    assert t("found", "ru", q="x") == "Вот что нашлось по запросу «x»:"
    assert t("found", "ka", q="x") == "აი, რა ვიპოვე „x“-ზე:"
    assert t("found", "xx", q="x") == "Here is what I found for “x”:"  # unknown: English


def test_order_payment_and_shipment_states_are_words_in_the_chats_language() -> None:
    assert state("order", "placed", "ru") == "Оформлен"
    assert state("payment", "pending", "en") == "Awaiting payment"
    assert state("shipment", "in_transit", "ka") == "გზაშია"
    assert state("shipment", "teleported", "ru") == "teleported"  # unknown codes as they are


def test_a_flow_waits_for_an_answer_only_at_a_pending_step() -> None:
    assert rules.waiting("order_status", "number")
    assert rules.waiting("search", "ask")
    assert not rules.waiting("search", "results")
    assert not rules.waiting(None, None)
    assert not rules.waiting("order_status", None)


def test_a_pre_checkout_is_accepted_only_for_an_open_held_unchanged_cart() -> None:
    good = {
        "cart_open": True,
        "held": True,
        "currency": "RUB",
        "total": 100,
        "asked_currency": "RUB",
        "asked_total": 100,
    }
    assert rules.pre_checkout_verdict(**good) is None  # type: ignore[arg-type]
    assert rules.pre_checkout_verdict(**{**good, "cart_open": False}) == "precheckout.gone"  # type: ignore[arg-type]
    assert rules.pre_checkout_verdict(**{**good, "held": False}) == "precheckout.stock"  # type: ignore[arg-type]
    assert rules.pre_checkout_verdict(**{**good, "asked_total": 99}) == "precheckout.changed"  # type: ignore[arg-type]
    assert rules.pre_checkout_verdict(**{**good, "asked_currency": "USD"}) == "precheckout.changed"  # type: ignore[arg-type]


def test_sign_in_review_contacts_and_codes() -> None:
    assert rules.wants_link("хочу войти в аккаунт")
    assert rules.wants_link("link my account")
    assert not rules.wants_link("покажите чайники")
    assert rules.wants_review("хочу оставить отзыв")
    assert rules.wants_review("I want to review the kettle")
    assert rules.contact("моя почта Anna@Example.com") == "Anna@Example.com"
    assert rules.contact("телефон +7 (999) 123-45-67") == "+7 (999) 123-45-67"
    assert rules.contact("заказ 12345") is None
    assert rules.one_time_code(" 012345 ") == "012345"
    assert rules.one_time_code("12345") is None
    assert rules.one_time_code("код 123456") is None


def test_a_description_excerpt_is_plain_and_cut_at_a_word() -> None:
    assert rules.excerpt("<p>Стальной <b>чайник</b></p>") == "Стальной чайник"
    long = "слово " * 100
    cut = rules.excerpt(long, 20)
    assert cut == "слово слово слово…"
    assert rules.excerpt("") == ""


def test_the_product_query_leaves_sizes_and_quantities_to_their_slots() -> None:
    assert rules.product_query("есть кроссовки 42 размера?") == "кроссовки"
    assert rules.product_query("ищу футболку размер M") == "футболку"
    assert rules.product_query("покажите кружки 2 шт") == "кружки"


@given(st.text(max_size=300))
def test_slot_extractors_never_fail_and_stay_in_range(text: str) -> None:
    q = rules.quantity(text)
    assert q is None or 1 <= q <= rules.MAX_QUANTITY
    query = rules.product_query(text)
    assert query is None or 0 < len(query) <= 200
    rules.order_number(text)
    rules.size(text)
    rules.contact(text)
    assert rules.language_of(text) in ("ru", "en", "ka")
