#!/usr/bin/env node
// pmtiles.js FILE.pmtiles [Z/X/Y ...]
//
// Reads a PMTiles v3 archive with the official JavaScript reader (npm
// pmtiles, the one MapLibre's pmtiles:// protocol uses) and prints JSON:
// the header, the metadata, and for each Z/X/Y asked its tile id and its
// bytes as the reader returns them (decompressed), base64-encoded, or null
// when the archive has no such tile.
//
// Used by go test ./data/tiles (pmtiles_test.go); `make tiles-deps`
// installs the pinned packages (npm ci).
import { open } from 'node:fs/promises';
import { PMTiles, zxyToTileId } from 'pmtiles';

// FileSource reads byte ranges of a local file (the package's own
// FileSource wants a browser File).
class FileSource {
  constructor(handle, path) {
    this.handle = handle;
    this.path = path;
  }

  getKey() {
    return this.path;
  }

  async getBytes(offset, length) {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await this.handle.read(buf, 0, length, offset);
    return { data: buf.buffer.slice(buf.byteOffset, buf.byteOffset + bytesRead) };
  }
}

const [file, ...zxys] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node pmtiles.js FILE.pmtiles [Z/X/Y ...]\n');
  process.exit(2);
}
const handle = await open(file, 'r');
try {
  const archive = new PMTiles(new FileSource(handle, file));
  const header = await archive.getHeader();
  const metadata = await archive.getMetadata();
  const tiles = {};
  for (const zxy of zxys) {
    const [z, x, y] = zxy.split('/').map(Number);
    const r = await archive.getZxy(z, x, y);
    tiles[zxy] = {
      id: zxyToTileId(z, x, y),
      data: r ? Buffer.from(r.data).toString('base64') : null,
    };
  }
  process.stdout.write(JSON.stringify({ header, metadata, tiles }) + '\n');
} finally {
  await handle.close();
}
