#!/usr/bin/env python3
"""Build the facts-only TRTC (2019-07-22) action catalogue: spec/trtc-2019-07-22.json.

What: merges the official API definitions (tccli / tccli-intl-en api.json), the SDK
error-code lists (tencentcloud-sdk-python[-intl-en] errorcodes.py) and the
hand-maintained doc facts in spec/overlay.json (regions, rate limits, per-action
error codes) into one deterministic JSON file that the emulator is built from.

Why this way: both tccli packages install the same `tccli` module, so nothing is
imported; each pinned package is fetched with `pip download --no-deps` into a cache
directory and the needed file is read straight out of the wheel/sdist. Stdlib only.

Subcommands:
  generate  download the pinned packages and write the catalogue
  check     rebuild in memory; exit 1 with a diff summary if the committed file differs
  drift     build from the LATEST releases and report what changed (always exits 0)
"""

import argparse
import json
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

# ---- pins ---------------------------------------------------------------------------
CN_API = ("tccli", "3.1.189.1")
INTL_API = ("tccli-intl-en", "3.1.193.1")
CN_ERRORS = ("tencentcloud-sdk-python", "3.1.195")
INTL_ERRORS = ("tencentcloud-sdk-python-intl-en", "3.1.193")

SERVICE = "trtc"
VERSION = "2019-07-22"
API_JSON = "tccli/services/trtc/v20190722/api.json"
ERRORCODES_PY = "tencentcloud/trtc/v20190722/errorcodes.py"

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "spec" / "trtc-2019-07-22.json"
# The error-code table is its own file: the emulator's error type embeds it without the definitions.
ERRORS_OUTPUT = ROOT / "spec" / "error-codes.json"
OVERLAY = ROOT / "spec" / "overlay.json"
DEFAULT_CACHE = ROOT / ".cache" / "catalog"

EDITIONS = ("cn", "intl")
SCALARS = {"string", "date", "datetime", "uint64", "int64", "float", "bool"}


class CatalogError(Exception):
    """A fatal inconsistency in the inputs (type conflict, unknown name, ...)."""


# ---- fetching -----------------------------------------------------------------------
def _norm(name):
    return re.sub(r"[-_.]+", "_", name).lower()


def _archive_version(path, package):
    """Version encoded in a wheel/sdist filename of `package`, or None if not its file."""
    stem = path.name
    for ext in (".whl", ".tar.gz", ".zip", ".tar.bz2"):
        if stem.endswith(ext):
            stem = stem[: -len(ext)]
            break
    else:
        return None
    # wheel: name-ver-pytag-abi-plat; sdist: name-ver (an sdist name may contain '-')
    for cut, ch in enumerate(stem):
        if ch == "-" and _norm(stem[:cut]) == _norm(package):
            version = stem[cut + 1:].split("-")[0]
            if re.match(r"^\d+(\.\d+)*", version):
                return version
    return None


def _vkey(version):
    return tuple(int(p) if p.isdigit() else 0 for p in re.split(r"[.+-]", version))


def _cached(cache, package, version=None):
    """Archives of `package` in the cache, newest first (optionally one version only)."""
    found = []
    if cache.is_dir():
        for p in cache.iterdir():
            v = _archive_version(p, package)
            if v and (version is None or v == version):
                found.append((v, p))
    found.sort(key=lambda vp: (_vkey(vp[0]), vp[1].suffix == ".whl"), reverse=True)
    return found


def fetch(package, version, cache):
    """Return (version, archive path); downloads with pip unless already cached.

    version=None means "latest": pip resolves it and the version is read back from
    the file pip saved (or reported as already downloaded).
    """
    if version is not None:
        hit = _cached(cache, package, version)
        if hit:
            return hit[0]
    cache.mkdir(parents=True, exist_ok=True)
    spec = package if version is None else f"{package}=={version}"
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
           "--dest", str(cache), spec]
    if version is None:
        cmd[4:4] = ["--retries", "1", "--timeout", "20"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-3:])
        raise OSError(f"pip download {spec} failed:\n{tail}")
    for line in proc.stdout.splitlines():
        m = re.search(r"(?:Saved|File was already downloaded)\s+(\S+)", line)
        if m:
            path = Path(m.group(1))
            if not path.is_absolute():
                path = cache / path.name
            v = _archive_version(path, package)
            if v and (version is None or v == version):
                return v, path
    hit = _cached(cache, package, version)
    if not hit:
        raise OSError(f"pip download {spec}: no archive found in {cache}")
    return hit[0]


