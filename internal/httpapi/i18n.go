package httpapi

import (
	"maps"
	"net/http"
	"strings"

	"github.com/rescuegrid/rescuegrid/internal/i18n"
	"github.com/rescuegrid/rescuegrid/internal/service"
)

// handleMessages serves the web map's messages in one language
// (GET /i18n/{lang}.json, lang "en" or "zh-CN", or any tag i18n.Parse
// reads): the catalogue's webmap.* and term.* keys as a flat JSON object,
// each key falling back to English.
func (s *Server) handleMessages(w http.ResponseWriter, r *http.Request) error {
	tag := strings.TrimSuffix(r.PathValue("lang"), ".json")
	l, err := i18n.Parse(tag)
	if err != nil {
		return service.NotFoundf("no messages in %q (languages: en, zh-CN)", tag)
	}
	msgs := i18n.Catalog(l, "webmap.")
	maps.Copy(msgs, i18n.Catalog(l, "term."))
	msgs["lang.tag"] = l.String()
	w.Header().Set("Cache-Control", "no-cache")
	return writeJSON(w, msgs)
}
