"""herd7's C litmus format -> AST (memorder.frontend.herd). AST equality ignores spans.

Two parts: every test of the oracle corpora parses (../shared/litmus), and unit
tests on small inline sources for each construct, the compare-exchange
desugaring, and the errors (unsupported constructs and syntax errors, located).
"""
from __future__ import annotations

import pytest

from conftest import missing_shared, read_jsonl, shared_path
from memorder.base.errors import MemorderError
from memorder.frontend.herd import parse_herd
from memorder.base.orders import MemoryOrder
from memorder.base.syntax import (
    Binary, Break, Cas, Const, Eval, Fence, FinalLoc, FinalReg, If, Let, Load, LocationDecl,
    PlainRead, PlainWrite, Reg, Rmw, Store, Unary, While,
)

RLX, ACQ, REL, AR, SC = (MemoryOrder.RELAXED, MemoryOrder.ACQUIRE, MemoryOrder.RELEASE,
                         MemoryOrder.ACQ_REL, MemoryOrder.SEQ_CST)


# ---------------------------------------------------------------- the corpora

def _corpus_files() -> list:
    """(corpus, file) for every test of both corpora's expected results, once each."""
    params, seen = [], set()
    for corpus in ("herd", "genmc"):
        for name in ("expected-rc11.jsonl", "expected-sc.jsonl"):
            path = shared_path("litmus", corpus, name)
            if path is None:
                params.append(pytest.param(corpus, None, id=f"{corpus}/{name}-missing"))
                continue
            for row in read_jsonl(path):
                if (corpus, row["file"]) not in seen:
                    seen.add((corpus, row["file"]))
                    params.append(pytest.param(corpus, row["file"], id=f"{corpus}/{row['file']}"))
    return params


@pytest.mark.parametrize("corpus,file", _corpus_files())
def test_corpus_file_parses(corpus, file):
    if file is None:
        missing_shared("litmus", corpus)
    path = shared_path("litmus", corpus, file)
    text = path.read_text(encoding="utf-8")
    program = parse_herd(text, str(path))
    assert program.format == "herd"
    assert program.name == text.split()[1]
    assert [t.name for t in program.threads] == [str(i) for i in range(len(program.threads))]
    assert program.condition is not None
    assert all(l.atomic for l in program.locations)


# The 7 herd-extension tests: each is refused as unsupported, at the construct.
EXTENSIONS = {
    "herd/tests/instructions/C/C04.litmus": (5, 5, "__int128_t"),
    "herd/tests/instructions/C/C05.litmus": (2, 1, "Variant"),
    "herd/tests/instructions/C/C06.litmus": (3, 1, "Variant"),
    "herd/tests/instructions/C/C08.litmus": (5, 2, "__int128"),
    "herd/tests/instructions/C/C11.litmus": (5, 2, "__int128"),
    "herd/tests/instructions/C/C12.litmus": (9, 1, "regions"),
    "herd/tests/instructions/C/C17.litmus": (4, 3, "atomic_t"),
}


def test_extension_list_is_the_oracles():
    path = shared_path("litmus", "herd", "expected-rc11-herd-extensions.jsonl")
    if path is None:
        missing_shared("litmus", "herd")
    assert {row["file"] for row in read_jsonl(path)} == set(EXTENSIONS)


@pytest.mark.parametrize("file", sorted(EXTENSIONS))
def test_herd_extensions_are_unsupported(file):
    path = shared_path("litmus", "herd", file)
    if path is None:
        missing_shared("litmus", "herd", file)
    with pytest.raises(MemorderError) as info:
        parse_herd(path.read_text(encoding="utf-8"), str(path))
    err = info.value
    line, column, word = EXTENSIONS[file]
    assert err.kind == "unsupported"
    assert (err.line, err.column, err.file) == (line, column, str(path))
    assert word in err.message


# ---------------------------------------------------------------- helpers

def parse(src: str):
    return parse_herd(src, "t.litmus")


def thread_body(src: str, index: int = 0) -> tuple:
    return parse(src).threads[index].body


def one_thread(body: str, params: str = "atomic_int* x, atomic_int* y, int* e",
               init: str = "[x] = 0; [y] = 0; [e] = 0;") -> tuple:
    return thread_body(f"C t\n{{ {init} }}\nP0 ({params}) {{\n{body}\n}}\nexists (x=1)\n")


