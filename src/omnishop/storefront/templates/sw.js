/* omnishop service worker: app shell precached under versioned cache names, catalog pages
   stale-while-revalidate, cart/checkout/account network-first with the last copy or the
   offline page as fallback; cart changes made offline are refused with a clear page, never
   queued and never lost silently. */
"use strict";
var CONFIG = __CONFIG__;
var SHELL = "omnishop-shell-" + CONFIG.version;
var PAGES = "omnishop-pages-" + CONFIG.version;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) {
    return cache.addAll(CONFIG.precache);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("omnishop-") === 0 && name !== SHELL && name !== PAGES;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function startsWithAny(path, prefixes) {
  return prefixes.some(function (p) { return p === "/" ? path === "/" : path.indexOf(p) === 0; });
}

function offlinePage(cart) {
  return caches.match(cart ? "/offline?cart=1" : "/offline").then(function (page) {
    if (!page) return new Response("Offline", {status: 503, headers: {"Content-Type": "text/plain"}});
    return new Response(page.body, {status: 503, headers: page.headers});
  });
}

function networkFirst(request) {
  return fetch(request).then(function (response) {
    if (response.ok) {
      var copy = response.clone();
      caches.open(PAGES).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(request).then(function (hit) { return hit || offlinePage(false); });
  });
}

function staleWhileRevalidate(event) {
  var request = event.request;
  return caches.open(PAGES).then(function (cache) {
    return cache.match(request).then(function (hit) {
      var fresh = fetch(request).then(function (response) {
        if (response.ok) cache.put(request, response.clone());
        return response;
      });
      if (hit) {
        event.waitUntil(fresh.catch(function () {}));
        return hit;
      }
      return fresh.catch(function () { return offlinePage(false); });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method !== "GET") {
    if (startsWithAny(url.pathname, CONFIG.cartActions)) {
      // Offline, a cart change is refused with a page that says so; online it goes through.
      event.respondWith(fetch(request).catch(function () {
        if (request.mode === "navigate") return offlinePage(true);
        return new Response(JSON.stringify({type: "offline", status: 503}),
          {status: 503, headers: {"Content-Type": "application/problem+json"}});
      }));
    }
    return;
  }
  if (url.pathname.indexOf("/static/") === 0 || url.pathname === "/manifest.webmanifest") {
    event.respondWith(caches.match(request).then(function (hit) { return hit || fetch(request); }));
    return;
  }
  if (url.pathname.indexOf("/api/") === 0 || url.pathname.indexOf("/admin") === 0) return;
  if (startsWithAny(url.pathname, CONFIG.networkFirst)) {
    event.respondWith(networkFirst(request));
  } else if (request.mode === "navigate" || startsWithAny(url.pathname, CONFIG.staleWhileRevalidate)) {
    event.respondWith(staleWhileRevalidate(event));
  }
});

self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {body: event.data.text()}; }
  event.waitUntil(self.registration.showNotification(data.title || "omnishop", {
    body: data.body || "", tag: data.tag, icon: CONFIG.icon, badge: CONFIG.icon,
    data: {url: data.url || "/"}
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var target = new URL(event.notification.data && event.notification.data.url || "/", self.location.origin).href;
  event.waitUntil(self.clients.matchAll({type: "window"}).then(function (windows) {
    for (var i = 0; i < windows.length; i++) {
      if (windows[i].url === target && "focus" in windows[i]) return windows[i].focus();
    }
    return self.clients.openWindow(target);
  }));
});
