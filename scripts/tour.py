#!/usr/bin/env python3
"""The guided tour (docs/tour.md) and the code references in the docs.

Proteus is read by students as well as run. The explanations live where the
code is, in its comments; a comment that belongs to the tour starts with a
tag, /*T:NNN (or `# T:NNN` in a script), and the tour is those comments in
tag order, each with a link to its file and line and the lines of code that
follow it (lguest's literate tour in Linux used the same idea). Chapters
are the hundreds: docs/tour/NNN-*.md holds a chapter's introduction, the
list of its tags (the line `<!-- tour: 110 120 ... -->`, replaced by the
tagged comments when the tour is made) and its exercises.

A doc names code as `path/file.c:LINE name` (in backquotes); the name is
what counts, the line is kept true by `make tour`.

    tour.py build     write docs/tour.md, and refresh the LINE of every
                      code reference in docs/ to where its name is defined
    tour.py check     for `make check`: every tag once, every tag listed by
                      its chapter and every listed tag in the code, every
                      code reference naming a definition at its line;
                      prints one line per failure and `N passed, N failed`
"""

import os
import re
import sys

# TOUR_ROOT: another tree (tests/docs/test_tour.py checks the checker on
# small made-up trees).
ROOT = os.environ.get("TOUR_ROOT") or \
    os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
CHAPTERS = os.path.join(ROOT, "docs", "tour")
OUTPUT = os.path.join(ROOT, "docs", "tour.md")

# Where tags may be: the sources, not build output or fetched code.
SOURCE_DIRS = ["kernel", "arch", "pv", "drivers", "lib", "include", "net", "apps", "tests",
               "scripts", "config", "mk"]
SOURCE_FILES = ["Makefile"]
C_LIKE = (".c", ".h", ".S", ".ld", ".cc", ".cpp")
HASH_LIKE = (".py", ".sh", ".mk")

C_TAG = re.compile(r"/\*T:(\d+)\b[ \t]?")
HASH_TAG = re.compile(r"^\s*#\s?T:(\d+)\b[ \t]?")
CHAPTER_TAGS = re.compile(r"^<!-- tour:([\d\s]*)-->\s*$")
# `path:LINE name` in backquotes: a doc naming a function, variable or label.
CODE_REF = re.compile(r"`((?:kernel|arch|pv|drivers|lib|include|net|apps|tests|scripts)/[\w./+-]+):(\d+) (\w+)`")
EXCERPT_LINES = 12


class Stop:
    def __init__(self, tag, path, line, text, code):
        self.tag, self.path, self.line, self.text, self.code = tag, path, line, text, code


def source_files():
    for name in SOURCE_FILES:
        if os.path.isfile(os.path.join(ROOT, name)):
            yield name
    for top in SOURCE_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(ROOT, top)):
            dirnames[:] = sorted(d for d in dirnames if d not in ("__pycache__",))
            for f in sorted(filenames):
                if f.endswith(C_LIKE + HASH_LIKE):
                    yield os.path.relpath(os.path.join(dirpath, f), ROOT)


