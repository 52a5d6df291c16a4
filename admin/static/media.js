/* The media library's page and the media fields of edit forms (admin/media.py).
 *
 * Plain JavaScript, no build step. Uploads are one XMLHttpRequest per file (its upload
 * progress events drive a bar per file) to the admin's upload endpoint, with the CSRF token
 * in the X-CSRFToken header. Dialogs are native <dialog> elements.
 */
(function () {
  "use strict";

  var KIND_ACCEPT = { images: "image/*", videos: "video/*", audios: "audio/*" };
  var KIND_LABELS = { images: "Images", videos: "Videos", audios: "Audio", files: "Other files" };

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)starlette_admin_csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  /** el("div", {class: "x", dataset: {a: 1}, onclick: f}, child, "text") */
  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) return;
      if (key === "dataset") Object.keys(value).forEach(function (k) { node.dataset[k] = value[k]; });
      else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), value);
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value === true ? "" : value);
    });
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined || child === false) continue;
      node.append(child);
    }
    return node;
  }

  function icon(name) { return el("i", { class: name, "aria-hidden": "true" }); }

  function bytesText(size) {
    var units = ["B", "KB", "MB", "GB"];
    var value = size;
    for (var i = 0; i < units.length; i++) {
      if (value < 1000 || i === units.length - 1) return (i === 0 ? value : value.toFixed(value < 100 ? 1 : 0)) + " " + units[i];
      value /= 1000;
    }
    return size + " B";
  }

  function thumb(card, className) {
    var box = el("span", { class: className });
    if (card.thumbnail) box.append(el("img", { src: card.thumbnail, alt: card.alternativeText || card.name || "", loading: "lazy" }));
    else box.append(icon(card.icon || "fa-solid fa-file"));
    return box;
  }

  // -- uploads ------------------------------------------------------------------------------

  /** Upload one file; resolves to {ok, cards} or {ok: false, error}. */
  function uploadFile(config, file, onProgress) {
    return new Promise(function (resolve) {
      if (config.sizeLimit && file.size > config.sizeLimit) {
        resolve({ ok: false, error: file.name + " is " + bytesText(file.size) + ": larger than the upload limit of " + config.sizeLimitText + "." });
        return;
      }
      var xhr = new XMLHttpRequest();
      xhr.open("POST", config.upload);
      xhr.setRequestHeader("X-CSRFToken", csrfToken());
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable && event.total) onProgress(event.loaded / event.total);
      });
      xhr.addEventListener("load", function () {
        var body = null;
        try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
        if (xhr.status === 201 && body && body.data) resolve({ ok: true, cards: body.data });
        else if (body && body.error) resolve({ ok: false, error: body.error.message });
        else if (xhr.responseURL && xhr.responseURL.indexOf("/login") !== -1) resolve({ ok: false, error: "Your session has ended: log in again." });
        else resolve({ ok: false, error: "The upload failed (" + xhr.status + ")." });
      });
      xhr.addEventListener("error", function () { resolve({ ok: false, error: "The upload was interrupted." }); });
      var form = new FormData();
      form.append("files", file, file.name);
      xhr.send(form);
    });
  }

  /** A progress row per file in `container`; uploads at most 3 at a time; resolves to the results. */
  function uploadAll(config, files, container) {
    var rows = files.map(function (file) {
      var bar = el("div", { class: "progress-bar", role: "progressbar", style: "width: 0%", "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": "0", "aria-label": "Upload of " + file.name });
      var status = el("span", { class: "media-upload-status text-secondary", text: "waiting" });
      var row = el("div", { class: "media-upload", dataset: { testid: "upload-row" } },
        el("div", { class: "d-flex justify-content-between small" }, el("span", { class: "text-truncate", text: file.name }), status),
        el("div", { class: "progress progress-sm" }, bar));
      container.append(row);
      return {
        file: file,
        progress: function (fraction) {
          var percent = Math.round(fraction * 100);
          bar.style.width = percent + "%";
          bar.setAttribute("aria-valuenow", String(percent));
          status.textContent = percent < 100 ? percent + "%" : "processing…";
        },
        done: function (result) {
          row.classList.add(result.ok ? "is-done" : "is-failed");
          bar.style.width = "100%";
          bar.classList.add(result.ok ? "bg-green" : "bg-red");
          status.textContent = result.ok ? "uploaded" : result.error;
          status.className = "media-upload-status " + (result.ok ? "text-green" : "text-danger");
          if (!result.ok) row.dataset.testid = "upload-error";
        },
      };
    });
    var results = new Array(rows.length);
    var next = 0;
    function worker() {
      if (next >= rows.length) return Promise.resolve();
      var index = next++;
      var row = rows[index];
      row.progress(0);
      return uploadFile(config, row.file, row.progress).then(function (result) {
        row.done(result);
        results[index] = result;
        return worker();
      });
    }
    var workers = [];
    for (var i = 0; i < Math.min(3, rows.length); i++) workers.push(worker());
    return Promise.all(workers).then(function () { return results; });
  }

  /** Files dropped on `zone` go to `onFiles`; `accepts(event)` may refuse other drags (reordering). */
  function dropZone(zone, onFiles) {
    var depth = 0;
    function hasFiles(event) {
      return event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types || [], "Files") !== -1;
    }
    zone.addEventListener("dragenter", function (event) {
      if (!hasFiles(event)) return;
      event.preventDefault();
      depth++;
      zone.classList.add("is-dragover");
    });
    zone.addEventListener("dragover", function (event) {
      if (!hasFiles(event)) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
    });
    zone.addEventListener("dragleave", function (event) {
      if (!hasFiles(event)) return;
      depth = Math.max(0, depth - 1);
      if (!depth) zone.classList.remove("is-dragover");
    });
    zone.addEventListener("drop", function (event) {
      if (!hasFiles(event)) return;
      event.preventDefault();
      event.stopPropagation();
      depth = 0;
      zone.classList.remove("is-dragover");
      var files = Array.prototype.slice.call(event.dataTransfer.files || []);
      if (files.length) onFiles(files);
    });
  }

  // -- the library page ---------------------------------------------------------------------

  function initLibrary(root) {
    var config = JSON.parse(root.dataset.config);
    var input = document.getElementById("media-upload-input");
    var button = document.getElementById("media-upload-button");
    var progress = document.getElementById("media-uploads");
    var drop = document.getElementById("media-drop");

    function upload(files) {
      if (!files.length) return;
      uploadAll(config, files, progress).then(function (results) {
        var ids = [];
        results.forEach(function (r) { if (r.ok) r.cards.forEach(function (c) { ids.push(c.id); }); });
        var failed = results.some(function (r) { return !r.ok; });
        var target = config.library + "?uploaded=" + ids.join(",");
        if (ids.length && !failed) { window.location.assign(target); return; }
        if (ids.length) {
          progress.append(el("div", { class: "mt-2" }, el("a", { href: target, class: "btn btn-sm", text: "Show the uploaded files" })));
        }
      });
    }
    if (button && input) {
      button.addEventListener("click", function () { input.click(); });
      input.addEventListener("change", function () {
        var files = Array.prototype.slice.call(input.files || []);
        input.value = "";
        upload(files);
      });
    }
    if (drop) dropZone(drop, upload);
    ["media-type", "media-sort", "media-page-size"].forEach(function (id) {
      var select = document.getElementById(id);
      if (select) select.addEventListener("change", function () { select.form.requestSubmit(); });
    });
    initDelete(config);
  }

  // -- delete, with the entries that use the file ---------------------------------------------

  function initDelete(config) {
    var dialog = document.getElementById("media-delete-dialog");
    if (!dialog) return;
    var form = dialog.querySelector("[data-role=form]");
    var part = function (role) { return dialog.querySelector("[data-role=" + role + "]"); };
    part("cancel").addEventListener("click", function () { dialog.close(); });
    document.addEventListener("click", function (event) {
      var trigger = event.target.closest("[data-media-delete]");
      if (!trigger) return;
      event.preventDefault();
      var id = trigger.dataset.mediaDelete;
      var back = document.getElementById("media-drop") ? window.location.search : "";  // the grid's filters and page
      form.action = config.library + "/" + encodeURIComponent(id) + "/delete" + (back ? "?back=" + encodeURIComponent(back) : "");
      part("name").textContent = trigger.dataset.name || "this file";
      part("loading").hidden = false;
      part("usage").hidden = true;
      part("unused").hidden = true;
      part("list").replaceChildren();
      dialog.showModal();
      fetch(config.api + "/" + encodeURIComponent(id), { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (answer) { return answer.json(); })
        .then(function (body) {
          part("loading").hidden = true;
          var groups = body.usage || [];
          var total = groups.reduce(function (sum, g) { return sum + g.total; }, 0);
          if (!total) { part("unused").hidden = false; return; }
          part("count").textContent = total + (total === 1 ? " entry" : " entries");
          groups.forEach(function (group) {
            group.entries.forEach(function (entry) {
              var name = entry.url ? el("a", { href: entry.url, text: entry.label }) : el("span", { text: entry.label });
              part("list").append(el("li", { dataset: { testid: "usage-entry" } }, el("span", { class: "text-secondary", text: group.type + " · " + group.attributeLabel + ": " }), name));
            });
            if (group.total > group.entries.length) {
              part("list").append(el("li", { class: "text-secondary", text: "and " + (group.total - group.entries.length) + " more " + group.type + " entries" }));
            }
          });
          part("usage").hidden = false;
        })
        .catch(function () {
          part("loading").textContent = "Could not tell which entries use this file.";
        });
    });
  }

  // -- media fields in edit forms ---------------------------------------------------------------

  function initField(root) {
    var config = JSON.parse(root.dataset.config);
    var name = root.dataset.name;
    var label = root.dataset.label || name;
    var multiple = root.dataset.multiple === "true";
    var allowed = (root.dataset.allowed || "").split(",").filter(Boolean);
    var items = JSON.parse(root.dataset.initial || "[]").map(function (item) {
      return typeof item === "object" && item !== null ? item : { id: item, name: "File #" + item, pending: true };
    });
    var list = root.querySelector("[data-role=items]");
    var inputs = root.querySelector("[data-role=inputs]");
    var fileInput = root.querySelector("[data-role=file]");
    var progress = root.querySelector("[data-role=progress]");
    var dragged = null;

    var accept = allowed.length && allowed.indexOf("files") === -1
      ? allowed.map(function (k) { return KIND_ACCEPT[k]; }).filter(Boolean).join(",") : "";
    if (accept) fileInput.setAttribute("accept", accept);

    function setItems(next) {
      items = multiple ? next : next.slice(-1);
      render();
    }

    function move(from, to) {
      if (to < 0 || to >= items.length || from === to) return;
      var copy = items.slice();
      var moved = copy.splice(from, 1)[0];
      copy.splice(to, 0, moved);
      setItems(copy);
    }

    function chip(card, index) {
      var node = el("div", {
        class: "media-chip" + (card.missing ? " is-missing" : ""), dataset: { fileId: String(card.id), testid: "media-selected" },
        draggable: multiple ? "true" : null, title: card.name,
      },
      thumb(card, "media-chip-thumb"),
      el("span", { class: "media-chip-name text-truncate", text: card.name }),
      el("span", { class: "media-chip-actions" },
        multiple ? el("button", { type: "button", class: "btn btn-sm btn-icon", title: "Move left", "aria-label": "Move " + card.name + " left", disabled: index === 0, onclick: function () { move(index, index - 1); } }, icon("fa-solid fa-arrow-left")) : null,
        multiple ? el("button", { type: "button", class: "btn btn-sm btn-icon", title: "Move right", "aria-label": "Move " + card.name + " right", disabled: index === items.length - 1, onclick: function () { move(index, index + 1); } }, icon("fa-solid fa-arrow-right")) : null,
        el("button", { type: "button", class: "btn btn-sm btn-icon text-danger", title: "Remove", "aria-label": "Remove " + card.name, dataset: { role: "remove" }, onclick: function () { setItems(items.filter(function (_, i) { return i !== index; })); } }, icon("fa-solid fa-xmark"))));
      if (multiple) {
        node.addEventListener("dragstart", function (event) {
          dragged = index;
          event.dataTransfer.effectAllowed = "move";
          event.dataTransfer.setData("application/x-media-index", String(index));
          node.classList.add("is-dragging");
        });
        node.addEventListener("dragend", function () { dragged = null; node.classList.remove("is-dragging"); });
        node.addEventListener("dragover", function (event) {
          if (dragged === null) return;
          event.preventDefault();
          event.dataTransfer.dropEffect = "move";
        });
        node.addEventListener("drop", function (event) {
          if (dragged === null) return;
          event.preventDefault();
          event.stopPropagation();
          var from = dragged;
          dragged = null;
          move(from, index);
        });
      }
      return node;
    }

    function render() {
      list.replaceChildren.apply(list, items.map(chip));
      if (!items.length) list.append(el("span", { class: "media-field-empty text-secondary", text: multiple ? "No files" : "No file" }));
      inputs.replaceChildren();
      var values = items.map(function (c) { return String(c.id); });
      if (!multiple && !values.length) values = [""];
      values.forEach(function (value) { inputs.append(el("input", { type: "hidden", name: name, value: value })); });
    }

    function add(cards) {
      var known = {};
      items.forEach(function (c) { known[String(c.id)] = true; });
      setItems(items.concat(cards.filter(function (c) { return !known[String(c.id)]; })));
    }

    function upload(files, container, then) {
      if (!multiple) files = files.slice(0, 1);
      uploadAll(config, files, container).then(function (results) {
        var cards = [];
        results.forEach(function (r) { if (r.ok) cards = cards.concat(r.cards); });
        if (cards.length) add(cards);
        if (then) then(cards, results);
        setTimeout(function () {
          Array.prototype.forEach.call(container.querySelectorAll(".media-upload.is-done"), function (row) { row.remove(); });
        }, 1500);
      });
    }

    root.querySelector("[data-role=pick]").addEventListener("click", function () { openPicker(); });
    root.querySelector("[data-role=upload]").addEventListener("click", function () { fileInput.click(); });
    fileInput.addEventListener("change", function () {
      var files = Array.prototype.slice.call(fileInput.files || []);
      fileInput.value = "";
      if (files.length) upload(files, progress);
    });
    dropZone(root, function (files) { upload(files, progress); });
    root.querySelectorAll("[data-role=pick], [data-role=upload]").forEach(function (b) { b.disabled = false; });

    var pending = items.filter(function (c) { return c.pending; }).map(function (c) { return c.id; });
    if (pending.length) {
      fetch(config.api + "?ids=" + encodeURIComponent(pending.join(",")), { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (answer) { return answer.json(); })
        .then(function (body) {
          var byId = {};
          (body.data || []).forEach(function (c) { byId[String(c.id)] = c; });
          items = items.map(function (c) {
            return c.pending ? (byId[String(c.id)] || { id: c.id, name: "File #" + c.id + " (not found)", missing: true }) : c;
          });
          render();
        });
    }
    render();

    // the picker: the library in a dialog -------------------------------------------------

    function openPicker() {
      var state = { q: "", type: allowed.join(","), page: 1, pageCount: 1 };
      var chosen = items.slice();
      var search = el("input", { type: "search", class: "form-control", placeholder: "Search by name", "aria-label": "Search files by name", dataset: { testid: "picker-search" } });
      var typeSelect = el("select", { class: "form-select", "aria-label": "Type of file", dataset: { testid: "picker-type" } });
      var kinds = allowed.length ? allowed : ["images", "videos", "audios", "files"];
      typeSelect.append(el("option", { value: allowed.join(","), text: allowed.length ? "All allowed types" : "All types" }));
      if (kinds.length > 1) kinds.forEach(function (k) { typeSelect.append(el("option", { value: k, text: KIND_LABELS[k] || k })); });
      var grid = el("div", { class: "media-grid media-grid-sm", dataset: { testid: "picker-grid" } });
      var pager = el("span", { class: "text-secondary small" });
      var previous = el("button", { type: "button", class: "btn btn-sm", text: "‹ Previous" });
      var nextPage = el("button", { type: "button", class: "btn btn-sm", text: "Next ›" });
      var pickerFile = el("input", { type: "file", hidden: true, multiple: multiple ? true : null, accept: accept || null });
      var pickerProgress = el("div", { class: "media-uploads" });
      var count = el("span", { class: "text-secondary small", dataset: { testid: "picker-count" } });
      var done = el("button", { type: "button", class: "btn btn-primary", dataset: { testid: "picker-done" }, text: "Use selected" });
      var cancel = el("button", { type: "button", class: "btn", text: "Cancel" });
      var uploadButton = el("button", { type: "button", class: "btn" }, icon("fa-solid fa-cloud-arrow-up me-2"), "Upload new");
      var body = el("div", { class: "media-dialog-body media-drop" },
        el("div", { class: "media-drop-hint" }, icon("fa-solid fa-cloud-arrow-up me-2"), "Drop files to upload them"),
        el("div", { class: "row g-2 mb-3" }, el("div", { class: "col" }, search), el("div", { class: "col-auto" }, typeSelect)),
        pickerProgress, grid,
        el("div", { class: "d-flex justify-content-between align-items-center mt-3" }, previous, pager, nextPage));
      var dialog = el("dialog", { class: "media-dialog", "aria-label": "Choose " + label, dataset: { testid: "media-picker" } },
        el("div", { class: "media-dialog-header d-flex justify-content-between align-items-center" },
          el("h3", { class: "m-0", text: (multiple ? "Choose files for " : "Choose a file for ") + label }),
          el("button", { type: "button", class: "btn-close", "aria-label": "Close", onclick: function () { dialog.close(); } })),
        body,
        el("div", { class: "media-dialog-footer" }, uploadButton, pickerFile, el("span", { class: "flex-fill" }), multiple ? count : null, cancel, multiple ? done : null));

      function isChosen(id) { return chosen.some(function (c) { return String(c.id) === String(id); }); }
      function updateCount() { count.textContent = chosen.length + " selected"; }

      function choose(card) {
        if (!multiple) { setItems([card]); dialog.close(); return; }
        if (isChosen(card.id)) chosen = chosen.filter(function (c) { return String(c.id) !== String(card.id); });
        else chosen.push(card);
        Array.prototype.forEach.call(grid.querySelectorAll("[data-file-id]"), function (node) {
          var on = isChosen(node.dataset.fileId);
          node.classList.toggle("is-selected", on);
          node.setAttribute("aria-pressed", on ? "true" : "false");
        });
        updateCount();
      }

      function load() {
        var params = new URLSearchParams({ page: String(state.page), pageSize: "24", sort: "createdAt:desc" });
        if (state.q) params.set("q", state.q);
        if (state.type) params.set("type", state.type);
        grid.replaceChildren(el("span", { class: "text-secondary", text: "Loading…" }));
        fetch(config.api + "?" + params.toString(), { headers: { Accept: "application/json" }, credentials: "same-origin" })
          .then(function (answer) { return answer.json(); })
          .then(function (answer) {
            var pagination = answer.meta.pagination;
            state.pageCount = pagination.pageCount;
            pager.textContent = "Page " + pagination.page + " of " + pagination.pageCount + " · " + pagination.total + " files";
            previous.disabled = pagination.page <= 1;
            nextPage.disabled = pagination.page >= pagination.pageCount;
            grid.replaceChildren();
            if (!answer.data.length) grid.append(el("span", { class: "text-secondary", text: "No file matches." }));
            answer.data.forEach(function (card) {
              grid.append(el("button", {
                type: "button", class: "card media-card media-pick" + (isChosen(card.id) ? " is-selected" : ""),
                dataset: { fileId: String(card.id), testid: "picker-card" }, title: card.name, "aria-pressed": isChosen(card.id) ? "true" : "false",
                onclick: function () { choose(card); },
              }, thumb(card, "media-thumb"), el("span", { class: "media-name text-truncate p-2", text: card.name })));
            });
          })
          .catch(function () { grid.replaceChildren(el("span", { class: "text-danger", text: "Could not load the files." })); });
      }

      var timer = null;
      search.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(function () { state.q = search.value.trim(); state.page = 1; load(); }, 250);
      });
      search.addEventListener("keydown", function (event) { if (event.key === "Enter") event.preventDefault(); });
      typeSelect.addEventListener("change", function () { state.type = typeSelect.value; state.page = 1; load(); });
      previous.addEventListener("click", function () { if (state.page > 1) { state.page--; load(); } });
      nextPage.addEventListener("click", function () { if (state.page < state.pageCount) { state.page++; load(); } });
      cancel.addEventListener("click", function () { dialog.close(); });
      done.addEventListener("click", function () { setItems(chosen); dialog.close(); });
      uploadButton.addEventListener("click", function () { pickerFile.click(); });
      function uploadHere(files) {
        if (!multiple) files = files.slice(0, 1);
        uploadAll(config, files, pickerProgress).then(function (results) {
          var cards = [];
          results.forEach(function (r) { if (r.ok) cards = cards.concat(r.cards); });
          if (!cards.length) return;
          if (!multiple) { setItems(cards.slice(0, 1)); dialog.close(); return; }
          cards.forEach(function (c) { if (!isChosen(c.id)) chosen.push(c); });
          updateCount();
          state.page = 1;
          load();
        });
      }
      pickerFile.addEventListener("change", function () {
        var files = Array.prototype.slice.call(pickerFile.files || []);
        pickerFile.value = "";
        if (files.length) uploadHere(files);
      });
      dropZone(body, uploadHere);
      dialog.addEventListener("close", function () { dialog.remove(); });
      document.body.append(dialog);
      updateCount();
      dialog.showModal();
      search.focus();
      load();
    }
  }

  function init() {
    var library = document.getElementById("media-library");
    if (library) initLibrary(library);
    Array.prototype.forEach.call(document.querySelectorAll(".media-field[data-name]"), function (root) {
      if (!root.dataset.ready) { root.dataset.ready = "1"; initField(root); }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
