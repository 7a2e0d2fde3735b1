"""Import and export in HSDS 3.0 JSON and in HSDS tabular form (CSV + datapackage.json).

An import is all or nothing: the file is read and validated completely before anything is
written, and the writes happen in the caller's single transaction, so a bad row leaves the
catalogue exactly as it was.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from services_catalog import models as m
from services_catalog.hsds_tables import (
    COLUMNS,
    WHERE,
    ValidationErrors,
    export_tables,
    group_by,
    to_catalog_rows,
)
from services_catalog.search_index import rebuild_search_index
from services_catalog.seed import (
    CATALOG_TABLES,
    CatalogRows,
    clear_catalog,
    seed_reference,
    set_meta,
)

HSDS_VERSION = "3.0"
PROFILE = "https://github.com/openreferral/specification (3.0) + muenster-newcomer extensions"
#: Children nested in each JSON service object (HSDS 3.0 service schema names).
SERVICE_CHILDREN = ("phones", "schedules", "languages", "cost_options", "service_areas")

CatalogImportError = ValidationErrors


# --------------------------------------------------------------------------- JSON


def to_json_document(tables: dict[str, list[dict]]) -> dict:
    """Nest the flat tables like HSDS 3.0 API service objects."""
    by_service = {name: group_by(tables[name], "service_id") for name in SERVICE_CHILDREN}
    attributes = group_by(tables["attributes"], "link_id")
    translations = group_by([t for t in tables["translations"] if t["link_type"] == "service"],
                            "link_id")
    addresses = group_by(tables["addresses"], "location_id")
    locations = {loc["id"]: loc for loc in tables["locations"]}
    at_locations = group_by(tables["service_at_locations"], "service_id")

    def strip(row: dict, *keys: str) -> dict:
        return {k: v for k, v in row.items() if k not in keys}

    services = []
    for service in tables["services"]:
        sid = service["id"]
        item = dict(service)
        for name in SERVICE_CHILDREN:
            item[name] = [strip(r, "service_id") for r in by_service[name].get(sid, [])]
        item["attributes"] = [strip(r, "link_id") for r in attributes.get(sid, [])]
        item["translations"] = [strip(r, "id", "link_type", "link_id")
                                for r in translations.get(sid, [])]
        item["service_at_locations"] = [
            {"id": sal["id"], "location": {
                **locations[sal["location_id"]],
                "addresses": [strip(a, "location_id")
                              for a in addresses.get(sal["location_id"], [])]}}
            for sal in at_locations.get(sid, [])]
        services.append(item)
    other_translations = [strip(t, "id") for t in tables["translations"]
                          if t["link_type"] != "service"]
    return {"hsds_version": HSDS_VERSION, "profile": PROFILE,
            "taxonomy_terms": tables["taxonomy_terms"],
            "organizations": tables["organizations"], "services": services,
            "translations": other_translations}


def from_json_document(document, name: str) -> dict[str, list[dict]]:
    """Flatten a JSON document to HSDS tables; every row remembers where it came from."""
    errors = ValidationErrors()
    tables: dict[str, list[dict]] = {table: [] for table in COLUMNS}
    if not isinstance(document, dict):
        errors.add(name, None, "expected a JSON object with 'services'")
        raise errors
    allowed_top = {"hsds_version", "profile", "taxonomy_terms", "organizations", "services",
                   "translations"}
    for key in document:
        if key not in allowed_top:
            errors.add(f"{name}: top level", key, "unknown field")

    def rows(value, where: str) -> list:
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            errors.add(where, None, "expected a list of objects")
            return []
        return value

    for index, row in enumerate(rows(document.get("taxonomy_terms"), f"{name}: taxonomy_terms")):
        tables["taxonomy_terms"].append({**row, WHERE: f"{name}: taxonomy_terms[{index}]"})
    for index, row in enumerate(rows(document.get("organizations"), f"{name}: organizations")):
        tables["organizations"].append({**row, WHERE: f"{name}: organizations[{index}]"})
    for index, row in enumerate(rows(document.get("translations"), f"{name}: translations")):
        tables["translations"].append({**row, WHERE: f"{name}: translations[{index}]"})
    for index, service in enumerate(rows(document.get("services"), f"{name}: services")):
        where = f"{name}: services[{index}]"
        sid = service.get("id")
        flat = {k: v for k, v in service.items()
                if k not in (*SERVICE_CHILDREN, "attributes", "translations",
                             "service_at_locations")}
        tables["services"].append({**flat, WHERE: where})
        for child in SERVICE_CHILDREN:
            for j, row in enumerate(rows(service.get(child), f"{where}.{child}")):
                tables[child].append({**row, "service_id": sid, WHERE: f"{where}.{child}[{j}]"})
        for j, row in enumerate(rows(service.get("attributes"), f"{where}.attributes")):
            tables["attributes"].append({**row, "link_id": sid,
                                         WHERE: f"{where}.attributes[{j}]"})
        for j, row in enumerate(rows(service.get("translations"), f"{where}.translations")):
            tables["translations"].append({**row, "link_type": "service", "link_id": sid,
                                           WHERE: f"{where}.translations[{j}]"})
        for j, sal in enumerate(rows(service.get("service_at_locations"),
                                     f"{where}.service_at_locations")):
            sal_where = f"{where}.service_at_locations[{j}]"
            location = sal.get("location") if isinstance(sal.get("location"), dict) else {}
            tables["service_at_locations"].append({
                "id": sal.get("id"), "service_id": sid, "location_id": location.get("id"),
                WHERE: sal_where})
            if any(loc.get("id") == location.get("id") for loc in tables["locations"]):
                continue  # a location shared by several services appears once per service
            addresses = location.get("addresses")
            tables["locations"].append({
                **{k: v for k, v in location.items() if k != "addresses"},
                WHERE: f"{sal_where}.location"})
            for k, address in enumerate(rows(addresses, f"{sal_where}.location.addresses")):
                tables["addresses"].append({**address, "location_id": location.get("id"),
                                            WHERE: f"{sal_where}.location.addresses[{k}]"})
    if errors.messages:
        raise errors
    return tables


def _read_text(path: Path, errors: ValidationErrors) -> str | None:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        errors.add(f"{path.name} line {line}", None,
                   f"broken encoding (not UTF-8) at byte {error.start}")
        return None


def read_json(path: Path) -> dict[str, list[dict]]:
    errors = ValidationErrors()
    content = _read_text(path, errors)
    if content is None:
        raise errors
    try:
        document = json.loads(content)
    except json.JSONDecodeError as error:
        errors.add(f"{path.name} line {error.lineno}", None, f"invalid JSON: {error.msg}")
        raise errors from None
    return from_json_document(document, path.name)


# --------------------------------------------------------------------------- tabular


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def write_tabular(tables: dict[str, list[dict]], directory: Path) -> None:
    """One CSV per HSDS table and a Frictionless ``datapackage.json`` describing them."""
    directory.mkdir(parents=True, exist_ok=True)
    resources = []
    for table, columns in COLUMNS.items():
        with (directory / f"{table}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            for row in tables[table]:
                writer.writerow([_csv_value(row.get(c)) for c in columns])
        resources.append({
            "name": table, "path": f"{table}.csv", "profile": "tabular-data-resource",
            "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
            "schema": {"fields": [{"name": c, "type": "string"} for c in columns],
                       **({"primaryKey": "id"} if "id" in columns else {})}})
    package = {"name": "muenster-services-catalogue", "profile": "tabular-data-package",
               "hsds_version": HSDS_VERSION, "resources": resources}
    (directory / "datapackage.json").write_text(json.dumps(package, indent=2,
                                                           ensure_ascii=False) + "\n",
                                                encoding="utf-8")


def read_tabular(directory: Path) -> dict[str, list[dict]]:
    """Read a data package; unknown files or columns and broken encodings are errors."""
    errors = ValidationErrors()
    tables: dict[str, list[dict]] = {table: [] for table in COLUMNS}
    package_path = directory / "datapackage.json"
    if not package_path.exists():
        errors.add(str(directory), None, "no datapackage.json")
        raise errors
    content = _read_text(package_path, errors)
    try:
        package = json.loads(content) if content is not None else {}
    except json.JSONDecodeError as error:
        errors.add(f"datapackage.json line {error.lineno}", None, f"invalid JSON: {error.msg}")
        raise errors from None
    for resource in package.get("resources", []):
        name, file_name = resource.get("name"), resource.get("path")
        if name not in COLUMNS:
            errors.add(f"datapackage.json resource {name!r}", None, "unknown HSDS table")
            continue
        path = directory / str(file_name)
        if not path.is_file() or path.resolve().parent != directory.resolve():
            errors.add(f"datapackage.json resource {name!r}", "path",
                       f"file {file_name!r} missing")
            continue
        text = _read_text(path, errors)
        if text is None:
            continue
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = reader.fieldnames or []
        unknown = [c for c in header if c not in COLUMNS[name]]
        for column in unknown:
            errors.add(f"{path.name} header", column, "unknown column (not in the HSDS profile)")
        for number, row in enumerate(reader, 1):
            if None in row:
                errors.add(f"{path.name} row {number}", None, "more values than columns")
                row.pop(None)
            clean = {k: (v if v != "" else None) for k, v in row.items() if k not in unknown}
            tables[name].append({**clean, WHERE: f"{path.name} row {number}"})
    if errors.messages:
        raise errors
    return tables


# --------------------------------------------------------------------------- facade


def export_path(session: Session, path: Path, fmt: str | None = None) -> int:
    """Write the catalogue to ``path`` (JSON file or data package directory)."""
    fmt = fmt or ("json" if path.suffix == ".json" else "tabular")
    tables = export_tables(session)
    if fmt == "json":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(to_json_document(tables), ensure_ascii=False, indent=1,
                                   default=str) + "\n", encoding="utf-8")
    else:
        write_tabular(tables, path)
    return len(tables["services"])


def read_path(path: Path) -> dict[str, list[dict]]:
    if path.is_dir():
        return read_tabular(path)
    if path.name == "datapackage.json":
        return read_tabular(path.parent)
    return read_json(path)


def import_path(session: Session, path: Path, *, replace: bool = False) -> int:
    """Validate then store ``path``; raises ``CatalogImportError`` and writes nothing if bad.

    Without ``replace``, services in the file replace services with the same id and all other
    services stay; with ``replace`` the file becomes the whole catalogue.
    """
    rows = to_catalog_rows(read_path(path))
    store_rows(session, rows, replace=replace)
    return len(rows.tables["service"])


def store_rows(session: Session, rows: CatalogRows, *, replace: bool) -> None:
    """Write validated rows in the current transaction and rebuild the search index."""
    if session.execute(select(m.TaxonomyTerm.id).limit(1)).first() is None:
        seed_reference(session)  # taxonomy and districts come from code and files, not imports
    if replace:
        clear_catalog(session)
    else:
        _remove_replaced(session, rows)
    _upsert(session, m.Organization, rows.tables.pop("organization"))
    _upsert(session, m.Location, rows.tables.pop("location"))
    for table in CATALOG_TABLES:
        data = rows.tables.get(table.__tablename__)
        if data:
            session.execute(insert(table), data)
    if rows.translations:
        session.execute(insert(m.Translation), rows.translations)
    rows.tables["organization"], rows.tables["location"] = [], []
    rebuild_search_index(session)
    set_meta(session, "origin", "import")  # from now on `init` never reseeds over it


def _remove_replaced(session: Session, rows: CatalogRows) -> None:
    ids = [s["id"] for s in rows.tables["service"]]
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        session.execute(delete(m.Translation).where(m.Translation.link_type == "service",
                                                    m.Translation.link_id.in_(chunk)))
        search_ids = select(m.ServiceSearch.id).where(m.ServiceSearch.service_id.in_(chunk))
        for model, column in ((m.SearchTerm, m.SearchTerm.search_id),
                              (m.SearchSchedule, m.SearchSchedule.search_id),
                              (m.SearchDocument, m.SearchDocument.id)):
            session.execute(delete(model).where(column.in_(search_ids))
                            .execution_options(synchronize_session=False))
        session.execute(delete(m.ServiceSearch).where(m.ServiceSearch.service_id.in_(chunk)))
        for table in reversed(CATALOG_TABLES[2:]):
            if table is m.Location:
                continue
            session.execute(delete(table).where(table.service_id.in_(chunk)))
        session.execute(delete(m.Service).where(m.Service.id.in_(chunk)))
    org_ids = [o["id"] for o in rows.tables["organization"]]
    session.execute(delete(m.Translation).where(m.Translation.link_type == "organization",
                                                m.Translation.link_id.in_(org_ids)))


def _upsert(session: Session, model, data: list[dict]) -> None:
    """Insert new rows, update rows whose id exists (others may still point at them)."""
    if not data:
        return
    ids = [row["id"] for row in data]
    existing = set()
    for start in range(0, len(ids), 500):
        existing |= set(session.execute(select(model.id).where(
            model.id.in_(ids[start:start + 500]))).scalars())
    new = [row for row in data if row["id"] not in existing]
    for row in data:
        if row["id"] in existing:
            session.execute(update(model).where(model.id == row["id"]).values(**row))
    if new:
        session.execute(insert(model), new)
