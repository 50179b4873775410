/* omnishop web chat widget. Embed: <script src="https://SHOP/webchat/widget.js" defer
   data-channel="webchat"></script>. No framework; nothing is fetched until the chat opens.
   Messages in: POST (the browser's message id makes a retry the same message).
   Messages out: SSE; EventSource resends Last-Event-ID on reconnect, and ids already shown
   are skipped, so a flaky phone connection neither loses nor repeats a message. An error
   answer (a proxy's 502) closes an EventSource for good: a new one resumes after the last id. */
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me || window.omnishopChat) return;
  var shop = new URL(me.src, location.href).origin;
  var channel = me.getAttribute("data-channel") || "webchat";
  var base = shop + "/webchat/" + encodeURIComponent(channel);
  var key = "omnishop.webchat." + channel;
  var T = {
    en: ["Chat", "Chat with us", "Write a message…", "Send", "Talk to a human", "Close",
         "Add to cart", "Could not send. Retrying…", "Human", "Send a photo",
         "Slow down a little: sending shortly…"],
    ru: ["Чат", "Напишите нам", "Сообщение…", "Отправить", "Позвать оператора", "Закрыть",
         "В корзину", "Не отправлено. Пробуем ещё…", "Оператор", "Отправить фото",
         "Не так быстро: отправим чуть позже…"],
    ka: ["ჩატი", "მოგვწერეთ", "შეტყობინება…", "გაგზავნა", "ოპერატორთან დაკავშირება", "დახურვა",
         "კალათაში", "ვერ გაიგზავნა. ვცდით ხელახლა…", "ოპერატორი", "ფოტოს გაგზავნა",
         "ცოტა ნელა: მალე გავაგზავნით…"]
  };
  var lang = (document.documentElement.lang || "ru").slice(0, 2);
  var t = T[lang] || T.en;
  var token = null, ready = null, source = null, seen = {}, last = null, wait = 3000;
  var box, list, input, note;

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text) e.textContent = text;
    return e;
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16)), h = [];
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    for (var i = 0; i < 16; i++) h.push((b[i] + 256).toString(16).slice(1));
    return h.join("").replace(/(.{8})(.{4})(.{4})(.{4})(.{12})/, "$1-$2-$3-$4-$5");
  }
  function css() {
    var s = el("style");
    s.textContent =
      ".oc-open{position:fixed;right:16px;bottom:16px;z-index:2147483000;border:0;border-radius:24px;" +
      "padding:12px 18px;background:#0b6e4f;color:#fff;font:600 16px system-ui;box-shadow:0 2px 8px #0004}" +
      ".oc-box{position:fixed;right:0;bottom:0;z-index:2147483001;display:flex;flex-direction:column;" +
      "width:100%;max-width:380px;height:min(600px,100dvh);background:#fff;color:#111;" +
      "box-shadow:0 0 16px #0005;font:15px/1.4 system-ui}" +
      ".oc-box[hidden]{display:none}.oc-head{display:flex;justify-content:space-between;align-items:center;" +
      "padding:10px 12px;background:#0b6e4f;color:#fff}.oc-head button{background:none;border:0;color:#fff;font-size:22px}" +
      ".oc-head .oc-human{margin-left:auto;font-size:14px;border:1px solid #fff;border-radius:8px;padding:4px 8px}" +
      ".oc-list{flex:1;overflow-y:auto;padding:8px;display:flex;flex-direction:column;gap:6px}" +
      ".oc-msg{max-width:85%;padding:8px 10px;border-radius:12px;background:#eef2f1;white-space:pre-wrap;word-wrap:break-word}" +
      ".oc-msg.oc-mine{align-self:flex-end;background:#d7f0e6}.oc-card{border:1px solid #ccc;border-radius:10px;padding:8px;margin-top:6px;background:#fff}" +
      ".oc-card img{max-width:100%;border-radius:6px}.oc-card b{display:block}" +
      ".oc-btn{display:inline-block;margin:4px 4px 0 0;padding:8px 12px;border:1px solid #0b6e4f;border-radius:8px;" +
      "background:#fff;color:#0b6e4f;font:inherit;text-decoration:none;cursor:pointer}" +
      ".oc-form{display:flex;gap:6px;padding:8px;border-top:1px solid #ddd}.oc-form input{flex:1;min-width:0;padding:10px;font:inherit}" +
      ".oc-form button{padding:10px 12px;border:0;border-radius:8px;background:#0b6e4f;color:#fff;font:inherit}";
    document.head.appendChild(s);
  }
  function button(b, card) {
    if (b.url) return el("a", { "class": "oc-btn", href: new URL(b.url, shop).href }, b.label);
    var btn = el("button", { "class": "oc-btn", type: "button" }, b.label);
    btn.addEventListener("click", function () { press(b, card); });
    return btn;
  }
  function press(b, card) {
    var m = /^cart:add:([0-9a-f-]{36})$/.exec(b.payload || "");
    if (m && location.origin !== shop && card && card.url) {  // another site: the shop's page
      location.href = new URL(card.url, shop).href;
      return;
    }
    if (m) {  // the shop's own cart form: the same cart (and checkout) as its product pages
      var f = el("form", { method: "post", action: shop + "/cart/add" });
      f.appendChild(el("input", { type: "hidden", name: "variant_id", value: m[1] }));
      f.appendChild(el("input", { type: "hidden", name: "quantity", value: "1" }));
      var csrf = document.querySelector('meta[name="csrf-token"]');  // the shop's own pages
      if (csrf) f.appendChild(el("input", { type: "hidden", name: "csrf", value: csrf.content }));
      document.body.appendChild(f);
      f.submit();
      return;
    }
    post({ payload: b.payload });
  }
  function draw(m) {
    last = m.id;  // a new stream resumes here
    if (seen[m.id]) return;
    seen[m.id] = 1;
    var row = el("div", { "class": "oc-msg" + (m.mine ? " oc-mine" : ""), "data-id": m.id,
                          "data-author": m.author }, m.text || (m.mine ? m.payload : "") || "");
    if (m.image_url) row.appendChild(el("img", { src: m.image_url, alt: "", style: "max-width:100%" }));
    (m.cards || []).forEach(function (c) {
      var card = el("div", { "class": "oc-card" });
      if (c.image_url) card.appendChild(el("img", { src: c.image_url, alt: "", loading: "lazy" }));
      card.appendChild(el("b", {}, c.title));
      if (c.subtitle) card.appendChild(el("span", {}, c.subtitle));
      (c.buttons || []).forEach(function (b) { card.appendChild(button(b, c)); });
      row.appendChild(card);
    });
    (m.buttons || []).forEach(function (b) { row.appendChild(button(b)); });
    if (m.location) row.appendChild(el("a", { "class": "oc-btn", target: "_blank", rel: "noopener",
      href: "https://www.openstreetmap.org/?mlat=" + m.location.latitude + "&mlon=" + m.location.longitude },
      m.location.title || "📍"));
    list.appendChild(row);
    list.scrollTop = list.scrollHeight;
  }
  function post(body, tries) {
    body.id = body.id || uuid();  // kept across retries: the server stores the message once
    tries = tries || 0;
    return session().then(function () {
      return fetch(base + "/messages", {
        method: "POST", credentials: "include",
        headers: { "Content-Type": "application/json", "Authorization": "Bearer " + token },
        body: JSON.stringify(body)
      });
    }).then(function (r) {
      if (r.status === 429) return r.json().then(function (p) {  // wait as told
        note.textContent = t[10];
        if (tries < 5) setTimeout(function () { post(body, tries + 1); }, 1000 * (p.retry_after || 5));
      });
      if (r.status >= 500) throw new Error(String(r.status));
      note.textContent = "";
    }).catch(function () {
      note.textContent = t[7];
      if (tries < 5) setTimeout(function () { post(body, tries + 1); }, 1000 * (tries + 1));
    });
  }
  function listen() {
    if (source) return;
    var es = source = new EventSource(base + "/events?token=" + encodeURIComponent(token) +
                                      (last ? "&after=" + last : ""));
    es.addEventListener("open", function () { wait = 3000; });
    es.addEventListener("message", function (e) { draw(JSON.parse(e.data)); });
    es.addEventListener("error", function () {  // closed for good: new session, new stream
      if (es.readyState !== 2 || source !== es) return;
      source = null;
      setTimeout(function () { ready = null; session().catch(function () {}); }, wait);
      wait = Math.min(wait * 2, 60000);
    });
  }
  function session() {  // one token request, shared by everything that needs it
    if (!ready) {
      ready = fetch(base + "/session", {
        method: "POST", credentials: "include", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ token: localStorage.getItem(key) })
      }).then(function (r) { if (!r.ok) throw r.status; return r.json(); }).then(function (s) {
        token = s.token;
        localStorage.setItem(key, token);
        listen();
      }).catch(function (e) { ready = null; throw e; });
    }
    return ready;
  }
  function open() {
    if (!box) build();
    box.hidden = false;
    input.focus();
    session().catch(function () { note.textContent = t[7]; });
  }
  function build() {
    box = el("section", { "class": "oc-box", id: "omnishop-chat", role: "dialog", "aria-label": t[1] });
    var head = el("div", { "class": "oc-head" });
    head.appendChild(el("b", {}, t[1]));
    var human = el("button", { type: "button", "class": "oc-human", title: t[4] }, t[8]);
    human.addEventListener("click", function () { post({ text: t[4] }); });
    var close = el("button", { type: "button", "aria-label": t[5] }, "×");
    close.addEventListener("click", function () { box.hidden = true; });
    head.appendChild(human); head.appendChild(close);
    list = el("div", { "class": "oc-list", "aria-live": "polite" });
    note = el("p", { "class": "oc-note", role: "status", style: "margin:0 8px;color:#a00;font-size:13px" });
    var form = el("form", { "class": "oc-form" });
    input = el("input", { name: "text", maxlength: "4000", autocomplete: "off", placeholder: t[2],
                          "aria-label": t[2] });
    var photo = el("input", { type: "file", accept: "image/jpeg,image/png,image/webp", hidden: "" });
    var camera = el("button", { type: "button", "class": "oc-photo", "aria-label": t[9], title: t[9] }, "+");
    camera.addEventListener("click", function () { photo.click(); });
    photo.addEventListener("change", function () {
      if (!photo.files.length) return;
      var data = new FormData();
      data.append("id", uuid());
      data.append("file", photo.files[0]);
      session().then(function () {
        return fetch(base + "/photos", { method: "POST", credentials: "include", body: data,
          headers: { "Authorization": "Bearer " + token } });
      }).then(function (r) { note.textContent = r.ok ? "" : t[7]; },
              function () { note.textContent = t[7]; });
      photo.value = "";
    });
    form.appendChild(photo);
    form.appendChild(camera);
    form.appendChild(input);
    form.appendChild(el("button", { type: "submit" }, t[3]));
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var text = input.value.trim();
      if (!text) return;
      input.value = "";
      post({ text: text });
    });
    box.appendChild(head); box.appendChild(list); box.appendChild(note); box.appendChild(form);
    document.body.appendChild(box);
  }
  function boot() {
    var launcher = el("button", { "class": "oc-open", type: "button", id: "omnishop-chat-open" }, t[0]);
    launcher.addEventListener("click", open);
    css();
    document.body.appendChild(launcher);
  }
  window.omnishopChat = { open: open };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
