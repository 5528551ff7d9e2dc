"""herd7's C litmus format -> the AST of syntax.py (a `Program` with format="herd").

The tests of herdtools7's C catalogue (and GenMC's tests translated to this
format) are memorder's oracle, so this front end reads them the way herd7 does:

- Threads are named by their index (P1 -> "1"), so outcome keys read "1:r0".
- Every location is a `LocationDecl(atomic=True)`: in herd, atomicity belongs to
  each access, not to the type. `*x` is a plain (non-atomic) access even when x
  is an `atomic_int*`, and it can race.
- Registers start at 0; unmentioned locations start at 0.
- Memory orders are kept as written, odd ones included (`atomic_load_explicit(y,
  memory_order_release)` occurs in herd's catalogue): herd tags each event with
  the order written and so does memorder's engine. `memory_order_consume` is read
  as acquire, with a warning. `atomic_thread_fence(memory_order_relaxed)` emits
  nothing (a relaxed fence does nothing in RC11).
- No final condition means `forall (true)`.
- compare-exchange is desugared as herd7 models it: see herd_cas.py.
"""
from __future__ import annotations

import re
from lark import Token, Tree
from lark.exceptions import UnexpectedInput

from memorder.base.errors import MemorderError, unsupported
from memorder.base.orders import MemoryOrder, parse_order
from memorder.frontend.herd_cas import CasCall, CasDesugaring, contains
from memorder.frontend.herd_prepare import parse_tree, prepare, syntax_error
from memorder.base.syntax import (
    NOSPAN, Binary, Break, Condition, Const, Eval, Fence, FinalLoc, FinalReg, If, Let,
    Load, LocationDecl, PlainRead, PlainWrite, Program, Reg, Rmw, Span, Store, Thread, Unary,
    While,
)



def parse_herd(text: str, file: str = "<input>") -> Program:
    """Parse one herd7 C litmus test. Every problem is a located MemorderError."""
    try:
        prepared = prepare(text, file)
        try:
            tree = parse_tree(prepared)
        except UnexpectedInput as exc:
            raise syntax_error(exc, prepared, file) from None
        return _Builder(text, file).program(tree)
    except MemorderError as err:
        if err.file is None:
            err.file = file
        raise


# ---------------------------------------------------------------- tree -> AST

def _span(node) -> Span:
    if isinstance(node, Token):
        return Span(node.line, node.column, node.end_line, node.end_column)
    meta = node.meta
    if getattr(meta, "empty", True):
        return NOSPAN
    return Span(meta.line, meta.column, meta.end_line, meta.end_column)


def _tokens(tree: Tree, kind: str | None = None) -> list:
    return [c for c in tree.children if isinstance(c, Token) and (kind is None or c.type == kind)]


def _trees(tree: Tree) -> list:
    return [c for c in tree.children if isinstance(c, Tree)]


# Type words memorder accepts for locations and registers: int-like types, whose
# values memorder's unbounded integers model exactly for small litmus values.
# Narrow, unsigned and boolean types would wrap or truncate: rejected.
_TYPE_WORDS = {"int", "long", "signed", "volatile", "const", "_Atomic", "atomic_int",
               "atomic_long", "atomic_llong", "int32_t", "int64_t", "intptr_t"}

# name -> (RMW op or kind, explicit?)
_RMW_CALLS = {"atomic_exchange": "swap", "atomic_fetch_add": "add", "atomic_fetch_sub": "sub",
              "atomic_fetch_and": "and", "atomic_fetch_or": "or", "atomic_fetch_xor": "xor"}
_CAS_CALLS = {"atomic_compare_exchange_strong": False, "atomic_compare_exchange_weak": True}
_KNOWN_CALLS = ("atomic_load[_explicit], atomic_store[_explicit], atomic_exchange[_explicit], "
                "atomic_fetch_{add,sub,and,or,xor}[_explicit], "
                "atomic_compare_exchange_{strong,weak}[_explicit], atomic_thread_fence")


