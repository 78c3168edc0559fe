package httpapi

import (
	"crypto/subtle"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/rescuegrid/rescuegrid/internal/service"
)

// check refuses what no route should serve, before any work: a Host that
// is not this server's (when bound to loopback), a missing or wrong token
// (except on the health probes and preflights, noAuth), a POST from
// another site's page or of anything but JSON. It also sets the CORS
// headers of the answer: any origin may read (GET), only the server's own
// page and the configured origins may POST.
func (s *Server) check(w http.ResponseWriter, r *http.Request, noAuth bool) error {
	if s.cfg.CheckHost && !s.hostAllowed(r.Host) {
		return service.Errorf(service.ErrForbidden, "Host %q is not this server's name: it serves loopback names only (see serve --allow-host)", cut(r.Host, 64))
	}
	h := w.Header()
	h.Set("Vary", "Origin")
	origin := r.Header.Get("Origin")
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Expose-Headers", "ETag, Retry-After")
	case http.MethodPost:
		if origin != "" {
			if !s.originAllowed(origin, r.Host) {
				return service.Errorf(service.ErrForbidden, "a page of %s may not POST here (allowed: this server's own page%s)", cut(origin, 100), s.originList())
			}
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Expose-Headers", "Retry-After")
		}
		mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || mt != "application/json" {
			return service.Errorf(service.ErrMediaType, "Content-Type %q: POST bodies are application/json", cut(r.Header.Get("Content-Type"), 64))
		}
	}
	if !noAuth && s.cfg.Token != "" {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(tok), []byte(s.cfg.Token)) != 1 {
			h.Set("WWW-Authenticate", `Bearer realm="rescuegrid"`)
			return service.Errorf(service.ErrUnauthenticated, "this server needs its bearer token (Authorization: Bearer …)")
		}
	}
	return nil
}

// handlePreflight answers a browser's CORS preflight: GET for any origin,
// POST for the allowed ones only.
func (s *Server) handlePreflight(w http.ResponseWriter, r *http.Request) error {
	h := w.Header()
	origin := r.Header.Get("Origin")
	switch m := r.Header.Get("Access-Control-Request-Method"); m {
	case "", http.MethodGet, http.MethodHead:
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "If-None-Match, Authorization")
	case http.MethodPost:
		if !s.originAllowed(origin, r.Host) {
			return service.Errorf(service.ErrForbidden, "a page of %s may not POST here (allowed: this server's own page%s)", cut(origin, 100), s.originList())
		}
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "Content-Type, If-None-Match, Authorization")
	default:
		return service.Errorf(service.ErrForbidden, "method %q: this server answers GET, HEAD and POST", cut(m, 32))
	}
	h.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// originAllowed: the page this server served itself (its origin names the
// Host the request came to), or a configured origin.
func (s *Server) originAllowed(origin, host string) bool {
	if slices.Contains(s.cfg.Origins, origin) {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && strings.EqualFold(u.Host, host)
}

func (s *Server) originList() string {
	if len(s.cfg.Origins) == 0 {
		return "; add others with serve --cors-origin"
	}
	return ", " + strings.Join(s.cfg.Origins, ", ")
}

// hostAllowed: a loopback name or address, or a configured host; the port
// is not looked at (the listener chose it).
func (s *Server) hostAllowed(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") || slices.ContainsFunc(s.cfg.Hosts, func(h string) bool { return strings.EqualFold(h, host) }) {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// cut quotes at most n bytes of what a client sent back to it.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
