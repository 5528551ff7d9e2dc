"""The native front end: text -> AST. AST equality ignores spans (compare=False)."""
from __future__ import annotations

import types

import re
from pathlib import Path

import pytest

from memorder.base.errors import MemorderError
from memorder.base.orders import MemoryOrder
from memorder.frontend.grammars import grammar_text
from memorder.frontend.load import load_program
from memorder.frontend.native import parse_native
from memorder.frontend.validate import param_uses, resolve_orders
from memorder.base.syntax import (
    Assert, Assume, Binary, Break, Cas, Condition, Const, Eval, Expect, Fence,
    FinalLoc, FinalReg, If, Let, Load, LocationDecl, OrderDecl, OrderParam,
    PlainRead, PlainWrite, Reg, Rmw, Span, Store, Thread, Unary, While,
)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
DESIGN = ROOT.parent / "shared" / "DESIGN.md"

RLX, ACQ, REL, AR, SC = (MemoryOrder.RELAXED, MemoryOrder.ACQUIRE, MemoryOrder.RELEASE,
                         MemoryOrder.ACQ_REL, MemoryOrder.SEQ_CST)


def body(src: str, decls: str = "atomic x, y\nplain p, q") -> tuple:
    """The statements of the single thread `t` in `src`."""
    return parse_native(f"{decls}\nthread t {{\n{src}\n}}\n", "t.litmus").threads[0].body


def expr(src: str, decls: str = "atomic x, y\nplain p, q", regs: str = "a b c"):
    """The AST of expression `src`, with registers `regs` declared first."""
    lets = "\n".join(f"let {r} = 0" for r in regs.split())
    stmts = body(f"{lets}\nlet result = {src}", decls)
    return stmts[-1].value


# ---------------------------------------------------------------- DESIGN's example

def design_example() -> str:
    text = DESIGN.read_text()
    return next(b for b in re.findall(r"```\n(.*?)```", text, re.S) if b.startswith("test "))


@pytest.mark.skipif(not DESIGN.exists(), reason="DESIGN.md not beside the repository")
def test_example_file_is_design_verbatim():
    assert (EXAMPLES / "pyo3_borrowflag.litmus").read_text() == design_example()


def test_design_example_parses_exactly():
    p = load_program(str(EXAMPLES / "pyo3_borrowflag.litmus"))
    assert p.name == "PyO3 BorrowChecker: one shared borrow against one mutable borrow"
    assert p.format == "native" and p.warnings == ()
    assert p.params == (OrderDecl("CAS_OK", AR), OrderDecl("CAS_FAIL", RLX),
                        OrderDecl("UNBORROW", REL))
    assert p.locations == (LocationDecl("flag", True, 0), LocationDecl("value", False, 0))
    ok, fail, unborrow = OrderParam("CAS_OK"), OrderParam("CAS_FAIL"), OrderParam("UNBORROW")
    reader = Thread("reader", (
        Let(("seen",), Load("flag", RLX)),
        While(Binary("!=", Reg("seen"), Const(-1)), (
            Let(("ok", "old"), Cas("flag", Reg("seen"), Binary("+", Reg("seen"), Const(1)),
                                   ok, fail, False)),
            If(Reg("ok"), (
                Let(("r",), PlainRead("value")),
                Eval(Rmw("sub", "flag", Const(1), unborrow)),
                Break(),
            )),
            Let(("seen",), Reg("old"), declare=False),
        )),
    ))
    writer = Thread("writer", (
        Let(("ok", None), Cas("flag", Const(0), Const(-1), ok, fail, False)),
        If(Reg("ok"), (PlainWrite("value", Const(1)), Store("flag", Const(0), unborrow))),
    ))
    assert p.threads == (reader, writer)
    assert p.expects == (Expect("race-free", "expect race-free"),)
    assert p.condition == Condition("exists", Binary("==", FinalReg("reader", "r"), Const(1)),
                                    "exists (reader.r == 1)")
    # Spans are real source positions (1-based columns, end exclusive).
    assert p.threads[0].body[0].value.span == Span(11, 16, 11, 34)
    assert p.condition.expr.left.span == Span(32, 9, 32, 17)


def test_every_example_parses():
    files = sorted(EXAMPLES.glob("*.litmus"))
    assert len(files) >= 14
    for f in files:
        p = load_program(str(f))
        assert p.expects, f"{f.name} states no expectation"


# ---------------------------------------------------------------- declarations

