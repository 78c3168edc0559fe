package report

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// Siting is a folder written by 'rescuegrid site': its summary.json,
// curve.csv (one step per added site, in greedy order) and sites.csv (the
// final plan, after swaps).
type Siting struct {
	Dir          string
	Study        string  // the study's name, to match the coverage output
	Objective    string  // coverage (MCLP), all (LSCP) or time (p-median)
	K            int     // sites asked for
	CandidateRes int     // H3 resolution of the candidate cells
	Candidates   int     // candidate sites kept (with road access)
	Considered   int     // candidate cells considered
	Baseline     float64 // residents within the circle (time: person-seconds) with the existing bases
	Value        float64 // the same with the final plan
	Covered      float64 // residents within the circle with the final plan
	Coverable    float64 // residents any site could bring within the circle
	MeanSeconds  float64 // population-weighted mean time with the final plan
	Seconds      float64 // how long the siting took
	Curve        []SitingStep
	Sites        []NewSite
}

// SitingStep is one row of curve.csv. Bounds are NaN where not computed.
type SitingStep struct {
	K                        int
	SiteID                   string
	Gain, Value, Covered     float64
	PersonSeconds, Swapped   float64
	BoundGreedy, BoundOnline float64
	Exact, Gap               float64
}

// NewSite is one row of sites.csv.
type NewSite struct {
	Rank    int
	ID      string
	Cell    string
	Loc     orb.Point
	Members int
}

// LoadSiting reads a 'rescuegrid site' output folder. Errors name the file
// and, for the CSV files, the line.
func LoadSiting(dir string) (*Siting, error) {
	path := filepath.Join(dir, "summary.json")
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("siting output: %s has no summary.json (give the folder 'rescuegrid site --out' wrote)", dir)
	}
	if err != nil {
		return nil, fmt.Errorf("siting output: %w", err)
	}
	var sum struct {
		Study        string   `json:"study"`
		Objective    *string  `json:"objective"`
		K            int      `json:"k"`
		CandidateRes int      `json:"candidate_res"`
		Baseline     *float64 `json:"baseline"`
		Value        *float64 `json:"value"`
		Covered      *float64 `json:"covered"`
		Coverable    *float64 `json:"coverable"`
		MeanSeconds  *float64 `json:"mean_seconds"`
		Seconds      float64  `json:"seconds"`
		Candidates   struct {
			Considered, Kept int
		} `json:"candidates"`
	}
	if err := json.Unmarshal(b, &sum); err != nil {
		return nil, fmt.Errorf("siting output %s: %w", path, err)
	}
	if sum.Objective == nil {
		return nil, fmt.Errorf("siting output %s: no objective: not written by 'rescuegrid site' (a study output goes first, --siting takes the site folder)", path)
	}
	s := &Siting{Dir: dir, Study: sum.Study, Objective: *sum.Objective, K: sum.K, CandidateRes: sum.CandidateRes,
		Candidates: sum.Candidates.Kept, Considered: sum.Candidates.Considered,
		Baseline: nan(sum.Baseline), Value: nan(sum.Value), Covered: nan(sum.Covered), Coverable: nan(sum.Coverable),
		MeanSeconds: nan(sum.MeanSeconds), Seconds: sum.Seconds}
	err = readCSV(filepath.Join(dir, "curve.csv"), []string{"k", "site_id", "gain", "value", "covered", "person_seconds", "swapped_value", "bound_greedy", "bound_online", "exact", "gap"},
		func(f func(string) string, num func(string) (float64, error)) error {
			var st SitingStep
			var err error
			k, err := num("k")
			if err != nil {
				return err
			}
			st.K, st.SiteID = int(k), f("site_id")
			for _, c := range []struct {
				col string
				v   *float64
			}{{"gain", &st.Gain}, {"value", &st.Value}, {"covered", &st.Covered}, {"person_seconds", &st.PersonSeconds},
				{"swapped_value", &st.Swapped}, {"bound_greedy", &st.BoundGreedy}, {"bound_online", &st.BoundOnline},
				{"exact", &st.Exact}, {"gap", &st.Gap}} {
				if *c.v, err = num(c.col); err != nil {
					return err
				}
			}
			s.Curve = append(s.Curve, st)
			return nil
		})
	if err != nil {
		return nil, err
	}
	err = readCSV(filepath.Join(dir, "sites.csv"), []string{"rank", "site_id", "cell", "lon", "lat", "members"},
		func(f func(string) string, num func(string) (float64, error)) error {
			var v [4]float64
			for i, col := range []string{"rank", "lon", "lat", "members"} {
				x, err := num(col)
				if err != nil {
					return err
				}
				if math.IsNaN(x) {
					return fmt.Errorf("%s is empty", col)
				}
				v[i] = x
			}
			s.Sites = append(s.Sites, NewSite{Rank: int(v[0]), ID: f("site_id"), Cell: f("cell"), Loc: orb.Point{v[1], v[2]}, Members: int(v[3])})
			return nil
		})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// readCSV reads a CSV file with at least the columns want, calling row for
// each line with accessors by column name; num reads a number, NaN for an
// empty field.
func readCSV(path string, want []string, row func(f func(string) string, num func(string) (float64, error)) error) error {
	fh, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("siting output: %s is missing (the folder is incomplete: run 'rescuegrid site' again)", path)
	}
	if err != nil {
		return fmt.Errorf("siting output: %w", err)
	}
	defer fh.Close()
	r := csv.NewReader(fh)
	head, err := r.Read()
	if err != nil {
		return fmt.Errorf("%s: header: %w", path, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(h)] = i
	}
	for _, w := range want {
		if _, ok := col[w]; !ok {
			return fmt.Errorf("%s: no column %q (header %s)", path, w, strings.Join(head, ","))
		}
	}
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		f := func(name string) string { return rec[col[name]] }
		num := func(name string) (float64, error) {
			v := strings.TrimSpace(f(name))
			if v == "" {
				return math.NaN(), nil
			}
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return 0, fmt.Errorf("%s %q is not a number", name, v)
			}
			return x, nil
		}
		if err := row(f, num); err != nil {
			return fmt.Errorf("%s:%d: %w", path, line, err)
		}
	}
}
