// The rule editor: only the chosen action's fields are shown (the server ignores the others).
(function () {
  "use strict";
  function toggle(form) {
    var select = form.querySelector("[name=action]");
    if (!select) return;
    var action = select.value;
    form.querySelectorAll(".mgr-action-field").forEach(function (box) {
      var used = (box.getAttribute("data-actions") || "").split(" ").indexOf(action) !== -1;
      box.hidden = !used;
      box.querySelectorAll("input, select, textarea").forEach(function (input) {
        input.disabled = !used;
      });
    });
  }
  function start() {
    var form = document.getElementById("rule-form");
    if (!form) return;
    toggle(form);
    form.addEventListener("change", function (event) {
      if (event.target && event.target.name === "action") toggle(form);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
