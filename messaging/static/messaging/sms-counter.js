/*
 * The message template editor (R31): a live count of an SMS's characters and
 * segments, and a live preview with the sample appointment.
 *
 * The count is the same computation as messaging/sms.py `sms_segments`
 * (3GPP TS 23.038 / 23.040): GSM-7 holds 160 characters in one segment, then
 * 153 per segment, an extension character (€ [ ] { } ^ ~ | \) counting two;
 * any other character switches the whole message to UCS-2: 70, then 67, an
 * emoji counting two. Parts never split an escape pair or a surrogate pair.
 *
 * Labels come translated in data- attributes of the text box (no catalogue is
 * loaded); the preview URL in a data- attribute of the preview block.
 */
(function () {
  "use strict";

  var GSM_BASIC =
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var GSM_EXTENSION = "\f^{}\\[~]|€";
  var CAPACITY = { "GSM-7": [160, 153], "UCS-2": [70, 67] };

  function smsSegments(text) {
    var characters = Array.from(text);
    var gsm = characters.every(function (c) {
      return GSM_BASIC.indexOf(c) >= 0 || GSM_EXTENSION.indexOf(c) >= 0;
    });
    var encoding = gsm ? "GSM-7" : "UCS-2";
    var sizes = characters.map(function (c) {
      if (gsm) {
        return GSM_EXTENSION.indexOf(c) >= 0 ? 2 : 1;
      }
      return c.codePointAt(0) > 0xffff ? 2 : 1;
    });
    var total = sizes.reduce(function (a, b) { return a + b; }, 0);
    var single = CAPACITY[encoding][0];
    var perPart = CAPACITY[encoding][1];
    if (total <= single) {
      return { encoding: encoding, chars: total, segments: total ? 1 : 0 };
    }
    var segments = 1;
    var used = 0;
    sizes.forEach(function (size) {
      if (used + size > perPart) {
        segments += 1;
        used = 0;
      }
      used += size;
    });
    return { encoding: encoding, chars: total, segments: segments };
  }

  function describe(box, label, count) {
    var max = parseInt(box.dataset.maxSegments, 10);
    var lang = document.documentElement.lang || "en";
    var one = false;
    try {
      one = new Intl.PluralRules(lang).select(count.segments) === "one";
    } catch (error) {
      one = count.segments === 1;
    }
    var text = (one ? box.dataset.labelCountOne : box.dataset.labelCount)
      .replace("{chars}", count.chars)
      .replace("{encoding}", count.encoding)
      .replace("{segments}", count.segments)
      .replace("{max}", max);
    if (count.segments > max) {
      text += " (" + box.dataset.labelTooLong + ")";
    }
    return { text: label + ": " + text, tooLong: count.segments > max };
  }

  function line(element, description) {
    element.textContent = description.text;
    element.classList.toggle("text-red-600", description.tooLong);
    element.classList.toggle("font-semibold", description.tooLong);
  }

  function setUp(box) {
    var form = box.form;
    var channel = form.querySelector("[name=channel]");
    var preview = document.getElementById("message-preview");

    var counter = document.createElement("div");
    counter.className = "sms-counter mt-2 text-sm";
    counter.setAttribute("aria-live", "polite");
    var typed = document.createElement("p");
    var sample = document.createElement("p");
    counter.appendChild(typed);
    counter.appendChild(sample);
    box.insertAdjacentElement("afterend", counter);

    function isSms() {
      return !channel || channel.value === "sms";
    }

    // An SMS has neither subject nor HTML version: hide their rows.
    function showFieldsOfChannel() {
      ["subject", "html_body"].forEach(function (name) {
        var row = form.querySelector(".field-" + name);
        if (row) {
          (row.closest(".form-row") || row).hidden = isSms();
        }
      });
    }

    function countTyped() {
      counter.hidden = !isSms();
      showFieldsOfChannel();
      line(typed, describe(box, box.dataset.labelTyped, smsSegments(box.value)));
    }

    var timer = null;
    var latest = 0;

    function refreshPreview() {
      if (!preview || !preview.dataset.previewUrl) {
        return;
      }
      var ticket = ++latest;
      fetch(preview.dataset.previewUrl, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { "X-Requested-With": "XMLHttpRequest" },
      })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          if (ticket !== latest) {
            return; // an older answer arriving late
          }
          showPreview(data);
        })
        .catch(function () { /* the saved preview stays */ });
    }

    function showPreview(data) {
      var error = preview.querySelector("[data-preview-error]");
      var subject = preview.querySelector("[data-preview-subject]");
      var body = preview.querySelector("[data-preview-body]");
      var html = preview.querySelector("[data-preview-html]");
      error.textContent = data.error || "";
      error.hidden = !data.error;
      subject.textContent = data.subject || "";
      subject.parentElement.hidden = !data.subject;
      body.textContent = data.body || "";
      if (html) {
        html.hidden = !data.html;
        html.srcdoc = data.html || "";
      }
      if (isSms() && !data.error) {
        line(sample, describe(box, box.dataset.labelSample, data));
        sample.hidden = false;
      } else {
        sample.hidden = true;
      }
    }

    function changed() {
      countTyped();
      window.clearTimeout(timer);
      timer = window.setTimeout(refreshPreview, 400);
    }

    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    countTyped();
    refreshPreview();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea[data-sms-counter]").forEach(setUp);
  });

  // For tests run in a browser console or Node.
  window.rendezVousSmsSegments = smsSegments;
})();
