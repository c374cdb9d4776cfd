/* Keyboard review on the letter page (see the #key-help dialog for the keys).
   Plain keys are ignored while typing in a field; Ctrl+Enter and Escape always work.
   Page images can be zoomed and turned (a view transform only: the original is never changed); a
   "locate" link highlights the text lines it names and draws their boxes over the page image, on an
   overlay that is zoomed and turned with the image. */
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

  // --- page images ---------------------------------------------------------------------------------
  var ZOOM_STEP = 1.25, ZOOM_MIN = 0.5, ZOOM_MAX = 4;
  var viewers = []; // one per page image: {page, stage, image, overlay, label, zoom, turn}
  var current = null; // the viewer last used or located in; keys act on it (else the one on screen)

  function show(viewer) {
    viewer.stage.style.width = viewer.zoom * 100 + "%";
    var w = viewer.image.naturalWidth || 1, h = viewer.image.naturalHeight || 1;
    // A quarter turn is scaled to fit the width and moved up to the top of the space the page takes.
    var fit = viewer.turn % 180 ? Math.min(w, h) / Math.max(w, h) : 1;
    var lift = viewer.turn % 180 ? (1 - w * fit / h) * 50 : 0;
    var transform = viewer.turn ? "translateY(" + -lift + "%) rotate(" + viewer.turn + "deg) scale(" + fit + ")" : "";
    viewer.image.style.transform = transform;
    viewer.overlay.style.transform = transform;
    if (viewer.label) {
      viewer.label.textContent = Math.round(viewer.zoom * 100) + "%" + (viewer.turn ? " · 旋转 " + viewer.turn + "°" : "");
    }
  }

  function view(viewer, action) {
    if (!viewer) { return; }
    current = viewer;
    switch (action) {
      case "zoom-in": viewer.zoom = Math.min(ZOOM_MAX, viewer.zoom * ZOOM_STEP); break;
      case "zoom-out": viewer.zoom = Math.max(ZOOM_MIN, viewer.zoom / ZOOM_STEP); break;
      case "reset": viewer.zoom = 1; viewer.turn = 0; break;
      case "rotate-left": viewer.turn = (viewer.turn + 270) % 360; break;
      case "rotate-right": viewer.turn = (viewer.turn + 90) % 360; break;
      default: return;
    }
    show(viewer);
  }

  function viewerOf(element) {
    var page = element && element.closest(".page");
    for (var i = 0; i < viewers.length; i += 1) {
      if (viewers[i].page === page) { return viewers[i]; }
    }
    return null;
  }

  function activeViewer() {
    if (current) { return current; }
    for (var i = 0; i < viewers.length; i += 1) {
      var rect = viewers[i].stage.getBoundingClientRect();
      if (rect.bottom > 0 && rect.top < window.innerHeight) { return viewers[i]; }
    }
    return viewers[0] || null;
  }

  document.querySelectorAll(".page-viewer .stage").forEach(function (stage) {
    var viewer = {
      page: stage.closest(".page"), stage: stage, image: stage.querySelector("img"),
      overlay: stage.querySelector(".overlay"), label: stage.closest(".page-viewer").querySelector(".view-state"),
      zoom: 1, turn: 0
    };
    viewers.push(viewer);
    viewer.image.addEventListener("load", function () { show(viewer); });
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-view]");
    if (button) { view(viewerOf(button), button.dataset.view); }
  });

  // --- locating text on the page ---------------------------------------------------------------------
  function drawBox(viewer, box) {
    var mark = document.createElement("div");
    mark.className = "box";
    mark.style.left = box[0] * 100 + "%";
    mark.style.top = box[1] * 100 + "%";
    mark.style.width = (box[2] - box[0]) * 100 + "%";
    mark.style.height = (box[3] - box[1]) * 100 + "%";
    viewer.overlay.appendChild(mark);
    return mark;
  }

  function locate(link) {
    document.querySelectorAll(".line.located").forEach(function (line) { line.classList.remove("located"); });
    viewers.forEach(function (viewer) { viewer.overlay.replaceChildren(); });
    var first = null, firstBox = null;
    (link.dataset.targets || "").split(" ").forEach(function (id) {
      var line = id && document.getElementById(id);
      if (!line) { return; }
      line.classList.add("located");
      first = first || line;
      var viewer = viewerOf(line);
      if (viewer && line.dataset.box) {
        var mark = drawBox(viewer, line.dataset.box.split(",").map(Number));
        firstBox = firstBox || mark;
      }
    });
    if (first) {
      current = viewerOf(first) || current;
      first.scrollIntoView({ block: "center" });
      if (firstBox) { firstBox.scrollIntoView({ block: "nearest", inline: "nearest" }); }
    }
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a.locate");
    if (link) { event.preventDefault(); locate(link); }
  });

  // --- keys --------------------------------------------------------------------------------------------
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
      case "+": case "=": event.preventDefault(); view(activeViewer(), "zoom-in"); break;
      case "-": event.preventDefault(); view(activeViewer(), "zoom-out"); break;
      case "0": event.preventDefault(); view(activeViewer(), "reset"); break;
      case "[": event.preventDefault(); view(activeViewer(), "rotate-left"); break;
      case "]": event.preventDefault(); view(activeViewer(), "rotate-right"); break;
      case "?": event.preventDefault(); toggleHelp(); break;
      default: break;
    }
  });
}());
