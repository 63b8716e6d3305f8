"""What one GraphQL document may ask for, checked before graphql-core validates or runs it.

The limits sit well above MPR's own documents (the Timeline UI's and GraphiQL's
introspection query, see tests/unit/entrypoints/test_graphql_limits.py) and far below the
documents that stalled the event loop for seconds (bench/hostile.py measures /health
while 4 clients send the largest one allowed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SchemaMetaFieldDef,
    SelectionSetNode,
    TypeMetaFieldDef,
    TypeNameMetaFieldDef,
    get_named_type,
    get_nullable_type,
)

from mpr.application.queries import MAX_PAGE

MAX_BODY_BYTES = 256 * 1024  # a POST body; the largest MPR document is under 4 KiB
MAX_TOKENS = 1_000  # the introspection query has 183; the UI's largest document under 100
MAX_ALIASES = 30  # MPR's documents use none; a client batching lookups may use a few
MAX_DEPTH = 15  # field nesting, introspection included (the introspection query: 15)
MAX_FIELDS = 500  # fields once fragments are expanded (the introspection query: 229)
MAX_LISTS = 3  # list fields within list fields (introspection: types > fields > args)
MAX_VALUES = 20_000  # values an answer may hold: a full page (500) of assets, every field
LIST_GUESS = 10  # items assumed in a list without a `limit` (tags, warnings, components)
CODE = "QUERY_TOO_COMPLEX"
# GraphQL's lexical tokens, strings and comments whole: C-speed counting of a large body.
_TOKENS = re.compile(r'''"""(?:\\"""|[^"]|"(?!""))*"""|"(?:\\.|[^"\\\n\r])*"|#[^\n\r]*'''
                     r"|\.\.\.|[!$&()\[\]{}:=@|]|-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?"
                     r"|[_A-Za-z][_0-9A-Za-z]*")
_META = {"__schema": SchemaMetaFieldDef, "__type": TypeMetaFieldDef,
         "__typename": TypeNameMetaFieldDef}


@dataclass(frozen=True, slots=True)
class Size:
    """What a selection asks for: fields (fragments expanded), aliases, nesting depth, and
    how many list fields deep it goes (each list multiplies the answer)."""

    fields: int = 0
    aliases: int = 0
    depth: int = 0
    lists: int = 0
    cost: int = 0  # values the answer may hold, each list at its largest page

    def __add__(self, other: Size) -> Size:
        return Size(self.fields + other.fields, self.aliases + other.aliases,
                    max(self.depth, other.depth), max(self.lists, other.lists),
                    self.cost + other.cost)

    def under(self, field: FieldNode, rows: int | None) -> Size:
        """This size as the selection of `field`, a list of up to `rows` items or not one."""
        return Size(self.fields + 1, self.aliases + (field.alias is not None), self.depth + 1,
                    self.lists + (rows is not None), (rows or 1) * (1 + self.cost))


def token_count(query: str, at_most: int = MAX_TOKENS) -> int:
    """The tokens graphql-core's lexer would find in a document (comments are not tokens),
    counted no further than one past `at_most`: a cheap refusal of a huge document."""
    count = 0
    for token in _TOKENS.finditer(query):
        if token.group()[0] != "#":
            count += 1
            if count > at_most:
                break
    return count


def measure(document: DocumentNode, schema: GraphQLSchema) -> Size:
    """The size of every operation in the document; each fragment is measured once."""
    fragments = {d.name.value: d for d in document.definitions
                 if isinstance(d, FragmentDefinitionNode)}
    sizes: dict[str, Size] = {}

    def of_fragment(name: str, entered: frozenset[str]) -> Size:
        if name in entered or name not in fragments:
            return Size()  # a cycle or an unknown fragment: validation refuses it
        if name not in sizes:
            fragment = fragments[name]
            sizes[name] = of_selections(fragment.selection_set, entered | {name},
                                        schema.get_type(fragment.type_condition.name.value))
        return sizes[name]

    def of_selections(selections: SelectionSetNode, entered: frozenset[str],
                      parent: GraphQLNamedType | None) -> Size:
        total = Size()
        for node in selections.selections:
            if isinstance(node, FieldNode):
                field = _field(parent, node.name.value)
                inner = Size() if node.selection_set is None else of_selections(
                    node.selection_set, entered,
                    None if field is None else get_named_type(field.type))
                total += inner.under(node, _rows(field, node))
            elif isinstance(node, InlineFragmentNode):
                condition = node.type_condition
                total += of_selections(node.selection_set, entered, schema.get_type(
                    condition.name.value) if condition else parent)
            elif isinstance(node, FragmentSpreadNode):
                total += of_fragment(node.name.value, entered)
        return total

    operations = (d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    return sum((of_selections(op.selection_set, frozenset(), schema.get_root_type(
        op.operation)) for op in operations), Size())


def _field(parent: GraphQLNamedType | None, name: str) -> GraphQLField | None:
    field = _META.get(name)
    if field is None and isinstance(parent, (GraphQLObjectType, GraphQLInterfaceType)):
        field = parent.fields.get(name)
    return field  # None for an unknown field: validation refuses it


def _rows(field: GraphQLField | None, node: FieldNode) -> int | None:
    """The most items a list field may answer (its `limit`, a variable one at the largest
    page), None for a field that is not a list."""
    if field is None or not isinstance(get_nullable_type(field.type), GraphQLList):
        return None
    if get_named_type(field.type).name.startswith("__"):
        return 1  # the schema's own lists: MPR's schema bounds them (and the field budget)
    given = next((a.value for a in node.arguments or () if a.name.value == "limit"), None)
    if isinstance(given, IntValueNode):
        return max(0, int(given.value))
    if given is not None:
        return MAX_PAGE
    limit = field.args.get("limit")
    default = None if limit is None else limit.default_value
    return default if isinstance(default, int) else LIST_GUESS


def refusal(size: Size) -> GraphQLError | None:
    """The error for a document over a limit, None when it is within all of them."""
    over = [f"{what} {have} (at most {limit})" for what, have, limit in (
        ("fields", size.fields, MAX_FIELDS), ("aliases", size.aliases, MAX_ALIASES),
        ("depth", size.depth, MAX_DEPTH), ("nested lists", size.lists, MAX_LISTS),
        ("values", size.cost, MAX_VALUES))
        if have > limit]
    if not over:
        return None
    return GraphQLError("query too complex: " + ", ".join(over), extensions={"code": CODE})
