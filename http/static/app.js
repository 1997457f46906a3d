// tokenmint web UI: small progressive enhancements. Every page works
// without this script; it adds copy buttons and keeps the Create Token
// form in step with the chosen type.
"use strict";

(function () {
  // Copy buttons: <button data-copy="ID"> copies the value of element ID
  // and announces the result in the element data-copy-status names.
  function copyValue(button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    var status = document.getElementById(button.getAttribute("data-copy-status"));
    if (!field) { return; }
    var say = function (msg) { if (status) { status.textContent = msg; } };
    var fallback = function () {
      field.focus();
      field.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      say(ok ? "Copied" : "Press Ctrl+C to copy");
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(function () { say("Copied"); }, fallback);
    } else {
      fallback();
    }
  }

  // Create Token: show the chosen type's description and limits, and set
  // the expiry picker, the "no expiration" box and the project picker.
  function syncType(form) {
    var chosen = form.querySelector("input[name=type]:checked");
    if (!chosen) { return; }
    var d = chosen.dataset;
    form.querySelectorAll("[data-type-info]").forEach(function (el) {
      el.hidden = el.getAttribute("data-type-info") !== chosen.value;
    });
    var date = form.querySelector("#expires_on");
    var noExp = form.querySelector("#no_expiry");
    var noExpRow = form.querySelector("#no-expiry-row");
    var project = form.querySelector("#project-row");
    if (date) {
      if (d.max) { date.max = d.max; } else { date.removeAttribute("max"); }
      date.value = d.default || "";
    }
    if (noExpRow && noExp) {
      var allowed = d.noexpiry === "true";
      noExpRow.hidden = !allowed;
      noExp.checked = allowed && d.noexpiryDefault === "true";
    }
    if (project) {
      // A hidden picker must not scope the token to a project chosen
      // for another type: disabled fields are not sent.
      var scoped = d.projectScoped === "true";
      project.hidden = !scoped;
      project.querySelectorAll("select").forEach(function (sel) { sel.disabled = !scoped; });
    }
    // A type that needs approval is requested with a justification.
    var approval = d.approval === "true";
    var just = form.querySelector("#justification-row");
    if (just) {
      just.hidden = !approval;
      just.querySelectorAll("textarea").forEach(function (t) { t.disabled = !approval; });
    }
    var save = form.querySelector("#save-token");
    if (save) { save.textContent = approval ? save.dataset.requestLabel : save.dataset.saveLabel; }
    syncNoExpiry(form);
  }

  function syncNoExpiry(form) {
    var date = form.querySelector("#expires_on");
    var noExp = form.querySelector("#no_expiry");
    if (date && noExp) { date.disabled = noExp.checked && !noExp.closest("[hidden]"); }
  }

  document.addEventListener("click", function (ev) {
    var b = ev.target.closest("button[data-copy]");
    if (b) { ev.preventDefault(); copyValue(b); }
  });

  document.addEventListener("change", function (ev) {
    var form = ev.target.closest("form[data-token-form]");
    if (!form) { return; }
    if (ev.target.name === "type") { syncType(form); }
    if (ev.target.id === "no_expiry") { syncNoExpiry(form); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-token-form]").forEach(function (form) {
      syncNoExpiry(form);
    });
    document.querySelectorAll("button[data-copy]").forEach(function (b) { b.hidden = false; });
    // After a refused form, start keyboard users at the first field to fix.
    var invalid = document.querySelector("[aria-invalid=true]");
    if (invalid) { invalid.focus(); }
  });
})();