class _Builder(CasDesugaring):
    """Walks the parse tree. A hand-written walk, not a lark Transformer: what a
    name means depends on the thread (its parameters are locations, anything
    else is a register)."""

    def __init__(self, text: str, file: str):
        self.text = text
        self.file = file
        self.warnings: list[tuple[Span, str]] = []
        self.temps = 0
        self.init: dict[str, tuple[int, Span]] = {}
        self.reg_init: dict[str, list[tuple[str, int, Span]]] = {}
        self.extra_locations: dict[str, Span] = {}
        self.thread_names: list[str] = []
        # per thread, while lowering its body
        self.params: dict[str, Span] = {}
        self.declared: set[str] = set()

    # ------------------------------------------------------------ top level

    def program(self, tree: Tree) -> Program:
        children = tree.children
        name = str(children[0])[1:].strip()
        self.init_block(children[1])
        thread_trees = [c for c in children[2:] if isinstance(c, Tree) and c.data == "thread"]
        tail = {c.data: c for c in children[2:] if isinstance(c, Tree) and c.data != "thread"}

        headers = [self.thread_header(t, i) for i, t in enumerate(thread_trees)]
        self.thread_names = [h[0] for h in headers]
        for reg_thread, inits in self.reg_init.items():
            if reg_thread not in self.thread_names:
                raise MemorderError(f"the init block sets a register of P{reg_thread}, "
                                    "which is not a thread of this test").at(inits[0][2])

        locations: dict[str, LocationDecl] = {}

        def add_location(loc: str, span: Span) -> None:
            if loc not in locations:
                value = self.init.get(loc, (0, span))[0]
                locations[loc] = LocationDecl(loc, atomic=True, init=value, span=span)

        for loc, (value, span) in self.init.items():
            add_location(loc, span)
        for _, params, _ in headers:
            for loc, span in params.items():
                add_location(loc, span)

        threads = tuple(self.thread(t, h) for t, h in zip(thread_trees, headers))

        observed = None
        if "locations_clause" in tail:
            observed = tuple(self.observed_key(c) for c in _trees(tail["locations_clause"]))
        filter_expr = None
        if "filter_clause" in tail:
            filter_expr = self.prop(_trees(tail["filter_clause"])[0])
        condition = None
        for kind in ("exists", "not_exists", "forall"):
            if kind in tail:
                condition = self.condition(tail[kind])
        if condition is None:  # herd: no condition means forall (true)
            condition = Condition("forall", Const(1), "forall (true)", NOSPAN)
        for loc, span in self.extra_locations.items():
            add_location(loc, span)

        return Program(name=name, locations=tuple(locations.values()), threads=threads,
                       condition=condition, filter=filter_expr, observed=observed,
                       file=self.file, source=self.text, format="herd",
                       warnings=tuple(self.warnings))

    # ------------------------------------------------------------ init block

    def init_block(self, tree: Tree) -> None:
        items = _trees(tree)
        if items and items[0].data == "init_items":
            items = _trees(items[0])
        for item in items:
            span = _span(item)
            value_nodes = [c for c in _trees(item) if c.data != "init_words"]
            value = self.init_value(value_nodes[0]) if value_nodes else 0
            if item.data == "init_reg":
                thread, reg = _tokens(item)[:2]
                self.reg_init.setdefault(str(int(thread)), []).append((str(reg), value, span))
                continue
            if item.data == "init_bracket":
                loc = str(_tokens(item, "IDENT")[0])
            else:
                words = _tokens(_trees(item)[0])
                if words[-1].type != "IDENT":
                    raise MemorderError("expected a location name after its type").at(span)
                if any(w.type == "STAR" for w in words):
                    raise unsupported("pointer locations are not supported", _span(words[0]))
                self.check_type(words[:-1])
                loc = str(words[-1])
            if loc in self.init:
                raise MemorderError(f"location '{loc}' is initialised twice").at(span)
            self.init[loc] = (value, span)

    def init_value(self, node: Tree) -> int:
        if node.data == "signed_int":
            return self.signed_int(node)
        name = _tokens(node, "IDENT")[0]
        if node.data == "init_call":
            raise unsupported(f"`{name}(...)` in the init block is not supported", _span(node))
        raise unsupported(f"an initial value that is the address of `{name}` (a pointer) is "
                          "not supported", _span(node))

    @staticmethod
    def signed_int(node: Tree) -> int:
        tokens = _tokens(node)
        value = _int(tokens[-1])
        return -value if tokens[0].type == "MINUS" else value

    def check_type(self, words) -> None:
        for word in words:
            if word.type == "IDENT" and str(word) not in _TYPE_WORDS:
                raise unsupported(f"type `{word}` is not supported (memorder reads int-like "
                                  "types: int, long, atomic_int, atomic_long)", _span(word))

    # ------------------------------------------------------------ threads

    def thread_header(self, tree: Tree, index: int):
        names = _tokens(tree, "IDENT")
        if len(names) == 2 and str(names[0]) != "void":
            raise MemorderError(f"unexpected '{names[0]}' before the thread name "
                                f"{names[1]}").at(_span(names[0]))
        proc = names[-1]
        m = re.fullmatch(r"P(\d+)", str(proc))
        if not m:
            raise MemorderError(f"a thread is named P0, P1, ...; got '{proc}'").at(_span(proc))
        if int(m.group(1)) != index:
            raise MemorderError(f"thread {proc} where P{index} was expected (threads are "
                                "P0, P1, ... in order)").at(_span(proc))
        params: dict[str, Span] = {}
        for group in _trees(tree):
            if group.data != "params":
                continue
            for param in _trees(group):
                words = _tokens(param)
                pname = words[-1]
                if pname.type != "IDENT":
                    raise MemorderError("expected a parameter name").at(_span(param))
                stars = sum(1 for w in words if w.type == "STAR")
                if stars == 0:
                    raise MemorderError(f"parameter '{pname}' must be a pointer, as in "
                                        f"`int* {pname}`").at(_span(param))
                if stars > 1:
                    raise unsupported(f"parameter '{pname}' is a pointer to a pointer; "
                                      "pointers to pointers are not supported", _span(param))
                self.check_type(words[:-1])
                if str(pname) in params:
                    raise MemorderError(f"parameter '{pname}' appears twice").at(_span(pname))
                params[str(pname)] = _span(pname)
        return str(int(m.group(1))), params, _span(proc)

    def thread(self, tree: Tree, header) -> Thread:
        name, params, _ = header
        self.params = params
        self.declared = set()
        body: list = []
        for reg, value, span in self.reg_init.get(name, []):
            body.append(Let((reg,), Const(value, span), declare=True, span=span))
            self.declared.add(reg)
        for stmt in _trees(tree):
            if stmt.data != "params":
                body += self.stmt(stmt)
        return Thread(name, tuple(body), _span(tree))

    # ------------------------------------------------------------ statements

    def stmts(self, trees) -> tuple:
        out: list = []
        for t in trees:
            out += self.stmt(t)
        return tuple(out)

    def stmt(self, tree: Tree) -> list:
        kind, span = tree.data, _span(tree)
        if kind == "decl":
            words = list(_trees(tree)[0].scan_values(lambda v: isinstance(v, Token)))
            name = _tokens(tree, "IDENT")[0]
            if any(w.type == "STAR" for w in words):
                raise unsupported(f"pointer register '{name}' is not supported", span)
            self.check_type(words)
            self.register_target(name)
            values = _trees(tree)[1:]
            self.declared.add(str(name))
            if not values:  # `int r;`: registers start at 0 anyway
                return [Let((str(name),), Const(0, span), declare=True, span=span)]
            pre, value = self.hoisted(self.expr(values[0]))
            return pre + [Let((str(name),), value, declare=True, span=span)]
        if kind == "assign":
            name = _tokens(tree, "IDENT")[0]
            self.register_target(name)
            pre, value = self.hoisted(self.expr(_trees(tree)[0]))
            declare = str(name) not in self.declared
            self.declared.add(str(name))
            return pre + [Let((str(name),), value, declare=declare, span=span)]
        if kind == "store":
            target, value_tree = _trees(tree)
            loc = self.address(target, "a plain write")
            pre, value = self.hoisted(self.expr(value_tree))
            return pre + [PlainWrite(loc, value, span)]
        if kind == "call_stmt":
            return self.call(tree, statement=True)
        if kind == "if_stmt":
            parts = _trees(tree)
            pre, cond = self.hoisted(self.expr(parts[0]))
            then = self.branch(parts[1])
            orelse = self.branch(parts[2]) if len(parts) > 2 else ()
            return pre + [If(cond, then, orelse, span)]
        if kind == "while_stmt":
            cond_tree, body_tree = _trees(tree)
            pre, cond = self.hoisted(self.expr(cond_tree))
            body = self.branch(body_tree)
            if pre:  # a CAS in the condition runs on every iteration
                exit_ = If(Unary("!", cond, cond.span), (Break(span),), (), span)
                return [While(Const(1, span), tuple(pre) + (exit_,) + body, span)]
            return [While(cond, body, span)]
        if kind == "block":
            return list(self.stmts(_trees(tree)))
        if kind == "empty":
            return []
        raise AssertionError(f"grammar rule {kind} has no builder")  # grammar and builder disagree

    def branch(self, tree: Tree) -> tuple:
        return tuple(self.stmt(tree))

    def register_target(self, name: Token) -> None:
        if str(name) in self.params:
            raise unsupported(f"'{name}' is a location parameter of this thread: it holds "
                              f"an address, and pointer assignment is not supported (did you "
                              f"mean `*{name} = ...`?)", _span(name))

    # ------------------------------------------------------------ expressions

    def expr(self, node):
        """The AST of an expression; a compare-exchange stays a `CasCall` until hoisted."""
        if isinstance(node, Token):  # cannot happen with this grammar; be explicit anyway
            raise AssertionError(f"unexpected token {node!r} in an expression")
        kind, span = node.data, _span(node)
        if kind == "const":
            return Const(_int(node.children[0]), span)
        if kind == "name":
            name = node.children[0]
            if str(name) in self.params:
                raise unsupported(f"'{name}' is a location's address; using addresses as "
                                  f"values is not supported (did you mean `*{name}`?)", span)
            return Reg(str(name), span)
        if kind == "deref":
            return PlainRead(self.address(node.children[1], "a plain read"), span)
        if kind == "unop":
            op, operand = node.children
            value = self.expr(operand)
            if op.type == "PLUS":
                return value
            if op.type == "MINUS" and isinstance(value, Const):
                return Const(-value.value, span)
            return Unary({"MINUS": "-", "BANG": "!", "TILDE": "~"}[op.type], value, span)
        if kind == "binop":
            left, op, right = node.children
            return Binary(str(op), self.expr(left), self.expr(right), span)
        if kind == "call":
            return self.call(node, statement=False)
        raise AssertionError(f"grammar rule {kind} has no builder")

    def address(self, node, what: str) -> str:
        """The location a pointer argument names: a parameter of this thread or an
        initialised location. Anything computed is a pointer: unsupported."""
        span = _span(node)
        if isinstance(node, Tree) and node.data == "name":
            name = str(node.children[0])
            if name in self.params or name in self.init:
                return name
            if name in self.declared:
                raise unsupported(f"'{name}' is a register: {what} through an address held in "
                                  "a register (a pointer) is not supported", span)
            raise MemorderError(f"unknown location '{name}': not a parameter of this thread "
                                "nor in the init block").at(span)
        raise unsupported(f"{what} of a computed address (pointer arithmetic or a pointer to "
                          "a pointer) is not supported; name a location", span)

    def order(self, node) -> MemoryOrder:
        span = _span(node)
        name = str(node.children[0]) if isinstance(node, Tree) and node.data == "name" else ""
        if name == "memory_order_consume":
            self.warnings.append((span, "memory_order_consume is read as memory_order_acquire"))
            return MemoryOrder.ACQUIRE
        order = parse_order(name) if name.startswith("memory_order_") else None
        if order is None:
            raise MemorderError("expected a memory order (memory_order_relaxed, _acquire, "
                                "_release, _acq_rel, _seq_cst)").at(span)
        return order

    def call(self, tree: Tree, statement: bool):
        """A call of a C11 atomic: a list of statements when `statement`, else an expression."""
        name_token = tree.children[0]
        name, span = str(name_token), _span(tree)
        args = [c for t in _trees(tree) for c in _trees(t)]  # the `args` subtree, if any
        explicit = name.endswith("_explicit")
        base = name[: -len("_explicit")] if explicit else name

        def arity(expected: int, described: str) -> None:
            if len(args) != expected:
                raise MemorderError(f"{name} takes {expected} argument"
                                    f"{'s' if expected != 1 else ''} ({described}), "
                                    f"got {len(args)}").at(span)

        def valueless():
            if not statement:
                raise MemorderError(f"{name} has no value; use it as a statement").at(span)

        if name == "atomic_thread_fence":
            valueless()
            arity(1, "memory order")
            order = self.order(args[0])
            return [] if order is MemoryOrder.RELAXED else [Fence(order, span)]
        if base == "atomic_store":
            valueless()
            if explicit:
                arity(3, "location, value, memory order")
                order = self.order(args[2])
            else:
                arity(2, "location, value")
                order = MemoryOrder.SEQ_CST
            loc = self.address(args[0], "an atomic store")
            pre, value = self.hoisted(self.expr(args[1]))
            return pre + [Store(loc, value, order, span)]
        if base == "atomic_load":
            if explicit:
                arity(2, "location, memory order")
                order = self.order(args[1])
            else:
                arity(1, "location")
                order = MemoryOrder.SEQ_CST
            expr = Load(self.address(args[0], "an atomic load"), order, span)
        elif base in _RMW_CALLS:
            if explicit:
                arity(3, "location, value, memory order")
                order = self.order(args[2])
            else:
                arity(2, "location, value")
                order = MemoryOrder.SEQ_CST
            loc = self.address(args[0], f"an atomic {_RMW_CALLS[base]}")
            expr = Rmw(_RMW_CALLS[base], loc, self.expr(args[1]), order, span)
        elif base in _CAS_CALLS:
            if explicit:
                arity(5, "location, expected location, desired value, success order, "
                         "failure order")
                success, failure = self.order(args[3]), self.order(args[4])
            else:
                arity(3, "location, expected location, desired value")
                success = failure = MemoryOrder.SEQ_CST
            loc = self.address(args[0], "a compare-exchange")
            expected = self.address(args[1], "the compare-exchange's expected value")
            new = self.expr(args[2])
            if contains(new, (Load, PlainRead, Rmw, CasCall)):
                # herd reads memory for the desired value only on success: keep it simple
                raise unsupported("a memory access in a compare-exchange's desired value is "
                                  "not supported; read it into a register first", _span(args[2]))
            expr = CasCall(loc, expected, new, success, failure, _CAS_CALLS[base], span)
        else:
            raise unsupported(f"`{name}` is not supported (memorder reads herd's C11 atomics: "
                              f"{_KNOWN_CALLS})", _span(name_token))
        if not statement:
            return expr
        pre, value = self.hoisted(expr)
        if isinstance(value, Reg) and value.name.startswith("%"):
            return pre  # a CAS for its effect only: the hoisted statements are all of it
        return pre + [Eval(value, span)]

    # ------------------------------------------------------------ final part

    def condition(self, tree: Tree) -> Condition:
        kind = {"exists": "exists", "not_exists": "~exists", "forall": "forall"}[tree.data]
        expr = self.prop(_trees(tree)[0])
        meta = tree.meta
        text = " ".join(self.text[meta.start_pos:meta.end_pos].split())
        return Condition(kind, expr, text, _span(tree))

    def prop(self, node):
        kind, span = node.data, _span(node)
        if kind == "prop_true":
            return Const(1, span)
        if kind == "prop_false":
            return Const(0, span)
        if kind == "prop_not":
            return Unary("!", self.prop(_trees(node)[0]), span)
        if kind in ("prop_and", "prop_or"):
            left, right = _trees(node)
            return Binary("&&" if kind == "prop_and" else "||", self.prop(left),
                          self.prop(right), span)
        if kind == "prop_implies":
            left, right = _trees(node)
            return Binary("||", Unary("!", self.prop(left), span), self.prop(right), span)
        if kind == "prop_cmp":
            left, right = _trees(node)
            op = next(t for t in _tokens(node) if t.type in ("EQUALS", "EQEQ", "NEQ"))
            if right.data == "signed_int":
                value = Const(self.signed_int(right), _span(right))
            elif right.data == "cond_reg":
                value = self.cond_loc(right)
            else:  # herd reads `x = y` as "x holds the address of y"
                raise unsupported("comparing with a location name compares with its address "
                                  "in herd; pointers are not supported", _span(right))
            return Binary("!=" if op.type == "NEQ" else "==", self.cond_loc(left), value, span)
        raise AssertionError(f"grammar rule {kind} has no builder")

    def cond_loc(self, node):
        span = _span(node)
        tokens = _tokens(node)
        if node.data == "cond_mem":
            loc = str(tokens[0])
            if loc not in self.init:
                self.extra_locations.setdefault(loc, span)
            return FinalLoc(loc, span)
        thread, reg = tokens[0], tokens[1]
        index = str(thread)
        if thread.type == "IDENT":
            m = re.fullmatch(r"P(\d+)", index)
            if not m:
                raise MemorderError(f"expected a thread (0, 1, ... or P0, P1, ...) before "
                                    f"':', got '{thread}'").at(_span(thread))
            index = m.group(1)
        index = str(int(index))
        if index not in self.thread_names:
            raise MemorderError(f"this test has no thread P{index}").at(span)
        return FinalReg(index, str(reg), span)

    def observed_key(self, node) -> str:
        value = self.cond_loc(node)
        if isinstance(value, FinalReg):
            return f"{value.thread}:{value.name}"
        return value.loc


def _int(token: Token) -> int:
    text = str(token)
    # OCaml's int_of_string (herd) reads "010" as ten: no C octal here.
    return int(text, 16) if text[:2].lower() == "0x" else int(text, 10)
