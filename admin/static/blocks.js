/* Blocks fields (Strapi v5's blocks JSON): checked as they are typed and before the form is sent.
 *
 * The rules, and their words, are cms/blocks.py's (Strapi's blocks-validator.ts): a list of
 * paragraph, heading (level 1-6), quote, code, list (ordered/unordered, of list-items or lists)
 * and image blocks, whose children are text nodes (bold, italic, underline, strikethrough and
 * code flags) and links. A value that breaks them shows its message under the field and keeps
 * the form from being sent; the server refuses it anyway. A valid value gets a preview, built
 * with DOM nodes and text (never HTML from the value). window.cmsBlocks.check is the checker,
 * for tests that compare it with the server's.
 */
(function () {
  "use strict";

  var BLOCK_TYPES = ["paragraph", "heading", "quote", "code", "list", "image"];
  var TEXT_FLAGS = ["bold", "italic", "underline", "strikethrough", "code"];
  var BLOCKED_SCHEMES = ["javascript", "vbscript", "data"];
  var HOSTED = ["http", "https", "ftp", "ws", "wss"];
  var IMAGE_FIELDS = { name: "string", url: "string", width: "number", height: "number", hash: "string",
                       ext: "string", mime: "string", size: "number", provider: "string",
                       createdAt: "string", updatedAt: "string" };

  function BlocksError(message) { this.message = message; }

  function fail(message) { throw new BlocksError(message); }

  function isObject(value) { return value !== null && typeof value === "object" && !Array.isArray(value); }

  function nodeType(node, where) {
    if (!isObject(node)) fail(where + ': must be an object with a "type"');
    return typeof node.type === "string" ? node.type : "";
  }

  function children(node, where, minimum, what) {
    if (!Array.isArray(node.children)) fail(where + ': "children" must be a list');
    if (node.children.length < minimum) fail(where + ': "children" must have at least one ' + what);
    return node.children;
  }

  /** cms/blocks.py valid_link: a path, or an absolute URL whose scheme runs no script. */
  function validLink(link) {
    if (link.charAt(0) === "/") return true;
    var match = /^([A-Za-z][A-Za-z0-9+.-]*):([\s\S]*)$/.exec(link);
    if (!match) return false;
    var scheme = match[1].toLowerCase(), rest = match[2];
    if (BLOCKED_SCHEMES.indexOf(scheme) >= 0) return false;
    if (HOSTED.indexOf(scheme) >= 0) {
      var host = /^\/\/([^/?#]*)/.exec(rest);
      return Boolean(host && host[1]);
    }
    return rest.length > 0;
  }

  function checkText(node, where) {
    if (nodeType(node, where) !== "text") fail(where + ': must be a text node ({"type": "text", "text": "..."})');
    if (typeof node.text !== "string") fail(where + ': "text" must be a string (at least "")');
    TEXT_FLAGS.forEach(function (flag) {
      if (flag in node && typeof node[flag] !== "boolean") fail(where + ': "' + flag + '" must be true or false');
    });
  }

  function checkInline(node, where) {
    var kind = nodeType(node, where);
    if (kind === "text") return checkText(node, where);
    if (kind !== "link") fail(where + ': an inline node must be "text" or "link"');
    if (typeof node.url !== "string" || !validLink(node.url)) {
      fail(where + ' (link): "url" must be a valid link (http, https, mailto, or a path)');
    }
    children(node, where + " (link)", 0, "").forEach(function (child, i) {
      checkText(child, where + " (link), child " + (i + 1));
    });
  }

  function checkImage(image, where) {
    if (!isObject(image)) fail(where + ': "image" must be the file object (name, url, width, height, ...)');
    Object.keys(IMAGE_FIELDS).forEach(function (name) {
      var kind = IMAGE_FIELDS[name], value = image[name];
      var ok = kind === "string" ? typeof value === "string" : typeof value === "number" && isFinite(value);
      if (!ok) fail(where + ': "image.' + name + '" must be a ' + kind);
    });
  }

  function checkList(node, where) {
    if (node.format !== "ordered" && node.format !== "unordered") {
      fail(where + ': "format" must be "ordered" or "unordered"');
    }
    children(node, where, 1, "list-item or list node").forEach(function (item, i) {
      var here = where + ", item " + (i + 1), kind = nodeType(item, here);
      if (kind === "list") checkList(item, here + " (list)");
      else if (kind === "list-item") {
        children(item, here, 0, "").forEach(function (child, j) { checkInline(child, here + ", child " + (j + 1)); });
      } else fail(here + ': the type must be "list-item" or "list"');
    });
  }

  function checkBlock(node, where) {
    var kind = nodeType(node, where);
    if (BLOCK_TYPES.indexOf(kind) < 0) fail(where + ": the type must be one of " + BLOCK_TYPES.join(", "));
    where += " (" + kind + ")";
    if (kind === "heading" && [1, 2, 3, 4, 5, 6].indexOf(node.level) < 0) {
      fail(where + ': "level" must be a number from 1 to 6');
    }
    if (kind === "code") {
      if (node.language !== undefined && node.language !== null && typeof node.language !== "string") {
        fail(where + ': "language" must be a string');
      }
      children(node, where, 1, "text node").forEach(function (child, i) {
        checkText(child, where + ", child " + (i + 1));
      });
      return;
    }
    if (kind === "list") return checkList(node, where);
    if (kind === "image") checkImage(node.image, where);
    children(node, where, kind === "image" ? 0 : 1, "text or link node").forEach(function (child, i) {
      checkInline(child, where + ", child " + (i + 1));
    });
  }

  /** The first problem of a blocks value (already parsed), or null when Strapi would take it. */
  function check(value) {
    try {
      if (value === null) return null;
      if (!Array.isArray(value)) fail('Blocks must be a list of block nodes, like [{"type": "paragraph", ...}]');
      value.forEach(function (block, i) { checkBlock(block, "Block " + (i + 1)); });
      return null;
    } catch (error) {
      if (error instanceof BlocksError) return error.message;
      throw error;
    }
  }

  /** The text of the field: {value} or {error}; empty text is null (no blocks). */
  function read(text) {
    if (!text.trim()) return { value: null };
    var value;
    try { value = JSON.parse(text); } catch (error) { return { error: "This is not valid JSON: " + error.message }; }
    var problem = check(value);
    return problem ? { error: problem } : { value: value };
  }

  // -- preview: DOM nodes and text only ------------------------------------------------------

  function el(tag, text) {
    var node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function inline(node) {
    if (node.type === "link") {
      var a = el("a");
      a.href = node.url;
      a.rel = "noopener noreferrer";
      a.target = "_blank";
      node.children.forEach(function (child) { a.appendChild(inline(child)); });
      return a;
    }
    var out = el("span", node.text);
    [["bold", "strong"], ["italic", "em"], ["underline", "u"], ["strikethrough", "s"], ["code", "code"]]
      .forEach(function (pair) {
        if (node[pair[0]]) { var wrap = el(pair[1]); wrap.appendChild(out); out = wrap; }
      });
    return out;
  }

  function list(node) {
    var out = el(node.format === "ordered" ? "ol" : "ul");
    node.children.forEach(function (item) {
      if (item.type === "list") { out.appendChild(list(item)); return; }
      var li = el("li");
      item.children.forEach(function (child) { li.appendChild(inline(child)); });
      out.appendChild(li);
    });
    return out;
  }

  function block(node) {
    var out;
    if (node.type === "list") return list(node);
    if (node.type === "code") {
      out = el("pre");
      out.appendChild(el("code", node.children.map(function (c) { return c.text; }).join("")));
      return out;
    }
    if (node.type === "image") {
      out = el("figure");
      var img = el("img");
      img.src = node.image.url;
      img.alt = node.image.alternativeText || node.image.name;
      out.appendChild(img);
      if (node.image.caption) out.appendChild(el("figcaption", node.image.caption));
      return out;
    }
    out = el(node.type === "heading" ? "h" + node.level : node.type === "quote" ? "blockquote" : "p");
    node.children.forEach(function (child) { out.appendChild(inline(child)); });
    return out;
  }

  // -- the field -------------------------------------------------------------------------------

  function setup(root) {
    var input = root.querySelector('[data-role="input"]');
    var error = root.querySelector('[data-role="error"]');
    var preview = root.querySelector('[data-role="preview"]');
    var status = root.querySelector('[data-role="status"]');
    var bar = root.querySelector('[data-role="bar"]');
    if (!input || input.readOnly) return;
    bar.hidden = false;

    function show(result) {
      error.hidden = !result.error;
      error.textContent = result.error || "";
      input.classList.toggle("is-invalid", Boolean(result.error) || Boolean(document.getElementById(input.id + "-error")));
      var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (t) {
        return t && t !== error.id;
      });
      if (result.error) { input.setAttribute("aria-invalid", "true"); described.unshift(error.id); }
      else if (!document.getElementById(input.id + "-error")) input.removeAttribute("aria-invalid");
      input.setAttribute("aria-describedby", described.join(" "));
      status.textContent = result.error ? "" : result.value === null ? "No blocks"
        : result.value.length + (result.value.length === 1 ? " block" : " blocks") + " · valid";
      preview.replaceChildren();
      preview.hidden = Boolean(result.error) || !result.value || !result.value.length;
      if (!preview.hidden) result.value.forEach(function (node) { preview.appendChild(block(node)); });
      return result;
    }

    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { show(read(input.value)); }, 150);
    });
    root.querySelector('[data-role="format"]').addEventListener("click", function () {
      var result = show(read(input.value));
      if (result.error === undefined && result.value !== null) {
        input.value = JSON.stringify(result.value, null, 2);
        input.dispatchEvent(new Event("input", { bubbles: true }));
      }
    });
    root.querySelector('[data-role="add-paragraph"]').addEventListener("click", function () {
      var result = read(input.value);
      if (result.error) { show(result); input.focus(); return; }
      var blocks = (result.value || []).concat([{ type: "paragraph", children: [{ type: "text", text: "" }] }]);
      input.value = JSON.stringify(blocks, null, 2);
      input.dispatchEvent(new Event("input", { bubbles: true }));
      input.focus();
    });
    root.cmsBlocksCheck = function () { clearTimeout(timer); return show(read(input.value)); };
    var initial = read(input.value);
    if (!initial.error) show(initial);  // a refused value keeps the server's message alone
  }

  /** Before the form is sent (capture, so that no other submit handler runs for a refused form). */
  document.addEventListener("submit", function (event) {
    var refused = null;
    event.target.querySelectorAll("[data-cms-blocks]").forEach(function (root) {
      if (root.cmsBlocksCheck && root.cmsBlocksCheck().error && !refused) refused = root;
    });
    if (!refused) return;
    event.preventDefault();
    event.stopPropagation();
    var input = refused.querySelector('[data-role="input"]');
    input.scrollIntoView({ block: "center" });
    input.focus();
  }, true);

  window.cmsBlocks = { check: check, read: read };

  function ready() { document.querySelectorAll("[data-cms-blocks]").forEach(setup); }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