def read_lines(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8", errors="replace") as f:
        return f.read().split("\n")


def excerpt(lines, start):
    """The code after a tagged comment: up to the first blank line (a
    comment that heads a file is followed by includes, which say nothing)."""
    out = []
    for line in lines[start:start + EXCERPT_LINES]:
        if not line.strip():
            break
        out.append(line.rstrip())
    if out and out[0].startswith(("#include", "#ifndef")):
        return []
    return out


def c_stops(rel, lines):
    for i, line in enumerate(lines):
        m = C_TAG.search(line)
        if not m:
            continue
        text, end = [], None
        first = line[m.end():]
        for j in range(i, len(lines)):
            body = first if j == i else lines[j]
            close = body.find("*/")
            if close >= 0:
                body = body[:close]
                end = j
            if j != i:
                body = re.sub(r"^\s*\*( |$)", "", body.rstrip()) if body.strip().startswith("*") \
                    else body.strip()
            text.append(body.rstrip())
            if end is not None:
                break
        if end is None:
            raise SystemExit(f"{rel}:{i + 1}: tour tag T:{m.group(1)} in a comment that never ends")
        yield Stop(int(m.group(1)), rel, i + 1, text, excerpt(lines, end + 1))


def hash_stops(rel, lines):
    for i, line in enumerate(lines):
        m = HASH_TAG.match(line)
        if not m:
            continue
        text, j = [line[m.end():].rstrip()], i + 1
        while j < len(lines) and re.match(r"^\s*#( |$)", lines[j]) and not HASH_TAG.match(lines[j]):
            text.append(re.sub(r"^\s*# ?", "", lines[j]).rstrip())
            j += 1
        yield Stop(int(m.group(1)), rel, i + 1, text, excerpt(lines, j))


def all_stops():
    stops = []
    for rel in source_files():
        lines = read_lines(rel)
        finder = c_stops if rel.endswith(C_LIKE) else hash_stops
        stops.extend(finder(rel, lines))
    return stops


def chapters():
    """[(path, number, lines, listed tags)] in chapter order."""
    out = []
    if not os.path.isdir(CHAPTERS):
        return out
    for f in sorted(os.listdir(CHAPTERS)):
        m = re.match(r"^(\d+)-[\w-]+\.md$", f)
        if not m:
            continue
        path = os.path.join(CHAPTERS, f)
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().rstrip("\n").split("\n")
        listed = []
        for line in lines:
            t = CHAPTER_TAGS.match(line)
            if t:
                listed.extend(int(x) for x in t.group(1).split())
        out.append((os.path.relpath(path, ROOT), int(m.group(1)), lines, listed))
    return out


def comment_markdown(text):
    """Comment text as Markdown: prose lines join into paragraphs; lines
    indented by two or more spaces (a diagram, a table, a trace) are kept
    exactly, in a fenced block."""
    out, pre = [], []

    def flush():
        if pre:
            out.append("```")
            out.extend(pre)
            out.append("```")
            pre.clear()

    for line in text:
        if line.startswith("  ") and line.strip():
            pre.append(line)
        else:
            flush()
            out.append(line.strip())
    flush()
    while out and not out[-1]:
        out.pop()
    while out and not out[0]:
        out.pop(0)
    return out


def render_stop(s):
    lang = "c" if s.path.endswith(C_LIKE) else ""
    out = [f"### T:{s.tag} · [{s.path}:{s.line}](../{s.path}#L{s.line})", ""]
    out.extend(comment_markdown(s.text))
    if s.code:
        out += ["", "```" + lang] + s.code + ["```"]
    out.append("")
    return out


def build_tour(stops):
    by_tag = {s.tag: s for s in stops}
    out = ["<!-- Generated by `make tour` (scripts/tour.py) from docs/tour/*.md and the",
           "     /*T:NNN comments in the code. Do not edit: change those instead. -->", ""]
    for rel, number, lines, listed in chapters():
        for line in lines:
            if CHAPTER_TAGS.match(line):
                for tag in listed:
                    if tag in by_tag:
                        out.extend(render_stop(by_tag[tag]))
            else:
                out.append(line)
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


# ------------------------------------------------------------ code references

def definition_lines(rel, name):
    """1-based lines of rel that define name: a C function or object at the
    start of a line (its type before it), a #define, an assembly label, a
    Python def or a shell function; a prototype (ending in ';') is not one."""
    try:
        lines = read_lines(rel)
    except OSError:
        return None
    pats = [re.compile(r"^[A-Za-z_][\w \t*]*\b%s\s*(\(|\[|=|$)" % re.escape(name)),
            re.compile(r"^#\s*define\s+%s\b" % re.escape(name)),
            re.compile(r"^\s*%s:" % re.escape(name)),
            re.compile(r"^\s*(def|class)\s+%s\b" % re.escape(name)),
            re.compile(r"^\s*%s\s*\(\)\s*\{" % re.escape(name)),
            re.compile(r"^(static\s+)?(const\s+)?struct\s+\w+\s+%s\b" % re.escape(name))]
    found = []
    for i, line in enumerate(lines):
        if line.rstrip().endswith(";") and "=" not in line and not line.startswith("#"):
            continue
        if any(p.search(line) for p in pats):
            found.append(i + 1)
    return found


def doc_files():
    docs = os.path.join(ROOT, "docs")
    for dirpath, _, filenames in os.walk(docs):
        for f in sorted(filenames):
            path = os.path.join(dirpath, f)
            if f.endswith(".md") and os.path.abspath(path) != OUTPUT:
                yield os.path.relpath(path, ROOT)


def check_refs(fix):
    """[(ok, message)] for every code reference in docs/; with fix, rewrite
    a reference whose line moved to the line its name is defined on now."""
    results = []
    for doc in doc_files():
        text = open(os.path.join(ROOT, doc), encoding="utf-8").read()
        changed = False

        def one(m):
            nonlocal changed
            rel, line, name = m.group(1), int(m.group(2)), m.group(3)
            where = f"{doc}: `{rel}:{line} {name}`"
            defs = definition_lines(rel, name)
            if defs is None:
                results.append((False, f"{where}: no such file"))
                return m.group(0)
            if line in defs:
                results.append((True, where))
                return m.group(0)
            if len(defs) == 1 and fix:
                changed = True
                results.append((True, f"{where}: now line {defs[0]}"))
                return f"`{rel}:{defs[0]} {name}`"
            why = "not defined there" if not defs else \
                f"defined at line {', '.join(map(str, defs))}: run `make tour`" if len(defs) == 1 else \
                f"defined more than once ({', '.join(map(str, defs))}): name the line"
            results.append((False, f"{where}: {why}"))
            return m.group(0)

        new = CODE_REF.sub(one, text)
        if fix and changed:
            with open(os.path.join(ROOT, doc), "w", encoding="utf-8") as f:
                f.write(new)
    return results


def check_tags(stops):
    results = []
    seen = {}
    for s in stops:
        if s.tag in seen:
            o = seen[s.tag]
            results.append((False, f"T:{s.tag} twice: {o.path}:{o.line} and {s.path}:{s.line}"))
        else:
            seen[s.tag] = s
    listed = {}
    numbers = set()
    for rel, number, lines, tags in chapters():
        numbers.add(number)
        if number and not tags:
            results.append((False, f"{rel}: lists no tags (a `<!-- tour: ... -->` line)"))
        for t in tags:
            if t in listed:
                results.append((False, f"T:{t} listed by {listed[t]} and {rel}"))
            listed[t] = rel
            if t // 100 * 100 != number:
                results.append((False, f"{rel}: T:{t} belongs to chapter {t // 100 * 100}"))
            if t not in seen:
                results.append((False, f"{rel}: T:{t} is in no comment in the code (lost?)"))
    for t, s in sorted(seen.items()):
        if t not in listed:
            results.append((False, f"{s.path}:{s.line}: T:{t} is listed by no chapter "
                                   f"(docs/tour/{t // 100 * 100}-*.md)"))
        elif not any(s.text):
            results.append((False, f"{s.path}:{s.line}: T:{t} has no text"))
        else:
            results.append((True, f"T:{t} {s.path}:{s.line}"))
    if not numbers:
        results.append((False, "docs/tour/ has no chapters"))
    return results


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else "build"
    stops = all_stops()
    if cmd == "build":
        refs = check_refs(fix=True)
        tags = check_tags(stops)
        with open(OUTPUT, "w", encoding="utf-8") as f:
            f.write(build_tour(stops))
        bad = [m for ok, m in tags + refs if not ok]
        for m in bad:
            print("tour: " + m, file=sys.stderr)
        print(f"  TOUR    docs/tour.md: {len(stops)} stops, "
              f"{sum(1 for ok, _ in refs if ok)} code references")
        return 1 if bad else 0
    if cmd == "check":
        results = check_tags(stops) + check_refs(fix=False)
        passed = sum(1 for ok, _ in results if ok)
        failed = len(results) - passed
        for ok, m in results:
            if not ok:
                print("FAIL " + m)
        print(f"tour and code references: {len(stops)} tagged comments, "
              f"{sum(1 for ok, m in results if ok and m.startswith('docs'))} references checked")
        print(f"{passed} passed, {failed} failed")
        return 1 if failed else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
