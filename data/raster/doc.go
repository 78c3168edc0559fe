// Package raster reads single-band GeoTIFF rasters in geographic
// coordinates (EPSG:4326), as population grids come (WorldPop, GHS-POP in
// its WGS-84 release, LandScan): the header, the georeferencing and the
// nodata value first, then the pixels of a window only, so that a study
// reads the blocks of its own area and not the country around it. A
// Cloud-Optimized GeoTIFF is read the same way through any io.ReaderAt (a
// file, or HTTP range requests).
//
// # What it reads
//
// Classic TIFF and BigTIFF, either byte order; strips or tiles; no
// compression, Deflate (8 and 32946) or LZW (5); horizontal (2) and
// floating-point (3) predictors; 8-, 16-, 32- and 64-bit unsigned, signed
// and floating-point samples; one sample per pixel. Georeferencing from
// ModelPixelScale + ModelTiepoint (no rotation), PixelIsArea or
// PixelIsPoint; nodata from GDAL's GDAL_NODATA tag. A projected raster
// (GHS-POP's Mollweide, UTM) is refused with its EPSG code: reproject it
// with gdalwarp -t_srs EPSG:4326 first. JPEG, packbits and multi-band
// images are refused.
//
// # Why not GDAL
//
// GDAL (through github.com/airbusgeo/godal) is what the field reads rasters
// with, and it is the peer the tests check this reader against
// (gdal_translate on the same windows, pixel for pixel). But it would make
// libgdal a build and run-time dependency of the whole binary for one input
// format whose population releases use a narrow, stable subset of TIFF;
// this reader is some 400 lines of standard library plus
// golang.org/x/image's TIFF LZW decoder.
package raster
