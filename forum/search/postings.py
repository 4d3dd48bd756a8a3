"""Reading a posting block's ids and weights without its positions.

Whoosh 3 stores each block of up to 128 postings as one pickle of ``(ids, weights, values)``.
In the ``text`` field (positions kept, for phrases) the values are 128 small byte strings,
each pickled as a call to ``_codecs.encode``: unpickling them was three quarters of reading a
block (about 75 of 95 µs), and most readers need no positions (counting needs the ids, scoring
the ids and weights). Here the ids and weights are cut out of the pickle (a regular expression
over its opcodes, in C) and unpickled alone; the values are unpickled, with the whole block, only
when something asks for them (a phrase). A block that does not look as expected is read the
usual way.
"""

import pickle
import re
import zlib
from array import array

from whoosh.codec import whoosh3

# Protocol 2: a tuple of ints (1, 2 or 4-byte) or of floats, 1-3 items (TUPLE1-3) or more
# (MARK ... TUPLE), each object perhaps memoised (BINPUT, LONG_BINPUT).
_MEMO = rb"(?:q.|r....)?"
_INTS = rb"(?:\((?:K.|M..|J....)*t|(?:K.|M..|J....){1,3}[\x85\x86\x87]|\))"
# The weights: None (all 1.0), a tuple of floats, or one float for all (tried last: the tuple
# of one to three floats starts the same way).
_FLOATS = rb"(?:N|\((?:G.{8})*t|(?:G.{8}){1,3}[\x85\x86\x87]|\)|G.{8})"
# The block is a tuple of three (TUPLE3, no MARK): the ids come first, then the weights.
_IDS_AND_WEIGHTS = re.compile(rb"\x80\x02(" + _INTS + _MEMO + _FLOATS + rb")", re.DOTALL)
# Enough decompressed bytes for 128 ids and weights (5 and 9 bytes each at most) and the opcodes.
_PREFIX_BYTES = 128 * 14 + 64


def ids_and_weights(raw: bytes, compressed: bool):
    """(ids, weights) of a block's data as stored (ids delta-encoded, weights minified), or
    None when the block is not laid out as expected."""
    data = zlib.decompressobj().decompress(raw, _PREFIX_BYTES) if compressed else raw[:_PREFIX_BYTES]
    match = _IDS_AND_WEIGHTS.match(data)
    if match is None:
        return None
    # A MARK, the two objects, a TUPLE: the pair alone, unpickled in C.
    return pickle.loads(b"\x80\x02(" + match.group(1) + b"t.")


def _read_ids(self):
    if self._data is None and _variable_values(self) and _read_ids_and_weights(self):
        return
    _whoosh_read_ids(self)


def _read_weights(self):
    if self._data is None and _variable_values(self) and _read_ids_and_weights(self):
        return
    _whoosh_read_weights(self)


def _variable_values(matcher) -> bool:
    """Whether the block's values are a tuple of byte strings (positions), the costly kind to
    unpickle; fixed-size values are one byte string, cheaper to unpickle than to cut out."""
    return not matcher._byteids and (matcher._fixedsize is None or matcher._fixedsize < 0)


def _read_ids_and_weights(matcher) -> bool:
    """Set the matcher's block ids and weights as Whoosh's ``_read_ids`` and ``_read_weights``
    would; False when the block must be read the usual way."""
    raw = matcher._postfile.get(matcher._dataoffset, matcher._nextoffset - matcher._dataoffset)
    try:
        found = ids_and_weights(raw, bool(matcher._compression))
    except Exception:  # a truncated or unexpected pickle: Whoosh's own reading decides
        return False
    if found is None:
        return False
    ids, weights = found
    if len(ids) != matcher._blocklength:
        return False
    matcher._ids = tuple(whoosh3.delta_decode(ids))
    count = matcher._blocklength
    if weights is None:
        matcher._weights = array("f", (1.0 for _ in range(count)))
    elif isinstance(weights, float):
        matcher._weights = array("f", (weights for _ in range(count)))
    else:
        matcher._weights = weights
    return True


_whoosh_read_ids = whoosh3.W3LeafMatcher._read_ids
_whoosh_read_weights = whoosh3.W3LeafMatcher._read_weights


def install() -> None:
    """Make Whoosh's block reader read ids and weights this way (idempotent)."""
    whoosh3.W3LeafMatcher._read_ids = _read_ids
    whoosh3.W3LeafMatcher._read_weights = _read_weights