def read_member(archive, inner):
    """Text of the file whose path ends with `inner` inside a wheel or sdist."""
    name = archive.name
    if name.endswith((".whl", ".zip")):
        with zipfile.ZipFile(archive) as zf:
            for n in zf.namelist():
                if n == inner or n.endswith("/" + inner):
                    return zf.read(n).decode("utf-8")
    else:
        with tarfile.open(archive) as tf:
            for m in tf.getmembers():
                if m.isfile() and (m.name == inner or m.name.endswith("/" + inner)):
                    return tf.extractfile(m).read().decode("utf-8")
    raise CatalogError(f"{inner} not found in {archive.name}")


# ---- parsing ------------------------------------------------------------------------
def parse_errorcodes(text):
    """{code: comment} from errorcodes.py; comment is the '# ...' line just above."""
    lines = text.splitlines()
    out = {}
    for i, line in enumerate(lines):
        m = re.match(r"^[A-Z0-9_]+\s*=\s*['\"]([^'\"]+)['\"]\s*$", line)
        if m:
            prev = lines[i - 1].strip() if i else ""
            out[m.group(1)] = prev[1:].strip() if prev.startswith("#") else ""
    return out


def member_type(obj, m):
    """(type, object name or None, is_list) for one api.json member."""
    t, sub = m["type"], m.get("member")
    if t == "int":
        if sub not in ("uint64", "int64"):
            raise CatalogError(f"{obj}.{m['name']}: unknown int member {sub!r}")
        return sub, None, False
    if t in ("float", "bool"):
        return t, None, False
    if t == "string":
        if sub not in (None, "string", "date", "datetime"):
            raise CatalogError(f"{obj}.{m['name']}: unknown string member {sub!r}")
        return sub or "string", None, False
    if t == "object":
        return "object", sub, False
    if t == "list":
        if sub in SCALARS:
            return sub, None, True
        return "object", sub, True
    raise CatalogError(f"{obj}.{m['name']}: unknown api.json type {t!r}")


def _fmt_type(typ):
    t, obj, is_list = typ
    name = obj if t == "object" else t
    return f"list<{name}>" if is_list else name


def object_sides(api):
    """{object name: 'in' | 'out'} - which `required` flag applies to its members."""
    sides = {}
    for a in api["actions"].values():
        sides[a["input"]] = "in"
        sides[a["output"]] = "out"
    for name, o in api["objects"].items():
        if name not in sides:
            # usage 'both' objects are validated as input, so they take `required`
            sides[name] = "out" if o.get("usage") == "out" else "in"
    return sides


def is_required(m, side):
    """Input side: `required`. Output side: `output_required`, falling back to
    `required` (older api.json files - notably intl - flag output fields that way)."""
    if side == "out" and "output_required" in m:
        return bool(m["output_required"])
    return bool(m.get("required"))


def merge_objects(apis):
    """Union of objects across editions, keeping CN member order then intl-only ones."""
    problems = []
    objects = {}
    sides = {ed: object_sides(api) for ed, api in apis.items()}
    names = sorted(set().union(*(api["objects"] for api in apis.values())))
    for oname in names:
        merged = {}  # member name -> per-edition facts
        for ed in EDITIONS:
            api = apis[ed]
            o = api["objects"].get(oname)
            if o is None:
                continue
            side = sides[ed][oname]
            for m in o["members"]:
                typ = member_type(oname, m)
                merged.setdefault(m["name"], {})[ed] = {
                    "type": typ,
                    "required": is_required(m, side),
                    "nullable": bool(m.get("value_allowed_null")),
                    "disabled": bool(m.get("disabled")),
                }
        members = []
        for mname, per in merged.items():
            eds = [e for e in EDITIONS if e in per]
            types = {per[e]["type"] for e in eds}
            if len(types) > 1:
                problems.append(f"type conflict {oname}.{mname}: " +
                                ", ".join(f"{e}={_fmt_type(per[e]['type'])}" for e in eds))
                continue
            t, obj, is_list = types.pop()
            req_eds = [e for e in eds if per[e]["required"]]
            entry = {
                "name": mname,
                "type": t,
                "list": is_list,
                "required": len(req_eds) == len(eds),
                "nullable": any(per[e]["nullable"] for e in eds),
                "editions": eds,
            }
            if obj:
                entry["object"] = obj
            if req_eds and len(req_eds) != len(eds):
                entry["required_editions"] = req_eds
            dis_eds = [e for e in eds if per[e]["disabled"]]
            if dis_eds:
                entry["disabled"] = True
                if len(dis_eds) != len(eds):
                    entry["disabled_editions"] = dis_eds
            members.append(entry)
        objects[oname] = {"members": members}
    for oname, o in objects.items():
        for m in o["members"]:
            if m["type"] == "object" and m["object"] not in objects:
                problems.append(f"{oname}.{m['name']}: unknown object {m['object']!r}")
    if problems:
        raise CatalogError("\n".join(problems))
    return objects


