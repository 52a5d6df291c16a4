"""The i18n plugin: locales as managed data (Strapi v5's ``plugin::i18n.locale``); see README.md."""

from plugins.i18n.plugin import I18n

plugin = I18n()
