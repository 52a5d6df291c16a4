"""realtime: Socket.IO chat for registered users, presence, history, recovery and live content events.

Enable with ``[realtime]`` in config/plugins.toml; settings in
:mod:`plugins.realtime.config`; the protocol is in README.md beside this file.
"""

from plugins.realtime.plugin import Realtime

plugin = Realtime()

__all__ = ["Realtime", "plugin"]