def merge_actions(apis, overlay):
    defaults = overlay.get("default_rate_limit", {"count": 20, "per_seconds": 1})
    facts = overlay.get("actions", {})
    actions = {}
    names = sorted(set().union(*(api["actions"] for api in apis.values())))
    unknown = sorted(set(facts) - set(names))
    if unknown:
        raise CatalogError(f"overlay names unknown actions: {', '.join(unknown)}")
    for name in names:
        eds = [e for e in EDITIONS if name in apis[e]["actions"]]
        defs = [apis[e]["actions"][name] for e in eds]
        io = {(d["input"], d["output"]) for d in defs}
        if len(io) > 1:
            raise CatalogError(f"{name}: editions disagree on input/output objects {sorted(io)}")
        statuses = {d.get("status", "online") for d in defs}
        f = facts.get(name, {})
        actions[name] = {
            "editions": eds,
            "status": "deprecated" if "deprecated" in statuses else "online",
            "input": defs[0]["input"],
            "output": defs[0]["output"],
            "regions": sorted(f["regions"]) if f.get("regions") else None,
            "region_required": f.get("region_required", True),
            "rate_limit": dict(f.get("rate_limit", defaults)),
            "error_codes": sorted(set(f.get("error_codes", []))),
        }
    return actions


def merge_error_messages(cn, intl, overlay_en):
    out = {}
    for code in sorted(set(cn) | set(intl)):
        en = intl.get(code) or overlay_en.get(code)
        if not en:
            raise CatalogError(f"error code {code}: no English text (add it to overlay error_messages_en)")
        out[code] = {"en": en, "zh": cn.get(code) or en}
    return out


def build(cache, pins):
    """Build the catalogue dict. pins: {key: (package, version-or-None)}."""
    got = {k: fetch(pkg, ver, cache) for k, (pkg, ver) in pins.items()}
    apis = {"cn": json.loads(read_member(got["cn_api"][1], API_JSON)),
            "intl": json.loads(read_member(got["intl_api"][1], API_JSON))}
    cn_err = parse_errorcodes(read_member(got["cn_errors"][1], ERRORCODES_PY))
    intl_err = parse_errorcodes(read_member(got["intl_errors"][1], ERRORCODES_PY))
    overlay = json.loads(OVERLAY.read_text(encoding="utf-8"))
    catalog = {
        "service": SERVICE,
        "version": VERSION,
        "sources": {k: f"{pins[k][0]} {got[k][0]}" for k in pins},
        "actions": merge_actions(apis, overlay),
        "objects": merge_objects(apis),
        "error_messages": merge_error_messages(cn_err, intl_err, overlay.get("error_messages_en", {})),
    }
    known = set(catalog["error_messages"])
    bad = sorted({(a, c) for a, v in catalog["actions"].items() for c in v["error_codes"] if c not in known})
    if bad:
        raise CatalogError("overlay error codes missing from errorcodes.py: " +
                           ", ".join(f"{a}:{c}" for a, c in bad))
    return catalog


def dump(catalog):
    """{path: text} of the files the catalogue is written as: the definitions, and the error table."""
    definitions = {k: v for k, v in catalog.items() if k != "error_messages"}
    errors = {"service": catalog["service"], "version": catalog["version"],
              "sources": {k: v for k, v in catalog["sources"].items() if k.endswith("_errors")},
              "error_messages": catalog["error_messages"]}
    text = lambda doc: json.dumps(doc, sort_keys=True, indent=1, ensure_ascii=False) + "\n"
    return {OUTPUT: text(definitions), ERRORS_OUTPUT: text(errors)}


def load_committed():
    """The committed catalogue as one dict (both files merged), or {} if absent."""
    merged = {}
    for path in (OUTPUT, ERRORS_OUTPUT):
        if path.exists():
            doc = json.loads(path.read_text(encoding="utf-8"))
            if path == ERRORS_OUTPUT:
                doc = {"error_messages": doc.get("error_messages", {})}
            merged.update(doc)
    return merged


# ---- diffing ------------------------------------------------------------------------
def _keyed(value):
    """Lists of named dicts (members) are compared by name, not position."""
    if isinstance(value, list) and value and all(isinstance(v, dict) and "name" in v for v in value):
        return {v["name"]: v for v in value}
    return value


def diff(old, new, path=""):
    """Yield (path, old, new) for every leaf difference; missing side is '<absent>'."""
    keyed_old, keyed_new = _keyed(old), _keyed(new)
    if keyed_old is not old and keyed_new is not new:
        common = [k for k in keyed_old if k in keyed_new]
        if common != [k for k in keyed_new if k in keyed_old]:
            yield f"{path}.<order>", list(keyed_old), list(keyed_new)
    old, new = keyed_old, keyed_new
    if isinstance(old, dict) and isinstance(new, dict):
        for k in sorted(set(old) | set(new), key=str):
            p = f"{path}.{k}" if path else str(k)
            if k not in old:
                yield p, "<absent>", new[k]
            elif k not in new:
                yield p, old[k], "<absent>"
            else:
                yield from diff(old[k], new[k], p)
    elif old != new:
        yield path, old, new


