#!/usr/bin/python3
"""Load NetworkManager keyfiles with the real libnm, offline, and report as JSON.

usage: nm_keyfile_check.py FILE.nmconnection|FILE.conf...

For each file, on stdout (one JSON list for all files):
  {"file", "errors": [...], "warnings": [...], "settings": {...} | null}
- errors: the file could not be read, or libnm's normalize()/verify() refused
  the connection (the checks NetworkManager applies before it accepts a profile);
- warnings: what libnm's keyfile reader warned about while reading (unknown
  keys, values it could not parse and dropped). NetworkManager itself logs and
  then ignores these, so the setting the user wrote silently does not apply;
- settings: the normalized connection as NetworkManager would hold it (the
  D-Bus form of every setting), so callers can check addresses, routes, ...

A *.conf file (a NetworkManager.conf drop-in) is only parsed as a key file.

Runs no daemon and needs no D-Bus: only the libnm library (gir1.2-nm-1.0) and
its Python bindings (python3-gi). Exit status 0 even when files fail: the
caller decides; 2 when libnm itself cannot be loaded.
"""
import json
import os
import re
import sys

try:
    import gi

    gi.require_version("NM", "1.0")
    from gi.repository import GLib, NM
except (ImportError, ValueError) as e:
    sys.stderr.write("cannot load libnm through python3-gi (apt packages python3-gi, gir1.2-nm-1.0): %s\n" % e)
    sys.exit(2)

# Keyfile group names that differ from the setting's name (libnm writes these aliases).
GROUP_ALIASES = {
    "ethernet": "802-3-ethernet",
    "wifi": "802-11-wireless",
    "wifi-security": "802-11-wireless-security",
}

# Keys the keyfile format spells differently from any property: numbered
# addresses/routes/rules. If they parsed, libnm writes them back (renumbered).
NUMBERED_KEY = re.compile(r"^(address|addresses|route|routes|routing-rule)\d*(_options)?$")


def to_json_value(value):
    """GVariant-unpacked values → JSON-friendly ones (byte strings become lists of ints)."""
    if isinstance(value, dict):
        return {str(k): to_json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_value(v) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return list(value)
    return value


def check_file(path):
    result = {"file": path, "errors": [], "warnings": [], "settings": None}
    keyfile = GLib.KeyFile()
    try:
        keyfile.load_from_file(path, GLib.KeyFileFlags.NONE)
    except GLib.Error as e:
        result["errors"].append("not a valid key file: %s" % e.message)
        return result
    if path.endswith(".conf"):
        # NetworkManager.conf drop-ins are plain key files to NetworkManager;
        # libnm has no reader for them, so parsing is all that can be checked.
        return result

    def on_event(_keyfile, _connection, handler_type, handler_data, _user_data):
        if handler_type == NM.KeyfileHandlerType.WARN:
            message, severity = handler_data.warn_get()
            group, key, _setting, _prop = handler_data.get_context()
            where = "[%s]%s" % (group or "", (" " + key) if key else "")
            if int(severity) >= int(NM.KeyfileWarnSeverity.WARN):
                result["warnings"].append("%s: %s" % (where, message))
        # False: let libnm do its default handling (it only needs us to observe).
        return False

    try:
        # base_dir resolves relative certificate paths; the file's own directory, as NM does.
        connection = NM.keyfile_read(keyfile, os.path.dirname(os.path.abspath(path)),
                                     NM.KeyfileHandlerFlags.NONE, on_event, None)
    except GLib.Error as e:
        result["errors"].append("keyfile reader: %s" % e.message)
        return result

    try:
        connection.normalize()
    except GLib.Error as e:
        result["errors"].append("normalize: %s" % e.message)
    try:
        connection.verify()
    except GLib.Error as e:
        result["errors"].append("verify: %s" % e.message)
    if result["errors"]:
        # An unverifiable connection is refused whole; nothing more to learn from it.
        return result
    try:
        result["warnings"].extend(dropped_keys(keyfile, connection))
    except GLib.Error as e:
        result["errors"].append("keyfile writer: %s" % e.message)
    variant = connection.to_dbus(NM.ConnectionSerializationFlags.ALL)
    result["settings"] = to_json_value(variant.unpack())
    return result


def keyfile_pairs(keyfile):
    groups, _n = keyfile.get_groups()
    return {(g, k) for g in groups for k in keyfile.get_keys(g)[0]}


def dropped_keys(keyfile, connection):
    """Keys the file sets that NetworkManager does not use, though libnm said nothing.

    libnm's reader skips unknown key names inside a known group silently, and
    normalize() silently removes settings that do not apply (e.g. ARP
    monitoring options under a bond mode without it). A key is reported when
    libnm's own writer does not write it back, unless it is a property of its
    setting (those the writer leaves out are just defaults)."""
    written = keyfile_pairs(NM.keyfile_write(connection, NM.KeyfileHandlerFlags.NONE, None, None))
    messages = []
    for group, key in sorted(keyfile_pairs(keyfile) - written):
        setting = connection.get_setting_by_name(GROUP_ALIASES.get(group, group))
        if setting is None:
            continue  # an unknown group: the reader already warned about it
        if setting.find_property(key) is not None or NUMBERED_KEY.match(key):
            continue
        if isinstance(setting, NM.SettingBond) and key in setting.get_valid_options():
            messages.append("[%s] %s: NetworkManager drops this option when it normalizes the connection" % (group, key))
        else:
            messages.append("[%s] %s: unknown key, NetworkManager ignores it" % (group, key))
    return messages


def main(paths):
    results = [check_file(p) for p in paths]
    json.dump(results, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
