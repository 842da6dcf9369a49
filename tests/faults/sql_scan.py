"""Find SQL built from strings at run time: the text passed to execute()/executemany()/copy()
must be a constant, a constant composed of constants, or psycopg.sql composition."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

SQL_METHODS = {"execute", "executemany", "copy", "stream"}


@dataclass(frozen=True, slots=True)
class Finding:
    path: str
    line: int
    code: str


def _assignments(body: list[ast.stmt]) -> dict[str, list[ast.expr]]:
    found: dict[str, list[ast.expr]] = {}
    for node in body:
        for child in ast.walk(node) if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else ():
            if isinstance(child, ast.Assign):
                for target in child.targets:
                    if isinstance(target, ast.Name):
                        found.setdefault(target.id, []).append(child.value)
            elif isinstance(child, ast.AnnAssign) and isinstance(child.target, ast.Name) and child.value:
                found.setdefault(child.target.id, []).append(child.value)
    return found


class _Checker:
    def __init__(self, module: ast.Module):
        self.module_names = _assignments(module.body)

    def constant(self, node: ast.expr, local: dict[str, list[ast.expr]], seen: frozenset = frozenset()) -> bool:
        """True when `node` evaluates to the same text on every run (no outside value in it)."""
        if isinstance(node, ast.Constant):
            return isinstance(node.value, (str, bytes))
        if isinstance(node, ast.JoinedStr):
            return all(self.constant(v.value, local, seen) if isinstance(v, ast.FormattedValue)
                       else self.constant(v, local, seen) for v in node.values)
        if isinstance(node, ast.IfExp):  # a choice between constant statements
            return self.constant(node.body, local, seen) and self.constant(node.orelse, local, seen)
        if isinstance(node, (ast.Tuple, ast.List)):  # column lists joined into a statement
            return all(self.constant(e, local, seen) for e in node.elts)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self.constant(node.left, local, seen) and self.constant(node.right, local, seen)
        if isinstance(node, ast.Name):
            if node.id in seen:
                return False
            values = local.get(node.id) or self.module_names.get(node.id)
            return bool(values) and all(self.constant(v, local, seen | {node.id}) for v in values)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            # "...".join(constants) and psycopg.sql composition: SQL(...), Identifier(...), .format(...)
            if node.func.attr == "join" and self.constant(node.func.value, local, seen):
                return all(self.constant(a, local, seen) for a in node.args) or _is_sql_composition(node.args[0])
            if _is_sql_composition(node):
                return True
        return isinstance(node, ast.Call) and _is_sql_composition(node)


def _is_sql_composition(node: ast.expr) -> bool:
    """psycopg.sql objects: sql.SQL("..."), sql.Identifier(x), sql.SQL("...").format(...), .join."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr in {"format", "join"}:
        return _is_sql_composition(func.value)
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if name == "SQL":
        return bool(node.args) and isinstance(node.args[0], ast.Constant)
    return name in {"Identifier", "Literal", "Placeholder", "Composed"}


def scan_file(path: Path, root: Path) -> list[Finding]:
    source = path.read_text(encoding="utf-8")
    module = ast.parse(source)
    checker = _Checker(module)
    findings = []
    functions = [n for n in ast.walk(module) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    scopes = [(module, {})] + [(f, _assignments(f.body) | _nested_assignments(f)) for f in functions]
    reported: set[int] = set()
    for scope, local in reversed(scopes):  # innermost first, so a call is judged in its own function
        for node in ast.walk(scope):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in SQL_METHODS and node.args):
                continue
            if id(node) in reported:
                continue
            reported.add(id(node))
            if not checker.constant(node.args[0], local):
                findings.append(Finding(str(path.relative_to(root)), node.lineno,
                                        ast.get_source_segment(source, node) or ""))
    return findings


def _nested_assignments(function: ast.AST) -> dict[str, list[ast.expr]]:
    found: dict[str, list[ast.expr]] = {}
    for child in ast.walk(function):
        if isinstance(child, ast.Assign):
            for target in child.targets:
                if isinstance(target, ast.Name):
                    found.setdefault(target.id, []).append(child.value)
        elif isinstance(child, (ast.For, ast.comprehension)) and isinstance(child.target, ast.Name):
            found.setdefault(child.target.id, []).append(ast.Name(id="<loop variable>"))
    return found


def scan(root: Path, folders: list[str]) -> list[Finding]:
    findings = []
    for folder in folders:
        for path in sorted((root / folder).rglob("*.py")):
            findings.extend(scan_file(path, root))
    return findings
