/*
 * Sedia's chat widget. Embed it with one script tag and one element:
 *
 *   <script src="https://sedia.example.edu.my/widget/sedia-widget.js" defer></script>
 *   <div data-sedia-chat data-server="https://sedia.example.edu.my:5005"
 *        data-language="ms" data-title="Sedia"></div>
 *
 * It talks to Rasa's socket.io channel (bot/channels/socketio.py) over a websocket, keeps
 * its session id and transcript in localStorage (a reload or a new tab continues the same
 * conversation), and renders messages with DOM calls only: no message text is ever parsed
 * as HTML.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var BASE = script ? script.src.replace(/[^\/]*$/, "") : "/widget/";
  var MAX_KEPT = 300;
  var SCALE_PAYLOAD = "/answer_scale{";
  var NOT_SURE = "not_sure";

  function load(src, done) {
    var tag = document.createElement("script");
    tag.src = src;
    tag.onload = done;
    document.head.appendChild(tag);
  }

  function el(name, attributes, children) {
    var node = document.createElement(name);
    Object.keys(attributes || {}).forEach(function (key) {
      if (key === "text") node.textContent = attributes[key];
      else if (key === "className") node.className = attributes[key];
      else node.setAttribute(key, attributes[key]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  // ----- safe Markdown: **bold**, [links](https://…), bare links, lists, headings -----

  var INLINE = /\*\*([^*]+)\*\*|\[([^\]]+)\]\((https?:\/\/[^)\s]+)\)|(https?:\/\/[^\s<>()]*[^\s<>().,;:!?'"])/g;

  function link(href, text) {
    return el("a", { href: href, target: "_blank", rel: "noopener noreferrer", text: text });
  }

  function inline(text, parent) {
    var last = 0;
    text.replace(INLINE, function (match, bold, label, href, bare, offset) {
      parent.appendChild(document.createTextNode(text.slice(last, offset)));
      if (bold) parent.appendChild(el("strong", { text: bold }));
      else if (label) parent.appendChild(link(href, label));
      else parent.appendChild(link(bare, bare));
      last = offset + match.length;
      return match;
    });
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function markdown(text) {
    var box = el("div", { className: "sedia-text" });
    var list = null;
    var paragraph = null;
    String(text).split("\n").forEach(function (line) {
      var trimmed = line.trim();
      var heading = /^#{1,3} (.*)$/.exec(trimmed);
      var item = /^[-*] (\[ \] )?(.*)$/.exec(trimmed);
      if (!trimmed) { list = null; paragraph = null; return; }
      if (heading) {
        list = null; paragraph = null;
        box.appendChild(el("p", { className: "sedia-heading" }, [el("strong", { text: heading[1] })]));
      } else if (item) {
        paragraph = null;
        if (!list) { list = el("ul"); box.appendChild(list); }
        var li = el("li", item[1] ? { className: "sedia-check" } : {});
        inline(item[2], li);
        list.appendChild(li);
      } else {
        list = null;
        if (paragraph) paragraph.appendChild(el("br"));
        else { paragraph = el("p"); box.appendChild(paragraph); }
        inline(trimmed, paragraph);
      }
    });
    return box;
  }

  // ----- the widget -------------------------------------------------------------

  function Widget(host, labels) {
    this.host = host;
    this.labels = labels;
    this.server = (host.getAttribute("data-server") || "").replace(/\/$/, "") || location.origin;
    this.title = host.getAttribute("data-title") || "Sedia";
    this.token = host.getAttribute("data-token");
    this.key = "sedia-chat:" + this.server;
    this.state = this.restore();
    if (!this.state.language) this.state.language = host.getAttribute("data-language") === "ms" ? "ms" : "en";
    // Messages sent but not yet confirmed by the server (its sedia_state names each one it
    // handled): sent again after a reconnect, and dropped by the server if it had them.
    this.pending = [];
    this.build();
    this.render();
    this.connect();
    var self = this;
    window.addEventListener("storage", function (event) {
      if (event.key === self.key) { self.state = self.restore(); self.render(); }
    });
  }

  Widget.prototype.restore = function () {
    try {
      var saved = JSON.parse(localStorage.getItem(this.key) || "{}");
      return { sessionId: saved.sessionId || null, messages: saved.messages || [], language: saved.language, open: !!saved.open };
    } catch (error) {
      return { sessionId: null, messages: [], language: null, open: false };
    }
  };

  Widget.prototype.save = function () {
    this.state.messages = this.state.messages.slice(-MAX_KEPT);
    try { localStorage.setItem(this.key, JSON.stringify(this.state)); } catch (error) { /* private mode: memory only */ }
  };

  Widget.prototype.label = function (key) {
    var set = this.labels[this.state.language] || this.labels.en || {};
    return set[key] || key;
  };

  Widget.prototype.build = function () {
    var self = this;
    var panelId = "sedia-panel-" + Math.random().toString(36).slice(2, 8);
    this.launcher = el("button", { type: "button", className: "sedia-launcher", "aria-expanded": "false", "aria-controls": panelId });
    this.launcher.appendChild(el("span", { className: "sedia-launcher-icon", "aria-hidden": "true", text: "💬" }));
    this.launcherText = el("span", { className: "sedia-launcher-text" });
    this.launcher.appendChild(this.launcherText);
    this.heading = el("h2", { className: "sedia-title", id: panelId + "-title", text: this.title });
    this.clearButton = el("button", { type: "button", className: "sedia-clear" });
    this.closeButton = el("button", { type: "button", className: "sedia-close" });
    this.closeButton.appendChild(el("span", { "aria-hidden": "true", text: "×" }));
    this.status = el("p", { className: "sedia-status", role: "status" });
    this.log = el("div", { className: "sedia-log", role: "log", "aria-live": "polite", tabindex: "0" });
    this.typing = el("p", { className: "sedia-typing", hidden: "hidden" });
    this.input = el("input", { type: "text", className: "sedia-input", id: panelId + "-input", autocomplete: "off", maxlength: "2000" });
    this.inputLabel = el("label", { className: "sedia-visually-hidden", "for": panelId + "-input" });
    this.send = el("button", { type: "submit", className: "sedia-send" });
    this.form = el("form", { className: "sedia-form" }, [this.inputLabel, this.input, this.send]);
    this.panel = el("section", { className: "sedia-panel", id: panelId, "aria-labelledby": panelId + "-title", hidden: "hidden" }, [
      el("header", { className: "sedia-header" }, [this.heading, this.clearButton, this.closeButton]),
      this.status, this.log, this.typing, this.form,
    ]);
    this.host.classList.add("sedia-chat");
    this.host.appendChild(this.panel);
    this.host.appendChild(this.launcher);

    this.launcher.addEventListener("click", function () { self.setOpen(!self.state.open, true); });
    this.closeButton.addEventListener("click", function () { self.setOpen(false, true); });
    this.clearButton.addEventListener("click", function () { self.clear(); });
    this.panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { self.setOpen(false, true); }
    });
    this.form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = self.input.value.trim();
      if (!text) return;
      self.input.value = "";
      self.say(text, text);
    });
    this.applyLabels();
  };

  Widget.prototype.applyLabels = function () {
    this.launcherText.textContent = this.label("launcher");
    this.launcher.setAttribute("aria-label", this.label("launcher"));
    this.closeButton.setAttribute("aria-label", this.label("close"));
    this.clearButton.textContent = this.label("clear");
    this.clearButton.setAttribute("aria-label", this.label("clear_long"));
    this.clearButton.setAttribute("title", this.label("clear_long"));
    this.log.setAttribute("aria-label", this.label("transcript"));
    this.inputLabel.textContent = this.label("input");
    this.input.setAttribute("placeholder", this.label("placeholder"));
    this.send.textContent = this.label("send");
    this.typing.textContent = this.label("typing");
    this.host.setAttribute("lang", this.state.language);
    this.showStatus(this.connection || "connecting");
  };

  Widget.prototype.setOpen = function (open, moveFocus) {
    this.state.open = open;
    this.save();
    this.panel.hidden = !open;
    this.launcher.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      if (!this.state.messages.length && !this.greeted) { this.greeted = true; this.say(this.greeting(), null); }
      this.scrollToEnd();
      if (moveFocus) this.input.focus();
    } else if (moveFocus) {
      this.launcher.focus();
    }
  };

  // The greeting carries the page's language: Sedia sets the conversation language from
  // the entities of a button-style message like this one, not from its metadata.
  Widget.prototype.greeting = function () {
    return '/greet{"language": "' + (this.state.language === "ms" ? "ms" : "en") + '"}';
  };

  // Forget this browser's copy of the conversation and start a new one. What Sedia stored
  // stays until the user asks it to delete their data.
  Widget.prototype.clear = function () {
    this.state.messages = [];
    this.state.sessionId = null;
    this.save();
    this.render();
    this.confirmed = false;
    this.greeted = true;
    this.pending = [];
    this.queue(this.greeting());
    this.typing.hidden = false;
    if (this.socket && this.socket.connected) this.socket.emit("session_request", { session_id: null });
    this.input.focus();
  };

  Widget.prototype.showStatus = function (connection) {
    this.connection = connection;
    this.status.textContent = this.label(connection);
    this.status.setAttribute("data-state", connection);
  };

  // ----- the socket ---------------------------------------------------------------

  Widget.prototype.connect = function () {
    var self = this;
    var options = { path: "/socket.io", transports: ["websocket"], reconnection: true, reconnectionDelay: 500, reconnectionDelayMax: 4000 };
    if (this.token) options.auth = { token: this.token };
    this.socket = window.io(this.server, options);
    this.socket.on("connect", function () {
      self.showStatus("connecting");
      self.socket.emit("session_request", { session_id: self.state.sessionId });
    });
    this.socket.on("session_confirm", function (sessionId) {
      self.state.sessionId = typeof sessionId === "string" ? sessionId : (sessionId && sessionId.session_id) || self.state.sessionId;
      self.save();
      self.confirmed = true;
      self.showStatus("connected");
      self.pending.forEach(function (entry) { self.transmit(entry); });
    });
    this.socket.on("disconnect", function () { self.confirmed = false; self.showStatus("offline"); });
    this.socket.on("connect_error", function () { self.confirmed = false; self.showStatus("offline"); });
    this.socket.on("bot_uttered", function (message) { self.receive(message || {}); });
  };

  function messageId() {
    var bytes = new Uint8Array(16);
    if (window.crypto && window.crypto.getRandomValues) window.crypto.getRandomValues(bytes);
    else for (var i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // A new message, with its own id, sent now if the session is confirmed.
  Widget.prototype.queue = function (text) {
    var entry = { id: messageId(), text: text };
    this.pending.push(entry);
    this.transmit(entry);
  };

  Widget.prototype.transmit = function (entry) {
    if (!this.confirmed) return;  // sent when the session is confirmed
    this.socket.emit("user_uttered", {
      message: entry.text, message_id: entry.id, session_id: this.state.sessionId, metadata: { language: this.state.language },
    });
  };

  // The server handled the message, or told the user to try again: never resend it.
  Widget.prototype.settle = function (id) {
    this.pending = this.pending.filter(function (entry) { return entry.id !== id; });
  };

  // shown: what the transcript shows for it (a button's title), or null for nothing.
  Widget.prototype.say = function (payload, shown) {
    this.state.messages.forEach(function (message) { delete message.buttons; });
    if (shown !== null) this.state.messages.push({ from: "user", text: shown, time: Date.now() });
    this.save();
    this.render();
    this.typing.hidden = false;
    this.queue(payload);
  };

  Widget.prototype.receive = function (message) {
    var custom = message.custom || null;
    if (custom && custom.sedia_state) {
      this.typing.hidden = true;
      if (custom.sedia_state.received) this.settle(custom.sedia_state.received);
      if (custom.sedia_state.failed) this.settle(custom.sedia_state.failed);
      if (custom.sedia_state.language && custom.sedia_state.language !== this.state.language) {
        this.state.language = custom.sedia_state.language;
        this.save();
        this.applyLabels();
        this.render();
      }
      return;
    }
    var entry = { from: "bot", time: Date.now() };
    if (custom && custom.sedia_summary) entry.summary = custom.sedia_summary;
    else if (custom && custom.sedia_document && /^https?:\/\//.test(custom.sedia_document.url || "")) entry.document = custom.sedia_document.url;
    else if (typeof message.text === "string" && message.text) {
      entry.text = message.text;
      if (message.quick_replies && message.quick_replies.length) {
        entry.buttons = message.quick_replies.map(function (b) { return { title: String(b.title), payload: String(b.payload) }; });
      }
    } else return;
    this.state.messages.push(entry);
    this.save();
    this.render();
  };

  // ----- rendering --------------------------------------------------------------

  Widget.prototype.render = function () {
    var self = this;
    var hadFocusInLog = this.log.contains(document.activeElement);
    this.log.textContent = "";
    this.state.messages.forEach(function (message) { self.log.appendChild(self.bubble(message)); });
    this.panel.hidden = !this.state.open;
    this.launcher.setAttribute("aria-expanded", this.state.open ? "true" : "false");
    // The pressed button is gone with the old transcript: focus goes to the message box, a
    // fixed place from which the new choices are one Shift+Tab away.
    if (hadFocusInLog && this.state.open) this.input.focus();
    this.scrollToEnd();
  };

  Widget.prototype.scrollToEnd = function () {
    this.log.scrollTop = this.log.scrollHeight;
  };

  Widget.prototype.bubble = function (message) {
    var who = message.from === "user" ? this.label("you") : this.title;
    var article = el("div", { className: "sedia-message sedia-from-" + message.from });
    article.appendChild(el("span", { className: "sedia-visually-hidden", text: who + ": " }));
    if (message.summary) article.appendChild(this.chart(message.summary));
    else if (message.document) {
      var a = link(message.document, this.label("document"));
      a.appendChild(el("span", { className: "sedia-visually-hidden", text: " (" + this.label("new_window") + ")" }));
      article.appendChild(el("p", { className: "sedia-document" }, [a]));
    } else if (message.from === "user") article.appendChild(el("p", { className: "sedia-text", text: message.text }));
    else article.appendChild(markdown(message.text));
    if (message.buttons) article.appendChild(this.buttons(message.buttons));
    var time = new Date(message.time);
    article.appendChild(el("time", {
      className: "sedia-time", datetime: time.toISOString(),
      text: ("0" + time.getHours()).slice(-2) + ":" + ("0" + time.getMinutes()).slice(-2),
    }));
    return article;
  };

  Widget.prototype.buttons = function (buttons) {
    var self = this;
    var scale = buttons.filter(function (b) { return b.payload.indexOf(SCALE_PAYLOAD) === 0 && b.payload.indexOf(NOT_SURE) < 0; });
    var others = buttons.filter(function (b) { return scale.indexOf(b) < 0; });
    var box = el("div", { className: "sedia-buttons" });
    function button(b, className) {
      var node = el("button", { type: "button", className: className, text: b.title, "data-title": b.title });
      node.addEventListener("click", function () { self.say(b.payload, b.title); });
      return node;
    }
    if (scale.length) {
      var row = el("div", { className: "sedia-scale", role: "group", "aria-label": this.label("scale") });
      scale.forEach(function (b, index) {
        var node = button(b, "sedia-choice");
        node.insertBefore(el("span", { className: "sedia-choice-number", "aria-hidden": "true", text: String(index + 1) }), node.firstChild);
        row.appendChild(node);
      });
      box.appendChild(row);
    }
    others.forEach(function (b) { box.appendChild(button(b, "sedia-button")); });
    return box;
  };

  Widget.prototype.chart = function (summary) {
    var self = this;
    var figure = el("figure", { className: "sedia-chart" });
    figure.appendChild(el("figcaption", { text: this.label("chart") + (summary.index != null ? " · " + summary.index + "/100" : "") }));
    var list = el("ul");
    (summary.themes || []).forEach(function (theme) {
      var names = (self.labels.themes || {})[theme.theme] || {};
      var name = names[self.state.language] || names.en || theme.theme;
      var scored = typeof theme.score === "number";
      var value = scored ? theme.score.toFixed(1) + "/5" : self.label("not_scored");
      var bar = el("span", { className: "sedia-bar", "aria-hidden": "true" });
      bar.appendChild(el("span", { className: "sedia-bar-fill", style: "width:" + (scored ? Math.max(0, Math.min(100, theme.score / 5 * 100)) : 0) + "%" }));
      list.appendChild(el("li", {}, [el("span", { className: "sedia-bar-name", text: name }), bar, el("span", { className: "sedia-bar-value", text: value })]));
    });
    figure.appendChild(list);
    return figure;
  };

  // ----- start ----------------------------------------------------------------------

  function start() {
    var host = document.querySelector("[data-sedia-chat]");
    if (!host || host.getAttribute("data-sedia-ready")) return;
    host.setAttribute("data-sedia-ready", "1");
    var css = el("link", { rel: "stylesheet", href: BASE + "sedia-widget.css" });
    document.head.appendChild(css);
    function go(labels) {
      var widget = new Widget(host, labels);
      window.sediaChat = widget;
      if (widget.state.open) widget.setOpen(true, false);
    }
    function withLabels() {
      fetch(BASE + "labels.json").then(function (r) { return r.json(); }).then(go, function () { go({ en: {} }); });
    }
    if (window.io) withLabels(); else load(BASE + "vendor/socket.io.min.js", withLabels);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
