#!/usr/bin/env bash
# pyarrow reads a bundle written by the app jar: the .arrow partition and centroid files directly (their schema must be
# the one arrow-bundle-io/README.md documents, for this bundle's manifest), and its Parquet export (vector columns come
# back as fixed_size_list). Called by spark-submit-test.sh with the bundle, its export and a work directory. pyarrow is
# installed with pip into a virtual environment there; where pip cannot install it the test is skipped, saying so.
set -euo pipefail
bundle="$1"
export_dir="$2"
venv="$3/pyarrow-venv"
readme="$(cd "$(dirname "$0")/../../../.." && pwd)/arrow-bundle-io/README.md"
skip() { echo "pyarrow test: SKIPPED: $*" >&2; exit 0; }

command -v python3 > /dev/null || skip "no python3 on this machine"
python3 -m venv "$venv" > /dev/null 2>&1 || skip "python3 cannot create a virtual environment (apt install python3-venv)"
"$venv/bin/pip" install --quiet --retries 0 --timeout 20 pyarrow > "$3/pip.log" 2>&1 \
  || skip "pip cannot install pyarrow here: $(tail -1 "$3/pip.log")"

"$venv/bin/python" - "$bundle" "$export_dir" "$readme" <<'PY'
import json, os, re, sys
import pyarrow as pa, pyarrow.ipc as ipc, pyarrow.parquet as pq

bundle, export_dir, readme = sys.argv[1:]
gen = os.path.join(bundle, open(os.path.join(bundle, "CURRENT")).read().strip())
m = json.load(open(os.path.join(gen, "manifest.json")))
env = {"bits": m["bits"], "padded_dim": m["padded_dim"], "dim": m["dim"]}

def documented(arrow_type):
    """The pyarrow type a README cell names, with manifest fields in back-quoted expressions."""
    t = re.sub(r"`([^`]*)`", lambda g: str(int(eval(g.group(1), {}, env))), arrow_type.strip())
    simple = {"int64": pa.int64(), "int32": pa.int32(), "float32": pa.float32()}
    if t in simple:
        return simple[t]
    if (g := re.fullmatch(r"fixed_size_binary\[(\d+)\]", t)):
        return pa.binary(int(g.group(1)))
    if (g := re.fullmatch(r"fixed_size_list<float32>\[(\d+)\]", t)):
        return pa.list_(pa.float32(), int(g.group(1)))
    raise SystemExit("pyarrow test: cannot read the README type " + arrow_type)

# the partition table of the README's "Data files" section: | `column` | Arrow type | meaning |
section = open(readme).read().split("## Data files", 1)[1].split("\n## ", 1)[0]
rows = [r for r in section.splitlines() if r.startswith("| `") or r.startswith("| one column per")]
expected = []
for r in rows:
    name, arrow_type = [c.strip() for c in r.strip("|").split("|")[:2]]
    if name.startswith("one column per"):
        expected += [(f, documented(arrow_type)) for f in m["factor_columns"]]
    elif "only if `has_raw`" in name:
        if m["has_raw"]:
            expected.append(("raw", documented(arrow_type)))
    else:
        expected.append((name.strip("`"), documented(arrow_type)))

def same(actual, want):
    if pa.types.is_fixed_size_list(want):
        return pa.types.is_fixed_size_list(actual) and actual.list_size == want.list_size and actual.value_type == want.value_type
    return actual == want

total = 0
for p in m["partitions"]:
    t = ipc.open_file(os.path.join(gen, p["file"])).read_all()
    got = [(f.name, f.type) for f in t.schema]
    if len(got) != len(expected) or not all(g[0] == e[0] and same(g[1], e[1]) for g, e in zip(got, expected)):
        raise SystemExit(f"pyarrow test: {p['file']} has schema {got}, the README documents {expected}")
    clusters = t.column("cluster").to_pylist()
    if clusters != sorted(clusters):
        raise SystemExit(f"pyarrow test: {p['file']} is not sorted by cluster")
    exported = pq.read_table(os.path.join(export_dir, p["file"].replace(".arrow", ".parquet")))
    if exported.column("id").to_pylist() != t.column("id").to_pylist():
        raise SystemExit(f"pyarrow test: the Parquet export of {p['file']} holds other ids")
    total += t.num_rows
if total != sum(p["rows"] for p in m["partitions"]):
    raise SystemExit(f"pyarrow test: the partitions hold {total} rows, not the manifest's")
centroid = documented("fixed_size_list<float32>[`dim`]")
for path, table in [("centroids.arrow", ipc.open_file(os.path.join(gen, "centroids.arrow")).read_all()),
                    ("export centroids.parquet", pq.read_table(os.path.join(export_dir, "centroids.parquet")))]:
    if table.num_rows != m["nlist"] or not same(table.schema.field("centroid").type, centroid):
        raise SystemExit(f"pyarrow test: {path} has {table.num_rows} rows of {table.schema.field('centroid').type}")
print(f"pyarrow test: OK (pyarrow {pa.__version__}: {len(m['partitions'])} partition files match the README schema, "
      f"{total} rows; the Parquet export keeps fixed_size_list vectors)")
PY
