/* The day list's Print button (no inline script). */
(function () {
    "use strict";
    var button = document.querySelector("[data-print]");
    if (button) {
        button.addEventListener("click", function () {
            window.print();
        });
    }
})();
