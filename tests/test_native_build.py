"""An out-of-date native extension (an in-place build of an older ``_native.c``, left behind when
the checkout moved on without ``pip install -e .``) is refused by name, in one line that says
which file, that it is out of date and the command that rebuilds it; not a parser process's
``AttributeError``. Real extensions, compiled here with the system's C compiler."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from fingerprints import native
from tests.conftest import REPO, SAMPLES

pytestmark = pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler")

#: An extension as _native.c built before it carried a number (or one carrying another): a
#: module ``_native`` with a ``Tokenizer`` type and none of today's functions.
OLD = """
#include <Python.h>
static PyTypeObject TokenizerType = {PyVarObject_HEAD_INIT(NULL, 0) .tp_name = "_native.Tokenizer",
    .tp_basicsize = sizeof(PyObject), .tp_flags = Py_TPFLAGS_DEFAULT, .tp_new = PyType_GenericNew};
static struct PyModuleDef module_def = {PyModuleDef_HEAD_INIT, "_native", "an older build", -1};
PyMODINIT_FUNC PyInit__native(void) {
    if (PyType_Ready(&TokenizerType) < 0) return NULL;
    PyObject *module = PyModule_Create(&module_def);
    if (module == NULL) return NULL;
#ifdef ABI
    PyModule_AddIntConstant(module, "ABI", ABI);
#endif
    PyModule_AddObjectRef(module, "Tokenizer", (PyObject *)&TokenizerType);
    return module;
}
"""


def checkout_with(tmp_path: Path, abi: int | None) -> tuple[Path, Path]:
    """A copy of this checkout's packages whose extension is an older build."""
    root = tmp_path / "checkout"
    root.mkdir()
    for name in ("fingerprints", "scanner"):
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("setup.py", "pyproject.toml"):
        shutil.copy(REPO / name, root / name)
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    built = root / "fingerprints" / f"_native{suffix}"
    for old in (root / "fingerprints").glob("_native*.so"):
        old.unlink()
    source = tmp_path / "old.c"
    source.write_text(OLD)
    define = [] if abi is None else [f"-DABI={abi}"]
    include = sysconfig.get_paths()["include"]
    subprocess.run(["cc", "-shared", "-fPIC", f"-I{include}", *define, str(source), "-o",
                    str(built)], check=True)  # fmt: skip
    return root, built


@pytest.mark.parametrize(("abi", "said"), [(None, "no ABI number"), (native.ABI + 1, "ABI ")])
def test_an_old_build_is_one_line_naming_it_and_the_rebuild(tmp_path, abi, said):
    root, built = checkout_with(tmp_path, abi)
    run = subprocess.run(
        [sys.executable, "-m", "scanner", "fingerprint", str(SAMPLES / "private" / "acme-ledger"),
         "--store", str(tmp_path / "s.db")],
        cwd=root, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)}, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 2, run.stderr
    [line] = run.stderr.splitlines()
    assert line == (
        f"leaktrace: {built}: native extension out of date (built from an older "
        f"fingerprints/_native.c: {said}{'' if abi is None else abi}, this leaktrace needs ABI "
        f"{native.ABI}); rebuild it: {sys.executable} -m pip install -e {root}"
    )
    assert not (tmp_path / "s.db").exists()
    version = subprocess.run(
        [sys.executable, "-m", "scanner", "version"], cwd=root, env={"PYTHONPATH": str(root)},
        capture_output=True, text=True,
    )  # fmt: skip
    assert version.returncode == 0
    assert f"native tokenizer: no ({built}: native extension out of date" in version.stdout


def test_the_c_side_carries_the_number_the_python_side_checks():
    source = (REPO / "fingerprints" / "_native.c").read_text()
    [number] = re.findall(r"^#define LEAKTRACE_NATIVE_ABI (\d+)$", source, re.MULTILINE)
    assert int(number) == native.ABI
    if native.built():  # this checkout's own build is current
        native.check_native_build()
        assert native.native_status() in ("yes", f"no ({native.ENVIRONMENT}=0)")
