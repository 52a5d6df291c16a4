/* Markdown (richtext) fields: the textarea of templates/fields/form/markdown.html becomes EasyMDE.
 *
 * Everything comes from this server: EasyMDE is vendored (static/vendor/easymde), its Font
 * Awesome download is off (the admin's own Font Awesome draws the toolbar), and so is its spell
 * checker, which would fetch dictionaries from a CDN. The preview's HTML goes through DOMPurify
 * (static/vendor/dompurify): the Markdown may come from anyone who can write the entry (REST).
 * The textarea stays the form's input (forceSync), so the form posts the Markdown text; each
 * change is announced as an "input" event on it, which clears a stale error (admin.js).
 */
(function () {
  "use strict";

  function button(name, action, icon, title, extra) {
    var item = { name: name, action: action, className: "fa-solid " + icon, title: title };
    for (var key in extra || {}) item[key] = extra[key];
    return item;
  }

  function toolbar() {
    var E = window.EasyMDE;
    return [
      button("bold", E.toggleBold, "fa-bold", "Bold"),
      button("italic", E.toggleItalic, "fa-italic", "Italic"),
      button("strikethrough", E.toggleStrikethrough, "fa-strikethrough", "Strikethrough"),
      button("heading", E.toggleHeadingSmaller, "fa-heading", "Heading"),
      "|",
      button("quote", E.toggleBlockquote, "fa-quote-left", "Quote"),
      button("code", E.toggleCodeBlock, "fa-code", "Code"),
      button("unordered-list", E.toggleUnorderedList, "fa-list-ul", "Bulleted list"),
      button("ordered-list", E.toggleOrderedList, "fa-list-ol", "Numbered list"),
      button("link", E.drawLink, "fa-link", "Link"),
      // not "table": EasyMDE makes the name the button's class, and Bootstrap's .table is a full-width table
      button("insert-table", E.drawTable, "fa-table", "Table"),
      button("horizontal-rule", E.drawHorizontalRule, "fa-minus", "Horizontal line"),
      "|",
      button("preview", E.togglePreview, "fa-eye", "Preview", { noDisable: true }),
      button("side-by-side", E.toggleSideBySide, "fa-table-columns", "Side by side",
             { noDisable: true, noMobile: true }),
      "|",
      button("undo", E.undo, "fa-rotate-left", "Undo", { noDisable: true }),
      button("redo", E.redo, "fa-rotate-right", "Redo", { noDisable: true }),
    ];
  }

  /** The preview's HTML without scripts, handlers or frames; nothing at all without DOMPurify. */
  function sanitize(html) {
    return window.DOMPurify ? window.DOMPurify.sanitize(html) : "";
  }

  function enhance(textarea) {
    if (textarea.dataset.cmsReady || textarea.readOnly || textarea.disabled) return;
    textarea.dataset.cmsReady = "1";
    var editor = new window.EasyMDE({
      element: textarea,
      autoDownloadFontAwesome: false,
      spellChecker: false,
      nativeSpellcheck: true,
      forceSync: true,
      autofocus: false,
      minHeight: "14rem",
      sideBySideFullscreen: false,
      status: ["lines", "words"],
      toolbar: toolbar(),
      promptURLs: false,
      uploadImage: false,
      previewClass: ["editor-preview", "cms-markdown-preview"],
      renderingConfig: { sanitizerFunction: sanitize, codeSyntaxHighlighting: false },
    });
    editor.codemirror.on("change", function () {
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    });
    textarea.cmsEditor = editor;  // for scripts and tests: the EasyMDE instance
  }

  function ready() {
    if (!window.EasyMDE) return;  // the plain textarea still works
    document.querySelectorAll("textarea[data-cms-markdown]").forEach(enhance);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