def error(src: str) -> MemorderError:
    with pytest.raises(MemorderError) as info:
        parse(src)
    assert info.value.file == "t.litmus"
    return info.value


MP = """C MP
{ [x] = 0; [y] = 0; }

P0 (int* x, atomic_int* y) {
  *x = 1;
  atomic_store_explicit(y, 1, memory_order_release);
}

P1 (int* x, atomic_int* y) {
  int r0 = atomic_load_explicit(y, memory_order_acquire);
  int r1 = *x;
}

exists (1:r0=1 /\\ 1:r1=0)
"""


# ---------------------------------------------------------------- whole programs

def test_message_passing():
    program = parse(MP)
    assert program.name == "MP"
    assert program.format == "herd"
    assert program.file == "t.litmus"
    assert program.locations == (LocationDecl("x", True, 0), LocationDecl("y", True, 0))
    assert [t.name for t in program.threads] == ["0", "1"]
    assert program.threads[0].body == (PlainWrite("x", Const(1)), Store("y", Const(1), REL))
    assert program.threads[1].body == (Let(("r0",), Load("y", ACQ)),
                                       Let(("r1",), PlainRead("x")))
    cond = program.condition
    assert cond.kind == "exists"
    assert cond.text == "exists (1:r0=1 /\\ 1:r1=0)"
    assert cond.expr == Binary("&&", Binary("==", FinalReg("1", "r0"), Const(1)),
                               Binary("==", FinalReg("1", "r1"), Const(0)))
    assert program.filter is None and program.observed is None and program.warnings == ()


def test_atomicity_belongs_to_the_access():
    # *x on an atomic_int* is a plain access (it can race), as in herd.
    body = one_thread("int r = *x;\n*x = 2;")
    assert body == (Let(("r",), PlainRead("x")), PlainWrite("x", Const(2)))


def test_spans_point_at_the_source():
    program = parse(MP)
    store = program.threads[0].body[1]
    assert (store.span.line, store.span.column) == (6, 3)
    assert (program.condition.span.line, program.condition.span.column) == (14, 1)


def test_void_thread_header_and_parameter_spellings():
    program = parse("C t\n{}\nvoid P0 (atomic_int *x, volatile int* y, const int * z, "
                    "_Atomic int* w, atomic_int * volatile v) {\n  *y = 1;\n}\n")
    assert [l.name for l in program.locations] == ["x", "y", "z", "w", "v"]


def test_threads_must_be_numbered_in_order():
    err = error("C t\n{}\nP1 (int* x) { *x = 1; }\n")
    assert (err.line, err.column) == (3, 1)
    assert "P0" in err.message


# ---------------------------------------------------------------- init block

@pytest.mark.parametrize("init,expected", [
    ("{ [x]=0; }", {"x": 0}),
    ("{ x=1; }", {"x": 1}),
    ("{ x = 1 }", {"x": 1}),
    ("{ int x = 0; }", {"x": 0}),
    ("{ int x = 3 }", {"x": 3}),
    ("{ atomic_int x = 2; int y; }", {"x": 2, "y": 0}),
    ("{}", {}),
    ("{ }", {}),
    ("{ [x] = 0; [y] = 0 }", {"x": 0, "y": 0}),
    ("{\nx = 0;\ny = -1;\n}", {"x": 0, "y": -1}),
    ("{ x; [y]; }", {"x": 0, "y": 0}),
    ("{ x = 0x10; }", {"x": 16}),
])
def test_init_forms(init, expected):
    program = parse(f"C t\n{init}\nP0 (int* x) {{ *x = 5; }}\n")
    values = {l.name: l.init for l in program.locations}
    assert values == {"x": 0, **expected}


def test_locations_from_parameters_and_condition_start_at_zero():
    program = parse("C t\n{ [a] = 7; }\nP0 (int* b) { *b = 1; }\nexists (c = 0)\n")
    assert program.locations == (LocationDecl("a", True, 7), LocationDecl("b", True, 0),
                                 LocationDecl("c", True, 0))


def test_register_initial_value_in_init_block():
    program = parse("C t\n{ 0:r1 = 4; x = 1; }\nP0 (int* x) { int r0 = r1; }\n")
    assert program.threads[0].body == (Let(("r1",), Const(4)), Let(("r0",), Reg("r1")))


