"""One worldview's results as an object: tables, design, provenance, draws and figures.

:class:`WorldviewResults` is what :func:`agi_interventions.api.analyse` returns in memory and
what :meth:`WorldviewResults.read` loads from a pipeline result folder; the report is rendered
from it (:func:`agi_interventions.api.render`). Table names are those of the registry
(:mod:`agi_interventions.registry`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from agi_interventions import io, registry, store
from agi_interventions.parameters import ALIGNMENT_CHANNELS, INTERVENTIONS
from agi_interventions.priors import Worldview, load_worldview

#: Columns of the draws the report needs (with the utilities a bargaining game derives).
REPORT_COLUMNS = (*INTERVENTIONS, *ALIGNMENT_CHANNELS, "U_B", "U_notB", "dUB_dFV", "dUnotB_dFV")


@dataclass
class WorldviewResults:
    """Every result of one worldview.

    Attributes
    ----------
    worldview
        The validated priors.
    tables
        Registry name to table (``ranking``, ``sobol``, ...); the decision-analysis tables are
        present only if it ran.
    design
        The design record (:func:`agi_interventions.chunks.design_record`).
    provenance
        What produced the numbers.
    draws
        The independent draws (at least the interventions and the alignment channels).
    figures
        Figure name to PNG bytes (drawn on demand when empty).
    """

    worldview: Worldview
    tables: dict[str, pd.DataFrame]
    design: dict[str, Any]
    provenance: dict[str, Any]
    draws: pd.DataFrame
    figures: dict[str, bytes] = field(default_factory=dict)

    @property
    def decision(self) -> bool:
        """Whether the decision analysis ran."""
        return "value_of_information" in self.tables

    def __getitem__(self, name: str) -> pd.DataFrame:
        """Return a table by its registry name, e.g. ``results["ranking"]``."""
        return self.tables[name]

    @classmethod
    def read(
        cls,
        folder: str | Path,
        priors: str | Path | None = None,
        name: str | None = None,
        inputs: bool = False,
    ) -> WorldviewResults:
        """Load a worldview's results from a pipeline result folder.

        Parameters
        ----------
        folder
            ``results/<worldview>``.
        priors
            The prior file (default: the one named in ``provenance.json``).
        name
            Worldview name (default: the design record's).
        inputs
            Also read every input's draws (the comparison of worldviews needs them).

        Returns
        -------
        WorldviewResults
            Every table present, the design record, provenance, the draws' report columns
            and any figures already drawn.
        """
        from agi_interventions import integrity

        folder = Path(folder)
        design = integrity.read_design(folder / registry.BY_NAME["design"].file)
        provenance_file = folder / registry.BY_NAME["provenance"].file
        provenance = integrity.read_json(provenance_file) if provenance_file.exists() else {}
        priors = priors if priors is not None else provenance.get("priors_file")
        if priors is None:
            raise ValueError(f"{folder}: no provenance.json; give the prior file")
        worldview = load_worldview(priors, name=name or design["worldview"])
        integrity.check_worldview(design, worldview.fingerprint, priors)
        draws_file = folder / registry.BY_NAME["draws"].file
        integrity.check_draws(draws_file, design)
        tables = {
            o.name: integrity.read_table(folder / o.file)
            for o in registry.OUTPUTS
            if o.is_table and (folder / o.file).exists()
        }
        figures = {
            o.name.split(":")[1]: (folder / o.file).read_bytes()
            for o in registry.OUTPUTS
            if o.name.startswith("figure:") and (folder / o.file).exists()
        }
        columns = list(dict.fromkeys([*REPORT_COLUMNS, *(design["inputs"] if inputs else ())]))
        draws = store.read_columns(draws_file, columns)
        return cls(worldview, tables, design, provenance, draws, figures)

    def write(self, folder: str | Path, *, report: bool = False, rank_shift: int = 2) -> None:
        """Write every result to a folder, in the pipeline's layout (each file atomically).

        Parameters
        ----------
        folder
            The result folder (created if missing).
        report
            Also draw every figure not yet drawn and write ``report.html``, as the pipeline's
            ``report`` rule does.
        rank_shift
            Method-comparison flag threshold of the report (``decision.rank_shift``).
        """
        import json

        figures = self.figures
        if report:
            from agi_interventions.report.build import build_report, figures_of

            figures = figures_of(self)  # build_report below finds them drawn
            results = replace(self, figures=figures)

        folder = Path(folder)
        for name, table in self.tables.items():
            io.write_csv(table, folder / registry.BY_NAME[name].file)
        store.write_json(self.design, folder / registry.BY_NAME["design"].file)
        io.write_text(
            json.dumps(self.provenance, indent=2, sort_keys=True) + "\n",
            folder / registry.BY_NAME["provenance"].file,
        )
        from agi_interventions.integrity import parquet_metadata

        store.write_table_batches(
            [self.draws],
            folder / registry.BY_NAME["draws"].file,
            parquet_metadata(self.design),
        )
        for name, png in figures.items():
            io.write_bytes(png, folder / registry.BY_NAME[f"figure:{name}"].file)
        if report:
            io.write_text(
                build_report(results, rank_shift=rank_shift),
                folder / registry.BY_NAME["report"].file,
            )