def test_locations_several_per_line_defaults_and_negative_inits():
    p = parse_native("atomic x = 1, y, z = -3\nplain  p = -1 plain q\n", "f.litmus")
    assert p.locations == (LocationDecl("x", True, 1), LocationDecl("y", True, 0),
                           LocationDecl("z", True, -3), LocationDecl("p", False, -1),
                           LocationDecl("q", False, 0))
    assert p.name == "f"  # no `test` line: the file's stem


def test_test_name_with_escapes():
    assert parse_native('test "a \\"quoted\\" name"', "f").name == 'a "quoted" name'


def test_hex_integers():
    assert parse_native("atomic x = 0x10", "f").locations[0].init == 16
    assert parse_native("atomic x = 007", "f").locations[0].init == 7


# ---------------------------------------------------------------- statements

def test_let_and_reassignment_and_plain_access():
    assert body("let r = 1; r = r + 1; let s = p; q = s") == (
        Let(("r",), Const(1)),
        Let(("r",), Binary("+", Reg("r"), Const(1)), declare=False),
        Let(("s",), PlainRead("p")),
        PlainWrite("q", Reg("s")),
    )


def test_atomic_statements():
    assert body("x.store(1, Release)\nfence(SeqCst)\nx.fetch_sub(1, Relaxed)\n"
                "let v = x.load(Acquire)") == (
        Store("x", Const(1), REL), Fence(SC), Eval(Rmw("sub", "x", Const(1), RLX)),
        Let(("v",), Load("x", ACQ)),
    )


@pytest.mark.parametrize("method,op", [
    ("swap", "swap"), ("fetch_add", "add"), ("fetch_sub", "sub"), ("fetch_and", "and"),
    ("fetch_or", "or"), ("fetch_xor", "xor"), ("fetch_max", "max"), ("fetch_min", "min")])
def test_every_rmw(method, op):
    assert body(f"let v = x.{method}(2, AcqRel)") == (Let(("v",), Rmw(op, "x", Const(2), AR)),)


def test_compare_exchange_forms():
    assert body("let (ok, old) = x.compare_exchange(0, 1, AcqRel, Acquire)\n"
                "let (_, o2) = x.compare_exchange_weak(old, -1, SeqCst, Relaxed)\n"
                "(ok, old) = x.compare_exchange(1, 2, Release, Relaxed)\n"
                "let b = x.compare_exchange(0, 1, Relaxed, Relaxed)") == (
        Let(("ok", "old"), Cas("x", Const(0), Const(1), AR, ACQ, False)),
        Let((None, "o2"), Cas("x", Reg("old"), Const(-1), SC, RLX, True)),
        Let(("ok", "old"), Cas("x", Const(1), Const(2), REL, RLX, False), declare=False),
        Let(("b",), Cas("x", Const(0), Const(1), RLX, RLX, False)),
    )


def test_control_flow():
    assert body("let r = 0\nif r == 1 { r = 2 } else if r == 2 { } else { break_out() }"
                .replace("break_out()", "r = 3")) == (
        Let(("r",), Const(0)),
        If(Binary("==", Reg("r"), Const(1)), (Let(("r",), Const(2), declare=False),),
           (If(Binary("==", Reg("r"), Const(2)), (), (Let(("r",), Const(3), declare=False),)),)),
    )
    assert body("loop { break }\nwhile x.swap(1, Acquire) == 1 { }") == (
        While(Const(1), (Break(),)),
        While(Binary("==", Rmw("swap", "x", Const(1), ACQ), Const(1)), ()),
    )


def test_assume_await_assert():
    assert body("assume(x.load(Acquire) == 1)\nawait(y.load(Acquire))\nassert(1 < 2)") == (
        Assume(Binary("==", Load("x", ACQ), Const(1))),
        Assume(Load("y", ACQ)),
        Assert(Binary("<", Const(1), Const(2))),
    )


def test_semicolons_and_newlines_are_interchangeable():
    one_line = body("let a = 1; let b = a;; x.store(b, Relaxed);")
    lines = body("let a = 1\nlet b = a\nx.store(b, Relaxed)")
    assert one_line == lines
    assert body("let a = 1 let b = 2") == body("let a = 1\nlet b = 2")


def test_comments():
    assert body("let a = 1 // trailing\n/* block\n comment */ let b = /* inline */ 2") == (
        Let(("a",), Const(1)), Let(("b",), Const(2)))


def test_empty_thread_and_block():
    assert body("") == ()
    assert body("if 1 { } else { }") == (If(Const(1), (), ()),)


# ---------------------------------------------------------------- expressions

