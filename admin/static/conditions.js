/* The condition editor of the permissions matrix (admin/access.py, settings/permissions.html).
 *
 * A grant's condition is JSON in the REST filter language, posted from the textarea of its cell.
 * Long `$or`s were unreadable there and a typo in a variable went unnoticed, so this script adds,
 * over each textarea, a readable summary and an editor in a dialog: rows of field → operator →
 * value (a literal, or a `$user.*` variable picked from those the plugins declare), in groups
 * (all / any / none / not all of, nestable), with fields reached through relations. The JSON stays
 * the truth: the editor reads it when it opens, writes it back on Apply, and shows it in its
 * "Advanced: JSON" view, edited in step with the rows. Conditions the editor cannot show as rows
 * are kept as JSON, never rewritten. The server checks every condition again on save.
 *
 * Plain JavaScript, no build step. What a condition may name comes from the page:
 * <script id="condition-schema"> {types: {uid: {label, fields}}, variables, depth}.
 */
(function () {
  "use strict";

  var schemaNode = document.getElementById("condition-schema");
  if (!schemaNode) return;
  var SCHEMA = JSON.parse(schemaNode.textContent);
  var VARIABLES = SCHEMA.variables || [];
  var KNOWN = {};
  VARIABLES.forEach(function (v) { KNOWN[v.name] = v; });
  var DEPTH = SCHEMA.depth || 2;
  var VARIABLE = /^\$[A-Za-z_]\w*(\.\w+)*$/;
  var LIST_OPS = { $in: true, $notIn: true, $between: true };
  var NULL_OPS = { $null: true, $notNull: true };
  var OPERATORS = [
    ["$eq", "="], ["$ne", "≠"], ["$lt", "<"], ["$lte", "≤"], ["$gt", ">"], ["$gte", "≥"],
    ["$in", "in"], ["$notIn", "not in"], ["$between", "between"],
    ["$null", "is empty"], ["$notNull", "is not empty"],
    ["$eqi", "= (any case)"], ["$nei", "≠ (any case)"],
    ["$contains", "contains"], ["$notContains", "does not contain"],
    ["$containsi", "contains (any case)"], ["$notContainsi", "does not contain (any case)"],
    ["$startsWith", "starts with"], ["$startsWithi", "starts with (any case)"],
    ["$endsWith", "ends with"], ["$endsWithi", "ends with (any case)"],
  ];
  var OP_LABEL = {};
  OPERATORS.forEach(function (pair) { OP_LABEL[pair[0]] = pair[1]; });
  var MODES = [["all", "all of"], ["any", "any of"], ["none", "none of"], ["notall", "not all of"]];

  /** el("div", {class: "x", dataset: {a: 1}, onclick: f}, child, "text") */
  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) return;
      if (key === "dataset") Object.keys(value).forEach(function (k) { node.dataset[k] = value[k]; });
      else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), value);
      else if (key === "text") node.textContent = value;
      else if (key === "value") node.value = value;
      else node.setAttribute(key, value === true ? "" : value);
    });
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child !== null && child !== undefined && child !== false) node.append(child);
    }
    return node;
  }

  function isObject(value) { return value !== null && typeof value === "object" && !Array.isArray(value); }
  function isVariable(value) { return typeof value === "string" && VARIABLE.test(value); }

  // -- the schema: fields of a type, and the field a path ends on -----------------------------

  function fieldsOf(uid) { return uid && SCHEMA.types[uid] ? SCHEMA.types[uid].fields : null; }

  function findField(uid, name) {
    var fields = fieldsOf(uid) || [];
    for (var i = 0; i < fields.length; i++) if (fields[i].name === name) return fields[i];
    return null;
  }

  /** Walk `path` from `uid`: {field, problem}. Past the types the page knows (deeper than the
   *  editor walks) nothing can be checked here: no field, no problem; the server checks it. */
  function resolvePath(uid, path) {
    if (!path.length) return { field: null, problem: "Choose a field" };
    var field = null;
    for (var i = 0; i < path.length; i++) {
      var current = i === 0 ? uid : field.target;
      if (i > 0 && !current) return { field: null, problem: path[i - 1] + " has no fields" };
      if (!fieldsOf(current)) return { field: null, problem: "" };
      field = findField(current, path[i]);
      if (!field) return { field: null, problem: "Unknown field " + path.slice(0, i + 1).join(".") };
    }
    return { field: field, problem: "" };
  }

  // -- JSON ⇄ model ---------------------------------------------------------------------------
  // A model node is a rule {kind: "rule", path: [names], op, value} or a group
  // {kind: "group", mode: all|any|none|notall, items: [nodes]}. The root is always a group.

  function Unsupported(message) { this.message = message; }

  function rule(path, op, value) { return { kind: "rule", path: path, op: op, value: value }; }
  function group(mode, items) { return { kind: "group", mode: mode, items: items }; }
  function allOf(nodes) { return nodes.length === 1 ? nodes[0] : group("all", nodes); }

  function negate(node) {
    if (node.kind === "group" && node.mode === "all") return group("notall", node.items);
    if (node.kind === "group" && node.mode === "any") return group("none", node.items);
    return group("notall", [node]);
  }

  /** The nodes (ANDed) that `raw` holds at `path`, `uid` being the type the path leads to. */
  function parseAt(raw, path, uid) {
    if (Array.isArray(raw)) {
      if (raw.length && raw.every(isObject)) return [allOf(raw.map(function (item) { return allOf(parseAt(item, path, uid)); }))];
      if (!path.length) throw new Unsupported("a list at the top");
      return [rule(path, "$in", raw)];
    }
    if (!isObject(raw)) {
      if (!path.length) throw new Unsupported("a value at the top");
      return [raw === null ? rule(path, "$null", true) : rule(path, "$eq", raw)];
    }
    var nodes = [];
    Object.keys(raw).forEach(function (key) {
      var value = raw[key];
      if (key === "$and" || key === "$or") {
        if (!Array.isArray(value)) throw new Unsupported(key + " without a list");
        var items = value.map(function (item) { return allOf(parseAt(item, path, uid)); });
        nodes.push(group(key === "$and" ? "all" : "any", items));
      } else if (key === "$not") {
        nodes.push(negate(allOf(parseAt(value, path, uid))));
      } else if (OP_LABEL[key]) {
        if (!path.length) throw new Unsupported("an operator at the top");
        nodes.push(rule(path, key, value));
      } else if (key.charAt(0) === "$") {
        throw new Unsupported("the key " + key);
      } else {
        var field = findField(uid, key);
        nodes = nodes.concat(parseAt(value, path.concat([key]), field ? field.target : null));
      }
    });
    if (!nodes.length) throw new Unsupported("an empty object");
    return nodes;
  }

  /** The editor's root group for a condition's JSON text ("" is no condition); throws Unsupported or SyntaxError. */
  function fromText(text, uid) {
    if (!text.trim()) return group("all", []);
    var raw = JSON.parse(text);
    if (raw === null) return group("all", []);
    var nodes = parseAt(raw, [], uid);
    var node = allOf(nodes);
    return node.kind === "group" ? node : group("all", [node]);
  }

  function nodeJSON(node) {
    if (node.kind === "rule") {
      var leaf = {};
      leaf[node.op] = node.value;
      for (var i = node.path.length - 1; i >= 0; i--) {
        var wrap = {};
        wrap[node.path[i]] = leaf;
        leaf = wrap;
      }
      return leaf;
    }
    var items = node.items.map(nodeJSON);
    if (node.mode === "any") return { $or: items };
    if (node.mode === "none") return { $not: { $or: items } };
    if (node.mode === "notall") return { $not: items.length === 1 ? items[0] : { $and: items } };
    return { $and: items };
  }

  /** The condition's JSON value for the root group: null for no condition, a lone rule unwrapped. */
  function toJSON(root) {
    if (!root.items.length) return null;
    if (root.mode === "all" && root.items.length === 1) return nodeJSON(root.items[0]);
    return nodeJSON(root);
  }

  function toText(root) {
    var value = toJSON(root);
    return value === null ? "" : JSON.stringify(value, null, 2);
  }

  // -- values: literal text ⇄ JSON, by the field's kind ----------------------------------------

  function literal(text, kind) {
    var trimmed = text.trim();
    if (isVariable(trimmed)) return trimmed;
    if ((kind === "integer" || kind === "number" || kind === "decimal") && trimmed !== "" && !isNaN(Number(trimmed))) {
      return Number(trimmed);
    }
    if (kind === "boolean" && (trimmed === "true" || trimmed === "false")) return trimmed === "true";
    return text;
  }

  function literalText(value) {
    if (Array.isArray(value)) return value.map(literalText).join(", ");
    return typeof value === "string" ? value : JSON.stringify(value);
  }

  // -- problems the page can see before the server does ----------------------------------------

  function ruleProblem(uid, node) {
    var found = resolvePath(uid, node.path);
    if (found.problem) return found.problem;
    if (found.field && found.field.operators.indexOf(node.op) < 0) {
      return "The operator " + node.op + " does not apply to " + node.path.join(".") + " (" + found.field.type + ")";
    }
    var values = Array.isArray(node.value) ? node.value : [node.value];
    for (var i = 0; i < values.length; i++) {
      if (isVariable(values[i]) && !KNOWN[values[i]]) {
        return "Unknown variable " + values[i] + ": a condition may use " + VARIABLES.map(function (v) { return v.name; }).join(", ");
      }
    }
    if (node.op === "$between" && !(Array.isArray(node.value) && node.value.length === 2)) return "between needs two values";
    if (!NULL_OPS[node.op] && (node.value === "" || (Array.isArray(node.value) && !node.value.length))) return "Enter a value";
    return "";
  }

  // -- the readable summary of a cell -----------------------------------------------------------

  function valueView(value) {
    if (Array.isArray(value)) {
      var list = el("span", { class: "cond-list" });
      value.forEach(function (item, i) { if (i) list.append(", "); list.append(valueView(item)); });
      return list;
    }
    if (isVariable(value)) return el("span", { class: "cond-var" + (KNOWN[value] ? "" : " is-unknown"), text: value });
    return el("span", { class: "cond-lit", text: JSON.stringify(value) });
  }

  function ruleView(node) {
    var out = el("span", { class: "cond-rule-text" }, el("span", { class: "cond-field", text: node.path.join(".") }), " ");
    if (NULL_OPS[node.op]) {
      var empty = (node.op === "$null") === (node.value === true || node.value === "true");
      out.append(el("span", { class: "cond-op", text: empty ? "is empty" : "is not empty" }));
      return out;
    }
    out.append(el("span", { class: "cond-op", text: OP_LABEL[node.op] || node.op }), " ", valueView(node.value));
    return out;
  }

  function nodeView(node) {
    if (node.kind === "rule") return ruleView(node);
    var joiner = node.mode === "any" || node.mode === "none" ? "or" : "and";
    var out = el("span", { class: "cond-group-text" });
    if (node.mode === "none" || node.mode === "notall") out.append(el("span", { class: "cond-join", text: "not " }));
    out.append("(");
    node.items.forEach(function (item, i) {
      if (i) out.append(" ", el("span", { class: "cond-join", text: joiner }), " ");
      out.append(nodeView(item));
    });
    out.append(")");
    return out;
  }

  function summaryView(root) {
    if (root.items.length === 1 && root.mode === "all") return el("div", {}, nodeView(root.items[0]));
    var head = { all: "all of:", any: "any of:", none: "none of:", notall: "not all of:" }[root.mode];
    var list = el("ul", { class: "cond-summary-list" });
    root.items.forEach(function (item) { list.append(el("li", {}, nodeView(item))); });
    return el("div", {}, el("div", { class: "cond-summary-head", text: head }), list);
  }

  // -- the editor: groups and rows -------------------------------------------------------------

  function Editor(uid, onChange) {
    this.uid = uid;
    this.onChange = onChange;
    this.root = group("all", []);
    this.node = el("div", { class: "cond-editor", "data-testid": "condition-editor" });
  }

  Editor.prototype.load = function (root) {
    this.root = root;
    this.render();
  };

  /** The model changed: draw it again (keeping the keyboard where it was) and pass it on. */
  Editor.prototype.changed = function () {
    var controls = "select, input, button";
    var index = Array.prototype.indexOf.call(this.node.querySelectorAll(controls), document.activeElement);
    this.render();
    var again = index >= 0 ? this.node.querySelectorAll(controls)[index] : null;
    if (again) again.focus();
    this.onChange(this.root);
  };

  Editor.prototype.render = function () {
    this.node.replaceChildren(this.groupView(this.root, null, 0));
  };

  Editor.prototype.groupView = function (node, parent, level) {
    var self = this;
    var mode = el("select", { class: "form-select form-select-sm cond-mode", "data-testid": "group-mode", "aria-label": "Match",
      onchange: function () { node.mode = mode.value; self.changed(); } });
    MODES.forEach(function (pair) { mode.append(el("option", { value: pair[0], text: pair[1] })); });
    mode.value = node.mode;
    var head = el("div", { class: "cond-group-head" }, el("span", { text: level ? "Group: match" : "Entries match" }), mode,
      el("span", { text: "the conditions below" }));
    if (parent) {
      head.append(el("button", { type: "button", class: "btn btn-sm btn-ghost-danger ms-auto", "data-testid": "remove-group",
        title: "Remove this group", onclick: function () { parent.items.splice(parent.items.indexOf(node), 1); self.changed(); } },
        el("i", { class: "fa-solid fa-xmark" })));
    }
    var items = el("div", { class: "cond-items" });
    if (!node.items.length) {
      items.append(el("div", { class: "cond-empty text-secondary small",
        text: level ? "An empty group: add a condition." : "No condition: the grant applies to every entry." }));
    }
    node.items.forEach(function (item) {
      items.append(item.kind === "group" ? self.groupView(item, node, level + 1) : self.ruleView(item, node));
    });
    var add = el("div", { class: "cond-group-actions" },
      el("button", { type: "button", class: "btn btn-sm", "data-testid": "add-rule",
        onclick: function () { node.items.push(self.newRule()); self.changed(); } },
        el("i", { class: "fa-solid fa-plus me-1" }), "Condition"),
      el("button", { type: "button", class: "btn btn-sm", "data-testid": "add-group",
        onclick: function () { node.items.push(group("any", [self.newRule()])); self.changed(); } },
        el("i", { class: "fa-solid fa-layer-group me-1" }), "Group"));
    return el("div", { class: "cond-group" + (level ? " is-nested" : ""), "data-mode": node.mode, "data-testid": "condition-group" },
      head, items, add);
  };

  Editor.prototype.newRule = function () {
    var first = (fieldsOf(this.uid) || [])[0];
    return rule([first ? first.name : "id"], "$eq", "");
  };

  Editor.prototype.ruleView = function (node, parent) {
    var self = this;
    var row = el("div", { class: "cond-rule", "data-testid": "condition-rule" });
    var path = el("span", { class: "cond-path" });
    // one select per segment; a relation within the depth opens one more, for the related entry's field
    var uid = this.uid;
    for (var i = 0; i < node.path.length; i++) {
      path.append(this.segmentSelect(node, i, uid));
      var field = findField(uid, node.path[i]);
      uid = field ? field.target : null;
    }
    if (uid && fieldsOf(uid) && node.path.length <= DEPTH) path.append(this.segmentSelect(node, node.path.length, uid));
    var found = resolvePath(this.uid, node.path);
    // an unknown field's operators are unknown: offer them all (the server decides)
    var allowed = found.field ? found.field.operators : OPERATORS.map(function (pair) { return pair[0]; });
    var op = el("select", { class: "form-select form-select-sm cond-op-select", "data-testid": "rule-operator", "aria-label": "Operator",
      onchange: function () { self.setOperator(node, op.value); } });
    OPERATORS.forEach(function (pair) {
      if (allowed.indexOf(pair[0]) >= 0 || pair[0] === node.op) op.append(el("option", { value: pair[0], title: pair[0], text: pair[1] }));
    });
    op.value = node.op;
    var problem = ruleProblem(this.uid, node);
    row.append(path, op, this.valueEditor(node, found.field),
      el("button", { type: "button", class: "btn btn-sm btn-ghost-danger", "data-testid": "remove-rule", title: "Remove this condition",
        onclick: function () { parent.items.splice(parent.items.indexOf(node), 1); self.changed(); } },
        el("i", { class: "fa-solid fa-xmark" })));
    if (problem) {
      row.classList.add("is-invalid");
      row.append(el("div", { class: "cond-rule-error", "data-testid": "rule-error", text: problem }));
    }
    return row;
  };

  /** The select of path segment `index` (fields of `uid`); "" after a relation compares the entry itself. */
  Editor.prototype.segmentSelect = function (node, index, uid) {
    var self = this;
    var fields = fieldsOf(uid) || [];
    var current = index < node.path.length ? node.path[index] : "";
    var select = el("select", { class: "form-select form-select-sm cond-field-select", "data-testid": "rule-field",
      "aria-label": index ? "Field of the related entry" : "Field", onchange: function () { self.setSegment(node, index, select.value); } });
    if (index) select.append(el("option", { value: "", text: "(itself)" }));
    var known = false;
    fields.forEach(function (field) {
      var target = field.target && SCHEMA.types[field.target] ? " → " + SCHEMA.types[field.target].label : field.target ? " → …" : "";
      select.append(el("option", { value: field.name, text: field.name + target, title: field.type }));
      if (field.name === current) known = true;
    });
    if (current && !known) select.append(el("option", { value: current, text: current + " (unknown)" }));
    select.value = current;
    return select;
  };

  Editor.prototype.setSegment = function (node, index, name) {
    node.path = node.path.slice(0, index);
    if (name) {
      node.path.push(name);
      var found = resolvePath(this.uid, node.path);
      if (found.field && found.field.target && node.path.length <= DEPTH && findField(found.field.target, "id")) node.path.push("id");
    }
    var field = resolvePath(this.uid, node.path).field;
    if (field && field.operators.indexOf(node.op) < 0) {  // "=" when the new field takes it, else its first
      var usable = OPERATORS.filter(function (pair) { return field.operators.indexOf(pair[0]) >= 0; });
      if (usable.length) this.setOperator(node, usable[0][0], true);
    }
    this.changed();
  };

  Editor.prototype.setOperator = function (node, op, quiet) {
    var wasList = !!LIST_OPS[node.op];
    var wasNull = !!NULL_OPS[node.op];
    node.op = op;
    if (NULL_OPS[op] && !wasNull) node.value = true;
    else if (!NULL_OPS[op] && wasNull) node.value = "";
    else if (LIST_OPS[op] && !wasList && !isVariable(node.value)) node.value = node.value === "" ? [] : [node.value];
    else if (!LIST_OPS[op] && wasList && Array.isArray(node.value)) node.value = node.value.length ? node.value[0] : "";
    if (!quiet) this.changed();
  };

  /** The value: true/false for is (not) empty; else a literal or a `$user.*` variable. */
  Editor.prototype.valueEditor = function (node, field) {
    var self = this;
    var kind = field ? field.kind : "string";
    var box = el("span", { class: "cond-value" });
    if (NULL_OPS[node.op]) {  // "is empty" says it all; a rare `false` is shown (and may be set back)
      if (node.value === true || node.value === "true") return box;
      var flag = el("select", { class: "form-select form-select-sm", "data-testid": "rule-flag", "aria-label": "Value",
        onchange: function () { node.value = flag.value === "true"; self.changed(); } },
        el("option", { value: "true", text: "true" }), el("option", { value: "false", text: "false" }));
      flag.value = String(node.value === true || node.value === "true");
      box.append(flag);
      return box;
    }
    var asVariable = isVariable(node.value);
    var source = el("select", { class: "form-select form-select-sm cond-source", "data-testid": "rule-source", "aria-label": "Value is",
      onchange: function () {
        node.value = source.value === "variable" ? (VARIABLES[0] ? VARIABLES[0].name : "$user.id") : LIST_OPS[node.op] ? [] : "";
        self.changed();
      } },
      el("option", { value: "literal", text: "value" }), el("option", { value: "variable", text: "the caller's" }));
    source.value = asVariable ? "variable" : "literal";
    box.append(source);
    if (asVariable) {
      var variable = el("select", { class: "form-select form-select-sm cond-variable", "data-testid": "rule-variable", "aria-label": "Variable",
        onchange: function () { node.value = variable.value; self.changed(); } });
      VARIABLES.forEach(function (v) { variable.append(el("option", { value: v.name, text: v.name, title: v.description })); });
      if (!KNOWN[node.value]) variable.append(el("option", { value: node.value, text: node.value + " (unknown)" }));
      variable.value = node.value;
      box.append(variable);
    } else if (kind === "boolean" && !LIST_OPS[node.op]) {
      var bool = el("select", { class: "form-select form-select-sm", "data-testid": "rule-value", "aria-label": "Value",
        onchange: function () { node.value = bool.value === "true"; self.changed(); } },
        el("option", { value: "true", text: "true" }), el("option", { value: "false", text: "false" }));
      if (typeof node.value !== "boolean") node.value = node.value === "false" ? false : true;
      bool.value = String(node.value);
      box.append(bool);
    } else {
      var list = !!LIST_OPS[node.op];
      var input = el("input", { class: "form-control form-control-sm cond-literal", "data-testid": "rule-value", "aria-label": "Value",
        placeholder: list ? "a, b, c" : kind === "integer" || kind === "number" ? "a number" : "a value",
        value: literalText(node.value),
        oninput: function () { read(); self.onChange(self.root); },
        onchange: function () { read(); self.changed(); } });
      var read = function () {
        node.value = list ? input.value.split(",").map(function (t) { return t.trim(); }).filter(Boolean)
          .map(function (t) { return literal(t, kind); }) : literal(input.value, kind);
      };
      box.append(input);
    }
    return box;
  };

  // -- the dialog -----------------------------------------------------------------------------

  function Dialog() {
    var self = this;
    this.title = el("span");
    this.serverError = el("div", { class: "alert alert-danger py-2", "data-testid": "dialog-server-error", hidden: true });
    this.unsupported = el("div", { class: "alert alert-warning py-2", "data-testid": "condition-unsupported", hidden: true });
    this.editor = new Editor(null, function (root) { self.fromEditor(root); });
    this.jsonToggle = el("input", { type: "checkbox", class: "form-check-input", "data-testid": "json-toggle",
      onchange: function () { self.json.hidden = !self.jsonToggle.checked; } });
    this.text = el("textarea", { class: "form-control cond-json-text", rows: "10", spellcheck: "false", "data-testid": "condition-json",
      "aria-label": "The condition as JSON", oninput: function () { self.fromJSON(); } });
    this.jsonError = el("div", { class: "invalid-feedback d-block", "data-testid": "condition-json-error" });
    this.json = el("div", { class: "cond-json-view", hidden: true }, this.text, this.jsonError);
    var cancel = el("button", { type: "button", class: "btn", text: "Cancel", onclick: function () { self.node.close(); } });
    var clear = el("button", { type: "button", class: "btn btn-ghost-danger me-auto", "data-testid": "clear-condition",
      onclick: function () { self.editor.load(group("all", [])); self.fromEditor(self.editor.root); } },
      el("i", { class: "fa-solid fa-eraser me-1" }), "No condition");
    var form = el("form", { method: "dialog", class: "cond-dialog-form", onsubmit: function (event) { event.preventDefault(); self.apply(); } },
      el("div", { class: "cond-dialog-header" },
        el("h3", { class: "m-0" }, "Condition · ", this.title),
        el("div", { class: "text-secondary small", text: "The grant applies only to entries matching it; with no condition, to every entry." })),
      el("div", { class: "cond-dialog-body" }, this.serverError, this.unsupported, this.editor.node,
        el("label", { class: "form-check form-switch mt-3 mb-2" }, this.jsonToggle,
          el("span", { class: "form-check-label", text: "Advanced: the condition as JSON (REST filter language)" })),
        this.json),
      el("div", { class: "cond-dialog-footer" }, clear, cancel,
        el("button", { type: "submit", class: "btn btn-primary", "data-testid": "apply-condition", text: "Apply" })));
    this.node = el("dialog", { class: "cond-dialog", "data-testid": "condition-dialog", "aria-label": "Condition" }, form);
    document.body.append(this.node);
  }

  Dialog.prototype.open = function (cell) {
    this.cell = cell;
    this.editor.uid = cell.uid;
    this.title.textContent = cell.label;
    var error = cell.node.querySelector('[data-testid="condition-error"]');
    this.serverError.textContent = error ? "Not saved: " + error.textContent : "";
    this.serverError.hidden = !error;
    this.text.value = cell.textarea.value;
    this.jsonToggle.checked = false;
    this.json.hidden = true;
    this.fromJSON();
    if (!this.unsupported.hidden || this.jsonError.textContent) { this.jsonToggle.checked = true; this.json.hidden = false; }
    this.node.showModal();
  };

  /** The JSON view changed: show it as rows when it can be, else say why and keep the text. */
  Dialog.prototype.fromJSON = function () {
    this.jsonError.textContent = "";
    this.unsupported.hidden = true;
    try {
      this.editor.load(fromText(this.text.value, this.editor.uid));
      this.editor.node.hidden = false;
    } catch (problem) {
      this.editor.node.hidden = true;
      if (problem instanceof Unsupported) {
        this.unsupported.textContent = "The editor cannot show " + problem.message + " as rows: edit this condition as JSON.";
        this.unsupported.hidden = false;
      } else {
        this.jsonError.textContent = "Not valid JSON: " + problem.message;
      }
    }
  };

  Dialog.prototype.fromEditor = function (root) {
    this.text.value = toText(root);
    this.jsonError.textContent = "";
  };

  Dialog.prototype.apply = function () {
    this.cell.set(this.text.value);
    this.node.close();
  };

  // -- the cells --------------------------------------------------------------------------------

  function Cell(node, dialog) {
    var self = this;
    this.node = node;
    this.uid = node.dataset.uid;
    this.label = node.dataset.label;
    this.textarea = node.querySelector("textarea");
    this.summary = node.querySelector(".cond-summary");
    this.button = node.querySelector(".cond-edit");
    this.checkbox = node.parentElement.querySelector('input[type="checkbox"][data-action="' + CSS.escape(node.dataset.cond) + '"]');
    this.button.hidden = false;
    this.button.addEventListener("click", function () { dialog.open(self); });
    this.textarea.addEventListener("input", function () { self.show(); });
    if (this.checkbox) this.checkbox.addEventListener("change", function () { self.show(); });
    this.show();
  }

  /** Take the editor's JSON; a condition on an unticked grant ticks it (it would be dropped on save). */
  Cell.prototype.set = function (text) {
    this.textarea.value = text;
    if (text.trim() && this.checkbox && !this.checkbox.checked) this.checkbox.checked = true;
    this.show();
  };

  Cell.prototype.show = function () {
    var text = this.textarea.value;
    // an unticked grant without a condition shows no condition controls: tick it to add one
    var idle = this.checkbox && !this.checkbox.checked && !text.trim() && !this.node.classList.contains("is-invalid");
    this.node.classList.toggle("is-off", !!idle);
    this.button.querySelector("span").textContent = text.trim() ? "Edit condition" : "Add condition";
    this.summary.hidden = !text.trim();
    this.summary.classList.remove("is-invalid");
    if (!text.trim()) { this.summary.replaceChildren(); return; }
    try {
      var root = fromText(text, this.uid);
      this.summary.replaceChildren(summaryView(root));
      if (this.summary.querySelector(".cond-var.is-unknown")) this.summary.classList.add("is-invalid");
    } catch (problem) {
      this.summary.classList.add("is-invalid");
      this.summary.replaceChildren(el("span", {
        text: problem instanceof Unsupported ? "A condition in JSON (see below)" : "Not valid JSON" }));
    }
  };

  var dialog = new Dialog();
  document.querySelectorAll(".cond[data-cond]").forEach(function (node) { new Cell(node, dialog); });
})();
