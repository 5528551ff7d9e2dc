"""The native `.litmus` front end: text -> lark parse tree -> AST (syntax.py).

`parse_native` parses and validates one native program (load.py picks the
front end for a file).
Every problem with the input surfaces as a located `MemorderError`, never as a
lark exception or a Python traceback.
"""
from __future__ import annotations

import re
from pathlib import Path

import lark
from lark import Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from memorder.base.errors import MemorderError
from memorder.frontend.grammars import end_position, grammar_text
from memorder.base.orders import MemoryOrder, parse_order
from memorder.base.syntax import (
    Assert, Assume, Binary, Break, Cas, Condition, Const, Eval, Expect, Fence,
    FinalLoc, FinalReg, If, Let, Load, LocationDecl, OrderDecl, OrderParam,
    PlainRead, PlainWrite, Program, Reg, Rmw, Span, Store, Thread, Unary, While,
)


_PARSER: lark.Lark | None = None


def _parser() -> lark.Lark:
    global _PARSER
    if _PARSER is None:  # building the LALR tables takes a while: do it once
        _PARSER = lark.Lark(grammar_text("memorder.lark"), parser="lalr",
                            propagate_positions=True, maybe_placeholders=True)
    return _PARSER


# ---------------------------------------------------------------- entry point

def parse_native(text: str, file: str = "<input>") -> Program:
    """Parse and validate a native `.litmus` program."""
    from memorder.frontend.validate import validate

    try:
        tree = _parser().parse(text)
    except UnexpectedInput as exc:
        raise _syntax_error(exc, text, file) from None
    try:
        program = _Builder(text, file).program(tree)
        validate(program)
    except RecursionError:
        # Only absurdly deep nesting gets here: the tree walks are recursive.
        raise MemorderError("program nested too deeply", 1, 1, file=file) from None
    return program


# ---------------------------------------------------------------- syntax errors

# Non-keyword regex terminals, by the name a user understands.
_TERMINAL_NAMES = {
    "NAME": "a name", "NUMBER": "an integer", "STRING": 'a string "..."',
    "$END": "end of input",
}
_KEYWORD_PATTERN = re.compile(r"([A-Za-z_-]+)\(\?!")  # grammar keywords: /word(?!...)/
# Groups of expected terminals reported as one phrase (by terminal pattern text).
_EXPR_START = {"NAME", "NUMBER", "(", "-", "!"}
_STMT_START = {"let", "if", "while", "loop", "break", "fence", "assume", "await", "assert"}
_OPERATORS = {"||", "\\/", "&&", "/\\", "==", "=", "!=", "<", "<=", ">", ">=", "|", "^", "&",
              "<<", ">>", "+", "-", "*", "/", "%"}
_ITEM_START = {"test", "order", "atomic", "plain", "thread", "expect", "exists", "~", "forall"}


def _terminal_text(name: str) -> str:
    """What a terminal looks like: "}" for RBRACE, "let" for _LET; NAME stays NAME."""
    if name in _TERMINAL_NAMES:
        return name
    for term in _parser().terminals:
        if term.name == name:
            if term.pattern.type == "str":
                return term.pattern.value
            keyword = _KEYWORD_PATTERN.match(term.pattern.value)
            return keyword.group(1) if keyword else name
    return name


def _describe_expected(names) -> str:
    texts = {_terminal_text(n) for n in names}
    phrases = []
    if _ITEM_START <= texts:
        texts -= _ITEM_START | {";"}
        phrases.append("a top-level item (test, order, atomic, plain, thread, expect, "
                       "exists, ~exists, forall)")
    if _STMT_START <= texts:
        texts -= _STMT_START | {"NAME", "(", ";"}
        phrases.append("a statement")
    if _EXPR_START <= texts:
        texts -= _EXPR_START
        phrases.append("an expression")
    if {"+", "*", "==", "&&"} <= texts:  # after a complete operand: any binary operator
        texts -= _OPERATORS | {".", "::"}
        phrases.append("an operator")
    shown = sorted(_TERMINAL_NAMES.get(t, f"'{t}'") for t in texts) + phrases
    if not shown:
        return "something else"
    if len(shown) == 1:
        return shown[0]
    return ", ".join(shown[:-1]) + " or " + shown[-1]


def _describe_token(token: Token) -> str:
    if token.type == "$END":
        return "end of input"
    if token.type == "NAME":
        return f"name '{token.value}'"
    if token.type == "NUMBER":
        return f"integer {token.value}"
    if token.type == "STRING":
        return f"string {token.value}"
    return f"'{token.value}'"


