"""What the bot says, in ru, en and ka. Kept here rather than in the gettext catalogs: these
are messenger replies, not template strings, and a key per reply keeps flows readable.
``t(key, language, **values)`` falls back to English, then Russian."""

from __future__ import annotations

from typing import Any

from omnishop.kernel import i18n

TEXTS: dict[str, dict[str, str]] = {
    "greeting": {
        "ru": "Здравствуйте! Я помогу найти товар, оформить заказ и узнать его статус.",
        "en": "Hello! I can find products, take your order and tell you where it is.",
        "ka": "გამარჯობა! დაგეხმარებით პროდუქტის პოვნაში, შეკვეთასა და მის სტატუსში.",
    },
    "menu.search": {"ru": "Каталог", "en": "Catalogue", "ka": "კატალოგი"},
    "menu.cart": {"ru": "Корзина", "en": "Cart", "ka": "კალათა"},
    "menu.orders": {"ru": "Мои заказы", "en": "My orders", "ka": "ჩემი შეკვეთები"},
    "menu.human": {"ru": "Оператор", "en": "Talk to a person", "ka": "ოპერატორი"},
    "thanks": {
        "ru": "Пожалуйста! Напишите, если что-то ещё понадобится.",
        "en": "You're welcome! Write any time.",
        "ka": "არაფრის! მოგვწერეთ ნებისმიერ დროს.",
    },
    "ask.product": {
        "ru": "Что вы ищете? Напишите название товара.",
        "en": "What are you looking for? Type a product name.",
        "ka": "რას ეძებთ? დაწერეთ პროდუქტის სახელი.",
    },
    "found": {
        "ru": "Вот что нашлось по запросу «{q}»:",
        "en": "Here is what I found for “{q}”:",
        "ka": "აი, რა ვიპოვე „{q}“-ზე:",
    },
    "nothing": {
        "ru": "По запросу «{q}» ничего не нашлось. Попробуйте другое слово.",
        "en": "Nothing found for “{q}”. Try another word.",
        "ka": "„{q}“-ზე ვერაფერი მოიძებნა.",
    },
    "more": {"ru": "Ещё", "en": "More", "ka": "მეტი"},
    "in_stock": {"ru": "в наличии", "en": "in stock", "ka": "მარაგშია"},
    "out_of_stock": {"ru": "нет в наличии", "en": "out of stock", "ka": "არ არის მარაგში"},
    "add": {"ru": "В корзину", "en": "Add to cart", "ka": "კალათაში"},
    "choose.variant": {
        "ru": "Выберите вариант «{name}»:",
        "en": "Choose an option of “{name}”:",
        "ka": "აირჩიეთ „{name}“-ის ვარიანტი:",
    },
    "added": {
        "ru": "Добавил в корзину: {name} × {qty}. В корзине на {total}.",
        "en": "Added to your cart: {name} × {qty}. Cart total {total}.",
        "ka": "კალათაში დაემატა: {name} × {qty}. ჯამი {total}.",
    },
    "not_added": {
        "ru": "Не получилось добавить: {reason}",
        "en": "Could not add it: {reason}",
        "ka": "ვერ დაემატა: {reason}",
    },
    "which_product": {
        "ru": "Какой товар добавить? Найдите его, и нажмите «В корзину» на карточке.",
        "en": "Which product? Find it and press “Add to cart” on its card.",
        "ka": "რომელი პროდუქტი? იპოვეთ და დააჭირეთ „კალათაში“.",
    },
    "cart.empty": {"ru": "Корзина пуста.", "en": "Your cart is empty.", "ka": "კალათა ცარიელია."},
    "cart.lines": {"ru": "В корзине:", "en": "In your cart:", "ka": "კალათაში:"},
    "cart.total": {"ru": "Итого: {total}", "en": "Total: {total}", "ka": "სულ: {total}"},
    "checkout": {"ru": "Оформить заказ", "en": "Check out", "ka": "შეკვეთა"},
    "pay.link": {
        "ru": "Оформите заказ и оплатите по ссылке — корзина уже там.",
        "en": "Check out and pay here — your cart is waiting.",
        "ka": "შეკვეთა და გადახდა ამ ბმულზე.",
    },
    "pay.invoice": {
        "ru": "Счёт на оплату ниже: {total}.",
        "en": "Here is your invoice: {total}.",
        "ka": "ანგარიში: {total}.",
    },
    "pay": {"ru": "Оплатить", "en": "Pay", "ka": "გადახდა"},
    "invoice.title": {"ru": "Заказ", "en": "Order", "ka": "შეკვეთა"},
    "invoice.discount": {"ru": "Скидка", "en": "Discount", "ka": "ფასდაკლება"},
    "invoice.shipping": {"ru": "Доставка", "en": "Delivery", "ka": "მიწოდება"},
    "invoice.tax": {"ru": "Налог", "en": "Tax", "ka": "გადასახადი"},
    "invoice.duties": {"ru": "Пошлины", "en": "Duties", "ka": "ბაჟი"},
    "invoice.points": {"ru": "Оплата баллами", "en": "Paid with points", "ka": "ქულებით"},
    "invoice.total": {"ru": "Итого", "en": "Total", "ka": "სულ"},
    "ask.order": {
        "ru": "Напишите номер заказа (например, WEB-000123).",
        "en": "What is the order number (e.g. WEB-000123)?",
        "ka": "დაწერეთ შეკვეთის ნომერი.",
    },
    "order.unknown": {
        "ru": "Не нашёл заказ {number} среди ваших заказов.",
        "en": "I could not find order {number} among your orders.",
        "ka": "შეკვეთა {number} ვერ მოიძებნა.",
    },
    "order.status": {
        "ru": "Заказ {number}: {status}, оплата: {payment}. Сумма {total}.",
        "en": "Order {number}: {status}, payment: {payment}. Total {total}.",
        "ka": "შეკვეთა {number}: {status}, გადახდა: {payment}. ჯამი {total}.",
    },
    "order.tracking": {
        "ru": "Отправление {carrier} {tracking}: {status}.",
        "en": "Shipment {carrier} {tracking}: {status}.",
        "ka": "გზავნილი {carrier} {tracking}: {status}.",
    },
    "orders.none": {
        "ru": "У вас пока нет заказов.",
        "en": "You have no orders yet.",
        "ka": "შეკვეთები ჯერ არ გაქვთ.",
    },
    "orders.pick": {"ru": "Ваши заказы:", "en": "Your orders:", "ka": "თქვენი შეკვეთები:"},
    "return": {
        "ru": "Возврат заказа {number} можно оформить на странице заказа: {link}",
        "en": "You can start a return of order {number} on its page: {link}",
        "ka": "შეკვეთის {number} დაბრუნება: {link}",
    },
    "delivery": {
        "ru": "Доставляем курьером, почтой и в пункты выдачи; цена и сроки видны при "
        "оформлении после ввода адреса.",
        "en": "We deliver by courier, post and to pickup points; the price and dates show at "
        "checkout once you enter the address.",
        "ka": "ვაწვდით კურიერით, ფოსტით და გაცემის პუნქტებში.",
    },
    "loyalty": {
        "ru": "У вас {points} баллов{tier}.",
        "en": "You have {points} points{tier}.",
        "ka": "თქვენ გაქვთ {points} ქულა{tier}.",
    },
    "loyalty.anonymous": {
        "ru": "Баллы копятся за покупки. Войдите в аккаунт магазина, и я покажу баланс.",
        "en": "Points come with purchases. Link your shop account and I will show the balance.",
        "ka": "ქულები გროვდება შენაძენებით.",
    },
    "ask.location": {
        "ru": "Пришлите геопозицию — покажу ближайшие магазины, где есть товар.",
        "en": "Share your location and I will show the nearest stores that have it.",
        "ka": "გამოგზავნეთ მდებარეობა — გაჩვენებთ უახლოეს მაღაზიებს.",
    },
    "stores.none": {
        "ru": "Рядом нет магазинов с этим товаром в наличии.",
        "en": "No store near you has it in stock.",
        "ka": "ახლოს მაღაზია ამ პროდუქტით არ არის.",
    },
    "stores.pick_product": {
        "ru": "Какой товар ищете в магазинах? Найдите его и откройте карточку.",
        "en": "Which product should I look for in stores? Find it first.",
        "ka": "რომელი პროდუქტი ვეძებოთ მაღაზიებში?",
    },
    "store": {
        "ru": "{name}, {address} — {available} шт.{distance}\nЧасы: {hours}\n{map}",
        "en": "{name}, {address} — {available} pcs{distance}\nHours: {hours}\n{map}",
        "ka": "{name}, {address} — {available} ც.{distance}\nსაათები: {hours}\n{map}",
    },
    "question": {
        "ru": "Подробности — на странице товара. Если остались вопросы, позову консультанта.",
        "en": "The product page has the details; I can call a consultant if you like.",
        "ka": "დეტალები პროდუქტის გვერდზეა.",
    },
    "not_understood": {
        "ru": "Простите, не понял. Могу найти товар, показать корзину или статус заказа.",
        "en": "Sorry, I did not get that. I can find a product, show your cart or an order.",
        "ka": "ბოდიში, ვერ გავიგე.",
    },
    "other": {
        "ru": "С этим лучше поможет оператор. Позвать?",
        "en": "A person can help you better with that. Shall I call one?",
        "ka": "ამაში ოპერატორი დაგეხმარებათ. დავუძახო?",
    },
    "handoff": {
        "ru": "Передаю разговор оператору, он ответит здесь же.",
        "en": "I am passing you to a person; they will answer here.",
        "ka": "გადაგცემთ ოპერატორს.",
    },
    "resume": {
        "ru": "Вернёмся к предыдущему?",
        "en": "Back to where we were?",
        "ka": "დავუბრუნდეთ წინას?",
    },
    "resume.button": {"ru": "Продолжить", "en": "Continue", "ka": "გაგრძელება"},
    "precheckout.gone": {
        "ru": "Эта корзина уже оформлена или закрыта.",
        "en": "This cart was already checked out or closed.",
        "ka": "ეს კალათა უკვე დახურულია.",
    },
    "precheckout.stock": {
        "ru": "Товар закончился, пока вы оформляли заказ.",
        "en": "An item sold out while you were paying.",
        "ka": "პროდუქტი ამოიწურა.",
    },
    "precheckout.changed": {
        "ru": "Цена изменилась, запросите новый счёт.",
        "en": "The price changed; ask for a new invoice.",
        "ka": "ფასი შეიცვალა.",
    },
    "paid": {
        "ru": "Оплата получена, спасибо! Оператор подтвердит заказ здесь.",
        "en": "Payment received, thank you! A person will confirm your order here.",
        "ka": "გადახდა მიღებულია, გმადლობთ!",
    },
    "link.ask": {
        "ru": "Напишите email или телефон (с кодом страны), указанный в аккаунте магазина.",
        "en": "Type the email or phone (with country code) of your shop account.",
        "ka": "დაწერეთ ანგარიშის ელფოსტა ან ტელეფონი.",
    },
    "link.sent": {
        "ru": "Отправил код на {destination}. Пришлите его сюда (6 цифр).",
        "en": "I sent a code to {destination}. Type it here (6 digits).",
        "ka": "კოდი გაიგზავნა {destination}-ზე. ჩაწერეთ აქ.",
    },
    "link.bad_destination": {
        "ru": "Не похоже на email или телефон с кодом страны.",
        "en": "That does not look like an email or a phone with its country code.",
        "ka": "ეს არ ჰგავს ელფოსტას ან ტელეფონს.",
    },
    "link.limited": {
        "ru": "Слишком много кодов за час, попробуйте позже.",
        "en": "Too many codes this hour; try again later.",
        "ka": "ძალიან ბევრი კოდი; სცადეთ მოგვიანებით.",
    },
    "link.done": {
        "ru": "Готово: чат связан с вашим аккаунтом. Теперь видны ваши заказы и баллы.",
        "en": "Done: this chat is linked to your account; your orders and points show here.",
        "ka": "მზადაა: ჩატი დაკავშირებულია თქვენს ანგარიშთან.",
    },
    "link.wrong": {
        "ru": "Код не подошёл или устарел. Попробуйте ещё раз.",
        "en": "That code is wrong or expired. Try again.",
        "ka": "კოდი არასწორია ან ვადაგასულია.",
    },
    "link.button": {"ru": "Войти в аккаунт", "en": "Sign in", "ka": "შესვლა"},
    "review.rate": {
        "ru": "Как вы оцените «{name}»?",
        "en": "How would you rate “{name}”?",
        "ka": "როგორ შეაფასებთ „{name}“-ს?",
    },
    "review.text": {
        "ru": "Спасибо! Напишите пару слов о товаре.",
        "en": "Thank you! A few words about it?",
        "ka": "გმადლობთ! დაწერეთ რამდენიმე სიტყვა.",
    },
    "review.done": {
        "ru": "Отзыв отправлен, он появится после проверки.",
        "en": "Review sent; it appears once checked.",
        "ka": "შეფასება გაიგზავნა.",
    },
    "review.refused": {
        "ru": "Оставить отзыв можно на полученный товар, один раз.",
        "en": "You can review a product you received, once.",
        "ka": "შეფასება შესაძლებელია მიღებულ პროდუქტზე, ერთხელ.",
    },
    "error": {
        "ru": "Не получилось, попробуйте ещё раз или позовите оператора.",
        "en": "That did not work; try again or ask for a person.",
        "ka": "ვერ მოხერხდა; სცადეთ ხელახლა.",
    },
    "csat.thanks": {
        "ru": "Спасибо за оценку!",
        "en": "Thank you for rating us!",
        "ka": "გმადლობთ შეფასებისთვის!",
    },
    "ask.option": {
        "ru": "Какой вариант выбрать?",
        "en": "Which option would you like?",
        "ka": "რომელი ვარიანტი?",
    },
    "return.pick_order": {
        "ru": "Какой заказ вернуть?",
        "en": "Which order would you like to return?",
        "ka": "რომელი შეკვეთის დაბრუნება გსურთ?",
    },
    "return.no_orders": {
        "ru": "Сейчас нет заказов, которые можно вернуть.",
        "en": "None of your orders can be returned right now.",
        "ka": "ამჟამად დასაბრუნებელი შეკვეთა არ გაქვთ.",
    },
    "return.lines": {
        "ru": "Заказ {number}. Что вернуть? Нажмите на товар — по одной штуке, или «все».",
        "en": "Order {number}. What would you like to return? Tap an item for one unit, or “all”.",
        "ka": "შეკვეთა {number}. რა დავაბრუნოთ? დააჭირეთ ნივთს — თითო ცალი, ან „ყველა“.",
    },
    "return.picked": {
        "ru": "Выбрано: {items}.",
        "en": "Chosen: {items}.",
        "ka": "არჩეულია: {items}.",
    },
    "return.all": {
        "ru": "{name}: все ({count})",
        "en": "{name}: all ({count})",
        "ka": "{name}: ყველა ({count})",
    },
    "return.next": {"ru": "Далее", "en": "Next", "ka": "შემდეგი"},
    "return.cancel": {
        "ru": "Отменить возврат",
        "en": "Cancel the return",
        "ka": "დაბრუნების გაუქმება",
    },
    "return.canceled": {
        "ru": "Хорошо, возврат не оформляем.",
        "en": "All right, no return then.",
        "ka": "კარგი, დაბრუნებას არ ვაფორმებთ.",
    },
    "return.pick_line": {
        "ru": "Сначала выберите хотя бы один товар.",
        "en": "Choose at least one item first.",
        "ka": "ჯერ აირჩიეთ ერთი ნივთი მაინც.",
    },
    "return.reason": {
        "ru": "Почему возвращаете?",
        "en": "Why are you returning it?",
        "ka": "რატომ აბრუნებთ?",
    },
    "return.reason.changed_mind": {
        "ru": "Передумал(а)",
        "en": "Changed my mind",
        "ka": "გადავიფიქრე",
    },
    "return.reason.wrong_size": {
        "ru": "Не подошёл размер",
        "en": "Wrong size",
        "ka": "ზომა არ მომერგო",
    },
    "return.reason.damaged": {"ru": "Повреждён", "en": "Damaged", "ka": "დაზიანებულია"},
    "return.reason.defective": {"ru": "Брак", "en": "Defective", "ka": "წუნდებულია"},
    "return.reason.not_as_described": {
        "ru": "Не как в описании",
        "en": "Not as described",
        "ka": "აღწერას არ შეესაბამება",
    },
    "return.reason.wrong_item": {
        "ru": "Прислали не то",
        "en": "Wrong item sent",
        "ka": "სხვა ნივთი გამომიგზავნეს",
    },
    "return.reason.other": {"ru": "Другое", "en": "Other", "ka": "სხვა"},
    "return.confirm": {
        "ru": "Вернуть из заказа {number}: {items}. Причина: {reason}. Оформить возврат?",
        "en": "Return from order {number}: {items}. Reason: {reason}. Send the request?",
        "ka": "შეკვეთიდან {number} დაბრუნდება: {items}. მიზეზი: {reason}. გავაფორმოთ?",
    },
    "return.confirm.button": {
        "ru": "Оформить возврат",
        "en": "Send the request",
        "ka": "გაფორმება",
    },
    "return.created": {
        "ru": "Возврат {number} оформлен. {next} Вернём {amount}, когда получим товар.",
        "en": "Return {number} is open. {next} We will refund {amount} once the items arrive.",
        "ka": "დაბრუნება {number} გაფორმდა. {next} ნივთის მიღების შემდეგ დაგიბრუნებთ {amount}-ს.",
    },
    "return.drop_off": {
        "ru": "Принесите товар в магазин «{store}» ({address}).",
        "en": "Please bring the items to {store} ({address}).",
        "ka": "მოიტანეთ ნივთი მაღაზიაში „{store}“ ({address}).",
    },
    "return.courier": {
        "ru": "Передайте посылку курьерской службе, номер отправления возврата {tracking}.",
        "en": "Hand the parcel to the carrier; its return tracking number is {tracking}.",
        "ka": "გადაეცით ამანათი კურიერს; დაბრუნების ნომერია {tracking}.",
    },
    "return.already": {
        "ru": "Возврат {number} уже оформлен.",
        "en": "Return {number} has already been sent.",
        "ka": "დაბრუნება {number} უკვე გაფორმებულია.",
    },
    "return.stale": {
        "ru": "Эта кнопка уже неактуальна, продолжим отсюда.",
        "en": "That button is out of date; let's go on from here.",
        "ka": "ეს ღილაკი აღარ მოქმედებს; გავაგრძელოთ აქედან.",
    },
    "return.undelivered": {
        "ru": "Заказ {number} ещё не доставлен: вернуть его можно после получения.",
        "en": "Order {number} has not been delivered yet: it can be returned once you have it.",
        "ka": "შეკვეთა {number} ჯერ არ მიწოდებულა: მისი დაბრუნება მიღების შემდეგ შეიძლება.",
    },
    "return.window": {
        "ru": "Срок возврата заказа {number} закончился {date}: вернуть можно в течение {days} дн. "
        "после получения.",
        "en": "Returns of order {number} closed on {date}: items may be returned within {days} "
        "days of delivery.",
        "ka": "შეკვეთის {number} დაბრუნების ვადა {date}-ს ამოიწურა ({days} დღე მიღებიდან).",
    },
    "return.not_returnable": {
        "ru": "Товары заказа {number} возврату не подлежат.",
        "en": "The items of order {number} cannot be returned.",
        "ka": "შეკვეთის {number} ნივთები არ ბრუნდება.",
    },
    "return.nothing_left": {
        "ru": "Всё из заказа {number} уже возвращено или в возврате.",
        "en": "Everything in order {number} has already been returned or is in a return.",
        "ka": "შეკვეთის {number} ყველა ნივთი უკვე დაბრუნებულია ან დაბრუნების პროცესშია.",
    },
    "return.too_many": {
        "ru": "Столько штук уже не вернуть, выберите заново.",
        "en": "That many units can no longer be returned; please choose again.",
        "ka": "ამდენი ცალის დაბრუნება აღარ შეიძლება; აირჩიეთ თავიდან.",
    },
    "return.browser": {
        "ru": "Открыть в браузере",
        "en": "Open in browser",
        "ka": "ბრაუზერში გახსნა",
    },
    # Telegram invoices with delivery (conversations/bot/delivery.py).
    "checkout.delivery": {
        "ru": "Оформить с доставкой",
        "en": "Check out with delivery",
        "ka": "შეკვეთა მიწოდებით",
    },
    "shipping.unavailable": {
        "ru": "По этому адресу мы пока не доставляем. Укажите другой адрес или выберите самовывоз.",
        "en": "We do not deliver to this address yet. Enter another address or choose pickup.",
        "ka": "ამ მისამართზე ჯერ არ ვაწვდით. მიუთითეთ სხვა მისამართი ან აირჩიეთ თვითგატანა.",
    },
    "placed.delivery": {
        "ru": "Оплата получена, спасибо! Заказ {number} оформлен, доставка: {delivery}, "
        "{address}. Статус заказа: {link}",
        "en": "Payment received, thank you! Order {number} is placed, delivery: {delivery}, "
        "{address}. Order status: {link}",
        "ka": "გადახდა მიღებულია, გმადლობთ! შეკვეთა {number} გაფორმდა, მიწოდება: {delivery}, "
        "{address}. შეკვეთის სტატუსი: {link}",
    },
}


def t(key: str, language: str, **values: Any) -> str:
    entry = TEXTS[key]
    text = entry.get(i18n.normalize(language) or "en") or entry.get("en") or entry["ru"]
    return text.format(**values) if values else text
