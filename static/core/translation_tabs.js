// Language tabs over the admin's translated fields (core/admin_translation.py):
// modeltranslation marks each input "mt mt-field-<name>-<lang>"; the rows of a
// field's languages become one row with a tab per language. One choice of
// language applies to every translated field of the page.
(function () {
  "use strict";
  function rowOf(input) {
    let row = input;
    while (row.parentElement && row.parentElement.querySelectorAll(".mt").length === 1) {
      row = row.parentElement;
    }
    return row;
  }
  function init() {
    const groups = new Map();
    const languages = [];
    document.querySelectorAll(".mt[class*='mt-field-']").forEach(function (input) {
      const cls = Array.from(input.classList).find((c) => c.startsWith("mt-field-"));
      const bits = cls.slice("mt-field-".length).split("-");
      const lang = bits.pop();
      const key = (input.name || "").replace(new RegExp("_" + lang + "$"), "");
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push({ lang: lang, input: input, row: rowOf(input) });
      if (!languages.includes(lang)) languages.push(lang);
    });
    if (!groups.size) return;
    const tablists = [];
    function select(lang) {
      groups.forEach(function (members) {
        members.forEach(function (m) { m.row.classList.toggle("mt-hidden", m.lang !== lang); });
      });
      tablists.forEach(function (list) {
        list.querySelectorAll("button").forEach(function (b) {
          b.setAttribute("aria-selected", String(b.dataset.lang === lang));
        });
      });
    }
    groups.forEach(function (members) {
      const list = document.createElement("div");
      list.className = "mt-tabs";
      list.setAttribute("role", "tablist");
      members.forEach(function (m) {
        const button = document.createElement("button");
        button.type = "button";
        button.setAttribute("role", "tab");
        button.dataset.lang = m.lang;
        button.textContent = m.lang.toUpperCase();
        button.title = m.lang;
        if (!m.input.value) button.classList.add("mt-empty");
        if (m.row.querySelector(".errorlist, .errors, [aria-invalid='true']")) {
          button.classList.add("mt-has-errors");
        }
        button.addEventListener("click", function () { select(m.lang); });
        list.appendChild(button);
      });
      members[0].row.parentElement.insertBefore(list, members[0].row);
      tablists.push(list);
    });
    const withError = document.querySelector(".mt-tabs .mt-has-errors");
    select(withError ? withError.dataset.lang : (document.documentElement.dataset.mainLanguage || languages[0]));
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
