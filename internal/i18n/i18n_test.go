package i18n_test

import (
	"errors"
	"regexp"
	"slices"
	"testing"

	"github.com/rescuegrid/rescuegrid/internal/i18n"
)

var placeholder = regexp.MustCompile(`\{[a-z_0-9]+\}`)

// Both catalogues hold the same keys, every message is non-empty, and a
// message has the same placeholders in every language.
func TestCataloguesComplete(t *testing.T) {
	t.Parallel()
	en := i18n.Catalog(i18n.EN, "")
	for _, l := range i18n.Languages() {
		own := i18n.Catalog(l, "")
		for k, msg := range own {
			if !l.Has(k) {
				t.Errorf("%v: key %q missing (falls back to English)", l, k)
				continue
			}
			if msg == "" {
				t.Errorf("%v: %q is empty", l, k)
			}
			got := placeholder.FindAllString(msg, -1)
			want := placeholder.FindAllString(en[k], -1)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(slices.Compact(got), slices.Compact(want)) {
				t.Errorf("%v: %q has placeholders %v, English has %v", l, k, got, want)
			}
		}
	}
	if len(i18n.Keys()) < 20 {
		t.Errorf("English catalogue has %d keys", len(i18n.Keys()))
	}
}

func TestT(t *testing.T) {
	t.Parallel()
	if got, want := i18n.ZhCN.T("term.rescue_circle", "minutes", 15), "15分钟应急救援圈"; got != want {
		t.Errorf("ZhCN.T(term.rescue_circle) = %q, want %q", got, want)
	}
	if got, want := i18n.EN.T("term.rescue_circle", "minutes", 15), "15-minute emergency rescue circle"; got != want {
		t.Errorf("EN.T(term.rescue_circle) = %q, want %q", got, want)
	}
	if got := i18n.ZhCN.T("no.such.key"); got != "no.such.key" {
		t.Errorf("T(missing) = %q, want the key", got)
	}
	if got, want := i18n.ZhCN.Name("stage.", "road network"), "路网"; got != want {
		t.Errorf("ZhCN.Name(stage., road network) = %q, want %q", got, want)
	}
	if got, want := i18n.ZhCN.Name("stage.", "a stage of tomorrow"), "a stage of tomorrow"; got != want {
		t.Errorf("ZhCN.Name(stage., unknown) = %q, want the name itself %q", got, want)
	}
}

func TestParseAndEnv(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]i18n.Lang{"en": i18n.EN, "en_US.UTF-8": i18n.EN, "C": i18n.EN, "zh-CN": i18n.ZhCN, "zh_CN.UTF-8": i18n.ZhCN, "ZH": i18n.ZhCN, "zh-Hans": i18n.ZhCN} {
		if got, err := i18n.Parse(in); err != nil || got != want {
			t.Errorf("Parse(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := i18n.Parse("zh-TW"); !errors.Is(err, i18n.ErrUnknown) {
		t.Errorf("Parse(zh-TW) error = %v, want ErrUnknown (no Traditional catalogue)", err)
	}
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	tests := []struct {
		name string
		env  map[string]string
		want i18n.Lang
	}{
		{"nothing", nil, i18n.EN},
		{"LANG zh", map[string]string{"LANG": "zh_CN.UTF-8"}, i18n.ZhCN},
		{"LC_ALL wins", map[string]string{"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, i18n.EN},
		{"LC_MESSAGES", map[string]string{"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, i18n.ZhCN},
		{"other language", map[string]string{"LANG": "fr_FR.UTF-8"}, i18n.EN},
	}
	for _, tt := range tests {
		if got := i18n.FromEnv(env(tt.env)); got != tt.want {
			t.Errorf("%s: FromEnv = %v, want %v", tt.name, got, tt.want)
		}
	}
}
