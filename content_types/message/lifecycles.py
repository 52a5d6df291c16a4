"""Rules of the message type that every writer meets: REST, the admin, the chat, plugins.

A message is text, files (``attachments``, the upload plugin's), or both; neither is
refused like a missing required attribute.
"""

from cms.errors import ValidationError
from cms.validation import RelationWrite


def beforeCreate(event):
    data = event.params["data"]
    files = data.get("attachments")
    if data.get("text") is None and not (isinstance(files, RelationWrite) and files.connect):
        raise ValidationError("text must be defined.", {"errors": [
            {"path": ["text"], "message": "text must be defined (or attachments given).", "name": "ValidationError"}]})
