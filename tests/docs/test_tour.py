#!/usr/bin/env python3
"""Tests of scripts/tour.py on small made-up trees, then its check of the
real tree. The tour check guards the teaching material (docs/tour/,
docs/side-by-side.md and every `path:LINE name` a doc gives), so it must
itself be shown to fail on what it is meant to catch: a tag used twice, a
tagged comment lost, a tag no chapter lists, a name that is not defined
where a doc says. Prints one line per case and `N passed, N failed`."""

import os
import subprocess
import sys
import tempfile

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
TOUR = os.path.join(ROOT, "scripts", "tour.py")

passed = failed = 0


def verdict(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"PASS {name}")
    else:
        failed += 1
        print(f"FAIL {name}: {detail}")


def tree(files):
    d = tempfile.mkdtemp(prefix="tour-test-")
    for rel, text in files.items():
        path = os.path.join(d, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
    return d


def run(d, cmd):
    env = dict(os.environ, TOUR_ROOT=d)
    r = subprocess.run([sys.executable, TOUR, cmd], env=env, capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


GOOD_C = """/*
 * Why this file exists.
 */
#include <x.h>

/*T:120 The second stop: the
 * store itself.
 *   diagram line
 */
void store(int *p)
{
    *p = 1;
}

/*T:110 The first stop. */
int load(int *p)
{
    return *p;
}
"""
GOOD_SH = "#!/bin/sh\n# T:130 A script's stop,\n# two lines.\necho hi\n"
CHAPTER = "# Chapter 1: Loads and stores\n\nIntro.\n\n<!-- tour: 110 120 130 -->\n\n## Exercises\n\n1. Try.\n"
DOC = "The store is `kernel/a.c:10 store`.\n"


def good():
    return {"kernel/a.c": GOOD_C, "scripts/b.sh": GOOD_SH,
            "docs/tour/100-loads.md": CHAPTER, "docs/notes.md": DOC}


def main():
    d = tree(good())
    rc, out = run(d, "check")
    verdict("a consistent tree passes", rc == 0 and "0 failed" in out, out)
    rc, out = run(d, "build")
    tour = open(os.path.join(d, "docs", "tour.md")).read() if rc == 0 else ""
    verdict("build writes the stops in tag order", rc == 0 and
            tour.index("T:110") < tour.index("T:120") < tour.index("T:130"), out)
    verdict("a stop links its file and line", "[kernel/a.c:15](../kernel/a.c#L15)" in tour, tour)
    verdict("a stop shows the code after it", "int load(int *p)" in tour, tour)
    verdict("an indented comment line stays preformatted", "```\n  diagram line\n```" in tour, tour)
    verdict("the chapter's text and exercises are kept", "## Exercises" in tour and
            "<!-- tour:" not in tour, tour)

    # (what the tree changes, what `check` must say: None for a pass)
    unclosed = GOOD_C.replace("int load(int *p)", "/*T:115 never closed\nint load(int *p)")
    unclosed = unclosed.replace("/*T:110 The first stop. */", "").replace("*/", "")
    broken = [
        ("a tag used twice fails", {"kernel/c.c": "/*T:110 Again. */\nint x;\n"}, "T:110 twice"),
        ("a listed tag lost from the code fails",
         {"kernel/a.c": GOOD_C.replace("/*T:110 The first stop. */", "/* The first stop. */")},
         "T:110 is in no comment"),
        ("a tag no chapter lists fails", {"kernel/c.c": "/*T:140 Not listed. */\nint x;\n"},
         "T:140 is listed by no chapter"),
        ("a tag in the wrong chapter fails",
         {"docs/tour/100-loads.md": CHAPTER.replace("130 -->", "130 250 -->"),
          "kernel/c.c": "/*T:250 Elsewhere. */\nint x;\n",
          "docs/tour/200-more.md": "# Chapter 2\n\n<!-- tour: 250 -->\n"}, "belongs to chapter 200"),
        ("a reference to an undefined name fails",
         {"docs/notes.md": "The store is `kernel/a.c:10 stroe`.\n"}, "not defined there"),
        ("a prototype is not a definition", {"kernel/a.c": GOOD_C + "void store(int *p);\n"}, None),
        ("a tagged comment that never ends is reported", {"kernel/a.c": unclosed}, "never ends"),
    ]
    for name, changes, said in broken:
        files = good()
        files.update(changes)
        rc, out = run(tree(files), "check")
        verdict(name, rc == 0 if said is None else rc != 0 and said in out, out)

    files = good()
    files["docs/notes.md"] = "The store is `kernel/a.c:3 store`.\n"
    d = tree(files)
    rc, out = run(d, "check")
    verdict("a reference whose line moved fails the check", rc != 0 and "run `make tour`" in out, out)
    rc, out = run(d, "build")
    doc = open(os.path.join(d, "docs", "notes.md")).read()
    verdict("build moves a reference to its name's line", rc == 0 and "`kernel/a.c:10 store`" in doc, doc + out)

    # The real tree: every tag once, every chapter's tags in the code, every
    # reference in docs/ true.
    r = subprocess.run([sys.executable, TOUR, "check"], capture_output=True, text=True)
    for line in r.stdout.splitlines():
        if line.startswith("FAIL "):
            print(line)
    verdict("the tree's tour and code references", r.returncode == 0,
            (r.stdout.splitlines() or ["(no output)"])[-1] + r.stderr)

    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
