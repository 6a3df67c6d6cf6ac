/* The portal's agenda: FullCalendar fed by admin/agenda/events.json.

   Times travel as Brussels wall-clock strings without offset and the calendar
   runs in "UTC" mode, which shows them as they are: the agenda reads the same
   whatever the time zone of the PC. */
(function () {
    "use strict";

    function init() {
        var element = document.getElementById("rdv-calendar");
        if (!element || !window.FullCalendar) {
            return;
        }
        var data = element.dataset;
        var cancelled = document.getElementById("rdv-show-cancelled");
        var dayListLink = document.getElementById("rdv-day-list-link");
        var chooser = document.getElementById("rdv-agenda-select");

        var calendar = new FullCalendar.Calendar(element, {
            timeZone: "UTC",
            now: data.now,
            locale: data.locale,
            initialView: data.initialView,
            initialDate: data.initialDate,
            firstDay: 1,
            hiddenDays: [0],
            height: "auto",
            nowIndicator: true,
            allDaySlot: false,
            slotMinTime: "07:00:00",
            slotMaxTime: "20:00:00",
            slotDuration: "00:15:00",
            slotLabelInterval: "01:00",
            slotLabelFormat: {hour: "2-digit", minute: "2-digit", hour12: false},
            eventTimeFormat: {hour: "2-digit", minute: "2-digit", hour12: false},
            dayMaxEvents: 4,
            navLinks: true,
            headerToolbar: {
                left: "prev,next today",
                center: "title",
                right: "timeGridDay,timeGridWeek,dayGridMonth,listWeek"
            },
            events: {
                url: data.eventsUrl,
                extraParams: function () {
                    return {cancelled: cancelled && cancelled.checked ? "1" : "0"};
                }
            },
            eventDidMount: function (info) {
                var props = info.event.extendedProps;
                if (info.event.display === "background") {
                    return;
                }
                var parts = [info.event.title, props.status];
                if (props.arrived) {
                    info.el.classList.add("rdv-arrived");
                    parts.push(data.arrivedLabel);
                }
                info.el.setAttribute("title", parts.join(" · "));
            },
            datesSet: function (info) {
                // The day list and a reload follow the day on screen.
                var day = info.view.currentStart.toISOString().slice(0, 10);
                if (dayListLink) {
                    dayListLink.href = data.dayListUrl + "&date=" + day;
                }
                var url = new URL(window.location.href);
                url.searchParams.set("date", day);
                url.searchParams.set("view", info.view.type);
                window.history.replaceState(null, "", url);
            }
        });
        calendar.render();

        if (cancelled) {
            cancelled.addEventListener("change", function () {
                calendar.refetchEvents();
            });
        }
        if (chooser) {
            chooser.addEventListener("change", function () {
                var url = new URL(chooser.form.action, window.location.href);
                var pair = chooser.value.split("=");
                url.searchParams.set(pair[0], pair[1]);
                url.searchParams.set("date", calendar.getDate().toISOString().slice(0, 10));
                url.searchParams.set("view", calendar.view.type);
                window.location.href = url.toString();
            });
        }
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", init);
    } else {
        init();
    }
})();
