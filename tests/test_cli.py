import subprocess
import sys

import kerasgan
from kerasgan import cli


def test_version_and_help(capsys):
    try:
        cli.main(["--version"])
    except SystemExit as e:
        assert e.code == 0
    assert kerasgan.__version__ in capsys.readouterr().out
    assert cli.main([]) == 0
    assert "usage: kerasgan" in capsys.readouterr().out


def test_console_script_module_runs():
    out = subprocess.run([sys.executable, "-m", "kerasgan.cli", "--version"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and kerasgan.__version__ in out.stdout
