/* The portal's agenda: FullCalendar fed by admin/agenda/events.json.

   Times travel as Brussels wall-clock strings without offset and the calendar
   runs in "UTC" mode, which shows them as they are: the agenda reads the same
   whatever the time zone of the PC.

   Each appointment is one line ("08:30 DUPONT Jeanne · Carte d'identité"),
   dark text on a tint of its colour; the rest (times, service, agent, status)
   is read with the line by screen readers and shown on hover or focus. */
(function () {
    "use strict";

    // The mark a line starts with; the page's legend explains them.
    var STATUS_MARKS = {done: "✓", no_show: "✗"};
    var ARRIVED_MARK = "●";
    var WAITING_MARK = "⏳"; // arrived, not yet called (issue 22)

    function labels() {
        var source = document.getElementById("rdv-calendar-labels");
        return source ? JSON.parse(source.textContent) : {};
    }

    function span(className, text) {
        var element = document.createElement("span");
        element.className = className;
        element.textContent = text;
        return element;
    }

    function hhmm(date) {
        return date ? date.toISOString().slice(11, 16) : "";
    }

    function timeOfDay(date) {
        return date.toISOString().slice(11, 19);
    }

    /* The event's one line, and its details for screen readers. */
    function eventContent(arg) {
        var event = arg.event;
        var props = event.extendedProps;
        if (event.display === "background") {
            return true;  // FullCalendar's own (the unavailability's note)
        }
        var line = document.createElement("span");
        line.className = "rdv-event-line";
        if (arg.view.type.startsWith("dayGrid")) {
            // The month's events are dots of their colour before the line.
            line.appendChild(span("rdv-dot", ""));
        }
        var mark = STATUS_MARKS[props.statusCode] ||
            (props.waiting ? WAITING_MARK : (props.arrived ? ARRIVED_MARK : ""));
        if (mark) {
            var markElement = span("rdv-mark", mark);
            markElement.setAttribute("aria-hidden", "true");
            line.appendChild(markElement);
        }
        if (!arg.view.type.startsWith("list")) {
            line.appendChild(span("rdv-event-time", hhmm(event.start)));
        }
        // The week's columns are narrow: "DUPONT J.", the full name is read
        // with the details.
        var short = arg.view.type === "timeGridWeek" && props.citizenShort;
        var name = short ? props.citizenShort : props.citizen || event.title;
        line.appendChild(span("rdv-event-citizen", name));
        if (props.initials) {
            var initials = span("rdv-event-initials", props.initials);
            initials.setAttribute("aria-hidden", "true");
            line.appendChild(initials);
        }
        var nodes = [line];
        if (props.reason) {
            // On the line when the event is one line high, else below it
            // (portal.css shows one of the two).
            line.appendChild(span("rdv-event-reason", "· " + props.reason));
            nodes.push(span("rdv-event-reason-below", props.reason));
        }
        var details = (short ? [props.citizen] : []).concat(props.details || []);
        if (details.length) {
            nodes.push(span("rdv-visually-hidden", ", " + details.join(", ")));
        }
        return {domNodes: nodes};
    }

    /* One tooltip for every event: hover or focus shows the event's details
       (WCAG 1.4.13: it stays while hovered, Escape hides it). */
    function makeTooltip() {
        var tip = document.createElement("div");
        tip.className = "rdv-event-tip";
        tip.setAttribute("aria-hidden", "true");  // the event's text says it all
        tip.hidden = true;
        document.body.appendChild(tip);
        var hideTimer = null;

        function show(eventElement, event) {
            window.clearTimeout(hideTimer);
            var props = event.extendedProps;
            tip.textContent = "";
            var heading = document.createElement("strong");
            heading.textContent = props.citizen || event.title;
            tip.appendChild(heading);
            (props.details || []).forEach(function (detail) {
                var row = document.createElement("div");
                row.textContent = detail;
                tip.appendChild(row);
            });
            tip.hidden = false;
            var box = eventElement.getBoundingClientRect();
            var width = tip.offsetWidth;
            var left = Math.min(box.left, document.documentElement.clientWidth - width - 8);
            var top = box.bottom + 4;
            if (top + tip.offsetHeight > document.documentElement.clientHeight) {
                top = box.top - tip.offsetHeight - 4;
            }
            tip.style.left = Math.max(8, left) + window.scrollX + "px";
            tip.style.top = Math.max(8, top) + window.scrollY + "px";
        }

        function hideSoon() {
            window.clearTimeout(hideTimer);
            hideTimer = window.setTimeout(function () {
                tip.hidden = true;
            }, 150);
        }

        tip.addEventListener("mouseenter", function () {
            window.clearTimeout(hideTimer);
        });
        tip.addEventListener("mouseleave", hideSoon);
        document.addEventListener("keydown", function (keyEvent) {
            if (keyEvent.key === "Escape") {
                tip.hidden = true;
            }
        });
        return {show: show, hideSoon: hideSoon};
    }

    function init() {
        var element = document.getElementById("rdv-calendar");
        if (!element || !window.FullCalendar) {
            return;
        }
        var data = element.dataset;
        var text = labels();
        var cancelled = document.getElementById("rdv-show-cancelled");
        var dayListLink = document.getElementById("rdv-day-list-link");
        var chooser = document.getElementById("rdv-agenda-select");
        var tooltip = makeTooltip();
        var slotMin = data.slotMin || "08:00:00";
        var slotMax = data.slotMax || "18:00:00";

        // FullCalendar calls a hint with the unit's localised name, then its
        // code ("week").
        function hint(hints) {
            return function (localised, unit) {
                return (hints && hints[unit]) || "";
            };
        }

        /* The hours shown: the agenda's opening hours, widened to any event
           of the days on screen that lies outside them. */
        function fitHours(calendar) {
            var first = slotMin;
            var last = slotMax;
            calendar.getEvents().forEach(function (event) {
                if (!event.start || !event.end || event.allDay) {
                    return;
                }
                var start = timeOfDay(event.start).slice(0, 3) + "00:00";
                var sameDay = event.end.toISOString().slice(0, 10) === event.start.toISOString().slice(0, 10);
                var end = sameDay ? timeOfDay(event.end) : "24:00:00";
                if (end.slice(3) !== "00:00") {
                    end = ("0" + (parseInt(end.slice(0, 2), 10) + 1)).slice(-2) + ":00:00";
                }
                if (start < first) {
                    first = start;
                }
                if (end > last) {
                    last = end;
                }
            });
            if (calendar.getOption("slotMinTime") !== first) {
                calendar.setOption("slotMinTime", first);
            }
            if (calendar.getOption("slotMaxTime") !== last) {
                calendar.setOption("slotMaxTime", last);
            }
        }

        /* FullCalendar's markup, mended for assistive technologies. */
        function mendMarkup() {
            // The arrows are icons inside buttons that have text: decoration.
            element.querySelectorAll(".fc-icon[role=img]").forEach(function (icon) {
                icon.removeAttribute("role");
                icon.setAttribute("aria-hidden", "true");
            });
        }

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
            slotMinTime: slotMin,
            slotMaxTime: slotMax,
            slotDuration: "00:15:00",
            slotLabelInterval: "01:00",
            slotLabelFormat: {hour: "2-digit", minute: "2-digit", hour12: false},
            eventTimeFormat: {hour: "2-digit", minute: "2-digit", hour12: false},
            // Events at the same time stand side by side, never on each other.
            slotEventOverlap: false,
            eventMinHeight: 20,
            eventShortHeight: 20,
            dayMaxEvents: 4,
            navLinks: true,
            buttonIcons: false,
            buttonText: {prev: text.previous, next: text.next},
            buttonHints: {
                prev: hint(text.previousHints),
                next: hint(text.nextHints),
                today: hint(text.todayHints)
            },
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
            eventContent: eventContent,
            eventDidMount: function (info) {
                var props = info.event.extendedProps;
                if (info.event.display === "background") {
                    return;
                }
                var el = info.el;
                el.style.setProperty("--rdv-colour", info.event.backgroundColor);
                el.style.setProperty("--rdv-tint", props.tint || "#e5e7eb");
                el.style.setProperty("--rdv-tint-dark", props.tintDark || "#374151");
                el.addEventListener("mouseenter", function () {
                    tooltip.show(el, info.event);
                });
                el.addEventListener("focus", function () {
                    tooltip.show(el, info.event);
                });
                el.addEventListener("mouseleave", tooltip.hideSoon);
                el.addEventListener("blur", tooltip.hideSoon);
            },
            moreLinkDidMount: function (info) {
                // An <a> without href has no role: aria-expanded needs one.
                info.el.setAttribute("role", "button");
            },
            dayCellDidMount: function (info) {
                // The month's cells are named by their day number only, though
                // they hold events too (axe label-content-name-mismatch).
                info.el.removeAttribute("aria-labelledby");
            },
            eventsSet: function () {
                fitHours(calendar);
            },
            datesSet: function (info) {
                mendMarkup();
                // The day list opens on today when today is on screen, else
                // on the first day shown.
                var first = info.view.currentStart.toISOString().slice(0, 10);
                var end = info.view.currentEnd.toISOString().slice(0, 10);
                var today = data.today;
                var day = today && today >= first && today < end ? today : first;
                if (dayListLink) {
                    dayListLink.href = data.dayListUrl + "&date=" + day;
                }
                var url = new URL(window.location.href);
                url.searchParams.set("date", first);
                url.searchParams.set("view", info.view.type);
                window.history.replaceState(null, "", url);
            }
        });
        calendar.render();
        mendMarkup();

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
