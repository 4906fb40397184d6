// Draws each dashboard chart with Plotly (served from our own origin) from the figure's JSON,
// which sits beside it in a <script type="application/json"> (no inline script runs).
(function () {
  "use strict";
  function draw() {
    if (!window.Plotly) {
      return;
    }
    document.querySelectorAll("[data-chart]").forEach(function (element) {
      var source = document.getElementById(element.dataset.chart);
      if (!source) {
        return;
      }
      var figure = JSON.parse(source.textContent);
      window.Plotly.newPlot(element, figure.data, figure.layout, {
        displaylogo: false,
        responsive: true,
        modeBarButtonsToRemove: ["select2d", "lasso2d"],
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
