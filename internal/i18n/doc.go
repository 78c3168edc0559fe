// Package i18n is rescuegrid's message catalogue: every sentence a person
// reads (the report, the printed summary, the command-line help, the web
// map) in English and Simplified Chinese, looked up by a stable dotted key.
//
// The catalogues are JSON files embedded from catalog/ (catalog/en.json,
// catalog/zh-CN.json): one flat object of key → message per language. A
// message may hold named placeholders, {name}, filled by T from name/value
// pairs; the same placeholders appear in every language (a test checks that
// both files have the same keys and the same placeholders). Keys are grouped
// by prefix: "term." for the planners' vocabulary (乡镇/街道, 应急避难场所 …),
// "level." for team levels, "report.", "summary.", "cli.", "webmap." for
// their pages.
//
// Table and column names are not translated: they are the stable interface
// of code and stay English. Study names and unit names are shown as given.
//
// The catalogue is read once at init and never changes; everything here is
// safe for concurrent use.
package i18n
