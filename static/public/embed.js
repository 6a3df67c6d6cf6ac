/* Inside the commune's iframe: tell the parent page how tall this page is, so
   that embed-parent.js resizes the iframe and no inner scroll bar appears.
   The message carries only a height; the parent checks where it comes from. */
(function () {
    "use strict";
    if (window.parent === window) {
        return;
    }
    var last = 0;

    function send() {
        var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
        if (height !== last) {
            last = height;
            window.parent.postMessage({ type: "rendez-vous:height", height: height }, "*");
        }
    }

    function start() {
        send();
        if (window.ResizeObserver) {
            new ResizeObserver(send).observe(document.documentElement);
        } else {
            window.addEventListener("resize", send);
            window.setInterval(send, 500);
        }
        // A new page in the frame: bring its top into view on the parent page.
        window.parent.postMessage({ type: "rendez-vous:page" }, "*");
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", start);
    } else {
        start();
    }
})();