def test_precedence_follows_rust():
    # * binds tighter than +, + than <<, << than &, & than ^, ^ than |, | than ==, == than &&.
    assert expr("a + b * c") == Binary("+", Reg("a"), Binary("*", Reg("b"), Reg("c")))
    assert expr("a - b - c") == Binary("-", Binary("-", Reg("a"), Reg("b")), Reg("c"))
    assert expr("a << 1 + b") == Binary("<<", Reg("a"), Binary("+", Const(1), Reg("b")))
    assert expr("a & b ^ c | 1") == Binary("|", Binary("^", Binary("&", Reg("a"), Reg("b")),
                                                      Reg("c")), Const(1))
    assert expr("a | b == c") == Binary("==", Binary("|", Reg("a"), Reg("b")), Reg("c"))
    assert expr("a == 1 && b != 2 || c") == Binary(
        "||", Binary("&&", Binary("==", Reg("a"), Const(1)), Binary("!=", Reg("b"), Const(2))),
        Reg("c"))
    assert expr("(a + b) * c") == Binary("*", Binary("+", Reg("a"), Reg("b")), Reg("c"))
    assert expr("a % b / c >> 2") == Binary(">>", Binary("/", Binary("%", Reg("a"), Reg("b")),
                                                         Reg("c")), Const(2))


def test_unary_and_negative_literals():
    assert expr("-1") == Const(-1)
    assert expr("-a") == Unary("-", Reg("a"))
    assert expr("!a && --b") == Binary("&&", Unary("!", Reg("a")), Unary("-", Unary("-", Reg("b"))))
    assert expr("--1") == Unary("-", Const(-1))
    assert expr("a - -1") == Binary("-", Reg("a"), Const(-1))


def test_comparisons():
    for op in ("==", "!=", "<", "<=", ">", ">="):
        assert expr(f"a {op} b") == Binary(op, Reg("a"), Reg("b"))


def test_memory_operations_are_expressions():
    assert expr("x.load(Relaxed) + x.fetch_add(1, Relaxed) * p") == Binary(
        "+", Load("x", RLX), Binary("*", Rmw("add", "x", Const(1), RLX), PlainRead("p")))


def test_names_resolve_by_declaration():
    # The same spelling is a register in one program and a location in another.
    assert expr("v", decls="plain v", regs="a") == PlainRead("v")
    assert expr("v", decls="atomic x", regs="v") == Reg("v")
    assert body("v = 1", decls="plain v") == (PlainWrite("v", Const(1)),)
    assert body("let v = 0 v = 1", decls="atomic x") == (
        Let(("v",), Const(0)), Let(("v",), Const(1), declare=False))


def test_declarations_may_follow_threads():
    p = parse_native("thread t { d = 1 }\nplain d", "f")
    assert p.threads[0].body == (PlainWrite("d", Const(1)),)


# ---------------------------------------------------------------- orderings

@pytest.mark.parametrize("spelling,order", [
    ("Relaxed", RLX), ("Acquire", ACQ), ("Release", REL), ("AcqRel", AR), ("SeqCst", SC),
    ("relaxed", RLX), ("acquire", ACQ), ("release", REL), ("acq_rel", AR), ("seq_cst", SC),
    ("Ordering::Acquire", ACQ), ("std::sync::atomic::Ordering::SeqCst", SC),
    ("memory_order_release", REL)])
def test_ordering_spellings(spelling, order):
    assert body(f"let (a, b) = x.compare_exchange(0, 1, {spelling}, Relaxed)") == (
        Let(("a", "b"), Cas("x", Const(0), Const(1), order, RLX, False)),)


def test_consume_reads_as_acquire_with_warning():
    p = parse_native("atomic x\nthread t { let r = x.load(consume)\n"
                     "let s = x.load(Consume) }", "f")
    assert [s.value for s in p.threads[0].body] == [Load("x", ACQ), Load("x", ACQ)]
    assert [(span.line, span.column) for span, _ in p.warnings] == [(2, 27), (3, 16)]
    assert all("consume" in text and "Acquire" in text for _, text in p.warnings)


