package study

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ErrEmptyStudy: the study file holds no YAML at all.
var ErrEmptyStudy = errors.New("the file is empty (or only comments): want a YAML study with at least network, facilities and population (docs/study-file.md documents every key)")

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

// checkWhole refuses a float where the target of decoding is an integer
// (yaml.v3 truncates: team_size: 2.5 became 2), naming the line and key.
// node is the decoded document, t the type decoded into.
func checkWhole(node *yaml.Node, t reflect.Type, key string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if node.Kind == yaml.DocumentNode {
		for _, c := range node.Content {
			if err := checkWhole(c, t, key); err != nil {
				return err
			}
		}
		return nil
	}
	if node.Kind == yaml.AliasNode || t == reflect.TypeOf(yaml.Node{}) {
		return nil
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if node.Kind == yaml.ScalarNode && node.ShortTag() == "!!float" {
			return fmt.Errorf("line %d: %s: %q is not a whole number", node.Line, key, node.Value)
		}
	case reflect.Slice, reflect.Array:
		if node.Kind == yaml.SequenceNode {
			for i, c := range node.Content {
				if err := checkWhole(c, t.Elem(), fmt.Sprintf("%s[%d]", key, i)); err != nil {
					return err
				}
			}
		}
	case reflect.Map:
		if node.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(node.Content); i += 2 {
				if err := checkWhole(node.Content[i+1], t.Elem(), join(key, node.Content[i].Value)); err != nil {
					return err
				}
			}
		}
	case reflect.Struct:
		if node.Kind != yaml.MappingNode {
			return nil
		}
		fields := map[string]reflect.Type{}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == "" || name == "-" || !f.IsExported() {
				continue
			}
			fields[name] = f.Type
		}
		for i := 0; i+1 < len(node.Content); i += 2 {
			k := node.Content[i].Value
			if ft, ok := fields[k]; ok {
				if err := checkWhole(node.Content[i+1], ft, join(key, k)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func join(key, k string) string {
	if key == "" {
		return k
	}
	return key + "." + k
}
