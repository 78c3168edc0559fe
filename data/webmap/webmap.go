// Package webmap is rescuegrid's web map: a page that draws the study's
// vector tiles with MapLibre GL JS, shows a cell's numbers on click and asks
// the server what a new station would gain. Everything it loads is served
// from the binary, so it works with no network: MapLibre GL JS is copied
// from its npm package (pinned in js/package-lock.json) into static/vendor
// by `make web` before the build and embedded with the page.
package webmap

import (
	"embed"
	"fmt"
	"hash/fnv"
	"io/fs"
	"mime"
	"net/http"
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
	_, err := fs.Stat(Files(), fileName(urlPath))
	return err == nil
}

func fileName(urlPath string) string {
	name := strings.TrimPrefix(path.Clean("/"+urlPath), "/")
	if name == "" {
		return "index.html"
	}
	return name
}

// Handler serves the page's files (GET and HEAD) below its mount point:
// "/" is index.html. Files are served with their content type, an ETag from
// the build and "no-cache" (revalidate) so that a new binary's page is
// never mixed with an old one's script.
func Handler() http.Handler {
	files := Files()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := fileName(r.URL.Path)
		b, err := fs.ReadFile(files, name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
			w.Header().Set("Content-Type", ct)
		}
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("ETag", etag(b))
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if r.Header.Get("If-None-Match") == w.Header().Get("ETag") {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		if r.Method == http.MethodHead {
			return
		}
		w.Write(b)
	})
}

// etag is the FNV-1a hash of the file's bytes, quoted.
func etag(b []byte) string {
	h := fnv.New64a()
	h.Write(b)
	return fmt.Sprintf(`"%x"`, h.Sum64())
}
