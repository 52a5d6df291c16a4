/* Components and dynamic zones in create and edit forms (admin/components.py).
 *
 * Each [data-cms-components] holds a JSON text area (what the form posts; the editor without
 * JavaScript) and data-config: the attribute, the schemas of the components it may hold, the
 * server's errors by path inside the value ("1.title"), and the names of related entries.
 * This script hides the text area and builds fieldsets instead: a component's fields, items
 * of a repeatable component or dynamic zone to add (a zone: of the kind picked), move up and
 * down, and remove, never more than "max". Every change is written back into the text area,
 * items with their "id": the core updates the items sent with an id, creates those without
 * and deletes the others. Inputs carry no name: only the text area is posted. A value the
 * editor cannot show (JSON typed by hand that is not of the right shape) leaves the text area.
 */
(function () {
  "use strict";

  function el(tag, props, children) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (key) {
      var value = props[key];
      if (value === undefined || value === null || value === false) return;
      if (key === "text") node.textContent = value;
      else if (key === "className") node.className = value;
      else if (key.indexOf("on") === 0) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function join(path, part) { return path === "" ? String(part) : path + "." + part; }

  function isObject(value) { return value !== null && typeof value === "object" && !Array.isArray(value); }

  function button(text, icon, props) {
    var made = el("button", Object.assign({ type: "button", className: "btn btn-sm" }, props || {}));
    if (icon) made.appendChild(el("i", { className: icon + (text ? " me-1" : "") }));
    if (text) made.appendChild(document.createTextNode(text));
    return made;
  }

  function setup(root) {
    if (root.dataset.ready) return;
    var config;
    try { config = JSON.parse(root.dataset.config || "{}"); } catch (e) { return; }
    var textarea = root.querySelector('[data-role="json"]');
    var editor = root.querySelector('[data-role="editor"]');
    var attribute = config.attribute, components = config.components || {}, labels = config.labels || {};
    var errors = config.errors || {};
    var value;
    try { value = textarea.value.trim() ? JSON.parse(textarea.value) : null; } catch (e) { return; }
    if (attribute.repeatable) {
      if (value === null) value = [];
      if (!Array.isArray(value) || !value.every(isObject)) return;
    } else if (value !== null && !isObject(value)) return;
    root.dataset.ready = "1";
    var state = { value: value };
    var top = attribute.name;

    textarea.hidden = true;
    var jsonHelp = root.querySelector('[data-role="json-help"]');
    if (jsonHelp) jsonHelp.hidden = true;
    var rules = root.querySelector('[data-role="rules"]');
    if (rules) rules.hidden = false;
    var errorList = root.querySelector('[data-role="error-list"]');
    if (errorList) { errorList.hidden = true; errorList.classList.remove("d-block"); } // shown beside the inputs

    function sync() {
      textarea.value = state.value === null ? "" : JSON.stringify(state.value, null, 2);
    }

    function rerender() { errors = {}; render(); }

    function clearError(wrapper) {
      wrapper.querySelectorAll(":scope > .cms-nested-error").forEach(function (node) { node.remove(); });
      wrapper.querySelectorAll(".is-invalid").forEach(function (node) { node.classList.remove("is-invalid"); });
      var key = wrapper.dataset.path;
      if (key !== undefined) delete errors[key];
    }

    // -- one field of an item ------------------------------------------------------------

    function scalarInput(field, item, path) {
      var current = item[field.name];
      var full = join(top, path);
      var common = { className: "form-control", "data-testid": "cms-input-" + full, "aria-label": field.label,
                     id: "cms-" + full.replace(/\./g, "-") };
      var input, read;
      var type = field.type;
      if (type === "text" || type === "richtext") {
        input = el("textarea", Object.assign({ rows: type === "richtext" ? 5 : 3 }, common));
        input.value = current == null ? "" : String(current);
        read = function () { return input.value === "" ? null : input.value.replace(/\r\n/g, "\n"); };
      } else if (type === "json" || type === "blocks") {
        input = el("textarea", Object.assign({ rows: 4, spellcheck: "false" }, common));
        input.value = current == null ? "" : JSON.stringify(current, null, 2);
        read = function () {
          if (!input.value.trim()) return null;
          return JSON.parse(input.value); // throws: shown as "not valid JSON", the value kept
        };
      } else if (type === "boolean") {
        input = el("input", Object.assign({}, common, { type: "checkbox", className: "form-check-input" }));
        input.checked = current === true;
        read = function () { return input.checked; };
      } else if (type === "enumeration") {
        input = el("select", Object.assign({}, common, { className: "form-select" }),
                   [el("option", { value: "", text: "—" })].concat((field.enum || []).map(function (choice) {
                     return el("option", { value: choice, text: choice });
                   })));
        input.value = current == null ? "" : String(current);
        read = function () { return input.value === "" ? null : input.value; };
      } else if (type === "integer" || type === "float" || type === "decimal" || type === "biginteger") {
        input = el("input", Object.assign({}, common, { type: type === "biginteger" ? "text" : "number",
                                                         step: type === "integer" ? "1" : "any" }));
        input.value = current == null ? "" : String(current);
        read = function () {
          var text = input.value.trim();
          if (text === "") return null;
          if (type === "biginteger") return text;
          var number = Number(text);
          return isNaN(number) ? text : number;
        };
      } else if (type === "date") {
        input = el("input", Object.assign({}, common, { type: "date" }));
        input.value = current ? String(current).slice(0, 10) : "";
        read = function () { return input.value || null; };
      } else if (type === "time") {
        input = el("input", Object.assign({}, common, { type: "time", step: "1" }));
        input.value = current ? String(current).slice(0, 8) : "";
        read = function () { return input.value ? (input.value.length === 5 ? input.value + ":00" : input.value) : null; };
      } else if (type === "datetime" || type === "timestamp") {
        input = el("input", Object.assign({}, common, { type: "datetime-local", step: "1" }));
        input.value = current ? String(current).slice(0, 19) : "";
        read = function () {
          if (!input.value) return null;
          return (input.value.length === 16 ? input.value + ":00" : input.value) + "Z";
        };
      } else if (type === "relation" || type === "media") {
        return relationInput(field, item, path, common);
      } else {
        input = el("input", Object.assign({}, common, { type: type === "email" ? "email" : "text" }));
        if (field.maxLength) input.setAttribute("maxlength", field.maxLength);
        input.value = current == null ? "" : String(current);
        read = function () { return input.value === "" ? null : input.value; };
      }
      input.addEventListener(type === "boolean" || type === "enumeration" ? "change" : "input", function () {
        var wrapper = input.closest("[data-path]");
        clearError(wrapper);
        try {
          item[field.name] = read();
        } catch (e) {
          showError(wrapper, "This is not valid JSON");
          return;
        }
        sync();
      });
      return input;
    }

    function relationInput(field, item, path, common) {
      var names = labels[field.target] || (labels[field.target] = {});
      var current = item[field.name];
      var ids = Array.isArray(current) ? current : current == null ? [] : [current];
      var full = join(top, path);
      var input = el("input", Object.assign({}, common, {
        type: "text", inputmode: "numeric",
        placeholder: field.toMany ? "ids, comma separated" : "id"
      }));
      input.value = ids.join(", ");
      var named = el("span", { className: "input-group-text cms-relation-name", "data-testid": "cms-names-" + full });
      function showNames() {
        var parts = ids.map(function (id) { return names[String(id)] || (id === "" ? "" : "#" + id); });
        named.textContent = parts.length ? parts.join(", ") : "none";
      }
      function set(next) {
        ids = next;
        item[field.name] = field.toMany ? ids : (ids.length ? ids[ids.length - 1] : null);
        showNames();
        sync();
      }
      showNames();
      input.addEventListener("input", function () {
        clearError(input.closest("[data-path]"));
        set(input.value.split(/[\s,]+/).filter(Boolean).map(function (part) {
          return /^\d+$/.test(part) ? Number(part) : part;
        }));
      });
      var group = el("div", { className: "input-group" }, [input, named]);
      var lookup = (config.lookups || {})[field.target];
      if (!lookup) return group;
      // search-as-you-type over the related entries' names (starlette-admin's relation lookup)
      var search = el("input", { type: "search", className: "form-control form-control-sm mt-1 cms-relation-search",
                                 placeholder: "Type to search" + (field.type === "media" ? " files by name" : ""),
                                 "aria-label": "Search " + field.label, "data-testid": "cms-search-" + full });
      var results = el("div", { className: "list-group cms-relation-results", "data-testid": "cms-results-" + full });
      var timer = null, asked = 0;
      search.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(function () {
          var text = search.value.trim();
          var mine = ++asked;
          if (!text) { results.replaceChildren(); return; }
          fetch(lookup + "?" + new URLSearchParams({ q: text, limit: "8" }), { credentials: "same-origin" })
            .then(function (answer) { return answer.ok ? answer.json() : { items: [] }; })
            .then(function (found) {
              if (mine !== asked) return;
              results.replaceChildren.apply(results, (found.items || []).map(function (entry) {
                var name = entry._meta && entry._meta.repr ? String(entry._meta.repr) : "#" + entry.id;
                return el("button", { type: "button", className: "list-group-item list-group-item-action py-1",
                                      text: name + " (#" + entry.id + ")", onclick: function () {
                  names[String(entry.id)] = name;
                  var next = field.toMany ? ids.filter(function (id) { return id !== entry.id; }).concat([entry.id]) : [entry.id];
                  input.value = next.join(", ");
                  clearError(input.closest("[data-path]"));
                  set(next);
                  search.value = "";
                  results.replaceChildren();
                } });
              }));
            });
        }, 200);
      });
      return el("div", { className: "cms-relation" }, [group, search, results]);
    }

    function fieldRow(field, item, path) {
      var wrapper = el("div", { className: "mb-2 cms-nested-field", "data-path": path });
      var control = scalarInput(field, item, path);
      var labelFor = control.id || (control.querySelector && control.querySelector("input") || {}).id;
      var label = field.label + (field.type === "relation" || field.type === "media" ? " (id)" : "")
        + ((field.type === "datetime" || field.type === "timestamp") ? " (UTC)" : "");
      if (field.type === "boolean") {
        wrapper.appendChild(el("label", { className: "form-check" }, [control, el("span", { className: "form-check-label", text: label })]));
      } else {
        wrapper.appendChild(el("label", { className: "form-label" + (field.required ? " required" : ""), for: labelFor || null, text: label }));
        wrapper.appendChild(control);
      }
      return wrapper;
    }

    // -- items and lists ----------------------------------------------------------------

    function renderItem(uid, item, path) {
      var component = components[uid];
      var body = el("div", { className: "cms-component-fields" });
      if (!component) {
        body.appendChild(el("div", { className: "text-secondary", text: "Unknown component " + uid + " (kept as it is)" }));
        return body;
      }
      component.fields.forEach(function (field) {
        if (field.type === "component" || field.type === "dynamiczone") {
          body.appendChild(renderAttribute(field, item, field.name, join(path, field.name), true));
        } else {
          body.appendChild(fieldRow(field, item, join(path, field.name)));
        }
      });
      return body;
    }

    function summary(uid, item) {
      var component = components[uid];
      if (!component) return "";
      for (var i = 0; i < component.fields.length; i++) {
        var field = component.fields[i];
        if ((field.type === "string" || field.type === "text" || field.type === "richtext") && item[field.name]) {
          var text = String(item[field.name]);
          return text.length > 60 ? text.slice(0, 60) + "…" : text;
        }
      }
      return "";
    }

    function renderAttribute(desc, holder, key, path, nested) {
      var box = el("fieldset", { className: "cms-component-attribute" + (nested ? " nested" : ""), "data-path": path,
                                 "data-testid": "cms-attribute-" + join(top, path).replace(/\.$/, "") });
      if (nested) box.appendChild(el("legend", { className: "cms-component-legend", text: desc.label }));
      var full = path === "" ? top : join(top, path);
      if (!desc.repeatable) {
        var uid = desc.components[0], component = components[uid] || { displayName: uid };
        if (!isObject(holder[key])) {
          box.appendChild(button("Add " + component.displayName, "fa-solid fa-plus", {
            className: "btn btn-sm btn-outline-primary", "data-testid": "cms-add-" + full,
            onclick: function () { holder[key] = {}; rerender(); }
          }));
          return box;
        }
        var card = el("fieldset", { className: "cms-component card", "data-testid": "cms-component-" + full }, [
          el("legend", { className: "cms-component-title" }, [
            el("span", { text: component.displayName }),
            button("", "fa-solid fa-trash", { className: "btn btn-sm btn-ghost-danger ms-auto", title: "Remove " + component.displayName,
                                               "aria-label": "Remove " + component.displayName, "data-testid": "cms-remove-" + full,
                                               onclick: function () { holder[key] = null; rerender(); } })
          ])
        ]);
        card.appendChild(renderItem(uid, holder[key], path));
        box.appendChild(card);
        return box;
      }
      if (!Array.isArray(holder[key])) holder[key] = [];
      var items = holder[key];
      var zone = desc.type === "dynamiczone";
      var list = el("ol", { className: "cms-component-items list-unstyled mb-2" });
      items.forEach(function (item, index) {
        var itemUid = zone ? item.__component : desc.components[0];
        var component = components[itemUid] || { displayName: String(itemUid) };
        var itemPath = join(path, index);
        var itemFull = join(top, itemPath);
        var head = el("div", { className: "cms-component-title" }, [
          el("span", { className: "cms-component-index", text: (index + 1) + "." }),
          el("span", { className: "fw-bold", text: component.displayName }),
          el("span", { className: "text-secondary text-truncate cms-component-summary", text: summary(itemUid, item) }),
          el("span", { className: "ms-auto btn-list flex-nowrap" }, [
            button("", "fa-solid fa-arrow-up", { title: "Move up", "aria-label": "Move up", disabled: index === 0,
                                                  "data-testid": "cms-up-" + itemFull,
                                                  onclick: function () { move(items, index, -1); } }),
            button("", "fa-solid fa-arrow-down", { title: "Move down", "aria-label": "Move down",
                                                    disabled: index === items.length - 1, "data-testid": "cms-down-" + itemFull,
                                                    onclick: function () { move(items, index, 1); } }),
            button("", "fa-solid fa-trash", { className: "btn btn-sm btn-ghost-danger", title: "Remove", "aria-label": "Remove",
                                               "data-testid": "cms-remove-" + itemFull,
                                               onclick: function () { items.splice(index, 1); rerender(); } })
          ])
        ]);
        var card = el("li", { className: "cms-component card", "data-path": itemPath, "data-testid": "cms-item-" + itemFull,
                              "data-component": itemUid }, [head]);
        card.appendChild(renderItem(itemUid, item, itemPath));
        list.appendChild(card);
      });
      box.appendChild(list);
      var full_ = full;
      var atMax = desc.max !== null && desc.max !== undefined && items.length >= desc.max;
      var bar = el("div", { className: "cms-component-add d-flex gap-2 align-items-center" });
      if (zone) {
        var picker = el("select", { className: "form-select form-select-sm w-auto", "aria-label": "Kind of block",
                                    "data-testid": "cms-kind-" + full_, disabled: atMax },
                        desc.components.map(function (uid) {
                          return el("option", { value: uid, text: (components[uid] || { displayName: uid }).displayName });
                        }));
        bar.appendChild(picker);
        bar.appendChild(button("Add block", "fa-solid fa-plus", {
          className: "btn btn-sm btn-outline-primary", disabled: atMax, "data-testid": "cms-add-" + full_,
          onclick: function () { items.push({ __component: picker.value }); rerender(); }
        }));
      } else {
        var name = (components[desc.components[0]] || { displayName: "item" }).displayName;
        bar.appendChild(button("Add " + name, "fa-solid fa-plus", {
          className: "btn btn-sm btn-outline-primary", disabled: atMax, "data-testid": "cms-add-" + full_,
          onclick: function () { items.push({}); rerender(); }
        }));
      }
      if (desc.max !== null && desc.max !== undefined) {
        bar.appendChild(el("span", { className: "text-secondary small", "data-testid": "cms-count-" + full_,
                                     text: items.length + " of at most " + desc.max }));
      }
      box.appendChild(bar);
      return box;
    }

    function move(items, index, step) {
      var other = index + step;
      if (other < 0 || other >= items.length) return;
      var moved = items[index];
      items[index] = items[other];
      items[other] = moved;
      rerender();
    }

    // -- errors of the server, by path --------------------------------------------------

    function showError(wrapper, message) {
      var key = wrapper.dataset.path;
      var control = wrapper.querySelector(":scope > .form-control, :scope > .form-select, :scope > .input-group > .form-control, :scope > .cms-relation > .input-group > .form-control, :scope > label > .form-check-input");
      if (control) control.classList.add("is-invalid");
      wrapper.appendChild(el("div", { className: "invalid-feedback d-block cms-nested-error", role: "alert",
                                      "data-testid": "cms-error-" + (key === "" ? top : join(top, key)), text: message }));
    }

    function placeErrors() {
      var unplaced = [];
      Object.keys(errors).forEach(function (key) {
        var wrapper = null;
        editor.querySelectorAll("[data-path]").forEach(function (node) {
          if (!wrapper && node.dataset.path === key) wrapper = node;
        });
        if (wrapper) showError(wrapper, errors[key]);
        else unplaced.push(errors[key]);
      });
      if (unplaced.length && errorList) {
        errorList.hidden = false; // e.g. an item id the core does not know
        errorList.classList.add("d-block");
      }
    }

    function render() {
      editor.replaceChildren(renderAttribute(attribute, state, "value", "", false));
      placeErrors();
      sync();
    }

    render();
  }

  function ready() { document.querySelectorAll("[data-cms-components]").forEach(setup); }

  window.cmsComponents = { setup: setup };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
