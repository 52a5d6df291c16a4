"""The upload plugin: Strapi's media library API (files, formats, providers); see README.md."""

from plugins.upload.plugin import Upload

plugin = Upload()