def test_location_initialised_twice_is_an_error():
    err = error("C t\n{ x = 1; [x] = 2; }\nP0 (int* x) { *x = 1; }\n")
    assert "twice" in err.message and (err.line, err.column) == (2, 10)


# ---------------------------------------------------------------- statements

def test_register_forms():
    body = one_thread("int r0;\nr0 = *x;\nint r1 = -1;\nr2 = r1;")
    assert body == (Let(("r0",), Const(0)), Let(("r0",), PlainRead("x"), declare=False),
                    Let(("r1",), Const(-1)), Let(("r2",), Reg("r1"), declare=True))


def test_arithmetic_and_precedence():
    body = one_thread("int r1 = 1;\nint r2 = (r1^r1)+r1;\nint r3 = 1 + 2 * r1 == 3 & r1;")
    assert body[1].value == Binary("+", Binary("^", Reg("r1"), Reg("r1")), Reg("r1"))
    assert body[2].value == Binary(
        "&", Binary("==", Binary("+", Const(1), Binary("*", Const(2), Reg("r1"))), Const(3)),
        Reg("r1"))


def test_if_else_nested_and_comparisons():
    body = one_thread("int r = atomic_load_explicit(x, memory_order_relaxed);\n"
                      "if (r) { if ((r > 1)) { *y = 1; } } else { *y = 2; }\n"
                      "if (r != 0) *y = 3;\n"
                      "if (r >= 1) { } else if (r < 0) { *y = 4; }")
    assert body[1] == If(Reg("r"), (If(Binary(">", Reg("r"), Const(1)),
                                       (PlainWrite("y", Const(1)),)),),
                         (PlainWrite("y", Const(2)),))
    assert body[2] == If(Binary("!=", Reg("r"), Const(0)), (PlainWrite("y", Const(3)),))
    assert body[3] == If(Binary(">=", Reg("r"), Const(1)), (),
                         (If(Binary("<", Reg("r"), Const(0)), (PlainWrite("y", Const(4)),)),))


def test_while_loop():
    body = one_thread("while (atomic_load_explicit(x, memory_order_acquire) == 0) { }")
    assert body == (While(Binary("==", Load("x", ACQ), Const(0)), ()),)


def test_deref_in_conditions_and_expressions():
    body = one_thread("if (*x) { int r = atomic_load_explicit(y, memory_order_acquire) + *e; }")
    assert body == (If(PlainRead("x"), (Let(("r",), Binary("+", Load("y", ACQ),
                                                             PlainRead("e"))),)),)


def test_atomic_operations():
    body = one_thread(
        "atomic_store_explicit(x, 1, memory_order_relaxed);\n"
        "atomic_store(y, 2);\n"
        "int a = atomic_load(x);\n"
        "int b = atomic_exchange_explicit(x, 3, memory_order_acq_rel);\n"
        "int c = atomic_exchange(x, 4);\n"
        "atomic_fetch_add_explicit(x, 1, memory_order_release);\n"
        "int d = atomic_fetch_sub_explicit(x, 1, memory_order_acquire);\n"
        "int f = atomic_fetch_and(x, 6) + atomic_fetch_or(x, 1);\n"
        "int g = atomic_fetch_xor_explicit(x, a, memory_order_seq_cst);")
    assert body == (
        Store("x", Const(1), RLX),
        Store("y", Const(2), SC),
        Let(("a",), Load("x", SC)),
        Let(("b",), Rmw("swap", "x", Const(3), AR)),
        Let(("c",), Rmw("swap", "x", Const(4), SC)),
        Eval(Rmw("add", "x", Const(1), REL)),
        Let(("d",), Rmw("sub", "x", Const(1), ACQ)),
        Let(("f",), Binary("+", Rmw("and", "x", Const(6), SC), Rmw("or", "x", Const(1), SC))),
        Let(("g",), Rmw("xor", "x", Reg("a"), SC)),
    )


def test_odd_orders_are_kept_as_written():
    # herd's catalogue has e.g. atomic_load_explicit(y, memory_order_release): herd
    # tags the event with the order as written; so does memorder.
    body = one_thread("int r = atomic_load_explicit(y, memory_order_release);\n"
                      "atomic_store_explicit(x, 1, memory_order_acquire);")
    assert body == (Let(("r",), Load("y", REL)), Store("x", Const(1), ACQ))


