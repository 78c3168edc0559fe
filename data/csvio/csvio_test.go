package csvio

import (
	"bytes"
	"encoding/csv"
	"math/rand/v2"
	"strings"
	"testing"
)

// The rows come out byte for byte as encoding/csv's Writer writes them,
// and read back as they went in.
func TestSameAsEncodingCSV(t *testing.T) {
	fields := []string{"", "a", "a b", " a", "\ta", "a ", `\.`, `\..`, "a,b", `a"b`, `"`, "a\nb", "a\r\nb", "\u00a0x",
		"São Paulo", "北京", "x\u2028", ",", "\"\"", "1.5", "-0", "NaN"}
	alphabet := []string{"a", " ", ",", "\"", "\n", "\r", "\\", ".", "é", "\u3000", "\t"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		var b strings.Builder
		for range r.IntN(6) {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		fields = append(fields, b.String())
	}
	checked := 0
	for i := 0; i+3 <= len(fields); i++ {
		row := fields[i : i+3]
		var want bytes.Buffer
		cw := csv.NewWriter(&want)
		if err := cw.Write(row); err != nil {
			t.Fatal(err)
		}
		cw.Flush()
		got := AppendRow(nil, row...)
		if !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("row %q: got %q, encoding/csv wrote %q", row, got, want.Bytes())
		}
		var w bytes.Buffer
		if err := WriteRow(&w, row...); err != nil || !bytes.Equal(w.Bytes(), got) {
			t.Fatalf("WriteRow %q: %q, %v", row, w.Bytes(), err)
		}
		for _, f := range row {
			if Field(f) != string(AppendField(nil, f)) {
				t.Fatalf("Field(%q) = %q, AppendField %q", f, Field(f), AppendField(nil, f))
			}
		}
		// A lone empty field is written as an empty line, which a reader
		// skips: encoding/csv writes it so too, and it reads back only in
		// rows of more than one field, as here.
		back, err := csv.NewReader(bytes.NewReader(got)).Read()
		if err != nil {
			t.Fatalf("row %q read back: %v", row, err)
		}
		if strings.Join(back, "\x00") != strings.Join(normalize(row), "\x00") {
			t.Fatalf("row %q read back as %q", row, back)
		}
		checked++
	}
	if checked < 2000 {
		t.Fatalf("only %d rows checked", checked)
	}
}

// normalize is what a CSV reader returns for a field written here: "\r\n"
// inside a quoted field reads back as "\n".
func normalize(row []string) []string {
	out := make([]string, len(row))
	for i, f := range row {
		out[i] = strings.ReplaceAll(f, "\r\n", "\n")
	}
	return out
}
