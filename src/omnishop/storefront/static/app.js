/* omnishop progressive enhancements, loaded deferred on every page; every page works without.
   1. registers the service worker; 2. refuses cart changes while offline with a clear message;
   3. web push opt-in (only where a page offers it: the order confirmation);
   4. gallery tap / pinch zoom. */
(function () {
  "use strict";
  var doc = document, root = doc.getElementById("notice") || doc.documentElement;

  if ("serviceWorker" in navigator) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js", {scope: "/"}).catch(function () {});
    });
  }

  function notice(text) {
    var box = doc.getElementById("notice");
    if (!box || !text) return;
    box.textContent = text;
    box.hidden = false;
  }

  /* Header cart badge: a page the service worker served from cache may show an old count;
     the cart_n cookie (written by every cart change) is the current one. */
  var badge = doc.getElementById("cart-n"), n = /(?:^|; )cart_n=(\d{1,4})/.exec(doc.cookie);
  if (badge && badge.lastElementChild) {
    badge.lastElementChild.textContent = n ? n[1] : "0";
    badge.hidden = !n || n[1] === "0";
  }

  /* Polling, the htmx way without htmx: an element with hx-get and hx-trigger="every Ns"
     is replaced by what its URL returns (outerHTML) every N seconds; the server stops it by
     sending the block back without hx-get (the order status once the payment is final). */
  function poll(el) {
    var every = /^every (\d+)s$/.exec(el.getAttribute("hx-trigger") || "");
    if (!every || !window.fetch) return;
    setTimeout(function () {
      if (!el.isConnected) return;
      fetch(el.getAttribute("hx-get"), {headers: {"HX-Request": "true"}})
        .then(function (r) { if (!r.ok) throw r; return r.text(); })
        .then(function (html) {
          var box = doc.createElement("div");
          box.innerHTML = html;
          var next = box.querySelector("#" + el.id) || box.firstElementChild;
          if (!next) return;
          el.replaceWith(next);
          if (next.hasAttribute("hx-get")) poll(next);
        })
        .catch(function () { poll(el); });
    }, +every[1] * 1000);
  }
  Array.prototype.forEach.call(doc.querySelectorAll("[hx-get][hx-trigger^='every ']"), poll);

  /* Offline: a cart or checkout form is not sent (it would fail); the cart stays as it was. */
  doc.addEventListener("submit", function (event) {
    var form = event.target;
    if (navigator.onLine !== false || !form.action) return;
    if (/^\/(cart|checkout)/.test(new URL(form.action, location.href).pathname)) {
      event.preventDefault();
      notice(root.getAttribute("data-offline-cart"));
    }
  }, true);
  window.addEventListener("offline", function () { notice(root.getAttribute("data-offline")); });
  window.addEventListener("online", function () {
    var box = doc.getElementById("notice");
    if (box) box.hidden = true;
  });

  /* Suggestions as you type: the server renders the list (product and category links). */
  var q = doc.getElementById("q"), box = doc.getElementById("q-suggest");
  if (q && box && window.fetch) {
    var timer, last = "", pending = null;
    q.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var text = q.value.trim();
        if (text.length < 2) { box.innerHTML = ""; last = ""; return; }
        if (text === last) return;
        last = text;
        if (pending) pending.abort();
        pending = window.AbortController ? new AbortController() : null;
        fetch("/search/suggest?q=" + encodeURIComponent(text),
          {headers: {"HX-Request": "true"}, signal: pending && pending.signal})
          .then(function (r) { return r.ok ? r.text() : ""; })
          .then(function (html) { box.innerHTML = html; })
          .catch(function () {});
      }, 150);
    });
    q.addEventListener("keydown", function (e) { if (e.key === "Escape") box.innerHTML = ""; });
    doc.addEventListener("click", function (e) { if (!box.contains(e.target) && e.target !== q) box.innerHTML = ""; });
  }

  /* Web push opt-in: a button the confirmation page shows; never asked on a first visit. */
  var optin = doc.querySelector("[data-push-optin]");
  if (optin && "PushManager" in window && "serviceWorker" in navigator && window.Notification &&
      Notification.permission !== "denied") {
    optin.hidden = false;
    optin.querySelector("button").addEventListener("click", function () {
      var key = optin.getAttribute("data-key").replace(/-/g, "+").replace(/_/g, "/");
      var raw = atob(key + "===".slice((key.length + 3) % 4));
      var bytes = new Uint8Array(raw.length);
      for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
      Notification.requestPermission().then(function (permission) {
        if (permission !== "granted") throw new Error(permission);
        return navigator.serviceWorker.ready;
      }).then(function (registration) {
        return registration.pushManager.subscribe({userVisibleOnly: true, applicationServerKey: bytes});
      }).then(function (subscription) {
        var body = subscription.toJSON();
        body.order = optin.getAttribute("data-order");
        return fetch("/push/subscribe", {method: "POST", headers: {"Content-Type": "application/json"},
          body: JSON.stringify(body)});
      }).then(function (response) {
        if (!response.ok) throw new Error(response.status);
        optin.querySelector("p").textContent = optin.getAttribute("data-done");
        optin.querySelector("button").hidden = true;
      }).catch(function () {
        optin.querySelector("p").textContent = optin.getAttribute("data-failed");
      });
    });
  }

  /* Gallery zoom: tap an image to open it full screen; pinch or double-tap to zoom, drag to pan. */
  var images = doc.querySelectorAll(".gallery img, img[data-zoom]");
  if (!images.length || !window.HTMLDialogElement) return;
  var dialog = doc.createElement("dialog"), big = doc.createElement("img"), close = doc.createElement("button");
  dialog.className = "zoom";
  close.type = "button";
  close.textContent = "×";
  close.setAttribute("aria-label", root.getAttribute("data-close") || "Close");
  dialog.append(close, big);
  doc.body.appendChild(dialog);
  var scale = 1, x = 0, y = 0, pointers = {}, start = null, lastTap = 0;
  function apply() { big.style.transform = "translate(" + x + "px," + y + "px) scale(" + scale + ")"; }
  function reset() { scale = 1; x = 0; y = 0; apply(); }
  close.addEventListener("click", function () { dialog.close(); });
  images.forEach(function (img) {
    img.style.cursor = "zoom-in";
    img.addEventListener("click", function () {
      var sources = (img.getAttribute("srcset") || "").split(",").map(function (s) { return s.trim().split(" ")[0]; });
      big.src = sources[sources.length - 1] || img.currentSrc || img.src;
      big.alt = img.alt;
      reset();
      dialog.showModal();
    });
  });
  function spread() {
    var p = Object.keys(pointers).map(function (k) { return pointers[k]; });
    return p.length < 2 ? 0 : Math.hypot(p[0].x - p[1].x, p[0].y - p[1].y);
  }
  big.addEventListener("pointerdown", function (e) {
    big.setPointerCapture(e.pointerId);
    pointers[e.pointerId] = {x: e.clientX, y: e.clientY};
    start = {spread: spread(), scale: scale, x: e.clientX - x, y: e.clientY - y};
    var now = Date.now();
    if (now - lastTap < 300) { scale = scale > 1 ? 1 : 2.5; if (scale === 1) { x = 0; y = 0; } apply(); }
    lastTap = now;
  });
  big.addEventListener("pointermove", function (e) {
    if (!pointers[e.pointerId]) return;
    pointers[e.pointerId] = {x: e.clientX, y: e.clientY};
    var s = spread();
    if (s && start.spread) scale = Math.min(5, Math.max(1, start.scale * s / start.spread));
    else if (scale > 1) { x = e.clientX - start.x; y = e.clientY - start.y; }
    apply();
  });
  function up(e) { delete pointers[e.pointerId]; start = {spread: spread(), scale: scale, x: e.clientX - x, y: e.clientY - y}; }
  big.addEventListener("pointerup", up);
  big.addEventListener("pointercancel", up);
})();
