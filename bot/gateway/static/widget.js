/*
 * Münster newcomer chat: the web widget.
 *
 * One script tag on any page:
 *   <script src="https://GATEWAY/widget.js" data-language="ar" data-position="bottom-left"
 *           data-color="#005b96" data-accent="#7a1f5c" defer></script>
 * data-gateway overrides the API's base URL (default: this script's own origin);
 * data-mode="page" draws the chat into the element data-target instead of a floating button.
 *
 * Rules this file keeps, and why:
 * - Everything from the bot, the catalogue or the user goes into the page as text
 *   (textContent / Text nodes), never as HTML, so no message can inject markup.
 * - No inline style: the gateway's CSP is "style-src 'self'". Colours are CSS custom properties
 *   set through the CSSOM (element.style.setProperty), which CSP allows.
 * - Every visible label comes from GET /api/i18n/{lang} (the widget.* keys of bot/locales).
 * - The conversation id is issued by the server and kept in localStorage; unsent messages wait
 *   in an outbox (also in localStorage) and are retried with backoff until the server has them.
 */
(function () {
  "use strict";

  var LANGUAGES = ["de", "en", "ar", "tr", "ru", "uk", "fa", "ps", "ku", "ti", "so", "fr"];
  var RTL = ["ar", "fa", "ps"];
  var RETRY_DELAYS = [1000, 2000, 4000, 8000, 15000, 30000];
  var REQUEST_TIMEOUT = 45000;

  var script = document.currentScript;
  if (!script || window.__muensterChatLoaded) {
    return;
  }
  window.__muensterChatLoaded = true;
  var config = script.dataset;
  var base = (config.gateway || new URL(script.src, location.href).origin).replace(/\/+$/, "");
  var mode = config.mode === "page" ? "page" : "embed";
  var position = config.position === "bottom-left" ? "bottom-left" : "bottom-right";
  var uid = "mb" + Math.random().toString(36).slice(2, 8);

  /* ---------- storage (may be unavailable: private mode, blocked cookies) ---------- */

  var storePrefix = "muensterChat:" + base + ":";
  var store = {
    get: function (key) {
      try { return window.localStorage.getItem(storePrefix + key); } catch (e) { return null; }
    },
    set: function (key, value) {
      try {
        if (value === null || value === undefined) {
          window.localStorage.removeItem(storePrefix + key);
        } else {
          window.localStorage.setItem(storePrefix + key, value);
        }
      } catch (e) { /* the chat still works, it just forgets on reload */ }
    }
  };

  /* ---------- state ---------- */

  var state = {
    lang: initialLanguage(),
    texts: {},
    languages: [],
    conversationId: store.get("conversation"),
    outbox: loadOutbox(),
    sending: false,
    attempt: 0,
    retryTimer: null,
    textCache: {}
  };
  var ui = {};

  function initialLanguage() {
    var stored = store.get("language");
    if (LANGUAGES.indexOf(stored) >= 0) return stored;
    if (LANGUAGES.indexOf(config.language) >= 0) return config.language;
    var tags = navigator.languages && navigator.languages.length ? navigator.languages
      : [navigator.language || ""];
    for (var i = 0; i < tags.length; i++) {
      var code = String(tags[i]).toLowerCase().split("-")[0];
      if (LANGUAGES.indexOf(code) >= 0) return code;
    }
    return "de";
  }

  function dirOf(lang) {
    return RTL.indexOf(lang) >= 0 ? "rtl" : "ltr";
  }

  function t(key) {
    return state.texts["widget." + key] || "";
  }

  function loadOutbox() {
    try {
      var items = JSON.parse(store.get("outbox") || "[]");
      return Array.isArray(items) ? items.filter(function (i) {
        return i && typeof i.text === "string";
      }) : [];
    } catch (e) {
      return [];
    }
  }

  function saveOutbox() {
    store.set("outbox", state.outbox.length ? JSON.stringify(state.outbox.map(function (i) {
      return { text: i.text, shown: i.shown, lang: i.lang };
    })) : null);
  }

  /* ---------- DOM helpers: text only, never HTML ---------- */

  function el(tag, attrs) {
    var node = document.createElement(tag);
    var key;
    for (key in attrs || {}) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) continue;
      if (key === "text") node.textContent = value;
      else if (key === "class") node.className = value;
      else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child !== null && child !== undefined && child !== false) node.append(child);
    }
    return node;
  }

  function srOnly(text) {
    return el("span", { "class": "mb-sr-only", text: text });
  }

  function safeHttpUrl(url) {
    if (typeof url !== "string" || !/^https?:\/\//i.test(url)) return null;
    try {
      var parsed = new URL(url);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch (e) {
      return null;
    }
  }

  function externalLink(href, label) {
    return el("a", { "class": "mb-link", href: href, target: "_blank",
                     rel: "noopener noreferrer" }, label, srOnly(" " + t("new_tab")));
  }

  /* Bot text with its web addresses as links; every piece is a Text node. */
  function richText(text) {
    var p = el("p", { "class": "mb-text" });
    var pattern = /https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;
    var last = 0;
    var match;
    while ((match = pattern.exec(text)) !== null) {
      p.append(text.slice(last, match.index));
      var href = safeHttpUrl(match[0]);
      p.append(href ? externalLink(href, match[0]) : match[0]);
      last = match.index + match[0].length;
    }
    p.append(text.slice(last));
    return p;
  }

  /* ---------- colours from data attributes (validated, through CSSOM) ---------- */

  function applyColour(root, value, name) {
    if (!value || !(window.CSS && CSS.supports("color", value))) return;
    root.style.setProperty("--mb-" + name, value);
    root.style.setProperty("--mb-on-" + name, readableOn(value));
  }

  /* Dark or white text, whichever contrasts more with a page-chosen colour (WCAG AA). */
  function readableOn(colour) {
    var probe = el("span");
    probe.style.setProperty("color", colour);
    document.body.append(probe);
    var rgb = (getComputedStyle(probe).color.match(/[\d.]+/g) || [0, 0, 0]).map(Number);
    probe.remove();
    var lum = [0, 1, 2].map(function (i) {
      var c = rgb[i] / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    var l = 0.2126 * lum[0] + 0.7152 * lum[1] + 0.0722 * lum[2];
    return (1.05) / (l + 0.05) >= (l + 0.05) / 0.05 ? "#ffffff" : "#1a1a1a";
  }

  /* ---------- network ---------- */

  function RequestError(kind, status, retryAfter) {
    this.kind = kind;
    this.status = status;
    this.retryAfter = retryAfter;
  }

  function request(path, options) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT)
      : null;
    var init = Object.assign({ credentials: "omit", cache: "no-store" }, options || {});
    if (controller) init.signal = controller.signal;
    return fetch(base + path, init).then(function (res) {
      clearTimeout(timer);
      if (res.ok) return res.json();
      var retryAfter = Number(res.headers.get("Retry-After")) * 1000 || 0;
      if (res.status === 503) throw new RequestError("unavailable", 503, retryAfter);
      if (res.status === 403) throw new RequestError("forbidden", 403, 0);
      if (res.status >= 500 || res.status === 429 || res.status === 408) {
        throw new RequestError("reconnecting", res.status, retryAfter);
      }
      throw new RequestError("rejected", res.status, 0);
    }, function () {
      clearTimeout(timer);
      throw new RequestError("reconnecting", 0, 0);
    });
  }

  function loadTexts(lang) {
    if (state.textCache[lang]) return Promise.resolve(state.textCache[lang]);
    return request("/api/i18n/" + encodeURIComponent(lang)).then(function (data) {
      state.textCache[lang] = data;
      return data;
    });
  }

  /* ---------- building the chat ---------- */

  function build() {
    var headingLevel = mode === "page" ? "h1" : "h2";
    ui.root = el(mode === "page" ? "div" : "aside", { "class": "mb-root mb-" + mode + " mb-" +
      position });
    applyColour(ui.root, config.color, "color");
    applyColour(ui.root, config.accent, "accent");

    ui.title = el(headingLevel, { "class": "mb-title", id: uid + "-title" });
    ui.langLabel = el("label", { "class": "mb-lang-label", "for": uid + "-lang" });
    ui.langSelect = el("select", { "class": "mb-lang", id: uid + "-lang", onchange: onLanguagePick,
      onblur: function () { if (state.pickTimer) commitLanguage(); } });
    ui.close = mode === "embed" ? el("button", { "class": "mb-close", type: "button",
      onclick: function () { toggle(false); } }, el("span", { "aria-hidden": "true", text: "×" }))
      : null;
    var header = el("div", { "class": "mb-header" }, ui.title,
      el("div", { "class": "mb-tools" }, ui.langLabel, ui.langSelect, ui.close));

    ui.statusText = el("span", { "class": "mb-status-text" });
    ui.retry = el("button", { "class": "mb-retry", type: "button", hidden: true,
      onclick: retryNow });
    ui.status = el("div", { "class": "mb-status", role: "status", hidden: true },
      ui.statusText, ui.retry);

    ui.log = el("div", { "class": "mb-log", role: "log", "aria-live": "polite",
      "aria-relevant": "additions", tabindex: "0" });
    ui.typingText = el("span", { "class": "mb-typing-text" });
    ui.typing = el("div", { "class": "mb-typing", role: "status" },
      el("span", { "class": "mb-dots", "aria-hidden": "true" }, el("span"), el("span"),
        el("span")), ui.typingText);
    ui.typing.classList.add("mb-idle");

    ui.inputLabel = el("label", { "class": "mb-sr-only", "for": uid + "-input" });
    ui.input = el("input", { "class": "mb-input", id: uid + "-input", type: "text",
      maxlength: "4000", autocomplete: "off", enterkeyhint: "send" });
    ui.send = el("button", { "class": "mb-send", type: "submit" });
    ui.form = el("form", { "class": "mb-form", onsubmit: onSubmit }, ui.inputLabel, ui.input,
      ui.send);

    ui.panel = el("section", { "class": "mb-panel", id: uid + "-panel",
      "aria-labelledby": uid + "-title", hidden: mode === "embed" },
      header, ui.status, ui.log, ui.typing, ui.form);
    ui.panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && mode === "embed") toggle(false);
    });

    if (mode === "embed") {
      ui.launcher = el("button", { "class": "mb-launcher", type: "button",
        "aria-expanded": "false", "aria-controls": uid + "-panel",
        onclick: function () { toggle(true); } },
        el("span", { "class": "mb-launcher-icon", "aria-hidden": "true" }),
        ui.launcherText = el("span", { "class": "mb-launcher-text" }));
      ui.root.append(ui.launcher);
    }
    ui.root.append(ui.panel);
    var target = mode === "page" && document.getElementById(config.target || "");
    (target || document.body).append(ui.root);
  }

  function ensureStylesheet() {
    var href = base + "/static/widget.css";
    var links = document.querySelectorAll("link[rel=stylesheet]");
    for (var i = 0; i < links.length; i++) {
      if (links[i].href === href) return;
    }
    document.head.append(el("link", { rel: "stylesheet", href: href }));
  }

  function toggle(open) {
    ui.panel.hidden = !open;
    ui.launcher.setAttribute("aria-expanded", open ? "true" : "false");
    ui.root.classList.toggle("mb-open", open);
    if (open) {
      scrollToEnd();
      ui.input.focus();
    } else {
      ui.launcher.focus();
    }
  }

  /* Put every label in the current language and mirror the layout for right-to-left ones. */
  function applyTexts(data) {
    state.texts = data.texts || {};
    state.languages = data.languages || state.languages;
    var dir = dirOf(state.lang);
    ui.root.setAttribute("lang", state.lang);
    ui.root.setAttribute("dir", dir);
    ui.title.textContent = t("title");
    ui.langLabel.textContent = t("language_label");
    ui.log.setAttribute("aria-label", t("log_label"));
    ui.inputLabel.textContent = t("input_label");
    ui.input.setAttribute("placeholder", t("placeholder"));
    ui.send.textContent = t("send");
    ui.retry.textContent = t("retry");
    if (ui.close) ui.close.setAttribute("aria-label", t("close"));
    if (ui.launcher) ui.launcherText.textContent = t("open");
    if (mode === "embed") ui.root.setAttribute("aria-label", t("title"));
    ui.langSelect.replaceChildren.apply(ui.langSelect, state.languages.map(function (l) {
      return el("option", { value: l.code, lang: l.code, dir: dirOf(l.code), text: l.name,
        selected: l.code === state.lang });
    }));
    ui.langSelect.value = state.lang;
    if (mode === "page") {
      document.documentElement.setAttribute("lang", state.lang);
      document.documentElement.setAttribute("dir", dir);
      document.title = t("title");
    }
    if (ui.intro) {
      ui.intro.setAttribute("lang", state.lang);
      ui.intro.setAttribute("dir", dir);
      ui.intro.querySelector(".mb-text").textContent = t("intro");
    }
    refreshStatus();
  }

  function setLanguage(lang) {
    if (LANGUAGES.indexOf(lang) < 0) return Promise.resolve();
    state.lang = lang;
    store.set("language", lang);
    ui.root.setAttribute("dir", dirOf(lang));
    return loadTexts(lang).then(applyTexts, function () { /* keep the current labels */ });
  }

  /* ---------- messages ---------- */

  function scrollToEnd() {
    ui.log.scrollTop = ui.log.scrollHeight;
  }

  function showFrom(node) {
    if (node) ui.log.scrollTop = Math.max(0, node.offsetTop - 8);
  }

  function addIntro() {
    ui.intro = el("div", { "class": "mb-msg mb-bot mb-intro" }, el("p", { "class": "mb-text" }));
    ui.log.append(ui.intro);
  }

  function addUserMessage(text) {
    var node = el("div", { "class": "mb-msg mb-user", dir: "auto" },
      srOnly(t("you") + ": "), el("p", { "class": "mb-text", text: text }));
    ui.log.append(node);
    scrollToEnd();
    return node;
  }

  function addBotMessage(reply, lang) {
    lang = LANGUAGES.indexOf(lang) >= 0 ? lang : state.lang;
    var custom = reply.custom && typeof reply.custom === "object" ? reply.custom : null;
    var card = custom && custom.type === "service_card" && custom.card &&
      typeof custom.card === "object" ? custom.card : null;
    var node = el("div", { "class": "mb-msg mb-bot" + (card ? " mb-has-card" : ""), lang: lang,
      dir: dirOf(lang) }, srOnly(t("bot") + ": "));
    if (card) {
      node.append(serviceCard(card));
    } else if (typeof reply.text === "string" && reply.text) {
      node.append(richText(reply.text));
    }
    if (Array.isArray(reply.buttons) && reply.buttons.length) {
      node.append(buttonGroup(reply.buttons));
    }
    if (node.childNodes.length > 1) ui.log.append(node);
    if (custom && custom.event === "conversation_deleted") {
      forgetConversation();
    }
    return node;
  }

  function buttonGroup(buttons) {
    var group = el("div", { "class": "mb-buttons", role: "group", "aria-label": t("buttons_label") });
    buttons.forEach(function (b) {
      if (!b || typeof b.title !== "string" || typeof b.payload !== "string") return;
      group.append(el("button", { "class": "mb-choice", type: "button", text: b.title,
        onclick: function () { send(b.payload, b.title); } }));
    });
    return group;
  }

  function serviceCard(card) {
    var titleId = uid + "-card-" + Math.random().toString(36).slice(2, 8);
    var labels = card.labels || {};
    var level = mode === "page" ? "h2" : "h3";
    var facts = el("dl", { "class": "mb-facts" });
    function fact(label, value) {
      if (!value) return;
      facts.append(el("div", { "class": "mb-fact" }, el("dt", { text: label || "" }),
        el("dd", null, value)));
    }
    var article = el("article", { "class": "mb-card", "aria-labelledby": titleId },
      el(level, { "class": "mb-card-title", id: titleId, dir: "auto",
        text: String(card.title || "") }));
    if (card.description) {
      article.append(el("p", { "class": "mb-card-desc", dir: "auto",
        text: String(card.description) }));
    }
    if (Array.isArray(card.languages) && card.languages.length) {
      var names = el("span", { "class": "mb-langs" });
      card.languages.forEach(function (name, i) {
        names.append(i ? ", " : "", el("bdi", { text: String(name) }));
      });
      fact(labels.languages, names);
    }
    if (card.address) {
      fact(labels.address, el("span", { dir: "auto", text: String(card.address) }));
    }
    var phones = (Array.isArray(card.phones) ? card.phones : []).filter(function (p) {
      return p && p.number;
    });
    if (phones.length) {
      var list = el("span", { "class": "mb-phones" });
      phones.forEach(function (p) {
        var href = typeof p.href === "string" && /^tel:\+?\d{3,20}$/.test(p.href) ? p.href : null;
        list.append(href ? el("a", { "class": "mb-link mb-tel", href: href, dir: "ltr",
          text: String(p.number) }) : el("span", { dir: "ltr", text: String(p.number) }));
      });
      fact(labels.phone, list);
    }
    if (card.opening_hours || card.open_now_label) {
      var hours = el("span", null, card.opening_hours ? el("bdi", {
        text: String(card.opening_hours) }) : "");
      if (card.open_now_label) {
        hours.append(" ", el("span", { "class": "mb-badge " + (card.open_now ? "mb-open-now"
          : "mb-closed-now"), text: String(card.open_now_label) }));
      }
      fact(labels.hours, hours);
    }
    var url = safeHttpUrl(card.url);
    if (url) {
      fact(labels.website, externalLink(url, new URL(url).host.replace(/^www\./, "")));
    }
    if (typeof card.email === "string" && /^[^\s@<>]+@[^\s@<>]+\.[a-z]{2,}$/i.test(card.email)) {
      fact(t("email"), el("a", { "class": "mb-link", href: "mailto:" + card.email, dir: "ltr",
        text: card.email }));
    }
    if (facts.childNodes.length) article.append(facts);
    if (typeof card.details_payload === "string" && card.details_payload) {
      var detailsLabel = String(labels.details || "Details");
      article.append(el("button", { "class": "mb-choice mb-details", type: "button",
        "aria-describedby": titleId, text: detailsLabel,
        onclick: function () { send(card.details_payload, detailsLabel + ": " + card.title); } }));
    }
    return article;
  }

  /* ---------- sending, with an outbox that survives errors and reloads ---------- */

  function onSubmit(event) {
    event.preventDefault();
    var text = ui.input.value.trim();
    if (!text) return;
    ui.input.value = "";
    send(text, text);
  }

  /* Chromium fires "change" on every arrow key in a closed <select>: wait until the choice
     settles (or the select loses focus), so a keyboard user does not send one message per
     language passed on the way. */
  function onLanguagePick() {
    clearTimeout(state.pickTimer);
    state.pickTimer = setTimeout(commitLanguage, 900);
  }

  function commitLanguage() {
    clearTimeout(state.pickTimer);
    state.pickTimer = null;
    var lang = ui.langSelect.value;
    if (lang === state.lang) return;
    var name = (state.languages.filter(function (l) { return l.code === lang; })[0] || {}).name;
    setLanguage(lang).then(function () { send("/" + lang, name || lang); });
  }

  function send(text, shown) {
    var item = { text: text, shown: shown || text, lang: state.lang };
    item.node = addUserMessage(item.shown);
    state.outbox.push(item);
    saveOutbox();
    pump();
  }

  function pump() {
    if (state.sending || state.retryTimer || !state.outbox.length) return;
    var item = state.outbox[0];
    var body = { text: item.text, metadata: { language: item.lang } };
    if (state.conversationId) body.conversation_id = state.conversationId;
    state.sending = true;
    showTyping(true);
    request("/api/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body)
    }).then(function (data) {
      state.outbox.shift();
      saveOutbox();
      state.attempt = 0;
      markSent(item);
      setStatus(null);
      receive(data);
    }, function (err) {
      if (err.kind === "forbidden" && state.conversationId) {
        forgetConversation();  // an id from another server or secret: start a new conversation
        return;
      }
      if (err.kind === "rejected" || err.kind === "forbidden") {
        state.outbox.shift();
        saveOutbox();
        markFailed(item);
        return;
      }
      scheduleRetry(err);
    }).then(function () {
      state.sending = false;
      showTyping(false);
      pump();
    });
  }

  function receive(data) {
    if (data && typeof data.conversation_id === "string") {
      state.conversationId = data.conversation_id;
      store.set("conversation", data.conversation_id);
    }
    var lang = LANGUAGES.indexOf(data.language) >= 0 ? data.language : state.lang;
    var switched = lang !== state.lang ? setLanguage(lang) : Promise.resolve();
    switched.then(function () {
      var first = null;
      (Array.isArray(data.replies) ? data.replies : []).forEach(function (reply) {
        if (!reply || typeof reply !== "object") return;
        var node = addBotMessage(reply, lang);
        first = first || (node.parentNode ? node : null);
      });
      showFrom(first);
    });
  }

  function markSent(item) {
    if (!item.node) return;
    item.node.classList.remove("mb-pending");
    var note = item.node.querySelector(".mb-note");
    if (note) note.remove();
  }

  function markFailed(item) {
    markSent(item);
    if (!item.node) return;
    item.node.classList.add("mb-failed");
    item.node.append(el("span", { "class": "mb-note", text: t("error") }));
  }

  /* Backoff with jitter, at least what the server's Retry-After asks for (at most 30 s). */
  function retryDelay(attempt, err) {
    var delay = RETRY_DELAYS[Math.min(attempt, RETRY_DELAYS.length - 1)];
    return Math.max(delay, Math.min(err.retryAfter || 0, 30000)) * (0.8 + Math.random() * 0.4);
  }

  function scheduleRetry(err) {
    var delay = retryDelay(state.attempt, err);
    state.attempt += 1;
    state.outbox.forEach(function (item) {
      if (item.node && !item.node.classList.contains("mb-pending")) {
        item.node.classList.add("mb-pending");
        item.node.append(el("span", { "class": "mb-note", text: t("pending") }));
      }
    });
    setStatus(err.kind === "unavailable" ? "unavailable" : "reconnecting");
    state.retryTimer = setTimeout(function () {
      state.retryTimer = null;
      pump();
    }, delay);
  }

  function retryNow() {
    if (state.retryTimer) {
      clearTimeout(state.retryTimer);
      state.retryTimer = null;
    }
    if (state.wake) state.wake();
    pump();
  }

  /* A pause that the retry button or the browser's "online" event can cut short. */
  function waitForRetry(delay) {
    return new Promise(function (resolve) {
      var timer = setTimeout(done, delay);
      function done() {
        clearTimeout(timer);
        state.wake = null;
        resolve();
      }
      state.wake = done;
    });
  }

  function forgetConversation() {
    state.conversationId = null;
    store.set("conversation", null);
  }

  /* The text is emptied, not only hidden, so the status region announces each new wait. */
  function showTyping(on) {
    ui.typing.classList.toggle("mb-idle", !on);
    ui.typingText.textContent = on ? t("typing") : "";
  }

  /* The status line: nothing, "reconnecting…", or "not available" with a retry button. */
  function setStatus(kind) {
    state.status = kind;
    refreshStatus();
  }

  function refreshStatus() {
    var kind = state.status;
    ui.status.hidden = !kind;
    ui.root.classList.toggle("mb-offline", !!kind);
    ui.statusText.textContent = kind ? t(kind) : "";
    ui.retry.hidden = kind !== "unavailable";
  }

  /* ---------- start: texts, then the stored conversation, then the outbox ---------- */

  /* Redraw the stored conversation; retried until it works, so the outbox is sent after it. */
  function loadHistory(attempt) {
    if (!state.conversationId) return Promise.resolve();
    return request("/api/chat/history?conversation_id=" +
      encodeURIComponent(state.conversationId)).then(function (data) {
      setStatus(null);
      var switched = LANGUAGES.indexOf(data.language) >= 0 && data.language !== state.lang
        ? setLanguage(data.language) : Promise.resolve();
      return switched.then(function () {
        (Array.isArray(data.messages) ? data.messages : []).forEach(function (m) {
          if (m && m.sender === "user" && typeof m.text === "string") addUserMessage(m.text);
          else if (m && m.sender === "bot") addBotMessage(m, m.language || data.language);
        });
        scrollToEnd();
      });
    }, function (err) {
      if (err.kind === "forbidden" || err.kind === "rejected") {
        forgetConversation();
        return null;
      }
      setStatus(err.kind === "unavailable" ? "unavailable" : "reconnecting");
      return waitForRetry(retryDelay(attempt, err)).then(function () {
        return loadHistory(attempt + 1);
      });
    });
  }

  function start(attempt) {
    loadTexts(state.lang).then(function (data) {
      if (!ui.root) {
        build();
        addIntro();
      }
      applyTexts(data);
      return loadHistory(0);
    }).then(function () {
      state.outbox.forEach(function (item) { item.node = addUserMessage(item.shown); });
      pump();
    }, function () {
      /* The gateway is not reachable yet: try again, without drawing a chat that cannot work. */
      setTimeout(function () { start(attempt + 1); },
        RETRY_DELAYS[Math.min(attempt, RETRY_DELAYS.length - 1)]);
    });
  }

  window.addEventListener("online", retryNow);
  ensureStylesheet();
  if (document.body) {
    start(0);
  } else {
    document.addEventListener("DOMContentLoaded", function () { start(0); });
  }
})();
