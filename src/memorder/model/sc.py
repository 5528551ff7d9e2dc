"""Sequential consistency, as herdtools7's sc.cat: po and communication acyclic.

Like sc.cat it defines no data races (herd7 flags none under SC).
"""
from memorder.model.lets import Lets


def derive(x):
    d = Lets(x)
    d.let("rb", lambda: (x.rf.inv() @ x.mo) - x.id)
    d.let("hb", lambda: None)
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
