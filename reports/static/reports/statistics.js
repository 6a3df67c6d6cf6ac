/* Draw the statistics page's plotly figures (reports/charts.py).
 *
 * Each chart is an element with data-plotly-figure="<id>" naming a
 * <script type="application/json" id="<id>"> block that holds the figure, so
 * the page needs no inline script. Text follows unfold's light or dark theme.
 */
(function () {
  "use strict";

  function textColour() {
    return document.documentElement.classList.contains("dark") ? "#e5e7eb" : "#374151";
  }

  function draw(element) {
    var source = document.getElementById(element.dataset.plotlyFigure);
    if (!source || typeof Plotly === "undefined") {
      return;
    }
    var figure = JSON.parse(source.textContent);
    var layout = figure.layout || {};
    layout.font = Object.assign({}, layout.font, { color: textColour() });
    // No mode bar: its buttons would be focusable inside an element whose
    // role is "img" (axe nested-interactive); the table beside carries the
    // figures and the page's CSV, XLSX and PDF downloads the data.
    Plotly.newPlot(element, figure.data, layout, {
      responsive: true,
      displaylogo: false,
      displayModeBar: false,
    });
  }

  function drawAll() {
    document.querySelectorAll("[data-plotly-figure]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
