/* The ticket workspace's keys and small helpers (no library but htmx, loaded by the frame).
   j or ]  next ticket        k or [  previous ticket
   r       reply              n       internal note
   e       resolve            ?       this help (Esc closes it)
   No key fires while the focus is in a field. Everything works without this file too. */
(function () {
  "use strict";

  function typing(target) {
    if (!target || !target.closest) return false;
    if (target.isContentEditable) return true;
    return Boolean(target.closest("input, textarea, select, [contenteditable]"));
  }

  function byId(id) { return document.getElementById(id); }

  function help(show) {
    var box = byId("ws-help");
    if (!box) return;
    box.hidden = show === undefined ? !box.hidden : !show;
    if (!box.hidden) { var close = byId("ws-help-close"); if (close) close.focus(); }
  }

  function write(kind) {
    var radio = document.querySelector('#ws-reply-form input[name="visibility"][value="' + kind + '"]');
    var body = byId("ws-body");
    if (!body) return;
    if (radio) { radio.checked = true; radio.dispatchEvent(new Event("change", { bubbles: true })); }
    body.focus();
  }

  function go(id) {
    var link = byId(id);
    if (link && link.href) window.location.assign(link.href);
  }

  function submit(form) {
    if (!form) return;
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      var box = byId("ws-help");
      if (box && !box.hidden) { help(false); event.preventDefault(); return; }
      if (typing(event.target)) { event.target.blur(); }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    if (typing(event.target)) return;
    var actions = {
      "j": function () { go("ws-next"); },
      "]": function () { go("ws-next"); },
      "k": function () { go("ws-prev"); },
      "[": function () { go("ws-prev"); },
      "r": function () { write("public"); },
      "n": function () { write("internal"); },
      "e": function () {
        // A single key must not resolve by accident: ask first (the button itself does not).
        var form = byId("ws-resolve-form");
        if (form && window.confirm(form.dataset.confirm || "Resolve?")) submit(form);
      },
      "?": function () { help(); }
    };
    var action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("button, a") : null;
    if (!target) return;
    if (target.id === "ws-help-open") { help(true); return; }
    if (target.id === "ws-help-close") { help(false); return; }
    if (target.id === "ws-insert") { insertTemplate(event); }
  });

  // A reply template's text, placeholders filled by the server, inserted where the cursor is.
  function insertTemplate(event) {
    var form = byId("ws-reply-form");
    var select = byId("ws-template");
    var body = byId("ws-body");
    if (!form || !select || !body || !select.value || !window.fetch) return; // the form posts
    event.preventDefault();
    var url = form.getAttribute("data-template-url") + "?template=" + encodeURIComponent(select.value);
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response); })
      .then(function (data) {
        var start = body.selectionStart || 0, end = body.selectionEnd || 0, text = body.value;
        if (document.activeElement !== body && !text.trim()) { start = end = 0; }
        else if (document.activeElement !== body) { start = end = text.length; }
        var before = text.slice(0, start), after = text.slice(end);
        var glue = before && !/\n$/.test(before) ? "\n\n" : "";
        body.value = before + glue + data.text + after;
        var caret = (before + glue + data.text).length;
        body.focus();
        body.setSelectionRange(caret, caret);
        composing();
      })
      .catch(function () { submit(form); });
  }

  // Presence: the poll says "writing a reply" while the box has text.
  function composing() {
    var flag = byId("ws-composing"), body = byId("ws-body");
    if (flag) flag.value = body && body.value.trim() ? "1" : "0";
  }

  function noteStyle() {
    var reply = byId("ws-reply");
    var note = document.querySelector('#ws-reply-form input[name="visibility"][value="internal"]');
    if (reply) reply.classList.toggle("ws-writing-note", Boolean(note && note.checked));
  }

  document.addEventListener("input", function (event) {
    if (event.target && event.target.id === "ws-body") composing();
  });
  document.addEventListener("change", function (event) {
    if (event.target && event.target.name === "visibility") noteStyle();
  });
  // Another action answered in place (a status, a macro, an offer) redraws the page: the draft
  // being written, its kind and the message it was written against stay as they were.
  var kept = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var body = byId("ws-body"), from = event.detail.elt;
    var fromReply = from && from.closest && from.closest("#ws-reply-form");
    var isPoll = from && from.id === "ws-live";
    if (isPoll || fromReply || !body || !body.value.trim()) { if (!isPoll) kept = null; return; }
    var kind = document.querySelector('#ws-reply-form input[name="visibility"]:checked');
    var seen = byId("ws-seen");
    kept = { text: body.value, kind: kind ? kind.value : "", seen: seen ? seen.value : "" };
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var body = byId("ws-body");
    if (kept && event.detail.target && event.detail.target.id === "ws-page" && body && !body.value) {
      body.value = kept.text;
      var radio = document.querySelector('#ws-reply-form input[name="visibility"][value="' + kept.kind + '"]');
      if (radio) radio.checked = true;
      var seen = byId("ws-seen");
      if (seen && kept.seen) seen.value = kept.seen;
    }
    if (event.detail.target && event.detail.target.id === "ws-page") kept = null;
    composing(); noteStyle();
  });
  document.addEventListener("DOMContentLoaded", function () { composing(); noteStyle(); });

  // Without htmx (or before it loads): one submit per form, the clicked button still sent.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || form.hasAttribute("hx-post") && window.htmx) return;
    if (form.dataset.sent) { event.preventDefault(); return; }
    form.dataset.sent = "1";
    window.setTimeout(function () {
      form.querySelectorAll("button").forEach(function (button) { button.disabled = true; });
    }, 0);
  });
})();
