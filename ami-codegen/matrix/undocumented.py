#!/usr/bin/env python3
"""Which releases send the events and fields that spec/events.toml adds
(Asterisk sends them; the XML of some or all releases leaves them out),
read off Asterisk's source history: writes ami-codegen/matrix/undocumented.txt.

    python3 ami-codegen/matrix/undocumented.py <clone of asterisk/asterisk> \
        > ami-codegen/matrix/undocumented.txt

For each release of matrix/releases.txt it reads the C files that send each
entry (named in the entry's `source`, or below) and looks for the field's
key in a format string ("Key: ", "%sKey: ", "Key(%s): "), for a list's
EventList/ListItems for astman_send_list_complete_start, and for a PJSIP
object dump for the option's name. Items the XML documents in some release
are left to releases.txt. Takes about two minutes.
"""
import re
import subprocess
import sys
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = sys.argv[1]
SPEC = tomllib.loads((HERE.parent / "spec" / "events.toml").read_text())
MATRIX = (HERE / "releases.txt").read_text().splitlines()
RELEASES = next(l for l in MATRIX if l.startswith("releases:")).split(":")[1].split()
DOCUMENTED = {l.rsplit(": ", 1)[0] for l in MATRIX if ": " in l and not l.startswith(("#", "releases:"))}


# The files that send an entry whose `source` does not name them.
FILES = {
    "QueueParams": ["apps/app_queue.c"],
    "QueueMember": ["apps/app_queue.c"],
    "QueueStatusComplete": ["apps/app_queue.c"],
    "QueueSummary": ["apps/app_queue.c"],
    "QueueSummaryComplete": ["apps/app_queue.c"],
    "StatusComplete": ["main/manager.c"],
    "Status": ["main/manager.c"],
    "OriginateResponse": ["main/manager.c"],
    "CEL": ["cel/cel_manager.c"],
    "AttendedTransfer": ["main/manager_bridges.c", "main/stasis_bridges.c"],
    "RegistryEntry": ["channels/chan_iax2.c", "channels/chan_sip.c"],
    "PeerEntry": ["channels/chan_iax2.c", "channels/chan_sip.c"],
    "PRIShowSpans": ["channels/chan_dahdi.c", "channels/sig_pri.c"],
    "DeviceEntry": ["channels/chan_skinny.c"],
    "LineEntry": ["channels/chan_skinny.c"],
    "InboundRegistrationDetail": ["res/res_pjsip_registrar.c", "res/res_pjsip/location.c"],
    "OutboundRegistrationDetail": ["res/res_pjsip_outbound_registration.c"],
    "InboundSubscriptionDetail": ["res/res_pjsip_pubsub.c"],
    "OutboundSubscriptionDetail": ["res/res_pjsip_pubsub.c"],
    "ResourceListDetail": ["res/res_pjsip_pubsub.c"],
    "VoicemailUserEntry": ["apps/app_voicemail.c"],
    "VoicemailUserDetail": ["apps/app_voicemail.c"],
    "EndpointDetail": ["res/res_pjsip/pjsip_configuration.c"],
    "TransportDetail": ["res/res_pjsip/config_transport.c"],
}
# Dumps of PJSIP objects: a field is the option of the same name.
SORCERY = {"EndpointDetail", "TransportDetail", "InboundRegistrationDetail",
           "OutboundRegistrationDetail", "ResourceListDetail"}

_cache = {}


def source(tag, path):
    if (tag, path) not in _cache:
        r = subprocess.run(["git", "-C", REPO, "show", f"{tag}:{path}"], capture_output=True)
        _cache[(tag, path)] = r.stdout.decode("latin-1") if r.returncode == 0 else None
    return _cache[(tag, path)]


def files(name, entry):
    named = re.findall(r"\b((?:main|apps|res|channels|cel)/[\w/]+\.c)", entry.get("source", ""))
    return list(dict.fromkeys(named + FILES.get(name, [])))


def sends_field(name, key, texts):
    if key in ("EventList", "ListItems"):
        return any("astman_send_list_complete_start" in t for t in texts)
    if name in SORCERY:
        option = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", key).lower()
        if any(f'"{option}"' in t for t in texts):
            return True
    formatted = re.compile(r'(?:"|\\n|%s)' + re.escape(key) + r"(?::|\(%s\):) ")
    named = re.compile(r'"' + re.escape(key) + r'"')
    return any(formatted.search(t) or named.search(t) for t in texts)


def sends_event(name, texts):
    return any(f'"{name}"' in t or f"Event: {name}\\r\\n" in t for t in texts)


def ranges(tags):
    out, run = [], None
    for r in RELEASES:
        branch = r.split(".")[0]
        if r in tags and run and run[0].split(".")[0] == branch:
            run[1] = r
        elif r in tags:
            if run:
                out.append(run)
            run = [r, r]
        elif run:
            out.append(run)
            run = None
    if run:
        out.append(run)
    return " ".join(a if a == b else f"{a}..={b}" for a, b in out)


found = {}
for name, entry in SPEC.items():
    items = [(f"event {name}", None)] + [(f"field {name} {k}", k) for k in entry.get("fields", [])]
    items = [(i, k) for i, k in items if i not in DOCUMENTED]
    paths = files(name, entry)
    if not items:
        continue
    if not paths:
        sys.exit(f"{name}: no file to read (add it to FILES)")
    for tag in RELEASES:
        texts = [t for t in (source(tag, p) for p in paths) if t is not None]
        for item, key in items:
            sent = sends_event(name, texts) if key is None else sends_field(name, key, texts)
            if sent:
                found.setdefault(item, set()).add(tag)
    # A field of an undocumented event is sent only where the event is. (A
    # documented event is left alone: some, such as Rename, were sent long
    # before their documentation.)
    event = f"event {name}"
    if event not in DOCUMENTED:
        for item, key in items:
            if key is not None and item in found:
                found[item] &= found.get(event, set())
    for item, _ in items:
        if not found.get(item):
            sys.exit(f"{item}: sent by no release (fix spec/events.toml or FILES)")

print("# Which releases send the events and fields that spec/events.toml adds,")
print("# where no release's XML documents them: names and releases only, read")
print("# off Asterisk's source history by matrix/undocumented.py. Read by")
print("# ami_codegen::matrix::bundled.")
for item in sorted(found):
    print(f"{item}: {ranges(found[item])}")
