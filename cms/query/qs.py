"""Query-string parsing with the semantics of the JavaScript ``qs`` library.

Strapi does not read ``?filters[$or][0][room][$eq]=a&sort[0]=id:desc`` with a
flat ``key=value`` parser: its ``strapi::query`` middleware runs
``qs.parse(querystring, {strictNullHandling: true, arrayLimit: 100, depth: 20})``
(qs 6.11.1 is pinned by ``@strapi/core``), and every later step (filters, sort,
populate, pagination, fields) sees the nested objects and arrays that produces.
Strapi frontends and the official JS client build their URLs with
``qs.stringify``, so to answer them unchanged we must rebuild exactly the same
structure, quirks included. :func:`parse_qs` is a port of ``qs.parse`` with
those options (dots are not parsed, ``;`` is not a separator, no ``?`` prefix);
:func:`encode_qs` is the bracket-syntax inverse used to build URLs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote, unquote

__all__ = ["encode_qs", "parse_qs"]

# One ``[segment]`` with no bracket inside: qs's /(\[[^[\]]*])/ (linear, no backtracking).
_BRACKETS = re.compile(r"\[[^\[\]]*\]")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# Own properties of JavaScript's Object.prototype: qs drops any parameter whose
# parent key or bracket segment is one of these (allowPrototypes is false).
_PROTOTYPE_KEYS = frozenset({
    "__proto__", "__defineGetter__", "__defineSetter__", "__lookupGetter__",
    "__lookupSetter__", "constructor", "hasOwnProperty", "isPrototypeOf",
    "propertyIsEnumerable", "toLocaleString", "toString", "valueOf",
})  # fmt: skip


class _Arr:
    """A JavaScript array as qs builds it: may have holes until the final compaction."""

    __slots__ = ("items", "length")

    def __init__(self, *values: Any) -> None:
        self.items: dict[int, Any] = dict(enumerate(values))
        self.length = len(values)

    def set(self, index: int, value: Any) -> None:
        self.items[index] = value
        self.length = max(self.length, index + 1)

    def push(self, value: Any) -> None:
        self.set(self.length, value)

    def present(self) -> list[tuple[int, Any]]:
        return sorted(self.items.items())


def _decode(text: str) -> str:
    """``decodeURIComponent`` after ``+`` -> space; left as is if malformed (like qs)."""
    text = text.replace("+", " ")
    if "%" not in text or _BAD_PERCENT.search(text):
        return text
    try:
        return unquote(text, errors="strict")
    except UnicodeDecodeError:
        return text


def _as_index(text: str, limit: int) -> int | None:
    """``text`` as a canonical integer in ``0..limit`` ("7", not "07" or "-1"), else None."""
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(max(limit, 0))):
        return None
    index = int(text)
    return index if str(index) == text and index <= limit else None


def _parse_object(chain: list[str], leaf: Any, array_limit: int) -> Any:
    """qs ``parseObject``: build the value for one key chain, innermost segment first."""
    for root in reversed(chain):
        obj: Any
        if root == "[]":  # [].concat(leaf)
            obj = leaf if isinstance(leaf, _Arr) else _Arr(leaf)
        else:
            clean = root[1:-1] if root.startswith("[") and root.endswith("]") else root
            index = _as_index(clean, array_limit) if root != clean else None
            if index is not None:
                obj = _Arr()
                obj.set(index, leaf)
            else:
                obj = {} if clean == "__proto__" else {clean: leaf}
        leaf = obj
    return leaf


def _parse_key(key: str, value: Any, depth: int, array_limit: int) -> Any:
    """qs ``parseKeys``: split ``a[b][c]`` into a chain; None drops the parameter."""
    if not key:
        return None
    first = _BRACKETS.search(key) if depth > 0 else None
    parent = key[: first.start()] if first else key
    chain: list[str] = []
    if parent:
        if parent in _PROTOTYPE_KEYS:
            return None
        chain.append(parent)
    if depth > 0:
        for count, match in enumerate(_BRACKETS.finditer(key)):
            if count == depth:  # too deep: the rest of the key becomes one segment
                chain.append("[" + key[match.start() :] + "]")
                break
            if match.group()[1:-1] in _PROTOTYPE_KEYS:
                return None
            chain.append(match.group())
    return _parse_object(chain, value, array_limit)


def _merge(target: Any, source: Any) -> Any:
    """qs ``utils.merge``, except that an object meeting a plain value becomes a pair."""
    if source is None or source == "":
        return target
    if not isinstance(source, (dict, _Arr)):
        if isinstance(target, _Arr):
            target.push(source)
            return target
        # qs 6.11 would set target[source] = true on an object target; we keep values
        # strings and pair them like qs >= 6.14 does: {"b": "1"} + "2" -> [{"b": "1"}, "2"].
        return _Arr(target, source)
    if not isinstance(target, (dict, _Arr)):  # [target].concat(source)
        pair = _Arr(target)
        if isinstance(source, _Arr):
            for i, item in source.present():
                pair.set(i + 1, item)
            pair.length = max(pair.length, source.length + 1)
        else:
            pair.push(source)
        return pair
    if isinstance(target, _Arr) and isinstance(source, _Arr):
        for i, item in source.present():
            if i in target.items:
                current = target.items[i]
                if isinstance(current, (dict, _Arr)) and isinstance(item, (dict, _Arr)):
                    target.items[i] = _merge(current, item)
                else:
                    target.push(item)
            else:
                target.set(i, item)
        return target
    merged = {str(i): v for i, v in target.present()} if isinstance(target, _Arr) else target
    if isinstance(source, _Arr):
        source = {str(i): v for i, v in source.present()}
    for key, value in source.items():
        merged[key] = _merge(merged[key], value) if key in merged else value
    return merged


def _compact(value: Any) -> Any:
    """Turn every sparse :class:`_Arr` into a plain list, dropping the holes."""
    if isinstance(value, _Arr):
        return [_compact(v) for _, v in value.present()]
    if isinstance(value, dict):
        return {k: _compact(v) for k, v in value.items()}
    return value


def parse_qs(
    query_string: str,
    *,
    depth: int = 20,
    array_limit: int = 100,
    parameter_limit: int = 1000,
    strict_null_handling: bool = False,
) -> dict[str, Any]:
    """Parse ``query_string`` exactly as Strapi's ``qs.parse`` call would; never raises.

    Values are strings (``None`` for ``a`` without ``=`` when ``strict_null_handling``,
    the option Strapi itself turns on; ``""`` otherwise, the qs default). Edge cases,
    all as qs 6.11.1 unless noted:

    * ``a[]=1&a[]=2`` and ``a[0]=1&a[1]=2`` -> lists; ``a[1]=x&a[5]=y`` -> ``["x", "y"]``.
    * An index above ``array_limit`` (or ``01``, ``-1``) is a dict key: ``a[101]=x`` ->
      ``{"a": {"101": "x"}}``; ``a[0]=x&a[b]=y`` -> ``{"a": {"0": "x", "b": "y"}}``.
    * Repeated keys collect into a list: ``a=1&a=2`` -> ``["1", "2"]``, and so does a plain
      value meeting an object: ``a=1&a[b]=2`` -> ``["1", {"b": "2"}]`` (and, unlike qs 6.11,
      which stores ``{"b": "2", "1": true}``, ``a[b]=2&a=1`` -> ``[{"b": "2"}, "1"]``).
    * Beyond ``depth`` bracket segments the rest of the key is one literal key:
      ``a[b][c]`` at depth 1 -> ``{"a": {"b": {"[c]": ...}}}``.
    * Malformed keys: an unclosed ``[`` is part of the name (``a[b=1`` -> ``{"a[b": "1"}``),
      text outside brackets after the first one is ignored (``a[b]c`` -> ``{"a": {"b": ..}}``),
      ``[]=1`` -> ``{"0": "1"}``; empty keys and keys naming a JS ``Object.prototype``
      member (``toString``, ``constructor``, ``__proto__``, ...) are dropped.
    * Keys and values are percent-decoded after ``+`` -> space; a malformed escape
      (``%zz``, invalid UTF-8) leaves that whole key or value undecoded, as qs does.
    * Only the first ``parameter_limit`` ``&``-separated parts are read.

    Nesting is merged recursively, so keep ``depth`` in the tens (Strapi uses 20).
    """
    limit = max(parameter_limit, 0)
    grouped: dict[str, list[Any]] = {}
    for part in query_string.split("&", limit)[:limit]:
        bracket_equals = part.find("]=")
        pos = part.find("=") if bracket_equals == -1 else bracket_equals + 1
        if pos == -1:
            key, value = _decode(part), (None if strict_null_handling else "")
        else:
            key, value = _decode(part[:pos]), _decode(part[pos + 1 :])
        grouped.setdefault(key, []).append(value)
    # JavaScript enumerates integer-like keys first, ascending; the merge order follows.
    numeric = {k for k in grouped if k[:1].isdigit() and _as_index(k, 2**32 - 2) is not None}
    keys = sorted(numeric, key=int) + [k for k in grouped if k not in numeric]
    result: Any = {}
    for key in keys:
        values = grouped[key]
        leaf = values[0] if len(values) == 1 else _Arr(*values)
        result = _merge(result, _parse_key(key, leaf, depth, array_limit))
    return _compact(result)


def _pairs(prefix: str, value: Any) -> Iterator[str]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _pairs(f"{prefix}[{quote(str(key), safe='')}]", item)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _pairs(f"{prefix}[{index}]", item)
    elif value is None:
        yield f"{prefix}="
    else:
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        yield f"{prefix}={quote(text, safe='')}"


def encode_qs(obj: Mapping[str, Any]) -> str:
    """Encode ``obj`` in bracket syntax, like ``qs.stringify`` with indexed lists.

    ``{"a": {"b": ["x y"]}}`` -> ``a[b][0]=x%20y``: key segments and values are
    percent-encoded, brackets stay literal (both forms parse the same). Empty dicts
    and lists produce nothing (as in qs), ``None`` gives ``a=``, booleans
    ``true``/``false``. ``parse_qs(encode_qs(x)) == x`` for nested dicts, lists (indices
    up to ``array_limit``) and strings, unless a container is empty or a key is empty,
    contains a bracket, is all digits or names an ``Object.prototype`` member.
    """
    return "&".join(
        pair for key, value in obj.items() for pair in _pairs(quote(str(key), safe=""), value)
    )
