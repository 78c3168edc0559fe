package study

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ErrEmptyStudy: the study file holds no YAML at all.
var ErrEmptyStudy = errors.New("the file is empty (or only comments): want a YAML study with at least network, facilities and population (README.md documents every key)")

// wholeNumber is an integer key of the study file. YAML decoding into a Go
// int truncates a float (resolution: 9.5 became 9); this refuses it.
type wholeNumber int

func (n *wholeNumber) UnmarshalYAML(node *yaml.Node) error {
	v, err := strconv.Atoi(strings.TrimSpace(node.Value))
	if node.Kind != yaml.ScalarNode || err != nil {
		return fmt.Errorf("line %d: %q is not a whole number", node.Line, node.Value)
	}
	*n = wholeNumber(v)
	return nil
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

// blockLines maps the line numbers of the YAML re-marshalled from node
// (where the block starts at line 1) to the lines of the file node was read
// from, by walking the two trees side by side.
func blockLines(node *yaml.Node, remarshalled []byte) map[int]int {
	var re yaml.Node
	if err := yaml.Unmarshal(remarshalled, &re); err != nil {
		return nil
	}
	out := map[int]int{}
	var walk func(a, b *yaml.Node)
	walk = func(a, b *yaml.Node) {
		if a == nil || b == nil {
			return
		}
		if _, ok := out[b.Line]; !ok {
			out[b.Line] = a.Line
		}
		for i := 0; i < len(a.Content) && i < len(b.Content); i++ {
			walk(a.Content[i], b.Content[i])
		}
	}
	r := &re
	if r.Kind == yaml.DocumentNode && len(r.Content) == 1 {
		r = r.Content[0]
	}
	walk(node, r)
	return out
}

// fileLines rewrites the "line N" of a decoding error of the re-marshalled
// block to the line of the file.
func fileLines(err error, lines map[int]int) error {
	if lines == nil {
		return err
	}
	msg := yamlLine.ReplaceAllStringFunc(err.Error(), func(s string) string {
		n, _ := strconv.Atoi(strings.TrimPrefix(s, "line "))
		if l, ok := lines[n]; ok {
			return "line " + strconv.Itoa(l)
		}
		return s
	})
	return errors.New(msg)
}

// stripComments drops YAML comment lines, to tell an empty file.
func stripComments(b []byte) string {
	var keep []string
	for _, l := range strings.Split(string(b), "\n") {
		if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "#") && t != "---" {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}
