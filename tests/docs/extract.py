#!/usr/bin/python3
"""The C++ snippets of the Markdown docs as programs (tests/docs/README.md has the convention).

extract.py OUT_DIR [--complete] [--pending DOC]... DOC...
                                               writes OUT_DIR/<name>.cpp per doc, OUT_DIR/tests.cmake
                                               and a <name>.run.json per runnable whole program; with
                                               --complete, fails when README.md or a docs/*.md with C++
                                               blocks is neither listed nor pending
extract.py --excerpts DOC                      checks the doc's compile-fail excerpts against their cases
extract.py --run CMAKE BUILD_DIR TARGET EXE SPEC
                                               builds TARGET, runs EXE, checks its status and output
"""
import json
import pathlib
import re
import shlex
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
MARKER = re.compile(r"^<!--\s*doc-test:\s*(.*?)\s*-->$")
SETUP = re.compile(r"^<!--\s*doc-test:\s*(setup|global-setup)$")
ANY_MARKER = re.compile(r"^<!--\s*doc[-_ ]?test", re.I)
FENCE = re.compile(r"^(`{3,}|~{3,})\s*(.*)$")
# Info strings that name C++ but are not the one spelling the extractor reads.
CPP_NAMES = {"cpp", "c++", "cxx", "cc", "hpp", "hxx", "h++", "c", "h"}
WORDS = ("fragment", "global", "program", "skip", "compile-fail", "run")
RUN_OPTIONS = ("expect", "expect-re", "cwd")
PREAMBLE = "#include <typegrad/typegrad.hpp>\n#include <typegrad/checkpoint.hpp>\n" \
           "#include <typegrad/deploy/export_header.hpp>\n\n#include <cstdio>\n\nnamespace tg = typegrad;\n"
TIMEOUT_SECONDS = 120


class DocError(Exception):
    pass


def blocks(doc):
    """(first line number, marker, code) of each ```cpp block and hidden setup, in order.

    Raises DocError for what would otherwise be skipped in silence: a C++ block under another info
    string, a doc-test comment that is malformed or not right before a ```cpp block, an unclosed
    block or setup comment."""
    lines = doc.read_text().splitlines()
    out = []
    pending = None  # (line number, marker text) of a marker waiting for its block
    i = 0
    while i < len(lines):
        text = lines[i].strip()
        fence = FENCE.match(text)
        if fence:
            info = fence.group(2).strip()
            k = i + 1
            while k < len(lines) and not (lines[k].strip().startswith(fence.group(1))
                                          and not lines[k].strip().lstrip(fence.group(1)[0])):
                k += 1
            if k == len(lines):
                raise DocError(f"{doc}:{i + 1}: the block opened here is never closed")
            first = info.split()[0].lower() if info else ""
            if info == "cpp" and len(fence.group(1)) == 3 and fence.group(1)[0] == "`":
                marker = pending[1] if pending else ""
                out.append((i + 2, marker, "\n".join(lines[i + 1:k])))
                pending = None
            elif first in CPP_NAMES or first.startswith("cpp"):
                raise DocError(f"{doc}:{i + 1}: a C++ block opened with '{text}' is not checked; "
                               "open it with ```cpp")
            elif pending:
                raise DocError(f"{doc}:{pending[0]}: 'doc-test: {pending[1]}' is followed by a "
                               f"'{text}' block, not a ```cpp one")
            i = k + 1
            continue
        if ANY_MARKER.match(text):
            if pending:
                raise DocError(f"{doc}:{pending[0]}: 'doc-test: {pending[1]}' is not followed by a ```cpp block")
            setup = SETUP.match(text)
            marker = MARKER.match(text)
            if setup:  # hidden code: the lines up to "-->"
                k = i + 1
                while k < len(lines) and lines[k].strip() != "-->":
                    if "-->" in lines[k]:
                        raise DocError(f"{doc}:{k + 1}: close the hidden setup with a line of its own, '-->'")
                    k += 1
                if k == len(lines):
                    raise DocError(f"{doc}:{i + 1}: the hidden setup opened here is never closed")
                out.append((i + 2, "global" if setup.group(1) == "global-setup" else "fragment",
                            "\n".join(lines[i + 1:k])))
                i = k + 1
                continue
            if not marker:
                raise DocError(f"{doc}:{i + 1}: malformed doc-test comment: {text}")
            pending = (i + 1, marker.group(1))
        elif text and pending:
            raise DocError(f"{doc}:{pending[0]}: 'doc-test: {pending[1]}' is not followed by a ```cpp block")
        i += 1
    if pending:
        raise DocError(f"{doc}:{pending[0]}: 'doc-test: {pending[1]}' is not followed by a ```cpp block")
    return out


