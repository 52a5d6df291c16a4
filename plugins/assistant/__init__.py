"""The assistant plugin: while a user is busy, an AI (or an away message) answers for them; see README.md."""

from plugins.assistant.plugin import Assistant

plugin = Assistant()
