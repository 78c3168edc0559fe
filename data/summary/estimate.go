package summary

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/rescuegrid/rescuegrid/internal/i18n"
)

// PopulationEstimate is how residents were estimated from OSM buildings,
// the figures of population_source: the buildings used and the file's
// name, the storeys assumed for a building without levels and the cap,
// the floor area per resident (m²), and the scale to a given total
// (Scale 0: not scaled). A reader says it in its own language with Text.
type PopulationEstimate struct {
	Buildings     int     `json:"buildings"`
	File          string  `json:"file"`
	DefaultLevels float64 `json:"default_levels"`
	MaxLevels     float64 `json:"max_levels"`
	FloorM2       float64 `json:"floor_m2_per_resident"`
	Scale         float64 `json:"scale,omitempty"`
	ScaleTo       float64 `json:"scale_to,omitempty"`
}

// Text says the estimate in language l, with its figures; in English it
// is population_source's text.
func (e *PopulationEstimate) Text(l i18n.Lang) string {
	var s strings.Builder
	for _, m := range e.Messages() {
		s.WriteString(m.Text(l))
	}
	return s.String()
}

// Messages are the estimate as messages of the catalogue, said one after
// another: the estimate, and the scale when scaled.
func (e *PopulationEstimate) Messages() []*Message {
	g := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	out := []*Message{NewMessage("summary.source_buildings", "n", strconv.Itoa(e.Buildings), "file", e.File, "levels", g(e.DefaultLevels), "max", g(e.MaxLevels), "m2", g(e.FloorM2))}
	if e.Scale > 0 {
		out = append(out, NewMessage("summary.source_scaled", "scale", fmt.Sprintf("%.4g", e.Scale), "total", g(e.ScaleTo)))
	}
	return out
}

// PopulationText says where the population came from in language l: an
// estimate from OSM buildings in l's words, any other source (a file's or
// the study's description, or an output written before the estimate was
// kept) as population_source says it.
func (s *Summary) PopulationText(l i18n.Lang) string {
	if s.PopulationEstimate != nil && l != i18n.EN {
		return s.PopulationEstimate.Text(l)
	}
	return s.Population
}

// A Message is a text of the interface's catalogue (internal/i18n) with
// the values of its placeholders, kept beside the English text it gives,
// so that a reader says it in its own language. A placeholder in Parts is
// filled with other messages, said one after another in the same language
// (none: the placeholder says nothing).
type Message struct {
	Key   string                `json:"key"`
	Args  map[string]string     `json:"args,omitempty"`
	Parts map[string][]*Message `json:"parts,omitempty"`
}

// NewMessage returns the message key with its placeholders' values as
// name/value pairs, as i18n.Lang.T takes them.
func NewMessage(key string, args ...string) *Message {
	m := &Message{Key: key}
	for i := 0; i+1 < len(args); i += 2 {
		if m.Args == nil {
			m.Args = map[string]string{}
		}
		m.Args[args[i]] = args[i+1]
	}
	return m
}

// With fills placeholder name with the messages parts and returns m.
func (m *Message) With(name string, parts ...*Message) *Message {
	if m.Parts == nil {
		m.Parts = map[string][]*Message{}
	}
	m.Parts[name] = parts
	return m
}

// Text says m in language l.
func (m *Message) Text(l i18n.Lang) string {
	args := make([]any, 0, 2*(len(m.Args)+len(m.Parts)))
	for _, k := range slices.Sorted(maps.Keys(m.Args)) {
		args = append(args, k, m.Args[k])
	}
	for _, k := range slices.Sorted(maps.Keys(m.Parts)) {
		var s strings.Builder
		for _, p := range m.Parts[k] {
			s.WriteString(p.Text(l))
		}
		args = append(args, k, s.String())
	}
	return l.T(m.Key, args...)
}

// Known reports whether l's catalogue holds m's key and its parts' (an
// output of a newer version may name a message this one lacks).
func (m *Message) Known(l i18n.Lang) bool {
	if !l.Has(m.Key) {
		return false
	}
	for _, ps := range m.Parts {
		for _, p := range ps {
			if !p.Known(l) {
				return false
			}
		}
	}
	return true
}

// DetailText is the source's detail in language l: Detail in English, or
// when the detail's message is kept and l's catalogue knows it (an output
// of a newer version may name a message this one lacks), in l's words.
func (s *Source) DetailText(l i18n.Lang) string {
	if m := s.DetailMessage; m != nil && l != i18n.EN && m.Known(l) {
		return m.Text(l)
	}
	return s.Detail
}

// NoteTexts are the notes in language l: a note kept as a message in l's
// words, any other (the study's own notes, in the study's words; an output
// of a version before note_messages) as notes says it.
func (s *Summary) NoteTexts(l i18n.Lang) []string {
	out := make([]string, len(s.Notes))
	for i, n := range s.Notes {
		out[i] = NoteText(n, s.NoteMessages, i, l)
	}
	return out
}

// NoteText is note i, whose English text is note, in language l: from its
// message in msgs (aligned with the notes; shorter, or nil at i, when a
// note has none) when l's catalogue knows it, else note.
func NoteText(note string, msgs []*Message, i int, l i18n.Lang) string {
	if l != i18n.EN && i < len(msgs) && msgs[i] != nil && msgs[i].Known(l) {
		return msgs[i].Text(l)
	}
	return note
}