def is_program(code):
    return re.search(r"^\s*int main\(", code, re.M) is not None


def parse_marker(doc, line, marker, code):
    """(kind, arguments) of a block: kind one of WORDS but "run" (a run is a program with a spec)."""
    try:
        words = shlex.split(marker)
    except ValueError as e:
        raise DocError(f"{doc}:{line - 1}: 'doc-test: {marker}': {e}")
    if not words:
        return ("program" if is_program(code) else "fragment"), {}
    word, args = words[0], words[1:]
    if word not in WORDS:
        raise DocError(f"{doc}:{line - 1}: unknown marker 'doc-test: {marker}' (known: {', '.join(WORDS)})")
    if word == "compile-fail":
        if len(args) != 1:
            raise DocError(f"{doc}:{line - 1}: 'doc-test: compile-fail' takes the path of its case")
        return word, {"case": args[0]}
    if word == "run":
        if not is_program(code):
            raise DocError(f"{doc}:{line - 1}: 'doc-test: run' is for a whole program (one with 'int main(')")
        spec = {"expect": [], "expect-re": [], "cwd": None}
        for arg in args:
            key, eq, value = arg.partition("=")
            if key not in RUN_OPTIONS or not eq:
                raise DocError(f"{doc}:{line - 1}: 'doc-test: run' takes {', '.join(o + '=...' for o in RUN_OPTIONS)}, "
                               f"not '{arg}'")
            if key == "cwd":
                spec["cwd"] = value
            else:
                if key == "expect-re":
                    try:
                        re.compile(value)
                    except re.error as e:
                        raise DocError(f"{doc}:{line - 1}: expect-re='{value}': {e}")
                spec[key].append(value)
        return "program", {"run": spec}
    if args:
        raise DocError(f"{doc}:{line - 1}: 'doc-test: {word}' takes no arguments")
    if word == "program" and not is_program(code):
        raise DocError(f"{doc}:{line - 1}: 'doc-test: program' on a block without 'int main('")
    return word, {}


def name_of(doc):
    return doc.stem.replace("-", "_").lower()


def includes_umbrella(code):
    return re.search(r"^\s*#include\s*<typegrad/typegrad\.hpp>", code, re.M) is not None


def unlisted(docs, pending):
    """README.md and the docs/*.md of the working directory that have ```cpp blocks, unchecked."""
    known = {d.as_posix() for d in docs} | {p.as_posix() for p in pending}
    out = []
    for doc in [pathlib.Path("README.md")] + sorted(pathlib.Path("docs").glob("*.md")):
        if doc.is_file() and doc.as_posix() not in known and re.search(r"^\s*```\s*cpp", doc.read_text(), re.M):
            out.append(doc.as_posix())
    return out


def generate(out_dir, docs, complete, pending):
    missing = unlisted(docs, pending) if complete else []
    if missing:
        raise DocError(f"{', '.join(missing)}: C++ blocks, but not in TYPEGRAD_DOCS_CHECKED (or pending)")
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in list(out_dir.glob("*.cpp")) + list(out_dir.glob("*.run.json")):
        stale.unlink()
    cmake = ["# Generated by tests/docs/extract.py: one program per doc and per whole program in it."]
    checked = 0
    for doc in docs:
        base = name_of(doc)
        includes, globals_, body, programs = [], [], [], []
        excerpts = False
        for line, marker, code in blocks(doc):
            kind, args = parse_marker(doc, line, marker, code)
            where = f'#line {line} "{doc.as_posix()}"\n'
            if kind == "skip":
                continue
            checked += 1
            if kind == "compile-fail":
                excerpts = True
                continue
            if kind == "program":
                programs.append((where + code + "\n", args.get("run"), includes_umbrella(code)))
                continue
            kept = []
            for text in code.splitlines():
                if text.startswith("#include"):
                    includes.append(text)
                    kept.append("")  # keeps #line numbering
                elif text.strip() == "namespace tg = typegrad;":
                    kept.append("")
                else:
                    kept.append(text)
            code = "\n".join(kept)
            (globals_ if kind == "global" else body).append(where + code + "\n")
        if globals_ or body:
            text = PREAMBLE + "\n".join(dict.fromkeys(includes)) + "\n\n"
            text += "".join(globals_)
            text += "\n// The fragments, in the doc's order; compiled and linked, not run.\n"
            text += "[[maybe_unused]] static void fragments() {\n" + "".join(body) + "}\n\nint main() {}\n"
            (out_dir / f"{base}.cpp").write_text(text)
            cmake.append(f"typegrad_doc_program({base} {doc.as_posix()} FRAGMENTS)")
        for n, (code, run, umbrella) in enumerate(programs, 1):
            name = f"{base}_program{n}"
            (out_dir / f"{name}.cpp").write_text(code)
            pch = " UMBRELLA" if umbrella else ""
            if run is None:
                cmake.append(f"typegrad_doc_program({name} {doc.as_posix()}{pch})")
            else:
                (out_dir / f"{name}.run.json").write_text(json.dumps(run, indent=1) + "\n")
                cmake.append(f"typegrad_doc_program({name} {doc.as_posix()}{pch} RUN {out_dir / name}.run.json)")
        if excerpts:
            cmake.append(f"typegrad_doc_excerpts({base} {doc.as_posix()})")
    if not checked:
        raise DocError(f"no C++ block to check in {' '.join(d.as_posix() for d in docs)}")
    (out_dir / "tests.cmake").write_text("\n".join(cmake) + "\n")


