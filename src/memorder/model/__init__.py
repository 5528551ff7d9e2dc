"""Memory models, each one short file over the relation algebra (relations.py).

A model module defines `derive(x)` (the derived relations, one per cat line),
`AXIOMS` (name, function of the derived relations) and `races(d)` (the data
race relation, or None when the model defines none). `x` supplies the base
relations and event sets of one execution: po rf mo rmw loc ext id, and the
sets W R F IW A (atomic) RLX ACQ REL ACQ_REL SC.
"""


from memorder.model import rc11, sc

MODELS = {"rc11": rc11, "sc": sc}
