"""A pytest plugin: `*.litmus` files become test items, checked like `memorder test`.

Registered through the `pytest11` entry point, so it is loaded by every pytest
run in an environment where memorder is installed. It therefore does nothing
unless enabled: `pytest --memorder`, or `memorder = true` in the ini file
([tool.pytest.ini_options] / pytest.ini / setup.cfg). Options for the checks
go in the ini option `memorder_args`, e.g. `memorder_args = --unroll 3 --allow-bounded`.

A file passes when `memorder test` would print PASS for it (BOUNDED too with
--allow-bounded); otherwise the item fails with the reason, the report and a
witness execution in text.
"""
from __future__ import annotations

import shlex

import pytest


def pytest_addoption(parser):
    group = parser.getgroup("memorder", "memorder litmus models")
    group.addoption("--memorder", action="store_true", default=False,
                    help="collect *.litmus files as tests checked by memorder")
    parser.addini("memorder", type="bool", default=False,
                  help="collect *.litmus files as tests checked by memorder")
    parser.addini("memorder_args", type="string", default="",
                  help="options for the checks, as for `memorder test` "
                       "(e.g. --unroll 3 --allow-bounded)")


def _enabled(config) -> bool:
    return bool(config.getoption("memorder", default=False) or config.getini("memorder"))


def _options(config):
    """Parse `memorder_args` once per session with the `test` command's own parser."""
    cached = getattr(config, "_memorder_options", None)
    if cached is not None:
        return cached
    from memorder.cli import app as cli
    from memorder.base.errors import MemorderError
    from memorder.cli.test import run_options
    argv = ["test", *shlex.split(config.getini("memorder_args")), "placeholder.litmus"]
    try:
        args = cli.build_parser().parse_args(argv)
    except MemorderError as exc:
        raise pytest.UsageError(f"memorder_args: {exc.message}") from None
    config._memorder_options = (run_options(args), args.allow_bounded)
    return config._memorder_options


def pytest_collect_file(file_path, parent):
    if file_path.suffix == ".litmus" and _enabled(parent.config):
        return LitmusFile.from_parent(parent, path=file_path)
    return None


class LitmusFile(pytest.File):
    def collect(self):
        yield LitmusItem.from_parent(self, name=self.path.name)


class MemorderFailure(Exception):
    """A file whose expectations are not met (or that could not be checked)."""

    def __init__(self, result):
        super().__init__(result["reason"])
        self.result = result


class LitmusItem(pytest.Item):
    def runtest(self):
        from memorder.cli.test import passed, run_file
        options, allow_bounded = _options(self.config)
        result = run_file(str(self.path), options)
        self.user_properties.append(("memorder_status", result["status"]))
        if not passed(result, allow_bounded):
            raise MemorderFailure(result)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, MemorderFailure):
            from memorder.cli.test import LABEL
            r = excinfo.value.result
            return f"{LABEL[r['status']]} {r['file']}: {r['reason']}\n\n{r['details']}".rstrip()
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self):
        return self.path, None, f"memorder: {self.path.name}"