def check_excerpts(doc):
    """Each compile-fail block's lines (without their trailing comment) are lines of its case."""
    failures = 0
    for line, marker, code in blocks(doc):
        kind, args = parse_marker(doc, line, marker, code)
        if kind != "compile-fail":
            continue
        case = ROOT / args["case"]
        if not case.is_file():
            print(f"{doc}:{line}: compile-fail names {case}, which does not exist")
            failures += 1
            continue
        case_lines = {l.strip() for l in case.read_text().splitlines()}
        for n, text in enumerate(code.splitlines()):
            bare = re.sub(r"\s*//.*$", "", text).strip()
            if bare and bare not in case_lines:
                print(f"{doc}:{line + n}: not a line of {case.name}: {bare}")
                failures += 1
    print(f"{doc}: compile-fail excerpts " + ("differ" if failures else "match their cases"))
    return 1 if failures else 0


def build_and_run(cmake, build_dir, target, exe, spec_file):
    """Builds the program, runs it (in the spec's cwd, relative to the project, else a scratch
    directory), and checks that it exits 0 and prints each expected line."""
    built = subprocess.run([cmake, "--build", build_dir, "--target", target])
    if built.returncode:
        return built.returncode
    spec = json.loads(pathlib.Path(spec_file).read_text())
    cwd = ROOT / spec["cwd"] if spec["cwd"] else pathlib.Path(spec_file).with_suffix("").with_suffix(".dir")
    cwd.mkdir(exist_ok=True)
    try:
        ran = subprocess.run([exe], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             timeout=TIMEOUT_SECONDS, text=True)
    except subprocess.TimeoutExpired:
        print(f"{target}: still running after {TIMEOUT_SECONDS} s")
        return 1
    print(ran.stdout, end="")
    failures = []
    if ran.returncode:
        failures.append(f"exited with status {ran.returncode}")
    out_lines = ran.stdout.splitlines()
    for text in spec["expect"]:
        if not any(text in l for l in out_lines):
            failures.append(f"no line of the output contains: {text}")
    for pattern in spec["expect-re"]:
        if not any(re.search(pattern, l) for l in out_lines):
            failures.append(f"no line of the output matches: {pattern}")
    for f in failures:
        print(f"{target}: {f}")
    return 1 if failures else 0


def main(argv):
    try:
        if len(argv) == 2 and argv[0] == "--excerpts":
            return check_excerpts(pathlib.Path(argv[1]))
        if len(argv) == 6 and argv[0] == "--run":
            return build_and_run(*argv[1:])
        if len(argv) < 2 or argv[0].startswith("--"):
            return __doc__
        out_dir, rest, complete, pending, docs = pathlib.Path(argv[0]), argv[1:], False, [], []
        while rest:
            if rest[0] == "--complete":
                complete = True
                rest = rest[1:]
            elif rest[0] == "--pending" and len(rest) > 1:
                pending.append(pathlib.Path(rest[1]))
                rest = rest[2:]
            else:
                docs.append(pathlib.Path(rest[0]))
                rest = rest[1:]
        generate(out_dir, docs, complete, pending)
        return 0
    except DocError as e:
        print(f"extract.py: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
