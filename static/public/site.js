/* Progressive enhancement of the public booking pages. Everything works
   without this file; with it:
   - the error summary takes the focus, so screen readers read it at once;
   - "Later times" adds the next slots under the current ones (no page load),
     announces it in a live region and moves the focus to the first new time;
   - a form marked data-once cannot be sent twice by a double click;
   - the done page's "Print this page" button appears and prints;
   - a box marked data-disables disables the field it names while ticked.
   No inline script anywhere: the pages can run under a strict CSP. */
(function () {
    "use strict";

    function focusErrorSummary() {
        var summary = document.querySelector("[data-error-summary]");
        if (summary) {
            summary.focus();
        }
    }

    function mergeDays(container, incoming) {
        var firstNew = null;
        incoming.forEach(function (day) {
            var existing = container.querySelector(
                '[data-day="' + day.getAttribute("data-day") + '"]'
            );
            var items = Array.prototype.slice.call(day.querySelectorAll(".slot"));
            if (existing) {
                var list = existing.querySelector(".slot-list");
                items.forEach(function (item) {
                    if (!document.getElementById(item.querySelector("input").id)) {
                        list.appendChild(document.importNode(item, true));
                        firstNew = firstNew || list.lastElementChild;
                    }
                });
            } else {
                var copy = document.importNode(day, true);
                container.appendChild(copy);
                firstNew = firstNew || copy.querySelector(".slot");
            }
        });
        return firstNew;
    }

    function enhanceMoreSlots() {
        document.addEventListener("click", function (event) {
            var link = event.target.closest("[data-more-slots]");
            if (!link || !window.fetch || !window.DOMParser) {
                return;
            }
            var picker = link.closest(".slot-picker");
            var container = picker && picker.querySelector("[data-slot-days]");
            var status = picker && picker.querySelector("[data-slot-status]");
            if (!container || !status) {
                return;
            }
            event.preventDefault();
            link.setAttribute("aria-disabled", "true");
            status.textContent = link.getAttribute("data-loading");
            fetch(link.href, { credentials: "same-origin" })
                .then(function (response) {
                    if (!response.ok) {
                        throw new Error(response.status);
                    }
                    return response.text();
                })
                .then(function (html) {
                    var page = new DOMParser().parseFromString(html, "text/html");
                    var days = Array.prototype.slice.call(
                        page.querySelectorAll("[data-slot-days] > .slot-day")
                    );
                    var firstNew = mergeDays(container, days);
                    var next = page.querySelector("[data-more-slots]");
                    if (next) {
                        link.href = next.href;
                        link.removeAttribute("aria-disabled");
                    } else {
                        link.parentNode.removeChild(link);
                    }
                    status.textContent = link.getAttribute(
                        firstNew ? "data-loaded" : "data-none"
                    );
                    if (firstNew) {
                        firstNew.querySelector("input").focus();
                    }
                })
                .catch(function () {
                    // The plain link still works: follow it.
                    window.location.href = link.href;
                });
        });
    }

    function preventDoubleSubmit() {
        document.addEventListener("submit", function (event) {
            var form = event.target;
            if (!form.hasAttribute("data-once")) {
                return;
            }
            var submitter = event.submitter;
            if (form.getAttribute("data-sent")) {
                event.preventDefault();
                return;
            }
            form.setAttribute("data-sent", "1");
            if (submitter && submitter.name !== "back") {
                // Disable after the browser has read the form data.
                window.setTimeout(function () {
                    submitter.setAttribute("disabled", "disabled");
                }, 0);
            }
        });
    }

    function enablePrint() {
        // The print button needs a script: without one it stays hidden and
        // the browser's own Print gives the same page (print styles).
        Array.prototype.forEach.call(
            document.querySelectorAll("[data-print]"),
            function (button) {
                button.hidden = false;
                button.addEventListener("click", function () {
                    window.print();
                });
            }
        );
    }

    function linkDisablingBoxes() {
        // "I do not have one yet": a ticked box disables the field it names
        // (data-disables); without this script the server ignores that field.
        var boxes = document.querySelectorAll("input[type=checkbox][data-disables]");
        Array.prototype.forEach.call(boxes, function (box) {
            var field = document.getElementById(box.getAttribute("data-disables"));
            if (!field) {
                return;
            }
            var sync = function () {
                field.disabled = box.checked;
            };
            box.addEventListener("change", sync);
            sync();
        });
    }

    function ready() {
        enablePrint();
        focusErrorSummary();
        enhanceMoreSlots();
        preventDoubleSubmit();
        linkDisablingBoxes();
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", ready);
    } else {
        ready();
    }
})();
