"""RC11 (Lahav et al., PLDI 2017), line for line as herdtools7's rc11.cat.

herd's `sb` is our `po`, `co` our `mo`; `myrmw = [RMW] | rmw` is just `rmw`
here since every RMW is a read and a write joined by `rmw`.
"""
from types import SimpleNamespace


def derive(x):
    po, rf, mo, rmw, loc = x.po, x.rf, x.mo, x.rmw, x.loc
    W, R, F, SC = x.W, x.R, x.F, x.SC

    rb = (rf.inv() @ mo) - x.id
    eco = (rf | mo | rb).plus()
    rs = W.id() @ (po & loc).opt() @ (W & x.A).id() @ (rf @ rmw).star()
    sw = ((x.REL | x.ACQ_REL | SC).id() @ (F.id() @ po).opt() @ rs @ rf
          @ (R & x.A).id() @ (po @ F.id()).opt() @ (x.ACQ | x.ACQ_REL | SC).id())
    hb = (po | sw).plus()

    d = SimpleNamespace(rb=rb, eco=eco, rs=rs, sw=sw, hb=hb, psc=None)
    if SC:  # without SC events psc is empty; skip the most expensive lines
        sbl = po - loc
        hbl = hb & loc
        scb = po | sbl @ hb @ sbl | hbl | mo | rb
        pscb = (SC.id() | (F & SC).id() @ hb.opt()) @ scb @ (SC.id() | hb.opt() @ (F & SC).id())
        pscf = (F & SC).id() @ (hb | hb @ eco @ hb) @ (F & SC).id()
        d.psc = pscb | pscf
    d.x = x
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