def test_fences():
    body = one_thread("atomic_thread_fence(memory_order_seq_cst);\n"
                      "atomic_thread_fence(memory_order_relaxed);\n"
                      "atomic_thread_fence(memory_order_acquire);")
    assert body == (Fence(SC), Fence(ACQ))  # a relaxed fence is a no-op


def test_consume_is_acquire_with_a_warning():
    program = parse("C t\n{}\nP0 (atomic_int* x) {\n"
                    "  int r = atomic_load_explicit(x, memory_order_consume);\n}\n")
    assert program.threads[0].body == (Let(("r",), Load("x", ACQ)),)
    (span, text), = program.warnings
    assert (span.line, span.column) == (4, 35) and "consume" in text


def test_comments():
    program = parse("C t\n(* a comment { with braces } *)\n{ [x] = 0; } // trailing\n"
                    "P0 (atomic_int* x) {\n  /* block */ int r = (*x); // (* not a comment *)\n"
                    "}\n(* between *)\nexists (0:r = 0) (* after *)\n")
    assert program.threads[0].body == (Let(("r",), PlainRead("x")),)


def test_metadata_lines_are_ignored():
    program = parse("C t \"a doc string\"\nHash=abc\nCycle=Rfe PodRR\n{ x = 0; }\n"
                    "P0 (int* x) { *x = 1; }\n")
    assert program.name == "t"


# ---------------------------------------------------------------- compare-exchange

def cas_stmts(n: int, loc="x", exp="e", new=Const(2), s=ACQ, f=RLX, weak=False) -> list:
    """The statements a CAS desugars to: herd7's ECas (see memorder/herd.py)."""
    return [
        Let((f"%e{n}",), PlainRead(exp)),
        Let((f"%ok{n}", f"%old{n}"), Cas(loc, Reg(f"%e{n}"), new, s, f, weak)),
        If(Binary("==", Reg(f"%ok{n}"), Const(0)), (PlainWrite(exp, Reg(f"%old{n}")),)),
    ]


def test_cas_statement_desugars_to_read_cas_and_failure_write():
    body = one_thread("atomic_compare_exchange_strong_explicit(x, e, 2, memory_order_acquire, "
                      "memory_order_relaxed);")
    assert list(body) == cas_stmts(1)


def test_cas_value_is_ok():
    body = one_thread("int r = atomic_compare_exchange_weak_explicit(x, e, 2, "
                      "memory_order_acquire, memory_order_relaxed);")
    assert list(body) == cas_stmts(1, weak=True) + [Let(("r",), Reg("%ok1"))]


def test_non_explicit_cas_is_seq_cst():
    body = one_thread("atomic_compare_exchange_strong(x, e, 2);\n"
                      "atomic_compare_exchange_weak(y, e, 3);")
    assert list(body) == (cas_stmts(1, s=SC, f=SC)
                          + cas_stmts(2, loc="y", new=Const(3), s=SC, f=SC, weak=True))


def test_cas_in_a_condition():
    body = one_thread("if (atomic_compare_exchange_strong(x, e, 1)) { *y = 1; }")
    assert list(body) == (cas_stmts(1, new=Const(1), s=SC, f=SC)
                          + [If(Reg("%ok1"), (PlainWrite("y", Const(1)),))])


def test_cas_keeps_the_order_of_memory_accesses_in_its_expression():
    # *y is read before the CAS, so it is read into a hidden register first.
    body = one_thread("int r = *y + atomic_compare_exchange_strong(x, e, 1);")
    assert list(body) == ([Let(("%t1",), PlainRead("y"))]
                          + cas_stmts(2, new=Const(1), s=SC, f=SC)
                          + [Let(("r",), Binary("+", Reg("%t1"), Reg("%ok2")))])


def test_cas_in_a_loop_condition_runs_every_iteration():
    body = one_thread("while (atomic_compare_exchange_weak(x, e, 1) == 0) { }")
    (loop,) = body
    assert loop.cond == Const(1)
    assert list(loop.body) == (cas_stmts(1, new=Const(1), s=SC, f=SC, weak=True)
                               + [If(Unary("!", Binary("==", Reg("%ok1"), Const(0))),
                                     (Break(),))])


