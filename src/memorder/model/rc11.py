"""RC11 (Lahav et al., PLDI 2017), line for line as herdtools7's rc11.cat.

herd's `sb` is our `po`, `co` our `mo`; `myrmw = [RMW] | rmw` is just `rmw`
here since every RMW is a read and a write joined by `rmw`.
"""
from memorder.model.lets import Lets


def derive(x):
    po, rf, mo, rmw, loc = x.po, x.rf, x.mo, x.rmw, x.loc
    W, R, F, SC = x.W, x.R, x.F, x.SC
    d = Lets(x)  # each `let` is computed on first use: a race query never builds psc

    d.let("rb", lambda: (rf.inv() @ mo) - x.id)
    d.let("eco", lambda: (rf | mo | d.rb).plus())
    d.let("rs", lambda: W.id() @ (po & loc).opt() @ (W & x.A).id() @ (rf @ rmw).star())
    d.let("sw", lambda: (x.REL | x.ACQ_REL | SC).id() @ (F.id() @ po).opt() @ d.rs @ rf
          @ (R & x.A).id() @ (po @ F.id()).opt() @ (x.ACQ | x.ACQ_REL | SC).id())
    d.let("hb", lambda: (po | d.sw).plus())

    d.let("sbl", lambda: po - loc)
    d.let("hbl", lambda: d.hb & loc)
    d.let("scb", lambda: po | d.sbl @ d.hb @ d.sbl | d.hbl | mo | d.rb)
    d.let("pscb", lambda: (SC.id() | (F & SC).id() @ d.hb.opt()) @ d.scb
          @ (SC.id() | d.hb.opt() @ (F & SC).id()))
    d.let("pscf", lambda: (F & SC).id() @ (d.hb | d.hb @ d.eco @ d.hb) @ (F & SC).id())
    # without SC events psc is empty: None skips the most expensive lines
    d.let("psc", lambda: d.pscb | d.pscf if SC else None)
    return d


# Every axiom but atomicity forbids a cycle of relations built from po, rf,
# mo, rmw and rb = rf^-1;mo (every edge of hb, eco, psc is a path of those), so
# a violation that new events bring lies on such a cycle through them. The
# explorer checks only that part (enumerate.py), and keeps atomicity by
# construction: an RMW's write goes right after the write it reads, and
# nothing is placed between them.
VIOLATIONS_ARE_CYCLES = True

AXIOMS = (
    ("coherence1", lambda d: (d.hb @ d.eco.opt()).irreflexive()),
    ("coherencermw", lambda d: (d.x.rmw @ d.eco).irreflexive()),
    ("atomicity", lambda d: (d.x.rmw & (d.rb @ d.x.mo)).is_empty()),
    ("SC", lambda d: d.psc is None or d.psc.acyclic()),
    ("no-thin-air", lambda d: (d.x.po | d.x.rf).acyclic()),
)


def races(d):
    """dr: conflicting accesses in different threads, not both atomic, unordered by hb."""
    x = d.x
    if not (x.W | x.R) - x.A - x.IW:  # all accesses atomic: no pair can race
        return None
    cnf = ((x.W.cross(x.ALL) | x.ALL.cross(x.W)) & x.loc) - (x.IW.cross(x.ALL) | x.ALL.cross(x.IW))
    return (cnf & x.ext) - (d.hb | d.hb.inv() | x.A.cross(x.A))
