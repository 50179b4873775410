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
      button_color: "--accent"};
    Object.keys(map).forEach(function (key) { if (theme[key]) root.style.setProperty(map[key], theme[key]); });
    /* Soft panels must stay readable with Telegram's text colour: use its secondary or section
       background, else its page background. */
    var soft = theme.secondary_bg_color || theme.section_bg_color || theme.bg_color;
    if (soft) root.style.setProperty("--soft", soft);
    if (theme.section_separator_color || theme.hint_color) {
      root.style.setProperty("--line", theme.section_separator_color || theme.hint_color);
    }
    if (theme.button_text_color) root.style.setProperty("--on-accent", theme.button_text_color);
    root.classList.add("tg");
    if (history.length > 1 && location.pathname !== "/") {
      tg.BackButton.show();
      tg.BackButton.onClick(function () { history.back(); });
    }
    /* The page's main action: an element marked data-tg-main, else the cart's way to checkout
       or the checkout step's submit (never a quantity or remove button). */
    var main = document.querySelector("[data-tg-main]") ||
      document.querySelector("main a[href='/checkout']") ||
      document.querySelector("main form.stack button[type=submit], main form[data-tokenise] button[type=submit]");
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
