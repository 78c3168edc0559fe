package i18n

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// A Lang is a language of the interface.
type Lang uint8

// The languages. The zero value is English.
const (
	EN   Lang = iota // English
	ZhCN             // Simplified Chinese (简体中文)
)

// ErrUnknown is returned by Parse for a language there is no catalogue of.
var ErrUnknown = errors.New("i18n: unknown language")

var tags = [...]string{EN: "en", ZhCN: "zh-CN"}

// String returns the BCP 47 tag: "en" or "zh-CN" (for html lang= and file
// names).
func (l Lang) String() string {
	if int(l) < len(tags) {
		return tags[l]
	}
	return fmt.Sprintf("i18n.Lang(%d)", l)
}

// Languages lists every language with a catalogue, English first.
func Languages() []Lang { return []Lang{EN, ZhCN} }

// Parse reads a language tag or locale name, case-insensitively: "en",
// "en-US", "en_GB.UTF-8", "C", "POSIX" are English; "zh", "zh-CN",
// "zh_CN.UTF-8", "zh-Hans" are Simplified Chinese. Other languages are
// an error wrapping ErrUnknown.
func Parse(s string) (Lang, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if i := strings.IndexAny(t, ".@"); i >= 0 {
		t = t[:i]
	}
	t = strings.ReplaceAll(t, "_", "-")
	switch {
	case t == "en" || strings.HasPrefix(t, "en-") || t == "c" || t == "posix":
		return EN, nil
	case t == "zh" || t == "zh-cn" || t == "zh-hans" || t == "zh-sg" || strings.HasPrefix(t, "zh-hans-"):
		return ZhCN, nil
	}
	return EN, fmt.Errorf("%w %q (want en or zh-CN)", ErrUnknown, s)
}

// FromEnv picks the language from the environment as POSIX does: the
// first non-empty of LC_ALL, LC_MESSAGES and LANG. A Chinese locale gives
// ZhCN; anything else, or nothing, gives EN. getenv is os.Getenv in main
// (a parameter so tests and the service can pass their own).
func FromEnv(getenv func(string) string) Lang {
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(k); v != "" {
			l, err := Parse(v)
			if err != nil {
				return EN
			}
			return l
		}
	}
	return EN
}

//go:embed catalog/*.json
var catalogFS embed.FS

// catalogs[l] is the message table of l, loaded at init.
var catalogs = func() [len(tags)]map[string]string {
	var out [len(tags)]map[string]string
	for l, tag := range tags {
		b, err := catalogFS.ReadFile("catalog/" + tag + ".json")
		if err != nil {
			panic(fmt.Sprintf("i18n: catalogue %s missing: %v", tag, err))
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			panic(fmt.Sprintf("i18n: catalogue %s: %v", tag, err))
		}
		out[l] = m
	}
	return out
}()

// Has reports whether l's catalogue holds key.
func (l Lang) Has(key string) bool {
	_, ok := l.message(key)
	return ok
}

func (l Lang) message(key string) (string, bool) {
	if int(l) >= len(catalogs) {
		l = EN
	}
	m, ok := catalogs[l][key]
	return m, ok
}

// T returns the message key in language l with its placeholders filled
// from args, which are name/value pairs: T("summary.covered", "n", 1200)
// fills {n} with "1200" (values are printed with fmt.Sprint; format
// numbers before passing them when the form matters). A key missing in l
// falls back to English, and a key missing there returns the key itself, so
// a missing message shows rather than vanishing (the catalogue test keeps
// both languages complete).
func (l Lang) T(key string, args ...any) string {
	msg, ok := l.message(key)
	if !ok {
		if msg, ok = EN.message(key); !ok {
			return key
		}
	}
	if len(args) == 0 || !strings.Contains(msg, "{") {
		return msg
	}
	pairs := make([]string, 0, len(args))
	for i := 0; i+1 < len(args); i += 2 {
		pairs = append(pairs, "{"+fmt.Sprint(args[i])+"}", fmt.Sprint(args[i+1]))
	}
	return strings.NewReplacer(pairs...).Replace(msg)
}

// Name returns the message prefix+name in language l, or name itself when
// the catalogue has no such key: for names that come with the data (a
// study's stage, a level, a role), which are shown as they are when the
// catalogue does not know them. Name("stage.", "road network") is "路网" in
// ZhCN and "road network" in EN.
func (l Lang) Name(prefix, name string) string {
	if key := prefix + name; l.Has(key) {
		return l.T(key)
	}
	return name
}

// Catalog returns a copy of l's messages whose keys start with prefix ("" for
// all), for clients that translate themselves (the web map fetches the
// "webmap." and "term." messages as JSON). Keys English has and l lacks
// come in English.
func Catalog(l Lang, prefix string) map[string]string {
	out := map[string]string{}
	for _, src := range []Lang{EN, l} {
		if int(src) >= len(catalogs) {
			continue
		}
		for k, v := range catalogs[src] {
			if strings.HasPrefix(k, prefix) {
				out[k] = v
			}
		}
	}
	return out
}

// Keys returns the sorted keys of the English catalogue.
func Keys() []string { return slices.Sorted(maps.Keys(catalogs[EN])) }
