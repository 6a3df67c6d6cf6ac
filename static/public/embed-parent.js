/* For the commune's own website: resizes the booking module's iframe to its
   content. Usage (see README, "Embedding the booking module"):

   <iframe src="https://rendez-vous.commune.be/embed/" title="Prendre rendez-vous"
           data-rendez-vous style="width:100%;border:0" height="900"></iframe>
   <script src="https://rendez-vous.commune.be/static/public/embed-parent.js" defer></script>
*/
(function () {
    "use strict";

    function frames() {
        return Array.prototype.slice.call(document.querySelectorAll("iframe[data-rendez-vous]"));
    }

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
