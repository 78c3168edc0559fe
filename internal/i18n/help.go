package i18n

import "embed"

//go:embed help
var helpFS embed.FS

// Help returns the command-line help text of command (its flag-set name
// with spaces as dashes: "analyze", "network-build", "main") in language
// l, and whether there is one. English help lives beside each command in
// cmd/rescuegrid; the translations live here, in help/<lang>/<command>.txt.
// "main" holds one %s for the list of commands.
func Help(l Lang, command string) (string, bool) {
	if l == EN {
		return "", false
	}
	b, err := helpFS.ReadFile("help/" + l.String() + "/" + command + ".txt")
	if err != nil {
		return "", false
	}
	return string(b), true
}
