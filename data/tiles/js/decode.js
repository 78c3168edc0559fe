#!/usr/bin/env node
// decode.js FILE.mvt [Z X Y]
//
// Decodes a Mapbox Vector Tile (raw or gzip-compressed) with
// @mapbox/vector-tile and pbf, the decoders MapLibre GL JS is built on, and
// prints it as JSON: for each layer its version, extent and features, each
// with its id, type, properties, the rings as loadGeometry() returns them
// (tile coordinates, in encoded order) and, for polygons, how many
// polygons classifyRings() makes of them. Given Z X Y, each feature also
// gets the [lon, lat] GeoJSON geometry of toGeoJSON(x, y, z).
//
// Used by go test ./data/tiles (node_test.go); `make tiles-deps` installs
// the pinned packages (npm ci).
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { PbfReader } from 'pbf';
import { VectorTile, VectorTileFeature, classifyRings } from '@mapbox/vector-tile';

const [file, z, x, y] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node decode.js FILE.mvt [Z X Y]\n');
  process.exit(2);
}
let buf = readFileSync(file);
if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);

const tile = new VectorTile(new PbfReader(new Uint8Array(buf)));
const out = {};
for (const [name, layer] of Object.entries(tile.layers)) {
  const features = [];
  for (let i = 0; i < layer.length; i++) {
    const f = layer.feature(i);
    const geom = f.loadGeometry();
    const feat = {
      id: f.id === undefined ? null : f.id,
      type: VectorTileFeature.types[f.type],
      properties: f.properties,
      rings: geom.map((ring) => ring.map((p) => [p.x, p.y])),
    };
    if (f.type === 3) feat.polygons = classifyRings(geom).length;
    if (z !== undefined) feat.geojson = f.toGeoJSON(Number(x), Number(y), Number(z)).geometry;
    features.push(feat);
  }
  out[name] = { version: layer.version, extent: layer.extent, features };
}
process.stdout.write(JSON.stringify(out) + '\n');
