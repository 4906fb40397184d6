// The dashboard's cards, filled when they scroll into view: each card's content (title, chart
// data as JSON in a <script type="application/json">, the table folded under the chart) is an
// HTML fragment fetched from the server (apps/desk/views/dashboard.py), then its chart is drawn
// with Chart.js (static/vendor/chartjs/, our own origin). The chart data keeps the Plotly shape
// the server builds (apps/feedback/dashboard/figures/charts.py): bar and line traces, a second
// y axis for shares, stacked or grouped bars. A drawn chart carries data-drawn="true" (the
// browser test and bench/dashboard.py count them). No inline script runs.
(function () {
  "use strict";
  // Plotly's default colours, so the figures look as they did.
  var COLOURS = ["#636efa", "#ef553b", "#00cc96", "#ab63fa", "#ffa15a", "#19d3f3", "#ff6692",
    "#b6e880", "#ff97ff", "#fecb52"];

  function axis(spec, side) {
    spec = spec || {};
    var title = spec.title && spec.title.text;
    var suffix = spec.ticksuffix || "";
    var scale = {
      type: "linear",
      position: side,
      beginAtZero: spec.rangemode === "tozero" || (spec.range ? spec.range[0] >= 0 : true),
      title: { display: !!title, text: title || "" },
      ticks: {
        precision: 0,
        callback: function (value) { return value.toLocaleString() + suffix; },
      },
    };
    if (spec.range) {
      scale.min = spec.range[0];
      scale.max = spec.range[1];
    }
    if (spec.dtick) {
      scale.ticks.stepSize = spec.dtick;
    }
    if (side === "right") {
      scale.grid = { drawOnChartArea: false };
    }
    return scale;
  }

  function config(figure) {
    var layout = figure.layout || {};
    var traces = figure.data || [];
    var xaxis = layout.xaxis || {};
    var dated = xaxis.type === "date";
    var labels = (traces[0] && traces[0].x) || [];
    var grouped = traces.some(function (trace) { return trace.offsetgroup; });
    var stacked = layout.barmode === "stack" || grouped;
    var usesY2 = traces.some(function (trace) { return trace.yaxis === "y2"; });
    var suffixes = { y: (layout.yaxis || {}).ticksuffix || "", y2: (layout.yaxis2 || {}).ticksuffix || "" };
    var datasets = traces.map(function (trace, n) {
      var colour = (trace.marker && trace.marker.color) || COLOURS[n % COLOURS.length];
      var line = trace.type === "scatter";
      var dataset = {
        type: line ? "line" : "bar",
        label: trace.name,
        data: trace.y,
        yAxisID: trace.yaxis === "y2" ? "y2" : "y",
        backgroundColor: colour,
        borderColor: colour,
        order: line ? 0 : 1,
      };
      if (line) {
        dataset.spanGaps = !!trace.connectgaps;
        dataset.pointRadius = 2.5;
        dataset.borderWidth = 2;
        dataset.fill = false;
        dataset.clip = 4; // a point at 100% stays whole
        if (trace.line && trace.line.dash) {
          dataset.borderDash = [4, 4];
        }
      } else if (stacked) {
        dataset.stack = trace.offsetgroup || "bars";
      }
      return dataset;
    });
    var scales = {
      x: {
        type: "category",
        stacked: stacked,
        grid: { display: false },
        ticks: { autoSkip: true, maxRotation: 0 },
      },
      y: axis(layout.yaxis, "left"),
    };
    scales.y.stacked = stacked;
    if (dated) {
      scales.x.ticks.callback = function (value) {
        var text = this.getLabelForValue(value);
        return typeof text === "string" ? text.slice(5) : text; // YYYY-MM-DD → MM-DD
      };
    }
    if (usesY2) {
      scales.y2 = axis(layout.yaxis2, "right");
    }
    var drawnPlugin = {
      id: "drawnMark",
      afterRender: function (chart) {
        chart.canvas.parentNode.dataset.drawn = "true";
      },
    };
    return {
      type: "bar",
      data: { labels: labels, datasets: datasets },
      plugins: [drawnPlugin],
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: layout.hovermode === "closest" ? "nearest" : "index", intersect: false },
        plugins: {
          legend: {
            position: "bottom",
            // In the figure's order (lines are drawn on top of bars, but listed where they are).
            labels: { boxWidth: 12, boxHeight: 12, sort: function (a, b) { return a.datasetIndex - b.datasetIndex; } },
          },
          tooltip: {
            callbacks: {
              label: function (item) {
                var value = item.raw === null || item.raw === undefined ? "—" : item.raw.toLocaleString();
                return item.dataset.label + ": " + value + (item.raw == null ? "" : suffixes[item.dataset.yAxisID]);
              },
            },
          },
        },
        scales: scales,
      },
    };
  }

  function draw(element) {
    if (element.dataset.drawing) {
      return;
    }
    element.dataset.drawing = "true";
    var source = document.getElementById(element.dataset.chart);
    var canvas = element.querySelector("canvas");
    if (!source || !canvas || !window.Chart) {
      return;
    }
    new window.Chart(canvas, config(JSON.parse(source.textContent)));
  }

  function failed(slot) {
    var root = document.querySelector(".dashboard");
    slot.removeAttribute("aria-busy");
    slot.removeAttribute("data-fragment");
    slot.innerHTML = "";
    var message = document.createElement("p");
    message.className = "dashboard-failed";
    message.textContent = (root && root.dataset.failed) || "Error";
    slot.appendChild(message);
  }

  // A figure whose request failed on the server's side (a 5xx, a dropped connection) is asked
  // for again, twice at most, a little later; a 4xx is not (it will not change).
  var RETRIES = 2;

  function load(url, attempt) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } }).then(
      function (response) {
        if (response.redirected && /\/desk\/login\//.test(response.url)) {
          return null;
        }
        if (response.ok) {
          return response.text();
        }
        if (response.status >= 500 && attempt < RETRIES) {
          return later(url, attempt);
        }
        return Promise.reject(response.status);
      },
      function () {
        return attempt < RETRIES ? later(url, attempt) : Promise.reject("network");
      }
    );
  }

  function later(url, attempt) {
    return new Promise(function (done) { setTimeout(done, 250 * (attempt + 1)); }).then(
      function () { return load(url, attempt + 1); }
    );
  }

  function fill(slot) {
    var url = slot.dataset.fragment;
    if (slot.dataset.loading) {
      return Promise.resolve();
    }
    slot.dataset.loading = "true"; // data-fragment stays until the content is in
    return load(url, 0)
      .then(function (html) {
        if (html === null) {
          window.location.reload(); // signed out meanwhile: the page sends them to sign in
          return;
        }
        slot.innerHTML = html; // our own server's fragment; its JSON <script> does not run
        slot.removeAttribute("aria-busy");
        slot.removeAttribute("data-fragment");
        slot.querySelectorAll("[data-chart]").forEach(draw);
      })
      .catch(function () { failed(slot); });
  }

  // At most this many figures are asked for at once (the page says how many: several on
  // PostgreSQL, where each runs in its own worker; one on SQLite, which would lock).
  var queue = [];
  var running = 0;

  function limit() {
    var root = document.querySelector(".dashboard");
    return Math.max(1, parseInt((root && root.dataset.parallel) || "4", 10) || 1);
  }

  function pump() {
    while (running < limit() && queue.length) {
      running += 1;
      fill(queue.shift()).then(finished, finished);
    }
  }

  function finished() {
    running -= 1;
    pump();
  }

  function enqueue(slot) {
    queue.push(slot);
    pump();
  }

  function start() {
    var slots = document.querySelectorAll("[data-fragment]");
    if (!("IntersectionObserver" in window)) {
      slots.forEach(enqueue);
      return;
    }
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) {
          observer.unobserve(entry.target);
          enqueue(entry.target);
        }
      });
    }, { rootMargin: "200px 0px" });
    slots.forEach(function (slot) { observer.observe(slot); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
