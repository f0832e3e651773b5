"""A small, safe expression language for the marketer's segment rules.

    revenue >= 50000 and city == "Москва" and age between 30 and 45
    orders >= 2 and days_since_last_order > 120
    "VIP" in flags or last_order < date("2026-06-01")

Grammar (lowest precedence first)::

    expr     := or
    or       := and ("or" and)*
    and      := not ("and" not)*
    not      := "not" not | compare
    compare  := sum [ ("==" | "!=" | "<" | "<=" | ">" | ">=") sum
                    | ["not"] "in" sum
                    | "between" sum "and" sum ]
    sum      := product (("+" | "-") product)*
    product  := unary (("*" | "/") unary)*
    unary    := "-" unary | atom
    atom     := NUMBER | STRING | "true" | "false" | "null" | NAME | NAME "(" args ")"
              | "(" expr ")" | "[" [expr ("," expr)*] "]"

Expressions are parsed into a tree and type-checked against the known fields before any data
is seen; nothing is ever passed to ``eval``. A comparison involving an empty value is false.
Errors name the rule, the 1-based position and what was expected.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sync.errors import ConfigError

Type = Literal["number", "string", "date", "bool", "list", "any"]
Value = object


class RuleError(ConfigError):
    """A segment rule's expression is wrong."""

    def __init__(self, rule: str, position: int, problem: str) -> None:
        self.rule = rule
        self.position = position
        super().__init__(
            f"rule '{rule}', position {position}: {problem}", key=f"segments.rules.{rule}"
        )


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<number>\d[\d_]*(?:\.\d+)?)
      | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<op>==|!=|<=|>=|<|>|\+|-|\*|/|\(|\)|\[|\]|,)
      | (?P<name>[^\W\d][\w.]*)
    )""",
    re.VERBOSE | re.UNICODE,
)
_KEYWORDS = {"and", "or", "not", "in", "between", "true", "false", "null"}


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # number | string | op | name | keyword | end
    text: str
    pos: int  # 1-based


def tokenize(rule: str, text: str) -> list[Token]:
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        if text[i:].strip() == "":
            break
        m = _TOKEN.match(text, i)
        if m is None or m.end() == i:
            pos = i + len(text[i:]) - len(text[i:].lstrip()) + 1
            char = text[pos - 1]
            hint = ": use '==' to compare" if char == "=" else ""
            raise RuleError(rule, pos, f"unexpected character {char!r}{hint}")
        kind = m.lastgroup or "op"
        value = m.group(kind)
        start = m.start(kind) + 1
        if kind == "name" and value.lower() in _KEYWORDS:
            kind, value = "keyword", value.lower()
        tokens.append(Token(kind, value, start))
        i = m.end()
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


# --------------------------------------------------------------------------- tree


@dataclass(frozen=True, slots=True)
class Node:
    pos: int


@dataclass(frozen=True, slots=True)
class Literal_(Node):
    value: Value
    type: Type


@dataclass(frozen=True, slots=True)
class Field(Node):
    name: str


@dataclass(frozen=True, slots=True)
class Call(Node):
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class ListExpr(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Unary(Node):
    op: str  # "not" | "-"
    operand: Node


@dataclass(frozen=True, slots=True)
class Binary(Node):
    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Between(Node):
    value: Node
    low: Node
    high: Node


class _Parser:
    def __init__(self, rule: str, text: str) -> None:
        self.rule = rule
        self.tokens = tokenize(rule, text)
        self.i = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def fail(self, expected: str) -> RuleError:
        got = "end of expression" if self.tok.kind == "end" else repr(self.tok.text)
        return RuleError(self.rule, self.tok.pos, f"expected {expected}, got {got}")

    def accept(self, *texts: str) -> Token | None:
        if self.tok.kind in ("op", "keyword") and self.tok.text in texts:
            t = self.tok
            self.i += 1
            return t
        return None

    def expect(self, text: str, what: str) -> Token:
        t = self.accept(text)
        if t is None:
            raise self.fail(what)
        return t

    def parse(self) -> Node:
        node = self.or_()
        if self.tok.kind != "end":
            raise self.fail("an operator (and, or, ==, <, in, ...) or the end")
        return node

    def or_(self) -> Node:
        node = self.and_()
        while t := self.accept("or"):
            node = Binary(t.pos, "or", node, self.and_())
        return node

    def and_(self) -> Node:
        node = self.not_()
        while t := self.accept("and"):
            node = Binary(t.pos, "and", node, self.not_())
        return node

    def not_(self) -> Node:
        if t := self.accept("not"):
            return Unary(t.pos, "not", self.not_())
        return self.compare()

    def compare(self) -> Node:
        left = self.sum()
        if t := self.accept("==", "!=", "<", "<=", ">", ">="):
            return Binary(t.pos, t.text, left, self.sum())
        if t := self.accept("between"):
            low = self.sum()
            self.expect("and", "'and' after the lower bound of 'between'")
            return Between(t.pos, left, low, self.sum())
        if self.tok.text == "not" and self.tokens[self.i + 1].text == "in":
            t = self.tok
            self.i += 2
            return Unary(t.pos, "not", Binary(t.pos, "in", left, self.sum()))
        if t := self.accept("in"):
            return Binary(t.pos, "in", left, self.sum())
        return left

    def sum(self) -> Node:
        node = self.product()
        while t := self.accept("+", "-"):
            node = Binary(t.pos, t.text, node, self.product())
        return node

    def product(self) -> Node:
        node = self.unary()
        while t := self.accept("*", "/"):
            node = Binary(t.pos, t.text, node, self.unary())
        return node

    def unary(self) -> Node:
        if t := self.accept("-"):
            return Unary(t.pos, "-", self.unary())
        return self.atom()

    def atom(self) -> Node:
        t = self.tok
        if t.kind == "number":
            self.i += 1
            return Literal_(t.pos, float(t.text.replace("_", "")), "number")
        if t.kind == "string":
            self.i += 1
            body = t.text[1:-1]
            return Literal_(t.pos, re.sub(r"\\(.)", r"\1", body), "string")
        if t.kind == "keyword" and t.text in ("true", "false"):
            self.i += 1
            return Literal_(t.pos, t.text == "true", "bool")
        if t.kind == "keyword" and t.text == "null":
            self.i += 1
            return Literal_(t.pos, None, "any")
        if t.kind == "name":
            self.i += 1
            if self.accept("("):
                args: list[Node] = []
                if not self.accept(")"):
                    args.append(self.or_())
                    while self.accept(","):
                        args.append(self.or_())
                    self.expect(")", "')' to close the call")
                return Call(t.pos, t.text, tuple(args))
            return Field(t.pos, t.text)
        if self.accept("("):
            node = self.or_()
            self.expect(")", "')'")
            return node
        if self.accept("["):
            items: list[Node] = []
            if not self.accept("]"):
                items.append(self.or_())
                while self.accept(","):
                    items.append(self.or_())
                self.expect("]", "']' to close the list")
            return ListExpr(t.pos, tuple(items))
        raise self.fail("a value (number, \"text\", field name, '(' or '[')")


# --------------------------------------------------------------------------- types


_FUNCTIONS: dict[str, tuple[tuple[Type, ...], Type]] = {
    "date": (("string",), "date"),
    "days": (("number",), "number"),
    "lower": (("string",), "string"),
    "len": (("any",), "number"),
}


class _Checker:
    def __init__(self, rule: str, schema: Mapping[str, Type]) -> None:
        self.rule = rule
        self.schema = schema

    def fail(self, node: Node, problem: str) -> RuleError:
        return RuleError(self.rule, node.pos, problem)

    def check(self, node: Node) -> Type:
        if isinstance(node, Literal_):
            return node.type
        if isinstance(node, Field):
            if node.name not in self.schema:
                close = difflib.get_close_matches(node.name, list(self.schema), n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                raise self.fail(node, f"unknown field '{node.name}'{hint}")
            return self.schema[node.name]
        if isinstance(node, ListExpr):
            for item in node.items:
                self.check(item)
            return "list"
        if isinstance(node, Call):
            if node.name not in _FUNCTIONS:
                raise self.fail(
                    node, f"unknown function '{node.name}' (known: {', '.join(sorted(_FUNCTIONS))})"
                )
            params, result = _FUNCTIONS[node.name]
            if len(node.args) != len(params):
                raise self.fail(node, f"{node.name}() takes {len(params)} argument(s)")
            for arg, want in zip(node.args, params, strict=True):
                got = self.check(arg)
                if want != "any" and got not in (want, "any"):
                    raise self.fail(arg, f"expected a {want} for {node.name}(), got a {got}")
            if node.name == "date" and isinstance(node.args[0], Literal_):
                _parse_date(self.rule, node.args[0])
            return result
        if isinstance(node, Unary):
            t = self.check(node.operand)
            if node.op == "-":
                self._want(node.operand, t, ("number",), "a number after '-'")
                return "number"
            return "bool"
        if isinstance(node, Between):
            ts = [self.check(n) for n in (node.value, node.low, node.high)]
            self._comparable(node, ts[0], ts[1])
            self._comparable(node, ts[0], ts[2])
            return "bool"
        assert isinstance(node, Binary)
        lt, rt = self.check(node.left), self.check(node.right)
        if node.op in ("and", "or"):
            return "bool"
        if node.op == "in":
            self._want(node.right, rt, ("list", "string"), "a list, a text or 'flags' after 'in'")
            return "bool"
        if node.op in ("==", "!="):
            return "bool"
        if node.op in ("<", "<=", ">", ">="):
            self._comparable(node, lt, rt)
            return "bool"
        if node.op in ("+", "-") and "date" in (lt, rt):
            if node.op == "-" and lt != "date":
                raise self.fail(node, "cannot subtract a date from a number")
            other = rt if lt == "date" else lt
            self._want(node, other, ("number", "date"), "days (a number) to add to a date")
            return "number" if lt == rt == "date" else "date"
        self._want(node.left, lt, ("number",), f"a number before '{node.op}'")
        self._want(node.right, rt, ("number",), f"a number after '{node.op}'")
        return "number"

    def _want(self, node: Node, got: Type, allowed: tuple[Type, ...], what: str) -> None:
        if got != "any" and got not in allowed:
            raise self.fail(node, f"expected {what}, got a {got}")

    def _comparable(self, node: Node, a: Type, b: Type) -> None:
        if "any" in (a, b) or a == b:
            return
        raise self.fail(node, f"cannot compare a {a} with a {b}")


def _parse_date(rule: str, node: Literal_) -> dt.date:
    try:
        return dt.date.fromisoformat(str(node.value))
    except ValueError:
        raise RuleError(
            rule, node.pos, f'expected a date as "YYYY-MM-DD", got {node.value!r}'
        ) from None


# --------------------------------------------------------------------------- evaluation


def _compare(op: str, a: Value, b: Value) -> bool:
    if a is None or b is None:
        return (a is b) if op == "==" else (a is not b) if op == "!=" else False
    if isinstance(a, str) and isinstance(b, str):
        a, b = a.casefold(), b.casefold()  # staff's "москва" is the marketer's "Москва"
    ops: dict[str, Callable[[Any, Any], bool]] = {
        "==": lambda x, y: x == y,
        "!=": lambda x, y: x != y,
        "<": lambda x, y: x < y,
        "<=": lambda x, y: x <= y,
        ">": lambda x, y: x > y,
        ">=": lambda x, y: x >= y,
    }
    try:
        return ops[op](a, b)
    except TypeError:
        return False


def evaluate(node: Node, record: Mapping[str, Value]) -> Value:
    """The value of ``node`` for one record (fields by name)."""
    if isinstance(node, Literal_):
        return node.value
    if isinstance(node, Field):
        return record.get(node.name)
    if isinstance(node, ListExpr):
        return [evaluate(i, record) for i in node.items]
    if isinstance(node, Call):
        args = [evaluate(a, record) for a in node.args]
        if any(a is None for a in args):
            return None
        if node.name == "date":
            return dt.date.fromisoformat(str(args[0]))
        if node.name == "days":
            return args[0]
        if node.name == "lower":
            return str(args[0]).casefold()
        return len(args[0])  # type: ignore[arg-type]
    if isinstance(node, Unary):
        v = evaluate(node.operand, record)
        if node.op == "not":
            return not bool(v)
        return None if v is None else -v  # type: ignore[operator]
    if isinstance(node, Between):
        v = evaluate(node.value, record)
        return _compare(">=", v, evaluate(node.low, record)) and _compare(
            "<=", v, evaluate(node.high, record)
        )
    assert isinstance(node, Binary)
    if node.op == "and":
        return bool(evaluate(node.left, record)) and bool(evaluate(node.right, record))
    if node.op == "or":
        return bool(evaluate(node.left, record)) or bool(evaluate(node.right, record))
    a, b = evaluate(node.left, record), evaluate(node.right, record)
    if node.op == "in":
        if b is None or a is None:
            return False
        if isinstance(b, str):
            return str(a).casefold() in b.casefold()
        items = list(b)  # type: ignore[call-overload]
        folded = {x.casefold() if isinstance(x, str) else x for x in items}
        return (a.casefold() if isinstance(a, str) else a) in folded
    if node.op in ("==", "!=", "<", "<=", ">", ">="):
        return _compare(node.op, a, b)
    if a is None or b is None:
        return None
    if isinstance(a, dt.date) and isinstance(b, dt.date):
        return float((a - b).days)
    if isinstance(a, dt.date):
        return a + dt.timedelta(days=float(b) * (1 if node.op == "+" else -1))  # type: ignore[arg-type]
    if isinstance(b, dt.date):
        return b + dt.timedelta(days=float(a))  # type: ignore[arg-type]
    if node.op == "/" and b == 0:
        return None
    x: Any = a
    y: Any = b
    return {
        "+": lambda: x + y,
        "-": lambda: x - y,
        "*": lambda: x * y,
        "/": lambda: x / y,
    }[node.op]()


@dataclass(frozen=True, slots=True)
class CompiledRule:
    name: str
    text: str
    tree: Node

    def matches(self, record: Mapping[str, Value]) -> bool:
        return bool(evaluate(self.tree, record))


def compile_rule(name: str, text: str, schema: Mapping[str, Type]) -> CompiledRule:
    """Parse and type-check ``text``; raise :class:`RuleError` naming the rule and position."""
    if not text.strip():
        raise RuleError(name, 1, "the expression is empty")
    tree = _Parser(name, text).parse()
    result = _Checker(name, schema).check(tree)
    if result not in ("bool", "any"):
        raise RuleError(name, 1, f"expected a condition (true/false), got a {result}")
    return CompiledRule(name, text, tree)
