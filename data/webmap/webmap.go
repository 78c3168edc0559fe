// Package webmap is rescuegrid's web map: a page that draws the study's
// vector tiles with MapLibre GL JS, shows a cell's numbers on click and asks
// the server what a new station would gain. Everything it loads is served
// from the binary, so it works with no network: MapLibre GL JS is copied
// from its npm package (pinned in js/package-lock.json) into static/vendor
// by `make web` before the build and embedded with the page.
//
// It holds the files only (an fs.FS); internal/httpapi serves them.
package webmap

import (
	"embed"
	"io/fs"
	"path"
	"strings"
)

//go:embed static
var static embed.FS

// Files returns the page's files: index.html, app.js, app.css and, when
// the build bundled it, vendor/maplibre-gl.js and vendor/maplibre-gl.css.
func Files() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded tree always has static/
	}
	return sub
}

// Bundled reports whether the build embedded MapLibre GL JS; without it the
// page loads and says how to build it.
func Bundled() bool {
	_, err := fs.Stat(Files(), "vendor/maplibre-gl.js")
	return err == nil
}

// Has reports whether the URL path names one of the page's files ("/" is
// index.html).
func Has(urlPath string) bool {
	_, err := fs.Stat(Files(), FileName(urlPath))
	return err == nil
}

// FileName is the file a URL path names below the page's mount point: "/"
// is index.html.
func FileName(urlPath string) string {
	name := strings.TrimPrefix(path.Clean("/"+urlPath), "/")
	if name == "" {
		return "index.html"
	}
	return name
}
