/* The queue page: keyboard (j/k move, Enter opens, x selects), the selection count, and the
   live poll for tickets that changed while the page stays open. Plain JS, no framework. */
(function () {
  "use strict";
  var body = document.getElementById("queue-rows");
  if (!body) { return; }
  var news = document.getElementById("queue-news");
  var selectedOut = document.getElementById("queue-selected");
  var all = document.getElementById("queue-all");
  var focused = -1;

  function rows() { return Array.prototype.slice.call(body.querySelectorAll("tr.q-row")); }
  function boxes() { return Array.prototype.slice.call(body.querySelectorAll('input[name="tickets"]')); }
  function selectedCount() { return boxes().filter(function (box) { return box.checked; }).length; }

  function showSelected() {
    var count = selectedCount();
    if (selectedOut) { selectedOut.textContent = count ? (selectedOut.dataset.label || "✓") + " " + count : ""; }
    boxes().forEach(function (box) { box.closest("tr").classList.toggle("q-picked", box.checked); });
  }

  function focusRow(index) {
    var list = rows();
    if (!list.length) { return; }
    index = Math.max(0, Math.min(list.length - 1, index));
    list.forEach(function (row) { row.classList.remove("q-focus"); });
    focused = index;
    list[index].classList.add("q-focus");
    list[index].focus({ preventScroll: false });
  }

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(target.tagName)) && target.type !== "checkbox";
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    var list = rows();
    if (event.key === "j") { focusRow(focused + 1); event.preventDefault(); }
    else if (event.key === "k") { focusRow(focused < 0 ? 0 : focused - 1); event.preventDefault(); }
    else if (event.key === "Enter" && focused >= 0 && list[focused] && event.target.tagName !== "A") {
      var link = list[focused].querySelector("a.q-ref");
      if (link) { window.location.href = link.href; event.preventDefault(); }
    } else if (event.key === "x" && focused >= 0 && list[focused]) {
      var box = list[focused].querySelector('input[name="tickets"]');
      if (box) { box.checked = !box.checked; showSelected(); event.preventDefault(); }
    }
  });

  body.addEventListener("click", function (event) {
    var row = event.target.closest("tr.q-row");
    if (row) { focused = rows().indexOf(row); }
  });
  body.addEventListener("change", showSelected);
  if (all) {
    all.addEventListener("change", function () {
      boxes().forEach(function (box) { box.checked = all.checked; });
      showSelected();
    });
  }

  // Bulk: show only the choice the action needs (agent, priority or template).
  var action = document.getElementById("id_bulk_action");
  var needs = { assign_agent: "id_bulk_agent", set_priority: "id_bulk_priority", resolve_with_template: "id_bulk_template" };
  function showNeeded() {
    ["id_bulk_agent", "id_bulk_priority", "id_bulk_template"].forEach(function (id) {
      var field = document.getElementById(id);
      if (field) { field.hidden = needs[action.value] !== id; }
    });
  }
  if (action) { action.addEventListener("change", showNeeded); showNeeded(); }

  // --- Live: ask what changed since the page's newest known time. ---
  var seconds = parseInt(body.dataset.seconds || "10", 10);
  var busy = false;
  function poll() {
    if (busy || document.hidden) { return; }
    var onFirst = body.dataset.first === "1";
    var replace = onFirst && selectedCount() === 0 && focused < 0;
    var url = body.dataset.live + (body.dataset.live.indexOf("?") < 0 ? "?" : "&") +
      "since=" + encodeURIComponent(body.dataset.since) + (replace ? "&rows=1" : "");
    busy = true;
    fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if (response.status !== 200) { return null; }
        var mode = response.headers.get("X-Queue-Mode");
        var since = response.headers.get("X-Queue-Since");
        return response.text().then(function (html) { return { mode: mode, since: since, html: html }; });
      })
      .then(function (answer) {
        if (!answer) { return; }
        if (answer.mode === "rows" && selectedCount() === 0) {
          body.innerHTML = answer.html;
          if (answer.since) { body.dataset.since = answer.since; }
          if (news) { news.hidden = true; news.innerHTML = ""; }
        } else if (answer.mode === "news" && news) {
          news.innerHTML = answer.html;
          news.hidden = false;
        }
      })
      .catch(function () { /* offline for a moment: the next poll tries again */ })
      .then(function () { busy = false; });
  }
  if (news) {
    news.addEventListener("click", function (event) {
      if (event.target.closest(".q-news-show")) { event.preventDefault(); window.location.reload(); }
    });
  }
  window.setInterval(poll, seconds * 1000);

  // --- Countdowns move on by themselves, in the page's words (the server's rules, in
  // views/queue_rows.py: minutes below an hour, hours below two days, then days). ---
  function fill(format, name, value) {
    return (format || "").replace("%(" + name + ")d", value).replace("%(" + name + ")s", value);
  }
  function span(seconds) {
    var minutes = Math.floor(Math.abs(seconds) / 60);
    if (minutes < 60) { return fill(body.dataset.fmtMin, "count", Math.max(minutes, 1)); }
    var hours = Math.floor(minutes / 60);
    if (hours < 48) { return fill(body.dataset.fmtH, "count", hours); }
    return fill(body.dataset.fmtD, "count", Math.floor(hours / 24));
  }
  function tick() {
    if (!body.dataset.fmtMin) { return; }
    var now = Date.now();
    body.querySelectorAll("time.q-due").forEach(function (cell) {
      var at = Date.parse(cell.getAttribute("datetime"));
      if (isNaN(at)) { return; }
      var seconds = (at - now) / 1000;
      if (cell.classList.contains("q-paused")) {
        cell.textContent = fill(body.dataset.fmtWait, "time", span(seconds));
      } else {
        cell.textContent = fill(seconds >= 0 ? body.dataset.fmtIn : body.dataset.fmtOver, "time", span(seconds));
      }
    });
  }
  window.setInterval(tick, 30 * 1000);
})();
