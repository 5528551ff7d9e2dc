"""cat's `let`: named definitions, each evaluated once, on first use."""


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
