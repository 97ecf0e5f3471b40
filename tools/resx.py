#!/usr/bin/env python3
"""Write .resx files from one JSON table, so a string and its translations are edited side by side.

usage: tools/resx.py STRINGS.json OUT_BASE      (OUT_BASE without extension, e.g. src/.../Details)
       tools/resx.py --dump BASE > STRINGS.json  (the existing BASE.resx and BASE.*.resx as one table)
STRINGS.json: {"Key": {"nl": "...", "en": "...", "ar": "..."}, ...}; nl goes to OUT_BASE.resx (the neutral,
Dutch default), every other language to OUT_BASE.<lang>.resx. Existing files are replaced."""
import json, sys
from xml.sax.saxutils import escape

HEADER = '''<?xml version="1.0" encoding="utf-8"?>
<root>
  <resheader name="resmimetype"><value>text/microsoft-resx</value></resheader>
  <resheader name="version"><value>2.0</value></resheader>
  <resheader name="reader"><value>System.Resources.ResXResourceReader, System.Windows.Forms, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089</value></resheader>
  <resheader name="writer"><value>System.Resources.ResXResourceWriter, System.Windows.Forms, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089</value></resheader>
'''

def write(path, pairs):
    with open(path, "w", encoding="utf-8") as f:
        f.write(HEADER)
        for key, value in pairs:
            f.write(f'  <data name="{escape(key, {chr(34): "&quot;"})}" xml:space="preserve"><value>{escape(value)}</value></data>\n')
        f.write("</root>\n")

if sys.argv[1] == "--dump":
    import glob, os, xml.etree.ElementTree as ET
    base = sys.argv[2]
    table = {}
    for path in [f"{base}.resx"] + sorted(glob.glob(f"{glob.escape(base)}.*.resx")):
        lang = "nl" if path == f"{base}.resx" else path[len(base) + 1:-5]
        for data in ET.parse(path).getroot().iter("data"):
            table.setdefault(data.get("name"), {})[lang] = data.findtext("value") or ""
    json.dump(table, sys.stdout, ensure_ascii=False, indent=1)
    sys.exit(0)

table = json.load(open(sys.argv[1], encoding="utf-8"))
base = sys.argv[2]
langs = sorted({l for v in table.values() for l in v})
for lang in langs:
    pairs = [(k, v[lang]) for k, v in table.items() if lang in v]
    write(f"{base}.resx" if lang == "nl" else f"{base}.{lang}.resx", pairs)
