/* Phone booking, keyboard first (R15).

   Name → ↓/Enter picks a citizen (or Enter with no match opens "new citizen")
   → type the reason, Enter → the first free time is selected, Enter books.
   The page works without this script: every step is a submit button. */
(function () {
    "use strict";

    var form = document.getElementById("rdv-phone");
    if (!form) {
        return;
    }
    var text = form.dataset;
    var query = document.getElementById("rdv-q");
    var results = document.getElementById("rdv-results");
    var resultsStatus = document.getElementById("rdv-results-status");
    var searchBlock = document.getElementById("rdv-citizen-search");
    var chosenBlock = document.getElementById("rdv-citizen-chosen");
    var citizenId = document.getElementById("rdv-citizen-id");
    var citizenLabel = document.getElementById("rdv-citizen-label");
    var citizenMeta = document.getElementById("rdv-citizen-meta");
    var change = document.getElementById("rdv-citizen-change");
    var newCitizen = document.getElementById("rdv-new");
    var newFlag = document.getElementById("rdv-new-flag");
    var reason = document.getElementById("rdv-reason");
    var agent = document.getElementById("rdv-agent");
    var fromDate = document.getElementById("rdv-from");
    var people = document.getElementById("rdv-people");
    var peopleField = document.querySelector("[data-people-field]");
    var slots = document.getElementById("rdv-slots");
    var slotsStatus = document.getElementById("rdv-slots-status");
    var more = document.getElementById("rdv-more");
    var confirm = document.getElementById("rdv-confirm");
    var defaultAction = document.getElementById("rdv-default-action");
    var searchButton = document.getElementById("rdv-search-button");
    var details = document.querySelectorAll("[data-detail]");

    var citizenHas = null; // which details the chosen citizen already has
    var required = [];
    var asked = []; // the details the reason asks (required or optional)
    var noNumberAllowed = false; // "No national register number yet" offered
    var searchTimer = null;
    var searchSeq = 0;
    var slotSeq = 0;
    var focusSlotsWhenLoaded = false;

    // With the script, Enter in a plain text field books; search and slots
    // come as the agent types.
    defaultAction.value = "book";
    searchButton.hidden = true;

    function el(tag, className, content) {
        var node = document.createElement(tag);
        if (className) {
            node.className = className;
        }
        if (content) {
            node.textContent = content;
        }
        return node;
    }

    function option(name, value, main, meta, checked) {
        var item = el("li");
        var label = el("label", "rdv-option");
        var input = el("input");
        input.type = "radio";
        input.name = name;
        input.value = value;
        input.checked = !!checked;
        var body = el("span");
        body.appendChild(el("span", "rdv-option-main", main));
        if (meta) {
            body.appendChild(el("br"));
            body.appendChild(el("span", "rdv-option-meta", meta));
        }
        label.appendChild(input);
        label.appendChild(body);
        item.appendChild(label);
        return {item: item, input: input};
    }

    function getJSON(url) {
        return fetch(url, {
            credentials: "same-origin",
            headers: {"Accept": "application/json", "X-Requested-With": "fetch"}
        }).then(function (response) {
            return response.json();
        });
    }

    // --- Citizens ---------------------------------------------------------------

    var found = {};

    function renderCitizens(list) {
        results.textContent = "";
        found = {};
        list.forEach(function (citizen, index) {
            found[citizen.id] = citizen;
            var meta = [citizen.phone, citizen.email, citizen.birth_date]
                .filter(Boolean).join(" · ");
            var made = option("citizen", citizen.id, citizen.label, meta, index === 0);
            made.input.dataset.label = citizen.label;
            made.input.dataset.meta = meta;
            results.appendChild(made.item);
        });
        resultsStatus.textContent = list.length ? "" : text.textNone;
    }

    function search() {
        var value = query.value.trim();
        if (value.length < 2) {
            renderCitizens([]);
            resultsStatus.textContent = "";
            return;
        }
        var seq = ++searchSeq;
        resultsStatus.textContent = text.textSearching;
        getJSON(text.citizensUrl + "?q=" + encodeURIComponent(value)).then(function (data) {
            if (seq === searchSeq) {
                renderCitizens(data.results);
            }
        });
    }

    function choose(input) {
        var citizen = found[input.value];
        citizenId.value = input.value;
        citizenId.disabled = false;
        citizenLabel.textContent = input.dataset.label || (citizen && citizen.label) || "";
        citizenMeta.textContent = input.dataset.meta || "";
        citizenHas = citizen ? citizen.has : null;
        results.textContent = "";
        newCitizen.open = false;
        newFlag.checked = false;
        searchBlock.hidden = true;
        chosenBlock.hidden = false;
        updateDetails();
        reason.focus();
    }

    function startNewCitizen() {
        var value = query.value.trim();
        newCitizen.open = true;
        newFlag.checked = true;
        var lastName = document.getElementById("id_new-last_name");
        var email = document.getElementById("id_new-email");
        var phone = document.getElementById("id_new-phone");
        if (value.indexOf("@") > -1) {
            email.value = email.value || value;
        } else if (/^[+\d][\d\s./-]+$/.test(value)) {
            phone.value = phone.value || value;
        } else if (!lastName.value) {
            lastName.value = value;
        }
        var fields = newCitizen.querySelectorAll("input[type=text], input[type=email], input[type=tel]");
        for (var i = 0; i < fields.length; i += 1) {
            if (!fields[i].value) {
                fields[i].focus();
                return;
            }
        }
        reason.focus();
    }

    query.addEventListener("input", function () {
        window.clearTimeout(searchTimer);
        searchTimer = window.setTimeout(search, 180);
    });

    query.addEventListener("keydown", function (event) {
        var first = results.querySelector("input");
        if (event.key === "ArrowDown" && first) {
            event.preventDefault();
            var checked = results.querySelector("input:checked") || first;
            checked.checked = true;
            checked.focus();
        } else if (event.key === "Enter") {
            event.preventDefault();
            window.clearTimeout(searchTimer);
            if (first) {
                choose(results.querySelector("input:checked") || first);
            } else if (query.value.trim().length >= 2) {
                startNewCitizen();
            }
        }
    });

    results.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && event.target.name === "citizen") {
            event.preventDefault();
            choose(event.target);
        } else if (event.key === "ArrowUp" && event.target === results.querySelector("input")) {
            event.preventDefault();
            query.focus();
        }
    });

    results.addEventListener("click", function (event) {
        // A click (or Space) on an option chooses it; arrow keys only move.
        if (event.target.name === "citizen" && event.detail > 0) {
            choose(event.target);
        }
    });

    change.addEventListener("click", function (event) {
        event.preventDefault();
        citizenId.value = "";
        citizenId.disabled = true;
        citizenHas = null;
        chosenBlock.hidden = true;
        searchBlock.hidden = false;
        query.focus();
        query.select();
        search();
        updateDetails();
    });

    newCitizen.addEventListener("toggle", function () {
        newFlag.checked = newCitizen.open;
        if (newCitizen.open) {
            citizenHas = null;
        }
        updateDetails();
    });

    newCitizen.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && event.target.tagName === "INPUT" && event.target.type !== "checkbox") {
            // Enter moves on to the visit, as in the search field.
            event.preventDefault();
            reason.focus();
        }
    });

    // --- Details a service requires -------------------------------------------------

    function updateDetails() {
        // The details the reason asks and the citizen does not hold yet;
        // "no number yet", where allowed, stands in for a required number.
        var has = function (name) {
            return Boolean(citizenHas && citizenHas[name]);
        };
        var noNumber = document.querySelector('[data-detail="no_national_number"] input');
        var noNumberTicked = Boolean(noNumber && noNumber.checked && noNumberAllowed);
        details.forEach(function (wrapper) {
            var name = wrapper.dataset.detail;
            var input = wrapper.querySelector("input, textarea");
            if (name === "no_national_number") {
                wrapper.hidden = !noNumberAllowed || has("national_number");
                return;
            }
            wrapper.hidden = asked.indexOf(name) < 0 || has(name);
            var skipped = name === "national_number" && noNumberTicked;
            if (input) {
                input.required = required.indexOf(name) > -1 && !has(name) && !skipped;
                input.disabled = skipped;
            }
        });
    }

    // --- Slots ------------------------------------------------------------------------

    function slotsUrl(after) {
        var params = new URLSearchParams();
        params.set("reason", reason.value);
        if (agent.value) {
            params.set("agent", agent.value);
        }
        if (fromDate.value) {
            params.set("from", fromDate.value);
        }
        if (people && Number(people.value) > 1) {
            params.set("people", people.value);
        }
        if (after) {
            params.set("after", after);
        }
        if (text.channel) {
            params.set("channel", text.channel);
        }
        return text.slotsUrl + "?" + params.toString();
    }

    function renderAgents(list) {
        var current = agent.value;
        agent.textContent = "";
        var any = el("option", "", text.textAnyAgent);
        any.value = "";
        agent.appendChild(any);
        list.forEach(function (item) {
            var node = el("option", "", item.label);
            node.value = String(item.id);
            node.selected = String(item.id) === current;
            agent.appendChild(node);
        });
    }

    // How many people come (issue 25): asked only for a reason that allows
    // more than one, within its maximum.
    function updatePeople(maxPeople) {
        if (!people) {
            return;
        }
        var most = maxPeople || 1;
        peopleField.hidden = most <= 1;
        people.max = String(most);
        if (Number(people.value) > most || most <= 1) {
            people.value = String(Math.min(Math.max(Number(people.value) || 1, 1), most));
        }
    }

    function loadSlots(after) {
        if (!reason.value) {
            updatePeople(1);
            slots.textContent = "";
            more.hidden = true;
            required = [];
            asked = [];
            noNumberAllowed = false;
            updateDetails();
            return;
        }
        var seq = ++slotSeq;
        var previous = slots.querySelector("input:checked");
        previous = previous ? previous.value : "";
        if (!after) {
            slots.textContent = "";
            slotsStatus.textContent = text.textLoading;
        }
        getJSON(slotsUrl(after)).then(function (data) {
            if (seq !== slotSeq) {
                return;
            }
            if (!after) {
                renderAgents(data.agents || []);
                required = data.required || [];
                asked = data.asked || required;
                noNumberAllowed = Boolean(data.noNationalNumber);
                updateDetails();
                updatePeople(data.maxPeople);
            }
            var list = data.slots || [];
            var keep = list.some(function (slot) {
                return slot.value === previous;
            });
            list.forEach(function (slot, index) {
                var meta = slot.capacity > 1 ? slot.capacity + " " + text.textAgents : "";
                var label = slot.label.charAt(0).toUpperCase() + slot.label.slice(1);
                var checked = !after && (keep ? slot.value === previous : index === 0);
                slots.appendChild(option("start", slot.value, label, meta, checked).item);
            });
            var count = slots.querySelectorAll("input").length;
            slotsStatus.textContent = count ? "" : text.textNoSlot;
            more.hidden = !(data.slots && data.slots.length);
            if (focusSlotsWhenLoaded) {
                focusSlotsWhenLoaded = false;
                focusSlot();
            }
        });
    }

    function focusSlot() {
        var checked = slots.querySelector("input:checked") || slots.querySelector("input");
        if (checked) {
            checked.checked = true;
            checked.focus();
        }
    }

    reason.addEventListener("change", function () {
        agent.value = "";
        loadSlots();
    });

    reason.addEventListener("keydown", function (event) {
        if (event.key === "Enter") {
            event.preventDefault();
            if (slots.querySelector("input") && slotSeq > 0) {
                focusSlot();
            } else {
                focusSlotsWhenLoaded = true;
                if (!slotSeq) {
                    loadSlots();
                }
            }
        }
    });

    agent.addEventListener("change", function () {
        loadSlots();
    });

    fromDate.addEventListener("change", function () {
        loadSlots();
    });

    if (people) {
        people.addEventListener("change", function () {
            loadSlots();
        });
    }

    more.addEventListener("click", function () {
        var all = slots.querySelectorAll("input");
        if (all.length) {
            loadSlots(all[all.length - 1].value);
        }
    });

    slots.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && event.target.name === "start") {
            event.preventDefault();
            event.target.checked = true;
            form.requestSubmit(confirm);
        }
    });

    var noNumberBox = document.querySelector('[data-detail="no_national_number"] input');
    if (noNumberBox) {
        noNumberBox.addEventListener("change", updateDetails);
    }

    // A page re-shown with errors: put the agent where the problem is.
    if (reason.value) {
        loadSlots();
    } else {
        updatePeople(1);
    }
    // unfold shows the page only once Alpine has started (x-cloak), too late
    // for the autofocus attribute: focus the first step (or the first error).
    function focusStart() {
        var firstError = form.querySelector(".errorlist");
        var field = firstError && firstError.parentElement.querySelector("input, select");
        if (field) {
            field.focus();
        } else if (!searchBlock.hidden) {
            query.focus();
        } else {
            reason.focus();
        }
    }
    window.requestAnimationFrame(focusStart);
    updateDetails();
})();
