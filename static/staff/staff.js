/* Every staff page (templates/admin/base.html).

   The tabular inlines of unfold (a service's members, a typical week's
   ranges…) name their columns in the table head only: each field gets its
   column's name, so that a screen reader says what the field is (WCAG 1.3.1,
   4.1.2), also in the rows "Add another" inserts. */
(function () {
    "use strict";

    function labelInlineFields(root) {
        root.querySelectorAll("td[data-label]").forEach(function (cell) {
            var controls = cell.querySelectorAll(
                "input:not([type=hidden]), select, textarea"
            );
            controls.forEach(function (control) {
                var named = (control.labels && control.labels.length) ||
                    control.getAttribute("aria-label") ||
                    control.getAttribute("aria-labelledby");
                if (!named && cell.dataset.label) {
                    control.setAttribute("aria-label", cell.dataset.label);
                }
            });
        });
    }

    function init() {
        labelInlineFields(document);
        document.addEventListener("formset:added", function (event) {
            labelInlineFields(event.target);
        });
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", init);
    } else {
        init();
    }
})();
