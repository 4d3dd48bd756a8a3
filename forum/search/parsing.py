"""Parsing the query builder's own query strings without Whoosh's general query parser.

Whoosh's ``QueryParser`` runs a dozen plugins (wildcards, ranges, fuzzy terms, ...) over every
query string: about 2 ms per parse at 100,000 questions, a tenth of a median search and more
when the "any word" fallback parses a second string. ``forum.search.query`` writes a small
subset of the syntax: ``field:("words")`` clauses with an optional ``^boost``, parentheses, and
``AND``, ``OR``, ``ANDMAYBE`` and ``AND NOT`` between them, one kind per level. This reads that
subset into the same query objects Whoosh's parser builds (a test compares them on the strings
of real titles); anything else (a filter written by haystack, a range, a hand-written query)
returns None and goes to Whoosh's parser.
"""

import re

from whoosh.query import And, AndMaybe, Not, Or, Phrase

_TOKEN = re.compile(
    r"\s*(?:(?P<open>\()|(?P<close>\))|(?P<op>AND NOT|ANDMAYBE|AND|OR)(?=[\s(])"
    r'|(?P<field>[a-z_]+):\("(?P<text>[^"]*)"\)(?:\^(?P<boost>[0-9]+(?:\.[0-9]+)?))?(?=[\s)]|$))'
)


class _Unknown(Exception):
    """The string uses syntax this reader leaves to Whoosh's parser."""


def parse(query_string: str, schema):
    """The normalised Whoosh query of ``query_string``, or None when it is not the query
    builder's syntax (then Whoosh's parser reads it)."""
    try:
        tokens = _tokens(query_string)
        query, rest = _sequence(tokens, 0, schema)
        if rest != len(tokens):
            return None
    except _Unknown:
        return None
    return query.normalize()


def _tokens(text: str) -> list[tuple[str, object]]:
    tokens, position = [], 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise _Unknown
        position = match.end()
        if match.group("open"):
            tokens.append(("open", None))
        elif match.group("close"):
            tokens.append(("close", None))
        elif match.group("op"):
            tokens.append(("op", match.group("op")))
        else:
            tokens.append(("clause", (match.group("field"), match.group("text"), match.group("boost"))))
    return tokens


def _sequence(tokens, start: int, schema):
    """Operands joined by one kind of operator, up to a closing parenthesis or the end."""
    operands, operators = [], set()
    operand, position = _operand(tokens, start, schema)
    operands.append(operand)
    while position < len(tokens) and tokens[position][0] == "op":
        operators.add(tokens[position][1])
        operand, position = _operand(tokens, position + 1, schema)
        operands.append(operand)
    if len(operators) > 1:
        raise _Unknown
    if not operators:
        return operands[0], position
    (operator,) = operators
    if operator == "AND":
        return And(operands), position
    if operator == "OR":
        return Or(operands), position
    if len(operands) != 2:
        raise _Unknown
    if operator == "ANDMAYBE":
        return AndMaybe(operands[0], operands[1]), position
    return And([operands[0], Not(operands[1])]), position  # AND NOT, as Whoosh reads it


def _operand(tokens, position: int, schema):
    if position >= len(tokens):
        raise _Unknown
    kind, value = tokens[position]
    if kind == "open":
        query, position = _sequence(tokens, position + 1, schema)
        if position >= len(tokens) or tokens[position][0] != "close":
            raise _Unknown
        return query, position + 1
    if kind != "clause":
        raise _Unknown
    fieldname, text, boost = value
    if fieldname not in schema or not schema[fieldname].analyzer:
        raise _Unknown
    # Whoosh: the quoted text is a phrase of the field's analysed words (a phrase of one word
    # normalises to a term, of none to nothing), inside a group that carries the boost.
    words = [token.text for token in schema[fieldname].tokenize(text, mode="query", chars=True)]
    phrase = Phrase(fieldname, words, slop=1, boost=1.0)
    return And([phrase], boost=float(boost) if boost else 1.0), position + 1
