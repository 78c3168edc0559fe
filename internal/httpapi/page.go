package httpapi

import (
	"fmt"
	"hash/fnv"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/rescuegrid/rescuegrid/data/webmap"
	"github.com/rescuegrid/rescuegrid/internal/service"
)

// handlePage serves the web map's files (GET and HEAD) below "/" or a
// study's prefix: "/" is index.html. Files are served with their content
// type, an ETag from the build and "no-cache" (revalidate) so that a new
// binary's page is never mixed with an old one's script.
func (s *Server) handlePage(w http.ResponseWriter, r *http.Request) error {
	if id := r.PathValue("id"); id != "" {
		if _, err := s.svc.Slot(id); err != nil {
			return err
		}
	}
	p := strings.TrimPrefix(r.URL.Path, prefix(r))
	if !webmap.Has(p) {
		return service.NotFoundf("no route %s %s", r.Method, r.URL.Path)
	}
	name := webmap.FileName(p)
	b, err := fs.ReadFile(webmap.Files(), name)
	if err != nil {
		return err
	}
	if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("ETag", etag(b))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if r.Header.Get("If-None-Match") == w.Header().Get("ETag") {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	if r.Method == http.MethodHead {
		return nil
	}
	_, err = w.Write(b)
	return err
}

// etag is the FNV-1a hash of the file's bytes, quoted.
func etag(b []byte) string {
	h := fnv.New64a()
	h.Write(b)
	return fmt.Sprintf(`"%x"`, h.Sum64())
}
