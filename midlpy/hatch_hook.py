"""A hatchling build hook that compiles IDL files into the wheel.

In the project's ``pyproject.toml``::

    [build-system]
    requires = ["hatchling", "midlpy"]
    build-backend = "hatchling.build"

    [tool.hatch.build.hooks.midlpy]
    idl = ["idl/inventory.idl"]          # or tables: {path = "...", acf = "...", output = "..."}
    output = "inventory"                 # package folder in the wheel for the modules
    include-dirs = ["idl/include"]       # optional, like -I
    defines = {WITH_EXTRAS = "1"}        # optional, like -D (true for a bare -D NAME)

Each IDL file becomes ``<output>/<stem>.py`` in the wheel (and ``<output>/<name>.py`` for
each IDL file it imports). ``<stem>.acf`` beside the IDL is used when no ``acf`` is
given, as on the command line. The sdist keeps the IDL sources and generates nothing.
An editable install generates nothing either (the package is imported from the source
tree): there, run ``midlpy compile`` into the package folder or use the import hook.
Hatchling finds this hook through midlpy's ``hatch`` entry point.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface
from hatchling.plugin import hookimpl

__all__ = ["MidlpyBuildHook", "MidlpyBuildError", "hatch_register_build_hook"]


class MidlpyBuildError(Exception):
    """Bad hook configuration or IDL that does not compile; the text says which."""


class MidlpyBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "midlpy"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            # An editable install imports the package from the source tree, where files
            # put into the wheel are never seen; see the module docstring.
            return
        jobs = _jobs(self.config, self.root)
        self._outdir = tempfile.mkdtemp(prefix="midlpy-hatch-")
        from midlpy.compiler.api import compile_file

        for idl, acf, output in jobs:
            result = compile_file(idl, acf=acf, include_dirs=self._list("include-dirs"),
                                  defines=_defines(self.config.get("defines", {})),
                                  undefines=self._list("undefines"))
            if not result.ok:
                raise MidlpyBuildError(f"midlpy: {os.path.relpath(idl, self.root)} does not "
                                       f"compile:\n{result.diagnostics.render(result.sources)}")
            for gen in result.files:
                local = os.path.join(self._outdir, output, gen.path)
                os.makedirs(os.path.dirname(local), exist_ok=True)
                with open(local, "w", encoding="utf-8", newline="\n") as fh:
                    fh.write(gen.text)
                build_data["force_include"][local] = f"{output}/{gen.path}"

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        outdir = getattr(self, "_outdir", None)
        if outdir:
            shutil.rmtree(outdir, ignore_errors=True)

    def _list(self, name: str) -> list[str]:
        value = self.config.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise MidlpyBuildError(f"[tool.hatch.build.hooks.midlpy] {name} must be a list "
                                   "of strings")
        if name == "include-dirs":
            return [os.path.join(self.root, v) for v in value]
        return value


def _jobs(config: dict[str, Any], root: str) -> list[tuple[str, str | None, str]]:
    """(idl path, acf path or None, output folder) for each configured IDL file."""
    where = "[tool.hatch.build.hooks.midlpy]"
    entries = config.get("idl")
    if not isinstance(entries, list) or not entries:
        raise MidlpyBuildError(f"{where} needs idl = [\"path/to/file.idl\", ...]")
    default_out = config.get("output")
    jobs = []
    for entry in entries:
        if isinstance(entry, str):
            entry = {"path": entry}
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            raise MidlpyBuildError(f"{where} idl entries are paths or tables with a path")
        unknown = set(entry) - {"path", "acf", "output"}
        if unknown:
            raise MidlpyBuildError(f"{where} unknown key {sorted(unknown)[0]!r} in an idl entry")
        output = entry.get("output", default_out)
        if not isinstance(output, str) or not output or os.path.isabs(output) or ".." in \
                output.replace("\\", "/").split("/"):
            raise MidlpyBuildError(f"{where} output must name a folder inside the wheel, such "
                                   "as the package the modules belong to")
        idl = os.path.join(root, entry["path"])
        if not os.path.isfile(idl):
            raise MidlpyBuildError(f"{where} {entry['path']}: no such file")
        acf = entry.get("acf")
        jobs.append((idl, os.path.join(root, acf) if isinstance(acf, str) else None,
                     output.strip("/")))
    return jobs


def _defines(value: Any) -> dict[str, str | None]:
    if not isinstance(value, dict):
        raise MidlpyBuildError("[tool.hatch.build.hooks.midlpy] defines must be a table")
    out: dict[str, str | None] = {}
    for name, v in value.items():
        if v is True:
            out[name] = None
        elif isinstance(v, (str, int)) and not isinstance(v, bool):
            out[name] = str(v)
        else:
            raise MidlpyBuildError(f"[tool.hatch.build.hooks.midlpy] defines.{name} must be "
                                   "a string, a number or true")
    return out


@hookimpl
def hatch_register_build_hook() -> type[MidlpyBuildHook]:
    return MidlpyBuildHook
