/* Draw the statistics page's plotly figures (reports/charts.py), without
 * delaying the page.
 *
 * The page is whole without them: key figures and a table beside each chart.
 * Once it has loaded and the browser is idle, this script fetches plotly.js
 * (the element with data-plotly-src names it, from our own static files) and
 * draws each chart as it comes near the screen.
 *
 * Each chart is an element with data-plotly-figure="<id>" naming a
 * <script type="application/json" id="<id>"> block that holds the figure, so
 * the page needs no inline script. Text follows unfold's light or dark theme.
 */
(function () {
  "use strict";

  function dark() {
    return document.documentElement.classList.contains("dark");
  }

  function textColour() {
    return dark() ? "#e5e7eb" : "#374151";
  }

  // Grid lines a shade off the card: plotly's white ones glare on the dark
  // theme and vanish on the light one.
  function gridColour() {
    return dark() ? "#374151" : "#e5e7eb";
  }

  function draw(element) {
    var source = document.getElementById(element.dataset.plotlyFigure);
    if (!source || typeof Plotly === "undefined") {
      return;
    }
    var figure = JSON.parse(source.textContent);
    var layout = figure.layout || {};
    layout.font = Object.assign({}, layout.font, { color: textColour() });
    ["xaxis", "yaxis"].forEach(function (axis) {
      layout[axis] = Object.assign({}, layout[axis], {
        gridcolor: gridColour(),
        zerolinecolor: gridColour(),
      });
    });
    // No mode bar: its buttons would be focusable inside an element whose
    // role is "img" (axe nested-interactive); the table beside carries the
    // figures and the page's CSV, XLSX and PDF downloads the data.
    Plotly.newPlot(element, figure.data, layout, {
      responsive: true,
      displaylogo: false,
      displayModeBar: false,
    });
    element.dataset.plotlyDrawn = "1";
  }

  function drawWhenNear(charts) {
    if (!("IntersectionObserver" in window)) {
      charts.forEach(draw);
      return;
    }
    var observer = new IntersectionObserver(
      function (entries) {
        entries.forEach(function (entry) {
          if (entry.isIntersecting) {
            observer.unobserve(entry.target);
            draw(entry.target);
          }
        });
      },
      { rootMargin: "600px 0px" }
    );
    charts.forEach(function (chart) {
      observer.observe(chart);
    });
  }

  function start() {
    var holder = document.querySelector("[data-plotly-src]");
    var charts = Array.prototype.slice.call(
      document.querySelectorAll("[data-plotly-figure]")
    );
    if (!holder || !charts.length) {
      return;
    }
    var script = document.createElement("script");
    script.src = holder.dataset.plotlySrc;
    script.async = true;
    script.addEventListener("load", function () {
      drawWhenNear(charts);
    });
    document.head.appendChild(script);
  }

  function whenIdle(callback) {
    if ("requestIdleCallback" in window) {
      window.requestIdleCallback(callback, { timeout: 1000 });
    } else {
      window.setTimeout(callback, 100);
    }
  }

  if (document.readyState === "complete") {
    whenIdle(start);
  } else {
    window.addEventListener("load", function () {
      whenIdle(start);
    });
  }
})();
