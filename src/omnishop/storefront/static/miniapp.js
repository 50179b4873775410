/* Telegram Mini App mode (loaded only there): Telegram's theme colours as CSS variables, the
   BackButton for going back, the MainButton for the page's main action (checkout steps). */
(function () {
  "use strict";
  function ready() {
    var tg = window.Telegram && window.Telegram.WebApp;
    if (!tg) return;
    tg.ready();
    tg.expand();
    var root = document.documentElement, theme = tg.themeParams || {};
    var map = {bg_color: "--bg", text_color: "--fg", hint_color: "--muted", link_color: "--accent",
      button_color: "--accent", secondary_bg_color: "--soft"};
    Object.keys(map).forEach(function (key) { if (theme[key]) root.style.setProperty(map[key], theme[key]); });
    if (theme.button_text_color) root.style.setProperty("--on-accent", theme.button_text_color);
    root.classList.add("tg");
    if (history.length > 1 && location.pathname !== "/") {
      tg.BackButton.show();
      tg.BackButton.onClick(function () { history.back(); });
    }
    /* The page's main action: an element marked data-tg-main, else a checkout/cart submit. */
    var main = document.querySelector("[data-tg-main]") ||
      (/^\/(cart|checkout)/.test(location.pathname) && document.querySelector("main form button[type=submit]"));
    if (main) {
      tg.MainButton.setText((main.getAttribute("data-tg-main") || main.textContent).trim());
      tg.MainButton.show();
      tg.MainButton.onClick(function () { main.click(); });
      main.classList.add("tg-hidden");
    }
  }
  if (window.Telegram && window.Telegram.WebApp) ready();
  else window.addEventListener("load", ready);
})();
