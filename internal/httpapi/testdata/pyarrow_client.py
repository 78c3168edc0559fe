"""A real analyst's client of `rescuegrid serve`: pyarrow reads the Arrow IPC
streams over HTTP and the Arrow Flight server, and prints what it read as JSON
for the Go test to compare with the study's own tables.

usage: pyarrow_client.py HTTP_BASE FLIGHT_URI BBOX
"""
import json
import sys
import urllib.error
import urllib.request

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.flight as flight
import pyarrow.ipc as ipc


def http_table(base, path):
    with urllib.request.urlopen(base + path) as r:
        ctype = r.headers["Content-Type"]
        return ctype, ipc.open_stream(r.read()).read_all()


def summary(t: pa.Table):
    out = {"rows": t.num_rows, "columns": t.column_names}
    if "population" in t.column_names:
        out["population"] = float(pc.sum(t["population"]).as_py() or 0)
    return out


def main():
    base, uri, bbox = sys.argv[1:4]
    res = {}

    ctype, cells = http_table(base, "/api/tables/cells")
    res["http_cells"] = summary(cells) | {"content_type": ctype}
    res["http_cells_pandas_rows"] = len(cells.to_pandas())
    _, sub = http_table(base, "/api/tables/cells?columns=cell,population&bbox=" + bbox)
    res["http_cells_bbox"] = summary(sub)
    try:
        urllib.request.urlopen(base + "/api/tables/nope")
        res["http_missing"] = "no error"
    except urllib.error.HTTPError as e:
        res["http_missing"] = {"status": e.code, "body": json.loads(e.read())}

    client = flight.connect(uri)
    res["flights"] = sorted(
        (fi.descriptor.path[0].decode(), fi.total_records) for fi in client.list_flights()
    )
    info = client.get_flight_info(flight.FlightDescriptor.for_path("cells"))
    res["flight_info"] = {"records": info.total_records, "columns": info.schema.names}
    t = client.do_get(info.endpoints[0].ticket).read_all()
    res["flight_cells"] = summary(t)
    res["flight_equals_http"] = t.equals(cells)
    q = json.dumps({"table": "cells", "columns": ["cell", "population"], "bbox": bbox})
    res["flight_query"] = summary(client.do_get(flight.Ticket(q.encode())).read_all())
    res["flight_units_pandas"] = len(client.do_get(flight.Ticket(b"units")).read_pandas())
    for name, call in [
        ("flight_missing", lambda: client.do_get(flight.Ticket(b"nope")).read_all()),
        ("flight_bad_ticket", lambda: client.do_get(flight.Ticket(b'{"table": 3}')).read_all()),
        ("flight_bad_column", lambda: client.get_flight_info(
            flight.FlightDescriptor.for_command(json.dumps({"table": "cells", "columns": ["zz"]})))),
    ]:
        try:
            call()
            res[name] = "no error"
        except (flight.FlightError, pa.ArrowException) as e:
            res[name] = {"type": type(e).__name__, "message": str(e)}
    json.dump(res, sys.stdout)


if __name__ == "__main__":
    main()
