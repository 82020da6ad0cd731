#!/usr/bin/python3
"""extract.py's own test (ctest docs:selftest): what it refuses, and what it writes.

Each case writes docs into a scratch folder, runs extract.py there as CMake does and checks its
exit status and message. The fixtures in tests/docs/fixtures check, through the build, that a
snippet that does not compile or a program whose run fails makes its test fail.
"""
import json
import pathlib
import shutil
import subprocess
import sys
import tempfile

EXTRACT = pathlib.Path(__file__).resolve().parent / "extract.py"
failures = []
scratches = []


def extract(docs, *args, listed=None):
    """Writes docs (path -> text) into a scratch folder and runs extract.py on them there."""
    scratch = pathlib.Path(tempfile.mkdtemp(prefix="typegrad-docs-selftest-"))
    scratches.append(scratch)
    for path, text in docs.items():
        (scratch / path).parent.mkdir(parents=True, exist_ok=True)
        (scratch / path).write_text(text)
    argv = list(args) if args else ["out"] + (listed if listed is not None else list(docs))
    ran = subprocess.run([sys.executable, str(EXTRACT)] + argv, cwd=scratch, capture_output=True, text=True)
    return ran.returncode, ran.stdout + ran.stderr, scratch


def refuses(case, docs, message, **kw):
    rc, out, _ = extract(docs, **kw)
    if rc == 0 or message not in out:
        failures.append(f"{case}: expected a failure saying '{message}', got status {rc}: {out.strip()}")


FRAGMENT = "```cpp\nconstexpr auto x = tg::input<\"x\", 3>;\n```\n"
PROGRAM = "```cpp\nint main() {}\n```\n"

refuses("unknown marker", {"a.md": "<!-- doc-test: skipp -->\n" + FRAGMENT}, "unknown marker 'doc-test: skipp'")
refuses("malformed marker", {"a.md": "<!-- doctest skip -->\n" + FRAGMENT}, "a.md:1: malformed doc-test comment")
refuses("c++ block", {"a.md": FRAGMENT + "\n```c++\nint x;\n```\n"}, "a.md:5: a C++ block opened with '```c++'")
refuses("C++ block", {"a.md": FRAGMENT + "\n``` C++\nint x;\n```\n"}, "is not checked; open it with ```cpp")
refuses("cpp with a title", {"a.md": FRAGMENT + "\n```cpp title\nint x;\n```\n"}, "a.md:5: a C++ block opened")
refuses("marker then prose", {"a.md": "<!-- doc-test: global -->\nSome text.\n\n" + FRAGMENT},
        "a.md:1: 'doc-test: global' is not followed by a ```cpp block")
refuses("marker then another block", {"a.md": "<!-- doc-test: skip -->\n```sh\nls\n```\n" + FRAGMENT},
        "is followed by a '```sh' block")
refuses("marker at the end", {"a.md": FRAGMENT + "<!-- doc-test: skip -->\n"}, "is not followed by a ```cpp block")
refuses("unclosed block", {"a.md": "```cpp\nint x;\n"}, "a.md:1: the block opened here is never closed")
refuses("unclosed setup", {"a.md": "<!-- doc-test: setup\nint x;\n" + FRAGMENT}, "is never closed")
refuses("run on a fragment", {"a.md": "<!-- doc-test: run -->\n" + FRAGMENT}, "'doc-test: run' is for a whole program")
refuses("unknown run option", {"a.md": "<!-- doc-test: run output=\"x\" -->\n" + PROGRAM}, "not 'output=x'")
refuses("bad expect-re", {"a.md": "<!-- doc-test: run expect-re=\"(\" -->\n" + PROGRAM}, "expect-re='('")
refuses("skip with an argument", {"a.md": "<!-- doc-test: skip why -->\n" + FRAGMENT}, "takes no arguments")
refuses("compile-fail without a case", {"a.md": "<!-- doc-test: compile-fail -->\n" + FRAGMENT}, "takes the path")
refuses("nothing to check", {"a.md": "# No code\n", "b.md": "<!-- doc-test: skip -->\n" + FRAGMENT},
        "no C++ block to check in a.md b.md")
