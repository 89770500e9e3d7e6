"""The hatchling build hook: examples/buildstep built into a wheel with the installed
hatchling (in process, no network), then imported from the wheel in a fresh interpreter."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from midlpy.compiler.api import compile_file
from tests.helpers import ROOT

hatchling = pytest.importorskip("hatchling", reason="needs hatchling (the build backend) "
                                "importable, as the [test] extra installs it")

EXAMPLE = ROOT / "examples" / "buildstep"


def build_wheel(project: Path, out: Path) -> Path:
    from hatchling.builders.wheel import WheelBuilder
    from hatchling.plugin.manager import PluginManager

    import midlpy.hatch_hook

    plugins = PluginManager()
    plugins.third_party_plugins.load()  # midlpy's "hatch" entry point, when installed
    if not plugins.manager.is_registered(midlpy.hatch_hook):
        # An editable install made before the entry point existed: register it directly.
        plugins.manager.register(midlpy.hatch_hook, name="midlpy")
    builder = WheelBuilder(str(project), plugin_manager=plugins)
    (artifact,) = list(builder.build(directory=str(out), versions=["standard"]))
    return Path(artifact)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("buildstep")
    project = tmp / "project"
    shutil.copytree(EXAMPLE, project)
    return build_wheel(project, tmp / "dist")


def test_the_wheel_holds_the_generated_module(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        generated = zf.read("greetings/greeting.py").decode()
    assert "greetings/__init__.py" in names
    assert not any(n.endswith((".idl", ".acf")) for n in names)
    expected = compile_file(str(EXAMPLE / "idl" / "greeting.idl")).files[-1].text
    assert generated == expected


def test_the_wheel_imports_and_round_trips(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    script = (
        "import greetings as g\n"
        "v = g.GREETING(g.MOOD.MOOD_GRUMPY, 'hi', 2, [7, 9])\n"
        "data = g.pickle(v)\n"
        "assert g.unpickle(data) == v, g.unpickle(data)\n"
        "assert g.greeting.__file__.startswith(%r)\n"
        "print(data.hex())\n" % str(site))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(site), str(ROOT)]))
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    # headers (48 body bytes); mood and pad, text's referent id, count, numbers'
    # referent id; then "hi" (max, offset, count, text, pad) and [7, 9] (count, items)
    assert done.stdout.strip() == (
        "01100800cccccccc30000000000000000200000000000200020000000400020003000000"
        "00000000030000006800690000000000020000000700000009000000")


def test_bad_configuration_is_a_clear_error(tmp_path: Path) -> None:
    from midlpy.hatch_hook import MidlpyBuildError

    project = tmp_path / "project"
    shutil.copytree(EXAMPLE, project)
    toml = project / "pyproject.toml"
    toml.write_text(toml.read_text().replace('idl = ["idl/greeting.idl"]',
                                             'idl = ["idl/missing.idl"]'))
    with pytest.raises(MidlpyBuildError, match="idl/missing.idl: no such file"):
        build_wheel(project, tmp_path / "dist")


def test_idl_errors_fail_the_build_with_diagnostics(tmp_path: Path) -> None:
    from midlpy.hatch_hook import MidlpyBuildError

    project = tmp_path / "project"
    shutil.copytree(EXAMPLE, project)
    idl = project / "idl" / "greeting.idl"
    idl.write_text(idl.read_text().replace("unsigned long count;", "unsigned long count"))
    with pytest.raises(MidlpyBuildError, match=r"greeting\.idl:\d+:\d+: error"):
        build_wheel(project, tmp_path / "dist")


def test_the_entry_point_is_declared() -> None:
    tomllib: Any = pytest.importorskip("tomllib")
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert meta["project"]["entry-points"]["hatch"] == {"midlpy": "midlpy.hatch_hook"}