def test_hidden_registers_start_with_percent():
    body = one_thread("int r = atomic_compare_exchange_strong(x, e, 1);")
    hidden = {t for s in body if isinstance(s, Let) for t in s.targets if t != "r"}
    assert hidden and all(t.startswith("%") for t in hidden)


def test_cas_expected_must_be_a_location():
    err = error("C t\n{}\nP0 (atomic_int* x) {\n  int r = 0;\n"
                "  atomic_compare_exchange_strong(x, r, 1);\n}\n")
    assert err.kind == "unsupported" and (err.line, err.column) == (5, 37)


# ---------------------------------------------------------------- final part

def cond(text: str):
    return parse(f"C t\n{{ x = 0; y = 0; }}\nP0 (int* x) {{ int r0 = 1; }}\n"
                 f"P1 (int* y) {{ int r0 = 2; }}\n{text}\n")


@pytest.mark.parametrize("text,kind,expr", [
    ("exists (x=1)", "exists", Binary("==", FinalLoc("x"), Const(1))),
    ("exists([x]=1)", "exists", Binary("==", FinalLoc("x"), Const(1))),
    ("~exists (1:r0=2)", "~exists", Binary("==", FinalReg("1", "r0"), Const(2))),
    ("~ exists (P1:r0=2)", "~exists", Binary("==", FinalReg("1", "r0"), Const(2))),
    ("forall y=1", "forall", Binary("==", FinalLoc("y"), Const(1))),
    ("exists 0:r0 != 0", "exists", Binary("!=", FinalReg("0", "r0"), Const(0))),
    ("exists (0: r0 == -1)", "exists", Binary("==", FinalReg("0", "r0"), Const(-1))),
    ("forall (true)", "forall", Const(1)),
    ("exists (false)", "exists", Const(0)),
    ("exists (0:r0 = 1:r0)", "exists", Binary("==", FinalReg("0", "r0"), FinalReg("1", "r0"))),
    ("exists (x=1 \\/ y=1 /\\ 0:r0=1)", "exists",
     Binary("||", Binary("==", FinalLoc("x"), Const(1)),
            Binary("&&", Binary("==", FinalLoc("y"), Const(1)),
                   Binary("==", FinalReg("0", "r0"), Const(1))))),
    ("forall (~((x=0 /\\ y=0)))", "forall",
     Unary("!", Binary("&&", Binary("==", FinalLoc("x"), Const(0)),
                       Binary("==", FinalLoc("y"), Const(0))))),
    ("exists (not x=1 /\\ y=1)", "exists",
     Binary("&&", Unary("!", Binary("==", FinalLoc("x"), Const(1))),
            Binary("==", FinalLoc("y"), Const(1)))),
    ("forall (x=1 => y=1)", "forall",
     Binary("||", Unary("!", Binary("==", FinalLoc("x"), Const(1))),
            Binary("==", FinalLoc("y"), Const(1)))),
    ("exists (x=1 /\\\n  y=1)", "exists",
     Binary("&&", Binary("==", FinalLoc("x"), Const(1)), Binary("==", FinalLoc("y"), Const(1)))),
])
def test_conditions(text, kind, expr):
    condition = cond(text).condition
    assert (condition.kind, condition.expr) == (kind, expr)
    assert condition.text == " ".join(text.split())


def test_no_condition_is_forall_true():
    condition = cond("").condition
    assert (condition.kind, condition.expr, condition.text) == ("forall", Const(1),
                                                                "forall (true)")


def test_locations_and_filter():
    program = cond("locations [0:r0; 1:r0; x; [y];]\nfilter (0:r0=1 /\\ y=0)\nforall (true)")
    assert program.observed == ("0:r0", "1:r0", "x", "y")
    assert program.filter == Binary("&&", Binary("==", FinalReg("0", "r0"), Const(1)),
                                    Binary("==", FinalLoc("y"), Const(0)))
    assert program.condition.kind == "forall"


def test_condition_naming_a_missing_thread():
    err = error("C t\n{}\nP0 (int* x) { *x = 1; }\nexists (3:r0 = 1)\n")
    assert "P3" in err.message and (err.line, err.column) == (4, 9)


# ---------------------------------------------------------------- unsupported

