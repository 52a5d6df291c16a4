/* The admin's behaviour on top of starlette-admin's pages (loaded last on every page).
 *
 * - Export: the list's export dialog (templates/export.html) is sent with fetch instead of a
 *   plain form post, so that the streamed file (admin/export.py) is read with a progress bar
 *   ("12,500 of 20,000 rows"), then saved.
 * - Relation filters: the filter builder's "Is" / "Is not" on a relation gets a search-as-you-
 *   type picker of the related entries, by their display field (admin/filters.py RelationIs).
 * - Forms: a field's error from the last submit is cleared as soon as the field changes.
 * - Copy buttons ([data-cms-copy]) and the API token form's grouped action checkboxes.
 * - Locales (admin/locales.py): a locale switcher ([data-cms-locale-switcher]) goes to the chosen
 *   option's page; the filter builder's form keeps the list's ?locale= ([data-cms-list-locale]).
 *
 * Plain JavaScript (jQuery only where select2 and starlette-admin's events need it).
 */
(function () {
  "use strict";

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)starlette_admin_csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function number(n) { return Number(n).toLocaleString("en-US"); }

  function bytesText(size) {
    var units = ["B", "KB", "MB", "GB"], i = 0;
    while (size >= 1024 && i < units.length - 1) { size /= 1024; i++; }
    return (i ? size.toFixed(1) : size) + " " + units[i];
  }

  // -- export ----------------------------------------------------------------------------

  /** Counts the rows of a CSV (newlines outside quotes, less the header) or a JSON export
   *  (one row a line) as its bytes arrive. */
  function rowCounter(format) {
    var lines = 0, quoted = false;
    return function (chunk) {
      for (var i = 0; i < chunk.length; i++) {
        var b = chunk[i];
        if (format === "csv" && b === 34) quoted = !quoted;
        else if (b === 10 && !quoted) lines++;
      }
      return format === "csv" ? Math.max(0, lines - 1) : lines;
    };
  }

  function fileName(response, fallback) {
    var header = response.headers.get("Content-Disposition") || "";
    var match = header.match(/filename="([^"]+)"/);
    return match ? match[1] : fallback;
  }

  function exportTarget(form) {
    var scope = new FormData(form).get("scope");
    var query = new URLSearchParams();
    query.append("name", "export");
    query.append("_origin", window.location.href);
    query.append("_list_query", window.location.search);
    var allBanner = document.querySelector('[data-sa-hook="select-all-banner-all"]');
    var allSelected = allBanner && !allBanner.classList.contains("d-none");
    if (scope === "selected" && !allSelected) {
      document.querySelectorAll('[data-sa-hook="row-checkbox"]:checked').forEach(function (box) {
        query.append("pks", box.value);
      });
    } else {
      query.append("all", "1");
    }
    return form.dataset.url + "?" + query.toString();
  }

  async function runExport(form, button) {
    var progress = form.querySelector("[data-cms-export-progress]");
    var bar = form.querySelector("[data-cms-export-bar]");
    var status = form.querySelector("[data-cms-export-status]");
    var format = new FormData(form).get("format") || "csv";
    function show(done, total, text, state) {
      var percent = total ? Math.min(100, Math.round((done * 100) / total)) : (state === "done" ? 100 : 0);
      bar.style.width = percent + "%";
      bar.setAttribute("aria-valuenow", String(percent));
      bar.classList.toggle("bg-danger", state === "failed");
      bar.classList.toggle("progress-bar-indeterminate", state === "waiting");
      status.textContent = text;
      form.dataset.cmsExportState = state;
    }
    progress.classList.remove("d-none");
    button.disabled = true;
    show(0, 0, "Preparing the export…", "waiting");
    var response;
    try {
      response = await fetch(exportTarget(form), {
        method: "POST", body: new FormData(form), headers: { "X-CSRFToken": csrfToken() },
      });
    } catch (error) {
      show(0, 0, "The export failed: the server could not be reached.", "failed");
      button.disabled = false;
      return;
    }
    if (!response.ok) {
      var message = "The export failed (" + response.status + ").";
      try { message = (await response.json()).msg || message; } catch (ignored) { /* not JSON */ }
      show(0, 0, message, "failed");
      button.disabled = false;
      return;
    }
    var total = parseInt(response.headers.get("X-Export-Rows") || "0", 10);
    var count = rowCounter(format), rows = 0, size = 0, parts = [];
    var reader = response.body.getReader();
    show(0, total, "0 of " + number(total) + " rows", "reading");
    try {
      for (;;) {
        var step = await reader.read();
        if (step.done) break;
        parts.push(step.value);
        size += step.value.length;
        rows = Math.min(total, count(step.value));
        show(rows, total, number(rows) + " of " + number(total) + " rows · " + bytesText(size), "reading");
      }
    } catch (error) {
      show(rows, total, "The export was interrupted after " + number(rows) + " rows.", "failed");
      button.disabled = false;
      return;
    }
    var blob = new Blob(parts, { type: response.headers.get("Content-Type") || "application/octet-stream" });
    var url = URL.createObjectURL(blob);
    var link = document.createElement("a");
    link.href = url;
    link.download = fileName(response, "export." + format);
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
    show(total, total, "Done: " + number(total) + " rows, " + bytesText(size) + " (" + link.download + ")", "done");
    button.disabled = false;
    var close = form.closest(".modal-content");
    close = close && close.querySelector('.modal-footer [data-bs-dismiss="modal"]:not([data-sa-action])');
    if (close) close.textContent = "Close";
  }

  // starlette-admin's action modal posts the form natively and closes: the export is read with
  // fetch instead, the dialog kept open for its progress (on window, in the capture phase, to
  // come before Bootstrap's own capturing "dismiss" handler on the document)
  window.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest('[data-sa-action="action-submit"]');
    if (!button) return;
    var modal = button.closest('[data-sa-hook="modal-action"]') || document;
    var form = modal.querySelector("form[data-cms-export]");
    if (!form) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    runExport(form, button);
  }, true);

  // -- relation filters: a picker of the related entries ----------------------------------

  var PICKER_OPS = { eq: true, neq: true };

  function pickers() {
    var node = document.getElementById("cms-relation-pickers");
    if (!node) return {};
    try { return JSON.parse(node.textContent) || {}; } catch (ignored) { return {}; }
  }

  function setValue(row, id, label) {
    var text = row.querySelector('[data-sa-hook="filter-row-value"]');
    var select = row.querySelector('[data-sa-hook="filter-row-value-select"]');
    text.value = id || "";
    if (!id) { select.value = ""; return; }
    var option = Array.prototype.find.call(select.options, function (o) { return o.value === String(id); });
    if (!option) { option = new Option(label || String(id), String(id)); select.appendChild(option); }
    select.value = String(id);
  }

  function syncPicker(row, config) {
    var field = row.querySelector('[data-sa-hook="filter-row-field"]').value;
    var op = row.querySelector('[data-sa-hook="filter-row-op"]').value;
    var text = row.querySelector('[data-sa-hook="filter-row-value"]');
    var select = row.querySelector('[data-sa-hook="filter-row-value-select"]');
    var picker = row.querySelector("select.cms-relation-picker");
    var url = config[field];
    if (!url || !PICKER_OPS[op]) {
      if (picker) { $(picker).select2("destroy"); picker.remove(); }
      return;
    }
    text.classList.add("d-none");
    select.classList.add("d-none");
    if (picker && picker.dataset.field === field) return;
    if (picker) { $(picker).select2("destroy"); picker.remove(); }
    var current = select.value || text.value.trim();
    var currentOption = Array.prototype.find.call(select.options, function (o) { return o.value === current; });
    picker = document.createElement("select");
    picker.className = "form-select form-select-sm cms-relation-picker flex-fill";
    picker.dataset.field = field;
    picker.setAttribute("aria-label", "Related entry");
    text.after(picker);
    var $picker = $(picker);
    $picker.select2({
      width: "100%",
      placeholder: "Search…",
      dropdownParent: $(row.closest(".dropdown-menu") || document.body),
      ajax: {
        url: url,
        dataType: "json",
        delay: 150,
        data: function (params) { return { q: params.term, skip: ((params.page || 1) - 1) * 20, limit: 20 }; },
        processResults: function (data, params) {
          return {
            results: data.items.map(function (item) { return { id: String(item.id), text: item._meta.repr }; }),
            pagination: { more: (params.page || 1) * 20 < data.total },
          };
        },
      },
    });
    $picker.on("change", function () {
      var chosen = $picker.select2("data")[0];
      setValue(row, picker.value, chosen ? chosen.text : "");
    });
    if (current) {
      var show = function (label) {
        picker.appendChild(new Option(label, current, true, true));
        $picker.trigger("change");
      };
      if (currentOption && currentOption.textContent !== current) show(currentOption.textContent);
      else $.getJSON(url + "?pks=" + encodeURIComponent(current)).then(function (data) {
        show(data.items.length ? data.items[0]._meta.repr : "#" + current);
      });
    }
  }

  function initRelationPickers() {
    var config = pickers();
    var rows = document.querySelector('[data-sa-hook="filter-rows"]');
    if (!rows || !Object.keys(config).length || !window.jQuery || !$.fn.select2) return;
    var syncAll = function () {
      rows.querySelectorAll('[data-sa-hook="filter-row"]').forEach(function (row) { syncPicker(row, config); });
    };
    // after the filter builder's own handlers (bound on the selects) have reset the value inputs
    $(rows).on("change", '[data-sa-hook="filter-row-field"], [data-sa-hook="filter-row-op"]', function () {
      syncPicker(this.closest('[data-sa-hook="filter-row"]'), config);
    });
    new MutationObserver(syncAll).observe(rows, { childList: true, subtree: true });
    syncAll();
  }

  // -- forms: stale errors ----------------------------------------------------------------

  // pickers set their first value with change events as the page loads: only what follows the
  // editor's own first key or click counts as a change
  var acted = false;
  ["keydown", "pointerdown"].forEach(function (type) {
    document.addEventListener(type, function (event) { if (event.isTrusted) acted = true; }, true);
  });

  /** The error shown under a field since the last submit goes away once the field changes:
   *  it described the old value. */
  function clearStaleError(input) {
    var id = input.id || input.name;
    if (!acted) return;
    if (!id || input.closest("[data-cms-export]")) return;
    var error = document.getElementById(id + "-error");
    if (!error && input.getAttribute("aria-invalid") !== "true") return;
    if (error) error.remove();
    input.classList.remove("is-invalid");
    input.removeAttribute("aria-invalid");
    var describedBy = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (token) {
      return token && token !== id + "-error";
    });
    if (describedBy.length) input.setAttribute("aria-describedby", describedBy.join(" "));
    else input.removeAttribute("aria-describedby");
    for (var node = input.parentElement; node && node.tagName !== "FORM"; node = node.parentElement) {
      node.classList.remove("is-invalid");
    }
  }

  // -- copy buttons, grouped checkboxes ------------------------------------------------------

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var copied = document.execCommand("copy");
    area.remove();
    return copied ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-cms-copy]");
    if (!button) return;
    var source = document.querySelector(button.dataset.cmsCopy);
    var label = button.querySelector("[data-cms-copy-label]") || button;
    copyText(source ? source.textContent.trim() : "").then(function () {
      label.textContent = "Copied";
      button.classList.add("btn-success");
      setTimeout(function () { label.textContent = "Copy"; button.classList.remove("btn-success"); }, 2500);
    }, function () {
      label.textContent = "Select and copy it by hand";
    });
  });

  document.addEventListener("change", function (event) {
    var all = event.target.closest && event.target.closest("[data-cms-check-group]");
    if (!all) return;
    var group = all.closest("[data-cms-group]");
    group.querySelectorAll('input[type="checkbox"][name]').forEach(function (box) { box.checked = all.checked; });
  });

  function initTokenForm() {
    var type = document.getElementById("token-type");
    var actions = document.querySelector("[data-cms-token-actions]");
    if (!type || !actions) return;
    var sync = function () { if (type.value === "custom") actions.open = true; };
    type.addEventListener("change", sync);
    sync();
  }

  // -- locales ---------------------------------------------------------------------------

  document.addEventListener("change", function (event) {
    var select = event.target.closest && event.target.closest("[data-cms-locale-switcher]");
    if (!select) return;
    var option = select.options[select.selectedIndex];
    if (option && option.dataset.url) window.location.href = option.dataset.url;
  });

  function initListLocale() {
    var marker = document.querySelector("[data-cms-list-locale]");
    var code = marker && marker.getAttribute("data-cms-list-locale");
    var form = document.getElementById("filter-form");
    if (!code || !form || form.querySelector('input[name="locale"]')) return;
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = "locale";
    input.value = code;
    form.appendChild(input);
  }

  function ready() {
    if (window.jQuery) {
      $(document).on("input change", "form input, form select, form textarea", function (event) {
        if (event.originalEvent && event.originalEvent.isTrusted) acted = true;  // typed, pasted, picked
        clearStaleError(this);
      });
    }
    initRelationPickers();
    initTokenForm();
    initListLocale();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
