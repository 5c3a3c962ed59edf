"""Running tshark with the freshly built plugin, for every test.

tshark run as root ignores WIRESHARK_PLUGIN_DIR, so as root tshark runs as
the unprivileged user `nobody`.  Every call asks for tcpstate fields or
filters, which tshark rejects when the plugin did not load: a test cannot
silently pass without the plugin.
"""
import csv
import io
import json
import os
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# The per-packet columns of captures/*.expected.tsv.
FIELDS = [
    "frame.number", "frame.time_epoch", "tcp.stream", "tcp.srcport", "tcp.dstport",
    "tcp.flags.str", "tcpstate.sender", "tcpstate.client.prev", "tcpstate.server.prev",
    "tcpstate.client", "tcpstate.server", "tcpstate.transition", "tcpstate.handshake",
    "tcpstate.teardown", "tcpstate.seq", "tcpstate.ack", "tcpstate.nxtseq",
    "tcpstate.isn.client", "tcpstate.isn.server", "tcpstate.inferred",
]

_home = None
_booleans = None
_version = None


def plugin_dir():
    return os.environ.get("TCPSTATE_PLUGIN_DIR") or os.path.join(ROOT, "build", "plugins")


def _nobody_home():
    global _home
    if _home is None:
        _home = tempfile.mkdtemp(prefix="tcpstate-home-")
        os.chmod(_home, 0o777)
    return _home


def no_plugin_dir():
    """A plugin directory with no plugin in it, for runs without tcpstate."""
    empty = tempfile.mkdtemp(prefix="tcpstate-noplugin-")
    os.chmod(empty, 0o755)
    return empty


def loaded_plugin_line():
    """tshark -G plugins's line for tcpstate.so loaded from plugin_dir(), or None."""
    staged = os.path.join(plugin_dir(), "")
    return next((line for line in tshark(["-G", "plugins"]).stdout.splitlines()
                 if "tcpstate.so" in line and staged in line), None)


def _command(program, args, plugins=None, env_extra=(), wrapper=()):
    """A Wireshark program's command line with the plugin (from `plugins`,
    default plugin_dir()), as nobody when run as root."""
    env = ["HOME=" + _nobody_home(), "WIRESHARK_PLUGIN_DIR=" + (plugins or plugin_dir()), "LC_ALL=C.UTF-8",
           "PATH=" + os.environ.get("PATH", "/usr/bin:/bin"), *env_extra]
    cmd = ["env", "-i", *env, *wrapper, program, *args]
    return ["runuser", "-u", "nobody", "--", *cmd] if os.geteuid() == 0 else cmd


def tshark(args, check=True, plugins=None, env_extra=(), wrapper=()):
    """Run tshark with the plugin (from `plugins`, default plugin_dir()),
    under `wrapper` (a command such as valgrind) if given; returns the
    CompletedProcess (text)."""
    proc = subprocess.run(_command("tshark", args, plugins, env_extra, wrapper), capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise RuntimeError(f"tshark {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    return proc


def sharkd(requests, env_extra=()):
    """Run sharkd, Wireshark's dissection service, with the plugin, on JSON-RPC
    `requests` ({"method": ..., "params": ...}, numbered from 1 in order);
    returns its answers by number, and its stderr."""
    lines = "".join(json.dumps({"jsonrpc": "2.0", "id": i, **r}) + "\n" for i, r in enumerate(requests, 1))
    proc = subprocess.run(_command("sharkd", ["-"], env_extra=env_extra), input=lines, capture_output=True, text=True)
    answers = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    return {a.get("id"): a for a in answers}, proc.stderr


def readable(path):
    """tshark runs as nobody: make sure it can read this file."""
    path = os.path.abspath(path)
    if not os.stat(path).st_mode & 0o004:
        os.chmod(path, os.stat(path).st_mode | 0o044)
    d = os.path.dirname(path)
    while d and d != "/":
        mode = os.stat(d).st_mode
        if not mode & 0o001:
            os.chmod(d, mode | 0o011)
        d = os.path.dirname(d)
    return path


def wireshark_version():
    """(major, minor) of the tshark the tests run."""
    global _version
    if _version is None:
        first = subprocess.run(["tshark", "--version"], capture_output=True, text=True, check=True).stdout
        major, minor = first.split()[2].split(".")[:2]  # "TShark (Wireshark) 4.4.19 (...)"
        _version = (int(major), int(minor))
    return _version


def boolean_fields():
    """The names of every FT_BOOLEAN field this tshark (with the plugin) knows."""
    global _booleans
    if _booleans is None:
        _booleans = {cols[2] for cols in (line.split("\t") for line in tshark(["-G", "fields"]).stdout.splitlines())
                     if len(cols) > 3 and cols[0] == "F" and cols[3] == "FT_BOOLEAN"}
    return _booleans


def normalise(rows, names):
    """tshark 4.2 and later print a boolean field as True/False where 4.0
    printed 1/0: give every version's booleans 4.0's spelling, so one expected
    output holds on all.  Only fields whose type is FT_BOOLEAN change, and
    only the exact words tshark prints for them."""
    if not any(v in ("True", "False") for row in rows for v in row.values()):
        return rows  # 4.0, or no boolean in the output: nothing to ask tshark
    spell = {"True": "1", "False": "0"}
    for name in set(names) & boolean_fields():
        for row in rows:
            value = row.get(name)
            if value:
                row[name] = ",".join(spell.get(v, v) for v in value.split(","))
    return rows


def fields(pcap, names=FIELDS, display_filter="tcp", extra=()):
    """Per-packet rows (dicts) of the given fields, booleans spelled 1/0 on every version."""
    args = ["-r", readable(pcap), "-n", "-T", "fields", "-E", "header=y", "-E", "separator=/t",
            "-E", "occurrence=f", *extra]
    if display_filter:
        args += ["-Y", display_filter]
    for name in names:
        args += ["-e", name]
    out = tshark(args).stdout
    return normalise(list(csv.DictReader(io.StringIO(out), delimiter="\t", quoting=csv.QUOTE_NONE)), names)


def write_tsv(path, rows, names=FIELDS):
    with open(path, "w", newline="") as f:
        f.write("\t".join(names) + "\n")
        for row in rows:
            f.write("\t".join(row.get(n, "") for n in names) + "\n")


def read_tsv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
