"""Safe YAML built straight from the parser's events, without PyYAML's node graph.

PyYAML's loaders compose a whole document into nodes before they build one Python object. For the
registry of 50,000 sources that graph costs 7.5 s of CPU and ~290 MB, and what it leaves behind keeps
~350 MB of the process's memory for good (the freed nodes were interleaved with the objects that
stay). Here the objects are built as the events arrive, with the SafeLoader's own resolver and scalar
constructors, so the result is the same objects (bench/RESULTS.md has the figures).

Documents using what a registry never needs (anchors and aliases, merge keys, mappings or sequences
as keys, tagged collections, several documents in one stream) are read by the caller's loader
instead, which builds or refuses them as before.
"""

from __future__ import annotations

from collections.abc import Hashable

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PLAIN_COLLECTION_TAGS = {None, "!", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}
_KEY_TAGS_FOR_THE_LOADER = {"tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"}


_NO_KEY = object()  # a mapping's frame awaiting its next key


class _ForTheLoader(Exception):
    """The document uses a construct only the full loader handles."""


def load(text: str, loader: type, *, unique_keys: bool) -> object:
    """The single YAML document in ``text`` as ``yaml.load(text, Loader=loader)`` would build it with a
    safe ``loader``; ``unique_keys``: a key given twice in one mapping raises ``ConstructorError``
    naming it and its position. Parse errors are PyYAML's own (``yaml.YAMLError`` with its mark)."""
    try:
        return _from_events(text, unique_keys)
    except _ForTheLoader:
        return yaml.load(text, Loader=loader)


def _from_events(text: str, unique_keys: bool) -> object:
    parser = _Loader(text)
    try:
        parser.get_event()  # stream start
        if parser.check_event(yaml.StreamEndEvent):
            return None  # an empty file, or comments only
        parser.get_event()  # document start
        value = _document_root(parser, unique_keys)
        parser.get_event()  # document end
        if not parser.check_event(yaml.StreamEndEvent):
            raise _ForTheLoader  # several documents: the loader refuses them with its own message
        return value
    finally:
        parser.dispose()


def _document_root(parser, unique_keys: bool) -> object:
    # Each open collection is a frame: [container, its key awaiting a value (mappings), that key's seen-set].
    frames: list[list] = []
    while True:
        event = parser.get_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _ForTheLoader
        if isinstance(event, yaml.ScalarEvent):
            value, is_plain_key = _scalar(parser, event), True
        elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            if event.tag not in _PLAIN_COLLECTION_TAGS:
                raise _ForTheLoader
            if frames and isinstance(frames[-1][0], dict) and frames[-1][1] is _NO_KEY:
                raise _ForTheLoader  # a mapping or a sequence as a key
            frames.append([{}, _NO_KEY, event] if isinstance(event, yaml.MappingStartEvent) else [[], None, event])
            continue
        else:  # the end of the innermost collection
            value, is_plain_key = frames.pop()[0], False
        if not frames:
            return value
        frame = frames[-1]
        container = frame[0]
        if isinstance(container, list):
            container.append(value)
        elif frame[1] is _NO_KEY:
            if not is_plain_key or not isinstance(value, Hashable):
                raise _ForTheLoader
            if unique_keys and value in container:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {value!r} appears twice in one mapping", event.start_mark
                )
            frame[1] = value
        else:
            container[frame[1]] = value
            frame[1] = _NO_KEY


def _scalar(parser, event: yaml.ScalarEvent) -> object:
    tag = event.tag
    if tag is None and not event.implicit[0]:
        return event.value  # quoted or block text without a tag: a string, as the resolver would say
    if tag is None or tag == "!":
        tag = parser.resolve(yaml.ScalarNode, event.value, event.implicit)
    construct = parser.yaml_constructors.get(tag)
    if construct is None or tag in _KEY_TAGS_FOR_THE_LOADER:
        raise _ForTheLoader  # an unknown tag (the loader refuses it), a merge key
    return construct(parser, yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style))
