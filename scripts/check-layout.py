#!/usr/bin/env python3
"""Layout rules the code review relies on, checked on every test run:

- no import cycle between the modules of a host crate (a module's dependencies are the
  `crate::<module>` paths it names);
- no Rust source file over 600 lines unless its first lines say why ("Over 600 lines: …").
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
LIMIT = 600
failures = []


def modules_of(src: pathlib.Path):
    """Top-level module name -> files (a module may be a directory)."""
    modules = {}
    for path in src.rglob("*.rs"):
        rel = path.relative_to(src)
        name = rel.parts[0].removesuffix(".rs")
        if name in ("lib", "main"):
            continue
        modules.setdefault(name, []).append(path)
    return modules


def find_cycle(graph):
    state = {}
    stack = []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == "open":
                return stack[stack.index(dep):] + [dep]
            if dep not in state:
                cycle = visit(dep)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


for crate in sorted((ROOT / "host").iterdir()):
    src = crate / "src"
    if not src.is_dir():
        continue
    modules = modules_of(src)
    graph = {}
    for name, files in modules.items():
        deps = set()
        for path in files:
            text = path.read_text()
            text = text.split("#[cfg(test)]")[0]  # tests may reach anywhere
            # Documentation links are not imports.
            text = "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("//"))
            for used in re.findall(r"\bcrate::([a-z_][a-z0-9_]*)", text):
                if used != name and used in modules:
                    deps.add(used)
        graph[name] = deps
    cycle = find_cycle(graph)
    if cycle:
        failures.append(f"{crate.name}: import cycle {' -> '.join(cycle)}")

for path in sorted(ROOT.glob("**/*.rs")):
    if "target" in path.parts or ".git" in path.parts:
        continue
    lines = path.read_text().splitlines()
    if len(lines) > LIMIT and not any("Over 600 lines:" in line for line in lines[:5]):
        failures.append(
            f"{path.relative_to(ROOT)}: {len(lines)} lines; split it, or say why at its top (\"Over 600 lines: …\")"
        )

for failure in failures:
    print(f"check-layout: {failure}", file=sys.stderr)
sys.exit(1 if failures else 0)
