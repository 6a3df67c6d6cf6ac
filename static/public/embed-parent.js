/* For the commune's own website: resizes the booking module's iframe to its
   content. Usage (see README, "Embedding the booking module"):

   <iframe src="https://rendez-vous.commune.be/embed/" title="Prendre rendez-vous"
           data-rendez-vous style="width:100%;border:0" height="900"></iframe>
   <script src="https://rendez-vous.commune.be/static/public/embed-parent.js" defer></script>

   data-lang="nl" on the iframe opens the module in that language (it becomes
   ?lang=nl, which the module then keeps from page to page); data-lang="auto"
   takes the language of the commune's page (<html lang="nl-BE">).
*/
(function () {
    "use strict";

    function frames() {
        return Array.prototype.slice.call(document.querySelectorAll("iframe[data-rendez-vous]"));
    }

    // The language goes in the frame's URL: a cookie set inside a cross-site
    // frame is lost, the URL is not.
    function languageOf(frame) {
        var wanted = (frame.getAttribute("data-lang") || "").trim().toLowerCase();
        if (wanted === "auto") {
            wanted = (document.documentElement.lang || "").toLowerCase();
        }
        wanted = wanted.slice(0, 2);
        return /^[a-z]{2}$/.test(wanted) ? wanted : "";
    }

    frames().forEach(function (frame) {
        var language = languageOf(frame);
        if (!language || !frame.src) {
            return;
        }
        var url = new URL(frame.src, window.location.href);
        if (url.searchParams.get("lang") !== language) {
            url.searchParams.set("lang", language);
            frame.src = url.toString();
        }
    });

    window.addEventListener("message", function (event) {
        var data = event.data;
        if (!data || typeof data.type !== "string" || data.type.indexOf("rendez-vous:") !== 0) {
            return;
        }
        frames().forEach(function (frame) {
            if (frame.contentWindow !== event.source) {
                return;
            }
            // Only the module's own origin may resize its frame.
            if (new URL(frame.src, window.location.href).origin !== event.origin) {
                return;
            }
            if (data.type === "rendez-vous:height") {
                var height = parseInt(data.height, 10);
                if (height > 0 && height < 20000) {
                    frame.style.height = height + "px";
                }
            } else if (data.type === "rendez-vous:page") {
                var top = frame.getBoundingClientRect().top;
                if (top < 0) {
                    frame.scrollIntoView({ block: "start" });
                }
            }
        });
    });
})();
