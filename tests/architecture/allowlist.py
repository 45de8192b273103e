"""An import-linter contract type: modules may import only what is listed (and the standard
library). import-linter reads the imports; this only compares them with the list."""

import sys

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, fields, output
from importlinter.domain import helpers


class AllowlistContract(Contract):
    """Source modules (as packages) import nothing but the allowed modules (as packages) and,
    with `allow_standard_library`, the standard library."""

    type_name = "allowlist"

    source_modules = fields.ListField(subfield=fields.ModuleExpressionField())
    allowed_modules = fields.ListField(subfield=fields.ModuleExpressionField())
    allow_standard_library = fields.BooleanField(required=False, default=True)

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        """Every direct import out of the sources that the list does not allow."""
        sources = helpers.module_expressions_to_modules(
            graph,
            self.source_modules,
            as_packages=True,  # type: ignore[arg-type]
        )
        # Allowed packages are matched by name: external ones are squashed in the graph.
        allowed = tuple(str(e.expression) for e in self.allowed_modules)  # type: ignore[attr-defined]
        source_names = {m.name for m in sources}
        broken = []
        for source in sorted(source_names):
            for imported in sorted(graph.find_modules_directly_imported_by(source)):
                if imported in source_names or _within(imported, allowed):
                    continue
                if (
                    self.allow_standard_library
                    and imported.split(".")[0] in sys.stdlib_module_names
                ):
                    continue
                details = graph.get_import_details(importer=source, imported=imported)
                lines = [d["line_number"] for d in details] or [0]
                broken.append((source, imported, lines[0]))
        return ContractCheck(kept=not broken, metadata={"broken": broken})

    def render_broken_contract(self, check: ContractCheck) -> None:
        """One line per import the list does not allow."""
        for source, imported, line in check.metadata["broken"]:
            output.print_error(f"{source} imports {imported} (line {line}): not allowed")
            output.new_line()


def _within(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)