def _short(v, limit=120):
    s = v if v == "<absent>" else json.dumps(v, ensure_ascii=False, sort_keys=True)
    return s if len(s) <= limit else s[: limit - 3] + "..."


def describe_diff(old, new, limit=60):
    lines = []
    for p, a, b in diff(old, new):
        if a == "<absent>":
            lines.append(f"  + {p}: {_short(b)}")
        elif b == "<absent>":
            lines.append(f"  - {p}: {_short(a)}")
        else:
            lines.append(f"  ~ {p}: {_short(a)} -> {_short(b)}")
    if len(lines) > limit:
        lines = lines[:limit] + [f"  ... and {len(lines) - limit} more"]
    return lines


# ---- commands -----------------------------------------------------------------------
PINS = {"cn_api": CN_API, "intl_api": INTL_API, "cn_errors": CN_ERRORS, "intl_errors": INTL_ERRORS}


def cmd_generate(args):
    catalog = build(args.cache_dir, PINS)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    for path, text in dump(catalog).items():
        path.write_text(text, encoding="utf-8")
    per = {e: sum(e in a["editions"] for a in catalog["actions"].values()) for e in EDITIONS}
    print(f"wrote {OUTPUT.relative_to(ROOT)}: {len(catalog['actions'])} actions "
          f"(cn {per['cn']}, intl {per['intl']}), {len(catalog['objects'])} objects, "
          f"{len(catalog['error_messages'])} error codes")
    return 0


def cmd_check(args):
    built = build(args.cache_dir, PINS)
    fresh = dump(built)
    missing = [p for p in fresh if not p.exists()]
    if missing:
        print(", ".join(str(p.relative_to(ROOT)) for p in missing) + " missing; run: python3 scripts/catalog.py generate")
        return 1
    stale = [p for p, text in fresh.items() if p.read_text(encoding="utf-8") != text]
    names = ", ".join(str(p.relative_to(ROOT)) for p in fresh)
    if not stale:
        print(f"{names}: up to date")
        return 0
    print(", ".join(str(p.relative_to(ROOT)) for p in stale) + " differ from what the pinned sources + spec/overlay.json produce")
    try:
        lines = describe_diff(load_committed(), built)
    except json.JSONDecodeError as e:
        lines = [f"  committed file is not valid JSON: {e}"]
    if not lines:
        lines = ["  (same data, different formatting)"]
    print("committed -> generated:")
    print("\n".join(lines))
    print("fix: python3 scripts/catalog.py generate (or edit spec/overlay.json, then generate)")
    return 1


def cmd_drift(args):
    latest = {k: (pkg, None) for k, (pkg, _) in PINS.items()}
    try:
        catalog = build(args.cache_dir, latest)
    except OSError as e:
        print(f"warning: could not fetch the latest packages (offline?): {e}", file=sys.stderr)
        return 0
    except CatalogError as e:
        print(f"warning: latest release could not be catalogued:\n{e}", file=sys.stderr)
        return 0
    committed = load_committed()
    print("pinned : " + ", ".join(committed.get("sources", {}).get(k, "?") for k in PINS))
    print("latest : " + ", ".join(catalog["sources"][k] for k in PINS))
    sections = [
        ("actions", lambda c: c.get("actions", {})),
        ("objects", lambda c: c.get("objects", {})),
        ("error codes", lambda c: c.get("error_messages", {})),
    ]
    any_change = False
    for title, pick in sections:
        old, new = pick(committed), pick(catalog)
        added, removed = sorted(set(new) - set(old)), sorted(set(old) - set(new))
        changed = describe_diff({k: old[k] for k in old if k in new},
                                {k: new[k] for k in new if k in old}, limit=200)
        if not (added or removed or changed):
            continue
        any_change = True
        print(f"\n{title}:")
        for k in added:
            print(f"  + {k}")
        for k in removed:
            print(f"  - {k}")
        if changed:
            print("\n".join(changed))
    if not any_change:
        print("\nno changes in actions, objects or error codes")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE,
                        help=f"where downloaded archives are kept (default: {DEFAULT_CACHE.relative_to(ROOT)})")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("generate", help="download pinned packages and write the catalogue")
    sub.add_parser("check", help="exit 1 if the committed catalogue is out of date")
    sub.add_parser("drift", help="report what the latest releases change (exit 0)")
    args = parser.parse_args(argv)
    handler = {"generate": cmd_generate, "check": cmd_check, "drift": cmd_drift}[args.command]
    try:
        return handler(args)
    except (CatalogError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