def _syntax_error(exc: UnexpectedInput, text: str, file: str) -> MemorderError:
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        expected = exc.accepts or exc.expected
        message = f"unexpected {_describe_token(token)}; expected {_describe_expected(expected)}"
        texts = {_terminal_text(n) for n in expected}
        if token.type != "$END" and text.startswith("/*", token.start_pos):
            # The comment pattern did not match, so the lexer fell back to '/'.
            message = "unterminated comment: '/*' without '*/'"
        elif str(token) in _STMT_START and _ITEM_START <= texts:
            message += "; statements belong inside `thread NAME { ... }`"
        elif (token.type != "$END" and "{" not in texts
              and re.search(r"\belse\s*$", text[:token.start_pos])):
            # After an if's block `else` is a keyword (and '{' or 'if' must follow);
            # anywhere else it lexes as a name and the parse fails just after it.
            start = text.rindex("else", 0, token.start_pos)
            line = text.count("\n", 0, start) + 1
            column = start - text.rfind("\n", 0, start)
            return MemorderError("'else' without an `if { ... }` before it", line, column,
                                 column + 4, file=file)
        if token.type == "$END":
            line, column = end_position(text)
            return MemorderError(message, line, column, column + 1, file=file)
        end = token.end_column if token.end_line == token.line else None
        return MemorderError(message, token.line, token.column, end, file=file)
    if isinstance(exc, UnexpectedCharacters):
        char = text[exc.pos_in_stream] if 0 <= exc.pos_in_stream < len(text) else "?"
        if text.startswith("/*", exc.pos_in_stream):
            message = "unterminated comment: '/*' without '*/'"
        elif char == '"':
            message = "unterminated string"
        else:
            message = f"unexpected character {char!r}"
        return MemorderError(message, exc.line, exc.column, exc.column + 1, file=file)
    # UnexpectedEOF and anything lark adds later: still located, still an error.
    line, column = end_position(text)
    return MemorderError("unexpected end of input", line, column, file=file)


# ---------------------------------------------------------------- tree -> AST

_RMW_METHODS = {"swap": "swap", "fetch_add": "add", "fetch_sub": "sub", "fetch_and": "and",
                "fetch_or": "or", "fetch_xor": "xor", "fetch_max": "max", "fetch_min": "min"}
# method -> (argument names, for messages); the ordering arguments come last.
_METHODS = {"load": ("ordering",), "store": ("value", "ordering"),
            **{m: ("value", "ordering") for m in _RMW_METHODS},
            "compare_exchange": ("expected", "new", "success", "failure"),
            "compare_exchange_weak": ("expected", "new", "success", "failure")}
_BINARY = {"or": "||", "and": "&&", "eq": "==", "eq_single": "==", "ne": "!=", "lt": "<",
           "le": "<=", "gt": ">", "ge": ">=", "bit_or": "|", "bit_xor": "^", "bit_and": "&",
           "shl": "<<", "shr": ">>", "add": "+", "sub": "-", "mul": "*", "div": "/", "mod": "%"}


def _span(node) -> Span:
    if isinstance(node, Token):
        return Span(node.line, node.column, node.end_line, node.end_column)
    meta = node.meta
    return Span(meta.line, meta.column, meta.end_line, meta.end_column)


