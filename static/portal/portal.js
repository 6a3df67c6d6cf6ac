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

    // A field marked autofocus gets the focus even where the browser skips
    // the attribute (a page loaded while the window was busy or after a
    // history move): the desk's reference field waits for a scanner that types.
    document.addEventListener("DOMContentLoaded", function () {
        var field = document.querySelector("main [autofocus]");
        var active = document.activeElement;
        if (field && (!active || active === document.body)) {
            field.focus();
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
