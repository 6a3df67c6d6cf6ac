/* Shared by the portal's pages.

   unfold jumps to its sidebar search when "t" is
   pressed outside a text field; typing the first letters of a choice in a
   <select> ("Carte d'identité") must not do that. */
(function () {
    "use strict";
    document.addEventListener("keydown", function (event) {
        if (event.target && event.target.tagName === "SELECT") {
            event.stopPropagation();
        }
    });

    // Buttons that destroy something ask first (data-confirm="question").
    document.addEventListener("click", function (event) {
        var button = event.target.closest && event.target.closest("[data-confirm]");
        if (button && !window.confirm(button.dataset.confirm)) {
            event.preventDefault();
        }
    });
})();
