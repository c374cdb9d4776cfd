/* Keyboard review on the letter page (see the #key-help dialog for the keys).
   Plain keys are ignored while typing in a field; Ctrl+Enter and Escape always work. */
(function () {
  "use strict";

  var help = document.getElementById("key-help");
  var awaitingField = false; // "f" was pressed: the next digit picks a record field

  function typing(target) {
    return target instanceof HTMLElement &&
      (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) &&
      !(target instanceof HTMLInputElement && /^(radio|checkbox|button|submit)$/.test(target.type));
  }

  function follow(id) {
    var link = document.getElementById(id);
    if (link) { window.location.assign(link.href); }
  }

  function toggleHelp() {
    if (!help) { return; }
    if (help.open) { help.close(); } else { help.showModal(); }
  }

  function confirmAndNext() {
    var button = document.getElementById("confirm-next");
    if (button) { button.form.requestSubmit(button); }
  }

  function chooseType(n) {
    var radios = document.querySelectorAll("#intervener-types input[type=radio]");
    if (radios[n - 1]) { radios[n - 1].checked = true; }
  }

  function focusField(n) {
    var field = document.querySelector('[data-field-key="' + n + '"]');
    if (field) { field.focus(); if (field.select) { field.select(); } }
  }

  var showKeys = document.getElementById("show-keys");
  if (showKeys) { showKeys.addEventListener("click", toggleHelp); }

  document.addEventListener("keydown", function (event) {
    var digit = /^[1-9]$/.test(event.key) ? Number(event.key) : 0;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      confirmAndNext();
      return;
    }
    if (event.key === "Escape") {
      awaitingField = false;
      if (typing(event.target)) { event.target.blur(); }
      return; // an open dialog closes itself on Escape
    }
    if (typing(event.target) || event.ctrlKey || event.metaKey) { return; }
    if (event.altKey) {
      if (event.code && /^Digit[1-9]$/.test(event.code)) {
        event.preventDefault();
        focusField(Number(event.code.slice(5)));
      }
      return;
    }
    if (help && help.open && event.key !== "?") { return; }
    if (awaitingField) {
      awaitingField = false;
      if (digit) { event.preventDefault(); focusField(digit); return; }
    }
    if (digit) { event.preventDefault(); chooseType(digit); return; }
    switch (event.key) {
      case "j": event.preventDefault(); follow("next-letter"); break;
      case "k": event.preventDefault(); follow("prev-letter"); break;
      case "ArrowRight": case "ArrowLeft": // on a radio or checkbox the arrows belong to the control
        if (!(event.target instanceof HTMLInputElement)) {
          event.preventDefault();
          follow(event.key === "ArrowRight" ? "next-letter" : "prev-letter");
        }
        break;
      case "r": {
        var reason = document.getElementById("reject-reason");
        if (reason) { event.preventDefault(); reason.focus(); }
        break;
      }
      case "f": event.preventDefault(); awaitingField = true; break;
      case "?": event.preventDefault(); toggleHelp(); break;
      default: break;
    }
  });
}());