@pytest.mark.parametrize("src,line,column,word", [
    ("C t\n{}\nP0 (__int128* x) { *x = 1; }\n", 3, 5, "__int128"),
    ("C t\nVariant=S128\n{}\nP0 (int* x) { *x = 1; }\n", 2, 1, "Variant"),
    ("C t\n{}\nP0 (int* x) { *x = 1; }\nregions: x:PROP\nexists (x=1)\n", 4, 1, "regions"),
    ("C t\n{ atomic_t x = ATOMIC_INIT(0); }\nP0 (atomic_int* x) { *x = 1; }\n", 2, 3, "atomic_t"),
    ("C t\n{}\nP0 (atomic_int* x) {\n  int r = __atomic_add_unless{mb}(x, 1, 0);\n}\n",
     4, 11, "__atomic_add_unless"),
    ("C t\n{}\nP0 (spinlock_t* l) { spin_lock(l); }\n", 3, 5, "spinlock_t"),
    ("C t\n{}\nP0 (int* l) {\n  spin_lock(l);\n}\n", 4, 3, "spin_lock"),
    ("C t\n{}\nP0 (int* x) {\n  int r = READ_ONCE(*x);\n}\n", 4, 11, "READ_ONCE"),
    ("C t\n{}\nP0 (int* x) {\n  smp_mb();\n}\n", 4, 3, "smp_mb"),
    ("C t\n{}\nP0 (int* x) {\n  rcu_read_lock();\n}\n", 4, 3, "rcu_read_lock"),
    ("C t\n{}\nP0 (atomic_int* x) {\n  int r = atomic_fetch_add_unless(x, 1, 0);\n}\n",
     4, 11, "atomic_fetch_add_unless"),
    ("C t\n{}\nP0 (int** p) { int r = 0; }\n", 3, 5, "pointer to a pointer"),
    ("C t\n{}\nP0 (unsigned int* x) { *x = 1; }\n", 3, 5, "unsigned"),
    ("C t\n{}\nP0 (int* x, int* y) {\n  *x = y;\n}\n", 4, 8, "address"),
    ("C t\n{ x = y; }\nP0 (int* x) { *x = 1; }\n", 2, 7, "address"),
    ("C t\n{}\nP0 (int* x) {\n  int* r = x;\n}\n", 4, 3, "pointer"),
])
def test_unsupported_constructs_are_located(src, line, column, word):
    err = error(src)
    assert err.kind == "unsupported"
    assert (err.line, err.column) == (line, column), err.message
    assert word in err.message


# ---------------------------------------------------------------- syntax errors

def test_syntax_error_names_what_was_expected():
    err = error("C t\n{ x = 0; }\nP0 (int* x) {\n  *x = 1\n}\n")
    assert err.kind == "error"
    assert (err.line, err.column) == (5, 1)
    assert "expected" in err.message and "';'" in err.message


def test_missing_header():
    err = error("\n\n{ x = 0; }\n")
    assert (err.line, err.column) == (3, 1) and "C name" in err.message


def test_unterminated_comment():
    err = error("C t\n(* oops\n{}\n")
    assert (err.line, err.column) == (2, 1) and "unterminated" in err.message


def test_unknown_location_and_bad_order():
    err = error("C t\n{}\nP0 (int* x) {\n  *y = 1;\n}\n")
    assert "unknown location 'y'" in err.message and (err.line, err.column) == (4, 4)
    err = error("C t\n{}\nP0 (atomic_int* x) {\n"
                "  atomic_store_explicit(x, 1, memory_order_sideways);\n}\n")
    assert "memory order" in err.message and (err.line, err.column) == (4, 31)


def test_wrong_arity_and_valueless_calls():
    err = error("C t\n{}\nP0 (atomic_int* x) {\n  int r = atomic_load_explicit(x);\n}\n")
    assert "takes 2 arguments" in err.message and (err.line, err.column) == (4, 11)
    err = error("C t\n{}\nP0 (atomic_int* x) {\n"
                "  int r = atomic_store_explicit(x, 1, memory_order_relaxed);\n}\n")
    assert "no value" in err.message


def test_load_program_dispatches_herd_files(tmp_path):
    from memorder.frontend.load import load_program
    path = tmp_path / "mp.litmus"
    path.write_text(MP, encoding="utf-8")
    program = load_program(str(path))
    assert program.format == "herd" and program.name == "MP"
