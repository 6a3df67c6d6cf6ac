/* The availability editor's small helpers: switch agent or service on change,
   fill weekdays quickly. */
(function () {
    "use strict";

    document.querySelectorAll("[data-autosubmit]").forEach(function (select) {
        select.addEventListener("change", function () {
            if (select.name === "agent") {
                // Another agent may not work in the chosen service.
                var service = select.form.querySelector("[name=service]");
                if (service) {
                    service.disabled = true;
                }
            }
            select.form.submit();
        });
    });

    var form = document.getElementById("rdv-week-form");
    if (form) {
        var days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
        var last = form.querySelector("[name=monday]");
        days.forEach(function (day) {
            var input = form.querySelector("[name=" + day + "]");
            input.addEventListener("focus", function () {
                last = input;
            });
        });
        var copy = form.querySelector("[data-copy-monday]");
        copy.addEventListener("click", function () {
            var monday = form.querySelector("[name=monday]").value;
            ["tuesday", "wednesday", "thursday", "friday"].forEach(function (day) {
                form.querySelector("[name=" + day + "]").value = monday;
            });
        });
        form.querySelectorAll("[data-fill]").forEach(function (button) {
            button.addEventListener("click", function () {
                var value = button.dataset.fill;
                if (!value) {
                    last.value = "";
                } else if (last.value.indexOf(value) === -1) {
                    last.value = last.value ? last.value + ", " + value : value;
                }
                last.focus();
            });
        });
    }
})();