class _Builder:
    """Builds the AST from the parse tree.

    A hand-written walk rather than a lark Transformer because a name's meaning
    depends on context: a declared location is a memory access, anything else a
    register; inside a final condition `t.r` is a register of thread `t`.
    Semantic checks (kinds, orderings, scoping) are left to program.validate.
    """

    def __init__(self, text: str, file: str):
        self.text = text
        self.file = file
        self.locations: set[str] = set()
        self.warnings: list[tuple[Span, str]] = []
        self.in_condition = False

    def error(self, message: str, node) -> MemorderError:
        span = node if isinstance(node, Span) else _span(node)
        end = span.end_column if span.end_line == span.line else None
        return MemorderError(message, span.line, span.column, end, file=self.file)

    # ---------------------------------------------------------------- top level

    def program(self, tree: Tree) -> Program:
        items = [c for c in tree.children if isinstance(c, Tree)]
        # Declarations first: a name's meaning in thread code depends on them,
        # wherever in the file they are written.
        for item in items:
            if item.data == "loc_decl":
                self.locations.update(str(init.children[0]) for init in item.children[1:])
        name = None
        locations, params, threads, expects = [], [], [], []
        condition = None
        for item in items:
            kind = item.data
            if kind == "test_decl":
                if name is not None:
                    raise self.error("a second `test` name", item)
                name = _unquote(item.children[0])
            elif kind == "loc_decl":
                atomic = item.children[0].type == "ATOMIC"
                for init in item.children[1:]:
                    locations.append(LocationDecl(str(init.children[0]), atomic,
                                                  self.signed_int(init.children[1]), _span(init)))
            elif kind == "order_decl":
                token, ordering = item.children
                order = self.ordering(ordering, allow_param=False)
                params.append(OrderDecl(str(token), order, _span(item)))
            elif kind == "thread":
                token, block = item.children
                threads.append(Thread(str(token), self.block(block), _span(item)))
            elif kind in ("exists", "not_exists", "forall"):
                if condition is not None:
                    raise self.error("a second final condition (only one is allowed)", item)
                condition = self.condition(item)
            else:
                expects.append(self.expect(item))
        return Program(
            name=name if name is not None else Path(self.file).stem,
            locations=tuple(locations), threads=tuple(threads), params=tuple(params),
            condition=condition, expects=tuple(expects), file=self.file, source=self.text,
            format="native", warnings=tuple(self.warnings))

    def signed_int(self, node) -> int:
        if node is None:
            return 0
        sign, number = node.children
        value = self.int(number)
        return -value if sign is not None else value

    def int(self, token: Token) -> int:
        text = str(token)
        if len(text) > 40:  # Python refuses to convert very long digit strings
            raise self.error("integer literal too long", token)
        # Not int(text, 0): that rejects leading zeros such as `007`.
        return int(text[2:], 16) if text[:2] in ("0x", "0X") else int(text)

    def condition(self, item: Tree) -> Condition:
        kind = {"exists": "exists", "not_exists": "~exists", "forall": "forall"}[item.data]
        self.in_condition = True
        try:
            expr = self.expr(item.children[0])
        finally:
            self.in_condition = False
        meta = item.meta
        # As written, with runs of whitespace (newlines too) folded, like the herd front end.
        text = " ".join(self.text[meta.start_pos:meta.end_pos].split())
        return Condition(kind, expr, text, _span(item))

    def expect(self, item: Tree) -> Expect:
        meta = item.meta
        text = self.text[meta.start_pos:meta.end_pos]
        kind = item.data[len("expect_"):]
        if kind != "weakest":
            kind = {"race_free": "race-free", "not_exists": "~exists",
                    "assertions_hold": "assertions-hold",
                    "assertion_fails": "assertion-fails"}.get(kind, kind)
            return Expect(kind, text, (), _span(item))
        orderings = []
        for weak in item.children:
            token, ordering = weak.children
            orderings.append((str(token), self.ordering(ordering, allow_param=False)))
        return Expect("weakest", text, tuple(orderings), _span(item))

    # ---------------------------------------------------------------- orderings

    def ordering(self, node, allow_param: bool = True):
        """A MemoryOrder, or an OrderParam for a name that is not an ordering spelling."""
        if isinstance(node, Tree) and node.data == "ordering":
            node = node.children[0]
        if isinstance(node, Token) and node.type == "NAME":
            word, parts = str(node), [str(node)]
        elif isinstance(node, Tree) and node.data in ("name", "path"):
            parts = [str(t) for t in node.children]
            word = parts[-1]
        else:
            raise self.error("expected a memory order (Relaxed, Acquire, Release, AcqRel, "
                             "SeqCst or an `order` parameter)", node)
        order = parse_order(word)
        if order is None and word.lower() in ("consume", "memory_order_consume"):
            self.warnings.append((_span(node), "memory order consume is read as Acquire"))
            order = MemoryOrder.ACQUIRE
        if order is not None:
            return order
        if len(parts) == 1 and allow_param:
            return OrderParam(word, _span(node))
        raise self.error(f"unknown memory order '{'::'.join(parts)}' (expected Relaxed, "
                         "Acquire, Release, AcqRel or SeqCst)", node)

    # ---------------------------------------------------------------- statements

    def block(self, tree: Tree) -> tuple:
        return tuple(self.stmt(c) for c in tree.children if isinstance(c, Tree))

    def stmt(self, tree: Tree):
        kind, kids, span = tree.data, tree.children, _span(tree)
        if kind == "let":
            return Let((_target(kids[0]),), self.expr(kids[1]), True, span)
        if kind == "let_tuple":
            return Let(self.targets(kids[0]), self.expr(kids[1]), True, span)
        if kind == "assign":
            name, value = str(kids[0]), self.expr(kids[1])
            if name in self.locations:
                return PlainWrite(name, value, span)
            return Let((_target(kids[0]),), value, False, span)
        if kind == "assign_tuple":
            return Let(self.targets(kids[0]), self.expr(kids[1]), False, span)
        if kind == "expr_stmt":
            node = self.call(kids[0], statement=True)
            return node if isinstance(node, Store) else Eval(node, span)
        if kind == "if_stmt":
            cond, then, orelse = kids
            if orelse is None:
                rest = ()
            elif orelse.data == "block":
                rest = self.block(orelse)
            else:  # `else if`: the nested if is the whole else branch
                rest = (self.stmt(orelse),)
            return If(self.expr(cond), self.block(then), rest, span)
        if kind == "while_stmt":
            return While(self.expr(kids[0]), self.block(kids[1]), span)
        if kind == "loop_stmt":
            return While(Const(1, _span(kids[0])), self.block(kids[1]), span)
        if kind == "break_stmt":
            return Break(span)
        if kind == "fence":
            return Fence(self.ordering(kids[0]), span)
        if kind in ("assume", "await"):
            return Assume(self.expr(kids[0]), span)
        if kind == "assert":
            return Assert(self.expr(kids[0]), span)
        raise AssertionError(f"grammar rule {kind} has no builder")  # grammar and builder disagree

    def targets(self, tree: Tree) -> tuple:
        return tuple(_target(t) for t in tree.children)

    # ---------------------------------------------------------------- expressions

    def expr(self, node):
        if isinstance(node, Token):  # cannot happen with this grammar; be explicit anyway
            raise self.error("expected an expression", node)
        kind, kids, span = node.data, node.children, _span(node)
        if kind == "int":
            return Const(self.int(kids[0]), span)
        if kind == "name":
            name = str(kids[0])
            if self.in_condition:
                return FinalLoc(name, span)
            if name == "_":
                raise self.error("'_' discards a value; it cannot be read", node)
            return PlainRead(name, span) if name in self.locations else Reg(name, span)
        if kind == "dotted":
            if self.in_condition:
                return FinalReg(str(kids[0]), str(kids[1]), span)
            raise self.error(f"'{kids[0]}.{kids[1]}' is not an expression here: atomic "
                             f"operations are calls, e.g. {kids[0]}.load(Acquire); "
                             "thread.register names belong in the final condition", node)
        if kind == "call":
            return self.call(node, statement=False)
        if kind == "path":
            raise self.error("a memory order is not a value", node)
        if kind == "neg":
            operand = self.expr(kids[1])
            if isinstance(operand, Const) and node.children[1].data == "int":
                return Const(-operand.value, span)  # a negative literal, e.g. -1
            return Unary("-", operand, span)
        if kind == "not":
            return Unary("!", self.expr(kids[0]), span)
        if kind == "eq_single" and not self.in_condition:
            # Point at the '=' itself: it sits between the two operands.
            left, right = kids[0].meta, kids[-1].meta
            offset = self.text.index("=", left.end_pos, right.start_pos)
            line = self.text.count("\n", 0, offset) + 1
            column = offset - self.text.rfind("\n", 0, offset)
            raise self.error("'=' is not a comparison in thread code; use '=='",
                             Span(line, column, line, column + 1))
        if kind in _BINARY:
            return Binary(_BINARY[kind], self.expr(kids[0]), self.expr(kids[-1]), span)
        raise AssertionError(f"grammar rule {kind} has no builder")

    def call(self, tree: Tree, statement: bool):
        loc_token, method_token, *args = tree.children
        args = [a for a in args if a is not None]
        loc, method, span = str(loc_token), str(method_token), _span(tree)
        if self.in_condition:
            raise self.error("a final condition reads final values: no atomic operations "
                             "(write the location's name for its final value)", tree)
        if method not in _METHODS:
            raise self.error(f"unknown atomic operation '{method}' (expected "
                             f"{', '.join(_METHODS)})", method_token)
        params = _METHODS[method]
        if len(args) != len(params):
            plural = "s" if len(params) > 1 else ""
            raise self.error(f"{method} takes {len(params)} argument{plural} "
                             f"({', '.join(params)}), not {len(args)}", tree)
        if method == "load":
            return Load(loc, self.ordering(args[0]), span)
        if method == "store":
            if not statement:
                raise self.error("store is a statement: it has no value", tree)
            return Store(loc, self.expr(args[0]), self.ordering(args[1]), span)
        if method in _RMW_METHODS:
            return Rmw(_RMW_METHODS[method], loc, self.expr(args[0]), self.ordering(args[1]), span)
        expected, new = self.expr(args[0]), self.expr(args[1])
        return Cas(loc, expected, new, self.ordering(args[2]), self.ordering(args[3]),
                   method == "compare_exchange_weak", span)


def _target(token: Token):
    """A let/assignment target: a register name, or None for `_`."""
    return None if str(token) == "_" else str(token)


def _unquote(token: Token) -> str:
    return re.sub(r"\\(.)", r"\1", str(token)[1:-1])