refuses("an unlisted doc", {"README.md": FRAGMENT, "docs/a.md": FRAGMENT, "docs/b.md": "No code.\n"},
        "docs/a.md: C++ blocks, but not in TYPEGRAD_DOCS_CHECKED", listed=["--complete", "README.md"])

# A pending doc may have C++ blocks; a C++ block inside a ```text block is text.
rc, out, _ = extract({"README.md": FRAGMENT, "docs/a.md": FRAGMENT,
                      "docs/b.md": "````text\n```cpp\nnot C++\n```\n````\n"},
                     "out", "--complete", "--pending", "docs/a.md", "README.md", "docs/b.md")
if rc:
    failures.append(f"pending doc: status {rc}: {out.strip()}")

# What it writes: a fragment's code under #line, hidden setup, a global, a program run with its spec.
doc = """# A doc

<!-- doc-test: global-setup
constexpr auto x = tg::input<"x", 3>;
-->
<!-- doc-test: setup
const int n = 3;
-->
```cpp
const auto twice = x + x;  // the fragment
```

<!-- doc-test: global -->
```cpp
struct layer_of_mine {};
```

<!-- doc-test: skip -->
```cpp
pseudo code, not compiled
```

<!-- doc-test: run expect="a line" expect-re="^n = [0-9]+$" cwd="examples/data" -->
```cpp
#include <typegrad/typegrad.hpp>
int main() {}
```

```cpp
#include <cstdio>
int main() {}
```
"""
rc, out, scratch = extract({"docs/my-doc.md": doc})
if rc:
    failures.append(f"a good doc: status {rc}: {out.strip()}")
else:
    gen = scratch / "out"
    cmake = (gen / "tests.cmake").read_text()
    for line in ["typegrad_doc_program(my_doc docs/my-doc.md FRAGMENTS)",
                 "typegrad_doc_program(my_doc_program1 docs/my-doc.md UMBRELLA RUN out/my_doc_program1.run.json)",
                 "typegrad_doc_program(my_doc_program2 docs/my-doc.md)"]:
        if line not in cmake.splitlines():
            failures.append(f"tests.cmake lacks '{line}':\n{cmake}")
    fragments = (gen / "my_doc.cpp").read_text()
    for text in ['#line 10 "docs/my-doc.md"\nconst auto twice = x + x;', '#line 4 "docs/my-doc.md"\nconstexpr auto x',
                 '#line 7 "docs/my-doc.md"\nconst int n = 3;', '#line 15 "docs/my-doc.md"\nstruct layer_of_mine']:
        if text not in fragments:
            failures.append(f"my_doc.cpp lacks '{text}':\n{fragments}")
    if "pseudo code" in fragments:
        failures.append("a skipped block was compiled")
    if fragments.index("struct layer_of_mine") > fragments.index("static void fragments()"):
        failures.append("a global block is inside the fragments' function")
    spec = json.loads((gen / "my_doc_program1.run.json").read_text())
    if spec != {"expect": ["a line"], "expect-re": ["^n = [0-9]+$"], "cwd": "examples/data"}:
        failures.append(f"my_doc_program1.run.json: {spec}")
    if (gen / "my_doc_program2.run.json").exists():
        failures.append("a program not marked run has a run spec")

# Compile-fail excerpts: every line must be a line of the case.
case = "tests/compile_fail/dot_shape_mismatch.cpp"
good = f"<!-- doc-test: compile-fail {case} -->\n```cpp\nconstexpr auto x = tg::input<\"x\", 10>;  // shown\n```\n"
rc, out, _ = extract({"a.md": good}, "--excerpts", "a.md")
if rc:
    failures.append(f"a matching excerpt: status {rc}: {out.strip()}")
bad = good.replace("10>", "11>")
rc, out, _ = extract({"a.md": bad}, "--excerpts", "a.md")
if rc == 0 or "a.md:3: not a line of dot_shape_mismatch.cpp" not in out:
    failures.append(f"an excerpt that differs from its case: status {rc}: {out.strip()}")

for scratch in scratches:
    shutil.rmtree(scratch)
for f in failures:
    print(f"FAIL {f}")
print(f"extract.py self-test: {len(failures)} failure(s)")
sys.exit(1 if failures else 0)
