"""Sequential consistency, as herdtools7's sc.cat: po and communication acyclic.

Like sc.cat it defines no data races (herd7 flags none under SC).
"""
from types import SimpleNamespace


def derive(x):
    rb = (x.rf.inv() @ x.mo) - x.id
    d = SimpleNamespace(rb=rb, hb=None, x=x)
    return d


# As in rc11.py: the sc axiom forbids cycles of po rf mo rb; atomicity is kept
# by construction.
VIOLATIONS_ARE_CYCLES = True

AXIOMS = (
    ("atomicity", lambda d: (d.x.rmw & (d.rb @ d.x.mo)).is_empty()),
    ("sc", lambda d: (d.x.po | d.x.rf | d.x.mo | d.rb).acyclic()),
)


def races(d):
    return None
