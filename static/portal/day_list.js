/* The day list's Print button, and the desk buttons that ask first
   (data-confirm="question"): no inline script. */
(function () {
    "use strict";
    var button = document.querySelector("[data-print]");
    if (button) {
        button.addEventListener("click", function () {
            window.print();
        });
    }
    document.addEventListener("click", function (event) {
        var asking = event.target.closest && event.target.closest("[data-confirm]");
        if (asking && !window.confirm(asking.dataset.confirm)) {
            event.preventDefault();
        }
    });
})();