def test_order_parameters():
    p = parse_native("order A = acquire\norder B = Ordering::Release\norder F = AcqRel\n"
                     "atomic x\nthread t { let r = x.load(A)\nx.store(r, B)\n"
                     "x.fetch_add(1, B)\nfence(F) let (o, v) = x.compare_exchange(0, 1, F, A) }",
                     "f")
    assert p.params == (OrderDecl("A", ACQ), OrderDecl("B", REL), OrderDecl("F", AR))
    assert p.threads[0].body[0] == Let(("r",), Load("x", OrderParam("A")))
    assert param_uses(p) == {"A": {"load", "cas_failure"}, "B": {"store", "rmw"},
                             "F": {"fence", "rmw"}}
    concrete = resolve_orders(p, {"A": SC})
    assert concrete.threads[0].body == (
        Let(("r",), Load("x", SC)), Store("x", Reg("r"), REL), Eval(Rmw("add", "x", Const(1), REL)),
        Fence(AR), Let(("o", "v"), Cas("x", Const(0), Const(1), AR, SC, False)))
    assert concrete.params == (OrderDecl("A", SC), OrderDecl("B", REL), OrderDecl("F", AR))
    assert p.threads[0].body[0].value.order == OrderParam("A")  # the original is untouched
    assert resolve_orders(p).threads[0].body[0] == Let(("r",), Load("x", ACQ))


def test_resolve_orders_rejects_unknown_and_illegal_overrides():
    p = parse_native("order A = Acquire\natomic x\nthread t { let r = x.load(A) }", "f")
    with pytest.raises(MemorderError, match="unknown ordering parameter 'B'"):
        resolve_orders(p, {"B": RLX})
    with pytest.raises(MemorderError, match="A = Release is not valid for a load") as info:
        resolve_orders(p, {"A": REL})
    assert (info.value.line, info.value.column) == (3, 27)


def test_unused_parameter_has_no_uses():
    assert param_uses(parse_native("order A = SeqCst", "f")) == {"A": set()}


# ---------------------------------------------------------------- checks

def test_conditions():
    p = parse_native("atomic x\nthread t { let r = 1 }\n~exists (t.r = 1 /\\ x == 2 \\/ !(x != 0))",
                     "f")
    assert p.condition == Condition(
        "~exists",
        Binary("||", Binary("&&", Binary("==", FinalReg("t", "r"), Const(1)),
                            Binary("==", FinalLoc("x"), Const(2))),
               Unary("!", Binary("!=", FinalLoc("x"), Const(0)))),
        "~exists (t.r = 1 /\\ x == 2 \\/ !(x != 0))")
    assert parse_native("atomic x\nforall (x == 0)", "f").condition.kind == "forall"


def test_expect_lines():
    p = parse_native("order A = Relaxed\norder B = Relaxed\natomic x\n"
                     "thread t { let r = x.load(A) x.store(1, B) }\n"
                     "expect race-free\nexpect race\nexpect exists\nexpect ~exists\n"
                     "expect assertions-hold\nexpect weakest A=Acquire,B=Release\n"
                     "expect weakest A = SeqCst, B = Ordering::Relaxed\nexists (x == 1)", "f")
    assert [e.kind for e in p.expects] == ["race-free", "race", "exists", "~exists",
                                           "assertions-hold", "weakest", "weakest"]
    assert p.expects[5] == Expect("weakest", "expect weakest A=Acquire,B=Release",
                                  (("A", ACQ), ("B", REL)))
    assert p.expects[6].orderings == (("A", SC), ("B", RLX))


def test_keywords_usable_as_names_where_unambiguous():
    # lark's contextual lexer reads `order` as a name right after `let`.
    assert body("let order = 1") == (Let(("order",), Const(1)),)


# ---------------------------------------------------------------- dispatch

def test_load_program_dispatches_herd_files(monkeypatch):
    from memorder.frontend import load
    monkeypatch.setattr(load, "parse_herd",
                        lambda text, file: types.SimpleNamespace(threads=(0,), text=text, file=file))
    herd_text = "\n\nC MP\n{ }\nP0(atomic_int* x) { }\n"
    assert load_program("mp.litmus", herd_text).text == herd_text
    assert load_program("n.litmus", "atomic x", fmt="herd").text == "atomic x"
    # `Chello` or a native file whose first line is not `C ...` is native.
    assert load_program("n.litmus", "atomic C\nthread t { }").locations[0].name == "C"


def test_load_program_reads_files(tmp_path):
    f = tmp_path / "a.litmus"
    f.write_text("atomic x = 5\nthread t { }")
    assert load_program(str(f)).locations == (LocationDecl("x", True, 5),)
    with pytest.raises(MemorderError, match="no such file"):
        load_program(str(tmp_path / "missing.litmus"))
    with pytest.raises(MemorderError, match="unknown input format"):
        load_program(str(f), fmt="json")


def test_grammar_text_is_found():
    assert "start:" in grammar_text("memorder.lark")
