"""Fill empty msgstr entries of a .po file from a JSON {msgid: translation} file.

Usage: python scripts/fill_po.py path/to/django.po translations.json
Used when adding strings: the .po file stays the committed source of truth.
"""

import json
import sys

import polib


def main() -> None:
    po_path, table_path = sys.argv[1], sys.argv[2]
    with open(table_path, encoding="utf-8") as handle:
        table = json.load(handle)
    po = polib.pofile(po_path)
    missing = []
    for entry in po:
        if entry.msgstr or entry.msgid_plural:
            continue
        if entry.msgid in table:
            entry.msgstr = table[entry.msgid]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
        else:
            missing.append(entry.msgid)
    po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    po.save()
    for msgid in missing:
        print("untranslated:", msgid[:80])


if __name__ == "__main__":
    main()
