"""Memory models, each one short file over the relation algebra (relations.py).

A model module defines `derive(x)` (the derived relations, one per cat line),
`AXIOMS` (name, function of the derived relations) and `races(d)` (the data
race relation, or None when the model defines none). `x` supplies the base
relations and event sets of one execution: po rf mo rmw loc ext id, and the
sets W R F IW A (atomic) RLX ACQ REL ACQ_REL SC.
"""


class Lets:
    """cat's `let` bindings, each evaluated once, on first use. `x`: the base relations."""

    def __init__(self, x):
        self.x = x
        self._defs = {}

    def let(self, name, definition):
        self._defs[name] = definition

    def __getattr__(self, name):
        try:
            definition = self.__dict__["_defs"][name]
        except KeyError:
            raise AttributeError(name) from None
        value = definition()
        setattr(self, name, value)  # later reads find the attribute directly
        return value


from memorder.model import rc11, sc  # noqa: E402  (the models use Lets)

MODELS = {"rc11": rc11, "sc": sc}
